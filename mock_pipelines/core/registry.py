"""The generator catalogue: a registry of named, documented, parameter-validated generators.

A generator is a function ``fn(ctx: GenContext, *, param=default, ...) -> pyarrow.Array`` that returns one
value per row of ``ctx.rows``, computed only from ``ctx`` (row indices, column key, locale, other columns of
the same rows). Keyword-only parameters are the user-facing parameters; their annotations and defaults are
validated with pydantic before anything is generated.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import numpy as np
import pyarrow as pa
from pydantic import ConfigDict, TypeAdapter, ValidationError

from mock_pipelines.core import random as rnd
from mock_pipelines.core.facts import Facts
from mock_pipelines.spec.errors import suggest
from mock_pipelines.spec.types import WRITTEN_TYPES, LogicalType

# A parameter annotated ColumnRef names another column of the same row ("first_name"), or a column of a
# referenced parent row through a foreign-key column ("customer_id.signup_ts"). The engine orders columns
# by these references and resolves them; the generator reads them with ctx.column(name).
COLUMN_REF = "column-ref"
ColumnRef = Annotated[str, COLUMN_REF]

@dataclass
class GenContext:
    """Everything a generator may depend on. Generators must not use any other source of variation."""

    rows: np.ndarray
    key: int
    locale: str = "en_US"
    unique: bool = False
    table_rows: int | None = None
    # Key shared by all columns of the table: columns that must agree (city, state and zip of one
    # address) draw their shared random index from it instead of from their own column key.
    table_key: int = 0
    resolve: Callable[[str], pa.Array] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # The index unique_index permutes instead of the row (unique_within: a parent offset + child_index).
    unique_rows: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.rows)

    # -- randomness, all pure functions of (key, row, stream) --
    def uniform(self, stream: int = 0) -> np.ndarray:
        return rnd.uniform(self.key, self.rows, stream)

    def uniform_open(self, stream: int = 0) -> np.ndarray:
        return rnd.uniform_open(self.key, self.rows, stream)

    def integers(self, n: int | np.ndarray, stream: int = 0) -> np.ndarray:
        return rnd.integers(self.key, self.rows, n, stream)

    def normal(self, stream: int = 0) -> np.ndarray:
        return rnd.standard_normal(self.key, self.rows, stream)

    def bits(self, stream: int = 0) -> np.ndarray:
        return rnd.bits(self.key, self.rows, stream)

    def digits(self, count: int, stream: int = 0) -> np.ndarray:
        return rnd.digits(self.key, self.rows, count, stream)

    def small_ints(self, count: int, n: int, stream: int = 0) -> np.ndarray:
        return rnd.small_ints(self.key, self.rows, count, n, stream)

    def unique_index(self, n: int) -> np.ndarray:
        """A bijection of the row index into [0, n): distinct rows get distinct values while rows < n."""
        rows = self.rows if self.unique_rows is None else self.unique_rows
        return rnd.permute(rows % n, n, self.key)

    def shared(self, group: str) -> GenContext:
        """A context whose randomness is shared by every column that asks for the same group name."""
        from dataclasses import replace

        return replace(self, key=rnd.derive_key(self.table_key, "shared", group), unique=False)

    def column(self, ref: str) -> pa.Array:
        """The values of another column for the same rows (or of the parent row through a foreign key)."""
        if self.resolve is None:
            raise LookupError(f"column {ref!r} is not available outside a table")
        return self.resolve(ref)


@dataclass(frozen=True)
class Param:
    name: str
    annotation: Any
    default: Any
    is_column_ref: bool

    @property
    def required(self) -> bool:
        return self.default is inspect.Parameter.empty


@dataclass(frozen=True)
class Generator:
    name: str
    fn: Callable[..., pa.Array]
    category: str
    returns: LogicalType
    description: str
    example: str
    params: tuple[Param, ...]
    vectorised: bool = True
    # Number of distinct values the generator can produce for these params/locale (None = unbounded);
    # validation uses it to reject unsatisfiable uniqueness before generating anything.
    capacity: Callable[[Mapping[str, Any], str], int | None] | None = None
    # True when unique=True is honoured by construction (e.g. a row-derived suffix or a bijection).
    supports_unique: bool = False
    aliases: tuple[str, ...] = ()
    # Checks across parameters beyond their types (raise ParamError): run after the generic ones.
    check: Callable[[Mapping[str, Any]], None] | None = None
    # What the values look like (range, format, distribution, value set), read by quality, the report and
    # DDL; NO_FACTS when there is nothing to state, None only for a generator that has not declared (a
    # catalogue test refuses that).
    facts: Facts | None = None
    # The plugin that registered the generator (core.plugins.Plugin.label); None for a built-in one.
    plugin: str | None = None

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def column_refs(self, params: Mapping[str, Any]) -> list[str]:
        refs: list[str] = []
        for p in self.params:
            value = params.get(p.name, None if p.required else p.default)
            if p.is_column_ref and value:
                refs.extend(value if isinstance(value, list | tuple) else [value])
        return refs

    def validate_params(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Check names and types of params; return them with defaults filled in. Raises ParamError."""
        known = {p.name for p in self.params}
        for name in params:
            if name not in known:
                raise ParamError(name, f"unknown parameter {name!r} for generator {self.name!r}",
                                 suggest(name, known), expected=self.signature())
        out: dict[str, Any] = {}
        for p in self.params:
            if p.name not in params:
                if p.required:
                    raise ParamError(p.name, f"generator {self.name!r} needs parameter {p.name!r}",
                                     None, expected=self.signature())
                out[p.name] = p.default
                continue
            try:
                out[p.name] = _adapter(p.annotation).validate_python(params[p.name])
            except ValidationError as exc:
                msg = exc.errors()[0]["msg"]
                raise ParamError(p.name, f"parameter {p.name!r} of {self.name!r}: {msg}", None,
                                 expected=_type_name(p.annotation)) from None
            _check_numbers(self.name, p.name, out[p.name])
        _check_bounds(self, params, out)
        if self.check is not None:
            self.check(out)
        return out

    def signature(self) -> str:
        parts = []
        for p in self.params:
            t = _type_name(p.annotation)
            parts.append(f"{p.name}: {t}" + ("" if p.required else f" = {p.default!r}"))
        return f"{self.name}({', '.join(parts)})"

    def __call__(self, ctx: GenContext, **params: Any) -> pa.Array:
        return self.fn(ctx, **params)


