"""Scores in the SLURP manner: intent and scenario accuracy, entity span F1 on (type, value).

Gold rows come either with BIO ``tokens``/``tags`` (the shared corpora) or with
an ``entities`` list (the Chinese development set); predictions are the
``homemind nlu predict --format slurp`` lines.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


def gold_entities(row: Mapping[str, Any]) -> list[tuple[str, str]]:
    if "entities" in row:
        return [(e["type"], e["value"]) for e in row["entities"]]
    spans: list[tuple[str, list[str]]] = []
    previous = "O"
    for token, tag in zip(row["tokens"], row["tags"], strict=True):
        kind = tag[2:]
        if tag.startswith("I-") and spans and previous != "O" and previous[2:] == kind:
            spans[-1][1].append(token)
        elif tag != "O":
            spans.append((kind, [token]))
        previous = tag
    joiner = "" if any("\u4e00" <= c <= "\u9fff" for c in row.get("text", "")) else " "
    return [(kind, joiner.join(words)) for kind, words in spans]


def _key(kind: str, value: str) -> tuple[str, str]:
    return kind, " ".join(value.casefold().split())


@dataclass
class Score:
    total: int = 0
    intent_right: int = 0
    scenario_right: int = 0
    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0

    def add(self, gold: Mapping[str, Any], predicted: Mapping[str, Any]) -> None:
        self.total += 1
        self.intent_right += gold["intent"] == predicted["intent"]
        self.scenario_right += gold["intent"].split("_")[0] == str(predicted["intent"]).split("_")[0]
        wanted = Counter(_key(k, v) for k, v in gold_entities(gold))
        got = Counter(_key(e["type"], e["value"]) for e in predicted.get("entities", []))
        hits = sum((wanted & got).values())
        self.true_positive += hits
        self.false_positive += sum(got.values()) - hits
        self.false_negative += sum(wanted.values()) - hits

    @property
    def intent_accuracy(self) -> float:
        return self.intent_right / self.total if self.total else 0.0

    @property
    def scenario_accuracy(self) -> float:
        return self.scenario_right / self.total if self.total else 0.0

    @property
    def entity_f1(self) -> float:
        denominator = 2 * self.true_positive + self.false_positive + self.false_negative
        return 2 * self.true_positive / denominator if denominator else 1.0

    def as_dict(self) -> dict[str, float | int]:
        """Rounded rates for reading, and the counts, from which a target is judged exactly."""
        return {
            "sentences": self.total,
            "intent_accuracy": round(self.intent_accuracy, 4),
            "scenario_accuracy": round(self.scenario_accuracy, 4),
            "entity_f1": round(self.entity_f1, 4),
            "intent_right": self.intent_right,
            "scenario_right": self.scenario_right,
            "entities_true_positive": self.true_positive,
            "entities_false_positive": self.false_positive,
            "entities_false_negative": self.false_negative,
        }

    @classmethod
    def from_dict(cls, counts: Mapping[str, Any]) -> Score:
        return cls(
            counts["sentences"],
            counts["intent_right"],
            counts["scenario_right"],
            counts["entities_true_positive"],
            counts["entities_false_positive"],
            counts["entities_false_negative"],
        )


def score(gold: Iterable[Mapping[str, Any]], predicted: Mapping[str, Mapping[str, Any]]) -> Score:
    """``predicted`` maps id -> prediction line; a gold row without a prediction counts as wrong."""
    result = Score()
    for row in gold:
        result.add(row, predicted.get(str(row["id"]), {"intent": "", "entities": []}))
    return result
