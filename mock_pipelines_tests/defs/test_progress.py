"""The progress lines of `mock-pipelines run`, built from a run's events as the instance stores them: a line
per landed table or partition, a line per table's checks naming those that failed, a line per failed step."""

from __future__ import annotations

import logging
import uuid

import dagster as dg

from mock_pipelines.defs.progress import QUIET_RUN_CONFIG, RunProgress


@dg.asset(key=["demo", "things"], partitions_def=dg.StaticPartitionsDefinition(["a", "b"]))
def things() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"dagster/row_count": 1234, "destination": dg.MetadataValue.path("/x/a")})


@dg.multi_asset_check(specs=[dg.AssetCheckSpec("positive", asset=things), dg.AssetCheckSpec("not_null", asset=things)])
def things_checks():  # one check step per table, as the schema-derived checks are
    yield dg.AssetCheckResult(asset_key=things.key, check_name="positive", passed=False,
                              severity=dg.AssetCheckSeverity.WARN)
    yield dg.AssetCheckResult(asset_key=things.key, check_name="not_null", passed=True)


@dg.asset(key=["demo", "broken"])
def broken() -> None:
    raise ValueError("no luck")


def _lines(assets: list[dg.AssetsDefinition], checks: list[dg.AssetChecksDefinition] = (), **kwargs) -> list[str]:
    job = dg.Definitions(assets=assets, asset_checks=checks).resolve_implicit_global_asset_job_def()
    instance = dg.DagsterInstance.ephemeral()
    lines: list[str] = []
    run_id = str(uuid.uuid4())
    instance.add_event_listener(run_id, RunProgress(lines.append, width=12))
    job.execute_in_process(instance=instance, run_id=run_id, raise_on_error=False, run_config=QUIET_RUN_CONFIG,
                           **kwargs)
    return lines


def test_a_line_per_landed_partition_and_one_per_tables_checks_naming_the_failed_ones():
    lines = _lines([things], [things_checks], partition_key="b")
    assert len(lines) == 2
    landed, checks = lines
    assert landed.split() == ["demo/things", "b", "1,234", "rows", landed.split()[4], "/x/a"]
    assert landed.split()[4].endswith("s")
    assert checks.split()[:8] == ["demo/things", "checks", "1", "passed,", "0", "failed,", "1", "warned"]
    assert checks.endswith("positive (warn)")


def test_a_failed_step_has_its_line():
    lines = _lines([broken])
    assert len(lines) == 1 and lines[0].startswith("  demo__broken: FAILED after ")


def test_a_step_waiting_for_a_pool_slot_says_so_once():
    from dagster._core.events import DagsterEvent, EngineEventData
    from dagster._core.events.log import EventLogEntry

    lines: list[str] = []
    progress = RunProgress(lines.append)
    for message in ("Step blocked by limit for pool db", "Step still blocked by limit for pool db"):
        event = DagsterEvent(event_type_value="ENGINE_EVENT", job_name="j", step_key="shop__orders", message=message,
                             event_specific_data=EngineEventData(metadata={"pool": dg.MetadataValue.pool("db")}))
        progress(EventLogEntry(error_info=None, level=logging.DEBUG, user_message=message, run_id="r",
                               timestamp=1.0, step_key="shop__orders", job_name="j", dagster_event=event))
    assert lines == ["  shop__orders: waiting for a free slot of pool 'db' (limit in $DAGSTER_HOME/dagster.yaml)"]
