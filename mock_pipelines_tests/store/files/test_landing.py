"""Landing table files, the promises every path keeps (``mock-pipelines generate`` and Dagster write through
the same writer): readers see the old table or the new one while writers replace it; a folder that cannot
be written gives one line naming it; one manifest, so each path recognises the other's tables; what a
killed writer left is cleaned up by the next write, never what a live writer is filling.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import dagster as dg
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from mock_pipelines.cli import app
from mock_pipelines.core.engine import DatasetPlan, TableSlice
from mock_pipelines.defs.io_managers.files import MockFilesIOManager
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.store.files import formats, parallel_parquet
from mock_pipelines.store.files.manifest import (
    MANIFEST,
    STALE_AFTER_SECONDS,
    LandingError,
    RunIdentity,
    temporary_name,
)
from mock_pipelines.store.files.table_folder import read_table, write_table

runner = CliRunner()
IDENTITY = RunIdentity("ds", "t", "h", 1, 1.0, "en_US", "parquet")
OLD = pa.table({"id": pa.array(range(2_000), pa.int64()), "name": pa.array([f"old {i}" for i in range(2_000)])})
NEW = pa.table({"id": pa.array(range(7), pa.int64()), "name": pa.array([f"new {i}" for i in range(7)])})

SMALL = """\
dataset: small
seed: 3
tables:
  customers:
    rows: 50
    primary_key: customer_id
    columns:
      customer_id: sequence
      first_name: first_name
  orders:
    rows: {per: customers, count: poisson(2)}
    primary_key: order_id
    columns:
      order_id: sequence
      customer_id: {ref: customers.customer_id}
"""


def digest(folder: Path) -> dict[str, str]:
    """Every visible file of a table folder → sha256 (what a reader can see)."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())
            if p.is_file() and not p.name.startswith(".")}


def hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob(".*"))


@pytest.fixture
def small_schema(tmp_path: Path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL)
    return path


# ---- readers see the old table or the new one ------------------------------------------------------

def test_readers_see_the_old_or_the_new_table_while_two_writers_replace_it(tmp_path):
    target = tmp_path / "t"
    write_table(OLD.to_batches(), OLD.schema, target, IDENTITY)
    errors: list[str] = []
    reads = {"old": 0, "new": 0}
    writing = threading.Event()
    writing.set()

    def writer(table: pa.Table) -> None:
        try:
            for _ in range(150):
                write_table(table.to_batches(max_chunksize=500), table.schema, target, IDENTITY)
        except Exception as exc:
            errors.append(f"writer: {exc!r}")

    def reader() -> None:
        while writing.is_set():
            try:
                got = read_table(target)
            except Exception as exc:
                errors.append(f"reader: {exc!r}")
                continue
            if got.equals(OLD):
                reads["old"] += 1
            elif got.equals(NEW):
                reads["new"] += 1
            else:
                errors.append(f"reader: a mixed table of {got.num_rows} rows")

    writers = [threading.Thread(target=writer, args=(t,)) for t in (OLD, NEW)]
    readers = [threading.Thread(target=reader) for _ in range(2)]
    for thread in writers + readers:
        thread.start()
    for thread in writers:
        thread.join(timeout=120)
    writing.clear()
    for thread in readers:
        thread.join(timeout=30)

    assert errors == []
    assert reads["old"] + reads["new"] > 20  # the readers did read while the table was being replaced
    assert sorted(p.name for p in target.iterdir()) == [MANIFEST, "part-00000.parquet"]
    assert hidden(tmp_path) == []


# ---- a folder that cannot be written ---------------------------------------------------------------

def no_space_after(monkeypatch, batches: int) -> None:
    """The disk fills up after ``batches`` batches, whichever writer the store opened (one writer, or
    Parquet encoded on every core)."""
    seen = {"n": 0}
    for cls in (formats.BatchWriter, parallel_parquet.ParallelParquetWriter):
        monkeypatch.setattr(cls, "write", _full_after(cls.write, batches, seen))


