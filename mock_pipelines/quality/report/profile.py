"""The column profile of a table: type, nulls against the declared null rate, distinct values, min/max,
mean, top values — as :mod:`mock_pipelines.quality.column_profile` measured them batch by batch, compared
with the table's spec."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines.quality.column_profile import TableProfile, is_numeric, orderable
from mock_pipelines.quality.report.in_force import params_in_force
from mock_pipelines.spec.model import ColumnSpec, DatasetSpec, TableSpec

TOP_K = 5


FREQUENCY_LIMIT = 200  # columns with at most this many distinct values keep their full frequencies


def _declared_null_rate(cs: ColumnSpec | None, spec: TableSpec | None) -> float:
    if cs is None:
        return 0.0
    fk = spec.fk_for_column(cs.name) if spec is not None else None
    return max(float(cs.null_rate or 0.0), float(fk.null_rate or 0.0) if fk is not None else 0.0)


def _null_tolerance(p: float, n: int) -> float:
    """How far an observed null share may sit from the declared rate before it is flagged (≈4 sigma)."""
    return 4.0 * math.sqrt(max(p * (1 - p), 0.0) / max(n, 1)) + 1.0 / max(n, 1)


def profile_table(table: pa.Table, spec: TableSpec | None = None, dataset: DatasetSpec | None = None) -> dict[str, Any]:
    """Profile every column of ``table`` (:class:`~mock_pipelines.quality.column_profile.TableProfile` fed
    the table batch by batch), compared with what ``spec`` declares: :func:`profile_of`."""
    return profile_of(TableProfile.of_table(table), spec, dataset)


def profile_of(measured: TableProfile, spec: TableSpec | None = None, dataset: DatasetSpec | None = None, *,
               duplicates: Mapping[str, int] | None = None) -> dict[str, Any]:
    """The column profile of a measured table, compared with what ``spec`` declares.

    Returns ``{"rows", "columns": [...], "missing_columns", "extra_columns"}``; each column is a dict with
    ``name, type, declared_type, source, nulls, null_share, declared_null_rate, null_ok, distinct,
    distinct_at_least, unique_declared, unique_ok, min, max, range_sampled, mean, std, length_min,
    length_max, top, top_sampled, frequencies``. Exact unless said otherwise: ``distinct`` is None when
    only the row sample was counted (text and number columns of a table larger than the sample), with
    ``distinct_at_least`` the distinct values of that sample; ``top`` (up to five ``{"value", "count",
    "share"}`` by count) and ``frequencies`` (every value with its count when there are at most 200
    distinct values, else ``None``) then come from the sample, ``top_sampled`` saying how many rows it
    holds; ``range_sampled``: text min/max read from the sample. ``dataset``: the spec
    ``spec`` belongs to, which says which columns may hold nulls without a declared rate (the root of a tree
    of self-references, a column computed from a nullable one). ``duplicates``: rows whose value repeats,
    per column, from the exact uniqueness rules (they give the distinct count of a unique column).
    """
    nullable = _nullable_columns(spec, dataset)
    n = measured.rows
    names = list(measured.columns)
    columns = []
    for name in names:
        cs = spec.columns.get(name) if spec is not None else None
        columns.append(_column(name, measured, cs, spec, n, name in nullable, (duplicates or {}).get(name)))
    declared = list(spec.columns) if spec is not None else []
    return {
        "rows": n,
        "columns": columns,
        "missing_columns": [c for c in declared if c not in names],
        "extra_columns": [c for c in names if spec is not None and c not in spec.columns],
    }


def _nullable_columns(spec: TableSpec | None, dataset: DatasetSpec | None) -> set[str]:
    """Columns of ``spec`` that may hold nulls (:func:`core.column_facts.may_be_null`)."""
    if spec is None or dataset is None:
        return set()
    from mock_pipelines.core.column_facts import may_be_null

    out = set()
    for name, cs in spec.columns.items():
        try:
            if may_be_null(dataset, spec, cs):
                out.add(name)
        except Exception:  # a column the facts cannot judge keeps the declared rate as its measure
            continue
    return out


def _column(name: str, measured: TableProfile, cs: ColumnSpec | None, spec: TableSpec | None, n: int,
            may_be_null: bool, duplicate_rows: int | None) -> dict[str, Any]:
    col = measured.columns[name]
    t = col.type
    nulls = col.nulls
    p_decl = _declared_null_rate(cs, spec)
    share = nulls / n if n else 0.0
    if p_decl == 0.0:
        # expressions may yield nulls; so may a column that reads a nullable one, or a tree's root reference
        null_ok = nulls == 0 or (cs is not None and cs.kind == "expr") or may_be_null
    else:
        null_ok = abs(share - p_decl) <= _null_tolerance(p_decl, n)
    out: dict[str, Any] = {
        "name": name, "type": str(t), "declared_type": str(cs.type) if cs is not None else None,
        "source": _source_label(cs, spec), "kind": cs.kind if cs is not None else None,
        "primary_key": bool(spec is not None and name in spec.primary_key),
        "nulls": nulls, "null_share": share, "declared_null_rate": p_decl, "null_ok": bool(null_ok),
        "distinct": None, "distinct_at_least": None, "unique_declared": bool(cs.unique) if cs is not None else False,
        "unique_ok": None, "min": col.min, "max": col.max, "mean": None, "std": None,
        "length_min": col.length_min, "length_max": col.length_max, "top": [], "top_sampled": None,
        "frequencies": None, "range_sampled": False,
    }
    if n == 0 or pa.types.is_nested(t) or pa.types.is_null(t):
        out["distinct"] = 0 if n == 0 or pa.types.is_null(t) else None
        return out
    non_null = n - nulls
    freq = col.frequencies()
    sample_freq = _sample_frequencies(measured, name) if freq is None else None
    if freq is None and not measured.sampled:  # the sample holds every row: its counts are exact
        freq, sample_freq = sample_freq, None
    if freq is not None:
        out["distinct"] = len(freq)
        if len(freq) <= FREQUENCY_LIMIT:
            out["frequencies"] = freq
        out["top"] = _top(freq, non_null)
    elif sample_freq is not None:
        sampled = measured.values(name)
        assert sampled is not None
        out["distinct_at_least"] = len(sample_freq)
        if duplicate_rows == 0:  # a unique column that holds no duplicate: its distinct count is exact
            out["distinct"] = non_null
        out["top"] = _top(sample_freq, len(sampled) - sampled.null_count)
        out["top_sampled"] = len(sampled)
        if len(sample_freq) <= FREQUENCY_LIMIT:
            out["frequencies"] = sample_freq
    if out["unique_declared"]:
        if out["distinct"] is not None:
            out["unique_ok"] = out["distinct"] == non_null
        elif duplicate_rows is not None:
            out["unique_ok"] = duplicate_rows == 0
    if out["min"] is None and (freq or sample_freq) and orderable(t):  # text: min/max of the counted values
        values = [v for v, _ in (freq or sample_freq or [])]
        out["min"], out["max"] = values[0], values[-1]
        out["range_sampled"] = freq is None
    if is_numeric(t) and col.n:
        out["mean"], out["std"] = col.mean, col.std
    return out


def _top(freq: list[tuple[Any, int]], non_null: int) -> list[dict[str, Any]]:
    ranked = sorted(freq, key=lambda kv: -kv[1])[:TOP_K]  # stable: ties in value order
    return [{"value": v, "count": c, "share": c / max(non_null, 1)} for v, c in ranked]


def _sample_frequencies(measured: TableProfile, name: str) -> list[tuple[Any, int]] | None:
    """Every value of the row sample with its count, in value order."""
    values = measured.values(name)
    if values is None:
        return None
    counts = pc.value_counts(values.drop_null())
    items = list(zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist(), strict=True))
    try:
        items.sort(key=lambda kv: kv[0])
    except TypeError:
        pass
    return items


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
        within = f" · within {fk.within}" if fk is not None and fk.within is not None else ""
        return f"→ {target}{within}{skew}"
    if cs.expr is not None:
        return f"= {_short(cs.expr, 60)}"
    if cs.template is not None:
        return f"template {_short(cs.template, 50)}"
    if cs.sum_of is not None:
        return f"Σ {cs.sum_of[0]}.{cs.sum_of[1]} of its children"
    params = ", ".join(f"{k}={_short(v, 40)}" for k, v in params_in_force(cs).items())
    return f"{cs.generator}({params})" if params else str(cs.generator)
