"""How many children a parent row has in a ``rows: {per: …, count: …}`` table: the bounds and the
distribution :meth:`mock_pipelines.core.engine.ChildLayout.counts` draws, stated once for the checks (row
count bands, children per parent, child_index bounds) and the report's children chart."""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from mock_pipelines.core import random as rnd
from mock_pipelines.core.expressions import ExpressionError, parse_expression, parse_tree
from mock_pipelines.core.facts import poisson_pmf, zipf_weights
from mock_pipelines.core.generators.numeric import poisson_from_uniform, zipf_rank
from mock_pipelines.spec.model import COUNT_EXPRESSION, Distribution, RowCount, max_rows

# The distributions a count may draw from, alone or as the branches of a count expression.
COUNT_DISTRIBUTIONS = ("constant", "uniform", "integer", "poisson", "zipf", "normal", "lognormal", "exponential",
                       "choice")


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
    :meth:`mock_pipelines.core.engine.ChildLayout.counts` draws and clips them. A count expression gives
    the widest bounds of its branches."""
    name, arg = _count_args(rows)
    if name == COUNT_EXPRESSION:
        bounds = branch_bounds(rows)
        his = [hi for _, hi in bounds]
        return min(lo for lo, _ in bounds), None if None in his else max(his)  # type: ignore[type-var]
    if name == "choice":
        keys, _ = choice_table(arg(0, "weights", {}))
        start, dist_hi = int(keys[0]), int(keys[-1])
    elif name == "constant":
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
    lo = max(lo_cap, start) if name in ("constant", "uniform", "integer", "zipf", "choice") else lo_cap
    if hi is not None:
        lo = min(lo, hi)
    return int(lo), hi


def count_weights(rows: RowCount) -> tuple[int, np.ndarray] | None:
    """(first count, unnormalised weights of first, first + 1, …) before the min/max clip; None when the
    distribution is too wide to tabulate."""
    name, arg = _count_args(rows)
    if name == COUNT_EXPRESSION:
        return None  # a mixture whose shares depend on the parent rows
    if name == "choice":
        keys, cum = choice_table(arg(0, "weights", {}))
        weights = np.zeros(int(keys[-1] - keys[0]) + 1)
        weights[keys - keys[0]] = np.diff(np.concatenate([[0.0], cum]))
        return int(keys[0]), weights
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


# ---- drawing counts ------------------------------------------------------------------------------------

def choice_table(weights: dict[Any, Any]) -> tuple[np.ndarray, np.ndarray]:
    """(counts in increasing order, cumulative probabilities) of ``choice({count: weight, …})``; counts of
    weight 0 are left out (they are never drawn)."""
    items = sorted((int(k), float(w)) for k, w in weights.items() if float(w) > 0)
    keys = np.array([k for k, _ in items], dtype=np.int64)
    w = np.array([w for _, w in items], dtype=np.float64)
    cum = np.cumsum(w) / w.sum()
    cum[-1] = 1.0
    return keys, cum


def draw_counts(d: Distribution | None, key: int, parents: np.ndarray) -> np.ndarray:
    """Children of each parent drawn from one distribution: a pure function of (key, parent index)."""
    args = list(d.args) if d else [1]
    kw = dict(d.kwargs) if d else {}
    name = d.name if d else "constant"
    if name == "constant":
        return np.full(len(parents), int(args[0] if args else kw.get("n", 1)), dtype=np.int64)
    if name in ("uniform", "integer"):
        lo = int(args[0] if args else kw.get("min", 0))
        hi = int(args[1] if len(args) > 1 else kw.get("max", lo))
        return lo + rnd.integers(key, parents, hi - lo + 1)
    if name == "poisson":
        return poisson_from_uniform(rnd.uniform(key, parents), float(args[0] if args else kw.get("lam", 1)))
    if name == "zipf":
        s = float(args[0] if args else kw.get("s", 1.2))
        n = int(args[1] if len(args) > 1 else kw.get("n", 100))
        return 1 + zipf_rank(rnd.uniform(key, parents), s, n)
    if name == "normal":
        mean = float(args[0] if args else kw.get("mean", 1))
        std = float(args[1] if len(args) > 1 else kw.get("std", 1))
        return whole(mean + std * rnd.standard_normal(key, parents))
    if name == "lognormal":
        mean = float(args[0] if args else kw.get("mean", 0))
        sigma = float(args[1] if len(args) > 1 else kw.get("sigma", 1))
        return whole(np.exp(mean + sigma * rnd.standard_normal(key, parents)))
    if name == "exponential":
        scale = float(args[0] if args else kw.get("scale", 1))
        return whole(-scale * np.log(rnd.uniform_open(key, parents)))
    if name == "choice":
        keys, cum = choice_table(args[0] if args else kw.get("weights", {}))
        pick = np.searchsorted(cum, rnd.uniform(key, parents), side="right")
        return keys[np.minimum(pick, len(keys) - 1)]
    # validation restricts the names; keep a loud failure for a new name without support
    raise ValueError(f"unsupported count distribution {name!r}")


def whole(counts: np.ndarray) -> np.ndarray:
    """Real-valued children counts as whole numbers in [0, row limit] (a far tail never wraps around)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return np.round(np.clip(np.nan_to_num(counts, nan=0.0), 0, float(max_rows()))).astype(np.int64)


