"""A self-contained HTML data-quality report for one dataset: profile, declared-vs-generated charts, checks.

One HTML file with inline CSS and inline SVG charts drawn here (no JavaScript, no web fonts, no network,
no plotting library), so it can be attached to a CI run, mailed, or opened from a bucket. It shows:

* a header with the dataset, its description, provenance (seed, spec hash, generator version, content
  hash per table, generation time) and the check outcome as coloured badges;
* an overview of the tables (rows, columns, partitions, check counts);
* per table: rows per partition, children per parent against the declared count distribution, a column
  profile (type, nulls against the declared null rate, distinct values, min/max, top values), one chart per
  column with a declared distribution (histogram + declared density, generated share vs declared weight,
  rank-frequency on log axes for Zipf values and Zipf-skewed foreign keys) and the check outcomes.

Profiling uses ``pyarrow.compute`` on whole columns; histograms use a deterministic sample of at most
:data:`SAMPLE_ROWS` rows. Nothing here imports Dagster; Great Expectations is imported only by
:func:`build_gx_data_docs`.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
import os
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines import GENERATOR_VERSION, __version__
from mock_pipelines.core import facts, registry
from mock_pipelines.core.child_counts import count_weights
from mock_pipelines.spec.model import ColumnSpec, DatasetSpec, TableSpec
from mock_pipelines.spec.types import LogicalType

if TYPE_CHECKING:  # the stores load fsspec and SQLAlchemy: imported where tables are read
    from mock_pipelines.store.protocol import TableStore
    from mock_pipelines.store.sql.store import SqlStore

__all__ = ["SAMPLE_ROWS", "build_gx_data_docs", "declared_distribution", "load_tables", "markdown_summary",
           "profile_table", "render_report", "run_checks", "summarize_results", "write_report"]

SAMPLE_ROWS = 200_000  # at most this many rows feed a histogram (a fixed, seeded sample)
TOP_K = 5
FREQUENCY_LIMIT = 200  # columns with at most this many distinct values keep their full frequencies

TableData = pa.Table | Mapping[str, pa.Table]


# =========================================================================================================
# Profiling
# =========================================================================================================

def _plain(arr: pa.ChunkedArray) -> pa.ChunkedArray:
    """Dictionary-encoded columns decoded (value counts and min/max then see the values)."""
    if pa.types.is_dictionary(arr.type):
        return pa.chunked_array([c.dictionary_decode() for c in arr.chunks], type=arr.type.value_type)
    return arr


def _is_numeric(t: pa.DataType) -> bool:
    return pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t)


def _is_textual(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t)


def _declared_null_rate(cs: ColumnSpec | None, spec: TableSpec | None) -> float:
    if cs is None:
        return 0.0
    fk = spec.fk_for_column(cs.name) if spec is not None else None
    return max(float(cs.null_rate or 0.0), float(fk.null_rate or 0.0) if fk is not None else 0.0)


def _null_tolerance(p: float, n: int) -> float:
    """How far an observed null share may sit from the declared rate before it is flagged (≈4 sigma)."""
    return 4.0 * math.sqrt(max(p * (1 - p), 0.0) / max(n, 1)) + 1.0 / max(n, 1)


def profile_table(table: pa.Table, spec: TableSpec | None = None) -> dict[str, Any]:
    """Profile every column of ``table`` (vectorised), compared with what ``spec`` declares.

    Returns ``{"rows", "columns": [...], "missing_columns", "extra_columns"}``; each column is a dict with
    ``name, type, declared_type, source, nulls, null_share, declared_null_rate, null_ok, distinct,
    unique_declared, unique_ok, min, max, mean, std, length_min, length_max, top, frequencies``
    (``top``: up to five ``{"value", "count", "share"}`` by count; ``frequencies``: every value with its
    count when there are at most 200 distinct values, else ``None``).
    """
    n = table.num_rows

    def one(name: str) -> dict[str, Any]:
        cs = spec.columns.get(name) if spec is not None else None
        return _profile_column(name, table.column(name), cs, spec, n)

    if n * table.num_columns > 2_000_000 and (os.cpu_count() or 1) > 1:  # Arrow and NumPy release the GIL
        with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
            columns = list(pool.map(one, table.column_names))
    else:
        columns = [one(name) for name in table.column_names]
    declared = list(spec.columns) if spec is not None else []
    return {
        "rows": n,
        "columns": columns,
        "missing_columns": [c for c in declared if c not in table.column_names],
        "extra_columns": [c for c in table.column_names if spec is not None and c not in spec.columns],
    }


def _profile_column(name: str, raw: pa.ChunkedArray, cs: ColumnSpec | None, spec: TableSpec | None,
                    n: int) -> dict[str, Any]:
    arr = _plain(raw)
    t = arr.type
    nulls = arr.null_count
    p_decl = _declared_null_rate(cs, spec)
    share = nulls / n if n else 0.0
    if p_decl == 0.0:
        null_ok = nulls == 0 or (cs is not None and cs.kind == "expr")  # expressions may yield nulls
    else:
        null_ok = abs(share - p_decl) <= _null_tolerance(p_decl, n)
    out: dict[str, Any] = {
        "name": name, "type": str(t), "declared_type": str(cs.type) if cs is not None else None,
        "source": _source_label(cs, spec), "kind": cs.kind if cs is not None else None,
        "primary_key": bool(spec is not None and name in spec.primary_key),
        "nulls": nulls, "null_share": share, "declared_null_rate": p_decl, "null_ok": bool(null_ok),
        "distinct": None, "unique_declared": bool(cs.unique) if cs is not None else False, "unique_ok": None,
        "min": None, "max": None, "mean": None, "std": None, "length_min": None, "length_max": None,
        "top": [], "frequencies": None,
    }
    if n == 0 or pa.types.is_nested(t) or pa.types.is_null(t):
        out["distinct"] = 0 if n == 0 or pa.types.is_null(t) else None
        return out
    values, freq = _value_counts(arr)
    distinct = len(freq)
    out["distinct"] = distinct
    if out["unique_declared"]:
        out["unique_ok"] = distinct == n - nulls
    non_null = max(n - nulls, 1)
    if distinct:
        order = np.argsort(-freq, kind="stable")
        top = order[:TOP_K]
        top_values = values.take(pa.array(top)).to_pylist()
        out["top"] = [{"value": v, "count": int(freq[i]), "share": float(freq[i]) / non_null}
                      for v, i in zip(top_values, top, strict=True)]
        if distinct <= FREQUENCY_LIMIT:
            out["frequencies"] = [(v, int(c)) for v, c in zip(values.to_pylist(), freq.tolist(), strict=True)]
    if distinct and _is_textual(t):  # min/max (length) over the distinct values equal those over all rows
        lengths = pc.min_max(pc.utf8_length(values))
        out["length_min"], out["length_max"] = lengths["min"].as_py(), lengths["max"].as_py()
    if distinct and (_is_numeric(t) or pa.types.is_temporal(t) or pa.types.is_boolean(t) or _is_textual(t)):
        mm = pc.min_max(values)
        out["min"], out["max"] = mm["min"].as_py(), mm["max"].as_py()
    if _is_numeric(t) and nulls < n:
        as_float = pc.cast(arr, pa.float64()) if pa.types.is_decimal(t) else arr
        out["mean"] = pc.mean(as_float).as_py()
        out["std"] = pc.stddev(as_float, ddof=1).as_py() if n - nulls > 1 else None
    return out


def _value_counts(arr: pa.ChunkedArray) -> tuple[pa.Array, np.ndarray]:
    """Distinct non-null values and their counts: a sort in NumPy for fixed-width numbers and times (faster
    than hashing on high-cardinality columns), Arrow's hash-based ``value_counts`` for everything else."""
    t = arr.type
    as_int = pa.types.is_temporal(t) and t.bit_width in (32, 64)
    if (pa.types.is_integer(t) or pa.types.is_floating(t) or as_int) and not pa.types.is_float16(t):
        storage = pa.int64() if as_int and t.bit_width == 64 else pa.int32() if as_int else t
        flat = arr.drop_null()
        flat = flat.combine_chunks() if flat.num_chunks != 1 else flat.chunk(0)
        if as_int:
            flat = flat.view(storage)
        np_values = flat.to_numpy(zero_copy_only=False)
        if not (pa.types.is_floating(t) and np.isnan(np_values).any()):
            uniq, counts = np.unique(np_values, return_counts=True)
            values = pa.array(uniq, type=storage)
            return (values.view(t) if as_int else values), counts
    counts = pc.value_counts(arr)
    values, freq = counts.field("values"), counts.field("counts").to_numpy(zero_copy_only=False)
    valid = values.is_valid().to_numpy(zero_copy_only=False)
    if not valid.all():
        values, freq = values.filter(pa.array(valid)), freq[valid]
    return values, freq


def _short(value: Any, limit: int = 48) -> str:
    if isinstance(value, list):
        text = "[" + ", ".join(_short(v, 12) for v in value[:4]) + (", …" if len(value) > 4 else "") + "]"
        return text if len(text) <= limit else f"[{len(value)} values]"
    if isinstance(value, dict):
        items = [f"{k}: {_short(v, 12)}" for k, v in list(value.items())[:6]]
        text = "{" + ", ".join(items) + (", …" if len(value) > 6 else "") + "}"
        return text if len(text) <= limit * 2 else "{" + f"{len(value)} entries" + "}"
    text = str(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _source_label(cs: ColumnSpec | None, spec: TableSpec | None) -> str:
    """What the schema says produces a column, in one short line."""
    if cs is None:
        return "not in the schema"
    fk = spec.fk_for_column(cs.name) if spec is not None else None
    if cs.ref is not None or (fk is not None and cs.fk_member):
        if fk is not None and len(fk.columns) > 1:
            target = f"{fk.table}({', '.join(fk.ref_columns)})"
        elif cs.ref is not None:
            target = f"{cs.ref[0]}.{cs.ref[1]}"
        else:
            target = f"{fk.table}.{fk.ref_columns[0]}" if fk is not None else "?"
        skew = f" · skew {fk.skew}" if fk is not None and fk.skew is not None else ""
        return f"→ {target}{skew}"
    if cs.expr is not None:
        return f"= {_short(cs.expr, 60)}"
    if cs.template is not None:
        return f"template {_short(cs.template, 50)}"
    if cs.sum_of is not None:
        return f"Σ {cs.sum_of[0]}.{cs.sum_of[1]} of its children"
    params = ", ".join(f"{k}={_short(v, 40)}" for k, v in cs.params.items() if v is not None)
    return f"{cs.generator}({params})" if params else str(cs.generator)


# =========================================================================================================
# Declared distributions
# =========================================================================================================

def _phi(x: np.ndarray | float) -> np.ndarray:
    """Standard normal CDF (vectorised through math.erf; no SciPy at run time)."""
    x = np.asarray(x, dtype=np.float64)
    return 0.5 * (1.0 + np.vectorize(math.erf, otypes=[np.float64])(x / math.sqrt(2.0)))


def _pdf_normal(z: np.ndarray) -> np.ndarray:
    return np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)


@dataclass
class Declared:
    """A column's declared distribution, in the form the charts need.

    kind ``continuous``: ``pdf`` and ``cdf`` (vectorised); ``discrete``: ``pmf`` {integer value: p};
    ``categorical``: ``weights`` {label: p} with ``keys`` {normalised key: label}; ``zipf``: ``s``, ``n``,
    ``start``.
    """

    kind: str
    label: str
    pdf: Any = None
    cdf: Any = None
    pmf: dict[int, float] | None = None
    weights: dict[str, float] | None = None
    keys: dict[str, str] | None = None
    s: float = 1.0
    n: int = 1
    start: int = 1


