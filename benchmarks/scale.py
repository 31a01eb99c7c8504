"""Benchmark: the whole pipeline against bare hassil as a home grows (24, 200, 1,000 named devices).

What it measures, per home size, in one child process per size (so that each
size's RSS is its own), all in the same run:

1. **The homes** are generated here: areas and fixtures with an English and a
   Chinese name each ("study desk lamp" / "书房台灯"), lights, switches, fans,
   covers, air conditioners, thermometers, speakers, and a front door lock; the
   24-device home has 4 areas, the 200-device one 10, the 1,000-device one 40.
2. **50 everyday sentences per language**, generated from the same patterns at
   every size with a fixed seed: on/off pairs (so each round really changes a
   device), brightness, rooms' lights, covers, temperatures, questions, the time,
   and a fifth said the way people talk ("it's too dark in the study", "书房太暗了"),
   which the template tier does not take and the learned tier does.
3. **Warm pipeline**: ``await hub.conversation.process(text, actor)`` after one
   warm-up pass: detection, normalization, every tier that runs, the handler, the
   policy executor, the simulated devices, the store's commit, the reply. Judged
   as if each sentence were heard for the first time (the template tier's kept
   answers are forgotten before each call, ``hub.templates.forget()``); beside it,
   in alternate rounds, as deployed ("said again": a sentence said before is
   answered from what the template tier kept, as Home Assistant's agent does).
4. **The peer, bare hassil**, interleaved sentence by sentence with (3) so that
   drift hits both alike: ``recognize_best`` over home-assistant-intents for the
   language, with the home's names and areas in that language as slot lists (a
   Home Assistant user's setup: one language's names), ``best_slot_name="name"``,
   on the raw text. It only matches; it does nothing with the match.
5. **"Turn off all the lights"** (and "关掉所有的灯") at each size: all lights are
   switched on first through the pipeline (untimed), then the timed command
   switches them off: one policy check, device change and audit entry per light.
6. **Hub RSS**: VmRSS / VmHWM of the child after the hub has answered every
   sentence once in both languages (the learned model loaded), before the peer's
   intents are loaded.
7. **fsyncs per command** (``--fsync``, needs ``strace``): a separate child runs
   the first 10 sentences of each language and one "turn off all the lights" on
   the 200-device home under ``strace -f -c -e trace=fsync,fdatasync``, and the
   count is divided by the commands it ran (hub start-up's own writes are
   counted by a run with no commands and subtracted).

Ratios are judged in the run, not against figures from elsewhere: pipeline p50 ≤
hassil p50 and pipeline p99 ≤ 2 × hassil p99 at every size in both languages;
"turn off all the lights" ≤ 100 ms at 1,000 devices; hub RSS ≤ 250 MB. The load
average before and after is printed, because the machine may be shared.

No timing assertions: it reports. A table on stdout and JSON (default
``benchmarks/results/scale.json``). Run from the repo root with the venv active::

    python benchmarks/scale.py [--sizes 24 200 1000] [--rounds 5] [--fsync]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

from latency import latency_stats, load_average, print_checks, write_json

DEFAULT_JSON = Path(__file__).resolve().parent / "results" / "scale.json"
OK_STATUSES = {"done", "answered", "needs_confirmation"}
HA_LANGUAGE = {"en": "en", "zh": "zh-CN"}

# (id, English, Chinese): rooms and floors of houses, flats and a few bigger buildings.
AREAS = [
    ("living_room", "living room", "客厅"), ("kitchen", "kitchen", "厨房"),
    ("master_bedroom", "master bedroom", "主卧"), ("study", "study", "书房"),
    ("dining_room", "dining room", "餐厅"), ("second_bedroom", "second bedroom", "次卧"),
    ("kids_room", "kids room", "儿童房"), ("bathroom", "bathroom", "卫生间"),
    ("balcony", "balcony", "阳台"), ("garage", "garage", "车库"),
    ("garden", "garden", "花园"), ("entrance", "entrance", "玄关"),
    ("corridor", "corridor", "走廊"), ("laundry_room", "laundry room", "洗衣房"),
    ("storeroom", "storeroom", "储物间"), ("cloakroom", "cloakroom", "衣帽间"),
    ("gym", "gym", "健身房"), ("office", "office", "办公室"),
    ("attic", "attic", "阁楼"), ("basement", "basement", "地下室"),
    ("tea_room", "tea room", "茶室"), ("guest_room", "guest room", "客房"),
    ("nanny_room", "nanny room", "保姆房"), ("terrace", "terrace", "露台"),
    ("stairwell", "stairwell", "楼梯间"), ("pantry", "pantry", "食品间"),
    ("library", "library", "图书室"), ("playroom", "playroom", "游戏室"),
    ("cinema_room", "cinema room", "影音室"), ("wine_cellar", "wine cellar", "酒窖"),
    ("sunroom", "sunroom", "阳光房"), ("workshop", "workshop", "工作间"),
    ("music_room", "music room", "琴房"), ("guest_bathroom", "guest bathroom", "客卫"),
    ("courtyard", "courtyard", "庭院"), ("rooftop", "rooftop", "天台"),
    ("lobby", "lobby", "大堂"), ("meeting_room", "meeting room", "会议室"),
    ("reception", "reception", "前台"), ("server_room", "server room", "机房"),
]  # fmt: skip


@dataclass(frozen=True)
class Fixture:
    id: str
    en: str
    zh: str
    domain: str
    spec: dict[str, Any]


_LIGHT = {"features": ["brightness"], "state": "off", "attributes": {"brightness": 180}}
_PLAIN_LIGHT = {"state": "off"}
_COVER = {"features": ["position"], "state": "closed", "attributes": {"current_position": 0}}
_AC = {
    "features": ["target_temperature"],
    "capabilities": {"min_temp": 16, "max_temp": 30, "hvac_modes": ["off", "cool", "heat"]},
    "state": "off",
    "attributes": {"temperature": 26, "current_temperature": 26.5, "last_hvac_mode": "cool"},
}
_THERMOMETER = {
    "device_class": "temperature",
    "capabilities": {"unit_of_measurement": "°C", "state_class": "measurement"},
    "state": "24.5",
}
_SPEAKER = {
    "features": ["volume_set", "volume_mute", "play_pause"],
    "state": "idle",
    "attributes": {"volume_level": 0.3, "is_volume_muted": False},
}
# The first six are in every area of every size, so each size has every kind of sentence.
FIXTURES = [
    Fixture("ceiling_light", "ceiling light", "吸顶灯", "light", _LIGHT),
    Fixture("air_conditioner", "air conditioner", "空调", "climate", _AC),
    Fixture("curtains", "curtains", "窗帘", "cover", {**_COVER, "device_class": "curtain"}),
    Fixture("thermometer", "thermometer", "温度计", "sensor", _THERMOMETER),
    Fixture("socket", "socket", "插座", "switch", {"state": "off"}),
    Fixture("fan", "fan", "风扇", "fan", {"state": "off"}),
    Fixture("desk_lamp", "desk lamp", "台灯", "light", _LIGHT),
    Fixture("floor_lamp", "floor lamp", "落地灯", "light", _LIGHT),
    Fixture("wall_light", "wall light", "壁灯", "light", _PLAIN_LIGHT),
    Fixture("speaker", "speaker", "音箱", "media_player", _SPEAKER),
    Fixture("spotlight", "spotlight", "射灯", "light", _PLAIN_LIGHT),
    Fixture("blinds", "blinds", "百叶窗", "cover", {**_COVER, "device_class": "blind"}),
    Fixture("light_strip", "light strip", "灯带", "light", _LIGHT),
    Fixture("heater", "heater", "取暖器", "switch", {"state": "off"}),
    Fixture("chandelier", "chandelier", "吊灯", "light", _LIGHT),
    Fixture("humidifier", "humidifier", "加湿器", "switch", {"state": "off"}),
    Fixture("night_light", "night light", "夜灯", "light", _LIGHT),
    Fixture("air_purifier", "air purifier", "空气净化器", "switch", {"state": "off"}),
    Fixture("mirror_light", "mirror light", "镜前灯", "light", _PLAIN_LIGHT),
    Fixture("reading_light", "reading light", "阅读灯", "light", _LIGHT),
    Fixture("downlight", "downlight", "筒灯", "light", _PLAIN_LIGHT),
    Fixture("cabinet_light", "cabinet light", "橱柜灯", "light", _PLAIN_LIGHT),
    Fixture("bedside_lamp", "bedside lamp", "床头灯", "light", _LIGHT),
    Fixture("ceiling_fan", "ceiling fan", "吊扇", "fan", {"state": "off"}),
    Fixture("dehumidifier", "dehumidifier", "除湿机", "switch", {"state": "off"}),
]
# areas x fixtures per area (one device of the total is the front door lock).
LAYOUT = {24: (4, 6), 200: (10, 20), 1000: (40, 25)}


def layout(size: int) -> tuple[int, int]:
    if size in LAYOUT:
        return LAYOUT[size]
    areas = max(4, min(len(AREAS), round(math.sqrt(size) * 1.2)))
    return areas, min(len(FIXTURES), math.ceil(size / areas))


def home_document(size: int) -> dict[str, Any]:
    """A home file with ``size`` named devices, each named in English and Chinese."""
    n_areas, n_fixtures = layout(size)
    areas = AREAS[:n_areas]
    entities: list[dict[str, Any]] = [
        {
            "id": "lock.front_door",
            "name": {"en": "front door", "zh": "大门"},
            "area": areas[0][0],
            "state": "unlocked",
        }
    ]
    for fixture in FIXTURES[:n_fixtures]:
        for area_id, area_en, area_zh in areas:
            if len(entities) == size:
                break
            entities.append(
                {
                    "id": f"{fixture.domain}.{area_id}_{fixture.id}",
                    "name": {"en": f"{area_en} {fixture.en}", "zh": f"{area_zh}{fixture.zh}"},
                    "area": area_id,
                    **fixture.spec,
                }
            )
    return {
        "home": {"name": f"Generated home of {size}", "timezone": "Asia/Shanghai", "language": "en"},
        "owner": "alice",
        "members": [{"id": "alice", "name": {"en": "Alice", "zh": "爱丽丝"}, "role": "admin"}],
        "areas": [{"id": a, "name": {"en": en, "zh": zh}} for a, en, zh in areas],
        "entities": entities,
    }


_ZH_DIGITS = "零一二三四五六七八九"


def zh_number(n: int) -> str:
    """24 -> 二十四: people say numbers, they do not type digits, in Chinese commands."""
    tens, ones = divmod(n, 10)
    text = ("" if tens == 1 else _ZH_DIGITS[tens]) + "十" if tens else ""
    return text + (_ZH_DIGITS[ones] if ones or not tens else "")


# (times, what {x} is drawn from, English, Chinese): each time, one {x} (and one number) for the
# whole group. The last five groups are said the way people talk, beyond the templates.
PATTERNS: list[tuple[int, str | None, tuple[str, ...], tuple[str, ...]]] = [
    (6, "lights", ("turn on the {x}", "turn off the {x}"), ("打开{x}", "关掉{x}")),
    (1, "acs", ("turn on the {x}", "turn off the {x}"), ("打开{x}", "关掉{x}")),
    (1, "lights", ("is the {x} on",), ("{x}开着吗",)),
    (2, "switches", ("switch on the {x}", "switch off the {x}"), ("打开{x}", "关闭{x}")),
    (1, "fans", ("turn on the {x}", "turn off the {x}"), ("打开{x}", "关掉{x}")),
    (2, "areas", ("turn on the lights in the {x}", "turn off the lights in the {x}"),
     ("打开{x}的灯", "关掉{x}的灯")),
    (2, "covers", ("open the {x}", "close the {x}"), ("打开{x}", "关上{x}")),
    (3, "dimmable", ("set the {x} to {percent}%",), ("把{x}亮度调到百分之{percent}",)),
    (3, "acs", ("set the {x} to {degrees} degrees",), ("把{x}调到{degrees}度",)),
    (2, "areas", ("what's the temperature in the {x}",), ("{x}现在多少度",)),
    (1, None, ("lock the front door", "is the front door locked", "what time is it"),
     ("把大门锁上", "大门锁了吗", "现在几点")),
    (3, "areas", ("it's too dark in the {x}",), ("{x}太暗了",)),
    (2, "lights", ("could you put the {x} on for me",), ("帮我把{x}打开吧",)),
    (2, "areas", ("kill the lights in the {x}",), ("{x}的灯都关了吧",)),
    (2, "areas", ("the {x} is way too bright",), ("{x}太亮了",)),
    (1, "lights", ("no need for the {x} any more",), ("{x}不用开着了",)),
]  # fmt: skip


def sentences(document: dict[str, Any], language: str) -> list[str]:
    """50 everyday sentences about this home, from the same patterns at every size (fixed seed)."""
    rng = random.Random(f"scale-{language}")

    def names(domain: str, feature: str | None = None) -> list[str]:
        return [
            e["name"][language]
            for e in document["entities"]
            if e["id"].startswith(domain + ".") and (feature is None or feature in e.get("features", ()))
        ]

    pools = {
        "lights": names("light"),
        "dimmable": names("light", "brightness"),
        "switches": names("switch"),
        "fans": names("fan"),
        "covers": names("cover"),
        "acs": names("climate"),
        "areas": [a["name"][language] for a in document["areas"]],
    }
    say = zh_number if language == "zh" else str
    out: list[str] = []
    for times, pool, english, chinese in PATTERNS:
        for _ in range(times):
            x = rng.choice(pools[pool]) if pool else ""
            numbers = {
                "percent": say(rng.choice([20, 40, 60, 80])),
                "degrees": say(rng.choice([22, 24, 25, 26])),
            }
            out += [text.format(x=x, **numbers) for text in (english if language == "en" else chinese)]
    assert len(out) == 50, (language, len(out))
    return out


ALL_LIGHTS = {
    "en": ("turn on all the lights", "turn off all the lights"),
    "zh": ("打开所有的灯", "关掉所有的灯"),
}


def rss_kib() -> dict[str, int]:
    """VmRSS and VmHWM of this process (Linux), in KiB."""
    found = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0])
    return found


# --- one home size, in a child process ---------------------------------------------------------


def write_home(data: Path, document: dict[str, Any]) -> None:
    """The generated home file, private as a real data dir's (else every open warns it repaired the modes)."""
    from homemind.datadir import make_private_dir, write_private

    make_private_dir(data)
    write_private(data / "home.yaml", yaml.safe_dump(document, allow_unicode=True, sort_keys=False))


