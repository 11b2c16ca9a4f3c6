"""What every writer of table files shares: the manifest beside the data, the names of temporary files
and when one is stale, and the one-line error for a folder that cannot be written.

``{table}/_manifest.json`` records the run that produced a table (:class:`RunIdentity`) whoever wrote it,
``mock-pipelines generate`` or a Dagster run: writing the same run again replaces the table silently,
writing a different one is refused unless asked (:func:`check_target`).

A temporary file is named ``.{final name}.{host}-{pid}-{random}.tmp``: hidden from readers (Spark, Hive and
pyarrow skip names starting with ``.``), and telling which process wrote it, so the next write of the
folder removes the temporaries of writers that died (:func:`is_stale`) and never those of a live one.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import socket
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from mock_pipelines import GENERATOR_VERSION

MANIFEST = "_manifest.json"
# A temporary nobody has touched for this long is stale even when its writer cannot be asked (another
# host, an object store, a name without a process id). Writers touch their file at every record batch.
STALE_AFTER_SECONDS = 3600.0

_HOST = hashlib.sha1(socket.gethostname().encode()).hexdigest()[:8]
_TEMPORARY = re.compile(r"\.(?P<name>.+)\.(?:(?P<host>[0-9a-f]{8})-(?P<pid>[0-9]+)-)?[0-9a-f]+\.tmp")
_LEGACY = re.compile(r"\.(?P<name>.+)\.(?:tmp|old)-[0-9a-f]{8}")  # folders of the earlier folder-swapping writer


class OutputConflict(RuntimeError):
    """The target folder holds a different run; nothing was written."""


@dataclass(frozen=True)
class RunIdentity:
    """What makes two runs produce the same bytes: replacing one with the other is safe."""

    dataset: str
    table: str
    spec_hash: str
    seed: int
    scale: float
    locale: str
    format: str
    generator_version: str = GENERATOR_VERSION


def identity_of(data: Any, fmt: str) -> RunIdentity | None:
    """The identity of a :class:`~mock_pipelines.core.engine.TableSlice` (``None`` for other objects)."""
    table = getattr(data, "table", None)
    plan = getattr(table, "plan", None)
    if plan is None:
        return None
    return RunIdentity(plan.spec.name, table.name, plan.spec.spec_hash(table.name), plan.seed, plan.scale,
                       plan.locale, fmt)


def read_manifest(directory: Path) -> dict[str, Any] | None:
    """The manifest of a table folder; ``None`` when there is none. An unreadable one is a conflict."""
    path = Path(directory) / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (OSError, ValueError) as exc:
        raise OutputConflict(f"{path} cannot be read ({exc}); choose another --out or pass --overwrite") from exc


def check_target(directory: Path, identity: RunIdentity, overwrite: bool, partitioned: bool = False) -> None:
    """Refuse to replace a table folder that holds another run (different spec, seed, scale, …), or the
    same run written the other way (partition folders ``date=…`` vs one ``part-00000`` file): readers of
    the folder would mix both."""
    directory = Path(directory)
    if overwrite or not directory.is_dir():
        return
    existing = read_manifest(directory)
    if existing is None:
        if any(not is_temporary(p.name) for p in directory.iterdir()):
            raise OutputConflict(f"{directory} exists and was not written by mock-pipelines; "
                                 "choose another --out or pass --overwrite")
        return
    recorded = existing.get("identity")
    if not recorded:
        raise OutputConflict(f"{directory} holds a table whose writer recorded no run identity (an asset "
                             "that returned its own rows); choose another --out or pass --overwrite")
    if bool(existing.get("partitioned")) != partitioned:
        held, writing = ("partitioned", "whole") if existing.get("partitioned") else ("whole", "partitioned")
        raise OutputConflict(f"{directory} holds this table {held} (written by a "
                             f"{'partitioned' if held == 'partitioned' else 'whole-table'} run) and this run writes "
                             f"it {writing}; choose another --out or pass --overwrite to replace it")
    differs = [k for k, v in asdict(identity).items() if recorded.get(k) != v]
    if differs:
        raise OutputConflict(f"{directory} holds a different run (differs in {', '.join(differs)}); "
                             "choose another --out or pass --overwrite to replace it")


def manifest_bytes(identity: RunIdentity | None, **facts: Any) -> bytes:
    body = {"identity": asdict(identity) if identity is not None else {}, **facts}  # {}: not known
    return json.dumps(body, indent=2, default=str).encode()


# -- temporary files -------------------------------------------------------------------------------
def temporary_name(final_name: str) -> str:
    """``part-00000.parquet`` → ``.part-00000.parquet.<host>-<pid>-<random>.tmp``."""
    return f".{final_name}.{_HOST}-{os.getpid()}-{uuid.uuid4().hex[:12]}.tmp"


def is_temporary(name: str) -> bool:
    return bool(_TEMPORARY.fullmatch(name) or _LEGACY.fullmatch(name))


def _process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists, owned by someone else
        return False
    return False


def is_stale(name: str, modified: float | None, now: float | None = None) -> bool:
    """Whether a temporary (file or legacy folder) can be removed: its writer, on this host, is gone, or
    nothing touched it for :data:`STALE_AFTER_SECONDS`. Never true for a live writer's recent file."""
    found = _TEMPORARY.fullmatch(name)
    if found is None and _LEGACY.fullmatch(name) is None:
        return False
    if found is not None and found["host"] == _HOST and found["pid"] and _process_gone(int(found["pid"])):
        return True
    if modified is None:
        return False
    return (now if now is not None else time.time()) - modified > STALE_AFTER_SECONDS


# -- errors ---------------------------------------------------------------------------------------
class LandingError(OSError):
    """A folder that cannot be written (full, read-only, not a folder…), said in one line."""

    def __init__(self, message: str, err: int | None = None):
        super().__init__(err, message)
        self.message = message

    def __str__(self) -> str:
        return self.message


_ADVICE = {
    errno.ENOSPC: "no space left on the device: free some space or write somewhere else",
    errno.EDQUOT: "disk quota exceeded: free some space or write somewhere else",
    errno.EFBIG: "the file is too large for this file system: write somewhere else",
    errno.EROFS: "the file system is read-only: choose a writable folder",
    errno.EACCES: "permission denied: choose a folder you can write to, or change its permissions",
    errno.EPERM: "operation not permitted: choose a folder you can write to",
    errno.ENOTDIR: "a part of the path is a file, not a folder: choose another output folder",
    errno.EEXIST: "a part of the path is a file, not a folder: choose another output folder",
    errno.EISDIR: "a folder stands where a data file must go: remove it or choose another output folder",
    errno.ENOENT: "the folder vanished or cannot be created there: check the path, or choose another folder",
    errno.ENAMETOOLONG: "the path is too long: choose a shorter output folder",
    errno.EIO: "input/output error on the device: check the disk, or write somewhere else",
}


def landing_error(exc: OSError, folder: str) -> OSError:
    """One line naming ``folder`` and what to do, for the errors a folder gives; others unchanged."""
    advice = _ADVICE.get(exc.errno or 0)
    if advice is None or isinstance(exc, LandingError):
        return exc
    return LandingError(f"cannot write {folder}: {advice} (nothing was replaced)", exc.errno)
