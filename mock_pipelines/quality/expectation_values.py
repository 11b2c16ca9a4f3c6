"""The values of a user expectation's arguments, checked against the types Great Expectations declares for
them, without importing it.

An argument's type is read from GX's source (:class:`~mock_pipelines.quality.expectations.Argument`): a
union of a few kinds — numbers, whole numbers, true/false, text, dates and times, lists, mappings, fixed
words (``Literal``), a share (``mostly``) — each with a test of a YAML value. A type holding a kind not in
the table (a GX class such as ``QuantileRange``) is left to GX, which validates the argument when the
checks run. A suite parameter (``{$PARAMETER: name}``) is accepted wherever GX accepts one. Beyond the
types: a ``regex`` must compile, ``min_value`` must not exceed ``max_value``.
"""

from __future__ import annotations

import ast
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mock_pipelines.quality.expectations import Argument
from mock_pipelines.schema.values import kind_of


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _day(v: Any) -> bool:
    if isinstance(v, dt.date):
        return True
    try:
        dt.date.fromisoformat(v)
    except (TypeError, ValueError):
        return False
    return True


def _moment(v: Any) -> bool:
    """A date and time (pydantic reads a text with a time of day; a date alone is not one)."""
    if isinstance(v, dt.datetime):
        return True
    try:
        dt.datetime.fromisoformat(v)
    except (TypeError, ValueError):
        return False
    return ":" in v


@dataclass(frozen=True)
class Kind:
    accepts: Callable[[Any], bool]
    shown: str  # what a person should write, in the message's "expected"


KINDS: dict[str, Kind] = {
    "float": Kind(_number, "a number"),
    "int": Kind(lambda v: isinstance(v, int) and not isinstance(v, bool), "a whole number"),
    "bool": Kind(lambda v: isinstance(v, bool), "true or false"),
    "str": Kind(lambda v: isinstance(v, str), "text"),
    "date": Kind(_day, "a date (2024-01-31)"),
    "datetime": Kind(_moment, "a date and time (2024-01-31 08:00:00)"),
    "list": Kind(lambda v: isinstance(v, list), "a list ([a, b])"),
    "values": Kind(lambda v: isinstance(v, list) and len(v) > 0, "a list of one value or more ([a, b])"),
    "dict": Kind(lambda v: isinstance(v, dict), "a mapping ({key: value})"),
    "None": Kind(lambda v: v is None, "null"),
    "share": Kind(lambda v: _number(v) and 0 <= v <= 1, "a share between 0 and 1 (0.95: 95% of the rows)"),
    "SuiteParameterDict": Kind(lambda v: isinstance(v, dict) and "$PARAMETER" in v, "a suite parameter"),
}
# GX's type aliases, by what they stand for (great_expectations/core/types.py, expectations/model_field_types.py)
ALIASES = {"Comparable": ("float", "date", "datetime", "SuiteParameterDict"), "MostlyField": ("share",
           "SuiteParameterDict"), "ValueSetField": ("values", "SuiteParameterDict"), "StrictStr": ("str",),
           "LikePatternEscapeField": ("str", "SuiteParameterDict", "None"), "List": ("list",),
           "Sequence": ("list",), "tuple": ("list",), "set": ("list",), "Tuple": ("list",)}
LISTS = ("List", "Sequence", "list")  # generics whose items must all be of one kind
REGEX_ARGUMENTS = ("regex", "regex_list")


def _kinds(node: ast.expr) -> list[Kind | tuple[Any, ...]] | None:
    """The kinds a type annotation allows (a tuple for a ``Literal``'s words), None when one is unknown."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        left, right = _kinds(node.left), _kinds(node.right)
        return None if left is None or right is None else left + right
    if isinstance(node, ast.Constant) and node.value is None:
        return [KINDS["None"]]
    if isinstance(node, ast.Subscript):
        outer = ast.unparse(node.value).split(".")[-1]
        inner = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        if outer == "Literal":
            return [tuple(e.value for e in inner if isinstance(e, ast.Constant))]
        if outer in ("Union", "Optional"):
            found: list[Kind | tuple[Any, ...]] = [KINDS["None"]] if outer == "Optional" else []
            for member in inner:
                kinds = _kinds(member)
                if kinds is None:
                    return None
                found += kinds
            return found
        if outer in LISTS and len(inner) == 1:  # List[str] and the like: a list whose items are all of a kind
            items = _kinds(inner[0])
            if items is None or any(isinstance(k, tuple) for k in items):
                return None
            return [Kind(lambda v, items=items: isinstance(v, list) and all(any(k.accepts(i) for k in items)
                                                                                for i in v),
                         "a list of " + " or ".join(k.shown for k in items))]
        return None  # a Tuple[...] or another generic: left to GX
    name = ast.unparse(node).split(".")[-1]
    if name in ALIASES:
        return [KINDS[k] for k in ALIASES[name]]
    return [KINDS[name]] if name in KINDS else None


@dataclass(frozen=True)
class Rule:
    """What a GX validator adds to an argument's type (``@validator`` functions in its source)."""

    accepts: Callable[[Any], bool]
    shown: str
    of_class: str | None = None  # only in the expectations derived from this GX class