def _full_after(real, batches: int, seen: dict):
    def write(self, batch):
        seen["n"] += 1
        if seen["n"] > batches:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, batch)
    return write


def test_a_full_disk_is_one_line_naming_the_folder_and_the_previous_table_is_kept(tmp_path, monkeypatch):
    target = tmp_path / "shop" / "t"
    write_table(OLD.to_batches(), OLD.schema, target, IDENTITY)
    before = digest(target)
    no_space_after(monkeypatch, 1)

    with pytest.raises(LandingError) as info:
        write_table(NEW.to_batches(max_chunksize=2), NEW.schema, target, IDENTITY)

    assert str(info.value) == (f"cannot write {target}: no space left on the device: free some space or write "
                               "somewhere else (nothing was replaced)")
    assert info.value.errno == errno.ENOSPC
    assert digest(target) == before
    assert hidden(tmp_path) == []


def test_an_os_error_while_generating_rows_is_not_reported_as_the_folders(tmp_path):
    target = tmp_path / "shop" / "t"
    write_table(OLD.to_batches(), OLD.schema, target, IDENTITY)
    before = digest(target)
    failure = OSError(errno.ENOENT, "No such file or directory", "/some/lookup.csv")

    def rows():
        yield NEW.to_batches()[0]
        raise failure  # e.g. a generator reading a file that is gone: not a problem of the output folder

    with pytest.raises(OSError) as info:
        write_table(rows(), NEW.schema, target, IDENTITY)
    assert info.value is failure and not isinstance(info.value, LandingError)
    assert digest(target) == before and hidden(tmp_path) == []


def test_a_write_error_without_advice_is_raised_unchanged(tmp_path, monkeypatch):

    failure = OSError(errno.EBADF, "Bad file descriptor")

    def write(self, batch):
        raise failure

    for cls in (formats.BatchWriter, parallel_parquet.ParallelParquetWriter):  # whichever the store opens
        monkeypatch.setattr(cls, "write", write)
    with pytest.raises(OSError) as info:
        write_table(NEW.to_batches(), NEW.schema, tmp_path / "shop" / "t", IDENTITY)
    assert info.value is failure and info.value.__cause__ is None  # not `raise exc from exc`


def test_generate_on_a_full_disk_exits_1_with_one_line(small_schema, tmp_path, monkeypatch):
    no_space_after(monkeypatch, 0)
    out = tmp_path / "out"

    result = runner.invoke(app, ["generate", str(small_schema), "--out", str(out)])

    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert f"error: cannot write {out / 'small' / 'customers'}: no space left on the device" in result.output
    assert not list(out.rglob("part-*"))  # nothing half-written
    assert hidden(tmp_path) == []


@pytest.mark.parametrize("where,advice", [
    ("file", "a part of the path is a file, not a folder: choose another output folder"),
    ("proc", "the folder vanished or cannot be created there: check the path, or choose another folder"),
])
def test_generate_into_a_folder_that_cannot_be_created_exits_1_with_one_line(small_schema, tmp_path, where,
                                                                              advice):
    if where == "file":
        blocker = tmp_path / "not-a-folder"
        blocker.write_text("x")
        out = blocker / "data"
    else:  # /proc refuses new folders, also for root (permission bits would not stop root)
        out = Path("/proc") / f"mock-pipelines-{os.getpid()}"
    result = runner.invoke(app, ["generate", str(small_schema), "--out", str(out)])

    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output
    assert [line for line in result.output.splitlines() if line.strip()] == [
        f"error: cannot write {out / 'small' / 'customers'}: {advice} (nothing was replaced)"]
    assert not out.exists()


