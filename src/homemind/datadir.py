"""The data dir's secrets at rest: private file modes, and device codes kept out of the home file.

The data dir holds the PIN and password hashes (``homemind.db`` and its WAL), the home
file and the policy. Anyone on the box who can copy the hashes can try every four-digit
PIN offline, so the dir is 0700 and its files 0600 from the moment they are created, and
every open (CLI or server) repairs modes that something else widened, with a warning.

A device's code (an alarm panel's) is a secret too: the home file only names it
(``code: {credential: NAME}``) and the store keeps its Argon2 hash. A home file written
before that, with the code in plain text, is migrated the first time the hub opens it:
the code is hashed into the store, then the one value in the file is replaced by the
reference, leaving every other byte (comments, order) as the person wrote it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import stat
from pathlib import Path

import yaml

from homemind.core.yamltext import LOADER
from homemind.policy.auth import PIN_PATTERN, Auth
from homemind.policy.rules import POLICY_FILE

log = logging.getLogger(__name__)

DIR_MODE = 0o700
FILE_MODE = 0o600
HOME_FILE = "home.yaml"
STORE_FILE = "homemind.db"
LOCK_FILE = "homemind.lock"
PRIVATE_FILES = (
    HOME_FILE,
    POLICY_FILE,
    STORE_FILE,
    f"{STORE_FILE}-wal",
    f"{STORE_FILE}-shm",
    LOCK_FILE,
    # The documents library: private documents are private text.
    "library.db",
    "library.db-wal",
    "library.db-shm",
)
_PLAIN_ID = re.compile(r"^[a-z0-9_.-]+$")
_MAYBE_PLAIN = re.compile(r"""^[ \t]*(?:-[ \t]*)?code:[ \t]*["']?[0-9]""", re.MULTILINE)


class CodeMigrationError(RuntimeError):
    """A plain device code was found, but the home file could not be rewritten."""


def make_private_dir(directory: Path) -> None:
    """Create the data dir (0700) if needed; the parents get the usual modes."""
    directory.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)


def secure(directory: Path) -> list[str]:
    """Make the data dir 0700 and its files 0600 where something widened them; say what changed."""
    repaired = []
    for path, wanted in [(directory, DIR_MODE)] + [(directory / n, FILE_MODE) for n in PRIVATE_FILES]:
        try:
            mode = stat.S_IMODE(path.lstat().st_mode)
        except FileNotFoundError:
            continue
        if path.is_symlink() or not mode & 0o077:
            continue
        try:
            path.chmod(wanted)
        except OSError as exc:
            repaired.append(
                f"{path} is open to other users ({mode:o}) and cannot be made private: {exc.strerror}"
            )
            continue
        repaired.append(f"{path} was open to other users ({mode:o}); it is now {wanted:o}")
    for message in repaired:
        log.warning("%s", message)
    return repaired


def write_private(path: Path, text: str) -> None:
    """Write a file atomically, readable by its owner only from the first byte."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, FILE_MODE)  # an existing .tmp keeps its old mode through O_CREAT
        os.replace(tmp, path)  # a crash leaves the old file or the new, never half of one
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def plain_codes(text: str) -> list[tuple[str, str, int, int]]:
    """(entity id, code, start, end) of every device code written in plain text in a home file.

    Only well-formed ones (4-8 digits) under an entity with an id: anything else is left
    for the home file's own validation to report with its line.
    """
    if not _MAYBE_PLAIN.search(text):
        return []  # the usual case, without parsing the file a second time
    try:
        root = yaml.compose(text, Loader=LOADER)
    except yaml.YAMLError:
        return []
    found = []
    for entity in _entity_nodes(root):
        fields = {k.value: v for k, v in entity.value if isinstance(k, yaml.ScalarNode)}
        code, entity_id = fields.get("code"), fields.get("id")
        if (
            isinstance(code, yaml.ScalarNode)
            and isinstance(entity_id, yaml.ScalarNode)
            and PIN_PATTERN.match(code.value)
        ):
            found.append((entity_id.value, code.value, code.start_mark.index, code.end_mark.index))
    return found


def _entity_nodes(root: yaml.Node | None) -> list[yaml.MappingNode]:
    if not isinstance(root, yaml.MappingNode):
        return []
    for key, value in root.value:
        if (
            isinstance(key, yaml.ScalarNode)
            and key.value == "entities"
            and isinstance(value, yaml.SequenceNode)
        ):
            return [node for node in value.value if isinstance(node, yaml.MappingNode)]
    return []


def reference(name: str) -> str:
    """The home file's reference to a stored code, as it is written there."""
    return f"{{credential: {name if _PLAIN_ID.match(name) else yaml.safe_dump(name).strip()}}}"


def move_codes_out(home_file: Path, auth: Auth) -> list[str]:
    """Hash plain device codes into the store and leave references in the home file.

    The hashes are committed first: a crash before the file is rewritten leaves the
    plain code to be moved again on the next open, never a reference without a code.
    """
    try:
        text = home_file.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return []  # loading the home file says what is wrong with it
    found = plain_codes(text)
    if not found:
        return []
    for entity_id, code, _start, _end in found:
        auth.set_device_code(entity_id, code)
    for entity_id, _code, start, end in reversed(found):  # from the end: earlier offsets stay right
        text = text[:start] + reference(entity_id) + text[end:]
    try:
        write_private(home_file, text)
    except OSError as exc:
        first = found[0][0]
        raise CodeMigrationError(
            f"{home_file}: device codes are kept hashed in the store now, not in the home file;"
            f" they are stored, but the file cannot be rewritten ({exc.strerror}): replace"
            f" `code: ...` of {first} with `code: {reference(first)}` (and likewise for the others)"
        ) from None
    moved = [e for e, *_ in found]
    log.warning(
        "moved the code of %s out of %s into the store (hashed); the home file now names it",
        ", ".join(moved),
        home_file,
    )
    return moved
