"""Charts from the data: each column with a declared distribution drawn against it, Zipf-skewed foreign keys,
children per parent and rows per partition, each with the distance from the declared shares and the noise
sampling alone explains. Everything is read from the table's
:class:`~mock_pipelines.quality.column_profile.TableProfile`: histograms from its row sample (at most
:data:`~mock_pipelines.quality.column_profile.SAMPLE_ROWS` rows, every row of a smaller table), shares of
categories, foreign-key ranks and children per parent from exact value counts: counted in the stream
(dictionary-encoded columns), or the sample's when it holds every row. A foreign key of a table larger than
the sample gets no rank-frequency or children-per-parent chart: those need a count per parent row, which
is not kept in bounded memory."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines.core.child_counts import count_weights
from mock_pipelines.quality.column_profile import SAMPLE_ROWS, TableProfile, decoded
from mock_pipelines.quality.report.declared import (
    Declared,
    cat_key,
    clipped_pmf,
    declared_distribution,
    zipf_shares,
)
from mock_pipelines.quality.report.svg import (
    BLUE,
    ORANGE,
    RED,
    svg_discrete,
    svg_grouped,
    svg_histogram,
    svg_partitions,
    svg_rank_frequency,
    svg_stacked_partitions,
)
from mock_pipelines.quality.report.table_data import DAY_KEY
from mock_pipelines.spec.model import ColumnSpec, TableSpec

__all__ = ["SAMPLE_ROWS", "Chart", "change_volume_chart", "grid_step", "table_charts"]

_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()  # UTC days are counted from 1970-01-01


@dataclass
class Chart:
    """One figure of the report: an inline SVG with its title and caption."""

    title: str
    svg: str
    caption: str = ""
    flag: bool = False  # the generated distribution is further from the declared one than sampling explains


def _as_float(arr: pa.ChunkedArray) -> np.ndarray:
    arr = decoded(arr).drop_null()
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


def _column_chart(name: str, sample: pa.ChunkedArray | None, cs: ColumnSpec, prof: dict[str, Any]) -> Chart | None:
    """``sample``: the column's values in the row sample."""
    decl = declared_distribution(cs)
    if decl is None:
        return None
    title = f"{name} ~ {decl.label}"
    if decl.kind == "categorical":
        return _categorical_chart(name, prof, decl, title)
    if sample is None:
        return None
    values = _as_float(sample)
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
        d_shares = zipf_shares(decl.s, decl.n, d_ranks)
        xl = "rank = value" if decl.start == 1 else f"rank = value − {decl.start - 1}" if decl.start > 1 \
            else f"rank = value + {1 - decl.start}"
        all_ranks = np.arange(1, min(decl.n, len(counts) - 1) + 1)
        p = zipf_shares(decl.s, decl.n, all_ranks)
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


GRID_DIGITS = 6  # grids from 10^6 (round: -6) to 10^-6 (round: 6, decimals up to scale 6) are recognised


def grid_step(values: np.ndarray, lo: float, hi: float) -> float | None:
    """The coarsest step 10^-k (k = -6 … 6) every value is a multiple of — the grid rounding put them on
    (``round: -2`` gives hundreds) — or ``None`` for values off any such grid (or one of over 10^6 points)."""
    if not len(values) or not (np.isfinite(lo) and np.isfinite(hi)):
        return None
    for k in range(-GRID_DIGITS, GRID_DIGITS + 1):
        step = 10.0 ** -k
        residual = np.abs(values - np.round(values / step) * step)  # in the values' own units
        if np.all(residual <= 1e-9 * np.maximum(1.0, np.abs(values))):
            return step if (hi - lo) / step <= 1e6 else None
    return None


