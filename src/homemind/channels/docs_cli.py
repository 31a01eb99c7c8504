"""`homemind docs`: add, list, remove and search the household's documents.

``docs search --json`` prints ``{"results": [{"title", "section", "text", "source",
"score"}, ...]}``; with ``-`` it reads one question a line from stdin and prints one
such line per question, in order. Exit status: 0 done, 1 refused (by the policy) or
some file could not be added, 2 a set-up problem (no home, an unknown member).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from homemind.app import Hub, SetupError
from homemind.library import LibraryHandle
from homemind.library.ingest import DocumentError


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    docs = sub.add_parser("docs", help="the household's documents: add, list, remove, search")
    docs_sub = docs.add_subparsers(dest="docs_command", required=True)
    add = docs_sub.add_parser(
        "add", parents=[common], help="add files or folders (Markdown, text, HTML, PDF)"
    )
    add.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    add.add_argument("--as", dest="member", help="who adds them (default: the owner); adults and admins may")
    add.add_argument("--private", action="store_true", help="only that member (and admins) may read them")
    add.add_argument("--starter", action="store_true", help="(re)install the packaged laws and regulations")
    add.add_argument("--json", action="store_true", help="one JSON object per file")
    listing = docs_sub.add_parser("list", parents=[common], help="the documents a member may read")
    listing.add_argument("--as", dest="member", help="whose view (default: the owner)")
    listing.add_argument("--json", action="store_true")
    remove = docs_sub.add_parser("remove", parents=[common], help="remove a document by its id")
    remove.add_argument("doc_id", type=int, metavar="ID")
    remove.add_argument("--as", dest="member", help="who removes it (default: the owner)")
    search = docs_sub.add_parser("search", parents=[common], help="the passages that answer a question")
    search.add_argument("question", nargs="+", help="the question; '-' reads one question a line from stdin")
    search.add_argument(
        "--k", type=int, default=5, choices=range(1, 51), metavar="N", help="results (1-50, 5)"
    )
    search.add_argument("--as", dest="member", help="whose documents to search (default: the owner)")
    search.add_argument("--json", action="store_true")


def run(args: argparse.Namespace, directory: Path) -> int:
    hub = Hub.open(directory)
    try:
        member = hub.actor(args.member).member
        handle = hub.documents or LibraryHandle(directory, hub.policy)
        library = handle.get(create=args.docs_command == "add")
        if library is None:
            raise SetupError(
                f"no library in {directory} yet: `homemind docs add --starter` installs the laws"
            )
        command = args.docs_command
        if command == "add":
            return _add(library, member, args)
        if command == "list":
            rows = [d.as_dict() for d in library.documents(member)]
            if args.json:
                print(json.dumps(rows, ensure_ascii=False, indent=2))
            for d in [] if args.json else rows:
                who = "household" if d["readers"] == "household" else f"only {d['readers']}"
                what = f"{d['kind']}, {d['passages']} passages, {who}"
                print(f"{d['id']:4}  {d['title']}  ({what})  {d['source']}")
            return 0
        if command == "remove":
            removed = library.remove(args.doc_id, member)
            print(f"removed document {removed.id}: {removed.title}")
            return 0
        return _search(library, member, args)
    except DocumentError as exc:
        print(f"homemind: {exc.message('en')}", file=sys.stderr)
        return 1
    finally:
        hub.store.close()
        if hub.documents is not None:
            hub.documents.close()


def _add(library: Any, member: Any, args: argparse.Namespace) -> int:
    if args.starter:
        library._check_manager(member)
        count = library.install_starter(member.id)
        print(f"installed {count} starter documents ({len(library.documents(member))} in the library)")
    if not args.paths and not args.starter:
        raise SetupError("name the files or folders to add (or --starter)")
    failed = False
    for added in library.add_paths(args.paths, member, private=args.private):
        failed = failed or added.error is not None
        if args.json:
            out: dict[str, Any] = {"path": added.path}
            out.update({"document": added.document.as_dict()} if added.document else {})
            out.update({"error": added.error.message("en")} if added.error else {})
            print(json.dumps(out, ensure_ascii=False), flush=True)
        elif added.document is not None:
            doc = added.document
            print(f"added {doc.id}: {doc.title} ({doc.kind}, {doc.passages} passages) from {added.path}")
        else:
            print(f"homemind: {added.error.message('en') if added.error else added.path}", file=sys.stderr)
    return 1 if failed else 0


def _search(library: Any, member: Any, args: argparse.Namespace) -> int:
    questions = args.question
    lines: Iterator[str]
    if questions == ["-"]:
        sys.stdin.reconfigure(errors="replace")  # type: ignore[union-attr]
        lines = (line.rstrip("\n") for line in sys.stdin)
    else:
        lines = iter([" ".join(questions)])
    for question in lines:
        hits = library.search(question, member, args.k) if question.strip() else []
        if args.json:
            print(json.dumps({"results": [h.as_dict() for h in hits]}, ensure_ascii=False), flush=True)
            continue
        for rank, hit in enumerate(hits, 1):
            where = " ".join(p for p in (hit.passage.chapter, hit.passage.section) if p)
            page = f", page {hit.passage.page}" if hit.passage.page is not None else ""
            print(f"{rank}. {hit.document.title} {where}{page}  [{hit.score:.4f}]")
            print(f"   {hit.passage.text[:300]}")
    return 0
