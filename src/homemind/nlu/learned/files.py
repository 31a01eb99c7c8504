"""Where the learned tier's model is, and whether it is all there: no numpy, no onnxruntime.

Split from ``model.py`` so that opening a hub (which asks whether there is a model)
does not import what running the model needs; a command the template tier
answers never pays for it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

MODEL_DIR = Path(__file__).parent / "model"
MODEL_FILES = ("model.onnx", "tokenizer.json.gz", "labels.json")
TOKENIZER_FILE = "tokenizer.json.gz"  # gzip: the tokenizer's JSON is 0.8 MB, a quarter of that packed
ENSEMBLE_FILE = "ensemble.json"  # {"members": [subdirectory, ...]}: several models voting as one


class ModelMissing(RuntimeError):
    """The model files are not there (a source checkout before ``homemind nlu train``)."""


def model_dir() -> Path:
    """The packaged model, unless $HOMEMIND_NLU_MODEL points at one built with `homemind nlu train --out`."""
    override = os.environ.get("HOMEMIND_NLU_MODEL")
    return Path(override) if override else MODEL_DIR


def member_dirs(directory: Path) -> list[Path]:
    """The model directories that make up ``directory``: itself, or the members its ensemble lists."""
    listing = directory / ENSEMBLE_FILE
    if not listing.is_file():
        return [directory]
    try:
        names = json.loads(listing.read_text(encoding="utf-8"))["members"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelMissing(f"unreadable {listing}: {exc}") from None
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise ModelMissing(f"{listing} lists no members")
    return [directory / name for name in names]


def model_available(directory: Path | None = None) -> bool:
    directory = directory or model_dir()
    try:
        members = member_dirs(directory)
    except ModelMissing:
        return False
    return all((member / name).is_file() for member in members for name in MODEL_FILES)
