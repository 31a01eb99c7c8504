"""The ensemble runs as one composed graph: a valid ONNX model whose numbers are each network's own."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import pytest

from homemind.nlu.learned.ensemble import CannotCompose, compose, feeds
from homemind.nlu.learned.model import MODEL_DIR, LearnedModel, member_dirs, model_available
from homemind.nlu.learned.words import split_words

pytestmark = pytest.mark.skipif(not model_available(), reason="no trained model (run `homemind nlu train`)")

SENTENCES = [
    "turn off the lights in the kitchen",
    "把客厅的灯关了吧",
    "嗯 把馄饨加到购物清单",
    "wake me up at 7",
]


def _session(model: str | bytes) -> onnxruntime.InferenceSession:
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    return onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])


def test_the_composed_graph_gives_each_networks_own_numbers() -> None:
    directories = member_dirs(MODEL_DIR)
    out = io.BytesIO()
    compose([d / "model.onnx" for d in directories], out)
    composed = out.getvalue()
    onnx.checker.check_model(onnx.load_from_string(composed), full_check=True)
    together = _session(composed)
    alone = [_session(str(d / "model.onnx")) for d in directories]
    model = LearnedModel()
    for text in SENTENCES:
        words = split_words(text)
        inputs = [member.inputs(words)[0] for member in model._members]
        outputs = [f"m{i}/{name}" for i in range(len(alone)) for name in ("intent_logits", "tag_logits")]
        joint = together.run(outputs, dict(feeds(inputs)))
        for index, (session, feed) in enumerate(zip(alone, inputs, strict=True)):
            intent, tags = session.run(["intent_logits", "tag_logits"], feed)
            assert np.array_equal(joint[2 * index], intent)  # the same operators on the same weights
            assert np.array_equal(joint[2 * index + 1], tags)


def test_a_network_that_cannot_be_composed_is_refused(tmp_path: Path) -> None:
    network = onnx.load(str(member_dirs(MODEL_DIR)[0] / "model.onnx"))
    network.functions.add().name = "local_function"  # a function would clash with the other member's
    broken = tmp_path / "model.onnx"
    onnx.save(network, str(broken))
    with pytest.raises(CannotCompose, match="functions"):
        compose([broken], io.BytesIO())