async def measure_size(size: int, rounds: int, data: Path) -> dict[str, Any]:
    from hassil import Intents, TextSlotList, recognize_best
    from home_assistant_intents import get_intents

    from homemind.app import Hub

    document = home_document(size)
    write_home(data, document)
    started = time.perf_counter()
    hub = Hub.open(data)
    await hub.start()
    hub.warm_up()
    open_ms = (time.perf_counter() - started) * 1000
    try:
        actor = hub.actor(None, "bench")
        texts = {lang: sentences(document, lang) for lang in ("en", "zh")}
        first: dict[str, dict[str, Any]] = {}
        for items in texts.values():
            for text in items:  # the warm-up pass, which also records what each sentence did
                result = await hub.conversation.process(text, actor)
                first[text] = {
                    "status": result.status.value,
                    "tier": result.intent.tier if result.intent else None,
                    "intent": result.intent.name if result.intent else None,
                }
        hub_rss = rss_kib()

        peers = {}
        for lang in texts:
            intents = Intents.from_dict(get_intents(HA_LANGUAGE[lang]))
            names = [
                (e.names.display(lang), e.entity_id, {"domain": e.domain.value})
                for e in hub.home.entities.values()
            ]
            areas = [(a.names.display(lang), a.id, {"area": a.id}) for a in hub.home.areas.values()]
            lists = {
                "name": TextSlotList.from_tuples(names, allow_template=False),
                "area": TextSlotList.from_tuples(areas, allow_template=False),
                "floor": TextSlotList(name="floor", values=[]),
            }

            def peer(text: str, intents: Intents = intents, lists: Any = lists, lang: str = lang) -> Any:
                return recognize_best(
                    text, intents, slot_lists=lists, language=HA_LANGUAGE[lang], best_slot_name="name"
                )

            peers[lang] = peer
            for text in texts[lang]:
                peer(text)  # warm-up
                first[text]["peer"] = (match := peer(text)) and match.intent.name

        times: dict[str, dict[str, list[float]]] = {
            lang: {"pipeline": [], "repeated": [], "hassil": []} for lang in texts
        }
        statuses: dict[str, set[str]] = {}
        forget = getattr(hub.templates, "forget", lambda: None)  # a checkout without it keeps nothing
        for round_number in range(2 * rounds):
            # Even rounds: each sentence as if heard for the first time (the template tier's kept
            # answers forgotten first); odd rounds: as deployed, where a sentence said before is
            # answered from what the template tier kept. The peer is timed in every round.
            first_time = round_number % 2 == 0
            for lang, items in texts.items():
                for text in items:
                    if first_time:
                        forget()
                    start = time.perf_counter_ns()
                    result = await hub.conversation.process(text, actor)
                    elapsed = (time.perf_counter_ns() - start) / 1e6
                    times[lang]["pipeline" if first_time else "repeated"].append(elapsed)
                    statuses.setdefault(text, set()).add(result.status.value)
                    start = time.perf_counter_ns()
                    peers[lang](text)
                    times[lang]["hassil"].append((time.perf_counter_ns() - start) / 1e6)

        all_lights: dict[str, Any] = {}
        lights = [e for e in hub.home.entities.values() if e.domain.value == "light"]
        for lang, (on, off) in ALL_LIGHTS.items():
            timings: dict[str, list[float]] = {"on": [], "off": []}
            outcome = {}
            for _ in range(max(3, rounds // 2)):
                for key, text in (("on", on), ("off", off)):
                    start = time.perf_counter_ns()
                    result = await hub.conversation.process(text, actor)
                    timings[key].append((time.perf_counter_ns() - start) / 1e6)
                    outcome[key] = {"status": result.status.value, "actions": len(result.actions)}
            all_lights[lang] = {
                "lights": len(lights),
                "on": {"text": on, **outcome["on"], **latency_stats(timings["on"])},
                "off": {"text": off, **outcome["off"], **latency_stats(timings["off"])},
            }
    finally:
        await hub.stop()
    summary = {}
    for lang, by_system in times.items():
        pipeline, hassil = latency_stats(by_system["pipeline"]), latency_stats(by_system["hassil"])
        summary[lang] = {
            "pipeline": pipeline,
            "pipeline_repeated": latency_stats(by_system["repeated"]),
            "hassil": hassil,
            "p50_ratio": round(pipeline["p50_ms"] / hassil["p50_ms"], 3),
            "p99_ratio": round(pipeline["p99_ms"] / hassil["p99_ms"], 3),
        }
    return {
        "size": size,
        "entities": len(document["entities"]),
        "areas": len(document["areas"]),
        "lights": sum(1 for e in document["entities"] if e["id"].startswith("light.")),
        "hub_open_and_warm_ms": round(open_ms, 1),
        "latency": summary,
        "all_lights": all_lights,
        "hub_rss_kib": hub_rss,
        "sentences": [
            {"language": lang, "text": t, **first[t], "statuses": sorted(statuses[t])}
            for lang, items in texts.items()
            for t in items
        ],
    }


# --- fsyncs per command, under strace --------------------------------------------------------


FSYNC_COMMANDS = 10


async def fsync_child(data: Path, run_commands: bool) -> int:
    """Open the 200-device hub and (optionally) run the commands; returns how many ran."""
    from homemind.app import Hub

    document = home_document(200)
    write_home(data, document)
    hub = Hub.open(data)
    await hub.start()
    ran = 0
    try:
        if run_commands:
            actor = hub.actor(None, "bench")
            for lang in ("en", "zh"):
                for text in sentences(document, lang)[:FSYNC_COMMANDS]:
                    await hub.conversation.process(text, actor)
                    ran += 1
            await hub.conversation.process(ALL_LIGHTS["en"][0], actor)
            await hub.conversation.process(ALL_LIGHTS["en"][1], actor)
            ran += 2
    finally:
        await hub.stop()
    return ran


def count_fsyncs(tmp: Path) -> dict[str, Any] | None:
    strace = shutil.which("strace")
    if strace is None:
        return None
    counts = {}
    for label, flag in (("baseline", "--fsync-child-empty"), ("commands", "--fsync-child")):
        out = tmp / f"strace-{label}.txt"
        data = tmp / f"fsync-{label}"
        done = subprocess.run(
            [strace, "-f", "-c", "-e", "trace=fsync,fdatasync", "-o", str(out),
             sys.executable, __file__, flag, str(data)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        ran = int(done.stdout.strip().splitlines()[-1]) if done.returncode == 0 else -1
        total = 0
        for line in out.read_text().splitlines():
            match = re.match(r"\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(fsync|fdatasync)$", line)
            if match:
                total += int(match.group(1))
        counts[label] = {"fsyncs": total, "commands": ran}
    extra = counts["commands"]["fsyncs"] - counts["baseline"]["fsyncs"]
    ran = counts["commands"]["commands"]
    return {**counts, "per_command": round(extra / ran, 3) if ran > 0 else None}


# --- the parent: children per size, the table -------------------------------------------------


def run_size(size: int, rounds: int, tmp: Path) -> dict[str, Any]:
    out = tmp / f"size-{size}.json"
    subprocess.run(
        [sys.executable, __file__, "--child", str(size), "--rounds", str(rounds), "--json", str(out)],
        check=True,
    )
    return json.loads(out.read_text())


def print_report(report: dict[str, Any]) -> None:
    print()
    print(f"Warm latency, {report['config']['rounds']} rounds after one warm-up (ms); peer = bare hassil")
    header = (
        f"{'devices':>7} {'lang':4} {'pipeline p50':>12} {'p99':>7} {'hassil p50':>10} {'p99':>7}"
        f" {'p50 ratio':>9} {'p99 ratio':>9}  {'said again p50':>14} {'p99':>7}  understood  hub RSS MiB"
    )
    print(header)
    print("-" * len(header))
    for result in report["sizes"]:
        for lang, s in result["latency"].items():
            understood = sum(
                1 for x in result["sentences"] if x["language"] == lang and x["status"] in OK_STATUSES
            )
            print(
                f"{result['entities']:>7} {lang:4} {s['pipeline']['p50_ms']:>12.2f}"
                f" {s['pipeline']['p99_ms']:>7.2f} {s['hassil']['p50_ms']:>10.2f}"
                f" {s['hassil']['p99_ms']:>7.2f}"
                f" {s['p50_ratio']:>9.2f} {s['p99_ratio']:>9.2f}  {s['pipeline_repeated']['p50_ms']:>14.2f}"
                f" {s['pipeline_repeated']['p99_ms']:>7.2f}  {understood:>7}/50"
                f"  {result['hub_rss_kib']['VmRSS'] / 1024:>8.0f}"
            )
    print("pipeline = each sentence heard for the first time (what the ratios judge); said again =")
    print("as deployed, a sentence said before answered from what the template tier kept.")
    print()
    print("All the lights (ms): on / off, p50 (p99)")
    for result in report["sizes"]:
        for lang, entry in result["all_lights"].items():
            on, off = entry["on"], entry["off"]
            print(
                f"{result['entities']:>7} {lang:4} {entry['lights']:>4} lights: {on['text']!r}"
                f" {on['p50_ms']:.1f} ({on['p99_ms']:.1f}), {off['text']!r} {off['p50_ms']:.1f}"
                f" ({off['p99_ms']:.1f})  [{off['status']}, {off['actions']} actions]"
            )
    fsync = report.get("fsync")
    if fsync:
        print()
        print(
            f"fsyncs per command (strace, 200 devices): {fsync['per_command']}"
            f" ({fsync['commands']['fsyncs']} - {fsync['baseline']['fsyncs']} at start-up,"
            f" over {fsync['commands']['commands']} commands)"
        )
    print()
    print_checks(report["targets"], report["config"])


def targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    checks = []
    for result in report["sizes"]:
        n = result["entities"]
        for lang, s in result["latency"].items():
            checks.append({"what": f"{n} {lang}: pipeline p50 <= hassil p50", "value": s["p50_ratio"],
                           "met": s["p50_ratio"] <= 1})  # fmt: skip
            checks.append({"what": f"{n} {lang}: pipeline p99 <= 2 x hassil p99", "value": s["p99_ratio"],
                           "met": s["p99_ratio"] <= 2})  # fmt: skip
        if n >= 1000:
            for lang, entry in result["all_lights"].items():
                value = entry["off"]["p50_ms"]
                checks.append({"what": f"{n} {lang}: {entry['off']['text']!r} p50 <= 100 ms",
                               "value": value, "met": value <= 100})  # fmt: skip
        rss = result["hub_rss_kib"]["VmRSS"] / 1024
        checks.append({"what": f"{n}: hub RSS <= 250 MiB", "value": round(rss), "met": rss <= 250})
    if report.get("fsync") and report["fsync"]["per_command"] is not None:
        value = report["fsync"]["per_command"]
        checks.append({"what": "fsyncs per command <= 1", "value": value, "met": value <= 1})
    return checks


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[24, 200, 1000])
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds per sentence, each way")
    parser.add_argument("--fsync", action="store_true", help="also count fsyncs per command (strace)")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--fsync-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--fsync-child-empty", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child is not None:
        with tempfile.TemporaryDirectory(prefix="homemind-scale-") as tmp:
            result = asyncio.run(measure_size(args.child, args.rounds, Path(tmp) / "data"))
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2), "utf-8")
        return 0
    if args.fsync_child or args.fsync_child_empty:
        print(asyncio.run(fsync_child(args.fsync_child or args.fsync_child_empty, bool(args.fsync_child))))
        return 0
    began, load_before = time.perf_counter(), load_average()
    with tempfile.TemporaryDirectory(prefix="homemind-scale-") as tmp:
        sizes = [run_size(size, args.rounds, Path(tmp)) for size in args.sizes]
        fsync = count_fsyncs(Path(tmp)) if args.fsync else None
    report: dict[str, Any] = {
        "config": {
            "rounds": args.rounds,
            "json": str(args.json),
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "versions": {
                pkg: metadata.version(pkg)
                for pkg in ("homemind", "hassil", "home-assistant-intents", "onnxruntime")
            },
            "peer": "hassil recognize_best, home-assistant-intents, the home's names in the language,"
            " raw text",
            "load_before": load_before,
            "load_after": load_average(),
            "total_seconds": round(time.perf_counter() - began, 1),
        },
        "sizes": sizes,
        "fsync": fsync,
    }
    report["targets"] = targets(report)
    write_json(args.json, report)
    print_report(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
