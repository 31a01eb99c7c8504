"""The `homemind` command's entry point: a quick start and a quick exit around `cli.main`.

Start-up builds a great many objects that live for the whole run (modules, parsed
templates): the garbage collector is paused meanwhile, since walking them again
and again finds nothing to free; a command that keeps running (``serve``, ``ask -``,
``wyoming``, ``simulate``) resumes it, frozen past what start-up built, once it is
ready (``homemind.app.settle_memory``). And a command that has finished leaves at
once: everything that must reach the disk was committed and fsynced when its hub
closed, so taking the interpreter apart object by object (a third of a second)
would only delay the prompt.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys


def run() -> None:
    gc.disable()
    from homemind.channels.cli import main

    code = main()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(BrokenPipeError, ValueError):  # the reader went away (`| head`)
            stream.flush()
    os._exit(code)
