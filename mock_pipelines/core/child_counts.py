"""How many children a parent row has in a ``rows: {per: …, count: …}`` table: the bounds and the
distribution :meth:`mock_pipelines.core.engine.ChildLayout.counts` draws, stated once for the checks (row
count bands, children per parent, child_index bounds) and the report's children chart."""

from __future__ import annotations

import ast
import difflib
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


def count_bounds(rows: RowCount, column_range: Any = None) -> tuple[int, int | None]:
    """(fewest, most or None) children per parent of a ``rows: {per: …}`` table, as
    :meth:`mock_pipelines.core.engine.ChildLayout.counts` draws and clips them. A count expression gives
    the widest bounds of its branches; ``column_range(ref)`` gives the (lo, hi) of the parent columns a
    computed count reads (without it, or where it answers None, a column is unbounded)."""
    name, arg = _count_args(rows)
    if name == COUNT_EXPRESSION:
        bounds = branch_bounds(rows, column_range)
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
        return _computed_weights(rows)
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


def _computed_weights(rows: RowCount) -> tuple[int, np.ndarray] | None:
    """The weights of a computed count of one distribution that reads no column (``min(1 + poisson(0.8),
    4)``): the distribution's weights carried to the counts the term maps each of its values to. None for
    a count chosen by the parent's columns (a mixture whose shares depend on the parent rows), one reading
    a column, or one of several distributions."""
    expr = parse_count_expression(str(rows.count.args[0]))  # type: ignore[union-attr]
    if expr.conditional or expr.terms[0].references or len(expr.terms[0].draws) > 1:
        return None
    term = expr.terms[0]
    if not term.draws:
        return int(term.evaluate(0, np.zeros(1, dtype=np.int64), None)[0]), np.ones(1)
    base = count_weights(RowCount(per=rows.per, count=term.draws[0]))
    if base is None:
        return None
    start, pmf = base
    values = np.arange(start, start + len(pmf), dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        out = whole(np.broadcast_to(np.asarray(_evaluate_term(term.tree, lambda _: values, len(values)),
                                               dtype=np.float64), values.shape))
    first = int(out.min())
    return first, np.bincount(out - first, weights=pmf)


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

COUNT_EXPRESSION_FORM = ("a count computed from whole numbers, distributions such as poisson(2) and numeric columns "
                         "of the parent with +, -, *, min, max, clip and round, optionally chosen by a condition: "
                         "if_else(condition, count, count) or count if condition else count")
# The functions a computed count may call besides the distributions.
COUNT_FUNCTIONS = ("min", "max", "clip", "round")
_DRAW = "__draw_"  # the name a distribution is replaced by in a computed count (never a column name)


@dataclass(frozen=True)
class CountTerm:
    """One branch of a count expression: a whole number, a distribution, or a count computed from them and
    the parent's numeric columns (``poisson(2) + 1``, ``min(2 * items, 8)``). ``tree`` is the term with its
    ``k``-th distribution replaced by the name ``__draw_k``; ``draws`` are those distributions."""

    text: str
    tree: ast.expr
    draws: tuple[Distribution, ...]
    references: tuple[str, ...]

    @property
    def plain(self) -> Distribution | None:
        """The distribution (or whole number) a branch is when it computes nothing."""
        if isinstance(self.tree, ast.Name) and self.tree.id == f"{_DRAW}0":
            return self.draws[0]
        if isinstance(self.tree, ast.Constant) and isinstance(self.tree.value, int):
            return Distribution("constant", (self.tree.value,))
        return None

    def draw_key(self, key: int, k: int) -> int:
        """The key of the k-th distribution: the count's own key for the first (a branch that is one
        distribution draws as it always did), one derived from it for the others (independent draws)."""
        return key if k == 0 else rnd.derive_key(key, "draw", k)

    def count_range(self, column: Any, rows: RowCount) -> tuple[np.ndarray, np.ndarray]:
        """(fewest, most) children per parent this term allows with each parent's own column values
        (``column(ref)``: float64, NaN for null, which gives no children); most is -1 where unbounded."""
        def value(name: str) -> tuple[Any, Any]:
            if name.startswith(_DRAW):
                lo, hi = count_bounds(RowCount(per="_", count=self.draws[int(name[len(_DRAW):])]))
                return np.float64(lo), np.float64(math.inf if hi is None else hi)
            v = column(name)
            return v, v
        lo, hi = _interval(self.tree, value)
        limit = float(max_rows())
        null = np.isnan(lo) | np.isnan(hi)
        lo_n = np.round(np.clip(np.nan_to_num(lo, nan=0.0), 0.0, limit)).astype(np.int64)
        hi_n = np.where(np.isinf(hi) & (hi > 0), -1, np.round(np.clip(np.nan_to_num(hi, nan=0.0), 0.0, limit))
                        ).astype(np.int64)
        lo_n, hi_n = np.broadcast_to(lo_n, null.shape).copy(), np.broadcast_to(hi_n, null.shape).copy()
        lo_n[null], hi_n[null] = 0, 0
        lo_n = np.maximum(lo_n, rows.min)
        if rows.max is not None:
            hi_n = np.where(hi_n < 0, rows.max, np.minimum(hi_n, rows.max))
        lo_n = np.where(hi_n >= 0, np.minimum(lo_n, hi_n), lo_n)
        return lo_n, hi_n

    def evaluate(self, key: int, parents: np.ndarray, column: Any) -> np.ndarray:
        """Whole counts >= 0 for these parents; ``column(ref)`` gives a parent column as float64 (NaN: null,
        which gives no children)."""
        draws = {f"{_DRAW}{k}": draw_counts(d, self.draw_key(key, k), parents).astype(np.float64)
                 for k, d in enumerate(self.draws)}
        n = len(parents)

        def value(name: str) -> np.ndarray:
            return draws[name] if name in draws else column(name)
        with np.errstate(over="ignore", invalid="ignore"):
            out = _evaluate_term(self.tree, value, n)
        return whole(np.broadcast_to(np.asarray(out, dtype=np.float64), (n,)))

    def bounds(self, column_range: Any = None) -> tuple[float, float]:
        """(lowest, highest) value of the term before rounding (-inf/inf where unbounded), by interval
        arithmetic; ``column_range(ref)`` gives (lo, hi) of a parent column (None: unknown)."""
        def value(name: str) -> tuple[float, float]:
            if name.startswith(_DRAW):
                lo, hi = count_bounds(RowCount(per="_", count=self.draws[int(name[len(_DRAW):])]))
                return float(lo), math.inf if hi is None else float(hi)
            got = column_range(name) if column_range is not None else None
            lo, hi = got[:2] if got is not None else (None, None)
            return (-math.inf if lo is None else float(lo)), (math.inf if hi is None else float(hi))
        lo, hi = _interval(self.tree, value)
        return float(lo), float(hi)

    def bounds_with_finite_draws(self, column_range: Any = None) -> tuple[float, float]:
        """:meth:`bounds` with every distribution taken as bounded (its lowest value to one more): an
        infinite upper bound then comes from the parent columns the term reads."""
        def value(name: str) -> tuple[float, float]:
            if name.startswith(_DRAW):
                lo, _ = count_bounds(RowCount(per="_", count=self.draws[int(name[len(_DRAW):])]))
                return float(lo), float(lo) + 1.0
            got = column_range(name) if column_range is not None else None
            lo, hi = got[:2] if got is not None else (None, None)
            return (-math.inf if lo is None else float(lo)), (math.inf if hi is None else float(hi))
        lo, hi = _interval(self.tree, value)
        return float(lo), float(hi)


def _evaluate_term(node: ast.expr, value: Any, n: int) -> Any:
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name | ast.Attribute):
        return value(_ref(node))
    if isinstance(node, ast.UnaryOp):
        return -_evaluate_term(node.operand, value, n)
    if isinstance(node, ast.BinOp):
        a, b = _evaluate_term(node.left, value, n), _evaluate_term(node.right, value, n)
        return a + b if isinstance(node.op, ast.Add) else a - b if isinstance(node.op, ast.Sub) else a * b
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    args = [_evaluate_term(a, value, n) for a in node.args]
    name = node.func.id
    if name == "round":
        return np.round(args[0])
    if name == "clip":
        return np.minimum(np.maximum(args[0], args[1]), args[2])
    out = args[0]
    for a in args[1:]:
        out = np.minimum(out, a) if name == "min" else np.maximum(out, a)
    return out