_INT64_MAX = 2 ** 63 - 1


def _check_numbers(gen: str, name: str, value: Any) -> None:
    """Numbers a vectorised generator can compute with: 64-bit integers, finite floats; weights that pick."""
    items = list(value.values()) if isinstance(value, dict) else value if isinstance(value, list | tuple) \
        else [value]
    for item in items:
        if isinstance(item, bool):
            continue
        if isinstance(item, int) and abs(item) > _INT64_MAX:
            raise ParamError(name, f"parameter {name!r} of {gen!r}: {item} does not fit a 64-bit integer",
                             "use a smaller number", expected=f"a number between {-_INT64_MAX} and {_INT64_MAX}")
        if isinstance(item, float) and not np.isfinite(item):
            raise ParamError(name, f"parameter {name!r} of {gen!r}: {item} is not a finite number",
                             "write a number such as 1e300", expected="a finite number")
    if name.endswith("weights") and isinstance(value, list | tuple) and value:
        numbers = [v for v in value if isinstance(v, int | float) and not isinstance(v, bool)]
        if len(numbers) == len(value) and (min(numbers) < 0 or sum(numbers) <= 0):
            raise ParamError(name, f"parameter {name!r} of {gen!r}: weights must be >= 0 with a positive sum, "
                             f"got {list(value)}", "give at least one weight above 0",
                             expected="non-negative weights, at least one positive")


def bound_pairs(names: Any) -> list[tuple[str, str]]:
    """Parameters that bound a range from below and above: min/max, start/end, min_X/max_X, X_min/X_max."""
    names = set(names)
    pairs = [(a, b) for a, b in (("min", "max"), ("start", "end")) if a in names and b in names]
    pairs += [(n, "max" + n[3:]) for n in sorted(names) if n.startswith("min_") and "max" + n[3:] in names]
    pairs += [(n, n[:-4] + "_max") for n in sorted(names) if n.endswith("_min") and n[:-4] + "_max" in names]
    return pairs


