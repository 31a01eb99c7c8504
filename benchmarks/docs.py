"""Benchmark: the documents library: retrieval quality, speed, size and memory.

What it measures, in one run:

1. Recall@1/5/10 of the hybrid search (BM25 over jieba/Snowball terms + the dense
   encoder, fused by reciprocal rank), and in the same run BM25 alone (the baseline
   the issue names) and the encoder alone, on:

   * ``lecoqa``: the 707 real questions of ``../shared/data/public-docs/
     lecoqa_train_covered.json`` (LeCoQA's *training* split: development data; the
     product is judged on held-out questions drawn from its test split, never read here);
   * ``zh`` / ``en``: ``benchmarks/data/docs_everyday.jsonl``, 79 everyday questions
     written for this library in Chinese and, separately phrased, in English (English
     questions about the Chinese rules), each with the article(s) that answer it. Rows
     are split ``dev`` / ``test``: thresholds and fusion weights were chosen on
     ``dev`` (and LeCoQA) only; ``test`` is reported apart as held out.

   "any" counts a question when one of its gold articles is in the top k; "all" when
   every one is.
2. The "I couldn't find this" bar (``answerer.MIN_COSINE``): of the everyday questions,
   how many are answered, and answered from a gold article; of
   ``benchmarks/data/docs_outside.jsonl`` (30 questions the library does not cover,
   in both languages), how many are wrongly answered.
3. Search latency p50/p99 (warm, one question at a time, every question above): wall time,
   and the process's CPU time (the encoders run one thread each, nothing else runs), which
   is the wall time of an idle box.
4. Index build: the starter library from its packaged vectors (what ``homemind init``
   does) and from scratch (embedding every article: ``--scratch``), and 1,000 added
   pages (``--pages``; synthetic pages of about 1,800 characters, mixed Chinese and
   English, added as 100 Markdown files through ``Library.add``); library.db's size.
5. Peak RSS of a hub process with the library loaded (a child process: Hub.open, the
   learned tier warmed, 50 questions through the conversation).

No assertions: it reports. A table on stdout, JSON in ``benchmarks/results/docs.json``
(written after each part, so a run cut short keeps what it measured). Build times are
given as wall seconds and as the process's CPU seconds: on a box shared with other work,
the CPU seconds are what the build costs, the wall time what this run waited.

Each question's vectors are computed once, in the timed hybrid pass, and reused by the
untimed passes (the encoder alone, the "couldn't find" bar): the same vectors, so the
same figures, at half the encoding. ``--build-only`` measures the index builds alone
(the 1,000 pages are about 4,000 passages to embed, most of a run's CPU time), so the
quality figures and the build figures can be taken in two runs.

    python benchmarks/docs.py [--split all|dev|test] [--scratch] [--pages 1000] [--build-only] [--json PATH]
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "public-docs"
LECOQA = SHARED / "lecoqa_train_covered.json"
EVERYDAY = ROOT / "benchmarks" / "data" / "docs_everyday.jsonl"
OUTSIDE = ROOT / "benchmarks" / "data" / "docs_outside.jsonl"

Question = tuple[str, list[str], str]  # text, gold keys, language


def key(title: str, section: str) -> str:
    return title.removeprefix("中华人民共和国") + section


def questions(split: str) -> dict[str, list[Question]]:
    sets: dict[str, list[Question]] = {}
    if LECOQA.exists():
        rows = json.loads(LECOQA.read_text("utf-8"))
        sets["lecoqa"] = [
            (r["问题"], [m.removeprefix("中华人民共和国") for m in r["match_name"]], "zh") for r in rows
        ]
    everyday = [json.loads(line) for line in EVERYDAY.read_text("utf-8").splitlines() if line.strip()]
    for part in ("dev", "test"):
        if split not in ("all", part):
            continue
        chosen = [r for r in everyday if r["split"] == part]
        sets[f"zh {part}"] = [(r["zh"], r["gold"], "zh") for r in chosen]
        sets[f"en {part}"] = [(r["en"], r["gold"], "en") for r in chosen]
    return sets


def recall(ranked: list[list[str]], gold: list[list[str]]) -> dict[str, float]:
    out: dict[str, float] = {}
    for k in (1, 5, 10):
        anyhit = sum(bool(set(r[:k]) & set(g)) for r, g in zip(ranked, gold, strict=True))
        allhit = sum(set(g) <= set(r[:k]) for r, g in zip(ranked, gold, strict=True))
        out[f"any@{k}"] = round(100 * anyhit / len(gold), 1)
        out[f"all@{k}"] = round(100 * allhit / len(gold), 1)
    return out


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def build_starter(data: Path) -> tuple[Any, float]:
    from homemind.app import Hub, init_data_dir
    from homemind.library import install_starter_library

    init_data_dir(data, demo=True)
    hub = Hub.open(data)
    start = time.perf_counter()
    install_starter_library(data, hub.policy, hub.home.owner)
    seconds = time.perf_counter() - start
    return hub, seconds


def measure_quality(library: Any, member: Any, split: str) -> tuple[dict[str, Any], list[float], list[float]]:
    results: dict[str, Any] = {}
    latencies: list[float] = []
    cpu: list[float] = []  # the process's CPU time: the search's cost, whatever else the box runs
    visible = library.visible(member)
    for name, qs in questions(split).items():
        results[name] = {"questions": len(qs)}
        for mode, flags in (("hybrid", {}), ("bm25", {"dense": False}), ("dense", {"lexical": False})):
            ranked = []
            for text, _gold, _lang in qs:
                start, used = time.perf_counter(), time.process_time()
                hits = library.retriever.search(text, visible, 10, **flags)
                if mode == "hybrid":
                    latencies.append((time.perf_counter() - start) * 1000)
                    cpu.append((time.process_time() - used) * 1000)
                ranked.append([key(h.document.title, h.passage.section) for h in hits])
            results[name][mode] = recall(ranked, [g for _, g, _ in qs])
    return results, latencies, cpu


def measure_bar(library: Any, member: Any, split: str) -> dict[str, Any]:
    from homemind.library.answerer import confident, has_cue, looks_like_question

    everyday = [json.loads(line) for line in EVERYDAY.read_text("utf-8").splitlines() if line.strip()]
    outside = [json.loads(line) for line in OUTSIDE.read_text("utf-8").splitlines() if line.strip()]
    out: dict[str, Any] = {}
    for language in ("zh", "en"):
        for part in ("dev", "test"):
            if split not in ("all", part):
                continue
            inside = [r for r in everyday if r["split"] == part]
            answered = right = 0
            for row in inside:
                hits = library.search(row[language], member, 3)
                cued = has_cue(row[language], language)
                if looks_like_question(row[language], language) and confident(hits, language, cued=cued):
                    answered += 1
                    right += key(hits[0].document.title, hits[0].passage.section) in row["gold"]
            wrong = 0
            rows = [r for r in outside if r["split"] == part]
            for row in rows:
                hits = library.search(row[language], member, 3)
                cued = has_cue(row[language], language)
                wrong += looks_like_question(row[language], language) and confident(hits, language, cued=cued)
            out[f"{language} {part}"] = {
                "answered": f"{answered}/{len(inside)}",
                "answered from a gold article": f"{right}/{len(inside)}",
                "outside questions answered (should be 0)": f"{wrong}/{len(rows)}",
            }
    return out


def synthetic_pages(folder: Path, pages: int) -> None:
    """``pages`` pages of about 1,800 characters in 100 Markdown files: laws' sentences and English notes."""
    import random

    from homemind.library.library import starter_files

    rng = random.Random(7)
    sentences = [
        line.strip()
        for file in starter_files()[:10]
        for line in file.read_text("utf-8").splitlines()
        if line.startswith("第") and len(line) > 40
    ]
    english = [
        "Check the seal on the door every month and clean it with a damp cloth.",
        "Residents must put recycling out on Tuesday evenings before nine o'clock.",
        "The warranty covers parts and labour for two years from the date of purchase.",
        "Parents should sign the permission slip and return it to the class teacher by Friday.",
        "Do not block the fire escape; bicycles left in the stairwell will be removed.",
    ]
    per_file = max(1, pages // 100)
    for f in range(100):
        lines = [f"# Household notes {f}"]
        for p in range(per_file):
            lines.append(f"\n## Page {f * per_file + p + 1}\n")
            text = ""
            while len(text) < 1800:
                text += (rng.choice(english) + " ") if rng.random() < 0.4 else rng.choice(sentences)
            lines.append(text)
        (folder / f"notes-{f:03}.md").write_text("\n".join(lines), "utf-8")


def measure_build(hub: Any, pages: int) -> dict[str, Any]:
    library = hub.documents.get(create=True)
    owner = hub.home.members[hub.home.owner]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        synthetic_pages(folder, pages)
        start, cpu = time.perf_counter(), time.process_time()
        added = list(library.add_paths([folder], owner))
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    passages = sum(a.document.passages for a in added if a.document is not None)
    return {
        "pages": pages,
        "files": len(added),
        "passages": passages,
        "seconds": round(seconds, 1),
        "cpu seconds": round(cpu, 1),
    }


RSS_CHILD = """
import asyncio, json, resource, sys
from pathlib import Path
from homemind.app import Hub
hub = Hub.open(Path(sys.argv[1]))
hub.warm_up()
actor = hub.actor(None, "bench")
for text in json.loads(sys.argv[2]):
    asyncio.run(hub.conversation.process(text, actor))
asyncio.run(hub.conversation.process("turn on the kitchen light", actor))
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def measure_rss(data: Path) -> int:
    everyday = [json.loads(line) for line in EVERYDAY.read_text("utf-8").splitlines() if line.strip()]
    texts = [r["zh"] for r in everyday[:25]] + [r["en"] for r in everyday[:25]]
    done = subprocess.run(
        [sys.executable, "-c", RSS_CHILD, str(data), json.dumps(texts, ensure_ascii=False)],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--split", choices=["all", "dev", "test"], default="all")
    parser.add_argument("--pages", type=int, default=1000, help="pages to add for the build figure (0: skip)")
    parser.add_argument("--scratch", action="store_true", help="also build the starter library from scratch")
    parser.add_argument(
        "--build-only", action="store_true", help="only the index builds and sizes (no recall, bar, RSS)"
    )
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results" / "docs.json")
    args = parser.parse_args()

    from homemind.library import embed

    # One encoding per question and model (the timed pass's), reused by the untimed passes.
    embed.embed_query = functools.lru_cache(maxsize=None)(embed.embed_query.__wrapped__)  # type: ignore[assignment]
    report: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "model": embed.MODEL_NAME,
        "load average at start": round(os.getloadavg()[0], 1),
    }

    def save(part: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {part}: done", flush=True)
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", "utf-8")

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        hub, seconds = build_starter(data)
        library = hub.documents.get()
        owner = hub.home.members[hub.home.owner]
        report["starter build (packaged vectors), s"] = round(seconds, 1)
        report["starter passages"] = sum(d.passages for d in library.store.documents())
        report["library.db MB (starter)"] = round((data / "library.db").stat().st_size / 2**20, 1)
        if not args.build_only:
            library.search("warm up", owner, 1)
            report["recall"], latencies, cpu = measure_quality(library, owner, args.split)
            report["search latency ms"] = {
                "p50": round(percentile(latencies, 50), 1),
                "p99": round(percentile(latencies, 99), 1),
                "cpu p50": round(percentile(cpu, 50), 1),
                "cpu p99": round(percentile(cpu, 99), 1),
                "questions": len(latencies),
            }
            save("recall and latency")
            report["not-found bar"] = measure_bar(library, owner, args.split)
            save("not-found bar")
            report["hub peak RSS MiB (library loaded)"] = round(measure_rss(data) / 1024, 1)
            save("peak RSS")
        if args.scratch:
            report["starter build (from scratch), s"] = _scratch()
            save("starter from scratch")
        if args.pages:
            report["added pages build"] = measure_build(hub, args.pages)
            library.store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            report["library.db MB (with pages)"] = round((data / "library.db").stat().st_size / 2**20, 1)
            save("added pages")
        hub.documents.close()
        hub.store.close()
    report["load average at end"] = round(os.getloadavg()[0], 1)
    _print(report)
    save("all")
    print(f"\nwrote {args.json}")


def _scratch() -> float:
    """Embedding every starter article, as a box without the packaged vectors would."""
    import homemind.library.library as lib

    original: Callable[[], Any] = lib.starter_vectors
    lib.starter_vectors = lambda: None  # type: ignore[assignment]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            hub, seconds = build_starter(Path(tmp) / "data")
            hub.documents.close()
            hub.store.close()
    finally:
        lib.starter_vectors = original  # type: ignore[assignment]
    return round(seconds, 1)


def _print(report: dict[str, Any]) -> None:
    print(f"\nmodel: {report['model']}; {report['machine']}; load average {os.getloadavg()[0]:.1f}\n")
    print(
        f"{'set':10} {'mode':7} "
        + " ".join(f"{c:>7}" for c in ("any@1", "any@5", "any@10", "all@1", "all@5", "all@10"))
    )
    for name, row in report.get("recall", {}).items():
        for mode in ("hybrid", "bm25", "dense"):
            cells = " ".join(
                f"{row[mode][c]:7.1f}" for c in ("any@1", "any@5", "any@10", "all@1", "all@5", "all@10")
            )
            print(f"{name:10} {mode:7} {cells}   (n={row['questions']})")
    for name, value in report.items():
        if name not in ("recall", "model", "machine"):
            print(f"{name}: {json.dumps(value, ensure_ascii=False)}")


if __name__ == "__main__":
    main()