def _times(x: Any, y: Any) -> Any:
    with np.errstate(invalid="ignore"):
        return np.where((np.asarray(x) == 0) | (np.asarray(y) == 0), 0.0, np.multiply(x, y))  # 0 × ∞: 0


def _interval(node: ast.expr, value: Any) -> tuple[Any, Any]:
    """(lowest, highest) of a count term by interval arithmetic, over scalars or arrays (one pair per
    parent): -inf/inf where unbounded."""
    if isinstance(node, ast.Constant):
        return np.float64(node.value), np.float64(node.value)
    if isinstance(node, ast.Name | ast.Attribute):
        return value(_ref(node))
    if isinstance(node, ast.UnaryOp):
        lo, hi = _interval(node.operand, value)
        return -hi, -lo
    if isinstance(node, ast.BinOp):
        (alo, ahi), (blo, bhi) = _interval(node.left, value), _interval(node.right, value)
        with np.errstate(invalid="ignore"):
            if isinstance(node.op, ast.Add):
                lo, hi = np.add(alo, blo), np.add(ahi, bhi)
            elif isinstance(node.op, ast.Sub):
                lo, hi = np.subtract(alo, bhi), np.subtract(ahi, blo)
            else:
                products = [_times(x, y) for x in (alo, ahi) for y in (blo, bhi)]
                return np.minimum.reduce(products), np.maximum.reduce(products)
        return np.where(np.isnan(lo), -np.inf, lo), np.where(np.isnan(hi), np.inf, hi)  # ∞ - ∞: unbounded
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    args = [_interval(a, value) for a in node.args]
    name = node.func.id
    if name == "round":
        return np.round(args[0][0]), np.round(args[0][1])
    if name == "clip":
        (lo, hi), (llo, lhi), (hlo, hhi) = args
        return np.minimum(np.maximum(lo, llo), hlo), np.minimum(np.maximum(hi, lhi), hhi)
    pick = np.minimum.reduce if name == "min" else np.maximum.reduce
    return pick([a[0] for a in args]), pick([a[1] for a in args])