# ---- count expressions ---------------------------------------------------------------------------------

COUNT_EXPRESSION_FORM = ("if_else(condition, count, count), or count if condition else count, where each count "
                         "is a whole number, a distribution such as poisson(2), or another if_else")


@dataclass(frozen=True)
class CountExpression:
    """``count: "if_else(status == 'completed', poisson(0.8), 0)"``: the parent's columns choose a branch,
    the branch's distribution draws the count. ``selector`` is the expression with each branch replaced by
    its number, so evaluating it over parent rows gives the branch of each parent (null: no children)."""

    text: str
    selector: str
    branches: tuple[Distribution, ...]

    @property
    def references(self) -> tuple[str, ...]:
        return parse_expression(self.selector).references


@lru_cache(maxsize=256)
def parse_count_expression(text: str) -> CountExpression:
    """Parse a count expression; raises ExpressionError (with a suggestion) for anything else."""
    tree = parse_tree(text, "count expression", "move the conditions into columns of the parent")
    branches: list[Distribution] = []

    def walk(node: ast.expr, top: bool = False) -> ast.expr:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "if_else":
            if len(node.args) != 3 or node.keywords:
                raise ExpressionError("if_else takes three arguments: (condition, count, count)", node.col_offset,
                                      "e.g. if_else(status == 'completed', poisson(0.8), 0)")
            return ast.Call(func=node.func, args=[node.args[0], walk(node.args[1]), walk(node.args[2])],
                            keywords=[])
        if isinstance(node, ast.IfExp):
            return ast.IfExp(test=node.test, body=walk(node.body), orelse=walk(node.orelse))
        if top:
            raise ExpressionError("a count expression chooses among counts by a condition", node.col_offset,
                                  COUNT_EXPRESSION_FORM)
        if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
            if node.value < 0:
                raise ExpressionError(f"a count is a whole number >= 0, not {node.value}", node.col_offset)
            branches.append(Distribution("constant", (node.value,)))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            raise ExpressionError(f"a count is a whole number >= 0, not {ast.unparse(node)}", node.col_offset)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                node.func.id in COUNT_DISTRIBUTIONS:
            try:
                branches.append(Distribution.parse(ast.unparse(node)))
            except (SyntaxError, ValueError) as exc:
                raise ExpressionError(f"cannot read the count {ast.unparse(node)}: {exc}", node.col_offset) from None
        else:
            from mock_pipelines.spec.errors import suggest

            name = node.func.id if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) else None
            raise ExpressionError(f"a branch of a count expression must be a count, not {ast.unparse(node)!r}",
                                  node.col_offset, (suggest(name, COUNT_DISTRIBUTIONS) if name else None)
                                  or COUNT_EXPRESSION_FORM)
        return ast.Constant(len(branches) - 1)

    try:
        selector = ast.unparse(ast.fix_missing_locations(ast.Expression(walk(tree.body, top=True))))
    except RecursionError:
        raise ExpressionError("count expression nested too deeply", 0,
                              "move the conditions into columns of the parent") from None
    parse_expression(selector)  # the conditions: functions, constants, sizes
    return CountExpression(text, selector, tuple(branches))


def is_count_expression(raw: Any) -> bool:
    """Whether a ``count:`` as written is a count expression (a condition choosing among counts) rather
    than one distribution."""
    if not isinstance(raw, str):
        return False
    try:
        node = ast.parse(raw.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return isinstance(node, ast.IfExp) or (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                                           and node.func.id == "if_else")


def branch_bounds(rows: RowCount) -> list[tuple[int, int | None]]:
    """(fewest, most or None) children of each branch of a count expression, clipped by rows.min/max."""
    expr = parse_count_expression(str(rows.count.args[0]))  # type: ignore[union-attr]
    return [count_bounds(RowCount(per=rows.per, count=b, min=rows.min, max=rows.max)) for b in expr.branches]
