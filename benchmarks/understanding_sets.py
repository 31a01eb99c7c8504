"""What the hub does with everyday speech, per language: done right, asked, not understood, wrong action.

Two sets, each on fresh demo homes:

- **single turn**: ``tests/everyday.py`` (126 commands said as people say them, each on a
  fresh home after its ``before`` calls);
- **multi turn**: ``benchmarks/data/dialogues/*.yaml`` (conversations written apart from
  the tests' scenarios and never used to tune the hub), run by the same runner as
  ``tests/dialogues.py``, one fresh home per conversation.

Each item lands in exactly one bucket, the first that applies:

1. **wrong action**: a device changed in a way the item did not want (another device, the
   wrong direction), or an automation was stored unasked;
2. **done right**: every turn did what was wanted;
3. **asked**: the hub asked a question (which one? did you say?) the item did not expect;
4. **not understood**: anything else (not understood, or understood but not done).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

TESTS = Path(__file__).resolve().parent.parent / "tests"
DIALOGUES = Path(__file__).resolve().parent / "data" / "dialogues"
BUCKETS = ("done_right", "asked", "not_understood", "wrong_action")


def _tests_on_path() -> None:
    if str(TESTS) not in sys.path:
        sys.path.insert(0, str(TESTS))


def _empty() -> dict[str, Any]:
    return {"items": 0, **dict.fromkeys(BUCKETS, 0), "misses": []}


def _asked(result: dict[str, Any]) -> bool:
    return bool(result.get("question")) or result.get("status") == "needs_confirmation"


def multi_turn(directory: Path = DIALOGUES) -> dict[str, dict[str, Any]]:
    _tests_on_path()
    from dialogues import load, run_scenario

    report: dict[str, dict[str, Any]] = {}
    for scenario in load(directory=directory):
        stats = report.setdefault(scenario.language, _empty())
        with tempfile.TemporaryDirectory(prefix="homemind-dialogue-") as tmp:
            turns = run_scenario(scenario, Path(tmp) / "data")
        if any(t.unwanted for t in turns):
            bucket = "wrong_action"
        elif not any(t.problems for t in turns):
            bucket = "done_right"
        elif any(t.problems and _asked(t.result) and not t.turn.asks and t.turn.status != "needs_confirmation"
                 for t in turns):  # fmt: skip
            bucket = "asked"
        else:
            bucket = "not_understood"
        problems = [f"{t.turn.say!r}: {'; '.join(t.problems)}" for t in turns if t.problems]
        _count(stats, bucket, {"id": scenario.id, "bucket": bucket, "problems": problems})
    return report


def _count(stats: dict[str, Any], bucket: str, miss: dict[str, Any]) -> None:
    stats["items"] += 1
    stats[bucket] += 1
    if bucket != "done_right":
        stats["misses"].append(miss)


def single_turn() -> dict[str, dict[str, Any]]:
    _tests_on_path()
    from everyday import CHINESE_EVERYDAY, ENGLISH_EVERYDAY
    from test_everyday import _problem, _run

    report: dict[str, dict[str, Any]] = {}
    for language, steps in (("en", ENGLISH_EVERYDAY), ("zh", CHINESE_EVERYDAY)):
        stats = report.setdefault(language, _empty())
        for step in steps:
            with tempfile.TemporaryDirectory(prefix="homemind-everyday-") as tmp:
                before, result, after = _run(step, Path(tmp) / "data")
            problem = _problem(step, language, before, result, after)
            wanted = set(step.expect) | set(step.changed)
            wrong = [
                e
                for e in after
                if after[e]["state"] != before[e]["state"]
                and e not in {k.partition("@")[0] for k in wanted}
                and not e.startswith("sensor.")  # readings follow what is on (the meter)
            ]
            wrong += [
                k
                for k, v in step.expect.items()
                if "@" not in k and after[k]["state"] not in (v, before[k]["state"])
            ]
            if wrong:
                bucket = "wrong_action"
            elif problem is None:
                bucket = "done_right"
            elif _asked(result):
                bucket = "asked"
            else:
                bucket = "not_understood"
            _count(stats, bucket, {"text": step.text, "bucket": bucket, "problem": problem or str(wrong)})
    return report


def print_sets(sets: dict[str, dict[str, dict[str, Any]]]) -> None:
    print()
    print("Everyday speech: each item lands in one bucket (see benchmarks/understanding_sets.py)")
    header = (
        f"{'set':12} {'lang':4} {'items':>5} {'done right':>11} {'asked':>6} {'not und.':>9} {'wrong':>6}"
    )
    print(header)
    print("-" * len(header))
    for name, per_language in sets.items():
        for language, s in per_language.items():
            right = s["done_right"] / s["items"] if s["items"] else 0.0
            print(
                f"{name:12} {language:4} {s['items']:>5} {s['done_right']:>4} ({right:>4.0%})"
                f" {s['asked']:>6} {s['not_understood']:>9} {s['wrong_action']:>6}"
            )
    for name, per_language in sets.items():
        for language, s in per_language.items():
            for miss in s["misses"]:
                said = miss.get("id") or miss.get("text")
                detail = "; ".join(miss["problems"]) if "problems" in miss else miss["problem"]
                print(f"  [{name} {language}] {miss['bucket']}: {said}: {detail}"[:300])