def _ref(node: ast.expr) -> str:
    return node.id if isinstance(node, ast.Name) else f"{_ref(node.value)}.{node.attr}"  # type: ignore[attr-defined]


def term_counts(lo: float, hi: float, rows: RowCount) -> tuple[int, int | None]:
    """The (fewest, most or None) children a term of bounds [lo, hi] gives once rounded to a whole number,
    clipped at 0 and by ``min:``/``max:`` of the rows (as :meth:`CountTerm.evaluate` and the layout do)."""
    limit = float(max_rows())
    lo_n = int(np.round(min(max(lo, 0.0), limit)))
    hi_n = None if hi == math.inf else int(np.round(min(max(hi, 0.0), limit)))
    lo_n = max(lo_n, rows.min)
    if rows.max is not None:
        hi_n = rows.max if hi_n is None else min(hi_n, rows.max)
    if hi_n is not None:
        lo_n = min(lo_n, hi_n)
    return lo_n, hi_n


@dataclass(frozen=True)
class CountExpression:
    """``count: "if_else(status == 'completed', poisson(0.8) + 1, 0)"``: the parent's columns choose a
    branch, the branch's term computes the count. ``selector`` is the expression with each branch replaced by
    its number, so evaluating it over parent rows gives the branch of each parent (null: no children); a
    count with no condition has one branch and the selector ``0``."""

    text: str
    selector: str
    terms: tuple[CountTerm, ...]

    @property
    def branches(self) -> tuple[Distribution, ...]:
        """Every distribution the count draws from (all branches), for validation."""
        return tuple(d for t in self.terms for d in t.draws)

    @property
    def conditional(self) -> bool:
        return len(self.terms) > 1

    @property
    def references(self) -> tuple[str, ...]:
        refs = list(parse_expression(self.selector).references) if self.conditional else []
        for t in self.terms:
            refs.extend(t.references)
        return tuple(dict.fromkeys(refs))

    @property
    def term_references(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r for t in self.terms for r in t.references))


