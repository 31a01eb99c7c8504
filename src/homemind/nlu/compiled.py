"""The template tier's parsed templates and prefilter index, kept in the data dir between runs.

Parsing a language's thousand sentence templates and indexing them takes a few
tenths of a second: a one-shot ``homemind ask`` paid it on every run, more than
everything else it does. The result depends only on the templates (hassil,
home-assistant-intents, homemind's own sentences) and on the code that builds it,
never on the home, so it is kept under ``<data>/cache/`` (as the voice models are
under ``<data>/voice/``) with a key that hashes all of those; anything that
changes them makes a new key, and a file that cannot be read is rebuilt.

The file is a pickle written by this user's homemind into this user's data dir,
read back only by it: the same trust as the home file next to it.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from importlib import resources
from importlib.metadata import version
from pathlib import Path
from typing import TypeVar

log = logging.getLogger(__name__)

FORMAT = "1"  # bump when what is kept changes shape
T = TypeVar("T")


def cache_key(language: str, intent_types: Iterable[str]) -> str:
    """A hash of everything the compiled templates are made from, the builder's code included."""
    digest = hashlib.sha256()
    parts = [FORMAT, sys.version, version("hassil"), version("home-assistant-intents"), language]
    parts += sorted(intent_types)
    for part in parts:
        digest.update(part.encode("utf-8") + b"\0")
    package = resources.files("homemind.nlu")
    for name in (f"sentences/{language}.yaml", "templates.py", "prefilter.py", "compiled.py"):
        digest.update(package.joinpath(name).read_bytes())
    return digest.hexdigest()[:24]


def load_or_build(directory: Path | None, name: str, key: str, build: Callable[[], T], kind: type[T]) -> T:
    """The object kept as ``directory/name-key.pickle``, else ``build()`` (and keep it there)."""
    path = directory / f"{name}-{key}.pickle" if directory is not None else None
    if path is not None and path.is_file():
        try:
            with (
                _collector_paused()
            ):  # a million small objects: the collector would walk them again and again
                loaded = pickle.loads(path.read_bytes())
            if isinstance(loaded, kind):
                return loaded
        except Exception as exc:  # a damaged or foreign file is rebuilt, never fatal
            log.warning("rebuilding %s: %s", path, exc)
    built = build()
    if path is not None:
        _keep(path, built)
    return built


def _keep(path: Path, value: object) -> None:
    """Write atomically (another process may be reading or writing the same file); never fail."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # private, as the data dir is
        with tempfile.NamedTemporaryFile("wb", dir=path.parent, prefix=".tmp-", delete=False) as out:
            try:
                pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
            except BaseException:
                os.unlink(out.name)
                raise
        os.replace(out.name, path)
        for stale in path.parent.glob(f"{path.name.rsplit('-', 1)[0]}-*.pickle"):
            if stale != path:  # an older build of the same templates
                stale.unlink(missing_ok=True)
    except OSError as exc:
        log.info("not keeping %s: %s", path, exc)


@contextmanager
def _collector_paused() -> Iterator[None]:
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
