"""The household's library: add, list, remove and search documents, as a member.

Every operation takes the member doing it and asks the policy
(``may_manage_documents``, ``may_read_document``, ``may_remove_document``), so the
CLI, the API and the conversation cannot disagree about who sees what. The starter
library (the laws in ``starter/``) is installed by ``homemind init``; its vectors come
precomputed in ``starter/vectors-*.npy`` (checked against the texts and the models by a
hash, recomputed if they differ), so installing takes seconds, not the ten minutes
embedding 4,000 articles takes on a small box.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from homemind.core import i18n
from homemind.core.model import Member
from homemind.library import embed
from homemind.library.ingest import KINDS, DocumentError, ParsedDocument, read_document
from homemind.library.search import Hit, Retriever
from homemind.library.store import HOUSEHOLD, LIBRARY_FILE, DocumentRow, LibraryStore
from homemind.library.terms import terms
from homemind.policy import Policy

TERMS_VERSION = "1"

i18n.register(
    {
        "library.may_not_manage": {
            "en": "{member} may not add or remove documents (adults and admins may)",
            "zh": "{member}不能添加或删除文件（成年人和管理员可以）",
        },
        "library.no_document": {"en": "there is no document {id}", "zh": "没有编号为 {id} 的文件"},
        "library.duplicate": {
            "en": "{path}: already in the library as document {id} ({title})",
            "zh": "{path}：文件库里已有这个文件（编号 {id}，{title}）",
        },
        "library.no_member": {"en": "there is no member {member}", "zh": "没有成员 {member}"},
    }
)


class LibraryError(DocumentError):
    """Refused by the policy, or no such document: a message key like every other error."""

    def __init__(self, key: str, status: int = 400, **params: Any) -> None:
        super().__init__(key, **params)
        self.status = status  # what the HTTP API answers with


@dataclass(frozen=True)
class Added:
    document: DocumentRow | None
    path: str
    error: DocumentError | None = None


def passage_text(title: str, chapter: str, text: str) -> str:
    """What the encoder reads for a passage: where it is, then what it says."""
    return " ".join(part for part in (title, chapter, text) if part)


class Library:
    def __init__(self, directory: Path, policy: Policy) -> None:
        self.store = LibraryStore(directory / LIBRARY_FILE)
        self.policy = policy
        self.retriever = Retriever(self.store)

    def close(self) -> None:
        self.store.close()

    # --- reading -------------------------------------------------------------------------

    def visible(self, member: Member) -> Callable[[DocumentRow], bool]:
        return lambda doc: self.policy.may_read_document(member, doc.readers)

    def documents(self, member: Member) -> list[DocumentRow]:
        return [d for d in self.store.documents() if self.policy.may_read_document(member, d.readers)]

    def search(self, question: str, member: Member, k: int = 5) -> list[Hit]:
        return self.retriever.search(question, self.visible(member), k)

    # --- changing ------------------------------------------------------------------------

    def _check_manager(self, member: Member) -> None:
        if not self.policy.may_manage_documents(member):
            raise LibraryError("library.may_not_manage", 403, member=member.id)

    def add(
        self, path: Path, member: Member, *, private: bool = False, name: str | None = None
    ) -> DocumentRow:
        """One file, read by the household (or by ``member`` only when ``private``)."""
        self._check_manager(member)
        parsed = read_document(path, name)
        readers = member.id if private else HOUSEHOLD
        for doc in self.store.documents():
            if doc.sha256 == parsed.sha256 and doc.readers == readers:
                raise LibraryError(
                    "library.duplicate", 409, path=name or str(path), id=doc.id, title=doc.title
                )
        return self._index(parsed, name or path.name, readers, member.id)

    def add_paths(self, paths: list[Path], member: Member, *, private: bool = False) -> Iterator[Added]:
        """Files and folders (their supported files, recursively); each file succeeds or fails alone."""
        self._check_manager(member)
        for path in paths:
            files = (
                sorted(p for p in path.rglob("*") if p.suffix.lower() in KINDS) if path.is_dir() else [path]
            )
            for file in files:
                try:
                    yield Added(self.add(file, member, private=private), str(file))
                except DocumentError as exc:
                    yield Added(None, str(file), exc)

    def remove(self, doc_id: int, member: Member) -> DocumentRow:
        doc = self.store.document(doc_id)
        if doc is None or not self.policy.may_read_document(member, doc.readers):
            raise LibraryError("library.no_document", 404, id=doc_id)  # another's private one: not there
        if not self.policy.may_remove_document(member, doc.readers):
            raise LibraryError("library.may_not_manage", 403, member=member.id)
        self.store.remove(doc_id)
        return doc

    def _index(
        self,
        parsed: ParsedDocument,
        source: str,
        readers: str,
        added_by: str,
        *,
        starter: bool = False,
        vectors: dict[str, np.ndarray] | None = None,
    ) -> DocumentRow:
        passages = [p.__dict__ for p in parsed.passages]
        words = [" ".join(terms(f"{parsed.title} {p.chapter} {p.text}")) for p in parsed.passages]
        if vectors is None:
            texts = [passage_text(parsed.title, p.chapter, p.text) for p in parsed.passages]
            vectors = {model: embed.embed_passages(texts, model) for model in embed.MODELS}
        row = {
            "title": parsed.title,
            "source": source,
            "kind": parsed.kind,
            "readers": readers,
            "added_by": added_by,
            "added_at": time.time(),
            "sha256": parsed.sha256,
            "starter": int(starter),
            "language": _language(parsed),
        }
        doc = self.store.document(self.store.add(row, passages, words, vectors))
        assert doc is not None
        return doc

    # --- the starter library -------------------------------------------------------------

    def install_starter(self, added_by: str) -> int:
        """The packaged laws, each once; returns how many documents were added."""
        present = {d.sha256 for d in self.store.documents() if d.starter}
        files, vectors = starter_files(), starter_vectors()
        added, offset = 0, 0
        for file in files:
            parsed = read_document(file)
            count = len(parsed.passages)
            if parsed.sha256 not in present:
                own = (
                    {m: v[offset : offset + count] for m, v in vectors.items()}
                    if vectors is not None
                    else None
                )
                self._index(parsed, file.name, HOUSEHOLD, added_by, starter=True, vectors=own)
                added += 1
            offset += count
        self.store.set_setting("model", embed.MODEL_NAME)
        self.store.set_setting("terms", TERMS_VERSION)
        return added


def _language(parsed: ParsedDocument) -> str:
    """zh when at least a fifth of its letters are Chinese characters, else en."""
    text = "".join(p.text for p in parsed.passages)
    han = sum(1 for c in text if "\u4e00" <= c <= "\u9fff")
    letters = sum(1 for c in text if c.isalpha())
    return "zh" if letters and han * 5 >= letters else "en"


def starter_files() -> list[Path]:
    folder = resources.files("homemind.library").joinpath("starter")
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith(".md") and p.name != "README.md")


def starter_fingerprint() -> str:
    """What the packaged vectors were computed from: the model, and every passage's text."""
    digest = hashlib.sha256(embed.MODEL_NAME.encode())
    for file in starter_files():
        parsed = read_document(file)
        for p in parsed.passages:
            digest.update(passage_text(parsed.title, p.chapter, p.text).encode())
    return digest.hexdigest()