def _histogram_chart(name: str, values: np.ndarray, decl: Declared, title: str) -> Chart:
    n = len(values)
    lo, hi = float(values.min()), float(values.max())
    bins = int(min(40, max(8, round(math.sqrt(n)))))
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    # A long right tail (most rows in the first bins of a linear axis) is binned on a log axis instead.
    log_x = lo > 0 and float(np.mean(values < lo + 2 * (hi - lo) / 30)) > 0.6
    step = None if log_x else grid_step(values, lo, hi)
    integral = step is not None
    if step is not None:  # values on a grid (whole numbers, round: 3, decimal(12,2)): bins of a whole number
        # of grid steps, edges half-way between grid points, so no bin gets one point more than its neighbour
        points = round((hi - lo) / step) + 1
        per_bin = max(1, math.ceil(points / bins))
        edges = lo - step / 2 + step * per_bin * np.arange(math.ceil(points / per_bin) + 1)
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
    if integral and decl.cdf is not None:  # the declared share of each grid-aligned bin, bin by bin
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
        label = decl.keys.get(cat_key(value))
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


def _counts(measured: TableProfile, column: str) -> np.ndarray | None:
    """How often each distinct non-null value of ``column`` occurs (None when not counted exactly)."""
    col = measured.columns.get(column)
    if col is None:
        return None
    if col.counts is not None:
        return np.fromiter(col.counts.values(), dtype=np.int64, count=len(col.counts))
    values = measured.values(column)
    if measured.sampled or values is None:
        return None
    return pc.value_counts(values.drop_null()).field("counts").to_numpy(zero_copy_only=False)


