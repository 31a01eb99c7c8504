"""Per-utterance language: Chinese if the text has Han characters, English otherwise.

Two languages with disjoint scripts need no model; a mixed sentence such as
"把 living room 的灯关掉" is answered in Chinese because its grammar is Chinese.
"""

from __future__ import annotations

import re

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def detect_language(text: str) -> str:
    return "zh" if _HAN.search(text) else "en"
