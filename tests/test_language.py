"""Language per person: replies in the sentence's language (a bare PIN or "yes": the question's,
else the member's), notifications in their reader's language with the names in it too."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import HubDriver, run_cli


def test_bos_pin_after_a_chinese_request_is_answered_in_chinese(hub: HubDriver) -> None:
    asked = hub.ask("把大门打开", "bo", conversation_id="door")
    assert asked.language == "zh" and "密码" in asked.response
    done = hub.ask("2580", "bo", conversation_id="door")
    assert (done.status.value, done.language, done.response) == ("done", "zh", "已解锁大门。")


def test_a_bare_yes_is_answered_in_the_questions_language(hub: HubDriver) -> None:
    asked = hub.ask("每天晚上七点打开阳台灯", conversation_id="yes-zh")  # Alice speaks English
    assert asked.language == "zh"
    done = hub.ask("ok", conversation_id="yes-zh")
    assert done.status.value == "done" and done.language == "zh", done.response
    assert done.response.startswith("好的")


def test_a_bare_pin_with_no_question_is_answered_in_the_members_language(hub: HubDriver) -> None:
    result = hub.ask("2580", "bo")
    assert result.language == "zh"
    result = hub.ask("2580", "alice")
    assert result.language == "en"


def _child_orders(hub: HubDriver) -> None:
    hub.ask("买两瓶酱油", "lily", conversation_id="lily-order")
    placed = hub.ask("好的", "lily", conversation_id="lily-order")
    assert placed.status.value == "done", placed.response


def test_approval_requests_are_in_each_adults_language_names_included(hub: HubDriver) -> None:
    _child_orders(hub)
    notes = hub.hub.household.notifications
    [bo] = notes.for_member(hub.hub.actor("bo"), "bo")  # in Bo's own language
    assert bo.text == "莉莉想买2 × 酱油（¥25.80）：说“批准订单1”或“拒绝订单1”。"
    [alice] = notes.for_member(hub.hub.actor("alice"), "alice")
    assert (
        alice.text == 'Lily wants to order 2 × soy sauce (¥25.80): say "approve order 1" or "deny order 1".'
    )


def test_cli_notifications_follow_the_members_language(data_dir: Path) -> None:
    said = "买两瓶酱油\n好的\n"
    assert run_cli(data_dir, "ask", "--as", "lily", "-", stdin=said).returncode == 0
    listed = json.loads(run_cli(data_dir, "notifications", "--member", "bo", "--json").stdout)
    assert listed and listed[0]["text"].startswith("莉莉想买2 × 酱油"), listed
    everyone = run_cli(data_dir, "notifications", "--lang", "en").stdout.decode("utf-8")
    assert "Lily wants to order 2 × soy sauce" in everyone and "莉莉" not in everyone