def _term(node: ast.expr) -> CountTerm:
    """A branch of a count expression checked and compiled (ExpressionError where it is not a count)."""
    from mock_pipelines.spec.errors import suggest

    draws: list[Distribution] = []
    refs: list[str] = []
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool) \
            and node.value < 0:
        raise ExpressionError(f"a count is a whole number >= 0, not {node.value}", node.col_offset)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
        raise ExpressionError(f"a count is a whole number >= 0, not {ast.unparse(node)}", node.col_offset)

    def walk(n: ast.expr) -> ast.expr:
        if isinstance(n, ast.Constant) and isinstance(n.value, int | float) and not isinstance(n.value, bool):
            if not math.isfinite(n.value):
                raise ExpressionError(f"a count computes with finite numbers, not {n.value!r}", n.col_offset)
            return ast.Constant(n.value)
        if isinstance(n, ast.Name) or (isinstance(n, ast.Attribute) and _dotted_ref(n)):
            if isinstance(n, ast.Name) and n.id.startswith("__"):
                raise ExpressionError(f"{n.id!r} is not a column name", n.col_offset)
            refs.append(_ref(n))
            return n
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub):
            return ast.UnaryOp(op=ast.USub(), operand=walk(n.operand))
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Add | ast.Sub | ast.Mult):
            return ast.BinOp(left=walk(n.left), op=n.op, right=walk(n.right))
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in COUNT_DISTRIBUTIONS:
            try:
                draws.append(Distribution.parse(ast.unparse(n)))
            except (SyntaxError, ValueError) as exc:
                raise ExpressionError(f"cannot read the count {ast.unparse(n)}: {exc}", n.col_offset) from None
            return ast.Name(id=f"{_DRAW}{len(draws) - 1}")
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in COUNT_FUNCTIONS:
            arity = {"round": (1, 1), "clip": (3, 3)}.get(n.func.id, (2, 16))
            if n.keywords or not arity[0] <= len(n.args) <= arity[1]:
                raise ExpressionError(f"{n.func.id} takes " + {"round": "one argument: round(count)",
                                      "clip": "three arguments: clip(count, lowest, highest)"}.get(
                                      n.func.id, f"two or more arguments: {n.func.id}(count, count)"), n.col_offset,
                                      "e.g. clip(normal(4, 1), 1, 8) or min(poisson(3), 5)")
            return ast.Call(func=ast.Name(id=n.func.id), args=[walk(a) for a in n.args], keywords=[])
        if isinstance(n, ast.Call | ast.IfExp) and (isinstance(n, ast.IfExp) or (
                isinstance(n.func, ast.Name) and n.func.id == "if_else")):
            raise ExpressionError("a condition chooses among whole counts, it cannot be part of one",
                                  n.col_offset, "move the condition outside: if_else(cond, poisson(2) + 1, "
                                  "poisson(2)) instead of poisson(2) + if_else(cond, 1, 0)")
        name = n.func.id if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) else None
        raise ExpressionError(f"a branch of a count expression must be a count, not {ast.unparse(n)!r}",
                              n.col_offset, (suggest(name, COUNT_DISTRIBUTIONS + COUNT_FUNCTIONS) if name else None)
                              or COUNT_EXPRESSION_FORM)

    tree = walk(node)
    return CountTerm(ast.unparse(node), tree, tuple(draws), tuple(dict.fromkeys(refs)))


def _dotted_ref(node: ast.expr) -> bool:
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)


