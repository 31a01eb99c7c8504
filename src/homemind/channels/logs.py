"""How the `homemind` command shows its log: one line per record, said as the CLI says things.

A one-shot command (``ask``, ``state``...) is read by a person at a terminal: a fault is
one line with the error's type (the audit keeps the detail), never a traceback. A server's
log is read by whoever runs it, later, so it keeps the traceback.
"""

from __future__ import annotations

import logging


class _Brief(logging.Formatter):
    def __init__(self, tracebacks: bool) -> None:
        super().__init__()
        self.tracebacks = tracebacks

    def format(self, record: logging.LogRecord) -> str:
        line = f"homemind: {record.levelname.lower()}: {record.getMessage()}"
        error = record.exc_info[1] if record.exc_info else None
        if error is None:
            return line
        if self.tracebacks:
            return f"{line}\n{self.formatException(record.exc_info)}"  # type: ignore[arg-type]
        return f"{line} ({type(error).__name__}: {error})"


def configure(*, tracebacks: bool) -> None:
    """Warnings and errors to stderr, once per process."""
    handler = logging.StreamHandler()
    handler.setFormatter(_Brief(tracebacks))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
