"""How many children a parent row has in a ``rows: {per: …, count: …}`` table: the bounds and the
distribution :meth:`mock_pipelines.core.engine.ChildLayout.counts` draws, stated once for the checks (row
count bands, children per parent, child_index bounds) and the report's children chart."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mock_pipelines.core.facts import poisson_pmf, zipf_weights
from mock_pipelines.spec.model import RowCount


def _count_args(rows: RowCount) -> tuple[str, Any]:
    d = rows.count
    name = d.name if d else "constant"
    args = list(d.args) if d else [1]
    kw = dict(d.kwargs) if d else {}

    def arg(i: int, key: str, default: Any) -> Any:
        return args[i] if len(args) > i else kw.get(key, default)
    return name, arg


def count_bounds(rows: RowCount) -> tuple[int, int | None]:
    """(fewest, most or None) children per parent of a ``rows: {per: …}`` table, as
    :meth:`mock_pipelines.core.engine.ChildLayout.counts` draws and clips them."""
    name, arg = _count_args(rows)
    if name == "constant":
        start = dist_hi = int(arg(0, "value", 1))
    elif name in ("uniform", "integer"):
        start = int(arg(0, "min", 0))
        dist_hi = int(arg(1, "max", start))
    elif name == "zipf":
        start, dist_hi = 1, int(arg(1, "n", 100))
    else:  # poisson, normal, lognormal, exponential: unbounded above
        start, dist_hi = 0, None
    lo_cap, hi_cap = rows.min, rows.max
    hi = dist_hi if hi_cap is None else (hi_cap if dist_hi is None else min(dist_hi, hi_cap))
    lo = max(lo_cap, start) if name in ("constant", "uniform", "integer", "zipf") else lo_cap
    if hi is not None:
        lo = min(lo, hi)
    return int(lo), hi


def count_weights(rows: RowCount) -> tuple[int, np.ndarray] | None:
    """(first count, unnormalised weights of first, first + 1, …) before the min/max clip; None when the
    distribution is too wide to tabulate."""
    name, arg = _count_args(rows)
    if name == "constant":
        return int(arg(0, "value", 1)), np.ones(1)
    if name in ("uniform", "integer"):
        a = int(arg(0, "min", 0))
        return a, np.ones(int(arg(1, "max", a)) - a + 1)
    if name == "poisson":
        return 0, poisson_pmf(float(arg(0, "lam", 1)))
    if name == "zipf":
        return 1, zipf_weights(float(arg(0, "s", 1.2)), int(arg(1, "n", 100)))
    if name in ("normal", "lognormal", "exponential"):
        keys = {"normal": (("mean", 1), ("std", 1)), "lognormal": (("mean", 0), ("sigma", 1)),
                "exponential": (("scale", 1),)}[name]
        return _rounded_pmf(name, {k: float(arg(i, k, dflt)) for i, (k, dflt) in enumerate(keys)})
    return None


# The engine rounds continuous counts to whole children (ChildLayout: _whole).
_ERF = np.vectorize(math.erf, otypes=[np.float64])


def _rounded_pmf(name: str, params: dict[str, float], cap: int = 1_000_000) -> tuple[int, np.ndarray] | None:
    """(first k, P(round(X) = k) …) for a continuous normal/lognormal/exponential X, or None when too wide."""
    if name == "normal":
        mu, sd = params["mean"], max(params["std"], 1e-12)
        lo, hi = math.floor(mu - 12 * sd), math.ceil(mu + 12 * sd)

        def cdf(x: np.ndarray) -> np.ndarray:
            return 0.5 * (1 + _ERF((x - mu) / (sd * math.sqrt(2))))
    elif name == "lognormal":
        mu, sg = params["mean"], max(params["sigma"], 1e-12)
        if mu + 12 * sg > math.log(cap):
            return None
        lo, hi = 0, math.ceil(math.exp(mu + 12 * sg))

        def cdf(x: np.ndarray) -> np.ndarray:
            with np.errstate(divide="ignore"):
                return 0.5 * (1 + _ERF((np.log(np.maximum(x, 0)) - mu) / (sg * math.sqrt(2))))
    elif name == "exponential":
        scale = max(params["scale"], 1e-12)
        lo, hi = 0, math.ceil(scale * 40)

        def cdf(x: np.ndarray) -> np.ndarray:
            return 1 - np.exp(-np.maximum(x, 0) / scale)
    else:
        return None
    if hi - lo > cap:
        return None
    edges = np.arange(lo, hi + 1, dtype=np.float64) + 0.5
    c = np.concatenate([[0.0], cdf(edges[:-1]), [1.0]])
    return lo, np.maximum(np.diff(c), 0.0)
