"""The column profile of a table: type, nulls against the declared null rate, distinct values, min/max,
mean, top values — computed with ``pyarrow.compute`` on whole columns, compared with the table's spec."""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines.quality.report.in_force import params_in_force
from mock_pipelines.spec.model import ColumnSpec, DatasetSpec, TableSpec

TOP_K = 5


FREQUENCY_LIMIT = 200  # columns with at most this many distinct values keep their full frequencies


def plain(arr: pa.ChunkedArray) -> pa.ChunkedArray:
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


def profile_table(table: pa.Table, spec: TableSpec | None = None, dataset: DatasetSpec | None = None) -> dict[str, Any]:
    """Profile every column of ``table`` (vectorised), compared with what ``spec`` declares.

    Returns ``{"rows", "columns": [...], "missing_columns", "extra_columns"}``; each column is a dict with
    ``name, type, declared_type, source, nulls, null_share, declared_null_rate, null_ok, distinct,
    unique_declared, unique_ok, min, max, mean, std, length_min, length_max, top, frequencies``
    (``top``: up to five ``{"value", "count", "share"}`` by count; ``frequencies``: every value with its
    count when there are at most 200 distinct values, else ``None``). ``dataset``: the spec ``spec`` belongs
    to, which says which columns may hold nulls without a declared rate (the root of a tree of
    self-references, a column computed from a nullable one).
    """
    nullable = _nullable_columns(spec, dataset)
    n = table.num_rows

    def one(name: str) -> dict[str, Any]:
        cs = spec.columns.get(name) if spec is not None else None
        return _profile_column(name, table.column(name), cs, spec, n, name in nullable)

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


def _profile_column(name: str, raw: pa.ChunkedArray, cs: ColumnSpec | None, spec: TableSpec | None,
                    n: int, may_be_null: bool = False) -> dict[str, Any]:
    arr = plain(raw)
    t = arr.type
    nulls = arr.null_count
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
    params = ", ".join(f"{k}={_short(v, 40)}" for k, v in params_in_force(cs).items())
    return f"{cs.generator}({params})" if params else str(cs.generator)