def _cat_key(value: Any) -> str:
    """A key under which a generated value and a declared choice compare equal (0.05 == "0.05")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format(float(value), ".12g")
    text = str(value)
    try:
        return format(float(text), ".12g")
    except ValueError:
        return text


def _categorical(values: Mapping[Any, float], label: str) -> Declared:
    total = float(sum(values.values())) or 1.0
    weights = {str(k): float(v) / total for k, v in values.items()}
    return Declared("categorical", label, weights=weights, keys={_cat_key(k): str(k) for k in values})


def _clipped_pmf(pmf: dict[int, float], lo: int | None, hi: int | None) -> dict[int, float]:
    out: dict[int, float] = {}
    for k, p in pmf.items():
        k2 = max(k, lo) if lo is not None else k
        k2 = min(k2, hi) if hi is not None else k2
        out[k2] = out.get(k2, 0.0) + p
    return out


def _poisson_pmf(lam: float, shift: int = 0) -> dict[int, float]:
    return {int(i) + shift: float(v) for i, v in enumerate(facts.poisson_pmf(lam)) if v > 1e-9}


def _continuous(label: str, pdf: Any, cdf: Any) -> Declared:
    return Declared("continuous", label, pdf=pdf, cdf=cdf)


def declared_distribution(cs: ColumnSpec) -> Declared | None:
    """The distribution a column's generator promises, or ``None`` when it declares none we can draw."""
    if cs.kind != "gen" or cs.generator is None:
        return None
    try:
        known = registry.get(cs.generator).facts
        model = known.value_model(cs.params) if known is not None else None
        return _declared(model) if model is not None else None
    except (TypeError, ValueError, KeyError, ZeroDivisionError):
        return None


def _declared(m: facts.ValueModel) -> Declared | None:
    """The chartable form of a generator's declared value model."""
    if isinstance(m, facts.Uniform):
        lo, hi = float(m.lo), float(m.hi)
        if hi <= lo:
            return None
        return _continuous(f"uniform({lo:g}, {hi:g})",
                           lambda x: np.where((x >= lo) & (x <= hi), 1.0 / (hi - lo), 0.0),
                           lambda x: np.clip((x - lo) / (hi - lo), 0.0, 1.0))
    if isinstance(m, facts.Normal):
        mu, sd = float(m.mean), float(m.std)
        if sd <= 0:
            return None
        return _continuous(f"normal(mean={mu:g}, std={sd:g})", lambda x: _pdf_normal((x - mu) / sd) / sd,
                           lambda x: _phi((x - mu) / sd))
    if isinstance(m, facts.LogNormal):
        mu, sg = float(m.mu), float(m.sigma)
        if sg <= 0:
            return None

        def ln_pdf(x: np.ndarray) -> np.ndarray:
            x = np.asarray(x, dtype=np.float64)
            safe = np.where(x > 0, x, 1.0)
            return np.where(x > 0, _pdf_normal((np.log(safe) - mu) / sg) / (sg * safe), 0.0)

        def ln_cdf(x: np.ndarray) -> np.ndarray:
            x = np.asarray(x, dtype=np.float64)
            return np.where(x > 0, _phi((np.log(np.where(x > 0, x, 1.0)) - mu) / sg), 0.0)

        return _continuous(f"lognormal(mean={mu:g}, sigma={sg:g})", ln_pdf, ln_cdf)
    if isinstance(m, facts.Exponential):
        scale = float(m.scale)
        if scale <= 0:
            return None
        return _continuous(f"exponential(scale={scale:g})",
                           lambda x: np.where(x >= 0, np.exp(-np.maximum(x, 0) / scale) / scale, 0.0),
                           lambda x: np.where(x >= 0, 1.0 - np.exp(-np.maximum(x, 0) / scale), 0.0))
    if isinstance(m, facts.BoundedLogNormal):  # a log-normal of (x - lo + 1) truncated to [lo, hi]
        lo, hi, mu, sg = m.lo, m.hi, m.mu, m.sigma
        top = math.log(hi - lo + 1)
        fa, fb = float(_phi((0 - mu) / sg)), float(_phi((top - mu) / sg))
        mass = fb - fa

        def b_pdf(x: np.ndarray) -> np.ndarray:
            y = np.asarray(x, dtype=np.float64) - lo + 1
            inside = (y >= 1) & (y <= hi - lo + 1)
            safe = np.where(inside, y, 1.0)
            return np.where(inside, _pdf_normal((np.log(safe) - mu) / sg) / (sg * safe * mass), 0.0)

        def b_cdf(x: np.ndarray) -> np.ndarray:
            y = np.clip(np.asarray(x, dtype=np.float64) - lo + 1, 1.0, hi - lo + 1)
            return np.clip((_phi((np.log(y) - mu) / sg) - fa) / mass, 0.0, 1.0)

        label = f"log-normal in [{lo:g}, {hi:g}]" + (
            f", median {float(m.median):g}" if m.median is not None else "")
        return _continuous(label, b_pdf, b_cdf)
    if isinstance(m, facts.Poisson):
        lam = float(m.lam)
        pmf = _clipped_pmf(_poisson_pmf(lam, shift=m.shift), m.lo, m.hi)
        return Declared("discrete", f"{m.shift} + poisson({lam:g})" if m.shift else f"poisson({lam:g})", pmf=pmf)
    if isinstance(m, facts.UniformInt):
        lo, hi = int(m.lo), int(m.hi)
        if hi < lo:
            return None
        if hi - lo <= 60:
            return Declared("discrete", f"integer in [{lo}, {hi}]",
                            pmf={k: 1.0 / (hi - lo + 1) for k in range(lo, hi + 1)})
        return _continuous(f"integer in [{lo}, {hi}]",
                           lambda x: np.where((x >= lo) & (x <= hi + 1), 1.0 / (hi - lo + 1), 0.0),
                           lambda x: np.clip((np.floor(x) - lo + 1) / (hi - lo + 1), 0.0, 1.0))
    if isinstance(m, facts.Zipf):
        s, n, start = float(m.s), int(m.n), int(m.start)
        return Declared("zipf", f"zipf(s={s:g}, n={n:,})", s=s, n=max(n, 1), start=start)
    if isinstance(m, facts.Categorical):
        return _categorical(m.weights, m.label)
    return None


def _zipf_shares(s: float, n: int, ranks: np.ndarray) -> np.ndarray:
    """P(rank = k) ∝ k^-s over 1..n (normalised exactly up to 10^6 ranks, by an integral beyond)."""
    head = min(n, 1_000_000)
    total = float(np.sum(np.arange(1, head + 1, dtype=np.float64) ** -s))
    if n > head:
        a, b = head + 0.5, n + 0.5
        total += math.log(b / a) if abs(s - 1) < 1e-12 else (b ** (1 - s) - a ** (1 - s)) / (1 - s)
    return ranks.astype(np.float64) ** -s / total


# =========================================================================================================
# Inline SVG charts
# =========================================================================================================

W, H = 360, 168
BLUE, ORANGE, GREY, RED = "#3b6fd8", "#e8772e", "#9aa3ad", "#d64545"


def _esc(value: Any) -> str:
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


def _pct(share: float) -> str:
    if share == 0:
        return "0%"
    if share < 0.001:
        return "<0.1%"
    return f"{share * 100:.1f}%" if share < 0.995 or share == 1 else f"{share * 100:.2f}%"


def _nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return []
    if hi <= lo:
        hi = lo + (abs(lo) or 1.0)
    span = hi - lo
    step = 10 ** math.floor(math.log10(span / count))
    for m in (1, 2, 2.5, 5, 10):
        if span / (step * m) <= count:
            step *= m
            break
    first = math.ceil(lo / step - 1e-9) * step
    ticks, v = [], first
    while v <= hi + step * 1e-9 and len(ticks) < 20:
        ticks.append(round(v, 12))
        v += step
    return ticks


def _log_ticks(lo: float, hi: float) -> list[float]:
    a, b = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    ticks = [10.0 ** e for e in range(a, b + 1) if lo * 0.999 <= 10.0 ** e <= hi * 1.001]
    if len(ticks) < 2:  # less than a decade: add 2 and 5 multiples
        ticks = [m * 10.0 ** e for e in range(a, b + 1) for m in (1, 2, 5) if lo <= m * 10.0 ** e <= hi]
    if len(ticks) > 7:
        ticks = ticks[:: math.ceil(len(ticks) / 6)]
    return ticks


class _Frame:
    """A plot area inside a W×H SVG, with linear or log axes."""

    def __init__(self, x0: float, x1: float, y0: float, y1: float, *, log_x: bool = False, log_y: bool = False,
                 left: int = 46, right: int = 10, top: int = 22, bottom: int = 34, width: int = W,
                 height: int = H):
        self.log_x, self.log_y = log_x, log_y
        self.x0, self.x1 = (math.log10(x0), math.log10(x1)) if log_x else (x0, x1)
        self.y0, self.y1 = (math.log10(y0), math.log10(y1)) if log_y else (y0, y1)
        if self.x1 <= self.x0:
            self.x1 = self.x0 + 1
        if self.y1 <= self.y0:
            self.y1 = self.y0 + 1
        self.left, self.right, self.top, self.bottom = left, width - right, top, height - bottom
        self.width, self.height = width, height

    def sx(self, x: Any) -> Any:
        x = np.log10(np.maximum(x, 1e-300)) if self.log_x else np.asarray(x, dtype=np.float64)
        return self.left + (x - self.x0) / (self.x1 - self.x0) * (self.right - self.left)

    def sy(self, y: Any) -> Any:
        y = np.log10(np.maximum(y, 1e-300)) if self.log_y else np.asarray(y, dtype=np.float64)
        return self.bottom - (y - self.y0) / (self.y1 - self.y0) * (self.bottom - self.top)

    def axes(self, xticks: Sequence[float], yticks: Sequence[float], xlabel: str, ylabel: str,
             xfmt: Any = fmt_num, yfmt: Any = fmt_num) -> list[str]:
        out = [f'<line class="ax" x1="{self.left}" y1="{self.bottom}" x2="{self.right}" y2="{self.bottom}"/>',
               f'<line class="ax" x1="{self.left}" y1="{self.top}" x2="{self.left}" y2="{self.bottom}"/>']
        for y in yticks:
            py = float(self.sy(y))
            out.append(f'<line class="grid" x1="{self.left}" y1="{py:.1f}" x2="{self.right}" y2="{py:.1f}"/>')
            out.append(f'<text class="tk" x="{self.left - 4}" y="{py + 3:.1f}" text-anchor="end">{_esc(yfmt(y))}</text>')
        for x in xticks:
            px = float(self.sx(x))
            out.append(f'<line class="ax" x1="{px:.1f}" y1="{self.bottom}" x2="{px:.1f}" y2="{self.bottom + 3}"/>')
            out.append(f'<text class="tk" x="{px:.1f}" y="{self.bottom + 13}" text-anchor="middle">'
                       f'{_esc(xfmt(x))}</text>')
        out.append(self.xlabel(xlabel))
        out.append(f'<text class="lbl" transform="translate(11,{(self.top + self.bottom) / 2:.0f}) rotate(-90)" '
                   f'text-anchor="middle">{_esc(ylabel)}</text>')
        return out

    def xlabel(self, text: str) -> str:
        return (f'<text class="lbl" x="{(self.left + self.right) / 2:.0f}" y="{self.height - 4}" '
                f'text-anchor="middle">{_esc(text)}</text>')