def _check_bounds(gen: Generator, given: Mapping[str, Any], values: Mapping[str, Any]) -> None:
    """A lower bound above its upper bound is an error for every generator with bounds (never a silent
    clip or an empty range)."""
    for lo_name, hi_name in bound_pairs(p.name for p in gen.params):
        lo, hi = values.get(lo_name), values.get(hi_name)
        if lo is None or hi is None or (lo_name not in given and hi_name not in given):
            continue
        if lo_name == "start":
            from mock_pipelines.core.generators.datetime import to_micros

            try:
                lo_key, hi_key = to_micros(lo), to_micros(hi, end=True)
            except (ValueError, OverflowError, TypeError):
                continue  # an unreadable date is reported by the generator itself
        elif isinstance(lo, int | float) and isinstance(hi, int | float):
            lo_key, hi_key = lo, hi
        else:
            continue
        if lo_key > hi_key:
            where = hi_name if hi_name in given else lo_name
            raise ParamError(where, f"{gen.name!r}: {lo_name} ({lo}) is after {hi_name} ({hi})"
                             if lo_name == "start" else f"{gen.name!r}: {lo_name} ({lo}) is larger than "
                             f"{hi_name} ({hi})", f"swap {lo_name} and {hi_name}",
                             expected=f"{lo_name} <= {hi_name}")


class GeneratorClash(ValueError):
    """A generator (or alias) registered under a name the catalogue already has."""

    def __init__(self, name: str, existing: Generator | None):
        owner = "a built-in generator" if existing is None or existing.plugin is None \
            else f"a generator of plugin {existing.plugin!r}"
        super().__init__(f"generator {name!r} is already {owner}")
        self.name = name


class ParamError(ValueError):
    def __init__(self, param: str, message: str, suggestion: str | None, expected: str | None = None):
        super().__init__(message)
        self.param = param
        self.message = message
        self.suggestion = suggestion
        self.expected = expected


_ADAPTERS: dict[Any, TypeAdapter] = {}


def _adapter(annotation: Any) -> TypeAdapter:
    try:
        return _ADAPTERS[annotation]
    except (KeyError, TypeError):
        adapter = TypeAdapter(annotation, config=ConfigDict(strict=False) if not _is_plain(annotation) else None)
        try:
            _ADAPTERS[annotation] = adapter
        except TypeError:
            pass
        return adapter


def _is_plain(annotation: Any) -> bool:
    return isinstance(annotation, type)


_BOUND_TEXT = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<"}


def _type_name(annotation: Any) -> str:
    """A parameter's type as a person reads it in an error or a listing: ``int (≥ 0, ≤ 18) | None``,
    ``column | list[column] | None``, ``'a' | 'b'`` — never Python's own repr of the annotation."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        if COLUMN_REF in args[1:]:
            return "column | None" if type(None) in get_args(args[0]) else "column"
        bounds = [f"{_BOUND_TEXT[k]} {getattr(m, k)}" for meta in args[1:]
                  for m in getattr(meta, "metadata", [meta]) for k in _BOUND_TEXT if hasattr(m, k)]
        return _type_name(args[0]) + (f" ({', '.join(bounds)})" if bounds else "")
    if origin in (Union, UnionType):
        return " | ".join(_type_name(a) for a in args)
    if origin is Literal:
        return " | ".join(repr(a) for a in args)
    if annotation is type(None):
        return "None"
    if origin is not None:
        return f"{getattr(origin, '__name__', str(origin))}[{', '.join(_type_name(a) for a in args)}]"
    if isinstance(annotation, type):
        return annotation.__name__
    return str(annotation).replace("typing.", "")


def _is_column_ref(annotation: Any) -> bool:
    """True for ColumnRef, ColumnRef | None, list[ColumnRef] and Annotated[str | None, COLUMN_REF]."""
    if get_origin(annotation) is Annotated:
        return COLUMN_REF in get_args(annotation)[1:]
    return any(_is_column_ref(a) for a in get_args(annotation))


REGISTRY: dict[str, Generator] = {}
_ALIASES: dict[str, str] = {}


def generator(
    name: str,
    *,
    category: str,
    returns: str,
    example: str,
    description: str | None = None,
    vectorised: bool = True,
    capacity: Callable[[Mapping[str, Any], str], int | None] | None = None,
    supports_unique: bool = False,
    aliases: tuple[str, ...] = (),
    check: Callable[[Mapping[str, Any]], None] | None = None,
    facts: Facts | None = None,
) -> Callable[[Callable[..., pa.Array]], Callable[..., pa.Array]]:
    """Register ``fn`` as generator ``name``. The docstring's first line is the default description."""
    if returns not in WRITTEN_TYPES:
        raise ValueError(f"generator {name}: unknown return type {returns!r}")

    def register(fn: Callable[..., pa.Array]) -> Callable[..., pa.Array]:
        for taken in (name, *aliases):  # an alias is a name too: which family loads first must not matter
            if taken in REGISTRY or taken in _ALIASES:
                raise GeneratorClash(taken, REGISTRY.get(_ALIASES.get(taken, taken)))
        sig = inspect.signature(fn, eval_str=True)
        params = []
        for p in list(sig.parameters.values())[1:]:
            if p.kind is not inspect.Parameter.KEYWORD_ONLY:
                raise TypeError(f"generator {name}: parameter {p.name} must be keyword-only")
            params.append(Param(p.name, p.annotation, p.default, _is_column_ref(p.annotation)))
        doc = description or (inspect.getdoc(fn) or "").split("\n")[0]
        REGISTRY[name] = Generator(
            name=name, fn=fn, category=category, returns=LogicalType(returns), description=doc, example=example,
            params=tuple(params), vectorised=vectorised, capacity=capacity,
            supports_unique=supports_unique, aliases=aliases, check=check, facts=facts,
        )
        for alias in aliases:
            _ALIASES[alias] = name
        return fn

    return register