def test_in_dagster_a_folder_that_cannot_be_written_fails_the_step_with_that_line(tmp_path, small_schema):
    plan = DatasetPlan(load_dataset(small_schema)).table("customers")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")

    @dg.asset(key=["small", "customers"])
    def customers() -> TableSlice:
        return TableSlice(plan, 0, 50)

    result = dg.materialize([customers], raise_on_error=False,
                            resources={"io_manager": MockFilesIOManager(base_path=str(blocker / "data"))})

    assert not result.success
    [failure] = result.get_step_failure_events()
    error = failure.step_failure_data.error  # type: ignore[union-attr]
    expected = (f"cannot write {blocker / 'data' / 'small' / 'customers'}: a part of the path is a file, not a "
                "folder: choose another output folder (nothing was replaced)")
    assert error.cls_name == "Failure"  # a dg.Failure whose description is the line, not an error to debug
    assert error.message.strip().endswith(f"Failure: {expected}")
    assert not (blocker.parent / "data").exists()


# ---- one manifest for both paths ---------------------------------------------------------------------

def materialize_with_dagster(schema: Path, base: Path, seed: int = 3) -> None:
    from mock_pipelines.core.engine import PlanOptions

    plan = DatasetPlan(load_dataset(schema), PlanOptions(seed=seed))

    def asset_for(name: str) -> dg.AssetsDefinition:
        @dg.asset(key_prefix="small", name=name)
        def table() -> TableSlice:
            tp = plan.table(name)
            return TableSlice(tp, 0, tp.n_rows)
        return table

    result = dg.materialize([asset_for(n) for n in plan.order()],
                            resources={"io_manager": MockFilesIOManager(base_path=str(base))})
    assert result.success


def test_generate_replaces_a_table_dagster_wrote_for_the_same_run_and_refuses_another(small_schema, tmp_path):
    out = tmp_path / "data"
    materialize_with_dagster(small_schema, out)
    written = {t: digest(out / "small" / t) for t in ("customers", "orders")}

    same = runner.invoke(app, ["generate", str(small_schema), "--out", str(out)])

    assert same.exit_code == 0, same.output
    for table in ("customers", "orders"):  # the same run: the same bytes, data and manifest
        assert digest(out / "small" / table)["part-00000.parquet"] == written[table]["part-00000.parquet"]

    other = runner.invoke(app, ["generate", str(small_schema), "--out", str(out), "--seed", "99"])

    assert other.exit_code == 3
    assert "holds a different run (differs in seed)" in other.output
    assert digest(out / "small" / "customers")["part-00000.parquet"] == written["customers"]["part-00000.parquet"]


def test_generate_refuses_a_table_an_asset_wrote_without_a_run_identity(small_schema, tmp_path):
    out = tmp_path / "data"

    @dg.asset(key=["small", "customers"])
    def customers() -> pa.Table:
        return pa.table({"customer_id": [1, 2]})

    assert dg.materialize([customers], resources={"io_manager": MockFilesIOManager(base_path=str(out))}).success
    result = runner.invoke(app, ["generate", str(small_schema), "--out", str(out)])

    assert result.exit_code == 3
    assert "recorded no run identity" in result.output and "--overwrite" in result.output
    assert read_table(out / "small" / "customers").num_rows == 2


# ---- what a killed writer leaves behind ----------------------------------------------------------

KILLED_WRITER = """\
import sys, time
import pyarrow as pa
from pathlib import Path
from mock_pipelines.store.files.manifest import RunIdentity
from mock_pipelines.store.files.table_folder import write_table

table = pa.table({"id": list(range(1000))})
def batches():
    yield table.to_batches()[0]
    print("writing", flush=True)
    time.sleep(600)  # killed here, mid-table
write_table(batches(), table.schema, Path(sys.argv[1]), RunIdentity("ds", "t", "h", 1, 1.0, "en_US", "parquet"))
"""


