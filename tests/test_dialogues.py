"""The conversation scenario suite: every scenario in ``tests/dialogues/`` passes, turn by turn.

What each turn checks is described in ``dialogues.py``; the scenarios themselves are
data (``tests/dialogues/en.yaml``, ``zh.yaml``), among them every repro of issue 21.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dialogues import load, run_scenario

SCENARIOS = load()


def test_the_suite_is_big_enough_and_half_chinese() -> None:
    chinese = [s for s in SCENARIOS if s.language == "zh"]
    assert len(SCENARIOS) >= 80
    assert len(chinese) * 2 >= len(SCENARIOS)
    assert all(len(s.turns) >= 1 for s in SCENARIOS)
    assert len({s.id for s in SCENARIOS}) == len(SCENARIOS), "scenario ids must be unique"


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_scenario(scenario, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    results = run_scenario(scenario, tmp_path / "data")
    report = []
    for index, turn in enumerate(results, 1):
        for problem in turn.problems:
            report.append(f"turn {index} {turn.turn.say!r}: {problem}")
    assert not report, "\n".join(report)
