"""The HTML report of a dataset: header with provenance and check badges, tables overview, per table its
charts, column profile and checks. One self-contained file: the stylesheet (``report.css``, package data) is
inlined, the charts are inline SVG, there are no scripts and no external resources."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from mock_pipelines import GENERATOR_VERSION, __version__
from mock_pipelines.quality.report.charts import SAMPLE_ROWS, Chart, change_volume_chart, table_charts
from mock_pipelines.quality.report.check_results import group_results, result_dict, summarize_results
from mock_pipelines.quality.report.formatting import esc, fmt_num, fmt_value, pct
from mock_pipelines.quality.report.in_force import (
    DeclaredRows,
    declared_rows,
    plan_in_force,
    range_in_force,
    shown_range,
)
from mock_pipelines.quality.report.profile import TOP_K, profile_of
from mock_pipelines.quality.report.scenarios import report_section
from mock_pipelines.quality.report.table_data import TableData, measured
from mock_pipelines.spec.model import DatasetSpec, TableSpec
from mock_pipelines.spec.types import LogicalType

if TYPE_CHECKING:
    from mock_pipelines.core.engine import DatasetPlan
    from mock_pipelines.quality.scoring import KindScore

# Inlined into every report; a file of its own so it is edited as CSS.
CSS = resources.files(__package__).joinpath("report.css").read_text(encoding="utf-8")


def _cell(v: Any, limit: int = 80) -> str:
    """An escaped value, truncated, with the full text in a tooltip when truncated."""
    if v is None or v == "":
        return '<span class="note">—</span>'
    full = fmt_value(v, 10_000)
    short = fmt_value(v, limit)
    if short != full:
        return f'<span title="{esc(full[:2000])}">{esc(short)}</span>'
    return esc(short)


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
    return f'<span title="{esc(text)}">{esc(text[:16])}{"…" if len(text) > 16 else ""}</span>'


def _anchor(table: str) -> str:
    return "t-" + re.sub(r"[^A-Za-z0-9_-]", "-", table)


def _checks_table(rows: list[dict[str, Any]], show_table: bool = False) -> str:
    head = ("<tr>" + ("<th>table</th>" if show_table else "") + "<th>check</th><th>kind</th><th>status</th>"
            "<th>observed</th><th>expected</th><th class=num>unexpected</th><th>examples</th></tr>")
    body = []
    for r in rows:
        name = esc(r.get("name") or "(unnamed)")
        desc = r.get("description")
        tags = ""
        if r["status"] == "fail" and r.get("blocking"):
            tags += '<span class="tag">blocking</span>'
        elif r.get("severity") and r["status"] != "pass":
            tags += f'<span class="tag">{esc(r["severity"])}</span>'
        examples = r.get("examples")
        if examples is None or examples == []:
            ex = '<span class="note">—</span>'
        else:
            items = list(examples) if isinstance(examples, (list, tuple)) else [examples]
            ex = "<br>".join(esc(fmt_value(e, 70)) for e in items[:5])
            if len(items) > 5:
                ex += f'<br><span class="note">… {len(items) - 5} more</span>'
        if r.get("sampled"):
            rows_seen = r.get("evaluated_rows")
            tags += ('<span class="tag" title="evaluated on a deterministic sample'
                     + (f' of {rows_seen:,} rows' if isinstance(rows_seen, int) else "") + '">sampled</span>')
        observed = _cell(r.get("observed"))
        if r.get("error"):
            observed = f'<span class="bad">{esc(fmt_value(r["error"], 200))}</span>'
        unexpected = r.get("unexpected_count")
        table = r.get("table")
        table_cell = "" if not show_table else (
            f'<td><a class=mono href="#{_anchor(table)}">{esc(table)}</a></td>' if table else "<td>—</td>")
        body.append(
            f"<tr>{table_cell}<td><span class=mono>{name}</span>{tags}"
            + (f'<span class="sub">{esc(desc)}</span>' if desc else "") + "</td>"
            f"<td>{esc(r.get('kind') or '—')}</td><td>{_pill(r['status'])}</td>"
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


def _comparable(value: Any) -> Any:
    """A value as a declared bound compares with it (a date as the datetime of its midnight)."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    return value


