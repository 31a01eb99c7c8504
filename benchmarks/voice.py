"""Benchmark: spoken household commands through the whole voice path, against pocketsphinx's general model.

Each command is synthesized in two voices (piper's en_US joe with its noise off,
and espeak-ng en-us), with white noise at two levels (SNR 30 dB and 15 dB), and
padded with 0.3 s before and 0.6 s after. For every utterance, in one run:

1. **homemind**: 100 ms chunks into the VAD, the noise suppressor and the decoder
   with the home's own language model (as a satellite streams them), then the conversation pipeline
   and the policy executor on the demo home; the device's state is then checked.
2. **peer**: the same audio decoded by pocketsphinx with its general English
   language model and full dictionary (what pocketsphinx does without homemind's
   model, no noise suppression), the transcript through the same pipeline, the state checked the same way.

Before each command the device is put in a state the command must change (the
lights off before "turn on ..."), through the executor. Figures per system and
condition: word error rate, command success (device state right), real-time
factor of the decoder (decode seconds / audio seconds), and latency from the end
of speech to the action done: *after detection* (wall clock from the moment the
VAD declared the speech over to the executor's result) and *from end of speech*
(that plus the silence the VAD waited for, measured in audio time). No timing
assertions: it reports. A table on stdout and JSON (default
``benchmarks/results/voice.json``).

    python benchmarks/voice.py [--limit N] [--json PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from homemind.app import Hub, init_data_dir
from homemind.voice.audio import Audio, add_noise
from homemind.voice.service import Listening, Voice
from homemind.voice.stt import PocketsphinxEngine
from homemind.voice.tts import EspeakTTS, PiperTTS, silence

CHUNK = 3200


@dataclass(frozen=True)
class Command:
    text: str
    setup: tuple[str, str, dict[str, Any]]  # service call that puts the device in the "before" state
    entity: str
    attribute: str | None  # None: the state
    expected: Any


def commands() -> list[Command]:
    out: list[Command] = []
    lights = {
        "light.living_room_ceiling": "living room light",
        "light.floor_lamp": "floor lamp",
        "light.kitchen": "kitchen light",
        "light.bedroom": "bedroom light",
        "light.kids_room": "night light",
        "light.grandma_room": "grandma's light",
        "light.balcony": "balcony light",
    }
    for entity, name in lights.items():
        for verb in ("turn on the", "switch on the"):
            out.append(Command(f"{verb} {name}", ("turn_off", entity, {}), entity, None, "on"))
        for verb in ("turn off the", "switch off the"):
            out.append(Command(f"{verb} {name}", ("turn_on", entity, {}), entity, None, "off"))
    dimmable = ["light.living_room_ceiling", "light.floor_lamp", "light.bedroom", "light.kids_room"]
    words = {
        10: "ten",
        90: "ninety",
        20: "twenty",
        30: "thirty",
        40: "forty",
        50: "fifty",
        60: "sixty",
        70: "seventy",
        80: "eighty",
    }
    for entity in dimmable:
        for n, said in words.items():
            out.append(
                Command(
                    f"set the {lights[entity]} to {said} percent",
                    ("turn_on", entity, {"brightness": 255}),
                    entity,
                    "brightness",
                    round(255 * n / 100),
                )
            )
    degrees = {
        18: "eighteen",
        19: "nineteen",
        20: "twenty",
        21: "twenty one",
        22: "twenty two",
        23: "twenty three",
        24: "twenty four",
        25: "twenty five",
        27: "twenty seven",
    }
    for entity, name in (("climate.bedroom_ac", "bedroom ac"), ("climate.living_room_ac", "living room ac")):
        for n, said in degrees.items():
            out.append(
                Command(
                    f"set the {name} to {said} degrees",
                    ("set_temperature", entity, {"temperature": 26}),
                    entity,
                    "temperature",
                    n,
                )
            )
    for entity, name in (("cover.living_room_curtains", "curtains"), ("cover.bedroom_blinds", "blinds")):
        out.append(Command(f"open the {name}", ("close_cover", entity, {}), entity, None, "open"))
        out.append(Command(f"close the {name}", ("open_cover", entity, {}), entity, None, "closed"))
        for n, said in ((30, "thirty"), (70, "seventy")):
            out.append(
                Command(
                    f"set the {name} to {said} percent",
                    ("close_cover", entity, {}),
                    entity,
                    "current_position",
                    n,
                )
            )
    for text, entity in (
        ("turn on the lamp", "light.floor_lamp"),
        ("turn on the ceiling light", "light.living_room_ceiling"),
        ("turn on the porch light", "light.balcony"),
        ("turn on the bathroom fan", "fan.bathroom_fan"),
    ):
        out.append(Command(text, ("turn_off", entity, {}), entity, None, "on"))
    fan = "fan.bathroom_fan"
    out.append(Command("turn on the exhaust fan", ("turn_off", fan, {}), fan, None, "on"))
    out.append(Command("turn off the exhaust fan", ("turn_on", fan, {}), fan, None, "off"))
    for area, entity in (
        ("kitchen", "light.kitchen"),
        ("bedroom", "light.bedroom"),
        ("balcony", "light.balcony"),
    ):
        out.append(Command(f"turn on the lights in the {area}", ("turn_off", entity, {}), entity, None, "on"))
        out.append(
            Command(f"turn off the lights in the {area}", ("turn_on", entity, {}), entity, None, "off")
        )
    out.append(
        Command("lock the front door", ("unlock", "lock.front_door", {}), "lock.front_door", None, "locked")
    )
    return out


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(edits, reference words): word-level Levenshtein distance, a few lines rather than a dependency."""
    ref, hyp = reference.split(), hypothesis.split()
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[len(hyp)], len(ref)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def run(args: argparse.Namespace) -> dict[str, Any]:
    directory = Path(tempfile.mkdtemp(prefix="homemind-voice-bench-"))
    init_data_dir(directory, demo=True)
    hub = Hub.open(directory)
    hub.warm_up()
    await hub.start()
    voice = Voice.for_hub(hub)
    peer = PocketsphinxEngine()  # the general English model, the full dictionary
    owner = hub.actor(None, channel="voice", direct=True)
    speaker = hub.actor(None, channel="voice")
    voices = {"piper": PiperTTS(deterministic=True), "espeak": EspeakTTS()}
    noises = {"snr30": 30.0, "snr15": 15.0}
    items = commands()[: args.limit] if args.limit else commands()
    rows: list[dict[str, Any]] = []
    for v_name, tts in voices.items():
        clean = {c.text: tts.synthesize(c.text, "en") for c in items}
        for n_name, snr in noises.items():
            for index, command in enumerate(items):
                audio = add_noise(
                    Audio(silence(0.3).pcm + clean[command.text].pcm + silence(0.6).pcm), snr, seed=index
                )
                for system in ("homemind", "peer"):
                    service, entity, data = command.setup
                    await hub.executor.execute(owner, entity, service, data)
                    # The peer is pocketsphinx as it comes: no home model, no noise suppression.
                    session = Listening(voice, peer, denoise=False) if system == "peer" else Listening(voice)
                    decode = 0.0
                    for i in range(0, len(audio.pcm), CHUNK):
                        started = time.perf_counter()
                        session.feed(audio.pcm[i : i + CHUNK])
                        decode += time.perf_counter() - started
                        if session.vad.ended:
                            break
                    started = time.perf_counter()
                    outcome = await voice.understand(session, speaker)
                    decode_tail = time.perf_counter() - started
                    state = hub.states.get(command.entity)
                    got = (
                        state.state if command.attribute is None else state.attributes.get(command.attribute)
                    )
                    heard = outcome.transcript.text if outcome.transcript else ""
                    edits, words = word_errors(command.text.replace("'", " '"), heard.replace("'", " '"))
                    vad = session.vad
                    hangover = (vad.ended_at or 0) - (vad.speech_end or 0)
                    rows.append(
                        {
                            "system": system,
                            "voice": v_name,
                            "noise": n_name,
                            "text": command.text,
                            "heard": heard,
                            "edits": edits,
                            "words": words,
                            "success": got == command.expected,
                            "audio_s": audio.seconds,
                            "decode_s": decode + decode_tail,
                            "after_detection_s": outcome.after_speech,
                            "hangover_s": hangover,
                        }
                    )
            print(f"  {v_name}/{n_name}: done", file=sys.stderr, flush=True)
    await hub.stop()
    return summarize(rows, args)


