"""Distillation: a student learns its teacher's probabilities, not only the teacher's best guess.

These check the loss the second training round uses (``train._soft_losses``); they
need torch, which comes with the ``test`` extra from local disk.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from homemind.nlu.learned.corpus import Example
from homemind.nlu.learned.train import DISTILLED, UNTAGGED, SoftTarget, _soft_losses

INTENTS, TAGS = 3, 4


def _batch() -> list[Example]:
    labelled = Example(
        "turn on the light", "a", ("turn", "on", "the", "light"), ("O", "O", "O", "B-x"), "hwu64"
    )
    words = ("wake", "me", "at", "seven")
    distilled = Example("wake me at seven", "b", words, (UNTAGGED,) * 4, DISTILLED)
    return [labelled, distilled]


def _targets(intent: list[float], tags: dict[int, list[float]]) -> dict[str, SoftTarget]:
    per_word = {w: np.asarray(p, dtype=np.float32) for w, p in tags.items()}
    return {"wake me at seven": SoftTarget(np.asarray(intent, dtype=np.float32), per_word)}


# Row 1's tokens: [CLS] wake me at se ##ven [SEP] -> word ids None 0 1 2 3 3 None.
WORD_IDS = [[None, 0, 1, 2, 3, None, None], [None, 0, 1, 2, 3, 3, None]]


def test_a_sure_teacher_teaches_like_a_label() -> None:
    torch.manual_seed(0)
    intent_logits = torch.randn(2, INTENTS)
    tag_logits = torch.randn(2, 7, TAGS)
    hard = torch.tensor([0.7, 0.0])
    soft = _targets([0.0, 1.0, 0.0], {0: [1, 0, 0, 0], 3: [0, 0, 1, 0]})
    per_sentence, tag_sum, tagged = _soft_losses(_batch(), soft, WORD_IDS, intent_logits, tag_logits, hard)
    assert per_sentence[0] == pytest.approx(0.7)  # the labelled sentence keeps its own loss
    expected = torch.nn.functional.cross_entropy(intent_logits[1:], torch.tensor([1]))
    assert float(per_sentence[1]) == pytest.approx(float(expected), rel=1e-5)
    # Only the first sub-word of each word the teacher tagged counts: "wake" and "se".
    assert tagged == 2
    log_probs = tag_logits[1].log_softmax(-1)
    assert float(tag_sum) == pytest.approx(float(-(log_probs[1, 0] + log_probs[4, 2])), rel=1e-5)


def test_a_student_that_agrees_with_its_teacher_learns_nothing_more() -> None:
    intent_logits = torch.tensor([[0.0, 0.0, 0.0], [2.0, -1.0, 0.5]], requires_grad=True)
    tag_logits = torch.zeros(2, 7, TAGS, requires_grad=True)
    agreeing = intent_logits[1].detach().softmax(-1).tolist()
    soft = _targets(agreeing, {1: [0.25, 0.25, 0.25, 0.25]})
    per_sentence, tag_sum, tagged = _soft_losses(
        _batch(), soft, WORD_IDS, intent_logits, tag_logits, torch.zeros(2)
    )
    (per_sentence.sum() + tag_sum).backward()
    assert tagged == 1
    assert torch.allclose(intent_logits.grad, torch.zeros_like(intent_logits), atol=1e-6)
    assert torch.allclose(tag_logits.grad, torch.zeros_like(tag_logits), atol=1e-6)
    # A teacher that disagrees does move the student.
    intent_logits.grad = None
    other = _targets([1.0, 0.0, 0.0], {})
    per_sentence, _, _ = _soft_losses(_batch(), other, WORD_IDS, intent_logits, tag_logits, torch.zeros(2))
    per_sentence.sum().backward()
    assert float(intent_logits.grad[1].abs().sum()) > 0.1


def test_a_batch_without_distilled_sentences_is_left_alone() -> None:
    batch = [_batch()[0]]
    hard = torch.tensor([0.3])
    per_sentence, tag_sum, tagged = _soft_losses(
        batch, {}, WORD_IDS[:1], torch.zeros(1, 3), torch.zeros(1, 7, 4), hard
    )
    assert per_sentence is hard and tagged == 0 and float(tag_sum) == 0.0
