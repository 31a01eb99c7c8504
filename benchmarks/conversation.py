"""Benchmark: homemind's conversation pipeline against plain hassil, on the demo home.

What it measures, all in one run on the same fixed sentences (English and Chinese,
every device domain of the demo home):

1. Warm in-process latency of the full pipeline,
   ``await hub.conversation.process(text, hub.actor(None, "bench"))``: language
   detection, normalization, hassil matching, the intent handler, the policy
   executor, the simulated backend, state persistence and the reply. Each sentence
   is run once to warm up, then ``--rounds`` times; p50 / p99 / mean per language
   and overall. The first call per language (which builds that language's
   templates) is reported separately.
2. Two peers, timed the same way and interleaved with the pipeline, sentence by
   sentence:

   * hassil alone over the same merged intents (home-assistant-intents plus
     homemind's sentences) and the same slot lists the hub uses;
   * hassil + home-assistant-intents alone (``get_intents("en" / "zh-CN")``),
     with the same slot lists.

   Both are given the language and ``best_slot_name="name"`` as the hub does, but
   the RAW text: homemind normalizes first (width, punctuation, Chinese numerals),
   a plain hassil user would not. Coverage is the fraction of sentences matched;
   "agrees" counts matches with the same intent name as homemind's.
3. Start-up: wall time of ``homemind ask --json <sentence>`` as a new process,
   ``--startup-runs`` times for one English and one Chinese sentence, interleaved
   with the peer: a bare hassil process (``python -c``: import hassil and
   home-assistant-intents, parse the language's intents, ``recognize_best`` the
   same sentence with the demo home's names as slot lists, print the intent).
4. Peak RSS (KiB): of this process after the hub's warm-up and after all warm
   runs (``RUSAGE_SELF``), and of a ``homemind ask`` child: one extra run per
   language under GNU ``/usr/bin/time -f %M`` (if present), plus
   ``RUSAGE_CHILDREN`` after all children. On Linux the latter is only an upper
   bound: a child inherits its forking parent's RSS high-water mark, which
   survives exec, so it reads at least this process's own peak.

5. Everyday speech (``understanding_sets.py``): the single-turn everyday sets
   (``tests/everyday.py``) and a multi-turn set (``benchmarks/data/dialogues/``), per
   language: done right, asked (a clarifying question), not understood, and wrong
   action (a device or an automation changed in a way the item did not want).

No timing assertions: it reports, it does not judge. Results are printed as a
table and written as JSON (default ``benchmarks/results/conversation.json``).

Run from the repo root with the venv active (Linux / POSIX)::

    python benchmarks/conversation.py [--rounds 20] [--startup-runs 5] [--json PATH]
    python benchmarks/conversation.py --sets-only      # only 5., in about three minutes
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from hassil import Intents, RecognizeResult, TextSlotList, recognize_best
from home_assistant_intents import get_intents

from homemind.app import Hub, demo_home_text, init_data_dir
from homemind.core.homefile import parse_home
from homemind.nlu.normalize import normalize
from latency import latency_stats, percentile
from understanding_sets import multi_turn, print_sets, single_turn

HA_LANGUAGE = {"en": "en", "zh": "zh-CN"}
DEFAULT_JSON = Path(__file__).resolve().parent / "results" / "conversation.json"
OK_STATUSES = {"done", "answered", "needs_confirmation"}
GNU_TIME = Path("/usr/bin/time")

# Each checked with `homemind ask --json` on the demo home: understood, sensible reply.
# The unlock sentences only return needs_confirmation (nothing is unlocked).
SENTENCES: dict[str, list[str]] = {
    "en": [
        "turn on the kitchen light",
        "turn off the living room light",
        "set the bedroom light to 50%",
        "set the bedroom light brightness to 30%",
        "turn off the lights in the bedroom",
        "set the floor lamp to red",
        "set the bedroom ac to 24 degrees",
        "set the living room ac to cool mode",
        "what's the temperature in the living room",
        "open the curtains",
        "close the blinds",
        "set the curtains to 50%",
        "lock the front door",
        "is the front door locked",
        "is the front door open",
        "unlock the front door",
        "turn on the tv",
        "mute the tv",
        "set the tv volume to 30",
        "pause the tv",
        "turn off the tv",
        "start the vacuum",
        "send the vacuum home",
        "turn on the kettle",
        "turn on the exhaust fan",
        "set the water heater to 55 degrees",
        "what is the temperature of the water heater",
        "arm the alarm in away mode",
        "what's the humidity in the living room",
        "how much power are we using",
        "is the washing machine on",
        "turn off everything in the kitchen",
        "what time is it",
    ],
    "zh": [
        "打开客厅灯",
        "关掉厨房灯",
        "把卧室灯亮度调到百分之五十",
        "把卧室的灯关了",
        "关掉所有的灯",
        "把落地灯调成红色",
        "把卧室空调调到二十四度",
        "把客厅空调调成制冷模式",
        "客厅现在多少度",
        "打开窗帘",
        "关上百叶窗",
        "把窗帘打开到一半",
        "把大门锁上",
        "大门锁了吗",
        "把大门解锁",
        "打开电视",
        "电视静音",
        "把电视音量调到三十",
        "电视暂停",
        "关掉电视",
        "让扫地机器人开始打扫",
        "让扫地机器人回去充电",
        "打开电水壶",
        "打开排气扇",
        "把热水器调到五十五度",
        "热水器现在多少度",
        "把安防系统设置为离家模式",
        "客厅的湿度是多少",
        "客厅湿度是多少",
        "现在用电功率是多少",
        "洗衣机开着吗",
        "把厨房的电器都关掉",
        "现在几点",
    ],
}
STARTUP_SENTENCES = {"en": "turn on the kitchen light", "zh": "打开客厅灯"}

SYSTEMS = ("homemind", "hassil_merged", "hassil_ha")
LABELS = {
    "homemind": "homemind pipeline",
    "hassil_merged": "hassil + merged intents",
    "hassil_ha": "hassil + HA intents",
}


@dataclass
class SentenceRun:
    """One sentence: what each system made of it, and its timings in ms."""

    language: str
    text: str
    homemind: dict[str, Any] = field(default_factory=dict)
    peers: dict[str, dict[str, Any]] = field(default_factory=dict)
    statuses_seen: set[str] = field(default_factory=set)  # over the timed rounds
    times_ms: dict[str, list[float]] = field(default_factory=lambda: {system: [] for system in SYSTEMS})


def describe(result: RecognizeResult | None) -> dict[str, Any] | None:
    if result is None:
        return None
    return {
        "intent": result.intent.name,
        "slots": {name: _jsonable(e.value) for name, e in result.entities.items()},
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


Peer = Callable[[str], RecognizeResult | None]


def make_peer(intents: Intents, slot_lists: dict[str, TextSlotList], language: str) -> Peer:
    """hassil called the way the hub calls it, minus normalization."""
    ha_language = HA_LANGUAGE[language]

    def recognize(text: str) -> RecognizeResult | None:
        return recognize_best(
            text, intents, slot_lists=slot_lists, language=ha_language, best_slot_name="name"
        )

    return recognize


async def warm_benchmarks(data: Path, rounds: int) -> dict[str, Any]:
    """Open the hub on ``data``, time the pipeline and both peers; stop the hub."""
    hub = Hub.open(data)
    await hub.start()
    try:
        actor = hub.actor(None, "bench")
        runs = [SentenceRun(lang, text) for lang, texts in SENTENCES.items() for text in texts]

        # Warm-up: once per sentence. The first call per language builds its templates.
        first_call_ms: dict[str, float] = {}
        for run in runs:
            start = time.perf_counter_ns()
            result = await hub.conversation.process(run.text, actor)
            elapsed = (time.perf_counter_ns() - start) / 1e6
            first_call_ms.setdefault(run.language, elapsed)
            run.homemind = {
                "status": result.status.value,
                "language": result.language,
                "intent": result.intent.as_dict() if result.intent else None,
                "response": result.response,
            }
        rss_hub_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

        peers: dict[str, dict[str, Peer]] = {"hassil_merged": {}, "hassil_ha": {}}
        ha_load_ms: dict[str, float] = {}
        for lang in SENTENCES:
            intents, slot_lists = hub.templates._language(lang)
            peers["hassil_merged"][lang] = make_peer(intents, slot_lists, lang)
            start = time.perf_counter_ns()
            ha_intents = Intents.from_dict(get_intents(HA_LANGUAGE[lang]))
            ha_load_ms[lang] = (time.perf_counter_ns() - start) / 1e6
            peers["hassil_ha"][lang] = make_peer(ha_intents, slot_lists, lang)

        normalized_matches: dict[str, int] = {"en": 0, "zh": 0}
        for run in runs:
            for name, by_lang in peers.items():
                run.peers[name] = {"match": describe(by_lang[run.language](run.text))}
            normalized = normalize(run.text, run.language)
            if peers["hassil_merged"][run.language](normalized) is not None:
                normalized_matches[run.language] += 1

        # Timed rounds, interleaved so drift hits every system alike.
        for _ in range(rounds):
            for run in runs:
                start = time.perf_counter_ns()
                result = await hub.conversation.process(run.text, actor)
                run.times_ms["homemind"].append((time.perf_counter_ns() - start) / 1e6)
                run.statuses_seen.add(result.status.value)
                for name, by_lang in peers.items():
                    peer = by_lang[run.language]
                    start = time.perf_counter_ns()
                    peer(run.text)
                    run.times_ms[name].append((time.perf_counter_ns() - start) / 1e6)
        rss_all_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    finally:
        await hub.stop()
    return {
        "runs": runs,
        "first_call_ms": first_call_ms,
        "ha_intents_load_ms": ha_load_ms,
        "merged_matches_on_normalized_text": normalized_matches,
        "rss_self_after_hub_warmup_kib": rss_hub_kib,
        "rss_self_after_all_warm_runs_kib": rss_all_kib,
    }


def homemind_command() -> list[str]:
    # `python -m homemind`, not the console script: it runs whichever homemind is on PYTHONPATH,
    # so the same benchmark can time another checkout.
    return [sys.executable, "-m", "homemind"]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_child(argv: list[str], env: dict[str, str]) -> tuple[float, int, str, float]:
    """Run one process; (wall seconds, exit code, stdout, CPU seconds).

    The CPU seconds (user + system, from the children's rusage before and after: one
    child at a time) hardly move with what other processes on a shared box do, where
    the wall time can double: both are reported.
    """
    cpu = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, check=False)
    wall = time.perf_counter() - start
    return wall, done.returncode, done.stdout.decode("utf-8", "replace"), _children_cpu() - cpu


def child_peak_rss(argv: list[str], env: dict[str, str]) -> int | None:
    """The child's own peak RSS in KiB via GNU time (forked from a small process), or None."""
    if not GNU_TIME.exists():
        return None
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss_file:
        subprocess.run(
            [str(GNU_TIME), "-f", "%M", "-o", rss_file.name, *argv],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        lines = rss_file.read().split()
    return int(lines[-1]) if lines and lines[-1].isdigit() else None


# The peer's process: what a plain hassil user pays to understand one sentence from a cold start.
# The demo home's names and areas come as JSON arguments, so the peer imports nothing of homemind.
BARE_HASSIL = """
import json, sys
from hassil import Intents, TextSlotList, recognize_best
from home_assistant_intents import get_intents
lang, text, names, areas = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4])
lists = {
    "name": TextSlotList.from_tuples([(n, i, {"domain": d}) for n, i, d in names], allow_template=False),
    "area": TextSlotList.from_tuples([(n, i, {"area": i}) for n, i in areas], allow_template=False),
    "floor": TextSlotList("floor", []),
}
ha = "en" if lang == "en" else "zh-CN"
intents = Intents.from_dict(get_intents(ha))
result = recognize_best(text, intents, slot_lists=lists, language=ha, best_slot_name="name")
print(result.intent.name if result else None)
"""


def demo_names(lang: str) -> tuple[str, str]:
    """The demo home's names and areas in ``lang``, as the bare hassil process takes them."""
    home = parse_home(demo_home_text(), "demo")
    names = [[n, e.entity_id, e.domain.value] for e in home.entities.values() for n in e.names.all_for(lang)]
    areas = [[n, a.id] for a in home.areas.values() for n in a.names.all_for(lang)]
    return json.dumps(names, ensure_ascii=False), json.dumps(areas, ensure_ascii=False)


def startup_benchmarks(data: Path, runs: int) -> dict[str, Any]:
    env = {**os.environ, "HOMEMIND_DATA": str(data)}
    command = homemind_command()
    results: dict[str, Any] = {"command": [*command, "ask", "--json", "<sentence>"]}
    for lang, text in STARTUP_SENTENCES.items():
        argv = [*command, "ask", "--json", text]
        walls: list[float] = []
        bare: list[float] = []
        cpus: list[float] = []
        bare_cpus: list[float] = []
        statuses: list[str] = []
        for _ in range(runs):
            wall, code, stdout, cpu = run_child(argv, env)
            walls.append(wall * 1000)
            cpus.append(cpu * 1000)
            peer = [sys.executable, "-c", BARE_HASSIL, lang, text, *demo_names(lang)]
            peer_wall, _, peer_out, peer_cpu = run_child(peer, env)
            bare.append(peer_wall * 1000)
            bare_cpus.append(peer_cpu * 1000)
            try:
                statuses.append(json.loads(stdout)["status"])
            except (ValueError, KeyError):
                statuses.append(f"exit {code}, unreadable output")
        results[lang] = {
            "text": text,
            "median_ms": statistics.median(walls),
            "min_ms": min(walls),
            "wall_ms": walls,
            "bare_hassil_median_ms": statistics.median(bare),
            "bare_hassil_intent": peer_out.strip(),
            "ratio_to_bare_hassil": round(statistics.median(walls) / statistics.median(bare), 2),
            "cpu_median_ms": statistics.median(cpus),
            "bare_hassil_cpu_median_ms": statistics.median(bare_cpus),
            "cpu_ratio_to_bare_hassil": round(statistics.median(cpus) / statistics.median(bare_cpus), 2),
            "statuses": statuses,
            # One extra run under GNU time, not timed: the child's own peak RSS.
            "peak_rss_kib": child_peak_rss(argv, env),
        }
    # Linux carries the forking parent's high-water mark into a child (it survives exec),
    # so this reads at least this process's own peak: an upper bound, not the child's RSS.
    results["rss_children_max_kib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return results


def summarize(warm: dict[str, Any]) -> dict[str, Any]:
    runs: list[SentenceRun] = warm["runs"]
    summary: dict[str, Any] = {}
    for scope in ("en", "zh", "all"):
        chosen = [r for r in runs if scope in ("all", r.language)]
        summary[scope] = {}
        for system in SYSTEMS:
            times = [t for r in chosen for t in r.times_ms[system]]
            entry: dict[str, Any] = {"sentences": len(chosen), **latency_stats(times)}
            if system == "homemind":
                understood = [r for r in chosen if r.homemind["status"] in OK_STATUSES]
                entry["coverage"] = len(understood) / len(chosen)
            else:
                matched = [r for r in chosen if r.peers[system]["match"] is not None]
                entry["coverage"] = len(matched) / len(chosen)
                entry["agrees_with_homemind"] = sum(
                    1
                    for r in matched
                    if r.homemind["intent"]
                    and r.peers[system]["match"]["intent"] == r.homemind["intent"]["name"]
                )
            summary[scope][system] = entry
    return summary


def print_report(report: dict[str, Any]) -> None:
    summary = report["latency"]
    print()
    print(f"Warm in-process latency, {report['config']['rounds']} rounds after one warm-up (ms)")
    header = f"{'system':26} {'lang':4} {'n':>3} {'p50':>7} {'p99':>7} {'mean':>7}  {'coverage':>8}"
    print(header + "  agrees")
    print("-" * (len(header) + 8))
    for scope in ("en", "zh", "all"):
        for system in SYSTEMS:
            s = summary[scope][system]
            agrees = s.get("agrees_with_homemind")
            print(
                f"{LABELS[system]:26} {scope:4} {s['sentences']:>3} {s['p50_ms']:>7.2f}"
                f" {s['p99_ms']:>7.2f} {s['mean_ms']:>7.2f}  {s['coverage']:>8.0%}"
                + ("" if agrees is None else f"  {agrees}/{s['sentences']}")
            )
        print()
    print("homemind = full pipeline (detect, normalize, match, handle, execute, persist, reply).")
    print("Peers get the RAW text (no homemind normalization), the language and")
    print("best_slot_name='name', and the hub's slot lists. 'agrees' = same intent name.")
    norm = report["extra"]["merged_matches_on_normalized_text"]
    per_lang = ", ".join(f"{lang} {n}/{len(SENTENCES[lang])}" for lang, n in norm.items())
    print(f"hassil + merged intents on NORMALIZED text would match: {per_lang}.")
    first = report["extra"]["first_call_ms"]
    load = report["extra"]["ha_intents_load_ms"]
    print(
        "First pipeline call (builds the language's templates): "
        + ", ".join(f"{lang} {ms:.0f} ms" for lang, ms in first.items())
        + "; HA intents Intents.from_dict: "
        + ", ".join(f"{lang} {ms:.0f} ms" for lang, ms in load.items())
    )

    startup = report["startup"]
    print()
    print(f"Start-up: `homemind ask --json <sentence>`, {report['config']['startup_runs']} runs")
    print(
        f"{'lang':4} {'median ms':>10} {'min ms':>8} {'bare hassil':>11} {'ratio':>6}"
        f" {'CPU ms':>7} {'bare CPU':>8} {'ratio':>6} {'peak RSS KiB':>13}  sentence / statuses"
    )
    for lang in STARTUP_SENTENCES:
        s = startup[lang]
        statuses = ",".join(sorted(set(s["statuses"])))
        rss_text = "n/a" if s["peak_rss_kib"] is None else str(s["peak_rss_kib"])
        print(
            f"{lang:4} {s['median_ms']:>10.0f} {s['min_ms']:>8.0f} {s['bare_hassil_median_ms']:>11.0f}"
            f" {s['ratio_to_bare_hassil']:>6.2f} {s['cpu_median_ms']:>7.0f}"
            f" {s['bare_hassil_cpu_median_ms']:>8.0f} {s['cpu_ratio_to_bare_hassil']:>6.2f}"
            f" {rss_text:>13}  {s['text']} / {statuses}"
        )
    print("bare hassil = a `python -c` process: import hassil, parse the intents, recognize the sentence.")
    print("CPU = the process's user + system time (moves far less than the wall time on a shared box).")
    print(f"Load average at the end: {[round(x, 2) for x in os.getloadavg()]}")

    rss = report["rss_kib"]
    print()
    print("Peak RSS (KiB)")
    print(f"  benchmark process, hub warmed up (hub only):   {rss['self_after_hub_warmup']:>8}")
    print(f"  benchmark process, after all warm runs (+HA):  {rss['self_after_all_warm_runs']:>8}")
    for lang in STARTUP_SENTENCES:
        child = startup[lang]["peak_rss_kib"]
        child_text = "n/a (no /usr/bin/time)" if child is None else str(child)
        print(f"  `homemind ask` child, {lang} (GNU time %M):      {child_text:>8}")
    print(f"  RUSAGE_CHILDREN max (upper bound, see note):   {rss['children_max']:>8}")
    print("  Note: Linux carries the parent's RSS high-water mark into a forked child")
    print("  across exec, so RUSAGE_CHILDREN reads >= this process's own peak.")

    wrong = [
        s
        for s in report["sentences"]
        if s["homemind"]["status"] not in OK_STATUSES
        or any(s["peers"][p]["match"] is None for p in ("hassil_merged", "hassil_ha"))
    ]
    if wrong:
        print()
        print("Sentences some system did not match (homemind status / merged / HA intents):")
        for s in wrong:
            merged = s["peers"]["hassil_merged"]["match"]
            ha = s["peers"]["hassil_ha"]["match"]
            print(
                f"  [{s['language']}] {s['text']}: {s['homemind']['status']}"
                f" / {merged['intent'] if merged else '-'} / {ha['intent'] if ha else '-'}"
            )
    print()
    print(f"JSON: {report['config']['json']}")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20, help="timed rounds per sentence")
    parser.add_argument("--startup-runs", type=int, default=5, help="`homemind ask` processes per language")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where to write results")
    parser.add_argument(
        "--sets-only", action="store_true", help="only the everyday single- and multi-turn sets (no timings)"
    )
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.startup_runs < 1:
        parser.error("--rounds and --startup-runs must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    began = time.perf_counter()
    sets = {"single turn": single_turn(), "multi turn": multi_turn()}
    if args.sets_only:
        path = args.json.with_name(args.json.stem + "_sets.json")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(sets, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print_sets(sets)
        print(f"JSON: {path}; total run time {time.perf_counter() - began:.0f} s")
        return 0
    with tempfile.TemporaryDirectory(prefix="homemind-bench-") as tmp:
        data = Path(tmp)
        init_data_dir(data, demo=True)
        warm = asyncio.run(warm_benchmarks(data, args.rounds))
        startup = startup_benchmarks(data, args.startup_runs)

    runs: list[SentenceRun] = warm["runs"]
    report: dict[str, Any] = {
        "config": {
            "rounds": args.rounds,
            "startup_runs": args.startup_runs,
            "json": str(args.json),
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "versions": {
                pkg: metadata.version(pkg) for pkg in ("homemind", "hassil", "home-assistant-intents")
            },
            "peer_input": "raw text (homemind normalizes first; the peers do not)",
        },
        "latency": summarize(warm),
        "startup": startup,
        "rss_kib": {
            "self_after_hub_warmup": warm["rss_self_after_hub_warmup_kib"],
            "self_after_all_warm_runs": warm["rss_self_after_all_warm_runs_kib"],
            "children_max": startup["rss_children_max_kib"],
            "children_max_note": "upper bound: includes the forking parent's high-water mark",
            "ask_child_gnu_time": {lang: startup[lang]["peak_rss_kib"] for lang in STARTUP_SENTENCES},
        },
        "extra": {
            "first_call_ms": warm["first_call_ms"],
            "ha_intents_load_ms": warm["ha_intents_load_ms"],
            "merged_matches_on_normalized_text": warm["merged_matches_on_normalized_text"],
        },
        "everyday_sets": sets,
        "sentences": [
            {
                "language": r.language,
                "text": r.text,
                "homemind": r.homemind,
                "statuses_in_timed_rounds": sorted(r.statuses_seen),
                "peers": r.peers,
                "p50_ms": {system: percentile(r.times_ms[system], 50) for system in SYSTEMS},
            }
            for r in runs
        ],
    }
    report["config"]["total_seconds"] = round(time.perf_counter() - began, 1)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print_report(report)
    print_sets(sets)
    print(f"Total run time: {report['config']['total_seconds']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
