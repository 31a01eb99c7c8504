"""Smoothing before int8: the same function in full precision, and closer to it in int8.

A small graph shaped like a transformer block's products (two products reading one
activation, as query and key do, then a second layer), fed activations with one channel
fifty times larger than the rest, as a transformer's are.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import pytest
from onnx import TensorProto, helper, numpy_helper
from onnxruntime.quantization import QuantType, quantize_dynamic

from homemind.nlu.learned.quantize import channel_maxima, smooth, to_int8


def _model() -> onnx.ModelProto:
    rng = np.random.default_rng(5)
    weights = {
        "query": rng.normal(0, 0.3, (16, 32)),
        "key": rng.normal(0, 0.3, (16, 32)),
        "out": rng.normal(0, 0.3, (32, 4)),
    }
    nodes = [
        helper.make_node("MatMul", ["x", "query"], ["q"], name="/query/MatMul"),
        helper.make_node("MatMul", ["x", "key"], ["k"], name="/key/MatMul"),
        helper.make_node("Add", ["q", "k"], ["sum"], name="/Add"),
        helper.make_node("Relu", ["sum"], ["hidden"], name="/Relu"),
        helper.make_node("MatMul", ["hidden", "out"], ["y"], name="/out/MatMul"),
    ]
    graph = helper.make_graph(
        nodes,
        "block",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, None, 16])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, None, 4])],
        [numpy_helper.from_array(w.astype(np.float32), name) for name, w in weights.items()],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)


def _feeds(count: int, seed: int) -> list[dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    feeds = []
    for _ in range(count):
        x = rng.normal(0, 1, (1, int(rng.integers(3, 12)), 16)).astype(np.float32)
        x[..., 0] *= 50  # the outlier channel
        feeds.append({"x": x})
    return feeds


def _outputs(model: onnx.ModelProto | Path, feeds: list[dict[str, np.ndarray]]) -> list[np.ndarray]:
    source = str(model) if isinstance(model, Path) else model.SerializeToString()
    session = onnxruntime.InferenceSession(source, providers=["CPUExecutionProvider"])
    return [session.run(None, feed)[0] for feed in feeds]


def _error(a: list[np.ndarray], b: list[np.ndarray]) -> float:
    return float(np.mean([np.abs(x - y).mean() for x, y in zip(a, b, strict=True)]))


def test_smoothing_computes_the_same_function() -> None:
    model = _model()
    smoothed = smooth(model, channel_maxima(model, _feeds(20, seed=1)), 0.8)
    unseen = _feeds(10, seed=2)
    for before, after in zip(_outputs(model, unseen), _outputs(smoothed, unseen), strict=True):
        np.testing.assert_allclose(after, before, rtol=1e-4, atol=1e-3)
    muls = [n for n in smoothed.graph.node if n.op_type == "Mul"]
    assert len(muls) == 2  # query and key share one: they read the same activation
    # The weights did change: the outlier channel's row grew, the activation shrinks to match.
    original = numpy_helper.to_array(model.graph.initializer[0])
    changed = next(i for i in smoothed.graph.initializer if i.name == "query")
    assert abs(numpy_helper.to_array(changed)[0]).max() > 5 * abs(original[0]).max()


def test_smoothed_int8_stays_closer_to_full_precision(tmp_path: Path) -> None:
    model = _model()
    onnx.save(model, str(tmp_path / "full.onnx"))
    to_int8(tmp_path / "full.onnx", tmp_path / "smoothed.onnx", _feeds(20, seed=1))
    quantize_dynamic(
        str(tmp_path / "full.onnx"),
        str(tmp_path / "plain.onnx"),
        weight_type=QuantType.QInt8,
        per_channel=True,
    )
    assert not (tmp_path / "smoothed-smoothed.onnx").exists()  # the intermediate file is gone
    shipped = onnx.load(str(tmp_path / "smoothed.onnx"))
    assert sum(n.op_type == "MatMulInteger" for n in shipped.graph.node) == 3
    unseen = _feeds(30, seed=3)
    reference = _outputs(model, unseen)
    smoothed_error = _error(_outputs(tmp_path / "smoothed.onnx", unseen), reference)
    plain_error = _error(_outputs(tmp_path / "plain.onnx", unseen), reference)
    assert smoothed_error < 0.75 * plain_error  # measured: about half


def test_smoothing_needs_inputs_to_measure() -> None:
    with pytest.raises(ValueError, match="at least one input"):
        channel_maxima(_model(), [])
