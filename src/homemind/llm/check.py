"""``homemind llm check``: what the endpoint answers, and what would leave the box per turn.

Three questions of the endpoint (does it answer and offer the model, does the model call
a tool when it should, how long a round trip takes) and one of the hub itself: exactly
what a model turn sends, so a household choosing a cloud endpoint knows what it shares.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from homemind.conversation.history import HISTORY_TURNS
from homemind.core.homefile import is_local_host
from homemind.core.model import LlmSettings, Member
from homemind.llm.endpoint import Endpoint, EndpointError
from homemind.llm.prompt import estimate_tokens, new_canary, system_prompt
from homemind.llm.tier import MAX_TOOL_CALLS

if TYPE_CHECKING:
    from homemind.app import Hub

_PROBE_TOOL = {
    "type": "function",
    "function": {
        "name": "report",
        "description": "Report that tool calling works.",
        "parameters": {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]},
    },
}
_PROBE = [
    {"role": "system", "content": "You test a tool interface. Always call the report tool with ok=true."},
    {"role": "user", "content": "Call the report tool now."},
]


async def check(hub: Hub, settings: LlmSettings, member: Member) -> dict[str, Any]:
    """The report: each probe's answer or its error, and what a turn of ``member``'s sends."""
    endpoint = Endpoint(settings)
    host = urlsplit(settings.base_url).hostname or ""
    report: dict[str, Any] = {
        "endpoint": settings.base_url,
        "model": settings.model,
        "local": is_local_host(host),
        "leaves_the_box": leaves_the_box(hub, member),
    }
    try:
        models = await endpoint.models(settings.timeout_s)
        report["models"] = models
        report["model_offered"] = settings.model in models
    except EndpointError as exc:
        report["models_error"] = str(exc)
    started = time.perf_counter()
    try:
        answer = await endpoint.chat(_PROBE, [_PROBE_TOOL], settings.timeout_s)
        report["round_trip_ms"] = round((time.perf_counter() - started) * 1000, 1)
        report["tool_calling"] = any(c.name == "report" for c in answer.tool_calls)
        if not report["tool_calling"]:
            report["tool_calling_detail"] = f"the model answered text instead: {answer.content[:120]!r}"
    except EndpointError as exc:
        report["tool_calling"] = False
        report["chat_error"] = str(exc)
    report["ok"] = bool(report.get("tool_calling")) and report.get("model_offered", True) is not False
    return report


def leaves_the_box(hub: Hub, member: Member) -> dict[str, Any]:
    """Everything a model turn of ``member``'s sends to the endpoint, and what it never sends."""
    tools = hub.tools.specs(member, read_only=False)
    questions = hub.tools.specs(member, read_only=True)
    prompt = system_prompt(hub.home, member.language, new_canary())
    return {
        "member": member.id,
        "system_prompt_tokens": estimate_tokens(prompt),
        "tools": [t["function"]["name"] for t in tools],
        "tool_tokens": estimate_tokens(json.dumps(tools, ensure_ascii=False)),
        "question_tools": [t["function"]["name"] for t in questions],
        "per_turn": [
            "the hub's rules and the home's room ids (the system prompt)",
            "the tool list above, generated from the hub's intents",
            "what the member said, with anything that looks like a PIN removed",
            f"the results of at most {MAX_TOOL_CALLS} tool calls: entities, states, list items, "
            "reminders and events this member may see",
            f"the conversation's last {HISTORY_TURNS} turns (from the last 5 minutes), as data: the member's "
            "words and what the hub did (intents, entity ids), never what it said",
        ],
        "never": [
            "PINs (a PIN turn never reaches the model) or device codes",
            "passwords, API tokens or the endpoint key of another service",
            "other members' reminders and calendars, or any conversation of another member",
            "calls for help (they never reach the model)",
        ],
    }


def render(report: dict[str, Any]) -> str:
    """The report for a person: one line per question, then the privacy summary."""
    where = "on this home's network" if report["local"] else "OUTSIDE this home (a cloud endpoint)"
    lines = [f"endpoint    {report['endpoint']} ({where})"]
    if "models" in report:
        offered = "offered" if report["model_offered"] else "NOT offered"
        lines.append(
            f"model       {report['model']}: {offered} (models: {', '.join(report['models']) or 'none'})"
        )
    else:
        lines.append(f"models      cannot be listed: {report['models_error']}")
    if report.get("tool_calling"):
        lines.append("tools       yes: the model called the test tool")
    else:
        why = report.get("chat_error") or report.get("tool_calling_detail", "")
        lines.append(f"tools       NO: {why}")
    if "round_trip_ms" in report:
        lines.append(f"round trip  {report['round_trip_ms']:.0f} ms")
    box = report["leaves_the_box"]
    lines.append(f"\nper turn of {box['member']}'s, this leaves the box:")
    lines.append(f"  - the system prompt (~{box['system_prompt_tokens']} tokens): {box['per_turn'][0]}")
    lines.append(f"  - {len(box['tools'])} tools (~{box['tool_tokens']} tokens): {', '.join(box['tools'])}")
    lines.append(f"    (a question gets only: {', '.join(box['question_tools'])})")
    lines.extend(f"  - {item}" for item in box["per_turn"][2:])
    lines.append("never:")
    lines.extend(f"  - {item}" for item in box["never"])
    return "\n".join(lines)
