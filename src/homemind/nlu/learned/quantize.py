"""Full-precision network in, the int8 network the hub ships out.

onnxruntime's dynamic quantization squeezes each matrix product's input to 8 bits
with one scale for the whole tensor. A transformer's activations have a few channels
far larger than the rest, so that one scale leaves the small channels a handful of
levels, and most of what int8 costs the tags is lost there, not in the weights.
SmoothQuant (Xiao et al., 2023) moves that spread into the weights, which keep a scale
per output channel: each input channel j is divided by s_j and the weight row j
multiplied by it, which changes nothing in full precision. A ``Mul`` by 1/s before
each product does the dividing at run time, a few hundred multiplications per word.

Written here rather than taken from a library: onnxruntime offers SmoothQuant only for
static quantization and through Intel's neural-compressor, a large dependency for
fifty lines of array arithmetic.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # onnx comes with the train extra; the hub never imports this module
    import onnx

# How much of the activations' spread moves into the weights (0: none, 1: all of it).
# Chosen by how closely the int8 network reproduces its full-precision self on 1,500
# SLURP training sentences (mean KL divergence of the tags; no labels, no dev data).
# Seed-13 student, smoothed on its calibration sentences: 0.0017 without smoothing,
# 0.0007 at 0.7, 0.0006 at 0.8, 0.0007 at 0.9; measured on other sentences (1,000 more
# SLURP ones) both students agree, and 1.0 is worse again (0.0010).
SMOOTHING = 0.8

Feed = dict[str, np.ndarray]


def to_int8(full: Path, out: Path, feeds: Iterable[Feed], smoothing: float = SMOOTHING) -> None:
    """Write ``out``: ``full`` smoothed on ``feeds`` (inputs as the hub gives them), then int8.

    Weights get one scale per output channel; the smoothing scales come from the largest
    value each activation channel takes on ``feeds``.
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model = onnx.load(str(full))
    smoothed = out.with_name(f"{out.stem}-smoothed.onnx")
    onnx.save(smooth(model, channel_maxima(model, feeds), smoothing), str(smoothed))
    try:
        quantize_dynamic(str(smoothed), str(out), weight_type=QuantType.QInt8, per_channel=True)
    finally:
        smoothed.unlink()


def _weight_products(model: onnx.ModelProto) -> dict[str, list[onnx.NodeProto]]:
    """The MatMuls whose second input is a stored weight, grouped by the activation they read.

    Query, key and value read the same activation, so they share one smoothing.
    """
    weights = {i.name for i in model.graph.initializer}
    groups: dict[str, list[onnx.NodeProto]] = {}
    for node in model.graph.node:
        if node.op_type == "MatMul" and node.input[1] in weights:
            groups.setdefault(node.input[0], []).append(node)
    return groups


def channel_maxima(model: onnx.ModelProto, feeds: Iterable[Feed]) -> dict[str, np.ndarray]:
    """The largest absolute value of each channel of each product's input, over ``feeds``."""
    import onnx
    import onnxruntime
    from onnx import helper

    names = list(_weight_products(model))
    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    for name in names:
        probe.graph.output.append(helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None))
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    session = onnxruntime.InferenceSession(
        probe.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )
    maxima: dict[str, np.ndarray] = {}
    for feed in feeds:
        for name, value in zip(names, session.run(names, feed), strict=True):
            largest = np.abs(value.reshape(-1, value.shape[-1])).max(0)
            maxima[name] = np.maximum(maxima[name], largest) if name in maxima else largest
    if len(maxima) != len(names):
        raise ValueError("smoothing needs at least one input to measure the activations on")
    return maxima


def smooth(model: onnx.ModelProto, maxima: dict[str, np.ndarray], smoothing: float) -> onnx.ModelProto:
    """A copy of ``model`` that computes the same function with flatter product inputs."""
    import onnx
    from onnx import helper, numpy_helper

    smoothed = onnx.ModelProto()
    smoothed.CopyFrom(model)
    graph = smoothed.graph
    weights = {i.name: i for i in graph.initializer}
    divide_before: dict[str, onnx.NodeProto] = {}  # first reader's name -> the Mul to put before it
    for index, (activation, products) in enumerate(_weight_products(smoothed).items()):
        matrices = [numpy_helper.to_array(weights[p.input[1]]) for p in products]
        weight_range = np.max([np.abs(m).max(1) for m in matrices], axis=0)
        spread = np.maximum(maxima[activation], 1e-5) ** smoothing
        scale = np.clip(spread / np.maximum(weight_range, 1e-5) ** (1 - smoothing), 1e-2, 1e2).astype(
            np.float32
        )
        inverse = f"smoothing_{index}_inverse"
        graph.initializer.append(numpy_helper.from_array((1 / scale).astype(np.float32), inverse))
        flattened = f"{activation}_smoothed"
        mul = helper.make_node("Mul", [activation, inverse], [flattened], name=f"/smoothing_{index}/Mul")
        divide_before[products[0].name] = mul
        for product, matrix in zip(products, matrices, strict=True):
            name = product.input[1]
            scaled = (matrix * scale[:, None]).astype(np.float32)
            weights[name].CopyFrom(numpy_helper.from_array(scaled, name))
            product.input[0] = flattened
    nodes = []
    for node in graph.node:  # each Mul right before its first reader keeps the graph in order
        if node.name in divide_before:
            nodes.append(divide_before[node.name])
        nodes.append(node)
    del graph.node[:]
    graph.node.extend(nodes)
    return smoothed
