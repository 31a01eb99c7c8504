"""The documents library over HTTP: list, upload, remove, search (``/api/documents``).

An upload is the file itself as the request body, with its name in ``?name=``
(the dashboard sends the picked file as is: no multipart parser to install). Who may
do what is the policy's (``Library`` asks it); these routes only translate its
answers to status codes: 403 refused, 404 not there (or not yours to see), 409
already in the library, 400 a file that cannot be read, 413 too big.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from homemind.app import Hub

# http.py includes this router in create_app
from homemind.channels.http import ActorDep, ErrorResponse, HubDep
from homemind.library.ingest import MAX_BYTES, DocumentError

router = APIRouter(prefix="/api/documents", tags=["documents"])


class DocumentInfo(BaseModel):
    id: int
    title: str
    source: str = Field(description="The file it came from.")
    kind: str = Field(description="law, markdown, text, html or pdf")
    readers: str = Field(description="'household', or the one member who may read it (and admins).")
    added_by: str
    added_at: float
    starter: bool = Field(description="One of the laws homemind comes with.")
    passages: int


class SearchResult(BaseModel):
    title: str = Field(description="The document's title, as in its first heading.")
    section: str = Field(description="The article (第二条) or the heading.")
    text: str
    source: str
    score: float
    document: int
    chapter: str
    page: int | None


class SearchResponse(BaseModel):
    results: list[SearchResult]


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The error answers a route documents: every one shares the one error body."""
    return {code: {"model": ErrorResponse} for code in codes}


def _library(hub: Hub, *, create: bool = False) -> Any:
    library = hub.documents.get(create=create) if hub.documents is not None else None
    if library is None:
        raise HTTPException(404, "This home has no documents library yet (homemind docs add --starter).")
    return library


def _refused(exc: DocumentError, language: str) -> JSONResponse:
    return JSONResponse({"detail": exc.message(language)}, status_code=getattr(exc, "status", 400))


@router.get("", response_model=list[DocumentInfo])
async def documents(hub: HubDep, actor: ActorDep) -> Any:
    """The documents the caller may read (none before the first is added)."""
    library = hub.documents.get() if hub.documents is not None else None
    return [d.as_dict() for d in library.documents(actor.member)] if library is not None else []


@router.get("/search", response_model=SearchResponse)
async def search(
    hub: HubDep,
    actor: ActorDep,
    q: Annotated[str, Query(min_length=1, max_length=1000, description="The question.")],
    k: Annotated[int, Query(ge=1, le=50)] = 5,
) -> Any:
    """The passages that answer a question, best first, from what the caller may read."""
    library = hub.documents.get() if hub.documents is not None else None
    if library is None:
        return {"results": []}
    hub.store.commit()  # the request's writes (a token's use) are not held while it searches
    hits = await asyncio.to_thread(library.search, q, actor.member, k)
    return {"results": [h.as_dict() for h in hits]}


@router.post("", status_code=201, response_model=DocumentInfo, responses=_errors(400, 404, 409, 413))
async def upload(
    request: Request,
    hub: HubDep,
    actor: ActorDep,
    name: Annotated[str, Query(min_length=1, max_length=255, description="The file's name, e.g. manual.pdf")],
    private: bool = False,
) -> Any:
    """Add a file (the body): Markdown, text, HTML or PDF. Adults and admins may."""
    library = _library(hub, create=True)
    language = actor.member.language
    if not hub.policy.may_manage_documents(actor.member):
        raise HTTPException(403, f"{actor.member.id} may not add documents (adults and admins may).")
    # The body arrives over the network and is embedded for seconds in a thread: the request's
    # writes so far (a token's use) are committed first, so the store is not locked meanwhile.
    hub.store.commit()
    fd, tmp = tempfile.mkstemp(prefix=".upload-", dir=hub.data)  # 0600, beside the library
    try:
        size = 0
        with os.fdopen(fd, "wb") as out:
            async for chunk in request.stream():
                size += len(chunk)
                if size > MAX_BYTES:
                    raise HTTPException(413, f"The file is too big; the limit is {MAX_BYTES // 2**20} MB.")
                out.write(chunk)
        safe = Path(name).name or "upload"
        try:
            doc = await asyncio.to_thread(library.add, Path(tmp), actor.member, private=private, name=safe)
        except DocumentError as exc:
            return _refused(exc, language)
        return doc.as_dict()
    finally:
        Path(tmp).unlink(missing_ok=True)


@router.delete("/{doc_id}", status_code=204, response_model=None, responses=_errors(403, 404))
async def remove(doc_id: int, hub: HubDep, actor: ActorDep) -> Response:
    """Remove a document: adults and admins, and a private one only by whoever may read it."""
    try:
        _library(hub).remove(doc_id, actor.member)
    except DocumentError as exc:
        return _refused(exc, actor.member.language)
    return Response(status_code=204)
