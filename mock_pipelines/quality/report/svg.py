"""Inline SVG charts drawn by hand (no plotting library, no scripts): a plot frame with linear or log axes,
legends, and the chart kinds the report uses — histograms, discrete bars, grouped bars, rank-frequency, partitions."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from mock_pipelines.quality.report.formatting import esc, fmt_num, pct

W, H = 360, 168


BLUE, ORANGE, GREY, RED = "#3b6fd8", "#e8772e", "#9aa3ad", "#d64545"


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
            out.append(f'<text class="tk" x="{self.left - 4}" y="{py + 3:.1f}" text-anchor="end">{esc(yfmt(y))}</text>')
        for x in xticks:
            px = float(self.sx(x))
            out.append(f'<line class="ax" x1="{px:.1f}" y1="{self.bottom}" x2="{px:.1f}" y2="{self.bottom + 3}"/>')
            out.append(f'<text class="tk" x="{px:.1f}" y="{self.bottom + 13}" text-anchor="middle">'
                       f'{esc(xfmt(x))}</text>')
        out.append(self.xlabel(xlabel))
        out.append(f'<text class="lbl" transform="translate(11,{(self.top + self.bottom) / 2:.0f}) rotate(-90)" '
                   f'text-anchor="middle">{esc(ylabel)}</text>')
        return out

    def xlabel(self, text: str) -> str:
        return (f'<text class="lbl" x="{(self.left + self.right) / 2:.0f}" y="{self.height - 4}" '
                f'text-anchor="middle">{esc(text)}</text>')


def _svg(frame: _Frame, parts: list[str], title: str) -> str:
    return (f'<svg class="chart" viewBox="0 0 {frame.width} {frame.height}" width="{frame.width}" '
            f'height="{frame.height}" role="img"><title>{esc(title)}</title>' + "".join(parts) + "</svg>")


def _legend(frame: _Frame, items: list[tuple[str, str, str]]) -> list[str]:
    """Legend entries (kind 'bar' | 'line' | 'dot', colour, text) right-aligned above the plot."""
    out, x = [], frame.right
    for kind, colour, text in reversed(items):
        x -= len(text) * 5.4 + 4
        out.append(f'<text class="tk" x="{x:.0f}" y="11">{esc(text)}</text>')
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
                         f'fill="{colour}" opacity="{0.75 if colour == BLUE else 0.85}"><title>{esc(labels[i])}: '
                         f'{pct(val)}</title></rect>')
        if rotate:
            parts.append(f'<text class="tk" text-anchor="end" transform="translate({cx:.1f},{f.bottom + 10}) '
                         f'rotate(-35)">{esc(lb)}</text>')
        else:
            parts.append(f'<text class="tk" x="{cx:.1f}" y="{f.bottom + 13}" text-anchor="middle">{esc(lb)}</text>')
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
                         f'opacity="0.75"><title>{esc(keys[i])}: {r:,} rows</title></rect>')
    parts += _partition_ticks(f, keys, slot)
    legend = [("bar", BLUE, "rows")]
    if expected is not None:
        xs = [f.left + slot * (i + 0.5) for i in range(k)]
        parts.append(_polyline(xs, f.sy(np.asarray(expected, dtype=np.float64)), ORANGE, 1.5))
        legend.append(("line", ORANGE, "declared rate"))
    return _svg(f, parts + _legend(f, legend), title)


def _partition_ticks(f: _Frame, keys: Sequence[str], slot: float) -> list[str]:
    """Labels under the first, middle and last bars of a chart with one bar per partition."""
    k = len(keys)
    out = []
    for i in sorted({0, k - 1} | ({k // 2} if k > 4 else set())) if k else []:
        anchor = "start" if i == 0 and k > 1 else "end" if i == k - 1 and k > 1 else "middle"
        x = f.left + slot * (i + 0.5) if anchor == "middle" else f.left if anchor == "start" else f.right
        out.append(f'<text class="tk" x="{x:.1f}" y="{f.bottom + 13}" text-anchor="{anchor}">{esc(keys[i])}</text>')
    return out


def svg_stacked_partitions(keys: Sequence[str], series: Sequence[tuple[str, str, Sequence[int]]],
                           title: str = "") -> str:
    """Counts per partition as stacked bars: ``series`` is (label, colour, one count per key), bottom first."""
    k = len(keys)
    totals = [sum(int(s[2][i]) for s in series) for i in range(k)]
    top = max(totals, default=0) * 1.12 or 1.0
    f = _Frame(0, k, 0, top, left=50)
    parts = f.axes([], _nice_ticks(0, top, 4), "partition", "events")
    slot = (f.right - f.left) / max(k, 1)
    for i in range(k):
        base = 0
        for label, colour, values in series:
            v = int(values[i])
            if v <= 0:
                continue
            y0, y1 = float(f.sy(base)), float(f.sy(base + v))
            parts.append(f'<rect x="{f.left + slot * i + slot * 0.1:.2f}" y="{y1:.1f}" '
                         f'width="{max(slot * 0.8, 0.6):.2f}" height="{max(y0 - y1, 0.0):.1f}" fill="{colour}" '
                         f'opacity="0.8"><title>{esc(keys[i])}: {v:,} {esc(label)}</title></rect>')
            base += v
    parts += _partition_ticks(f, keys, slot)
    return _svg(f, parts + _legend(f, [("bar", colour, label) for label, colour, _ in series]), title)