def _outside(c: dict[str, Any], declared: tuple[Any, Any]) -> bool:
    """Whether the observed min/max of a column lie outside the range in force."""
    lo, hi = declared
    try:
        return bool((lo is not None and c["min"] is not None and _comparable(c["min"]) < lo)
                    or (hi is not None and c["max"] is not None and _comparable(c["max"]) > hi))
    except TypeError:  # a type the bounds do not compare with (read back as text): nothing to say
        return False


def _bound_text(value: Any) -> str:
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()  # a date bound (or a timestamp bound at midnight)
    return fmt_value(value, 30)


def _range_text(declared: tuple[Any, Any]) -> str:
    lo, hi = declared
    if lo is None:
        return f"≤ {_bound_text(hi)}"
    if hi is None:
        return f"≥ {_bound_text(lo)}"
    return f"{_bound_text(lo)} – {_bound_text(hi)}"


# A column's range in force: (what the checks allow, rounding slack included; what the schema writes).
Ranges = Mapping[str, tuple[tuple[Any, Any], tuple[Any, Any]]]


def _findings(name: str, prof: dict[str, Any], charts: list[Chart], ranges: Ranges,
              rows: DeclaredRows | None, observed_rows: int) -> list[tuple[str, str, str, str]]:
    """What the page marks as off for one table, as (table, what, observed, declared) rows of "Needs
    attention": every flagged chart, null share, type, duplicate, range and row count."""
    out: list[tuple[str, str, str, str]] = []
    if rows is not None and rows.rows != observed_rows:
        out.append((name, "row count", f"{observed_rows:,} rows",
                    f"{rows.rows:,}" + (f" ({rows.how})" if rows.how else "")))
    if prof["missing_columns"]:
        out.append((name, "missing columns", ", ".join(prof["missing_columns"]), "declared in the schema"))
    for c in prof["columns"]:
        col = c["name"]
        if c["declared_type"] and not _type_matches(c["declared_type"], c["type"]):
            out.append((name, f"{col}: type", c["type"], c["declared_type"]))
        if not c["null_ok"]:
            out.append((name, f"{col}: nulls", f"{pct(c['null_share'])} ({c['nulls']:,} rows)",
                        pct(c["declared_null_rate"]) if c["declared_null_rate"] else "none"))
        if c["unique_ok"] is False:
            dupes = prof["rows"] - c["nulls"] - (c["distinct"] or 0)
            out.append((name, f"{col}: unique", f"{dupes:,} duplicates", "unique"))
        declared = ranges.get(col)
        if declared is not None and _outside(c, declared[0]):
            out.append((name, f"{col}: range", f"{fmt_value(c['min'], 30)} – {fmt_value(c['max'], 30)}",
                        _range_text(declared[1])))
    for chart in charts:
        if chart.flag:
            out.append((name, chart.title, chart.caption, "see the chart"))
    return out


def _findings_table(findings: list[tuple[str, str, str, str]]) -> str:
    body = "".join(f'<tr><td><a class=mono href="#{_anchor(t)}">{esc(t)}</a></td><td>'
                   f'<span class="off">⚠ off</span> {esc(what)}</td><td class=cell>{esc(observed)}</td>'
                   f"<td class=cell>{esc(declared)}</td></tr>" for t, what, observed, declared in findings)
    return ('<div class="scroll"><table class="grid findings"><tr><th>table</th><th>what</th><th>observed</th>'
            f"<th>declared</th></tr>{body}</table></div>")


