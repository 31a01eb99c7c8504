"""`homemind nlu train` on a tiny plan: the same inputs give the same model, and a build
is swapped in whole or not at all.

The real rebuild takes about two hours, so these run the very same code on a few dozen
sentences for one epoch (about ten seconds a network). The "shared corpora" here are
sentences from the repo's own English generators, so the tests need nothing from
``../shared``. They need torch, transformers and
the packaged MiniLM encoder, which the ``test`` extra installs (torch from local disk).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import onnx
import pytest

from homemind.nlu.learned.corpus import TemplateExpander
from homemind.nlu.learned.model import ENSEMBLE_FILE, LearnedModel
from homemind.nlu.learned.train import TrainingPlan, train, train_ensemble

TINY = TrainingPlan(
    limit=40,
    epochs=1,
    student_epochs=1,
    zh_per_intent=1,
    zh_per_home_assistant_intent=1,
    en_per_product_intent=1,
    en_per_slurp_intent=1,
    threads=1,
)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> TrainingPlan:
    """TINY, reading stand-ins for the shared corpora written in their formats."""
    shared = tmp_path_factory.mktemp("shared")
    generated = [e for e in TemplateExpander("en").generate(2, seed=7) if not e.intent.startswith("hm_")]
    rows = [json.dumps(e.as_dict()) for e in generated[0::2]]  # one labelled sentence per SLURP intent
    (shared / "hwu64_clean.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
    unlabelled = "\n".join(e.text for e in generated[1::2]) + "\n"  # and one without its label
    (shared / "slurp_train_sentences_unlabeled.txt").write_text(unlabelled, encoding="utf-8")
    return replace(TINY, shared=shared)


def _quiet(_: str) -> None:
    pass


def _int8_weights(model_file: Path) -> list[onnx.TensorProto]:
    graph = onnx.load(str(model_file)).graph
    return [i for i in graph.initializer if i.data_type == onnx.TensorProto.INT8 and len(i.dims) == 2]


def _scales_per_channel(model_file: Path) -> bool:
    graph = onnx.load(str(model_file)).graph
    scales = [i for i in graph.initializer if i.name.endswith("_scale") and "MatMul" in i.name]
    return bool(scales) and all(len(i.dims) == 1 and i.dims[0] > 1 for i in scales)


def _files(directory: Path) -> dict[str, bytes]:
    files = sorted(p for p in directory.rglob("*") if p.is_file())
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in files}


def test_the_same_plan_gives_the_same_bytes(tiny: TrainingPlan, tmp_path: Path) -> None:
    first = train(tiny, tmp_path / "a", _quiet)
    second = train(tiny, tmp_path / "b", _quiet)
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert set(a) == {"labels.json", "model.onnx", "tokenizer.json.gz"}
    assert a["model.onnx"] == b["model.onnx"]
    assert a["tokenizer.json.gz"] == b["tokenizer.json.gz"]
    # Only the wall-clock time may differ in what is recorded beside the model.
    first.pop("seconds"), second.pop("seconds")
    assert first == second
    # A different seed is a different model: the comparison above can fail.
    train(replace(tiny, seed=29), tmp_path / "c", _quiet)
    assert (tmp_path / "c" / "model.onnx").read_bytes() != a["model.onnx"]


def test_an_ensemble_replaces_the_old_model_whole(tiny: TrainingPlan, tmp_path: Path) -> None:
    out = tmp_path / "model"
    out.mkdir()
    (out / "from-the-old-model").write_text("old", encoding="utf-8")
    result = train_ensemble(tiny, (13, 29), out, _quiet)

    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]  # no staging or previous left behind
    assert sorted(p.name for p in out.iterdir()) == [ENSEMBLE_FILE, "seed-13", "seed-29"]
    shipped = [json.loads((out / f"seed-{s}" / "labels.json").read_text(encoding="utf-8")) for s in (13, 29)]
    assert [m["distilled"] for m in shipped] == [True, True]  # the second round is what ships
    assert [m["distilled"] for m in result["members"]] == [True, True, False, False]
    # What ships is int8 with one scale per output channel.
    assert _int8_weights(out / "seed-13" / "model.onnx")
    assert _scales_per_channel(out / "seed-13" / "model.onnx")
    model = LearnedModel(out)
    assert model.predict("turn off the kitchen lights").intent in model.intents


def test_an_interrupted_build_leaves_the_old_model_as_it_was(tiny: TrainingPlan, tmp_path: Path) -> None:
    out = tmp_path / "model"
    out.mkdir()
    (out / "from-the-old-model").write_text("old", encoding="utf-8")

    def interrupt_the_second_round(line: str) -> None:
        if "distilled" in line:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train_ensemble(tiny, (13,), out, interrupt_the_second_round)
    assert _files(out) == {"from-the-old-model": b"old"}
    # The first round only teaches, so it was kept in full precision.
    teacher = tmp_path / "model.building" / "first-round" / "seed-13" / "model.onnx"
    assert teacher.is_file() and not _int8_weights(teacher)
    # The next build starts its staging afresh rather than trusting a half-built one.
    train_ensemble(tiny, (13,), out, _quiet)
    assert not out.with_name("model.building").exists()
    assert sorted(p.name for p in out.iterdir()) == [ENSEMBLE_FILE, "seed-13"]