def test_the_next_write_removes_what_a_killed_writer_left_and_keeps_a_live_writers_file(tmp_path):
    target = tmp_path / "t"
    write_table(OLD.to_batches(), OLD.schema, target, IDENTITY)
    before = digest(target)
    writer = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(target)], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "writing"
    finally:
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(timeout=30)
    left = hidden(tmp_path)
    assert len(left) == 1 and left[0].startswith(".part-00000.parquet.")  # what kill -9 leaves
    assert digest(target) == before  # readers still see the old table
    live = target / temporary_name("part-00000.parquet")  # a writer of this process, still at work
    live.write_bytes(b"in progress")
    ancient = tmp_path / ".t.tmp-0badf00d"  # the earlier folder-swapping writer, killed long ago
    ancient.mkdir()
    (ancient / "part-00000.parquet").write_bytes(b"x")
    old = time.time() - STALE_AFTER_SECONDS - 60
    os.utime(ancient, (old, old))
    recent = tmp_path / ".t.old-12345678"  # possibly still in use: too young to remove
    recent.mkdir()

    write_table(NEW.to_batches(), NEW.schema, target, IDENTITY)

    assert hidden(tmp_path) == sorted([".t.old-12345678", live.name])
    assert read_table(target).equals(NEW)


def test_a_partition_write_removes_a_dead_writers_temporary_and_keeps_a_live_ones(tmp_path):
    from mock_pipelines.store.files.store import FileStore

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait(timeout=60)
    folder = tmp_path / "ds" / "t" / "date=2024-01-05"
    folder.mkdir(parents=True)
    left = folder / temporary_name("part-00000.parquet").replace(f"-{os.getpid()}-", f"-{dead.pid}-")
    left.write_bytes(b"half a file")
    live = folder / temporary_name("part-00000.parquet")
    live.write_bytes(b"being written")

    FileStore(tmp_path).write_batches("ds", "t", NEW.schema, NEW.to_batches(), "2024-01-05")

    assert sorted(p.name for p in folder.iterdir()) == sorted(["part-00000.parquet", live.name])


def test_an_unreadable_manifest_is_a_conflict_not_a_traceback(small_schema, tmp_path):
    out = tmp_path / "out"
    assert runner.invoke(app, ["generate", str(small_schema), "--out", str(out)]).exit_code == 0
    manifest = out / "small" / "customers" / MANIFEST
    manifest.write_text("{not json")

    result = runner.invoke(app, ["generate", str(small_schema), "--out", str(out)])

    assert result.exit_code == 3
    assert f"error: {manifest} cannot be read" in result.output and "--overwrite" in result.output
    assert runner.invoke(app, ["generate", str(small_schema), "--out", str(out), "--overwrite"]).exit_code == 0
    assert json.loads(manifest.read_text())["identity"]["seed"] == 3


def test_generate_over_a_partitioned_runs_table_is_a_conflict_and_overwrite_removes_its_partitions(small_schema,
                                                                                                   tmp_path):
    from mock_pipelines.store.files.manifest import identity_of
    from mock_pipelines.store.files.store import FileStore

    out = tmp_path / "data"
    plan = DatasetPlan(load_dataset(small_schema)).table("customers")
    data = TableSlice(plan, 0, plan.n_rows)
    destination = FileStore(str(out), "parquet")  # what a partitioned Dagster run writes: the same identity
    for key in ("2024-01-01", "2024-01-02"):
        destination.write_batches("small", "customers", plan.arrow_schema, data.batches(), partition_key=key,
                                  identity=identity_of(data, "parquet"))
    table = out / "small" / "customers"
    partitions = sorted(p.name for p in table.iterdir() if p.is_dir())
    assert len(partitions) == 2 and all("=" in name for name in partitions)

    refused = runner.invoke(app, ["generate", str(small_schema), "--out", str(out), "--table", "customers"])

    assert refused.exit_code == 3, refused.output
    assert f"{table} holds this table partitioned (written by a partitioned run) and this run writes it whole; " \
        "choose another --out or pass --overwrite" in " ".join(refused.output.split())
    assert sorted(p.name for p in table.iterdir() if not p.name.startswith(".")) == [MANIFEST, *partitions]

    replaced = runner.invoke(app, ["generate", str(small_schema), "--out", str(out), "--table", "customers",
                                   "--overwrite"])

    assert replaced.exit_code == 0, replaced.output
    assert sorted(p.name for p in table.iterdir()) == [MANIFEST, "part-00000.parquet"]  # no partitions left
    assert read_table(table).num_rows == plan.n_rows
    assert "partitioned" not in json.loads((table / MANIFEST).read_text())
