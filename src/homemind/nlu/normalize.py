"""Text clean-up before matching: width, punctuation, and Chinese numerals.

Chinese numerals are turned into digits only where a number is meant (before a
unit, after 到/为/成, or 百分之…), because a blind conversion breaks words such
as 一下 ("a moment") and 一点 ("a little").
"""

from __future__ import annotations

import re
import unicodedata

_NUM = "零〇一二两三四五六七八九十百千万点"
_PERCENT = re.compile(rf"百分之([{_NUM}]+)")
_BEFORE_UNIT = re.compile(rf"([{_NUM}]+)(?=(?:摄氏)?度|%|分钟|秒|小时|个|瓶|盒|袋)")
_AFTER_SET = re.compile(rf"(?<=[到为成至])([{_NUM}]{{2,}}|[零一二两三四五六七八九十])(?![{_NUM}下些会])")
_TRAILING = re.compile(r"[\s.,!?;:。，！？；：、~～…]+$")
_SPACES = re.compile(r"\s+")


def _to_digits(chinese: str) -> str:
    if chinese.endswith("点"):  # 一点 is "a little", not 1.
        return chinese
    import cn2an  # 0.1 s to import: paid only when a Chinese numeral appears

    try:
        value = cn2an.cn2an(chinese, "smart")
    except (ValueError, KeyError, IndexError):
        return chinese
    return str(int(value)) if float(value).is_integer() else str(value)


def normalize(text: str, language: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = _SPACES.sub(" ", text).strip()
    text = _TRAILING.sub("", text)
    if language == "zh":
        # Chinese templates match without spaces; the home's English names get spaceless aliases.
        text = text.replace(" ", "")
        text = text.replace("一半", "50%")
        text = _PERCENT.sub(lambda m: _to_digits(m.group(1)) + "%", text)
        text = _BEFORE_UNIT.sub(lambda m: _to_digits(m.group(1)), text)
        text = _AFTER_SET.sub(lambda m: _to_digits(m.group(1)), text)
    return text
