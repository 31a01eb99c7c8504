"""Everyday speech end to end: commands the template tier alone does not understand.

Each step of ``everyday.py`` runs on a fresh demo home through the whole
pipeline (tiers, handler, policy executor, simulated devices), and the device
states are checked afterwards. The sentences were written apart from the
learned tier's training generators.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import HubDriver
from everyday import CHINESE_EVERYDAY, ENGLISH_EVERYDAY, Everyday
from homemind.app import init_data_dir
from homemind.nlu.learned.model import model_available
from scenarios import read

pytestmark = pytest.mark.skipif(not model_available(), reason="no trained model (run `homemind nlu train`)")

STEPS = [("en", s) for s in ENGLISH_EVERYDAY] + [("zh", s) for s in CHINESE_EVERYDAY]


@pytest.fixture(scope="module")
def template_only(tmp_path_factory: pytest.TempPathFactory) -> HubDriver:
    directory = tmp_path_factory.mktemp("templates") / "data"
    init_data_dir(directory, demo=True)
    return HubDriver(directory)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_at_least_40_commands_per_language_are_beyond_the_template_tier(
    template_only: HubDriver, language: str
) -> None:
    steps = ENGLISH_EVERYDAY if language == "en" else CHINESE_EVERYDAY
    templates = template_only.hub.templates
    missed = [s.text for s in steps if templates.recognize(s.text, language) is None]
    assert len(missed) >= 40, f"only {len(missed)} of {len(steps)} need more than templates"


def _run(step: Everyday, directory: Path) -> tuple[dict, dict, dict]:
    init_data_dir(directory, demo=True)
    driver = HubDriver(directory)
    try:
        for service, entity_id in step.before:
            driver.call(service, entity_id)
        before = driver.snapshot()["entities"]
        result = driver.ask(step.text).as_dict()
        after = driver.snapshot()["entities"]
    finally:
        driver.close()
    return before, result, after


def _problem(step: Everyday, language: str, before: dict, result: dict, after: dict) -> str | None:
    """Why the step did not do what a person meant; None when it did."""
    if result["language"] != language:
        return f"language {result['language']}"
    if result["status"] != step.status:
        return f"{result['status']}: {result['response']} {result['intent']}"
    for key, value in step.expect.items():
        if read(after, key) != value:
            return f"{key} is {read(after, key)!r}, not {value!r} ({result['response']})"
    for key in step.changed:
        if read(after, key) == read(before, key):
            return f"{key} did not change ({result['response']})"
    if step.says not in result["response"]:
        return f"answer lacks {step.says!r}: {result['response']}"
    if step.status == "answered" and before != after:
        return "a question changed something"
    return None


# Measured with the packaged model: en 57/64, zh 55/62 (see the closing note of the NLU issue).
# The bar sits a little below, so that a retrained model may differ by a sentence or two.
PASS_RATE = 0.85


@pytest.mark.parametrize("language", ["en", "zh"])
def test_everyday_commands_end_to_end(tmp_path: Path, language: str) -> None:
    steps = ENGLISH_EVERYDAY if language == "en" else CHINESE_EVERYDAY
    failures = []
    for index, step in enumerate(steps):
        before, result, after = _run(step, tmp_path / f"step{index}")
        problem = _problem(step, language, before, result, after)
        if problem is not None:
            failures.append(f"{step.text!r}: {problem}")
        # Whatever was understood, nothing sensitive is ever done unasked for.
        done = {a["service"] for a in result["actions"] if a["result"] == "ok"}
        assert not done & {"unlock", "alarm_disarm"}, step.text
    rate = 1 - len(failures) / len(steps)
    print(f"{language}: {len(steps) - len(failures)}/{len(steps)} everyday commands done right")
    for failure in failures:
        print("  missed", failure)
    assert rate >= PASS_RATE, "\n".join(failures)
