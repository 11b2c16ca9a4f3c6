"""Run tags the Dagster layer and the CLI write and read, each spelled once.

Dagster's own tags are spelled as Dagster reads them; ours live under ``mock_pipelines/``. Plain strings
(no Dagster import), so the CLI can name them without loading Dagster.
"""

# A run over a range of partitions: a single-run backfill, a request file, `mock-pipelines run --from/--to`.
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"
# Set by Dagster on a re-execution, whose other tags are copied from this parent run.
PARENT_RUN_TAG = "dagster/parent_run_id"

# Why a sensor started a run: the value names the trigger (`schema_change`), or the request file's name.
TRIGGER_TAG = "mock_pipelines/trigger"
REQUEST_TAG = "mock_pipelines/request"

# The process that executes a run of `mock-pipelines run` in process (see defs/instance.py): a run whose
# process is gone is failed by the CLI and the dead-run sensor.
PID_TAG = "mock_pipelines/pid"
HOST_TAG = "mock_pipelines/host"
PROCESS_STARTED_TAG = "mock_pipelines/process_started"
RUN_TAG = "mock_pipelines/pid_run"  # the run the process tags were made for (copied tags name another run)