def _svg(frame: _Frame, parts: list[str], title: str) -> str:
    return (f'<svg class="chart" viewBox="0 0 {frame.width} {frame.height}" width="{frame.width}" '
            f'height="{frame.height}" role="img"><title>{_esc(title)}</title>' + "".join(parts) + "</svg>")


def _legend(frame: _Frame, items: list[tuple[str, str, str]]) -> list[str]:
    """Legend entries (kind 'bar' | 'line' | 'dot', colour, text) right-aligned above the plot."""
    out, x = [], frame.right
    for kind, colour, text in reversed(items):
        x -= len(text) * 5.4 + 4
        out.append(f'<text class="tk" x="{x:.0f}" y="11">{_esc(text)}</text>')
        x -= 14
        if kind == "bar":
            out.append(f'<rect x="{x:.0f}" y="3" width="10" height="9" fill="{colour}" opacity="0.8"/>')
        elif kind == "dot":
            out.append(f'<circle cx="{x + 5:.0f}" cy="7.5" r="2.6" fill="{colour}"/>')
        else:
            out.append(f'<line x1="{x:.0f}" y1="7.5" x2="{x + 11:.0f}" y2="7.5" stroke="{colour}" '
                       f'stroke-width="2"/>')
        x -= 8
    return out


def _polyline(xs: Iterable[float], ys: Iterable[float], colour: str, width: float = 2.0,
              dash: str | None = None) -> str:
    pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
    extra = f' stroke-dasharray="{dash}"' if dash else ""
    return (f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="{width}" '
            f'stroke-linejoin="round"{extra}/>')


def _pct_axis(v: float) -> str:
    if v == 0:
        return "0"
    return f"{v * 100:.0f}%" if v >= 0.1 or v * 100 == int(v * 100) else f"{v * 100:.2g}%"


def svg_histogram(edges: np.ndarray, shares: np.ndarray, xlabel: str, *, log_x: bool = False,
                  curve: tuple[np.ndarray, np.ndarray] | None = None, title: str = "") -> str:
    """Bars of the share of rows per bin, optionally with the declared density (as share per bin) on top."""
    ymax = float(max(shares.max() if len(shares) else 0, curve[1].max() if curve is not None and
                     len(curve[1]) else 0)) * 1.12 or 1.0
    f = _Frame(float(edges[0]), float(edges[-1]), 0.0, ymax, log_x=log_x)
    yt = _nice_ticks(0, ymax, 4)
    xt = _log_ticks(float(edges[0]), float(edges[-1])) if log_x else _nice_ticks(float(edges[0]),
                                                                                  float(edges[-1]), 5)
    parts = f.axes(xt, yt, xlabel + (" (log scale)" if log_x else ""), "share of rows", yfmt=_pct_axis)
    x0s, x1s = f.sx(edges[:-1]), f.sx(edges[1:])
    for a, b, s in zip(x0s, x1s, shares, strict=True):
        if s > 0:
            y = float(f.sy(s))
            parts.append(f'<rect x="{a + 0.5:.1f}" y="{y:.1f}" width="{max(b - a - 1, 0.8):.1f}" '
                         f'height="{f.bottom - y:.1f}" fill="{BLUE}" opacity="0.75"/>')
    legend = [("bar", BLUE, "generated")]
    if curve is not None:
        xs, ys = curve
        parts.append(_polyline(f.sx(xs), np.maximum(f.sy(np.minimum(ys, ymax)), f.top), ORANGE))
        legend.append(("line", ORANGE, "declared"))
    return _svg(f, parts + _legend(f, legend), title)


def svg_discrete(values: Sequence[int], shares: Sequence[float], declared: Sequence[float] | None, xlabel: str,
                 title: str = "") -> str:
    """One bar per integer value (generated share) with the declared probabilities as a line of dots."""
    vals = np.asarray(values, dtype=np.float64)
    top = max(max(shares, default=0), max(declared or [0], default=0)) * 1.12 or 1.0
    f = _Frame(vals.min() - 0.5, vals.max() + 0.5, 0.0, top)
    xt = _nice_ticks(vals.min(), vals.max(), 6)
    xt = [x for x in xt if x == int(x)]
    parts = f.axes(xt, _nice_ticks(0, top, 4), xlabel, "share of rows", yfmt=_pct_axis)
    bw = (f.right - f.left) / (len(vals) + 0.0) if len(vals) else 10
    bw = min(bw, float(f.sx(1.0) - f.sx(0.0)))
    for v, s in zip(vals, shares, strict=True):
        if s > 0:
            y = float(f.sy(s))
            parts.append(f'<rect x="{f.sx(v) - bw * 0.4:.1f}" y="{y:.1f}" width="{bw * 0.8:.1f}" '
                         f'height="{f.bottom - y:.1f}" fill="{BLUE}" opacity="0.75"/>')
    legend = [("bar", BLUE, "generated")]
    if declared is not None:
        xs, ys = f.sx(vals), f.sy(np.asarray(declared))
        parts.append(_polyline(xs, ys, ORANGE, 1.6))
        parts += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.4" fill="{ORANGE}"/>' for x, y in zip(xs, ys, strict=True)]
        legend.append(("line", ORANGE, "declared"))
    return _svg(f, parts + _legend(f, legend), title)


def svg_grouped(labels: Sequence[str], generated: Sequence[float], declared: Sequence[float] | None,
                xlabel: str, title: str = "") -> str:
    """Grouped bars per category: generated share next to declared weight."""
    k = len(labels)
    shown = [lb if len(lb) <= 14 else lb[:13] + "…" for lb in labels]
    rotate = k > 6 or sum(len(s) for s in shown) * 5.6 > (W - 60) * 0.95
    longest = max((len(s) for s in shown), default=1)
    bottom = int(min(70, 16 + longest * 4.2)) + 14 if rotate else 34
    height = H + (bottom - 34)
    top = max(max(generated, default=0), max(declared or [0], default=0)) * 1.12 or 1.0
    f = _Frame(0, k, 0, top, bottom=bottom, height=height)
    parts = f.axes([], _nice_ticks(0, top, 4), "", "share of rows", yfmt=_pct_axis)
    slot = (f.right - f.left) / max(k, 1)
    bar = min(slot * 0.38, 22)
    for i, lb in enumerate(shown):
        cx = f.left + slot * (i + 0.5)
        g = generated[i]
        pairs = [(g, BLUE, cx - bar)] + ([(declared[i], ORANGE, cx)] if declared is not None else [])
        if declared is None:
            pairs = [(g, BLUE, cx - bar / 2)]
        for val, colour, x in pairs:
            y = float(f.sy(val))
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{f.bottom - y:.1f}" '
                         f'fill="{colour}" opacity="{0.75 if colour == BLUE else 0.85}"><title>{_esc(labels[i])}: '
                         f'{_pct(val)}</title></rect>')
        if rotate:
            parts.append(f'<text class="tk" text-anchor="end" transform="translate({cx:.1f},{f.bottom + 10}) '
                         f'rotate(-35)">{_esc(lb)}</text>')
        else:
            parts.append(f'<text class="tk" x="{cx:.1f}" y="{f.bottom + 13}" text-anchor="middle">{_esc(lb)}</text>')
    if not rotate and xlabel:
        parts.append(f.xlabel(xlabel))
    legend = [("bar", BLUE, "generated")] + ([("bar", ORANGE, "declared")] if declared is not None else [])
    return _svg(f, parts + _legend(f, legend), title)


def svg_rank_frequency(ranks: np.ndarray, shares: np.ndarray, declared: tuple[np.ndarray, np.ndarray] | None,
                       xlabel: str, title: str = "") -> str:
    """Rank-frequency on log-log axes: generated shares as dots, the declared power law as a line."""
    ymin = float(min(shares.min(), declared[1].min() if declared is not None else shares.min()))
    ymax = float(max(shares.max(), declared[1].max() if declared is not None else 0))
    ymin = max(ymin, ymax * 1e-6)
    xmax = float(max(ranks.max(), declared[0].max() if declared is not None else 1, 2))
    f = _Frame(1, xmax * 1.1, ymin / 1.5, ymax * 1.6, log_x=True, log_y=True)
    parts = f.axes(_log_ticks(1, xmax * 1.1), _log_ticks(ymin / 1.5, ymax * 1.6), xlabel + " (log)",
                   "share (log)", yfmt=_pct_axis)
    if len(ranks) > 300:  # thin the tail: every rank up to 50, then log-spaced
        keep = np.unique(np.concatenate([np.arange(min(50, len(ranks))),
                                         np.geomspace(50, len(ranks) - 1, 250).astype(int)]))
        ranks, shares = ranks[keep], shares[keep]
    xs, ys = f.sx(ranks), f.sy(np.maximum(shares, ymin))
    parts += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2" fill="{BLUE}" opacity="0.7"/>'
              for x, y in zip(xs, ys, strict=True)]
    legend = [("dot", BLUE, "generated")]
    if declared is not None:
        dx, dy = declared
        ok = dy >= ymin
        parts.append(_polyline(f.sx(dx[ok]), f.sy(dy[ok]), ORANGE))
        legend.append(("line", ORANGE, "declared"))
    return _svg(f, parts + _legend(f, legend), title)