def summarize(rows: list[dict[str, Any]], args: argparse.Namespace) -> dict[str, Any]:
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault((row["system"], row["voice"], row["noise"]), []).append(row)
        groups.setdefault((row["system"], "all", "all"), []).append(row)
    table = []
    for (system, v_name, n_name), items in sorted(groups.items()):
        after = [r["after_detection_s"] * 1000 for r in items]
        total = [(r["after_detection_s"] + r["hangover_s"]) * 1000 for r in items]
        table.append(
            {
                "system": system,
                "voice": v_name,
                "noise": n_name,
                "utterances": len(items),
                "wer": sum(r["edits"] for r in items) / max(1, sum(r["words"] for r in items)),
                "success": sum(r["success"] for r in items) / len(items),
                "rtf": sum(r["decode_s"] for r in items) / sum(r["audio_s"] for r in items),
                "after_detection_ms_p50": pct(after, 0.5),
                "after_detection_ms_p99": pct(after, 0.99),
                "end_of_speech_ms_p50": pct(total, 0.5),
                "end_of_speech_ms_p99": pct(total, 0.99),
            }
        )
    failures = [
        {k: r[k] for k in ("system", "voice", "noise", "text", "heard")}
        for r in rows
        if not r["success"] and r["system"] == "homemind"
    ]
    return {
        "benchmark": "voice",
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "commands": len({r["text"] for r in rows}),
        "table": table,
        "homemind_failures": failures,
    }


def print_table(result: dict[str, Any]) -> None:
    print(f"\nvoice benchmark: {result['commands']} commands x 2 voices x 2 noise levels\n")
    head = (
        f"{'system':9} {'voice':7} {'noise':6} {'n':>4} {'WER':>6} {'success':>8} {'RTF':>6}"
        f" {'after-detect p50/p99 ms':>24} {'end-of-speech p50/p99 ms':>25}"
    )
    print(head)
    print("-" * len(head))
    for row in result["table"]:
        print(
            f"{row['system']:9} {row['voice']:7} {row['noise']:6} {row['utterances']:>4}"
            f" {row['wer']:>6.3f} {row['success']:>8.1%} {row['rtf']:>6.3f}"
            f" {row['after_detection_ms_p50']:>11.0f} / {row['after_detection_ms_p99']:<10.0f}"
            f" {row['end_of_speech_ms_p50']:>12.0f} / {row['end_of_speech_ms_p99']:<10.0f}"
        )
    print(f"\nhomemind failures ({len(result['homemind_failures'])}):")
    for failure in result["homemind_failures"][:40]:
        print(f"  {failure['voice']}/{failure['noise']}: {failure['text']!r} heard {failure['heard']!r}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--limit", type=int, help="only the first N commands (a quick look)")
    parser.add_argument("--json", type=Path, default=Path("benchmarks/results/voice.json"))
    args = parser.parse_args()
    result = asyncio.run(run(args))
    print_table(result)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
