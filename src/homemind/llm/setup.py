"""Writing the home file's ``llm:`` section (``homemind init --llm URL --llm-model NAME``).

The section is replaced as text, so the rest of a hand-edited home file (its comments,
its order) stays as the person wrote it; the result is validated as a whole before it
replaces the old file, atomically.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from homemind.core.homefile import parse_home

_COMMENT = "# The model tier (README: A language model tier)."
_SECTION = re.compile(
    rf"^(?:{re.escape(_COMMENT)}\n)?llm:[^\n]*\n(?:(?:[ \t]+[^\n]*|[ \t]*)\n)*", re.MULTILINE
)


def llm_section(base_url: str, model: str, key_env: str | None = None, cloud: bool = False) -> str:
    lines = ["llm:", f"  base_url: {json.dumps(base_url)}", f"  model: {json.dumps(model)}"]
    if key_env:
        lines.append(f"  api_key_env: {key_env}   # the key is read from this variable")
    if cloud:
        lines.append("  cloud: true   # what members say is sent outside the home")
    lines.append("  timeout_s: 20")
    return "\n".join(lines) + "\n"


def with_llm_section(text: str, section: str) -> str:
    """``text`` with its ``llm:`` section (if any) replaced by ``section``."""
    kept = _SECTION.sub("", text).rstrip("\n") + "\n"
    return f"{kept}\n{_COMMENT}\n{section}"


def write_llm_section(
    home_file: Path, base_url: str, model: str, key_env: str | None = None, cloud: bool = False
) -> None:
    """Set the endpoint in ``home_file``; a HomeFileError (naming the line) leaves it untouched."""
    text = with_llm_section(home_file.read_text("utf-8"), llm_section(base_url, model, key_env, cloud))
    parse_home(text, str(home_file))
    tmp = home_file.with_suffix(".yaml.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, home_file)