def _profile_rows(prof: dict[str, Any], ranges: Ranges | None = None) -> str:
    n = prof["rows"]
    out = []
    for c in prof["columns"]:
        tags = ""
        if c["primary_key"]:
            tags += '<span class="tag">PK</span>'
        if c["unique_declared"]:
            tags += '<span class="tag">unique</span>'
        name = f'<b class=mono>{esc(c["name"])}</b>{tags}<span class="src">{esc(c["source"])}</span>'
        typ = esc(c["type"])
        if c["declared_type"] and not _type_matches(c["declared_type"], c["type"]):
            typ += f'<span class="sub off">declared {esc(c["declared_type"])}</span>'
        # nulls vs declared
        p = c["declared_null_rate"]
        cls = "" if c["null_ok"] else ' class="off"'
        nulls = f'<span{cls}>{pct(c["null_share"])}</span>' if c["nulls"] else \
            f'<span{cls or " class=note"}>0</span>'
        if c["nulls"]:
            nulls += f'<span class="sub">{c["nulls"]:,} rows</span>'
        if p:
            nulls += f'<span class="sub">declared {pct(p)}</span>'
        # distinct
        d = c["distinct"]
        if d is None and c.get("distinct_at_least") is not None:
            distinct = (f'<span title="distinct values in a sample of {c["top_sampled"] or 0:,} rows: not '
                        f'counted on every row">≥ {c["distinct_at_least"]:,}</span><span class="tag">sampled</span>')
            if c["unique_ok"] is False:
                distinct += '<span class="sub bad">duplicates (see the checks)</span>'
        elif d is None:
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
            lo, hi = fmt_value(c["min"], 30), fmt_value(c["max"], 30)
            sep = " … " if c["length_min"] is not None else " – "
            if len(lo) + len(hi) <= 30:
                rng = f"{_cell(c['min'], 30)}{sep}{_cell(c['max'], 30)}"
            else:
                rng = f'{_cell(c["min"], 30)}<span class="sub">{sep.strip()}</span>{_cell(c["max"], 30)}'
            if c.get("range_sampled"):
                rng += '<span class="tag" title="text min/max of the row sample">sampled</span>'
            if c["length_min"] is not None:
                rng += f'<span class="sub">length {c["length_min"]}–{c["length_max"]}</span>'
        else:
            rng = '<span class="note">—</span>'
        declared = (ranges or {}).get(c["name"])
        if declared is not None:  # the range in force (an `after:` moves it with the column it follows)
            cls = "sub off" if _outside(c, declared[0]) else "sub"
            rng += f'<span class="{cls}">declared {esc(_range_text(declared[1]))}</span>'
        stats = ""
        is_key = c["primary_key"] or c["kind"] == "ref" or str(c["source"]).startswith(("sequence", "child_index"))
        if c["mean"] is not None and not is_key:  # the mean of a key says nothing
            stats = f'{fmt_num(c["mean"], 4)}' + (f'<span class="sub">± {fmt_num(c["std"], 3)}</span>'
                                                   if c["std"] is not None else "")
        else:
            stats = '<span class="note">—</span>'
        # top values
        sampled = c.get("top_sampled")
        mark = (f'<span class="tag" title="estimated from a sample of {sampled:,} rows: the column has more '
                f'distinct values than are counted exactly">sampled</span>') if sampled else ""
        if d is not None and d == n - c["nulls"] and n > TOP_K:
            top = '<span class="note">all values distinct</span>'
        elif sampled and c["top"] and c["top"][0]["count"] <= 1:
            top = f'<span class="note">no value repeats in a sample of {sampled:,} rows</span>'
        elif c["top"] and ((d and d > 100) or sampled) and c["top"][0]["share"] < 0.002:  # top 5 would be noise
            first = c["top"][0]
            top = (f'<span class="note">high cardinality: the most frequent value, '
                   f'<span class=mono>{esc(fmt_value(first["value"], 40))}</span>, holds {pct(first["share"])} '
                   f'({first["count"]:,} rows)</span>')
        elif c["top"]:
            items = []
            for t in c["top"]:
                w = max(1.0, t["share"] * 100)
                items.append(f'<div class="v" title="{esc(fmt_value(t["value"], 500))} — {t["count"]:,} rows">'
                             f'<i style="width:{w:.1f}%"></i><span>{esc(fmt_value(t["value"], 36))}</span></div>'
                             f'<div class="s">{pct(t["share"])}</div>')
            more = f'<span class="sub">of {d:,} distinct</span>' if d and d > TOP_K else ""
            top = f'<div class="top">{"".join(items)}</div>{more}{mark}'
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
    return (f"<figure{cls}>{chart.svg}<figcaption><b>{esc(chart.title)}{warn}</b>{esc(chart.caption)}"
            "</figcaption></figure>")


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
            items.append((str(k).replace("_", " "), fmt_value(v, 120)))
    return items, hashes


