"""The ensemble's networks as one ONNX graph, composed in memory when the model loads.

The packaged model is several networks whose probabilities are averaged. Run as
one onnxruntime session per network, a command paid a session call per network;
composed side by side into one graph (each network's tensors renamed under
``m0/``, ``m1/``...), it is one session and one call, on one thread, with exactly
the same operators and weights, so exactly the same numbers.

Composition only renames tensors and concatenates lists, so it needs no ONNX
library: protobuf (already onnxruntime's dependency) parses the files with a
description of just the fields that hold names, and keeps every other field as it
was read, byte for byte. The ``onnx`` package would do the same, but importing it
costs more than half a second of CPU (its ml_dtypes extension), more than the
whole model load.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

_STRING, _BYTES, _MESSAGE, _INT64 = (
    descriptor_pb2.FieldDescriptorProto.TYPE_STRING,
    descriptor_pb2.FieldDescriptorProto.TYPE_BYTES,
    descriptor_pb2.FieldDescriptorProto.TYPE_MESSAGE,
    descriptor_pb2.FieldDescriptorProto.TYPE_INT64,
)
_ONE, _MANY = (
    descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL,
    descriptor_pb2.FieldDescriptorProto.LABEL_REPEATED,
)
_PACKAGE = "homemind.onnx_names"

# ONNX's own field numbers (onnx/onnx.proto), for the fields that hold tensor names or could
# refer to names outside their member (subgraphs, functions, annotations): those must be absent.
_MESSAGES: dict[str, list[tuple[str, int, int, int, str]]] = {
    "TensorProto": [("name", 8, _STRING, _ONE, "")],
    "ValueInfoProto": [("name", 1, _STRING, _ONE, "")],
    "AttributeProto": [("g", 6, _BYTES, _ONE, ""), ("graphs", 11, _BYTES, _MANY, "")],
    "NodeProto": [
        ("input", 1, _STRING, _MANY, ""),
        ("output", 2, _STRING, _MANY, ""),
        ("name", 3, _STRING, _ONE, ""),
        ("attribute", 5, _MESSAGE, _MANY, "AttributeProto"),
    ],
    "GraphProto": [
        ("node", 1, _MESSAGE, _MANY, "NodeProto"),
        ("initializer", 5, _MESSAGE, _MANY, "TensorProto"),
        ("input", 11, _MESSAGE, _MANY, "ValueInfoProto"),
        ("output", 12, _MESSAGE, _MANY, "ValueInfoProto"),
        ("value_info", 13, _MESSAGE, _MANY, "ValueInfoProto"),
        ("quantization_annotation", 14, _BYTES, _MANY, ""),
        ("sparse_initializer", 15, _BYTES, _MANY, ""),
    ],
    "ModelProto": [
        ("ir_version", 1, _INT64, _ONE, ""),
        ("graph", 7, _MESSAGE, _ONE, "GraphProto"),
        ("opset_import", 8, _BYTES, _MANY, ""),
        ("functions", 25, _BYTES, _MANY, ""),
    ],
}


class CannotCompose(ValueError):
    """The networks cannot be put side by side (another ONNX version, subgraphs, functions)."""


@cache
def _model_class() -> Any:
    """ModelProto as far as names go; protobuf keeps the fields it is not told of as they were."""
    proto = descriptor_pb2.FileDescriptorProto(name="homemind_onnx_names.proto", package=_PACKAGE)
    proto.syntax = "proto2"
    for name, fields in _MESSAGES.items():
        message = proto.message_type.add(name=name)
        for field_name, number, kind, label, type_name in fields:
            field = message.field.add(name=field_name, number=number, type=kind, label=label)
            if type_name:
                field.type_name = f".{_PACKAGE}.{type_name}"
    pool = descriptor_pool.DescriptorPool()
    pool.Add(proto)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{_PACKAGE}.ModelProto"))


def prefixed(name: str, prefix: str) -> str:
    return f"{prefix}{name}" if name else name  # "" marks an absent optional input


def _renamed_graph(path: Path, prefix: str) -> tuple[Any, bytes]:
    """The network at ``path`` with every tensor under ``prefix``: (its model, its graph's bytes)."""
    model = _model_class()()
    model.ParseFromString(path.read_bytes())
    graph = model.graph
    if model.functions or graph.quantization_annotation or graph.sparse_initializer:
        raise CannotCompose(f"{path}: has functions, annotations or sparse tensors")
    for node in graph.node:
        if any(a.g or a.graphs for a in node.attribute):
            raise CannotCompose(f"{path}: node {node.name!r} has a subgraph")
        node.name = prefixed(node.name, prefix)
        node.input[:] = [prefixed(n, prefix) for n in node.input]
        node.output[:] = [prefixed(n, prefix) for n in node.output]
    for item in (*graph.initializer, *graph.input, *graph.output, *graph.value_info):
        item.name = prefixed(item.name, prefix)
    data = graph.SerializeToString()
    model.ClearField("graph")
    return model, data


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        out.append(low | (0x80 if value else 0))
        if not value:
            return bytes(out)


def member_prefix(index: int) -> str:
    return f"m{index}/"


def compose(paths: Sequence[Path], out: BinaryIO) -> None:
    """Write one ONNX model holding every network of ``paths`` side by side, as ``m0/...``, ``m1/...``.

    Inputs and outputs keep their names under the member's prefix
    (``m1/input_ids``, ``m1/intent_logits``). Each member's graph is written as a
    graph field of its own, one after the other: protobuf merges repeated
    occurrences of a message field, appending their repeated fields, so the reader
    sees one graph, and only one member is ever held in memory here.
    """
    first: Any = None
    for index, path in enumerate(paths):
        model, graph = _renamed_graph(path, member_prefix(index))
        if first is None:
            first = model
            out.write(model.SerializeToString())
        elif (model.ir_version, list(model.opset_import)) != (first.ir_version, list(first.opset_import)):
            raise CannotCompose(f"{path}: another ONNX version or opset than {paths[0]}")
        out.write(_varint(7 << 3 | 2) + _varint(len(graph)))  # field 7 of ModelProto: the graph
        out.write(graph)
        del model, graph
    if first is None:
        raise CannotCompose("no networks to compose")


def feeds(members: Sequence[dict[str, Any]]) -> Iterator[tuple[str, Any]]:
    """Each member's inputs under its prefix, for the composed session."""
    for index, feed in enumerate(members):
        for name, value in feed.items():
            yield prefixed(name, member_prefix(index)), value