def _fk_zipf_chart(measured: TableProfile, spec: TableSpec, column: str, parent_rows: int | None) -> Chart | None:
    fk = spec.fk_for_column(column)
    if fk is None or fk.skew is None or fk.skew.name != "zipf" or len(fk.columns) != 1:
        return None
    if getattr(fk, "within", None) is not None:
        return None  # skewed inside each group, whose sizes differ: the whole table follows no one Zipf curve
    s = float(fk.skew.args[0]) if fk.skew.args else float(dict(fk.skew.kwargs).get("s", 1.1))
    counts = _counts(measured, column)
    if counts is None or len(counts) < 2:
        return None
    counts = np.sort(counts)[::-1]
    n_rows = int(counts.sum())
    n_parent = max(int(parent_rows or 0), len(counts))
    ranks, shares = _log_binned(np.concatenate([counts, np.zeros(n_parent - len(counts))]), n_rows)
    d_ranks = np.unique(np.geomspace(1, n_parent, 120).astype(np.int64))
    p_all = zipf_shares(s, n_parent, np.arange(1, n_parent + 1))
    got = np.zeros(n_parent)
    got[:len(counts)] = counts / n_rows
    tvd = 0.5 * float(np.abs(got - p_all).sum())
    title = f"{column} → {fk.table}: rank-frequency, skew zipf({s:g})"
    cap, flag = _tv_caption(tvd, _tv_noise(p_all, n_rows), n_rows,
                            f"{len(counts):,} of {n_parent:,} parents used")
    svg = svg_rank_frequency(ranks, shares, (d_ranks, zipf_shares(s, n_parent, d_ranks)),
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
    return clipped_pmf(pmf, rc.min, rc.max), str(d)


def _children_chart(measured: TableProfile, spec: TableSpec, parent_rows: int | None) -> Chart | None:
    """Children per parent row against the declared count distribution (``rows: {per:, count:}``)."""
    fk = spec.grouping_fk
    declared = _count_pmf(spec)
    if fk is None or declared is None or parent_rows is None or len(fk.columns) != 1:
        return None
    pmf, label = declared
    per = f"{spec.name} per row of {spec.rows.per}"
    col = fk.columns[0]
    per_parent = _counts(measured, col)
    if per_parent is None:
        return None
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


def _partition_chart(spec: TableSpec | None, parts: Mapping[str, int], scale: float = 1.0,
                     timeline: Any = None) -> Chart:
    """Rows per partition; daily partitions against the declared daily rate at the run's ``scale``, shaped by
    the weekday weights — and by the trend, seasonality and events of a shaped volume, read from the run's
    ``timeline`` (:class:`~mock_pipelines.core.timeline.Timeline`). A day's rows are the rate integrated
    over the day, give or take one row (the timeline is deterministic), or a Poisson count around it
    (``noise: poisson``), so a partition further off than that could explain is flagged."""
    keys = sorted(parts)
    rows = [parts[k] for k in keys]
    expected = None
    ps = spec.partitioned if spec is not None else None
    shaped = ps is not None and ps.volume is not None
    if ps is not None and ps.rows_per_day and keys and all(DAY_KEY.match(k) for k in keys):
        if not shaped:
            w = np.asarray(ps.weekday_weights or [1.0] * 7, dtype=np.float64)
            w = w / w.mean()
            expected = [ps.rows_per_day * scale * w[dt.date.fromisoformat(k).weekday()] for k in keys]
        elif timeline is not None and timeline.volume is not None:
            days = np.array([dt.date.fromisoformat(k).toordinal() - _EPOCH_ORDINAL for k in keys], dtype=np.int64)
            expected = timeline.volume.expected(days).tolist()
    noisy = shaped and ps.volume.noise is not None  # type: ignore[union-attr]
    total = sum(rows)
    title = f"rows per partition ({len(keys):,} partitions)"
    cap = f"{total:,} rows · min {min(rows, default=0):,} · max {max(rows, default=0):,} per partition"
    flag = False
    if shaped:
        cap += " · declared " + (f"{ps.rows_per_day:g}/day" if scale == 1 else  # type: ignore[union-attr]
                                 f"{ps.rows_per_day:g}/day × scale {scale:g}")  # type: ignore[union-attr]
        cap += " on the first day, with its trend, seasonality and events" + (" and Poisson noise" if noisy else "")
    if expected is not None:
        rate = ps.rows_per_day  # type: ignore[union-attr]
        if not shaped:
            cap += f" · declared {rate:g}/day" if scale == 1 else \
                f" · declared {rate:g}/day × scale {scale:g} = {rate * scale:g}/day"
        sigmas = 5 if noisy else 3  # a Poisson day is √e off as a rule: 5σ flags ~1 day in 2 million
        off = sum(abs(r - e) > 2 + sigmas * math.sqrt(e) for r, e in zip(rows, expected, strict=True))
        if off:
            flag = True
            cap += f" · {off:,} partition{'s' if off > 1 else ''} off the declared rate"
    return Chart(title, svg_partitions(keys, rows, expected, title), cap, flag)


def change_volume_chart(volume: Mapping[str, Mapping[str, int]], source: str) -> Chart:
    """Change events per partition of a table with ``changes:``, stacked: inserts, updates and deletes (soft
    or hard), as ``{partition key: {"c": …, "u": …, "d": …}}``; ``source`` says where the
    counts come from (the landed change log, or the change log the run computes)."""
    keys = sorted(volume)
    series = [(label, colour, [int(volume[k].get(op, 0)) for k in keys])
              for label, colour, op in (("inserts", BLUE, "c"), ("updates", ORANGE, "u"), ("deletes", RED, "d"))]
    totals = {label: sum(values) for label, _, values in series}
    title = f"change events per partition ({len(keys):,} partitions)"
    cap = " · ".join(f"{v:,} {label}" for label, v in totals.items())
    inserted = totals["inserts"]
    if inserted:
        cap += f" · {totals['updates'] / inserted:.2f} updates per insert"
    cap += f" · {source}"
    return Chart(title, svg_stacked_partitions(keys, series, title), cap)


def table_charts(name: str, measured: TableProfile, spec: TableSpec | None, prof: dict[str, Any],
                  partitions: dict[str, int] | None, parent_rows: Mapping[str, int],
                  scale: float = 1.0, timeline: Any = None) -> list[Chart]:
    """The charts of one table; ``scale``: the run's scale, which multiplies declared daily rates;
    ``timeline``: the run's timeline of the table (the expected rows of a shaped daily volume)."""
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
        add(_partition_chart, spec, partitions, scale, timeline)
    if spec is None or measured.rows == 0:
        return charts
    by_time = partitions and spec.partitioned is not None and spec.partitioned.rows_per_day
    if not by_time and spec.rows.per is not None:  # partitioned growth replaces the per-parent count
        add(_children_chart, measured, spec, parent_rows.get(spec.rows.per))
    profiles = {c["name"]: c for c in prof["columns"]}
    for col in measured.columns:
        cs = spec.columns.get(col)
        if cs is None:
            continue
        fk = spec.fk_for_column(col)
        if not add(_fk_zipf_chart, measured, spec, col, parent_rows.get(fk.table) if fk else None):
            add(_column_chart, col, measured.values(col), cs, profiles[col])
    return charts
