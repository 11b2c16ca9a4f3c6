"""The outcome of one rule on one table (or partition): plain data the Dagster layer turns into an
``AssetCheckResult`` and the HTML report renders."""

from __future__ import annotations

import datetime as dt
import decimal
import math
from dataclasses import asdict, dataclass, field
from typing import Any

STATUSES = ("pass", "fail", "warn", "skip")


@dataclass
class RuleResult:
    name: str  # the check name, e.g. ``not_null__email`` (unique within the table)
    table: str
    kind: str  # key | fk | uniqueness | nulls | type | values | range | regex | distribution | row_count | temporal | custom
    passed: bool
    blocking: bool  # a failure should stop downstream assets (only ever true for severity "error")
    severity: str  # error | warn
    observed: Any = None  # what was measured: a statistic, or "3 of 2,000 rows" for row-level rules
    expected: str = ""  # what the rule expects, in words and numbers
    unexpected_count: int | None = None  # rows that broke a row-level rule
    examples: list[Any] = field(default_factory=list)  # up to 5 offending values
    description: str = ""  # what the rule checks and why, for a person
    evaluated_rows: int | None = None  # rows the rule looked at (fewer than the table when sampled)
    sampled: bool = False  # ran on a deterministic sample of a very large table
    engine: str = ""  # gx | arrow
    skipped: bool = False  # not evaluated (e.g. too few rows for a distribution rule)
    error: str | None = None  # the evaluation itself failed (bad user expectation, missing column)

    @property
    def status(self) -> str:
        """pass | fail | warn | skip — a failed ``warn`` rule is a warning, not a failure."""
        if self.skipped:
            return "skip"
        if self.passed:
            return "pass"
        return "fail" if self.severity == "error" else "warn"

    def metadata(self) -> dict[str, Any]:
        """JSON-friendly fields for check metadata (no None values)."""
        out = {k: v for k, v in asdict(self).items() if v is not None and k not in ("name", "table")}
        out["status"] = self.status
        return out


def plain(value: Any) -> Any:
    """A JSON-friendly copy of a value from numpy, pandas or pyarrow (NaN → None, timestamps → ISO text)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if hasattr(value, "isoformat"):  # pandas Timestamp
        try:
            return value.isoformat()
        except ValueError:  # NaT
            return None
    if hasattr(value, "as_py"):  # pyarrow scalar
        return plain(value.as_py())
    if hasattr(value, "item"):  # numpy scalar
        return plain(value.item())
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError, ImportError):
        pass
    return str(value)
