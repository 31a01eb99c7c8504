"""`homemind nlu predict`: the model over JSON lines, for evaluation by others.

Each input line is ``{"id", "text"}``; each output line carries the label, the
entities as they appear in the text, and the time that one sentence took. A
bad line gets an ``error`` line with its number rather than stopping the run,
so one stray line in a 10,000-line file loses nothing else.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from typing import Any

from homemind.nlu.learned.model import LearnedModel

FORMATS = ("slurp", "homemind")
MAX_TEXT_CHARS = 1000


def predict_lines(model: LearnedModel, lines: Iterable[str], output_format: str) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            yield {"line": number, "error": f"not JSON: {exc.msg}"}
            continue
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            yield {"line": number, "id": _id(row), "error": 'expected {"id": ..., "text": "..."}'}
            continue
        text = row["text"]
        if len(text) > MAX_TEXT_CHARS:
            yield {"line": number, "id": _id(row), "error": f"text longer than {MAX_TEXT_CHARS} characters"}
            continue
        started = time.perf_counter()
        prediction = model.predict(text)
        latency_ms = round((time.perf_counter() - started) * 1000, 3)
        if output_format == "slurp":
            # SLURP scores every span it is given: a guess (Entity.sure) costs more than it earns.
            entities = [{"type": e.type, "value": e.value} for e in prediction.entities if e.sure]
            yield {
                "id": row.get("id"),
                "intent": prediction.slurp_intent,
                "entities": entities,
                "latency_ms": latency_ms,
            }
        else:
            yield {
                "id": row.get("id"),
                "intent": prediction.intent,
                "confidence": round(prediction.confidence, 4),
                "entities": [
                    {
                        "type": e.type,
                        "value": e.value,
                        "start": e.start,
                        "end": e.end,
                        "confidence": e.confidence,
                    }
                    for e in prediction.entities
                ],
                "alternatives": [{"intent": i, "confidence": c} for i, c in prediction.alternatives],
                "latency_ms": latency_ms,
            }


def _id(row: Any) -> Any:
    return row.get("id") if isinstance(row, dict) else None