@lru_cache(maxsize=256)
def parse_count_expression(text: str) -> CountExpression:
    """Parse a count expression; raises ExpressionError (with a suggestion) for anything else."""
    tree = parse_tree(text, "count expression", "move the conditions into columns of the parent")
    terms: list[CountTerm] = []

    def walk(node: ast.expr) -> ast.expr:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "if_else":
            if len(node.args) != 3 or node.keywords:
                raise ExpressionError("if_else takes three arguments: (condition, count, count)", node.col_offset,
                                      "e.g. if_else(status == 'completed', poisson(0.8), 0)")
            return ast.Call(func=node.func, args=[node.args[0], walk(node.args[1]), walk(node.args[2])],
                            keywords=[])
        if isinstance(node, ast.IfExp):
            return ast.IfExp(test=node.test, body=walk(node.body), orelse=walk(node.orelse))
        terms.append(_term(node))
        return ast.Constant(len(terms) - 1)

    try:
        selector = ast.unparse(ast.fix_missing_locations(ast.Expression(walk(tree.body))))
    except RecursionError:
        raise ExpressionError("count expression nested too deeply", 0,
                              "move the conditions into columns of the parent") from None
    if len(terms) > 1:
        parse_expression(selector)  # the conditions: functions, constants, sizes
    return CountExpression(text, selector, tuple(terms))


def is_count_expression(raw: Any) -> bool:
    """Whether a ``count:`` as written is a count expression (a condition choosing among counts, or a
    computed count) rather than one distribution or a whole number."""
    if not isinstance(raw, str):
        return False
    try:
        node = ast.parse(raw.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        if node.func.id in COUNT_DISTRIBUTIONS:
            return False
        computed = any(not isinstance(a, ast.Constant | ast.Dict | ast.UnaryOp) for a in node.args)
        return node.func.id == "if_else" or node.func.id in COUNT_FUNCTIONS or computed  # mim(poisson(3), 5)
    if isinstance(node, ast.Name):  # a parent column, unless it is (or looks like) a distribution's name
        return not difflib.get_close_matches(node.id, COUNT_DISTRIBUTIONS, n=1, cutoff=0.75)
    return isinstance(node, ast.IfExp | ast.BinOp | ast.UnaryOp | ast.Attribute)


def term_count_ranges(text: str, rows_min: int, rows_max: int | None, column: Any,
                      branch: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per parent, (fewest, most) children the computed branch it chose allows with its own column values
    (most -1: unbounded); fewest is -1 where the chosen branch computes nothing from the parent's columns."""
    expr = parse_count_expression(text)
    rows = RowCount(per="_", min=rows_min, max=rows_max)
    lo = np.full(len(branch), -1, dtype=np.int64)
    hi = np.full(len(branch), -1, dtype=np.int64)
    for k, term in enumerate(expr.terms):
        chosen = branch == k
        if term.references and chosen.any():
            t_lo, t_hi = term.count_range(lambda name, chosen=chosen: column(name)[chosen], rows)
            lo[chosen], hi[chosen] = t_lo, t_hi
    return lo, hi


def branch_bounds(rows: RowCount, column_range: Any = None) -> list[tuple[int, int | None]]:
    """(fewest, most or None) children of each branch of a count expression, clipped by rows.min/max;
    ``column_range(ref)`` gives the (lo, hi, may be null) of the parent columns a computed branch reads
    (unknown: None)."""
    expr = parse_count_expression(str(rows.count.args[0]))  # type: ignore[union-attr]
    out = []
    for term in expr.terms:
        plain = term.plain
        if plain is not None:
            out.append(count_bounds(RowCount(per=rows.per, count=plain, min=rows.min, max=rows.max)))
        else:
            lo, hi = term_counts(*term.bounds(column_range), rows)
            if any(len(r) > 2 and r[2] for r in map(column_range or (lambda _: None), term.references) if r):
                lo = min(lo, rows.min)  # a null value gives no children (then min: applies)
            out.append((lo, hi))
    return out