def svg_partitions(keys: Sequence[str], rows: Sequence[int], expected: Sequence[float] | None = None,
                   title: str = "") -> str:
    """Rows per partition as bars (optionally the declared rate as a line)."""
    k = len(keys)
    top = max(max(rows, default=0), max(expected or [0], default=0)) * 1.12 or 1.0
    f = _Frame(0, k, 0, top, left=50)
    parts = f.axes([], _nice_ticks(0, top, 4), "partition", "rows")
    slot = (f.right - f.left) / max(k, 1)
    for i, r in enumerate(rows):
        if r > 0:
            y = float(f.sy(r))
            parts.append(f'<rect x="{f.left + slot * i + slot * 0.1:.2f}" y="{y:.1f}" '
                         f'width="{max(slot * 0.8, 0.6):.2f}" height="{f.bottom - y:.1f}" fill="{BLUE}" '
                         f'opacity="0.75"><title>{_esc(keys[i])}: {r:,} rows</title></rect>')
    if k:
        idx = sorted({0, k - 1} | ({k // 2} if k > 4 else set()))
        for i in idx:
            anchor = "start" if i == 0 and k > 1 else "end" if i == k - 1 and k > 1 else "middle"
            x = f.left + slot * (i + 0.5) if anchor == "middle" else f.left if anchor == "start" else f.right
            parts.append(f'<text class="tk" x="{x:.1f}" y="{f.bottom + 13}" text-anchor="{anchor}">'
                         f'{_esc(keys[i])}</text>')
    legend = [("bar", BLUE, "rows")]
    if expected is not None:
        xs = [f.left + slot * (i + 0.5) for i in range(k)]
        parts.append(_polyline(xs, f.sy(np.asarray(expected, dtype=np.float64)), ORANGE, 1.5))
        legend.append(("line", ORANGE, "declared rate"))
    return _svg(f, parts + _legend(f, legend), title)


# =========================================================================================================
# Charts from data
# =========================================================================================================

@dataclass
class Chart:
    title: str
    svg: str
    caption: str = ""
    flag: bool = False  # the generated distribution is further from the declared one than sampling explains


def _sample(arr: pa.ChunkedArray, limit: int = SAMPLE_ROWS) -> pa.ChunkedArray:
    """A deterministic sample of at most ``limit`` rows (same rows for the same length, in row order)."""
    n = len(arr)
    if n <= limit:
        return arr
    idx = np.sort(np.random.default_rng(20240101).choice(n, size=limit, replace=False))
    return arr.take(pa.array(idx))


def _as_float(arr: pa.ChunkedArray) -> np.ndarray:
    arr = _plain(arr).drop_null()
    if pa.types.is_boolean(arr.type):
        arr = pc.cast(arr, pa.int8())
    return pc.cast(arr, pa.float64()).to_numpy() if len(arr) else np.empty(0)


def _tv_caption(tvd: float, noise: float, n: int, extra: str = "") -> tuple[str, bool]:
    flag = tvd > max(3.0 * noise, 0.02)
    text = (f"n = {n:,} · distance {tvd:.3f} (noise ≈ {noise:.3f})" + (f" · {extra}" if extra else ""))
    return text, flag


def _tv_noise(p: np.ndarray, n: int) -> float:
    """Expected total-variation distance of an n-sample histogram from its true probabilities p."""
    p = np.asarray(p, dtype=np.float64)
    return float(0.5 * np.sum(np.sqrt(2 * p * (1 - p) / (math.pi * max(n, 1)))))


def _column_chart(name: str, col: pa.ChunkedArray, cs: ColumnSpec, prof: dict[str, Any]) -> Chart | None:
    decl = declared_distribution(cs)
    if decl is None:
        return None
    title = f"{name} ~ {decl.label}"
    if decl.kind == "categorical":
        return _categorical_chart(name, prof, decl, title)
    values = _as_float(_sample(col))
    if len(values) == 0:
        return None
    if decl.kind == "zipf":
        ranks_all = np.round(values).astype(np.int64) - decl.start + 1
        ranks_all = ranks_all[ranks_all >= 1]
        if len(ranks_all) == 0:
            return None
        counts = np.bincount(ranks_all)
        ranks, shares = _log_binned(counts[1:min(len(counts), decl.n + 1)], len(ranks_all))
        d_ranks = np.unique(np.geomspace(1, decl.n, 120).astype(np.int64))
        d_shares = _zipf_shares(decl.s, decl.n, d_ranks)
        xl = "rank = value" if decl.start == 1 else f"rank = value − {decl.start - 1}" if decl.start > 1 \
            else f"rank = value + {1 - decl.start}"
        all_ranks = np.arange(1, min(decl.n, len(counts) - 1) + 1)
        p = _zipf_shares(decl.s, decl.n, all_ranks)
        got = counts[1:len(all_ranks) + 1] / len(ranks_all)
        tvd = 0.5 * (np.abs(got - p).sum() + max(0.0, 1 - p.sum()) + max(0.0, 1 - got.sum()))
        cap, flag = _tv_caption(tvd, _tv_noise(p, len(ranks_all)), len(ranks_all))
        return Chart(title, svg_rank_frequency(ranks, shares, (d_ranks, d_shares), xl, title), cap, flag)
    if decl.kind == "discrete" or (decl.kind == "continuous" and _integral_small_range(values)):
        pmf = decl.pmf if decl.pmf is not None else None
        ints = np.round(values).astype(np.int64)
        lo, hi = int(ints.min()), int(ints.max())
        if pmf:
            lo, hi = min(lo, min(k for k, v in pmf.items() if v > 1e-4)), max(hi, max(k for k, v in pmf.items()
                                                                                       if v > 1e-4))
        if hi - lo <= 60:
            support = np.arange(lo, hi + 1)
            counts = np.bincount(ints - lo, minlength=len(support))[:len(support)]
            shares = counts / len(ints)
            p = np.array([pmf.get(int(k), 0.0) for k in support]) if pmf else \
                np.diff(decl.cdf(np.concatenate([support - 0.5, [hi + 0.5]])))
            tvd = 0.5 * np.abs(shares - p).sum() + 0.5 * max(0.0, 1 - p.sum())
            cap, flag = _tv_caption(tvd, _tv_noise(p, len(ints)), len(ints))
            return Chart(title, svg_discrete(support.tolist(), shares.tolist(), p.tolist(), name, title), cap, flag)
        if decl.cdf is None and pmf:  # a wide discrete pmf (poisson(200)): a histogram with the pmf as density
            pts = np.array(sorted(pmf.items()), dtype=np.float64)
            ks, ps = pts[:, 0], pts[:, 1]
            decl.cdf = lambda x: np.interp(np.floor(x), ks, np.cumsum(ps), left=0.0, right=1.0)
            decl.pdf = lambda x: np.interp(x, ks, ps, left=0.0, right=0.0)
    return _histogram_chart(name, values, decl, title)


def _log_binned(counts: np.ndarray, total: int, head: int = 30, bins: int = 40) -> tuple[np.ndarray, np.ndarray]:
    """Rank-frequency points from counts by rank (index 0 = rank 1): every rank up to ``head``, then the mean
    share per rank over log-spaced rank bins, so a sparse tail reads as a line instead of a floor of ones."""
    counts = np.asarray(counts, dtype=np.float64)
    k = len(counts)
    ranks = np.arange(1, min(head, k) + 1, dtype=np.float64)
    shares = counts[:len(ranks)] / max(total, 1)
    if k > head:
        edges = np.unique(np.geomspace(head + 1, k + 1, bins + 1).astype(np.int64))
        sums = np.add.reduceat(counts, edges[:-1] - 1)[:len(edges) - 1]
        widths = np.diff(edges)
        mid = np.sqrt(edges[:-1] * (edges[1:] - 1).clip(min=edges[:-1]))
        ranks = np.concatenate([ranks, mid])
        shares = np.concatenate([shares, sums / widths / max(total, 1)])
    keep = shares > 0
    return ranks[keep], shares[keep]


def _integral_small_range(values: np.ndarray) -> bool:
    return bool(len(values) and np.all(values == np.round(values)) and values.max() - values.min() <= 40)


def _histogram_chart(name: str, values: np.ndarray, decl: Declared, title: str) -> Chart:
    n = len(values)
    lo, hi = float(values.min()), float(values.max())
    bins = int(min(40, max(8, round(math.sqrt(n)))))
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    # A long right tail (most rows in the first bins of a linear axis) is binned on a log axis instead.
    log_x = lo > 0 and float(np.mean(values < lo + 2 * (hi - lo) / 30)) > 0.6
    integral = not log_x and bool(np.all(values == np.round(values)))
    if integral:  # whole numbers: bins of a whole width, edges between integers (no aliasing)
        width = max(1, math.ceil((hi - lo + 1) / bins))
        edges = np.arange(lo - 0.5, hi + 0.5 + width, width)
        bins = len(edges) - 1
    else:
        edges = np.geomspace(lo, hi, bins + 1) if log_x else np.linspace(lo, hi, bins + 1)
    counts, _ = np.histogram(values, bins=edges)
    shares = counts / n
    curve = None
    extra = ""
    if decl.cdf is not None:
        inner = decl.cdf(edges[1:-1])
        cdf = np.concatenate([[0.0], inner, [1.0]])  # mass below/above the range lands in the end bins
        p = np.clip(np.diff(cdf), 0, 1)
        tvd = 0.5 * float(np.abs(shares - p).sum())
        noise = _tv_noise(p, n)
    else:
        tvd, noise = 0.0, 0.0
    if integral and decl.cdf is not None:  # the declared share of each whole-number bin, bin by bin
        curve = ((edges[:-1] + edges[1:]) / 2, p)
    elif decl.pdf is not None:
        xs = np.geomspace(lo, hi, 160) if log_x else np.linspace(edges[0], edges[-1], 160)
        if log_x:
            width = math.log10(hi / lo) / bins
            ys = decl.pdf(xs) * xs * math.log(10) * width
        else:
            ys = decl.pdf(xs) * (edges[-1] - edges[0]) / bins
        curve = (xs, np.asarray(ys, dtype=np.float64))
    if n < 50:
        extra = "few rows: expect noise"
    cap, flag = _tv_caption(tvd, noise, n, extra)
    if n < 50:
        flag = False
    return Chart(title, svg_histogram(edges, shares, name, log_x=log_x, curve=curve, title=title), cap, flag)


def _categorical_chart(name: str, prof: dict[str, Any], decl: Declared, title: str) -> Chart | None:
    freqs = prof.get("frequencies")
    if not freqs or decl.weights is None or decl.keys is None:
        return None
    total = sum(c for _, c in freqs) or 1
    got: dict[str, float] = {}
    other = 0.0
    for value, count in freqs:
        label = decl.keys.get(_cat_key(value))
        if label is None:
            other += count / total
        else:
            got[label] = got.get(label, 0.0) + count / total
    labels = list(decl.weights)
    gen = [got.get(lb, 0.0) for lb in labels]
    dec = [decl.weights[lb] for lb in labels]
    if other:
        labels, gen, dec = [*labels, "(other)"], [*gen, other], [*dec, 0.0]
    p = np.asarray(dec)
    tvd = 0.5 * float(np.abs(np.asarray(gen) - p).sum())
    cap, flag = _tv_caption(tvd, _tv_noise(p, total), total, "values outside the declared set!" if other else "")
    return Chart(title, svg_grouped(labels, gen, dec, name, title), cap, flag or bool(other))


def _fk_zipf_chart(table: pa.Table, spec: TableSpec, column: str, parent_rows: int | None) -> Chart | None:
    fk = spec.fk_for_column(column)
    if fk is None or fk.skew is None or fk.skew.name != "zipf" or len(fk.columns) != 1:
        return None
    s = float(fk.skew.args[0]) if fk.skew.args else float(dict(fk.skew.kwargs).get("s", 1.1))
    counts = pc.value_counts(_plain(table.column(column)).drop_null()).field("counts").to_numpy(
        zero_copy_only=False)
    if len(counts) < 2:
        return None
    counts = np.sort(counts)[::-1]
    n_rows = int(counts.sum())
    n_parent = max(int(parent_rows or 0), len(counts))
    ranks, shares = _log_binned(np.concatenate([counts, np.zeros(n_parent - len(counts))]), n_rows)
    d_ranks = np.unique(np.geomspace(1, n_parent, 120).astype(np.int64))
    p_all = _zipf_shares(s, n_parent, np.arange(1, n_parent + 1))
    got = np.zeros(n_parent)
    got[:len(counts)] = counts / n_rows
    tvd = 0.5 * float(np.abs(got - p_all).sum())
    title = f"{column} → {fk.table}: rank-frequency, skew zipf({s:g})"
    cap, flag = _tv_caption(tvd, _tv_noise(p_all, n_rows), n_rows,
                            f"{len(counts):,} of {n_parent:,} parents used")
    svg = svg_rank_frequency(ranks, shares, (d_ranks, _zipf_shares(s, n_parent, d_ranks)),
                             f"{fk.table} by popularity rank", title)
    return Chart(title, svg, cap, flag)


def _count_pmf(spec: TableSpec) -> tuple[dict[int, float], str] | None:
    """The declared children-per-parent distribution ({count: p}, label), clipped to min/max."""
    d, rc = spec.rows.count, spec.rows
    tabulated = count_weights(rc) if d is not None else None
    if tabulated is None:
        return None
    start, weights = tabulated
    p = weights / weights.sum()
    pmf = {start + i: float(v) for i, v in enumerate(p) if v > 1e-9}
    return _clipped_pmf(pmf, rc.min, rc.max), str(d)


def _children_chart(table: pa.Table, spec: TableSpec, parent_rows: int | None) -> Chart | None:
    """Children per parent row against the declared count distribution (``rows: {per:, count:}``)."""
    fk = spec.grouping_fk
    declared = _count_pmf(spec)
    if fk is None or declared is None or parent_rows is None or len(fk.columns) != 1:
        return None
    pmf, label = declared
    per = f"{spec.name} per row of {spec.rows.per}"
    col = fk.columns[0]
    if col not in table.column_names:
        return None
    per_parent = pc.value_counts(_plain(table.column(col)).drop_null()).field("counts").to_numpy(
        zero_copy_only=False)
    zero = max(parent_rows - len(per_parent), 0)
    hist = np.bincount(per_parent.astype(np.int64))
    hist[0] += zero
    lo = min(min(pmf), int(np.flatnonzero(hist).min()))
    hi = max(max(k for k, v in pmf.items() if v > 1e-4), len(hist) - 1)
    if hi - lo > 80:
        return None
    support = np.arange(lo, hi + 1)
    got = np.array([hist[k] if k < len(hist) else 0 for k in support]) / max(parent_rows, 1)
    p = np.array([pmf.get(int(k), 0.0) for k in support])
    tvd = 0.5 * float(np.abs(got - p).sum())
    if len(pmf) == 1 and tvd == 0:  # a fixed count (one payment per order) that holds: nothing to see
        return None
    title = f"{per} ~ {label}"
    cap, flag = _tv_caption(tvd, _tv_noise(p, parent_rows), parent_rows,
                            f"{zero:,} {spec.rows.per} rows without any" if zero else "")
    return Chart(title, svg_discrete(support.tolist(), got.tolist(), p.tolist(), per, title), cap, flag)


_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _partition_chart(spec: TableSpec | None, parts: Mapping[str, int]) -> Chart:
    keys = sorted(parts)
    rows = [parts[k] for k in keys]
    expected = None
    ps = spec.partitioned if spec is not None else None
    if ps is not None and ps.rows_per_day and keys and all(_DAY.match(k) for k in keys):
        w = np.asarray(ps.weekday_weights or [1.0] * 7, dtype=np.float64)
        w = w / w.mean()
        expected = [ps.rows_per_day * w[dt.date.fromisoformat(k).weekday()] for k in keys]
    total = sum(rows)
    title = f"rows per partition ({len(keys):,} partitions)"
    cap = f"{total:,} rows · min {min(rows, default=0):,} · max {max(rows, default=0):,} per partition"
    if expected is not None:
        cap += f" · declared {ps.rows_per_day:g}/day"  # type: ignore[union-attr]
    return Chart(title, svg_partitions(keys, rows, expected, title), cap)


# =========================================================================================================
# Check results
# =========================================================================================================

RESULT_FIELDS = ("name", "kind", "passed", "blocking", "severity", "observed", "expected", "unexpected_count",
                 "examples", "description", "table", "status", "skipped", "error", "evaluated_rows", "sampled",
                 "engine")


def _result_dict(r: Any) -> dict[str, Any]:
    if isinstance(r, Mapping):
        d = {k: r.get(k) for k in RESULT_FIELDS}
    else:
        d = {k: getattr(r, k, None) for k in RESULT_FIELDS}
    d["status"] = _status(d)
    return d


def _status(d: Mapping[str, Any]) -> str:
    given = str(d.get("status") or "").lower()
    if given in ("pass", "passed", "success"):
        return "pass"
    if given in ("fail", "failed", "error"):
        return "fail"
    if given in ("warn", "warning", "warned"):
        return "warn"
    if given in ("skip", "skipped"):
        return "skip"
    passed = d.get("passed")
    if passed is None or d.get("skipped"):
        return "skip"
    if bool(passed):
        return "pass"
    blocking = d.get("blocking")
    severity = str(d.get("severity") or "").lower()
    if blocking is True or (blocking is None and severity not in ("warn", "warning", "info")):
        return "fail"
    return "warn"


def summarize_results(results: Iterable[Any] | None) -> dict[str, int]:
    """Counts of ``passed``, ``failed``, ``warned``, ``skipped``, ``total`` and ``blocking_failed`` (failed
    checks whose ``blocking`` is not false: what should fail a run)."""
    out = {"passed": 0, "failed": 0, "warned": 0, "skipped": 0, "total": 0, "blocking_failed": 0}
    names = {"pass": "passed", "fail": "failed", "warn": "warned", "skip": "skipped"}
    for r in results or ():
        d = r if isinstance(r, dict) and r.get("status") in names else _result_dict(r)
        out[names[d["status"]]] += 1
        out["total"] += 1
        if d["status"] == "fail" and d.get("blocking") is not False:
            out["blocking_failed"] += 1
    return out


# =========================================================================================================
# HTML
# =========================================================================================================

CSS = """
:root{--bg:#f5f6f8;--card:#fff;--ink:#1d2330;--muted:#667085;--line:#e3e6eb;--blue:#3b6fd8;--green:#1f9d55;
--red:#d64545;--amber:#c98a00;--orange:#e8772e}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 -apple-system,BlinkMacSystemFont,"Segoe UI",
Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1280px;margin:0 auto;padding:28px 28px 60px}
h1{font-size:28px;margin:2px 0 6px;letter-spacing:-.01em}
h2{font-size:20px;margin:0 0 4px}
h3{font-size:14px;margin:18px 0 8px;color:var(--muted);text-transform:uppercase;letter-spacing:.06em}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
a{color:var(--blue);text-decoration:none}a:hover{text-decoration:underline}
.eyebrow{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.08em}
.desc{color:#384152;max-width:900px;margin:0 0 14px}
.attention{border-color:#f3c2c2;border-left:4px solid var(--red)}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:18px 20px;margin:18px 0;
box-shadow:0 1px 2px rgba(16,24,40,.04)}
.badges{display:flex;gap:8px;flex-wrap:wrap;margin:10px 0 4px}
.badge{display:inline-block;border-radius:999px;padding:3px 11px;font-weight:600;font-size:13px;color:#fff}
.b-pass{background:var(--green)}.b-fail{background:var(--red)}.b-warn{background:var(--amber)}
.b-skip,.b-none{background:#8a94a6}.b-info{background:#eef2fb;color:#2c4a8a}
.badge.zero{background:#eef0f3;color:#667085;font-weight:500}
details.passed{margin-top:8px}details.passed summary{cursor:pointer;color:var(--muted);font-size:13px;
padding:4px 0;list-style-position:inside}details.passed[open] summary{margin-bottom:6px}
h2.mono{font-size:19px}
.pill{display:inline-block;border-radius:6px;padding:1px 7px;font-size:12px;font-weight:600}
.p-pass{background:#e4f5eb;color:#17733f}.p-fail{background:#fde8e8;color:#b42318}
.p-warn{background:#fff4d6;color:#8a5a00}.p-skip{background:#eef0f3;color:#4b5563}
.tag{display:inline-block;border:1px solid var(--line);border-radius:4px;padding:0 5px;font-size:11px;
color:var(--muted);margin-left:4px;vertical-align:1px}
.prov{display:grid;grid-template-columns:repeat(auto-fill,minmax(230px,1fr));gap:6px 24px;margin:14px 0 0}
.prov div{min-width:0}.prov dt{color:var(--muted);font-size:11px;text-transform:uppercase;letter-spacing:.06em}
.prov dd{margin:0;font-weight:500;overflow-wrap:anywhere}
table.grid{border-collapse:collapse;width:100%;font-size:13px}
table.grid th{text-align:left;font-weight:600;color:var(--muted);font-size:11px;text-transform:uppercase;
letter-spacing:.05em;border-bottom:1px solid var(--line);padding:6px 8px;white-space:nowrap}
table.grid td{border-bottom:1px solid #f0f1f4;padding:6px 8px;vertical-align:top}
table.grid tr:last-child td{border-bottom:none}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.sub{display:block;color:var(--muted);font-size:11.5px;margin-top:1px}
.src{display:block;color:var(--muted);font-size:11.5px;font-family:ui-monospace,Menlo,Consolas,monospace;
max-width:300px;overflow-wrap:anywhere}
.bad{color:var(--red);font-weight:600}.off{color:var(--amber);font-weight:600}.ok{color:var(--green)}
.top{display:grid;grid-template-columns:minmax(0,1fr) 46px;gap:0 6px;min-width:230px;max-width:330px}
.top .v{white-space:nowrap;overflow:hidden;text-overflow:ellipsis;position:relative;padding-left:2px}
.top .v i{position:absolute;left:0;top:3px;bottom:3px;background:#e3ebfb;z-index:0;border-radius:2px}
.top .v span{position:relative}
.top .s{text-align:right;color:var(--muted);font-variant-numeric:tabular-nums;font-size:12px}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(376px,1fr));gap:14px}
figure{margin:0;border:1px solid var(--line);border-radius:8px;padding:10px 8px 8px;background:#fcfcfd}
figure.flag{border-color:#f1c27d;background:#fffaf2}
figcaption{font-size:12px;color:var(--muted);margin-top:2px;padding:0 4px}
figcaption b{display:block;color:var(--ink);font-weight:600;font-size:12.5px;margin-bottom:1px;
overflow-wrap:anywhere}
svg.chart{display:block;max-width:100%;height:auto}
svg .ax{stroke:#8b95a5;stroke-width:1}svg .grid{stroke:#edf0f3;stroke-width:1}
svg text{font-family:-apple-system,"Segoe UI",Roboto,Arial,sans-serif;fill:#4b5563}
svg .tk{font-size:9.5px}svg .lbl{font-size:10.5px;fill:#344054}
.tablehead{display:flex;justify-content:space-between;align-items:flex-start;gap:16px;flex-wrap:wrap}
.meta{color:var(--muted);font-size:12.5px;margin:2px 0 0}
.note{color:var(--muted);font-style:italic}
.ex{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:11.5px;color:#475467;max-width:320px;
overflow-wrap:anywhere}
.cell{max-width:260px;overflow-wrap:anywhere}
.scroll{overflow-x:auto}
footer{color:var(--muted);font-size:12px;margin-top:30px;text-align:center}
"""


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


def _fmt_value(v: Any, limit: int = 60) -> str:
    text = _exact(v)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _cell(v: Any, limit: int = 80) -> str:
    """An escaped value, truncated, with the full text in a tooltip when truncated."""
    if v is None or v == "":
        return '<span class="note">—</span>'
    full = _fmt_value(v, 10_000)
    short = _fmt_value(v, limit)
    if short != full:
        return f'<span title="{_esc(full[:2000])}">{_esc(short)}</span>'
    return _esc(short)


def _badge(count: int, label: str, cls: str) -> str:
    return f'<span class="badge {cls}{" zero" if count == 0 else ""}">{count:,} {label}</span>'


def _pill(status: str) -> str:
    text = {"pass": "pass", "fail": "fail", "warn": "warn", "skip": "skipped"}[status]
    return f'<span class="pill p-{status}">{text}</span>'


def _check_badges(counts: Mapping[str, int] | None, nonzero: bool = False) -> str:
    if counts is None or counts["total"] == 0:
        return '<span class="badge b-none">checks not run</span>'
    out = [_badge(counts[k], k, cls) for k, cls in (("passed", "b-pass"), ("failed", "b-fail"),
                                                     ("warned", "b-warn")) if counts[k] or not nonzero]
    if counts["skipped"]:
        out.append(_badge(counts["skipped"], "skipped", "b-skip"))
    return "".join(out)


def _hash_cell(value: Any) -> str:
    if not value:
        return '<span class="note">—</span>'
    text = str(value)
    return f'<span title="{_esc(text)}">{_esc(text[:16])}{"…" if len(text) > 16 else ""}</span>'


def _anchor(table: str) -> str:
    return "t-" + re.sub(r"[^A-Za-z0-9_-]", "-", table)


def _split(data: TableData) -> tuple[pa.Table, dict[str, int] | None]:
    """A table and, for partitioned data, rows per partition key."""
    if isinstance(data, pa.Table):
        return data, None
    parts = {str(k): v for k, v in data.items()}
    tables = [t for t in parts.values() if isinstance(t, pa.Table)]
    if not tables:
        return pa.table({}), {k: 0 for k in parts}
    table = pa.concat_tables(tables, promote_options="permissive") if len(tables) > 1 else tables[0]
    return table, {k: v.num_rows for k, v in parts.items()}


def _rows_of(data: Any) -> int:
    if isinstance(data, pa.Table):
        return data.num_rows
    if isinstance(data, int):
        return data
    if isinstance(data, Mapping):
        return sum(_rows_of(v) for v in data.values())
    return int(getattr(data, "num_rows", 0))


def _group_results(results: Sequence[dict[str, Any]], spec: DatasetSpec) -> dict[str | None, list[dict[str, Any]]]:
    """Results by table name; results naming no known table go under ``None`` (dataset-wide / cross-table)."""
    out: dict[str | None, list[dict[str, Any]]] = {}
    for r in results:
        table = r.get("table")
        key = table if isinstance(table, str) and table in spec.tables else None
        out.setdefault(key, []).append(r)
    order = {"fail": 0, "warn": 1, "skip": 2, "pass": 3}
    for rows in out.values():
        rows.sort(key=lambda r: order[r["status"]])
    return out


def _checks_table(rows: list[dict[str, Any]], show_table: bool = False) -> str:
    head = ("<tr>" + ("<th>table</th>" if show_table else "") + "<th>check</th><th>kind</th><th>status</th>"
            "<th>observed</th><th>expected</th><th class=num>unexpected</th><th>examples</th></tr>")
    body = []
    for r in rows:
        name = _esc(r.get("name") or "(unnamed)")
        desc = r.get("description")
        tags = ""
        if r["status"] == "fail" and r.get("blocking"):
            tags += '<span class="tag">blocking</span>'
        elif r.get("severity") and r["status"] != "pass":
            tags += f'<span class="tag">{_esc(r["severity"])}</span>'
        examples = r.get("examples")
        if examples is None or examples == []:
            ex = '<span class="note">—</span>'
        else:
            items = list(examples) if isinstance(examples, (list, tuple)) else [examples]
            ex = "<br>".join(_esc(_fmt_value(e, 70)) for e in items[:5])
            if len(items) > 5:
                ex += f'<br><span class="note">… {len(items) - 5} more</span>'
        if r.get("sampled"):
            rows_seen = r.get("evaluated_rows")
            tags += ('<span class="tag" title="evaluated on a deterministic sample'
                     + (f' of {rows_seen:,} rows' if isinstance(rows_seen, int) else "") + '">sampled</span>')
        observed = _cell(r.get("observed"))
        if r.get("error"):
            observed = f'<span class="bad">{_esc(_fmt_value(r["error"], 200))}</span>'
        unexpected = r.get("unexpected_count")
        table = r.get("table")
        table_cell = "" if not show_table else (
            f'<td><a class=mono href="#{_anchor(table)}">{_esc(table)}</a></td>' if table else "<td>—</td>")
        body.append(
            f"<tr>{table_cell}<td><span class=mono>{name}</span>{tags}"
            + (f'<span class="sub">{_esc(desc)}</span>' if desc else "") + "</td>"
            f"<td>{_esc(r.get('kind') or '—')}</td><td>{_pill(r['status'])}</td>"
            f"<td class=cell>{observed}</td><td class=cell>{_cell(r.get('expected'), 160)}</td>"
            f"<td class=num>{fmt_num(unexpected) if unexpected is not None else '—'}</td>"
            f"<td class=ex>{ex}</td></tr>")
    return f'<div class="scroll"><table class="grid checks">{head}{"".join(body)}</table></div>'


# The Arrow type names (as str(pa.DataType) begins) that hold each logical type when a table is read back.
_ARROW_TYPE_NAMES: Mapping[str, tuple[str, ...]] = {  # LogicalType keys: a written name finds its type
    LogicalType.INT: ("int", "uint"), LogicalType.FLOAT: ("double", "float", "halffloat"),
    LogicalType.BOOL: ("bool",), LogicalType.STRING: ("string", "large_string", "string_view"),
    LogicalType.DATE: ("date32", "date64"), LogicalType.TIMESTAMP: ("timestamp",),
    LogicalType.UUID: ("string", "large_string", "fixed_size_binary", "extension"),
    LogicalType.JSON: ("string", "large_string", "extension"),
}


def _type_matches(declared: str, actual: str) -> bool:
    """Whether the Arrow type read back is what the schema's logical type is written as."""
    if declared in (LogicalType.AUTO, actual):
        return True
    wanted = _ARROW_TYPE_NAMES.get(declared)
    if wanted is not None:
        return actual.startswith(wanted)
    m = re.match(r"decimal\((\d+),\s*(\d+)\)", declared)
    return bool(m) and re.sub(r"\s", "", actual) in (f"decimal128({m[1]},{m[2]})", f"decimal256({m[1]},{m[2]})")


def _checks_block(rows: list[dict[str, Any]], show_table: bool = False) -> str:
    """Failures, warnings and skipped checks in a table; the passed ones folded away under a summary line."""
    attention = [r for r in rows if r["status"] != "pass"]
    passed = [r for r in rows if r["status"] == "pass"]
    out = _checks_table(attention, show_table) if attention else ""
    if passed:
        label = f"{len(passed)} passed check{'s' if len(passed) > 1 else ''}"
        out += (f'<details class="passed"><summary><span class="pill p-pass">pass</span> {label} — show'
                f"</summary>{_checks_table(passed, show_table)}</details>")
    return out


def _profile_rows(prof: dict[str, Any]) -> str:
    n = prof["rows"]
    out = []
    for c in prof["columns"]:
        tags = ""
        if c["primary_key"]:
            tags += '<span class="tag">PK</span>'
        if c["unique_declared"]:
            tags += '<span class="tag">unique</span>'
        name = f'<b class=mono>{_esc(c["name"])}</b>{tags}<span class="src">{_esc(c["source"])}</span>'
        typ = _esc(c["type"])
        if c["declared_type"] and not _type_matches(c["declared_type"], c["type"]):
            typ += f'<span class="sub off">declared {_esc(c["declared_type"])}</span>'
        # nulls vs declared
        p = c["declared_null_rate"]
        cls = "" if c["null_ok"] else ' class="off"'
        nulls = f'<span{cls}>{_pct(c["null_share"])}</span>' if c["nulls"] else \
            f'<span{cls or " class=note"}>0</span>'
        if c["nulls"]:
            nulls += f'<span class="sub">{c["nulls"]:,} rows</span>'
        if p:
            nulls += f'<span class="sub">declared {_pct(p)}</span>'
        # distinct
        d = c["distinct"]
        if d is None:
            distinct = '<span class="note">—</span>'
        else:
            distinct = f"{d:,}"
            if c["unique_ok"] is False:
                distinct = f'<span class="bad" title="declared unique">{distinct}</span>' \
                           f'<span class="sub bad">{n - c["nulls"] - d:,} duplicates</span>'
            elif d == n - c["nulls"] and n > 1:
                distinct += '<span class="sub">all distinct</span>'
        # min / max
        if c["min"] is not None:
            lo, hi = _fmt_value(c["min"], 30), _fmt_value(c["max"], 30)
            sep = " … " if c["length_min"] is not None else " – "
            if len(lo) + len(hi) <= 30:
                rng = f"{_cell(c['min'], 30)}{sep}{_cell(c['max'], 30)}"
            else:
                rng = f'{_cell(c["min"], 30)}<span class="sub">{sep.strip()}</span>{_cell(c["max"], 30)}'
            if c["length_min"] is not None:
                rng += f'<span class="sub">length {c["length_min"]}–{c["length_max"]}</span>'
        else:
            rng = '<span class="note">—</span>'
        stats = ""
        is_key = c["primary_key"] or c["kind"] == "ref" or str(c["source"]).startswith(("sequence", "child_index"))
        if c["mean"] is not None and not is_key:  # the mean of a key says nothing
            stats = f'{fmt_num(c["mean"], 4)}' + (f'<span class="sub">± {fmt_num(c["std"], 3)}</span>'
                                                   if c["std"] is not None else "")
        else:
            stats = '<span class="note">—</span>'
        # top values
        if d is not None and d == n - c["nulls"] and n > TOP_K:
            top = '<span class="note">all values distinct</span>'
        elif c["top"] and d and d > 100 and c["top"][0]["share"] < 0.002:  # top 5 would be noise
            first = c["top"][0]
            top = (f'<span class="note">high cardinality: the most frequent value, '
                   f'<span class=mono>{_esc(_fmt_value(first["value"], 40))}</span>, holds {_pct(first["share"])} '
                   f'({first["count"]:,} rows)</span>')
        elif c["top"]:
            items = []
            for t in c["top"]:
                w = max(1.0, t["share"] * 100)
                items.append(f'<div class="v" title="{_esc(_fmt_value(t["value"], 500))} — {t["count"]:,} rows">'
                             f'<i style="width:{w:.1f}%"></i><span>{_esc(_fmt_value(t["value"], 36))}</span></div>'
                             f'<div class="s">{_pct(t["share"])}</div>')
            more = f'<span class="sub">of {d:,} distinct</span>' if d and d > TOP_K else ""
            top = f'<div class="top">{"".join(items)}</div>{more}'
        else:
            top = '<span class="note">—</span>'
        out.append(f"<tr><td>{name}</td><td class=mono>{typ}</td><td class=num>{nulls}</td>"
                   f"<td class=num>{distinct}</td><td class=cell>{rng}</td><td class=num>{stats}</td>"
                   f"<td>{top}</td></tr>")
    return "".join(out)


def _figure(chart: Chart) -> str:
    cls = ' class="flag"' if chart.flag else ""
    warn = ' <span class="off" title="further from the declared distribution than sampling noise explains">' \
           '⚠ off</span>' if chart.flag else ""
    return (f"<figure{cls}>{chart.svg}<figcaption><b>{_esc(chart.title)}{warn}</b>{_esc(chart.caption)}"
            "</figcaption></figure>")


def _table_charts(name: str, table: pa.Table, spec: TableSpec | None, prof: dict[str, Any],
                  partitions: dict[str, int] | None, parent_rows: Mapping[str, int]) -> list[Chart]:
    charts: list[Chart] = []

    def add(build: Any, *args: Any) -> bool:
        """A chart is an extra: data it cannot draw (odd types, degenerate values) leaves it out, never the
        report."""
        try:
            chart = build(*args)
        except Exception:
            chart = None
        if chart is not None:
            charts.append(chart)
        return chart is not None

    if partitions:
        add(_partition_chart, spec, partitions)
    if spec is None or table.num_rows == 0:
        return charts
    by_time = partitions and spec.partitioned is not None and spec.partitioned.rows_per_day
    if not by_time and spec.rows.per is not None:  # partitioned growth replaces the per-parent count
        add(_children_chart, table, spec, parent_rows.get(spec.rows.per))
    profiles = {c["name"]: c for c in prof["columns"]}
    for col in table.column_names:
        cs = spec.columns.get(col)
        if cs is None:
            continue
        fk = spec.fk_for_column(col)
        if not add(_fk_zipf_chart, table, spec, col, parent_rows.get(fk.table) if fk else None):
            add(_column_chart, col, table.column(col), cs, profiles[col])
    return charts


def _provenance(spec: DatasetSpec, provenance: Mapping[str, Any] | None) -> tuple[list[tuple[str, str]], dict]:
    prov = dict(provenance or {})
    hashes = dict(prov.pop("content_hashes", None) or {})
    items: list[tuple[str, str]] = [
        ("dataset", spec.name),
        ("schema file", str(prov.pop("schema_file", spec.file) or "—")),
        ("seed", str(prov.pop("seed", spec.seed))),
        ("locale", str(prov.pop("locale", spec.locale))),
        ("spec hash", str(prov.pop("spec_hash", None) or spec.spec_hash())),
        ("generator version", str(prov.pop("generator_version", GENERATOR_VERSION))),
        ("generated at", str(prov.pop("generated_at", None) or "—")),
    ]
    for k, v in prov.items():
        if v is not None and not isinstance(v, Mapping):
            items.append((str(k).replace("_", " "), _fmt_value(v, 120)))
    return items, hashes


def render_report(spec: DatasetSpec, tables: Mapping[str, TableData], results: Iterable[Any] | None = (),
                  provenance: Mapping[str, Any] | None = None) -> str:
    """The HTML report of a dataset.

    ``tables`` maps a table name to its ``pyarrow.Table``, or to ``{partition key: pyarrow.Table}`` for a
    partitioned table. ``results`` are check results (objects or dicts with ``name, kind, passed,
    blocking, severity, observed, expected, unexpected_count, examples, description, table``; missing fields
    are fine); none given means the report says checks were not run. ``provenance`` may hold ``seed``,
    ``spec_hash``, ``generator_version``, ``generated_at``, ``content_hashes`` ({table: hash}) and any other
    scalar to show in the header.
    """
    res = [_result_dict(r) for r in (results or ())]
    counts = summarize_results(res) if res else None
    grouped = _group_results(res, spec)
    prov_items, hashes = _provenance(spec, provenance)
    names = [t for t in spec.table_order() if t in tables] + [t for t in tables if t not in spec.tables]
    missing = [t for t in spec.table_order() if t not in tables]
    split = {name: _split(tables[name]) for name in names}
    parent_rows = {name: t.num_rows for name, (t, _) in split.items()}
    total_rows = sum(parent_rows.values())

    h: list[str] = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        '<meta name=viewport content="width=device-width,initial-scale=1">',
        f"<title>{_esc(spec.name)} — data quality report</title><style>{CSS}</style></head><body><main>",
        '<header class="card"><div class="eyebrow">mock-pipelines · data quality report</div>',
        f"<h1>{_esc(spec.name)}</h1>",
    ]
    if spec.description:
        h.append(f'<p class="desc">{_esc(spec.description)}</p>')
    h.append(f'<div class="badges">{_check_badges(counts)}'
             f'<span class="badge b-info">{len(names)} table{"s" if len(names) != 1 else ""}</span>'
             f'<span class="badge b-info">{total_rows:,} rows</span></div>')
    if counts is None:
        h.append('<p class="meta">Checks were not run: this report profiles the data only.</p>')
    elif counts["failed"]:
        blocking = counts["blocking_failed"]
        h.append(f'<p class="meta bad">{counts["failed"]} check{"s" if counts["failed"] > 1 else ""} failed'
                 + (f", {blocking} of them blocking" if blocking else ", none of them blocking") + ".</p>")
    h.append('<dl class="prov">' + "".join(f"<div><dt>{_esc(k)}</dt><dd class=mono>{_esc(v)}</dd></div>"
                                            for k, v in prov_items) + "</dl></header>")

    problems = [r for r in res if r["status"] in ("fail", "warn")]
    if problems:
        problems.sort(key=lambda r: r["status"] != "fail")
        h.append('<section class="card attention" id="attention"><h2>Needs attention</h2>'
                 f'<p class="meta">{len(problems)} check{"s" if len(problems) > 1 else ""} did not pass; '
                 "each is also listed with its table below.</p>" + _checks_table(problems, show_table=True)
                 + "</section>")
    # overview
    h.append('<section class="card"><h2>Tables</h2><div class="scroll"><table class="grid">'
             "<tr><th>table</th><th class=num>rows</th><th class=num>columns</th><th class=num>partitions</th>"
             "<th>checks</th><th>content hash</th><th>description</th></tr>")
    for name in names:
        table, parts = split[name]
        tspec = spec.tables.get(name)
        c = summarize_results(grouped.get(name, [])) if res else None
        chk = '<span class="note">not run</span>' if c is None else (
            '<span class="note">none</span>' if c["total"] == 0 else
            " ".join(f'<span class="pill p-{s}">{c[k]} {k}</span>' for s, k in
                     (("pass", "passed"), ("fail", "failed"), ("warn", "warned")) if c[k]))
        h.append(f'<tr><td><a href="#{_anchor(name)}" class=mono>{_esc(name)}</a></td>'
                 f"<td class=num>{table.num_rows:,}</td><td class=num>{table.num_columns}</td>"
                 f"<td class=num>{len(parts) if parts is not None else '—'}</td><td>{chk}</td>"
                 f"<td class=mono>{_hash_cell(hashes.get(name))}</td>"
                 f'<td class=cell>{_esc(tspec.description if tspec else "")}</td></tr>')
    for name in missing:
        h.append(f'<tr><td class=mono>{_esc(name)}</td><td class=num colspan=2><span class="off">no data</span>'
                 "</td><td></td><td></td><td></td><td></td></tr>")
    h.append("</table></div></section>")

    for name in names:
        table, parts = split[name]
        tspec = spec.tables.get(name)
        prof = profile_table(table, tspec)
        charts = _table_charts(name, table, tspec, prof, parts, parent_rows)
        h.append(f'<section class="card" id="{_anchor(name)}"><div class="tablehead"><div>'
                 f"<h2 class=mono>{_esc(name)}</h2>")
        if tspec is not None and tspec.description:
            h.append(f'<p class="desc" style="margin:0">{_esc(tspec.description)}</p>')
        meta = []
        if tspec is not None:
            if tspec.primary_key:
                meta.append("primary key " + ", ".join(tspec.primary_key))
            for fk in tspec.foreign_keys:
                meta.append(f"{', '.join(fk.columns)} → <a href=\"#{_anchor(fk.table)}\">{_esc(fk.table)}</a>"
                            + (f" (skew {_esc(fk.skew)})" if fk.skew is not None else ""))
            if tspec.rows.per:
                meta.append(f"rows: {tspec.rows.count} per {_esc(tspec.rows.per)}"
                            + (f", at most {tspec.rows.max}" if tspec.rows.max is not None else ""))
        if parts is not None:
            meta.append(f"{len(parts):,} partitions")
        if meta:
            h.append('<p class="meta">' + " · ".join(m if "<a " in m else _esc(m) for m in meta) + "</p>")
        c = summarize_results(grouped.get(name, [])) if res else None
        h.append(f'</div><div class="badges"><span class="badge b-info">{table.num_rows:,} rows</span>'
                 f"{_check_badges(c, nonzero=True) if c is not None and c['total'] else ''}</div></div>")
        if prof["missing_columns"]:
            h.append(f'<p class="bad">Columns declared but missing from the data: '
                     f'{_esc(", ".join(prof["missing_columns"]))}</p>')
        if charts:
            h.append('<h3>Distributions</h3><div class="charts">' + "".join(_figure(ch) for ch in charts)
                     + "</div>")
        h.append('<h3>Columns</h3><div class="scroll"><table class="grid profile"><tr><th>column</th>'
                 "<th>type</th><th class=num>nulls</th><th class=num>distinct</th><th>min / max</th>"
                 "<th class=num>mean ± sd</th><th>top values</th></tr>" + _profile_rows(prof)
                 + "</table></div>")
        h.append("<h3>Checks</h3>")
        rows = grouped.get(name, [])
        if not res:
            h.append('<p class="note">Checks were not run.</p>')
        elif not rows:
            h.append('<p class="note">No checks on this table.</p>')
        else:
            h.append(_checks_block(rows))
        h.append("</section>")

    if grouped.get(None):
        h.append('<section class="card" id="cross-table"><h2>Dataset-wide and cross-table checks</h2>'
                 + _checks_block(grouped[None], show_table=True) + "</section>")
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    h.append(f"<footer>Report written {stamp} by mock-pipelines {_esc(__version__)} (generator version "
             f"{_esc(GENERATOR_VERSION)}). Self-contained: no scripts, no external resources. Histograms use at "
             f"most {SAMPLE_ROWS:,} sampled rows per column; <i>distance</i> is the total-variation distance "
             "between generated and declared shares, <i>noise</i> what sampling alone would give.</footer>")
    h.append("</main></body></html>")
    return "\n".join(h)


def markdown_summary(spec: DatasetSpec, tables: Mapping[str, Any], results: Iterable[Any] | None = (),
                     provenance: Mapping[str, Any] | None = None, max_failures: int = 10) -> str:
    """A short Markdown summary (Dagster metadata): rows per table and the check outcome.

    ``tables`` values may be Arrow tables, ``{partition: table}`` mappings or plain row counts.
    """
    res = [_result_dict(r) for r in (results or ())]
    grouped = _group_results(res, spec)
    counts = summarize_results(res) if res else None
    names = [t for t in spec.table_order() if t in tables] + [t for t in tables if t not in spec.tables]
    rows = {n: _rows_of(tables[n]) for n in names}
    check = "checks not run" if counts is None else (
        f"checks: {counts['passed']} passed, {counts['failed']} failed, {counts['warned']} warned")
    seed = (provenance or {}).get("seed", spec.seed)
    plural = "s" if len(names) != 1 else ""
    lines = [f"**{spec.name}** — {len(names)} table{plural}, {sum(rows.values()):,} rows, seed {seed} — {check}", ""]
    lines += ["| table | rows | passed | failed | warned |", "|---|---:|---:|---:|---:|"]
    for name in names:
        c = summarize_results(grouped.get(name, [])) if counts is not None else None
        cells = [str(c["passed"]), str(c["failed"]), str(c["warned"])] if c is not None else ["—", "—", "—"]
        lines.append(f"| {name} | {rows[name]:,} | " + " | ".join(cells) + " |")
    if grouped.get(None) and counts is not None:
        c = summarize_results(grouped[None])
        lines.append(f"| *(cross-table)* | | {c['passed']} | {c['failed']} | {c['warned']} |")
    problems = [r for r in res if r["status"] in ("fail", "warn")]
    if problems:
        lines += ["", "Failed checks:" if any(r["status"] == "fail" for r in problems) else "Warnings:"]
        for r in problems[:max_failures]:
            detail = ""
            if r.get("observed") is not None or r.get("expected") is not None:
                detail = f": observed {_fmt_value(r.get('observed'), 40)}, expected {_fmt_value(r.get('expected'), 40)}"
            where = f" ({r['table']})" if r.get("table") else ""
            lines.append(f"- {'❌' if r['status'] == 'fail' else '⚠️'} `{r.get('name')}`{where}{detail}")
        if len(problems) > max_failures:
            lines.append(f"- … {len(problems) - max_failures} more")
    return "\n".join(lines) + "\n"


def load_tables(base: str | os.PathLike[str], spec: DatasetSpec, partition_column: str = "date",
                tables: Sequence[str] | None = None, *,
                destination: TableStore | None = None) -> tuple[dict[str, TableData], dict[str, Any]]:
    """Read the tables of ``spec`` that the project wrote under ``base/<dataset>/<table>/``, and provenance.

    A table folder holding ``part-*`` files (``generate --out``, or an unpartitioned destination) is read as
    one table; one holding ``<partition_column>=<key>/`` folders becomes ``{key: table}``. Folders that do
    not exist are left out. CSV and JSON Lines columns are typed with the schema's Arrow types. The
    provenance has the seed, scale, locale, format and generator version recorded in the ``_manifest.json``
    files (when there are any), the content hash of each table, the time the newest file was written, and
    the tables whose recorded spec hash differs from the schema's (generated from another version of it).

    ``destination``: the store to read through instead of the local folder ``base`` — an S3 bucket and
    prefix with its credentials (``base`` is then only shown), or a database.
    """
    from mock_pipelines.store.content import content_hash
    from mock_pipelines.store.files.store import FileStore
    from mock_pipelines.store.sql.store import SqlStore

    dest = destination if destination is not None else FileStore(os.fspath(base),
                                                                 partition_column=partition_column)
    if isinstance(dest, SqlStore):
        return _load_sql_tables(dest, spec, tables)
    if not isinstance(dest, FileStore):
        raise TypeError(f"cannot read the tables of a {type(dest).__name__}: expected a FileStore or a SqlStore")
    dest.check_reachable()  # S3: an endpoint that does not answer fails in one line, after bounded retries
    schemas = _arrow_schemas(spec)
    out: dict[str, TableData] = {}
    manifests: dict[str, dict[str, Any]] = {}
    newest = 0.0
    for name in spec.table_order():
        if tables is not None and name not in tables:
            continue
        folder = dest.table_path(spec.name, name)
        if not dest.fs.isdir(folder):
            continue
        schema = schemas.get(name)
        if dest.data_files(folder):
            out[name] = dest.read(spec.name, name, schema=schema)
        else:
            keys = dest.list_partitions(spec.name, name)
            if not keys:
                continue
            out[name] = {k: dest.read(spec.name, name, [k], schema=schema) for k in keys}
        manifest = _read_manifest(dest.fs, folder)
        if manifest is not None:
            manifests[name] = manifest
        newest = max([newest, *_data_file_times(dest.fs, folder)])
    prov: dict[str, Any] = {}
    identities = [m.get("identity", {}) for m in manifests.values()]
    for key in ("seed", "scale", "locale", "format", "generator_version"):
        values = list(dict.fromkeys(i[key] for i in identities if key in i))
        if values:
            prov[key] = values[0] if len(values) == 1 else "mixed: " + ", ".join(map(str, values))
    stale = [t for t, m in manifests.items() if m.get("identity", {}).get("spec_hash") not in (None,
                                                                                           spec.spec_hash(t))]
    if stale:
        prov["generated from another spec"] = ", ".join(stale)
    if newest:
        prov["generated_at"] = dt.datetime.fromtimestamp(newest, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    prov["data"] = str(Path(os.fspath(base)) / spec.name) if destination is None else \
        dest.uri(f"{dest.root}/{spec.name}")
    hashes = {}
    for name, data in out.items():
        table, _ = _split(data)
        hashes[name] = content_hash(table)
    prov["content_hashes"] = hashes
    return out, prov


def _load_sql_tables(dest: SqlStore, spec: DatasetSpec,
                     tables: Sequence[str] | None) -> tuple[dict[str, TableData], dict[str, Any]]:
    """:func:`load_tables` from a database: tables that exist, partitioned ones as ``{key: table}``."""
    from mock_pipelines.store.content import content_hash

    out: dict[str, TableData] = {}
    for name in spec.table_order():
        if (tables is not None and name not in tables) or not dest.exists(spec.name, name):
            continue
        if dest.is_partitioned(spec.name, name):
            keys = dest.list_partitions(spec.name, name)
            if keys:
                out[name] = {k: dest.read(spec.name, name, [k]) for k in keys}
        else:
            out[name] = dest.read(spec.name, name)
    prov: dict[str, Any] = {"data": dest.database(spec.name).where()}
    prov["content_hashes"] = {name: content_hash(_split(data)[0]) for name, data in out.items()}
    return out, prov


def _read_manifest(fs: Any, folder: str) -> dict[str, Any] | None:
    from mock_pipelines.store.files.manifest import MANIFEST

    path = f"{folder.rstrip('/')}/{MANIFEST}"
    try:
        if not fs.isfile(path):
            return None
        return json.loads(fs.cat_file(path))
    except (OSError, ValueError):
        return None


def _data_file_times(fs: Any, folder: str) -> list[float]:
    """Modification times (epoch seconds) of the data files under ``folder``: local files report
    ``mtime``, object stores ``LastModified``."""
    times = []
    for path, info in fs.find(folder, detail=True).items():
        if not path.rsplit("/", 1)[-1].startswith("part-"):
            continue
        stamp = info.get("mtime") or info.get("LastModified") or info.get("last_modified")
        if isinstance(stamp, dt.datetime):
            stamp = stamp.timestamp()
        if isinstance(stamp, int | float):
            times.append(float(stamp))
    return times


def _partition_window(keys: Iterable[str]) -> tuple[dt.datetime, dt.datetime] | None:
    """The time window daily partition keys cover (``None`` for other keys)."""
    keys = sorted(keys)
    if not keys or not all(_DAY.match(k) for k in keys):
        return None
    first, last = dt.date.fromisoformat(keys[0]), dt.date.fromisoformat(keys[-1])
    return (dt.datetime(first.year, first.month, first.day),
            dt.datetime(last.year, last.month, last.day) + dt.timedelta(days=1))


def run_checks(spec: DatasetSpec, tables: Mapping[str, TableData], *, seed: int | None = None,
               scale: float | None = None, locale: str | None = None,
               severity: Mapping[str, str] | None = None, data_docs: str | os.PathLike[str] | None = None,
               run_name: str | None = None) -> list[Any] | None:
    """Run the schema-derived quality checks (:mod:`mock_pipelines.quality.rules`, evaluated by
    :mod:`~mock_pipelines.quality.gx_runner`; foreign keys, children per parent and parent-relative times
    by :mod:`~mock_pipelines.quality.cross_table`) on the tables as loaded by :func:`load_tables`. Returns the ``RuleResult`` list, or ``None`` when the
    quality modules are not available (the report then says checks were not run).

    Row counts are expected for ``seed``/``scale``/``locale`` (the manifests' values; default the schema's
    and 1.0). Partitioned data is checked as a whole: the row count of a table that grows by time is not
    checked, the children of a ``per:`` parent are counted against the parent rows present, and the time
    column must lie in the window the (daily) partition keys cover.

    ``data_docs``: a folder where the Great Expectations results are also published as GX Data Docs (one
    page per table — ``<table>-all`` for partitioned data — replacing the earlier one; see
    :mod:`~mock_pipelines.quality.data_docs`), under ``run_name``.
    """
    try:
        from mock_pipelines.core.engine import DatasetPlan, PlanOptions
        from mock_pipelines.quality import gx_runner
        from mock_pipelines.quality import rules as qrules
    except ImportError:
        return None
    if not (hasattr(qrules, "derive_rules") and hasattr(gx_runner, "validate_table")):
        return None
    try:
        from mock_pipelines.quality import cross_table
    except ImportError:
        cross_table = None  # single-table rules only
    plan = DatasetPlan(spec, PlanOptions(seed=seed, scale=scale or 1.0, locale=locale))
    split = {name: _split(data) for name, data in tables.items() if name in spec.tables}
    results: list[Any] = []
    for name in spec.table_order():
        if name not in split:
            continue
        table, parts = split[name]
        tspec = spec.tables[name]
        if parts is None:
            rows: Any = qrules.expected_rows(plan, name)
            derived = qrules.derive_rules(spec, name, rows, locale=locale, severity=severity)
        else:
            parent = split.get(tspec.rows.per) if tspec.rows.per else None
            rows = qrules.RowExpectation(parents=parent[0].num_rows) if parent is not None and (
                tspec.partitioned is None or not tspec.partitioned.rows_per_day) else qrules.RowExpectation()
            derived = qrules.derive_rules(spec, name, rows, locale=locale, partitioned=True,
                                          window=_partition_window(parts), severity=severity)
        validation = gx_runner.validate_table(table, derived, table=name)
        results.extend(validation.results)
        if data_docs is not None and (validation.gx_results or validation.arrow_checked):
            from mock_pipelines.quality.data_docs import suite_results

            batch = name if parts is None else f"{name}-all"  # a stable name: replaced, not added, next time
            build_gx_data_docs(suite_results(validation), data_docs, context=gx_runner.gx_context(), batch=batch,
                               run_name=run_name)
        if cross_table is not None:
            cross = cross_table.derive_cross_rules(spec, name, partitioned=parts is not None, severity=severity)
            parents = {p: split[p][0] for p in tspec.parents() if p in split}
            results.extend(cross_table.check_cross_table(cross, table, parents))
    return results


def _arrow_schemas(spec: DatasetSpec) -> dict[str, pa.Schema]:
    """The Arrow schema the engine writes for each table (types CSV and JSON Lines columns when read)."""
    try:
        from mock_pipelines.core.engine import DatasetPlan

        plan = DatasetPlan(spec)
        return {name: plan.table(name).arrow_schema for name in spec.tables}
    except Exception:  # an unplannable spec still gets a report of whatever was written
        return {}


def write_report(path: str | os.PathLike[str], html_text: str) -> Path:
    """Write the report atomically: a temporary file beside the target, then a rename over it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        tmp.write_text(html_text, encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


# =========================================================================================================
# Great Expectations data docs
# =========================================================================================================

def build_gx_data_docs(validation_results: Any, folder: str | os.PathLike[str], *, context: Any | None = None,
                       batch: str | None = None, run_name: str | None = None) -> Path | None:
    """Render Great Expectations validation results as GX Data Docs under ``folder``; the index.html path.

    Accepts ``ExpectationSuiteValidationResult`` objects, ``CheckpointResult`` objects (their run results)
    or a list of either. The site keeps the latest result per suite and ``batch`` (see
    :mod:`mock_pipelines.quality.data_docs`). ``None`` when there is nothing to render.
    """
    from mock_pipelines.quality import data_docs

    built = data_docs.publish(validation_results, folder, context=context, batch=batch, run_name=run_name)
    return built.index if built is not None else None