def _table_ranges(spec: DatasetSpec, tspec: TableSpec | None, locale: str,
                  partitioned: bool) -> dict[str, tuple[tuple[Any, Any], tuple[Any, Any]]]:
    """The range in force of every column of a table that has one: as checked, and as the schema writes it."""
    if tspec is None:
        return {}
    out = {}
    for col, cs in tspec.columns.items():
        found = range_in_force(spec, tspec, cs, locale, partitioned=partitioned)
        if found is not None:
            out[col] = (found, shown_range(spec, tspec, cs, found))
    return out


def _rows_cell(observed: int, declared: DeclaredRows | None) -> str:
    if declared is None:
        return f"{observed:,}"
    how = f" ({esc(declared.how)})" if declared.how else ""
    if declared.rows == observed:
        return f'{observed:,}<span class="sub">declared {esc(declared.how)}</span>' if how else f"{observed:,}"
    return f'<span class="off">{observed:,}</span><span class="sub off">declared {declared.rows:,}{how}</span>'


def render_report(spec: DatasetSpec, tables: Mapping[str, TableData], results: Iterable[Any] | None = (),
                  provenance: Mapping[str, Any] | None = None, *, plan: DatasetPlan | None = None,
                  scenarios: Mapping[str, Sequence[KindScore]] | None = None) -> str:
    """The HTML report of a dataset.

    ``tables`` maps a table name to its ``pyarrow.Table``, or to ``{partition key: pyarrow.Table}`` for a
    partitioned table. ``results`` are check results (objects or dicts with ``name, kind, passed,
    blocking, severity, observed, expected, unexpected_count, examples, description, table``; missing fields
    are fine); none given means the report says checks were not run. ``provenance`` may hold ``seed``,
    ``spec_hash``, ``generator_version``, ``generated_at``, ``content_hashes`` ({table: hash}) and any other
    scalar to show in the header (``profile`` and ``run_id`` say which profile and run the page is for).

    ``plan``: the plan the data was generated with (a Dagster run passes its profile's: scale, row
    overrides, partitions); without it one is rebuilt from the seed and scale in ``provenance``. Declared
    row counts and daily rates are compared at that scale, and column ranges as they are in force.

    ``scenarios``: the detection score of each landed scenario (what
    :func:`~mock_pipelines.quality.report.landed.read_landed` gives as ``Landed.scenarios``), shown in the
    section "Scenarios: what the checks caught".
    """
    res = [result_dict(r) for r in (results or ())]
    counts = summarize_results(res) if res else None
    grouped = group_results(res, spec)
    prov_items, hashes = _provenance(spec, provenance)
    names = [t for t in spec.table_order() if t in tables] + [t for t in tables if t not in spec.tables]
    missing = [t for t in spec.table_order() if t not in tables]
    split = {name: (m, m.partitions) for name, m in ((name, measured(tables[name])) for name in names)}
    parent_rows = {name: t.num_rows for name, (t, _) in split.items()}
    total_rows = sum(parent_rows.values())
    in_force = plan_in_force(spec, provenance, plan)
    scale = in_force.scale if in_force is not None else 1.0
    locale = in_force.locale if in_force is not None else spec.locale
    partitioned_run = any(parts is not None for _, parts in split.values()) or (
        in_force is not None and in_force.partitions is not None)
    profiles, charts_of, ranges_of, rows_of, findings = {}, {}, {}, {}, []
    report_keys = sorted({k for _, parts in split.values() if parts for k in parts})
    for name in names:
        table, parts = split[name]
        tspec = spec.tables.get(name)
        profiles[name] = prof = profile_of(table.profile, tspec, spec, duplicates=table.duplicates)
        charts_of[name] = table_charts(name, table.profile, tspec, prof, parts, parent_rows, scale=scale,
                                       timeline=_timeline(in_force, name))
        changes_chart = _change_chart(spec, in_force, name, tables, parts or report_keys)
        if changes_chart is not None:  # after the rows per partition
            charts_of[name].insert(1 if parts else 0, changes_chart)
        ranges_of[name] = _table_ranges(spec, tspec, locale, partitioned_run)
        rows_of[name] = declared_rows(in_force, name, parts is not None)
        findings += _findings(name, prof, charts_of[name], ranges_of[name], rows_of[name], table.num_rows)
    profile_name = (provenance or {}).get("profile")
    subject = f"{spec.name} · profile {profile_name}" if profile_name else spec.name

    h: list[str] = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        '<meta name=viewport content="width=device-width,initial-scale=1">',
        f"<title>{esc(subject)} — data quality report</title><style>{CSS}</style></head><body><main>",
        '<header class="card"><div class="eyebrow">mock-pipelines · data quality report</div>',
        f"<h1>{esc(spec.name)}"
        + (f' <span class="profile">profile {esc(profile_name)}</span>' if profile_name else "") + "</h1>",
    ]
    if spec.description:
        h.append(f'<p class="desc">{esc(spec.description)}</p>')
    h.append(f'<div class="badges">{_check_badges(counts)}'
             f'<span class="badge b-info">{len(names)} table{"s" if len(names) != 1 else ""}</span>'
             f'<span class="badge b-info">{total_rows:,} rows</span></div>')
    if counts is None:
        h.append('<p class="meta">Checks were not run: this report profiles the data only.</p>')
    elif counts["failed"]:
        h.append(f'<p class="meta bad">{counts["failed"]} check{"s" if counts["failed"] > 1 else ""} of severity '
                 "error failed: a run with these results fails.</p>")
    h.append('<dl class="prov">' + "".join(f"<div><dt>{esc(k)}</dt><dd class=mono>{esc(v)}</dd></div>"
                                            for k, v in prov_items) + "</dl></header>")

    problems = [r for r in res if r["status"] in ("fail", "warn")]
    if problems or findings:
        problems.sort(key=lambda r: r["status"] != "fail")
        h.append('<section class="card attention" id="attention"><h2>Needs attention</h2>')
        if problems:
            h.append(f'<p class="meta">{len(problems)} check{"s" if len(problems) > 1 else ""} did not pass; '
                     "each is also listed with its table below.</p>" + _checks_table(problems, show_table=True))
        if findings:
            h.append(f'<p class="meta">{len(findings)} figure{"s" if len(findings) > 1 else ""} of the data '
                     f'{"are" if len(findings) > 1 else "is"} off what the schema declares for this run'
                     f"{f' (scale {scale:g})' if scale != 1 else ''}; each is also marked ⚠ off or in "
                     "colour with its table below.</p>" + _findings_table(findings))
        h.append("</section>")
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
        h.append(f'<tr><td><a href="#{_anchor(name)}" class=mono>{esc(name)}</a></td>'
                 f"<td class=num>{_rows_cell(table.num_rows, rows_of[name])}</td>"
                 f"<td class=num>{table.num_columns}</td>"
                 f"<td class=num>{len(parts) if parts is not None else '—'}</td><td>{chk}</td>"
                 f"<td class=mono>{_hash_cell(hashes.get(name))}</td>"
                 f'<td class=cell>{esc(tspec.description if tspec else "")}</td></tr>')
    for name in missing:
        h.append(f'<tr><td class=mono>{esc(name)}</td><td class=num colspan=2><span class="off">no data</span>'
                 "</td><td></td><td></td><td></td><td></td></tr>")
    h.append("</table></div></section>")

    for name in names:
        table, parts = split[name]
        tspec = spec.tables.get(name)
        prof, charts = profiles[name], charts_of[name]
        h.append(f'<section class="card" id="{_anchor(name)}"><div class="tablehead"><div>'
                 f"<h2 class=mono>{esc(name)}</h2>")
        if tspec is not None and tspec.description:
            h.append(f'<p class="desc" style="margin:0">{esc(tspec.description)}</p>')
        meta = []
        if tspec is not None:
            if tspec.primary_key:
                meta.append("primary key " + ", ".join(tspec.primary_key))
            for fk in tspec.foreign_keys:
                meta.append(f"{', '.join(fk.columns)} → <a href=\"#{_anchor(fk.table)}\">{esc(fk.table)}</a>"
                            + (f" (skew {esc(fk.skew)})" if fk.skew is not None else ""))
            if tspec.rows.per:
                meta.append(f"rows: {tspec.rows.count} per {esc(tspec.rows.per)}"
                            + (f", at most {tspec.rows.max}" if tspec.rows.max is not None else ""))
        if parts is not None:
            meta.append(f"{len(parts):,} partitions")
        if meta:
            h.append('<p class="meta">' + " · ".join(m if "<a " in m else esc(m) for m in meta) + "</p>")
        c = summarize_results(grouped.get(name, [])) if res else None
        h.append(f'</div><div class="badges"><span class="badge b-info">{table.num_rows:,} rows</span>'
                 f"{_check_badges(c, nonzero=True) if c is not None and c['total'] else ''}</div></div>")
        if prof["missing_columns"]:
            h.append(f'<p class="bad">Columns declared but missing from the data: '
                     f'{esc(", ".join(prof["missing_columns"]))}</p>')
        if charts:
            h.append('<h3>Distributions</h3><div class="charts">' + "".join(_figure(ch) for ch in charts)
                     + "</div>")
        h.append('<h3>Columns</h3><div class="scroll"><table class="grid profile"><tr><th>column</th>'
                 "<th>type</th><th class=num>nulls</th><th class=num>distinct</th><th>min / max</th>"
                 "<th class=num>mean ± sd</th><th>top values</th></tr>" + _profile_rows(prof, ranges_of[name])
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
    h.append(report_section(scenarios or {}))
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    h.append(f"<footer>Report written {stamp} by mock-pipelines {esc(__version__)} (generator version "
             f"{esc(GENERATOR_VERSION)}). Self-contained: no scripts, no external resources. Histograms use at "
             f"most {SAMPLE_ROWS:,} sampled rows per table; <i>distance</i> is the total-variation distance "
             "between generated and declared shares, <i>noise</i> what sampling alone would give.</footer>")
    h.append("</main></body></html>")
    return "\n".join(h)


def _timeline(plan: Any, table: str) -> Any:
    """The run's timeline of a table that grows at its own rate (None when the run was not partitioned)."""
    if plan is None or plan.partitions is None or table not in plan.spec.tables:
        return None
    try:
        return plan.table(table).timeline
    except Exception:  # a chart's extra: a plan that cannot lay the table out shows the declared rate only
        return None


def _change_chart(spec: DatasetSpec, plan: Any, table: str, tables: Mapping[str, Any], keys: Iterable[str],
                  ) -> Chart | None:
    """Change events per partition of a table with ``changes:`` (None for any other table) — inserts, updates,
    deletes (a soft delete is one) — counted from its
    landed change log when the report has it (what :func:`~mock_pipelines.quality.report.landed.read_landed`
    counted, or the ``<table>__changes`` partitions among ``tables``), else from the change log the run's plan
    computes for the report's partitions. A chart is an extra: what cannot be counted leaves it out."""
    from mock_pipelines.core.changes import LOG, output_table
    from mock_pipelines.quality import change_checks

    tspec = spec.tables.get(table)
    if tspec is None or tspec.changes is None:
        return None
    deletes = tspec.changes.deletes
    soft = deletes.column if deletes is not None and deletes.mode == "soft" else None
    try:
        landed = getattr(tables.get(table), "change_volume", None)
        logs = tables.get(output_table(table, LOG))
        if landed:
            return change_volume_chart(landed, "counted from the landed change log")
        if isinstance(logs, Mapping) and logs and all(isinstance(t, pa.Table) for t in logs.values()):
            volume = {k: change_checks.op_counts(t.to_batches(), soft) for k, t in logs.items()}
            return change_volume_chart(volume, "counted from the landed change log")
        if plan is None or plan.partitions is None:
            return None
        keys = list(keys)
        if not keys:
            return None
        windows = {k: change_checks.partition_window(plan.partitions, k) for k in keys}
        volume = change_checks.change_volume(plan.table(table).changes, windows)
        return change_volume_chart(volume, "computed from the run's plan (no change log landed)")
    except Exception:
        return None
