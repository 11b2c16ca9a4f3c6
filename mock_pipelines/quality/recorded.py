"""Check results recorded beside the report, so the report reads what the checks judged instead of
validating again.

Each check evaluation writes ``<reports_root>/<dataset>/results/<table>/<partition or _all>.json``: the
results, the rows judged, the column profile measured from the same batches
(:meth:`~mock_pipelines.quality.column_profile.TableProfile.state`) and the content hash of the data they
were judged on (the hash the writer recorded). A result is used only while it matches what is landed (same content hash): data rewritten since,
by another run or by hand, is checked again.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mock_pipelines.quality.results import RuleResult, plain

ALL = "_all"  # the file name of an unpartitioned table's results


def results_path(reports_root: str | os.PathLike[str], dataset: str, table: str, partition: str | None) -> Path:
    safe = (partition or ALL).replace("/", "_").replace(":", "-")
    return Path(reports_root) / dataset / "results" / table / f"{safe}.json"


def record(reports_root: str | os.PathLike[str], dataset: str, table: str, partition: str | None,
           results: Sequence[RuleResult], *, rows: int, content_hash: str, run_id: str | None = None,
           profile: dict[str, Any] | None = None) -> Path:
    """Write the results (and the profile state) of one table or partition, atomically: a temp file
    renamed over the old one."""
    path = results_path(reports_root, dataset, table, partition)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {"dataset": dataset, "table": table, "partition": partition, "rows": rows, "content_hash": content_hash,
            "run_id": run_id, "results": [plain(dataclasses.asdict(r)) for r in results], "profile": profile}
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(json.dumps(body, indent=1, default=str), encoding="utf-8")
    os.replace(tmp, path)
    return path


def load(reports_root: str | os.PathLike[str], dataset: str, table: str,
         partition: str | None) -> dict[str, Any] | None:
    """The recorded body (``results`` as :class:`RuleResult` objects), or None when there is none."""
    path = results_path(reports_root, dataset, table, partition)
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    fields = {f.name for f in dataclasses.fields(RuleResult)}
    body["results"] = [RuleResult(**{k: v for k, v in r.items() if k in fields}) for r in body.get("results", [])]
    return body


def matching(reports_root: str | os.PathLike[str], dataset: str, table: str, partition: str | None,
             content_hash: str | None) -> dict[str, Any] | None:
    """The whole record (results, rows, ``profile`` state or None) if it judged data with ``content_hash``."""
    if not content_hash:
        return None
    body = load(reports_root, dataset, table, partition)
    if body is None or body.get("content_hash") != content_hash:
        return None
    return body
