"""The README is a contract: its runnable command blocks run, and every command it names exists.

A block is runnable when the line before its opening fence is ``<!-- runnable -->``. The
blocks run in the README's order on one fresh data dir (``HOMEMIND_DATA``), as a reader
following along would, each line in ``bash``; a line must exit 0, or the status its
comment gives as ``(exit N)``. Blocks that need files, a broker or a long-running server
stay unmarked; their commands are still checked against the CLI's own parser.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from homemind.channels.cli import _parser

README = Path(__file__).resolve().parents[1] / "README.md"
MARK = "<!-- runnable -->"
_BLOCK = re.compile(r"(?P<before>[^\n]*)\n```(?P<lang>\w*)\n(?P<body>.*?)\n```", re.DOTALL)


def blocks() -> list[tuple[bool, str, list[str]]]:
    """(runnable, language, lines) for every fenced block of the README."""
    found = []
    for match in _BLOCK.finditer(README.read_text("utf-8")):
        lines = [line for line in match["body"].splitlines() if line.strip()]
        found.append((match["before"].strip() == MARK, match["lang"], lines))
    return found


def _split(line: str) -> tuple[str, int]:
    """The command and the exit status its comment promises (0 unless it says ``(exit N)``)."""
    command, _, comment = line.partition(" # ") if " # " in line else (line, "", "")
    status = re.search(r"\(exit (\d+)\)", comment)
    return command.strip(), int(status[1]) if status else 0


def test_the_runnable_blocks_run_as_documented(tmp_path: Path) -> None:
    runnable = [lines for marked, lang, lines in blocks() if marked]
    assert len(runnable) >= 3 and all(lines for lines in runnable)
    env = {
        **os.environ,
        "HOMEMIND_DATA": str(tmp_path / "data"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONIOENCODING": "utf-8",
    }
    for lines in runnable:
        for line in lines:
            command, expected = _split(line)
            result = subprocess.run(
                ["bash", "-c", command],
                cwd=tmp_path,
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=180,
                check=False,
            )
            said = (result.stdout + result.stderr).decode("utf-8", "replace")[-2000:]
            assert result.returncode == expected, f"{command!r} exited {result.returncode}:\n{said}"
            assert "Traceback" not in said, command


def test_every_command_the_readme_names_exists() -> None:
    parser = _parser()
    commands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    named = set()
    for _marked, lang, lines in blocks():
        if lang != "sh":
            continue
        for line in lines:
            named |= set(re.findall(r"(?:^|[|;&]\s*)homemind ([a-z]+)", line))
    assert named and named <= set(commands), named - set(commands)


def test_the_readme_says_none_where_the_cli_does(data_dir: Path) -> None:
    from conftest import run_cli

    for command in ("notifications", "approvals"):
        result = run_cli(data_dir, command)
        assert result.returncode == 0 and result.stdout.decode().strip() == "none", command
