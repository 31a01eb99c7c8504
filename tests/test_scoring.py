"""SLURP-manner scoring: the counts survive the report, so a target is judged exactly."""

from __future__ import annotations

from typing import Any

from homemind.nlu.learned.scoring import Score, score


def test_a_target_is_judged_on_counts_not_on_rounded_rates() -> None:
    gold = [{"id": i, "intent": "alarm_set", "text": "wake me", "entities": []} for i in range(2033)]
    predicted: dict[str, dict[str, Any]] = {
        str(i): {"intent": "alarm_set" if i < 1789 else "alarm_query", "entities": []} for i in range(2033)
    }
    result = score(gold, predicted)
    reported = result.as_dict()
    assert reported["intent_accuracy"] == 0.88  # what a reader sees
    assert Score.from_dict(reported).intent_accuracy < 0.88  # what the target is judged on
    assert Score.from_dict(reported) == result


def test_entity_counts_give_span_f1() -> None:
    gold = [
        {"id": 1, "intent": "alarm_set", "text": "x", "entities": [{"type": "time", "value": "Five"}]},
        {"id": 2, "intent": "alarm_set", "text": "x", "entities": [{"type": "date", "value": "today"}]},
    ]
    predicted: dict[str, dict[str, Any]] = {
        "1": {"intent": "alarm_set", "entities": [{"type": "time", "value": "five"}]},  # case does not count
        "2": {"intent": "alarm_query", "entities": [{"type": "time", "value": "today"}]},  # wrong type
    }
    counts = score(gold, predicted).as_dict()
    assert (counts["entities_true_positive"], counts["entities_false_positive"]) == (1, 1)
    assert counts["entities_false_negative"] == 1 and counts["intent_right"] == 1
    assert Score.from_dict(counts).entity_f1 == 0.5
