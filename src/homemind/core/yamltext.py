"""YAML parsed by libyaml when PyYAML was built with it (it is, in the pinned wheels).

The pure-Python ``yaml.safe_load`` takes tens of milliseconds for each of the
packaged files a hub reads when it opens (the shop's catalogue, the policy, the
weather replies): together a tenth of a second of every ``homemind ask``. libyaml
builds the same objects about twenty times faster. Its error messages lack the
quoted line and caret, so text it refuses is parsed again by the pure-Python loader
for its fuller message: errors read exactly as ``yaml.safe_load``'s.
"""

from __future__ import annotations

from typing import Any

import yaml

LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> Any:
    """``yaml.safe_load``, with libyaml."""
    try:
        return yaml.load(text, Loader=LOADER)
    except yaml.YAMLError:
        return yaml.safe_load(text)  # raises again, with the line quoted and marked