def get(name: str) -> Generator:
    """The generator called ``name`` (or an alias). Raises KeyError with a suggestion.

    Only the family module that defines a built-in name is imported (see generators/names.py); the whole
    catalogue is loaded only for a name it does not list (a plugin's, or a typo to suggest a fix for)."""
    load_catalogue()
    gen = _registered(name)
    if gen is None:
        from mock_pipelines.core.generators import load_family
        from mock_pipelines.core.generators.names import FAMILY_OF

        if name in FAMILY_OF:
            load_family(FAMILY_OF[name])
            gen = _registered(name)
    if gen is None:
        _load_builtins()
        gen = _registered(name)
    if gen is None:
        raise UnknownGenerator(name, suggest(name, [*REGISTRY, *_ALIASES]))
    return gen


def _registered(name: str) -> Generator | None:
    if name in REGISTRY:
        return REGISTRY[name]
    if name in _ALIASES:
        return REGISTRY[_ALIASES[name]]
    return None


class UnknownGenerator(KeyError):
    def __init__(self, name: str, suggestion: str | None):
        super().__init__(name)
        self.name = name
        self.suggestion = suggestion

    def __str__(self) -> str:
        hint = f" — did you mean {self.suggestion!r}?" if self.suggestion else ""
        return f"unknown generator {self.name!r}{hint}"


def catalogue() -> list[Generator]:
    """Every generator: the built-in ones and the plugins'."""
    load_catalogue()
    _load_builtins()
    return sorted(REGISTRY.values(), key=lambda g: (g.category, g.name))


def cannot_guarantee_unique(name: str) -> tuple[str, str]:
    """The refusal of ``unique`` for a generator without a unique mode (validate and ``fake --unique``
    give the same): the message and a suggestion naming every generator that has one."""
    names = sorted(g.name for g in catalogue() if g.supports_unique)
    return (f"generator {name!r} cannot guarantee unique values",
            f"use a generator with a unique mode ({', '.join(names)}) or a template with {{_unique}}")


def builtin_catalogue() -> list[Generator]:
    """The built-in generators only (what docs/generators.md documents): no plugin is loaded for it, so an
    installed or broken plugin cannot change the generated reference."""
    _load_builtins()
    return [g for g in sorted(REGISTRY.values(), key=lambda g: (g.category, g.name))
            if g.plugin is None and getattr(g.fn, "__module__", "").startswith("mock_pipelines.")]


_LOADED = False
_BUILTINS_LOADED = False


def _load_builtins() -> None:
    """Import every built-in family (once): what listing the catalogue, a suggestion for an unknown name and
    a plugin's import (which must not take a built-in's name) need."""
    global _BUILTINS_LOADED
    if not _BUILTINS_LOADED:
        _BUILTINS_LOADED = True
        from mock_pipelines.core.generators import load_all

        load_all()


def load_catalogue() -> None:
    """Register the generators of the generator plugins (entry points of ``mock_pipelines.generators`` and
    ``MOCK_PIPELINES_PLUGINS``), every built-in one first when there is a plugin (so a plugin can never take a
    built-in's name, see core.plugins.import_plugin). Without plugins nothing is imported: :func:`get` imports
    a built-in generator's family when it is first asked for. Raises core.plugins.PluginError for a plugin
    that cannot be loaded, at every call."""
    global _LOADED
    if not _LOADED:
        _LOADED = True
        from mock_pipelines.core.plugins import load_generator_plugins

        try:
            load_generator_plugins()
        except Exception:
            _LOADED = False  # the next call reports the same plugin again
            raise
