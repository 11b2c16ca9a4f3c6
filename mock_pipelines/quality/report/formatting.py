"""How values are written in the report: escaped, compact numbers and shares, exact values in cells."""

from __future__ import annotations

import datetime as dt
import html
import math
from collections.abc import Mapping
from typing import Any

import numpy as np


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def fmt_num(v: Any, digits: int = 3) -> str:
    """Compact numbers for axes and cells: 12, 1,234, 12.3k, 4.5M, 0.0123."""
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "true" if v else "false"
    try:
        x = float(v)
    except (TypeError, ValueError):
        return str(v)
    if math.isnan(x) or math.isinf(x):
        return str(x)
    a = abs(x)
    if a >= 1e9:
        return f"{x / 1e9:.{digits - 1}g}G"
    if a >= 1e6:
        return f"{x / 1e6:.{digits - 1}g}M"
    if a >= 1e4:
        return f"{x / 1e3:.{digits}g}k"
    if x == int(x):
        return f"{int(x):,}"
    if a >= 100:
        return f"{x:,.1f}"
    return f"{x:.{digits}g}"


def pct(share: float) -> str:
    if share == 0:
        return "0%"
    if share < 0.001:
        return "<0.1%"
    return f"{share * 100:.1f}%" if share < 0.995 or share == 1 else f"{share * 100:.2f}%"


def _exact(v: Any) -> str:
    """A value as written, exactly enough to find it in the data (keys stay 100005, not 100k)."""
    if isinstance(v, np.generic):  # numpy scalars from pandas/GX results
        v = v.item()
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v) or math.isinf(v):
            return str(v)
        return f"{v:.4g}" if v != 0 and abs(v) < 1e-4 else repr(round(float(v), 6))
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ", timespec="microseconds" if v.microsecond else "seconds")
    if isinstance(v, dt.date | dt.time):
        return v.isoformat()
    if isinstance(v, Mapping):
        keys = set(v)
        if {"quantiles", "values"} <= keys and len(v["quantiles"] or []) == len(v["values"] or []):
            return ", ".join(f"q{_exact(q)} {_exact(x)}" for q, x in zip(v["quantiles"], v["values"], strict=True))
        return ", ".join(f"{k}: {_exact(x)}" for k, x in v.items())
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_exact(x) for x in v) + "]"
    return str(v)


def fmt_value(v: Any, limit: int = 60) -> str:
    text = _exact(v)
    return text if len(text) <= limit else text[:limit - 1] + "…"