def starter_vectors() -> dict[str, np.ndarray] | None:
    """The packaged vectors, if they were computed from today's texts with today's models."""
    folder = resources.files("homemind.library").joinpath("starter")
    stamp = folder.joinpath("vectors.sha256")
    files = {model: folder.joinpath(f"vectors-{model}.npy") for model in embed.MODELS}
    if not (stamp.is_file() and all(f.is_file() for f in files.values())):
        return None
    if stamp.read_text("ascii").strip() != starter_fingerprint():
        return None
    vectors = {}
    for model, file in files.items():
        with file.open("rb") as f:
            vectors[model] = np.load(f).astype(np.float32)
    return vectors


def build_starter_vectors() -> Path:
    """Recompute ``starter/vectors-*.npy`` (after the texts, the splitting or a model change).

    Minutes on two cores (multilingual-e5-small is the slow one).
    """
    folder = Path(str(resources.files("homemind.library").joinpath("starter")))
    texts: list[str] = []
    for file in starter_files():
        parsed = read_document(file)
        texts.extend(passage_text(parsed.title, p.chapter, p.text) for p in parsed.passages)
    for model in embed.MODELS:
        np.save(folder / f"vectors-{model}.npy", embed.embed_passages(texts, model).astype(np.float16))
    (folder / "vectors.sha256").write_text(starter_fingerprint() + "\n", "ascii")
    return folder
