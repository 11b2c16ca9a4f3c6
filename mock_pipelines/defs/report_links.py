"""Where a person finds the quality report and the GX Data Docs from the Dagster UI.

The UI is an http page: a browser does not follow a ``file://`` link from it. The reports are static files
on the machine that ran the step, so their paths are given as path metadata (``MetadataValue.path``), which
the UI shows as text with a copy button: paste it into the browser's address bar (or ``open``/``xdg-open``
it). The files work offline (the Data Docs ship their scripts, styles and fonts).
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import dagster as dg


def report_links(*, report: str | os.PathLike[str] | None = None, data_docs: str | os.PathLike[str] | None = None,
                 data_docs_page: str | os.PathLike[str] | None = None) -> dict[str, dg.MetadataValue]:
    """Metadata naming the quality report (``report``), the Data Docs index (``data_docs``) and one Data
    Docs page (``data_docs_page``) by absolute path; those given as ``None`` are left out."""
    given = {"report": report, "data_docs": data_docs, "data_docs_page": data_docs_page}
    return {key: dg.MetadataValue.path(os.path.abspath(value)) for key, value in given.items() if value is not None}


def run_identity(context: Any) -> tuple[str, dt.datetime]:
    """The run id and start time (UTC) of the run a step belongs to: the run name and time its Data Docs
    pages are published under, the same for every step of the run."""
    return context.run.run_id, run_start(context.instance, context.run.run_id)


def run_start(instance: dg.DagsterInstance, run_id: str) -> dt.datetime:
    """When the run started (UTC); when it was created if it has not started; else now."""
    record = instance.get_run_record_by_id(run_id)
    if record is not None and record.start_time:
        return dt.datetime.fromtimestamp(record.start_time, dt.UTC)
    if record is not None and record.create_timestamp is not None:
        return record.create_timestamp.astimezone(dt.UTC)
    return dt.datetime.now(dt.UTC)