RULES = {
    "escape": Rule(lambda v: not isinstance(v, str) or len(v) == 1, "a single character"),
    "regex_list": Rule(lambda v: not isinstance(v, list) or len(v) > 0, "a list of one pattern or more"),
    "like_pattern_list": Rule(lambda v: not isinstance(v, list) or len(v) > 0, "a list of one pattern or more"),
    "column_list": Rule(lambda v: not isinstance(v, list) or len(v) >= 2, "a list of two columns or more",
                        of_class="MulticolumnMapExpectation"),
}


def value_problem(argument: Argument, value: Any, ancestors: set[str] = frozenset()
                  ) -> tuple[str, str, str | None] | None:
    """What is wrong with ``value`` for ``argument`` of an expectation derived from ``ancestors``:
    (problem, expected, suggestion), or None when GX will take it (or its type is one this table does not
    know)."""
    rule = RULES.get(argument.name)
    if rule is not None and (rule.of_class is None or rule.of_class in ancestors) and not rule.accepts(value):
        return f"{kind_of(value)} is not a value {argument.name} takes", rule.shown, None
    kinds = _kinds(ast.parse(argument.annotation, mode="eval").body)
    if kinds is not None and _number(value) and not _within(value, argument.limits):
        return (f"{value} is outside the range {argument.name} takes", _range(argument.limits), None)
    if kinds is not None and not any(k.accepts(value) if isinstance(k, Kind) else value in k for k in kinds):
        shown = list(dict.fromkeys(k.shown if isinstance(k, Kind) else "one of " + ", ".join(map(repr, k))
                                   for k in kinds if k not in (KINDS["SuiteParameterDict"], KINDS["None"])))
        expected = ", ".join(shown[:-1]) + " or " + shown[-1] if len(shown) > 1 else shown[0]
        return (f"{kind_of(value)} is not a value {argument.name} takes", expected,
                _suggestion(argument.name, value, kinds))
    if argument.name in REGEX_ARGUMENTS and not isinstance(value, dict):
        for pattern in value if isinstance(value, list) else [value]:
            try:
                re.compile(pattern)
            except (re.error, TypeError) as exc:
                return (f"{pattern!r} is not a valid regular expression ({exc})",
                        "a Python regular expression, e.g. '^[A-Z]{2}-\\d+$'",
                        "escape a literal character with a backslash, e.g. \\. or \\(")
    return None


LIMITS = {"ge": ("≥", lambda v, x: v >= x), "gt": (">", lambda v, x: v > x), "le": ("≤", lambda v, x: v <= x),
          "lt": ("<", lambda v, x: v < x)}


def _within(value: float, limits: tuple[tuple[str, float], ...]) -> bool:
    return all(LIMITS[op][1](value, bound) for op, bound in limits)


def _range(limits: tuple[tuple[str, float], ...]) -> str:
    return "a number " + " and ".join(f"{LIMITS[op][0]} {bound:g}" for op, bound in limits)


def _suggestion(name: str, value: Any, kinds: list[Kind | tuple[Any, ...]]) -> str | None:
    if name == "mostly" and _number(value):
        return "write the share of rows that must pass, e.g. 0.95 for 95%" if value > 1 else None
    if isinstance(value, str) and any(k in (KINDS["float"], KINDS["int"]) for k in kinds):
        try:
            float(value)
        except ValueError:
            return None
        return f"write the number without quotes: {value}"
    if isinstance(value, str) and value.lower() in ("yes", "no", "on", "off", "1", "0") and KINDS["bool"] in kinds:
        return "write true or false"
    if not isinstance(value, list) and (KINDS["list"] in kinds or KINDS["values"] in kinds):
        return f"write it as a list: [{value}]"
    words = next((k for k in kinds if isinstance(k, tuple)), None)
    if words and isinstance(value, str):
        import difflib

        close = difflib.get_close_matches(value, [str(w) for w in words], n=1)
        return close[0] if close else None
    return None


def bounds_problem(kwargs: dict[str, Any]) -> str | None:
    """``min_value`` above ``max_value`` (both numbers, or both dates)."""
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    comparable = (_number(low) and _number(high)) or (isinstance(low, dt.date) and isinstance(high, dt.date)
                                                     and isinstance(low, dt.datetime) == isinstance(high, dt.datetime))
    if comparable and low > high:
        return f"min_value {low} is above max_value {high}: no value can pass"
    return None
