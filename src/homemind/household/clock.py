"""The home's clock: injected, so tests move time by hand instead of sleeping.

Every household operation, the scheduler and the executor's confirmations read
"now" from one clock, so a confirmation and a timer never disagree about the time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float: ...


class SystemClock:
    def now(self) -> float:
        return time.time()


@dataclass
class ManualClock:
    """A clock tests move by hand: the scheduler behaves exactly as on the wall clock."""

    t: float = field(default_factory=time.time)

    def now(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds
