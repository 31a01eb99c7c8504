"""The model tier's documents search, against the scripted OpenAI-compatible server (a real socket).

The tool goes through the library's own search as the member asking, so the passages a
model is shown are those the member may read; what the person hears is the model's
text only if it cites the passages it was given, else the quote or "I couldn't find
this". The MCP test for the same tool is in ``test_mcp.py``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import HubDriver
from homemind.llm.documents import answer
from scripted_llm import ScriptedLLM, Step, text, tool_call
from test_llm import _with_llm

CHECKUP = (
    "# Bo's health check\n\n## Results\n\nBlood pressure 120 over 80. Cholesterol is a little high: "
    "the doctor advises less fried food and a walk after dinner.\n"
)
MANUAL = (
    "# Washing machine manual\n\n## Cleaning the filter\n\nClean the drain filter once a month. Open "
    "the small door at the bottom right and unscrew the filter anticlockwise.\n\n## Child lock\n\n"
    "Hold the Temp and Spin buttons together for three seconds to lock the controls.\n"
)
# A question with no word of rules or documents, and no passage close enough for the documents
# answerer to take it (checked: every test asserts the model tier answered).
FRIED = "is there anything about fried food?"
NOTE = "This is information from the cited text, not legal advice."


@pytest.fixture
def model_hub(data_dir: Path) -> Iterator[tuple[HubDriver, ScriptedLLM]]:
    """A demo hub whose model tier talks to a scripted server, and that server."""
    server = ScriptedLLM()
    _with_llm(data_dir, server.url)
    driver = HubDriver(data_dir)
    yield driver, server
    driver.close()
    server.stop()


def _add_documents(hub: HubDriver, folder: Path) -> None:
    """Bo's private check-up and the household's washing machine manual."""
    library = hub.hub.documents.get(create=True) if hub.hub.documents else None
    assert library is not None
    members = hub.hub.home.members
    (folder / "checkup.md").write_text(CHECKUP, "utf-8")
    (folder / "manual.md").write_text(MANUAL, "utf-8")
    library.add(folder / "checkup.md", members["bo"], private=True)
    library.add(folder / "manual.md", members["alice"])


def _offered(request: dict[str, Any]) -> set[str]:
    return {t["function"]["name"] for t in request.get("tools", [])}


def _echo_first(request: dict[str, Any]) -> Step:
    """A model that answers with the first passage it was shown, citing it by its ref."""
    found = json.loads(request["messages"][-1]["content"])
    first = found["passages"][0]
    return text(f"{first['text']} {first['ref']}")


def test_the_model_answers_from_the_passages_it_cites(
    model_hub: tuple[HubDriver, ScriptedLLM], tmp_path: Path
) -> None:
    hub, llm = model_hub
    assert hub.ask(FRIED, "bo").intent is not None
    assert "search_documents" not in _offered(llm.requests[0])  # no library yet: not offered
    _add_documents(hub, tmp_path)

    llm.answer(tool_call("search_documents", query="fried food"), _echo_first)
    result = hub.ask(FRIED, "bo")
    assert result.intent is not None and result.intent.tier == "llm"
    first, second = llm.requests[-2:]
    assert "search_documents" in _offered(first) and "turn_on" not in _offered(first)
    # The passages reach the model as quoted data in a tool message, never in the system prompt.
    shown = json.loads(second["messages"][-1]["content"])
    assert second["messages"][-1]["role"] == "tool"
    assert shown["passages"][0] == {
        "ref": "[1]",
        "citation": '"Bo\'s health check", section "Results"',
        "title": "Bo's health check",
        "section": "Results",
        "text": CHECKUP.split("\n\n")[2].strip(),
    }
    assert "fried" not in second["messages"][0]["content"]
    assert result.status.value == "answered"
    assert "less fried food" in result.response and "[1]" in result.response
    assert result.response.endswith(NOTE)
    assert [(s["title"], s["section"]) for s in result.sources] == [("Bo's health check", "Results")]


@pytest.mark.parametrize(
    "written",
    ["Eat less fried food.", "Article 12 of the Labour Law forbids fried food [1].", "See [7]."],
    ids=["uncited", "names-an-article-not-given", "ref-out-of-range"],
)
def test_an_uncited_or_miscited_answer_is_not_spoken(
    model_hub: tuple[HubDriver, ScriptedLLM], tmp_path: Path, written: str
) -> None:
    hub, llm = model_hub
    _add_documents(hub, tmp_path)
    llm.answer(tool_call("search_documents", query="fried food"), text(written))
    result = hub.ask(FRIED, "bo")
    assert result.intent is not None and result.intent.tier == "llm"
    # The best passage is not close enough to quote on its own: the hub says so, naming it.
    assert result.response == (
        "I couldn't find this in the documents I have. The closest is \"Bo's health check\"."
    )
    assert result.sources == []


def test_a_question_that_the_passage_answers_falls_back_to_the_quote(hub: HubDriver, tmp_path: Path) -> None:
    _add_documents(hub, tmp_path)
    library = hub.hub.documents.get() if hub.hub.documents else None
    assert library is not None
    hits = library.search("how often should the drain filter be cleaned?", hub.hub.home.members["alice"], 3)
    assert hits[0].passage.section == "Cleaning the filter"
    # The model's text cites nothing: the passage is close enough to be quoted instead.
    reply = answer("how often should the drain filter be cleaned?", "Every week, I think.", hits, "en")
    assert reply.speech.startswith('According to "Washing machine manual", section "Cleaning the filter"')
    assert reply.speech.endswith(NOTE) and reply.sources[0]["section"] == "Cleaning the filter"


@pytest.mark.parametrize("member", ["lily", "guest"])
def test_a_private_document_never_reaches_another_members_model(
    model_hub: tuple[HubDriver, ScriptedLLM], tmp_path: Path, member: str
) -> None:
    hub, llm = model_hub
    _add_documents(hub, tmp_path)
    llm.answer(tool_call("search_documents", query="cholesterol blood pressure doctor", k=5), _echo_first)
    result = hub.ask(FRIED, member)
    assert result.intent is not None and result.intent.tier == "llm"
    assert "search_documents" in _offered(llm.requests[-2])  # household documents are theirs to read
    # Nothing of Bo's private check-up left the box (the query's own words are the model's).
    shown_to_model = [m["content"] for r in llm.requests for m in r["messages"] if m["role"] != "assistant"]
    assert not [c for c in shown_to_model if "Bo's health check" in c or "holesterol" in c]
    shown = json.loads(llm.requests[-1]["messages"][-1]["content"])
    assert {p["title"] for p in shown["passages"]} == {"Washing machine manual"}
    assert "fried" not in result.response and all(s["title"] != "Bo's health check" for s in result.sources)


def test_bad_search_arguments_are_answered_as_data(
    model_hub: tuple[HubDriver, ScriptedLLM], tmp_path: Path
) -> None:
    hub, llm = model_hub
    _add_documents(hub, tmp_path)
    llm.answer(
        tool_call("search_documents", query="filter", k=50),
        tool_call("search_documents", k=2),
        text("I don't know."),
    )
    hub.ask(FRIED)
    answers = [r["messages"][-1]["content"] for r in llm.requests[-2:]]
    assert "invalid k" in answers[0] and "invalid query" in answers[1]
