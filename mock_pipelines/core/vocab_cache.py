"""Vocabulary tables kept on disk between processes, so a table that is slow to build (the US places read
from the ``zipcodes`` package, the geonames towns) is built once per machine, not once per command.

A table is stored as one Arrow IPC file named by a key that hashes everything its values come from: the
table's name and locale, :data:`FORMAT`, mock_pipelines' version and the text of the modules that build it,
and the version and installed-file record (a hash of every file) of each source package. A new version of any
of them is a new key, so a file is never shared between versions and a stale one is simply never read again.

Files are written to a temporary name and renamed (two processes building the same table at once both
succeed, the last rename wins, readers see one whole file), and end with a digest of their content: a
truncated or corrupted file is rebuilt, never trusted. A cache folder that cannot be created or written
only means the table is built in memory, as it would be without a cache.

Where: ``$MOCK_PIPELINES_CACHE_DIR``, else ``$XDG_CACHE_HOME/mock-pipelines``, else
``~/.cache/mock-pipelines``. Deleting the folder clears the cache.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from pathlib import Path

import pyarrow as pa

CACHE_DIR_ENV = "MOCK_PIPELINES_CACHE_DIR"
# The layout of the files (digest trailer, Arrow IPC file inside); changing it changes every key.
FORMAT = 1
_DIGEST = 32  # bytes of the blake2b digest that ends every file


def cache_dir(environ: Mapping[str, str] | None = None, home: Path | None = None) -> Path:
    """The cache folder for an environment (the process's by default): $MOCK_PIPELINES_CACHE_DIR, else
    $XDG_CACHE_HOME/mock-pipelines, else ~/.cache/mock-pipelines. Empty variables count as unset."""
    environ = os.environ if environ is None else environ
    if environ.get(CACHE_DIR_ENV):
        return Path(environ[CACHE_DIR_ENV])
    if environ.get("XDG_CACHE_HOME"):
        return Path(environ["XDG_CACHE_HOME"]) / "mock-pipelines"
    return (Path.home() if home is None else home) / ".cache" / "mock-pipelines"


@cache  # reading and hashing a package's RECORD costs milliseconds; once per process is enough
def _package_fingerprint(package: str) -> str:
    """A package's version and a hash of its installed-file record (which lists a hash of every file it
    installed): another release or another build of the same release gives another fingerprint."""
    import importlib.metadata

    try:
        dist = importlib.metadata.distribution(package)
    except importlib.metadata.PackageNotFoundError:
        return f"{package}:absent"
    record = dist.read_text("RECORD") or ""
    return f"{package}:{dist.version}:{hashlib.blake2b(record.encode(), digest_size=16).hexdigest()}"


def _module_fingerprint(module: str) -> str:
    """A hash of an imported module's source text: editing the code that builds a table rebuilds it."""
    path = getattr(sys.modules[module], "__file__", None)
    if not path:
        return _source_fingerprint(module, None)
    stat = os.stat(path)
    return _source_fingerprint(module, path, stat.st_mtime_ns, stat.st_size)


@cache  # every vocabulary a process reads asks again: the file is hashed again only when its stat changes
def _source_fingerprint(module: str, path: str | None, _mtime_ns: int = 0, _size: int = 0) -> str:
    data = Path(path).read_bytes() if path else b""
    return f"{module}:{hashlib.blake2b(data, digest_size=16).hexdigest()}"


def cache_key(name: str, locale: str, packages: Iterable[str] = (), modules: Iterable[str] = ()) -> str:
    """The key of table ``name`` for ``locale`` built by ``modules`` from the data of ``packages``."""
    from mock_pipelines import __version__

    parts = [f"format:{FORMAT}", f"mock_pipelines:{__version__}", f"name:{name}", f"locale:{locale}",
             *(_package_fingerprint(p) for p in sorted(packages)), *(_module_fingerprint(m) for m in sorted(modules))]
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=16).hexdigest()


def cached_table(name: str, locale: str, build: Callable[[], pa.Table], *, packages: Iterable[str] = (),
                 modules: Iterable[str] = (), folder: Path | None = None) -> pa.Table:
    """Table ``name`` for ``locale``: read from the cache when a whole file with its key is there, else
    built by ``build()`` and stored (see the module's docstring for the key and the safety rules)."""
    key = cache_key(name, locale, packages, modules)
    try:
        folder = cache_dir() if folder is None else folder
    except (RuntimeError, KeyError):  # no home folder to be found (a user without a passwd entry, no $HOME)
        return build()
    path = folder / f"{name}-{locale}-{key}.arrow"
    table = read(path, key)
    if table is None:
        table = build()
        write(path, key, table)
    return table


def read(path: Path, key: str) -> pa.Table | None:
    """The table stored at ``path`` under ``key``; None when the file is missing, truncated, corrupted or
    holds another key."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    body, digest = memoryview(data)[:-_DIGEST], data[-_DIGEST:]
    if len(data) <= _DIGEST or hashlib.blake2b(body, digest_size=_DIGEST).digest() != digest:
        return None
    try:
        table = pa.ipc.open_file(pa.py_buffer(body)).read_all()
    except (pa.ArrowException, OSError, ValueError):
        return None
    meta = table.schema.metadata or {}
    return table if meta.get(b"mock_pipelines.cache_key") == key.encode() else None


def write(path: Path, key: str, table: pa.Table) -> bool:
    """Store ``table`` at ``path`` atomically (temporary file, then rename); False when the folder cannot
    be written (the caller goes on with the table it built)."""
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), b"mock_pipelines.cache_key": key})
    sink = pa.BufferOutputStream()
    with pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)
    body = sink.getvalue().to_pybytes()
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(body)
            fh.write(hashlib.blake2b(body, digest_size=_DIGEST).digest())
        os.replace(tmp, path)
        return True
    except OSError:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        return False
