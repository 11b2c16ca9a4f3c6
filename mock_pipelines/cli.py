"""`mock-pipelines`: import, validate, preview, fake, generators, defects, generate, changes, scenario, run, jobs, report,
ddl.

Exit codes: 0 success · 1 bad input (schema, parameters) · 2 usage error · 3 output conflict.
"""

from __future__ import annotations

import re
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from mock_pipelines.spec.errors import SchemaError


def _readable_params(params: list[Any]) -> list[Any]:
    """Help that speaks the user's language: an option shows its metavar (FILE, N, NAME…), a flag and an
    argument nothing after their names, never a Python type such as ``<bool>`` or ``<list[Path]>``."""
    for param in params:
        if "display_type_rich" not in vars(param):
            shown = None if param.param_type_name == "argument" or getattr(param, "is_flag", False) else param.metavar
            param.display_type_rich = lambda ctx, shown=shown: shown
    return params


class _Command(typer.core.TyperCommand):
    def get_params(self, ctx: Any) -> list[Any]:
        return _readable_params(super().get_params(ctx))


class _Group(typer.core.TyperGroup):
    def get_params(self, ctx: Any) -> list[Any]:
        return _readable_params(super().get_params(ctx))


app = typer.Typer(cls=_Group, add_completion=False, no_args_is_help=True, rich_markup_mode="rich",
                  help="Realistic, relational, reproducible mock data.")
# Piped output (files, CI logs) gets a wide fixed width so tables are not folded at 80 columns.
out = Console(width=None if sys.stdout.isatty() else 240)
err = Console(stderr=True, soft_wrap=True)

EXIT_BAD_INPUT = 1
EXIT_USAGE = 2  # options that cannot be given together (as click reports a usage error)
EXIT_CONFLICT = 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a command stopped with Ctrl-C


def _fail(message: str, code: int = EXIT_BAD_INPUT) -> None:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def _report_schema_error(exc: SchemaError) -> None:
    n = len(exc.issues)
    err.print(f"[bold red]{n} problem{'s' if n > 1 else ''} found — nothing was generated[/]")
    for issue in exc.issues:  # messages quote the user's text: escaped, so [brackets] print as written
        err.print(f"  [bold]{escape(str(issue.location))}[/]: {escape(issue.message)}", highlight=False)
        if issue.expected:
            err.print(f"      expected: {escape(issue.expected)}", highlight=False)
        if issue.suggestion:
            hint = issue.suggestion if " " in issue.suggestion else f"did you mean {issue.suggestion!r}?"
            err.print(f"      [green]hint:[/] {escape(hint)}", highlight=False)
    raise typer.Exit(EXIT_BAD_INPUT)


PluginOption = Annotated[list[str] | None, typer.Option(
    "--plugin", metavar="MODULE", help="A plugin module to import from the current folder (its generators and "
    "expectations become usable); repeatable. Also read from $MOCK_PIPELINES_PLUGINS (comma-separated).")]


def _report_plugin_error(exc: Any) -> None:
    """A plugin that cannot be loaded: one error naming it, the cause's first line and a hint; exit 1."""
    err.print(f"[bold red]error:[/] {escape(exc.message)} — nothing was generated", highlight=False)
    err.print(f"      [green]hint:[/] {escape(exc.suggestion)}", highlight=False)
    raise typer.Exit(EXIT_BAD_INPUT)


def _use_plugins(modules: list[str] | None = None) -> None:
    """Load the generator catalogue with its plugins (entry points, $MOCK_PIPELINES_PLUGINS) and the
    ``--plugin`` modules, imported from the current folder; a plugin that fails ends the command."""
    from mock_pipelines.core import registry
    from mock_pipelines.core.plugins import PluginError, use_local_plugins

    try:
        registry.load_catalogue()
        use_local_plugins(list(modules or []), Path.cwd(), origin="--plugin")
    except PluginError as exc:
        _report_plugin_error(exc)


def _load(files: list[Path]):
    from mock_pipelines.schema.parse import load_dataset

    _use_plugins()
    specs = []
    problems = []
    for f in files:
        try:
            specs.append(load_dataset(f))
        except SchemaError as exc:
            problems.extend(exc.issues)
    if problems:
        _report_schema_error(SchemaError(problems))
    return specs


SourceOption = Annotated[list[str] | None, typer.Option(
    "--source", help="A database whose existing rows the schema references (ref: {existing: NAME.…}), as "
    "NAME=URL (repeatable).", metavar="NAME=URL")]


def _sources(given: list[str] | None) -> dict[str, str]:
    """``--source NAME=URL`` options as a mapping (a wrong form is a usage error)."""
    sources: dict[str, str] = {}
    for item in given or []:
        name, sep, url = item.partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name.strip()) or not url.strip():
            _fail(f"--source takes NAME=URL, e.g. --source crm=postgresql+psycopg://user@host/db; got "
                  f"{item.split('=')[0]!r}…", EXIT_USAGE)
        sources[name.strip()] = url.strip()
    return sources


def _existing_keys(spec, sources: dict[str, str] | None):
    """The keys of the schema's references to existing rows (read when first needed), or None without any;
    a reference to a source not given is reported now, before anything is generated."""
    if sources is None or not spec.existing_columns():
        return None
    from mock_pipelines.store.sql.existing_keys import ExistingKeys  # SQLAlchemy: only for such a schema

    try:
        return ExistingKeys(spec, sources)
    except SchemaError as exc:
        _report_schema_error(exc)


def _plan(spec, seed: int | None, scale: float, locale: str | None, sources: dict[str, str] | None = None):
    """A checked plan. ``sources``: the databases of ``--source`` (None: validation, which accepts
    references to existing rows without reading them)."""
    from mock_pipelines.core.engine import DatasetPlan, PlanOptions
    from mock_pipelines.core.locales import SUPPORTED_LOCALES

    if locale is not None and locale not in SUPPORTED_LOCALES:
        from mock_pipelines.spec.errors import suggest

        hint = suggest(locale, SUPPORTED_LOCALES)
        _fail(f"unsupported locale {locale!r}; choose one of {', '.join(SUPPORTED_LOCALES)}"
              + (f" — did you mean {hint!r}?" if hint else ""))
    if not 0 < scale < float("inf"):
        _fail(f"--rows-scale must be a positive number, got {scale}")
    plan = DatasetPlan(spec, PlanOptions(seed=seed, scale=scale, locale=locale,
                                         existing_keys=_existing_keys(spec, sources)))
    try:
        plan.check()
    except SchemaError as exc:
        _report_schema_error(exc)
    return plan


@app.command(cls=_Command)
def validate(files: Annotated[list[Path], typer.Argument(help="Schema files to check.", metavar="FILE")],
             plugin: PluginOption = None) -> None:
    """Check schema files; print every problem with file:line:column."""
    from mock_pipelines.core.plugins import PluginError
    from mock_pipelines.quality.expectations import user_expectation_issues

    _use_plugins(plugin)
    specs = _load(files)
    try:
        problems = [issue for spec in specs for issue in user_expectation_issues(spec)]
    except PluginError as exc:  # an expectation plugin whose source cannot be read
        _report_plugin_error(exc)
    if problems:
        _report_schema_error(SchemaError(problems))
    for spec in specs:
        plan = _plan(spec, None, 1.0, None)
        counts = ", ".join(f"{t} {plan.table(t).rows_text()}" for t in plan.order())
        out.print(f"[green]✓[/] {spec.file}: dataset [bold]{spec.name}[/], {len(spec.tables)} tables ({counts})",
                  highlight=False)


@app.command(cls=_Command)
def preview(
    file: Annotated[Path, typer.Argument(help="Schema file.", metavar="FILE")],
    table: Annotated[str | None, typer.Option("--table", "-t", help="Table to show (default: all).",
                                              metavar="TABLE")] = None,
    n: Annotated[int, typer.Option("-n", help="Rows to show.", metavar="N")] = 10,
    seed: Annotated[int | None, typer.Option(help="Seed (default: the schema's).", metavar="SEED")] = None,
    locale: Annotated[str | None, typer.Option(help="Locale override, e.g. de_DE.", metavar="LOCALE")] = None,
    plugin: PluginOption = None,
    source: SourceOption = None,
) -> None:
    """Show the first rows of a table in the terminal; nothing is written."""
    import numpy as np

    _use_plugins(plugin)
    (spec,) = _load([file])
    plan = _plan(spec, seed, 1.0, locale, _sources(source))
    names = [table] if table else plan.order()
    for name in names:
        if name not in plan.tables:
            from mock_pipelines.spec.errors import suggest

            hint = suggest(name, plan.tables)
            _fail(f"no table {name!r} in {spec.name}" + (f" — did you mean {hint!r}?" if hint else ""))
        tp = plan.table(name)
        batch = tp.compute(np.arange(min(n, tp.n_rows), dtype=np.int64))
        view = Table(title=f"{spec.name}.{name} — {min(n, tp.n_rows)} of {tp.n_rows:,} rows", title_justify="left")
        for field in batch.schema:
            view.add_column(f"{field.name}\n[dim]{field.type}[/]", overflow="fold")
        for row in batch.to_pylist():
            view.add_row(*["[dim]null[/]" if v is None else str(v) for v in row.values()])
        out.print(view)


@app.command(cls=_Command)
def fake(
    generator: Annotated[str, typer.Argument(help="Generator name, e.g. first_name.", metavar="GENERATOR")],
    n: Annotated[int, typer.Option("-n", help="How many values.", metavar="N")] = 5,
    locale: Annotated[str, typer.Option(help="Locale.", metavar="LOCALE")] = "en_US",
    param: Annotated[list[str] | None, typer.Option(
        "--param", "-p", metavar="KEY=VALUE", help="A generator parameter, read as the parameter's type: "
        "text as is (format=###-##-####), numbers and true/false from their text, lists and mappings as "
        "YAML (values=\\[a, b]), null or ~ as none where the parameter takes it. Repeatable.")] = None,
    seed: Annotated[int, typer.Option(help="Seed.", metavar="SEED")] = 0,
    unique: Annotated[bool, typer.Option("--unique", help="Distinct values only; refused when the generator "
                                         "cannot guarantee them or has fewer than N.")] = False,
    plugin: PluginOption = None,
) -> None:
    """Print single values from a generator."""
    import numpy as np

    from mock_pipelines.core import registry
    from mock_pipelines.core.engine import unique_capacity_message
    from mock_pipelines.core.locales import SUPPORTED_LOCALES
    from mock_pipelines.core.random import derive_key

    _use_plugins(plugin)
    try:
        gen = registry.get(generator)
    except registry.UnknownGenerator as exc:
        _fail(str(exc) + "; 'mock-pipelines generators --search WORD' lists them")
    if locale not in SUPPORTED_LOCALES:
        _fail(f"unsupported locale {locale!r}; choose one of {', '.join(SUPPORTED_LOCALES)}")
    if n < 0:
        _fail(f"-n must be zero or more, got {n}")
    raw: dict[str, Any] = {}
    for item in param or []:
        if "=" not in item:
            _fail(f"--param expects KEY=VALUE, got {item!r}")
        k, v = item.split("=", 1)
        declared = gen.param(k.strip())
        raw[k.strip()] = v if declared is None else _param_value(declared.annotation, v)
    try:
        params = gen.validate_params(raw)
    except registry.ParamError as exc:
        hint = f" — did you mean {exc.suggestion!r}?" if exc.suggestion else ""
        _fail(f"{exc.message}{hint}\n  signature: {gen.signature()}")
    refs = gen.column_refs(params)
    if refs:
        _fail(f"{gen.name} reads other columns ({', '.join(refs)}); try it in a schema with 'preview'")
    if unique:  # the same refusals as validate gives a schema column with unique: true
        if not gen.supports_unique:
            message, suggestion = registry.cannot_guarantee_unique(gen.name)
            _fail(f"{message}; drop --unique, or {suggestion} in a schema")
        cap = gen.capacity(params, locale) if gen.capacity else None
        if cap is not None and cap < n:
            _fail(unique_capacity_message(f"-n {n:,} --unique", n, gen.name, cap, locale)
                  + f"; ask for at most -n {cap:,}, or drop --unique")
    ctx = registry.GenContext(rows=np.arange(n, dtype=np.int64), key=derive_key(seed, "fake", gen.name),
                              locale=locale, unique=unique, table_rows=n,
                              table_key=derive_key(seed, "fake"), extra={"child_index": lambda: np.arange(n)})
    try:
        values = gen(ctx, **params).to_pylist()
    except Exception as exc:
        # a parameter the types let through but the generator cannot use (start=today): one line
        _fail(f"{gen.name}: cannot generate with {_shown(raw)}: {exc}")
    for value in values:
        out.print(str(value), highlight=False)


def _shown(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in params.items()) or "the default parameters"


_NULL_WORDS = ("null", "Null", "NULL", "~")


def _param_value(annotation: Any, text: str) -> Any:
    """A ``-p KEY=VALUE`` value read as its parameter's declared type: ``null``/``~`` is None where the type
    takes None (``X | None``, Any); else the text itself when the type takes it (a str keeps ``#`` and ``:``;
    pydantic reads ints, floats and booleans from text), else YAML — for lists and mappings."""
    from pydantic import ValidationError
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    from mock_pipelines.core.registry import _adapter

    adapter = _adapter(annotation)
    if text.strip() in _NULL_WORDS:
        try:
            return adapter.validate_python(None)
        except (ValidationError, TypeError):
            pass
    try:
        return adapter.validate_python(text)
    except (ValidationError, TypeError):
        pass
    try:
        return YAML(typ="safe").load(text) if text.strip() else text
    except YAMLError:
        return text  # the generator's own validation reports what it expected


@app.command(cls=_Command)
def generators(
    search: Annotated[str | None, typer.Option("--search", "-s", help="Filter by word.", metavar="WORD")] = None,
    category: Annotated[str | None, typer.Option("--category", "-c", help="Filter by category.",
                                                 metavar="CATEGORY")] = None,
    markdown: Annotated[bool, typer.Option("--markdown", help="Print the built-in catalogue as a Markdown "
                                           "reference (plugins are not loaded for it).")] = False,
    plugin: PluginOption = None,
) -> None:
    """List the generator catalogue with parameters and an example value; a plugin's generators say which
    plugin they come from."""
    from mock_pipelines.core import registry

    if markdown:
        print(catalogue_markdown(), end="")
        return

    _use_plugins(plugin)
    gens = registry.catalogue()
    if search:
        word = search.lower()
        gens = [g for g in gens if word in g.name or word in g.description.lower() or word in g.category
                or any(word in a for a in g.aliases)]
    if category:
        gens = [g for g in gens if g.category == category]
    view = Table(title=f"{len(gens)} generators", title_justify="left")
    for col in ("category", "name", "returns", "parameters", "example", "description"):
        view.add_column(col, overflow="fold")
    for g in gens:
        params = ", ".join(p.name + ("" if p.required else f"={p.default!r}") for p in g.params)
        desc = escape(g.description) + ("" if g.vectorised else " [yellow](per-row fallback)[/]") \
            + (f" [cyan](plugin: {escape(g.plugin)})[/]" if g.plugin else "")
        view.add_row(g.category, g.name, g.returns, params, g.example, desc)
    out.print(view)


@app.command(cls=_Command)
def defects(
    markdown: Annotated[bool, typer.Option("--markdown", help="Print the catalogue as a Markdown reference.")] = False,
) -> None:
    """List the defect catalogue: the kinds a scenario can inject, the columns each applies to, its parameters
    and the rules it breaks."""
    if markdown:
        print(defects_markdown(), end="")
        return
    entries = defect_catalogue()
    view = Table(title=f"{len(entries)} defect kinds", title_justify="left")
    for col in ("group", "kind", "applies to", "parameters", "breaks", "description"):
        view.add_column(col, overflow="fold")
    for e in entries:
        params = ", ".join(f"{name}={p.default!r}" for name, p in e.params.items())
        view.add_row(e.group, e.name, e.applies_to, params, e.breaks, escape(e.description))
    out.print(view)


@app.command(cls=_Command)
def generate(
    files: Annotated[list[Path], typer.Argument(help="Schema files.", metavar="FILE")],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Output directory (a folder per dataset).",
                                          metavar="DIR")] = Path("data"),
    fmt: Annotated[str, typer.Option("--format", "-f", help="parquet, csv, jsonl or json.",
                                     metavar="FORMAT")] = "parquet",
    rows_scale: Annotated[float, typer.Option("--rows-scale", help="Multiply every row count.",
                                              metavar="X")] = 1.0,
    seed: Annotated[int | None, typer.Option(help="Seed (default: the schema's).", metavar="SEED")] = None,
    locale: Annotated[str | None, typer.Option(help="Locale override, e.g. de_DE.", metavar="LOCALE")] = None,
    tables: Annotated[list[str] | None, typer.Option("--table", "-t", help="Only these tables (repeatable).",
                                                     metavar="TABLE")] = None,
    chunk_size: Annotated[int, typer.Option(help="Rows per record batch.", metavar="N")] = 262_144,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace output of a different run.")] = False,
    plugin: PluginOption = None,
    source: SourceOption = None,
) -> None:
    """Generate datasets to files: a folder per table, streamed and written atomically."""
    from mock_pipelines.store.files.formats import FORMATS
    from mock_pipelines.store.files.manifest import LandingError, OutputConflict, RunIdentity, check_target
    from mock_pipelines.store.files.table_folder import write_table

    if fmt not in FORMATS:
        _fail(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if chunk_size <= 0:
        _fail("--chunk-size must be positive")
    _use_plugins(plugin)
    specs = _load(files)
    sources = _sources(source)
    plans = [_plan(s, seed, rows_scale, locale, sources) for s in specs]
    jobs = []
    for plan in plans:
        names = plan.order()
        if tables:
            missing = [t for t in tables if t not in plan.tables]
            if missing and len(plans) == 1:
                _fail(f"no table {missing[0]!r} in {plan.spec.name}")
            names = [t for t in names if t in tables]
        for name in names:
            keys = plan.existing_keys_digest(name)  # rows picked from a database's keys: other keys, another run
            made_by = plan.spec.spec_hash(name) + (f"+keys:{keys}" if keys else "")
            ident = RunIdentity(plan.spec.name, name, made_by, plan.seed, plan.scale, plan.locale, fmt)
            jobs.append((plan, name, out_dir / plan.spec.name / name, ident))
    try:  # refuse before writing anything
        for _, _, path, ident in jobs:
            check_target(path, ident, overwrite)
    except OutputConflict as exc:
        _fail(str(exc), EXIT_CONFLICT)
    results = []
    started = time.perf_counter()
    try:
        with Progress(TextColumn("{task.description:<28}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=err, transient=not sys.stderr.isatty()) as progress:
            for plan, name, path, ident in jobs:
                tp = plan.table(name)
                task = progress.add_task(f"{plan.spec.name}.{name}", total=tp.n_rows)
                results.append(write_table(tp.batches(chunk_size=chunk_size), tp.written_schema, path, ident,
                                           overwrite=overwrite, progress=lambda k, t=task: progress.advance(t, k),
                                           extra_manifest={"seed": plan.seed, "spec_hash": ident.spec_hash}))
    except LandingError as exc:  # disk full, read-only, a file in the path: one line, the table left as it was
        done = f" ({len(results)} table{'s' if len(results) != 1 else ''} written before it)" if results else ""
        _fail(f"{exc}{done}")
    except OutputConflict as exc:  # another process wrote a different run meanwhile
        _fail(str(exc), EXIT_CONFLICT)
    total = time.perf_counter() - started
    view = Table(title=f"wrote {len(results)} tables to {out_dir} ({fmt})", title_justify="left")
    for col in ("table", "rows", "bytes", "seconds", "rows/s"):
        view.add_column(col, justify="right" if col != "table" else "left")
    for r in results:
        view.add_row(r.table, f"{r.rows:,}", _size(r.bytes), f"{r.seconds:.2f}", f"{r.rows_per_second:,.0f}")
    rows = sum(r.rows for r in results)
    view.add_row("[bold]total[/]", f"{rows:,}", _size(sum(r.bytes for r in results)), f"{total:.2f}",
                 f"{rows / total if total else 0:,.0f}")
    out.print(view)


# -- change data: the change log, snapshots, SCD2 history and Debezium records of a range of partitions ------
_KEY_FORMATS = {"hourly": "%Y-%m-%d-%H:%M", "daily": "%Y-%m-%d", "weekly": "%Y-%m-%d", "monthly": "%Y-%m-%d"}
CHANGE_FORMATS = ("parquet", "csv", "jsonl")  # the partitioned formats of a files destination


def _partition_time(text: str, option: str) -> Any:
    """A partition key or time (``2024-01-05``, ``2024-01-05-13:00`` as hourly keys are written, or an ISO
    datetime) as a naive UTC datetime."""
    import datetime as dt

    for fmt in ("%Y-%m-%d", "%Y-%m-%d-%H:%M"):
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            pass
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        _fail(f"{option} {text!r} is not a date; expected YYYY-MM-DD (YYYY-MM-DD-HH:MM for an hourly partition)")
    return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value


def _change_windows(scheme: Any, first: Any, last: Any) -> list[tuple[str, int, int]]:
    """(key, start, end) of the partitions of ``scheme`` from the one starting at ``first`` to the one starting
    at ``last``; both must be partition starts."""
    import numpy as np

    from mock_pipelines.core.timeline import to_us

    def end_of(t: int) -> int:
        return int(scheme.window_end_us(np.array([t]))[0])

    def is_start(t: int) -> bool:
        return t == scheme.start_us or (t > scheme.start_us and end_of(t - 1) == t)

    fmt = _KEY_FORMATS[scheme.cadence]
    for option, value in (("--from", first), ("--to", last)):
        if not is_start(to_us(value)):
            _fail(f"{option} {value:%Y-%m-%d %H:%M} is not the start of a {scheme.cadence} partition of a run "
                  f"starting {scheme.start:%Y-%m-%d %H:%M}; the next one is "
                  f"{_from_us(end_of(to_us(value))).strftime(fmt)}")
    out = []
    t, stop = to_us(first), to_us(last)
    while t <= stop:
        end = end_of(t)
        out.append((_from_us(t).strftime(fmt), t, end))
        t = end
    return out


def _from_us(t: int) -> Any:
    import datetime as dt

    return dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=t)


@app.command(cls=_Command)
def changes(
    file: Annotated[Path, typer.Argument(help="Schema file with a changes: block on one or more tables.",
                                         metavar="FILE")],
    date_from: Annotated[str, typer.Option("--from", help="First partition, e.g. 2024-01-01.", metavar="KEY")],
    date_to: Annotated[str, typer.Option("--to", help="Last partition (included), e.g. 2024-01-31.",
                                         metavar="KEY")],
    outputs: Annotated[list[str] | None, typer.Option(
        "--output", help="What to write (repeatable): changes (the change log), snapshot (the table at the end "
        "of each partition), history (SCD2 versions), debezium (the change log as Debezium records). "
        "Default: changes.", metavar="OUTPUT")] = None,
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Output directory: DIR/DATASET/TABLE__OUTPUT/"
                                          "date=KEY/.", metavar="DIR")] = Path("data"),
    fmt: Annotated[str, typer.Option("--format", "-f", help="parquet, csv or jsonl.", metavar="FORMAT")] = "parquet",
    scale: Annotated[float, typer.Option("--scale", "--rows-scale", help="Multiply every row count.",
                                         metavar="X")] = 1.0,
    seed: Annotated[int | None, typer.Option(help="Seed (default: the schema's).", metavar="SEED")] = None,
    locale: Annotated[str | None, typer.Option(help="Locale override, e.g. de_DE.", metavar="LOCALE")] = None,
    cadence: Annotated[str, typer.Option(help="Partition cadence: hourly, daily, weekly or monthly.",
                                         metavar="CADENCE")] = "daily",
    start: Annotated[str | None, typer.Option(help="First partition of the whole run (default: --from): the "
                                              "tables grow from it, so a later range of the same run gives "
                                              "the same --start.", metavar="KEY")] = None,
    tables: Annotated[list[str] | None, typer.Option("--table", "-t", help="Only these tables (repeatable; "
                                                     "default: every table with changes:).",
                                                     metavar="TABLE")] = None,
    chunk_size: Annotated[int, typer.Option(help="Rows per record batch.", metavar="N")] = 262_144,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace output of a different run.")] = False,
) -> None:
    """Write the change data of a range of partitions: per partition and per table with changes:, the
    change log, the snapshot as of the partition's end, the SCD2 history or Debezium records, each
    partition streamed and replaced atomically."""
    from mock_pipelines.core.changes import OUTPUTS, output_table
    from mock_pipelines.core.debezium import DEBEZIUM, envelope_schema, envelopes
    from mock_pipelines.core.engine import DatasetPlan, PlanOptions
    from mock_pipelines.core.locales import SUPPORTED_LOCALES
    from mock_pipelines.core.timeline import CADENCES, PartitionScheme
    from mock_pipelines.spec.errors import suggest
    from mock_pipelines.store.files.manifest import LandingError, OutputConflict, RunIdentity, check_target
    from mock_pipelines.store.files.store import FileStore

    choices = (*OUTPUTS, DEBEZIUM)
    wanted = list(dict.fromkeys(outputs or ["changes"]))
    for name in wanted:
        if name not in choices:
            hint = suggest(name, choices)
            _fail(f"unknown output {name!r}; choose from {', '.join(choices)}"
                  + (f" — did you mean {hint!r}?" if hint else ""))
    if fmt not in CHANGE_FORMATS:
        _fail(f"unknown format {fmt!r}; choose one of {', '.join(CHANGE_FORMATS)}")
    if fmt == "csv" and DEBEZIUM in wanted:
        _fail("the debezium output nests the row in before/after records, which CSV cannot hold; "
              "use --format jsonl (what a Debezium consumer reads) or parquet")
    if cadence not in CADENCES:
        hint = suggest(cadence, CADENCES)
        _fail(f"unknown cadence {cadence!r}; choose one of {', '.join(CADENCES)}"
              + (f" — did you mean {hint!r}?" if hint else ""))
    if chunk_size <= 0:
        _fail("--chunk-size must be positive")
    if not 0 < scale < float("inf"):
        _fail(f"--scale must be a positive number, got {scale}")
    if locale is not None and locale not in SUPPORTED_LOCALES:
        _fail(f"unsupported locale {locale!r}; choose one of {', '.join(SUPPORTED_LOCALES)}")
    first, last = _partition_time(date_from, "--from"), _partition_time(date_to, "--to")
    if last < first:
        _fail(f"the range ends before it starts: --to {date_to} comes before --from {date_from}", EXIT_USAGE)
    run_start = _partition_time(start, "--start") if start else first
    if run_start > first:
        _fail(f"--from {date_from} comes before the run's first partition --start {start}; "
              f"give --start {date_from} or earlier")

    (spec,) = _load([file])
    changing = [name for name, t in spec.tables.items() if t.changes is not None]
    if not changing:
        _fail(f"{file}: no table has a changes: block, so there is no change data to write; add one to a "
              "table (updates:, deletes:, late:), see docs/schema-language.md, 'Rows that change'")
    names = changing
    if tables:
        for name in tables:
            if name not in spec.tables:
                hint = suggest(name, spec.tables)
                _fail(f"no table {name!r} in {spec.name}" + (f" — did you mean {hint!r}?" if hint else ""))
            if name not in changing:
                _fail(f"table {name!r} of {file} has no changes: block; tables with one: {', '.join(changing)}")
        names = [t for t in changing if t in tables]
    scheme = PartitionScheme(run_start, cadence)
    plan = DatasetPlan(spec, PlanOptions(seed=seed, scale=scale, locale=locale, partitions=scheme))
    try:
        plan.check()
    except SchemaError as exc:
        _report_schema_error(exc)
    windows = _change_windows(scheme, first, last)
    store = FileStore(out_dir, fmt)
    jobs = []
    for name in names:
        # The rows depend on where the run starts and how it is cut: both are part of what made them.
        made_by = f"{plan.spec.spec_hash(name)}:{cadence}@{run_start.isoformat()}"
        for output in wanted:
            target = output_table(name, output)
            ident = RunIdentity(plan.spec.name, target, made_by, plan.seed, plan.scale, plan.locale, fmt)
            jobs.append((name, output, target, ident))
    try:  # refuse before writing anything
        for _, _, target, ident in jobs:
            check_target(Path(store.table_path(plan.spec.name, target)), ident, overwrite, partitioned=True)
    except OutputConflict as exc:
        _fail(str(exc), EXIT_CONFLICT)

    def batches(name: str, output: str, lo: int, hi: int) -> tuple[Any, Any]:
        tc = plan.table(name).changes
        if output == "changes":
            return tc.log_schema, tc.log(lo, hi, chunk_size)
        if output == "snapshot":
            return tc.snapshot_schema, tc.snapshot(hi, chunk_size)
        if output == "history":
            return tc.history_schema, tc.history(hi, chunk_size)
        return envelope_schema(tc), envelopes(tc.log(lo, hi, chunk_size), tc, plan.spec.name)

    totals: dict[str, list[int]] = {target: [0, 0, 0] for _, _, target, _ in jobs}  # partitions, rows, bytes
    started = time.perf_counter()
    try:
        with Progress(TextColumn("{task.description:<28}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=err, transient=not sys.stderr.isatty()) as progress:
            task = progress.add_task(f"{plan.spec.name} {windows[0][0]}…{windows[-1][0]}",
                                     total=len(windows) * len(jobs))
            for key, lo, hi in windows:
                for name, output, target, ident in jobs:
                    schema, data = batches(name, output, lo, hi)
                    result = store.write_batches(plan.spec.name, target, schema, data, partition_key=key,
                                                 identity=ident)
                    totals[target][0] += 1
                    totals[target][1] += result.rows
                    totals[target][2] += result.bytes
                    progress.advance(task)
    except LandingError as exc:  # disk full, read-only, a file in the path: one line, the partition left as it was
        _fail(str(exc))
    except OutputConflict as exc:
        _fail(str(exc), EXIT_CONFLICT)
    seconds = time.perf_counter() - started
    out.print(f"wrote {len(windows)} {cadence} partition{'s' if len(windows) != 1 else ''} "
              f"{windows[0][0]}…{windows[-1][0]} of {plan.spec.name} to {out_dir} ({fmt}) in {seconds:.2f}s",
              highlight=False, soft_wrap=True)
    view = Table()
    for col in ("output", "partitions", "rows", "bytes"):
        view.add_column(col, justify="left" if col == "output" else "right")
    for target, (parts, rows, size) in totals.items():
        view.add_row(target, str(parts), f"{rows:,}", _size(size))
    out.print(view)


# -- scenarios: a dataset's named variant (defects, exclusions, edge cases) with its ground truth ---------------
@app.command(cls=_Command)
def scenario(
    file: Annotated[Path, typer.Argument(help="Schema file with a scenarios: block.", metavar="SCHEMA")],
    name: Annotated[str | None, typer.Argument(help="The scenario to generate; without it, the declared "
                                               "scenarios are listed.", metavar="NAME")] = None,
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Output directory: DIR/DATASET__NAME/TABLE/, "
                                          "and the ground truth in DIR/DATASET__NAME/_defects/.",
                                          metavar="DIR")] = Path("data"),
    fmt: Annotated[str, typer.Option("--format", "-f", help="parquet, csv or jsonl.", metavar="FORMAT")] = "parquet",
    date_from: Annotated[str | None, typer.Option("--from", help="First daily partition of the growing tables, "
                                                  "e.g. 2024-01-01 (with --to; default: every table whole, "
                                                  "unpartitioned).", metavar="KEY")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last daily partition (included).",
                                                metavar="KEY")] = None,
    scale: Annotated[float, typer.Option("--rows-scale", "--scale", help="Multiply every row count.",
                                         metavar="X")] = 1.0,
    seed: Annotated[int | None, typer.Option(help="Seed (default: the schema's).", metavar="SEED")] = None,
    chunk_size: Annotated[int, typer.Option(help="Rows per record batch.", metavar="N")] = 262_144,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace output of a different run.")] = False,
) -> None:
    """Write a scenario of a dataset — every table, with its defects, exclusions or edge cases — and its
    ground truth _defects (one row per changed cell, copied row, excluded record or drifted partition);
    without NAME, list the scenarios the schema declares."""
    import pyarrow as pa

    from mock_pipelines.core.engine import DatasetPlan, PlanOptions
    from mock_pipelines.core.scenarios import GROUND_TRUTH_SCHEMA, ScenarioPlan
    from mock_pipelines.core.timeline import PartitionScheme
    from mock_pipelines.spec.errors import suggest
    from mock_pipelines.spec.scenario_hash import scenario_hash
    from mock_pipelines.spec.scenarios import GROUND_TRUTH_TABLE
    from mock_pipelines.store.files.manifest import LandingError, OutputConflict, RunIdentity, check_target
    from mock_pipelines.store.files.store import FileStore

    (spec,) = _load([file])
    if name is None:
        _list_scenarios(file, spec)
        return
    if name not in spec.scenarios:
        declared = list(spec.scenarios)
        hint = suggest(name, declared)
        _fail(f"{file}: no scenario {name!r} in dataset {spec.name}; "
              + (f"declared: {', '.join(declared)}" if declared else "the schema declares none (add a "
                 "scenarios: block)") + (f" — did you mean {hint!r}?" if hint else ""))
    if fmt not in CHANGE_FORMATS:
        _fail(f"unknown format {fmt!r}; choose one of {', '.join(CHANGE_FORMATS)}")
    if chunk_size <= 0:
        _fail("--chunk-size must be positive")
    if not 0 < scale < float("inf"):
        _fail(f"--rows-scale must be a positive number, got {scale}")
    if (date_from is None) != (date_to is None):
        _fail("give --from and --to together (a range of daily partitions), or neither (every table whole)",
              EXIT_USAGE)
    scheme = windows = None
    if date_from is not None and date_to is not None:
        first, last = _partition_time(date_from, "--from"), _partition_time(date_to, "--to")
        if last < first:
            _fail(f"the range ends before it starts: --to {date_to} comes before --from {date_from}", EXIT_USAGE)
        scheme = PartitionScheme(first, "daily")
        windows = _change_windows(scheme, first, last)
    plan = DatasetPlan(spec, PlanOptions(seed=seed, scale=scale, partitions=scheme))
    try:
        plan.check()
    except SchemaError as exc:
        _report_schema_error(exc)
    sc = ScenarioPlan(plan, spec.scenarios[name])
    store = FileStore(out_dir, fmt)
    # What made the rows: the clean table, the scenario's rules, and how the run is cut into partitions.
    cut = f"daily@{scheme.start.isoformat()}" if scheme is not None else "whole"
    jobs = []
    for table in [*sc.order(), GROUND_TRUTH_TABLE]:
        made_by = f"{spec.spec_hash(table) if table in spec.tables else spec.spec_hash()}:" \
                  f"{scenario_hash(sc.spec)}:{cut}"
        partitioned = table in spec.tables and plan.table(table).is_partitioned
        jobs.append((table, partitioned, RunIdentity(sc.name, table, made_by, plan.seed, plan.scale, plan.locale,
                                                     fmt)))
    try:  # refuse before writing anything
        for table, partitioned, ident in jobs:
            check_target(Path(store.table_path(sc.name, table)), ident, overwrite, partitioned=partitioned)
    except OutputConflict as exc:
        _fail(str(exc), EXIT_CONFLICT)
    totals: dict[str, list[int]] = {}  # table → partitions, rows, bytes
    truth = []
    started = time.perf_counter()
    try:
        for table, partitioned, ident in jobs[:-1]:
            st = sc.table(table)
            parts = [(k, _from_us(lo), _from_us(hi)) for k, lo, hi in windows] if partitioned and windows \
                else [(None, None, None)]
            for key, start, end in parts:
                part = st.slice(start, end, key, chunk_size) if key is not None else st.slice(chunk_size=chunk_size)
                result = store.write_batches(sc.name, table, part.schema, part.batches(), partition_key=key,
                                             identity=ident)
                truth.append(part.truth())
                counts = totals.setdefault(table, [0, 0, 0])
                counts[0] += key is not None
                counts[1] += result.rows
                counts[2] += result.bytes
        table, _, ident = jobs[-1]
        truth_table = pa.concat_tables(truth) if truth else GROUND_TRUTH_SCHEMA.empty_table()
        result = store.write_batches(sc.name, table, GROUND_TRUTH_SCHEMA, truth_table.to_batches(), identity=ident)
        totals[table] = [0, result.rows, result.bytes]
    except LandingError as exc:  # disk full, read-only, a file in the path: one line, that table left as it was
        _fail(str(exc))
    except OutputConflict as exc:
        _fail(str(exc), EXIT_CONFLICT)
    seconds = time.perf_counter() - started
    span = f" partitions {windows[0][0]}…{windows[-1][0]}" if windows else ""
    out.print(f"wrote scenario {name} of {spec.name}{span} as {sc.name} to {out_dir} ({fmt}) in {seconds:.2f}s",
              highlight=False, soft_wrap=True)
    view = Table()
    for col in ("table", "partitions", "rows", "bytes"):
        view.add_column(col, justify="left" if col == "table" else "right")
    for table, (parts_written, rows, size) in totals.items():
        view.add_row(table, str(parts_written) if parts_written else "-", f"{rows:,}", _size(size))
    out.print(view)
    kinds = truth_table.group_by("kind").aggregate([("kind", "count")]).sort_by("kind").to_pylist()
    if kinds:
        out.print("ground truth: " + ", ".join(f"{k['kind']} {k['kind_count']:,}" for k in kinds), highlight=False)
        _print_detection(sc, store, truth_table)


def _print_detection(sc: Any, store: Any, truth: Any) -> None:
    """What the project's checks catch of the scenario just written: its rows read back from the store,
    flagged by the schema's row-level rules (foreign keys against the scenario's own parents) and scored
    against the ground truth, per defect kind."""
    from mock_pipelines.quality.scenario_flags import landed_flags, scored

    flags = landed_flags(sc.plan.spec, store, sc.name, truth["table"].to_pylist(), sc.plan,
                         schema_of=lambda table, key: sc.table(table).schema(key))
    found = scored(truth, flags)
    view = Table(title="what the checks caught", title_justify="left")
    for col in ("kind", "injected", "detectable", "caught", "recall"):
        view.add_column(col, justify="left" if col == "kind" else "right")
    for s in found:
        view.add_row(s.kind, f"{s.injected:,}", f"{s.detectable:,}", f"{s.caught:,}", f"{s.recall:.0%}")
    out.print(view)
    out.print(f"false positives: {found.false_positives:,} of {found.flagged:,} flagged rows are not in the "
              "ground truth; detectable: the entries that break a declared rule", highlight=False, soft_wrap=True)


def _list_scenarios(file: Path, spec: Any) -> None:
    if not spec.scenarios:
        out.print(f"{file}: dataset {spec.name} declares no scenario (add a scenarios: block)", highlight=False)
        return
    view = Table(title=f"scenarios of {spec.name}", title_justify="left")
    for col in ("scenario", "kind", "tables", "description"):
        view.add_column(col)
    for name, sc in spec.scenarios.items():
        view.add_row(name, sc.kind, ", ".join(sc.tables()), sc.description)
    out.print(view)


def _load_definitions(profile: str | None, probe: bool = False, quiet: bool = True) -> tuple[Any, Any, Any]:
    """The profile, its plan and its Dagster definitions (run and jobs), profile and schema errors as one clear
    message.
    ``probe``: also generate a few rows of every table first (what a run would fail on, reported at its
    column before anything runs). ``quiet``: Dagster's own warnings are not shown."""
    import warnings

    import dagster as dg

    from mock_pipelines.core.plugins import PluginError
    from mock_pipelines.defs.code_location import build_definitions
    from mock_pipelines.defs.plan import plan_profile
    from mock_pipelines.profiles.env import MissingEnvVar
    from mock_pipelines.profiles.loading import load_profile

    if quiet:
        for category in (dg.BetaWarning, dg.PreviewWarning, dg.SupersessionWarning, DeprecationWarning):
            warnings.filterwarnings("ignore", category=category)
    try:
        prof = load_profile(profile)
        planned = plan_profile(prof)
        defs = build_definitions(planned)
        if probe:
            from mock_pipelines.quality.expectations import user_expectation_issues

            problems = [i for plan in planned.datasets.values() for i in user_expectation_issues(plan.spec)]
            if problems:
                raise SchemaError(problems)
            for plan in planned.datasets.values():
                plan.probe()
        return prof, planned, defs
    except SchemaError as exc:
        _report_schema_error(exc)
    except PluginError as exc:
        _report_plugin_error(exc)
    except (MissingEnvVar, FileNotFoundError, ValueError) as exc:
        _fail(str(exc))
    raise AssertionError("unreachable")  # every handler exits


@app.command(cls=_Command)
def run(
    profile: Annotated[str | None, typer.Option("--profile", "-p", metavar="PROFILE", help="Profile name or "
                                                "path (default: $MOCK_PIPELINES_PROFILE or local).")] = None,
    job: Annotated[str, typer.Option("--job", "-j", metavar="JOB", help="Job to run ('mock-pipelines jobs' lists "
                                     "them).")] = "all_datasets",
    partition: Annotated[str | None, typer.Option(help="Partition key, e.g. 2024-01-05.", metavar="KEY")] = None,
    partition_from: Annotated[str | None, typer.Option("--from", help="First partition of a range.",
                                                       metavar="KEY")] = None,
    partition_to: Annotated[str | None, typer.Option("--to", help="Last partition of a range.",
                                                     metavar="KEY")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Also stream Dagster's own log lines "
                                          "(every event of the run) to stderr.")] = False,
) -> None:
    """Materialise a job through Dagster and record the run in the Dagster instance ($DAGSTER_HOME, by
    default .dagster_home/<profile>).

    Prints one line per table (or partition) as it lands and a summary; the full event log stays in the
    instance: open the UI on it afterwards (make ui PROFILE=<profile>).
    """
    import logging

    import dagster as dg

    from mock_pipelines.defs.progress import INTERRUPTED, QUIET_RUN_CONFIG, RunProgress, check_counts
    from mock_pipelines.defs.report_links import run_start
    from mock_pipelines.defs.tags import RANGE_END_TAG, RANGE_START_TAG

    # Quiet: Dagster's own warnings and log lines go to the instance, not the terminal; verbose: its default.
    logging.getLogger("dagster").setLevel(logging.NOTSET if verbose else logging.ERROR)
    prof, planned, defs = _load_definitions(profile, probe=True, quiet=not verbose)
    names = [j.name for j in defs.jobs]  # type: ignore[union-attr]
    if job not in names:
        from mock_pipelines.spec.errors import suggest

        hint = suggest(job, names)
        _fail(f"no job {job!r} in profile {prof.profile!r}" + (f" — did you mean {hint!r}?" if hint else "")
              + f"; jobs: {', '.join(names)}")
    job_def = defs.resolve_job_def(job)
    kwargs: dict[str, Any] = {}
    if partition is not None and (partition_from or partition_to):
        _fail("give either --partition KEY or a range --from KEY --to KEY, not both", code=EXIT_USAGE)
    if job_def.partitions_def is not None:
        from mock_pipelines.defs.sensors import partition_range_problem

        if partition_from or partition_to:
            start, end = partition_from or partition_to, partition_to or partition_from
            problem = partition_range_problem(job_def.partitions_def, start, end)
            kwargs["tags"] = {RANGE_START_TAG: start, RANGE_END_TAG: end}
        else:
            kwargs["partition_key"] = partition or job_def.partitions_def.get_last_partition_key()
            problem = partition_range_problem(job_def.partitions_def, kwargs["partition_key"])
        if problem:
            _fail(f"job {job!r} of profile {prof.profile!r}: {problem}")
    elif partition or partition_from or partition_to:
        _fail(f"job {job!r} is not partitioned in profile {prof.profile!r}; drop --partition/--from/--to")
    home = _dagster_home(prof)
    run_id = str(uuid.uuid4())  # known before the run starts, so its events can be followed
    instance, process_tags = _run_instance(home, run_id)
    kwargs["tags"] = {**kwargs.get("tags", {}), **process_tags}
    width = max((len(k.to_user_string()) for k in job_def.asset_layer.asset_graph.get_all_asset_keys()), default=20)
    progress = RunProgress(lambda line: out.print(line, highlight=False, markup=False, soft_wrap=True),
                           width=min(width, 40))
    where = f" partition {kwargs['partition_key']}" if "partition_key" in kwargs else \
        f" partitions {kwargs['tags'][RANGE_START_TAG]}…{kwargs['tags'][RANGE_END_TAG]}" \
        if RANGE_START_TAG in kwargs.get("tags", {}) else ""
    out.print(f"{job}{where} on profile {prof.profile} — run {run_id[:8]}, recorded in {home}", highlight=False)
    started = time.perf_counter()
    with instance:
        instance.add_event_listener(run_id, progress)
        try:
            result = job_def.execute_in_process(instance=instance, raise_on_error=False, run_id=run_id,
                                                run_config=None if verbose else QUIET_RUN_CONFIG, **kwargs)
        except dg.DagsterInvalidConfigError as exc:  # e.g. a destination's {env: NAME} that is not set
            _fail(f"the run of {job!r} on profile {prof.profile!r} could not start: "
                  + "; ".join(_config_problem(e.message) for e in exc.errors))
        except KeyboardInterrupt:  # Ctrl-C outside of a step
            _interrupted(progress, time.perf_counter() - started, run_id)
        timing = step_timings(instance, run_id, result.get_asset_check_evaluations())
        run_time = run_start(instance, run_id)  # the run name and time of a report written after the run
    seconds = time.perf_counter() - started
    if any(event.is_step_failure and event.step_failure_data and event.step_failure_data.error
           and _failure_reason(event.step_failure_data.error).startswith(INTERRUPTED) for event in result.all_events):
        _interrupted(progress, seconds, run_id)  # Ctrl-C in a step: Dagster fails it as interrupted
    evaluations = result.get_asset_check_evaluations()
    out.print(f"{'succeeded' if result.success else 'FAILED'} in {seconds:.1f}s: {progress.tables} table"
              f"{'s' if progress.tables != 1 else ''}, {progress.rows:,} rows"
              + (f"; checks: {check_counts(evaluations)}" if evaluations else ""), highlight=False)
    if timing:
        out.print(timing, highlight=False)
    if not result.success:
        for event in result.all_events:
            if event.is_step_failure and event.step_failure_data and event.step_failure_data.error:
                err.print(f"[red]{event.step_key}[/]: {escape(_failure_reason(event.step_failure_data.error))}",
                          highlight=False)
        _write_held_back_reports(planned, job_def, result, run_id, run_time)
        raise typer.Exit(EXIT_BAD_INPUT)


@app.command(cls=_Command)
def jobs(
    profile: Annotated[str | None, typer.Option("--profile", "-p", metavar="PROFILE", help="Profile name or "
                                                "path (default: $MOCK_PIPELINES_PROFILE or local).")] = None,
) -> None:
    """List the jobs of a profile (what 'mock-pipelines run --job' accepts): partitions, tables, description."""
    prof, _, defs = _load_definitions(profile)
    view = Table(title=f"jobs of profile {prof.profile}", title_justify="left")
    for col in ("job", "partitions", "tables", "description"):
        view.add_column(col, overflow="fold", justify="right" if col == "tables" else "left")
    for unresolved in defs.jobs:  # type: ignore[union-attr]
        job_def = defs.resolve_job_def(unresolved.name)
        partitions = job_def.partitions_def
        view.add_row(unresolved.name, str(partitions).rstrip(".") if partitions is not None else "—",
                     str(len(job_def.asset_layer.selected_asset_keys)), job_def.description or "")
    out.print(view)


def _write_held_back_reports(planned: Any, job_def: Any, result: Any, run_id: str, run_time: Any) -> None:
    """Write the quality report of each dataset whose report step a failed check of severity error kept
    from running (the report that shows what failed), from what landed and the results the check steps
    recorded; print where it is. A report that cannot be written is a warning: the run has failed anyway."""
    from mock_pipelines.defs.report import dataset_reports, held_back_by_checks

    held = held_back_by_checks(set(job_def.asset_layer.selected_asset_keys),
                               {e.asset_key for e in result.get_asset_materialization_events()},
                               result.get_asset_check_evaluations())
    reports = dataset_reports(planned)
    for dataset in (d for d in held if d in reports):
        try:
            written = reports[dataset].write(run_id, run_time)
        except Exception as exc:  # reading a destination back can fail in many ways; the run's failure stands
            err.print(f"[yellow]note:[/] the quality report of {dataset} could not be written: {escape(str(exc))}",
                      highlight=False)
            continue
        out.print(f"quality report of {dataset} (written after the failed checks): {written.path}",
                  highlight=False, soft_wrap=True)


def step_timings(instance: Any, run_id: str, evaluations: Any) -> str:
    """Where the run's time went, summed over steps: table assets (generation, writing and the measuring of
    their checks, which runs on a second thread inside them), cross-table check steps and reports."""
    totals = {"generation": 0.0, "checks": 0.0, "report": 0.0}
    for stat in instance.get_run_step_stats(run_id):
        if stat.start_time is None or stat.end_time is None:
            continue
        kind = "checks" if stat.step_key.endswith("__checks") else "report" \
            if stat.step_key.endswith("__quality_report") else "generation"
        totals[kind] += stat.end_time - stat.start_time
    measured: dict[Any, float] = {}
    for e in evaluations:
        value = e.metadata.get("measure_seconds")
        if value is not None:
            measured[(e.asset_key, e.metadata.get("partition").value if e.metadata.get("partition") else None)] = \
                float(value.value)
    if not any(totals.values()):
        return ""
    inside = f" (of which measuring {sum(measured.values()):.1f}s, on a second thread)" if measured else ""
    return (f"time in steps: generation {totals['generation']:.1f}s{inside}; check steps {totals['checks']:.1f}s; "
            f"report steps {totals['report']:.1f}s")


def _interrupted(progress: Any, seconds: float, run_id: str) -> None:
    err.print(f"interrupted after {seconds:.1f}s ({progress.tables} table{'s' if progress.tables != 1 else ''} "
              f"landed); run {run_id[:8]} is recorded as failed", highlight=False)
    raise typer.Exit(EXIT_INTERRUPTED)


def _failure_reason(error: Any) -> str:
    """The reason of a failed step in one line: the error under Dagster's wrappers (such as
    ``DagsterExecutionStepExecutionError: Error occurred while executing op ...``, which name no reason) as
    ``Type: message``; our own ``dg.Failure`` messages (already one line naming what to do) without a type."""
    while error.cause is not None and (error.cls_name or "").startswith("Dagster"):
        error = error.cause
    text = " ".join(line.strip() for line in (error.message or "").splitlines() if line.strip())
    head, sep, rest = text.partition(": ")
    if sep and " " not in head and head.rsplit(".", 1)[-1] == error.cls_name:  # "module.Type: message"
        text = rest
    if error.cls_name == "DagsterAssetCheckFailedError":  # "N blocking asset checks failed …: asset: a,b"
        failed = text.partition("severity: ")[2] or text
        return (f"check of severity error failed: {failed} (a failed error check fails the run; to only report "
                "it, set it to warn under checks.overrides of the profile)")
    return text if error.cls_name == "Failure" else f"{error.cls_name}: {text}"


def _run_instance(home: Path, run_id: str) -> tuple[Any, dict[str, str]]:
    """The Dagster instance of `run` (first creation under a file lock, so concurrent first runs on a fresh
    $DAGSTER_HOME do not collide), after failing the runs whose `mock-pipelines run` process is gone (killed)
    and freeing their pool slots; and the tags that name this process on the new run."""
    import dagster as dg
    import filelock
    import yaml

    from mock_pipelines.defs.instance import LOCK_TIMEOUT_SECONDS, fail_dead_runs, open_instance, process_tags

    settings = home / "dagster.yaml"
    try:
        instance = open_instance()
    except dg.DagsterInvariantViolationError as exc:
        _fail(f"cannot open the Dagster instance in {home}: {exc}")
    except dg.DagsterInvalidConfigError as exc:  # a setting of the wrong type or name
        _fail(f"{settings}: invalid Dagster instance settings: "
              + "; ".join(_config_problem(e.message) for e in exc.errors))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
        _fail(f"{settings}{where}: not valid YAML: {getattr(exc, 'problem', None) or exc}")
    except filelock.Timeout as exc:  # before OSError: a Timeout is a TimeoutError
        _fail(f"the Dagster instance in {home} stayed locked by another process for {LOCK_TIMEOUT_SECONDS} s "
              f"(lock file {exc.lock_file}); try again when the other mock-pipelines run has started, or "
              "remove the lock file if no such process runs")
    except OSError as exc:
        _fail(f"cannot open the Dagster instance in {home}: {exc.strerror or exc}"
              + (f" ({exc.filename})" if exc.filename else "") + "; set DAGSTER_HOME to a writable folder")
    fail_dead_runs(instance, log=lambda message: err.print(f"[yellow]note:[/] {message}", highlight=False))
    return instance, process_tags(run_id)


def _config_problem(message: str) -> str:
    """One line of a Dagster run-config error: an unset environment variable as profiles name it."""
    import re

    from mock_pipelines.profiles.env import MissingEnvVar

    unset = re.search(r'environment variable "([^"]+)" which is not set', message)
    if unset:
        return str(MissingEnvVar(unset[1], "a destination of the profile"))
    return message.strip().splitlines()[0]


DAGSTER_HOMES = ".dagster_home"  # under the project root: one Dagster instance per profile
# An instance folder of a project root without its own dagster.yaml gets these settings.
DEFAULT_INSTANCE_SETTINGS = "telemetry:\n  enabled: false\n"


def _dagster_home(prof: Any) -> Path:
    """The Dagster instance folder of a run: ``$DAGSTER_HOME`` when set, else
    ``<project root>/.dagster_home/<profile>`` (what ``make demo PROFILE=…`` and ``make ui PROFILE=…`` use),
    so each profile's runs and materialisations stay apart (``~`` is expanded). A folder without
    ``dagster.yaml`` gets the project's (telemetry off, run and pool limits); a folder under
    ``<project root>/.dagster_home/`` gets it again when the project's file is newer than its copy (as
    ``make demo`` does), so a copy edited after that is kept."""
    import os

    home = Path(os.environ.get("DAGSTER_HOME") or prof.root / DAGSTER_HOMES / prof.profile).expanduser()
    settings = prof.root / "dagster.yaml"
    try:
        home.mkdir(parents=True, exist_ok=True)
        copy = home / "dagster.yaml"
        managed = home.resolve().is_relative_to((prof.root / DAGSTER_HOMES).resolve())
        if not copy.exists() or (managed and settings.is_file()
                                 and settings.stat().st_mtime > copy.stat().st_mtime):
            tmp = home / f".dagster.yaml.{os.getpid()}"
            tmp.write_bytes(settings.read_bytes() if settings.is_file() else DEFAULT_INSTANCE_SETTINGS.encode())
            os.replace(tmp, home / "dagster.yaml")
    except OSError as exc:
        _fail(f"cannot prepare the Dagster instance folder {home}: {exc.strerror or exc}; set DAGSTER_HOME "
              "to a writable folder")
    os.environ["DAGSTER_HOME"] = str(home.resolve())
    return home


def catalogue_markdown() -> str:
    """docs/generators.md: the catalogue as a reference (regenerate with `generators --markdown`)."""
    from mock_pipelines.core import registry

    gens = registry.builtin_catalogue()  # never a plugin's: an installed plugin cannot change the docs
    lines = ["# Generator catalogue", "",
             f"{len(gens)} generators. Regenerate this page with "
             "`mock-pipelines generators --markdown > docs/generators.md`.", "",
             "Every generator is vectorised (values for a whole batch of rows at once) unless marked "
             "*per-row fallback*. Parameters are written as column keys in a schema: "
             "`{gen: pattern, format: \"ORD-####-??\"}`.", ""]
    for cat in dict.fromkeys(g.category for g in gens):
        lines += [f"## {cat}", "", "| generator | returns | parameters | example | description |",
                  "|---|---|---|---|---|"]
        for g in (g for g in gens if g.category == cat):
            params = "<br>".join(
                f"`{p.name}`" + (" (required)" if p.required else f" = `{p.default!r}`") for p in g.params) or "—"
            name = f"`{g.name}`" + (f"<br>aliases: {', '.join(g.aliases)}" if g.aliases else "")
            flags = []
            if g.supports_unique:
                flags.append("unique-capable")
            if not g.vectorised:
                flags.append("*per-row fallback*")
            desc = g.description.replace("|", "\\|") + (f" ({', '.join(flags)})" if flags else "")
            example = str(g.example).replace("|", "\\|")
            lines.append(f"| {name} | {g.returns} | {params} | `{example}` | {desc} |")
        lines.append("")
    return "\n".join(lines)


@dataclass(frozen=True)
class DefectEntry:
    """One kind of the defect catalogue as the docs list it (cell kinds and row kinds alike)."""

    name: str
    group: str  # defect | anomaly | edge | row
    description: str
    applies_to: str
    params: dict[str, Any]  # name -> core.defects.Param
    breaks: str  # the rule kinds every injected value breaks by construction, beyond its column's own rules
    retypes: bool = False


DEFECT_GROUPS = {
    "defect": "Cell defects: a wrong value in one column",
    "anomaly": "Anomalies: values that are possible but unusual, alone or in runs",
    "edge": "Edge cases: boundary values, labelled only where they break a rule",
    "row": "Row and partition kinds: copied rows and drifting schemas",
}


def defect_catalogue() -> list[DefectEntry]:
    """Every defect kind, grouped (DEFECT_GROUPS order) and by name within a group."""
    from mock_pipelines.core import defects as catalogue

    # A kind that re-types its column writes text that does not read as the column's type: `type`, always.
    entries = [DefectEntry(k.name, k.group, k.description, k.applies_to, dict(k.params),
                           ", ".join(dict.fromkeys((*k.violates, *(("type",) if k.retypes else ())))), k.retypes)
               for k in catalogue.kinds().values()]
    entries += [DefectEntry(name, "row", description, catalogue.ROW_KIND_TARGETS[name][0], dict(params),
                            catalogue.ROW_KIND_TARGETS[name][1])
                for name, (description, params) in catalogue.ROW_KINDS.items()]
    rank = {g: i for i, g in enumerate(DEFECT_GROUPS)}
    return sorted(entries, key=lambda e: (rank.get(e.group, len(rank)), e.name))


def defects_markdown() -> str:
    """docs/defects.md: the defect catalogue as a reference (regenerate with `defects --markdown`)."""
    entries = defect_catalogue()
    lines = ["# Defect catalogue", "",
             f"{len(entries)} kinds. Regenerate this page with "
             "`mock-pipelines defects --markdown > docs/defects.md`.", "",
             "A rule of a scenario names a kind and, for every kind but `duplicate`, a column: "
             "`{kind: unit_error, column: price, rate: 0.02, factor: 100}` — any key beyond `kind`, `column`, "
             "`rate` and `weight` is a parameter of the kind (see [the schema language](schema-language.md#defect-"
             "rules) and [testing a pipeline with scenarios](scenarios.md)). A kind refuses a column it cannot "
             "damage, with its reason, when the schema is validated; no kind damages a primary-key column.", "",
             "**Breaks** lists the rule kinds every injected value breaks by construction. Beyond them, the ground "
             "truth labels each value with the rules of its column it breaks, judged from what the column's "
             "generator promises: `not_null` (a null where the column cannot be null), `range`, `value_set`, "
             "`format`, `checksum`, and `type` (a value of a re-typed column that does not read as the declared "
             "type). A value that breaks no rule (a typo in a name) is listed with an empty `violates`: only the "
             "pipeline under test can find it.", ""]
    for group, title in DEFECT_GROUPS.items():
        members = [e for e in entries if e.group == group]
        if not members:
            continue
        lines += [f"## {title}", "", "| kind | applies to | parameters | breaks | what it does |",
                  "|---|---|---|---|---|"]
        for e in members:
            params = "<br>".join(f"`{name}` = `{p.default!r}`: {p.description}" for name, p in e.params.items())
            breaks = ", ".join(f"`{b.strip()}`" if " " not in b.strip() else b.strip()
                               for b in e.breaks.split(",")) if e.breaks else "—"
            desc = e.description + (" (the column lands as strings)" if e.retypes and "strings" not in e.description
                                    else "")
            lines.append(f"| `{e.name}` | {_cell(e.applies_to)} | {_cell(params) or '—'} | {breaks} | "
                         f"{_cell(desc)} |")
        lines.append("")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024
    return str(n)


def _report_plan(profile: str, spec: Any) -> tuple[str, Any, Any, Path]:
    """The name of ``profile``, the plan of ``spec`` in it (its seed, scale, locale and row overrides: the
    figures the report compares the data with), its ``checks:`` section (the severities in force) and its
    reports folder (where its check steps recorded results and column profiles)."""
    from mock_pipelines.core.engine import DatasetPlan, PlanOptions
    from mock_pipelines.core.plugins import PluginError
    from mock_pipelines.profiles.env import MissingEnvVar
    from mock_pipelines.profiles.loading import load_profile

    try:
        prof = load_profile(profile)
        return prof.profile, DatasetPlan(spec, PlanOptions(seed=prof.seed, scale=prof.scale, locale=prof.locale,
                                                           rows=prof.row_overrides(spec.name) or None)), \
            prof.checks, prof.reports_root
    except SchemaError as exc:
        _report_schema_error(exc)
    except PluginError as exc:
        _report_plugin_error(exc)
    except (MissingEnvVar, FileNotFoundError, ValueError) as exc:
        _fail(str(exc))
    raise AssertionError("unreachable")  # every handler exits


@app.command(cls=_Command)
def report(
    file: Annotated[Path, typer.Argument(help="Schema file of the dataset.", metavar="FILE")],
    data: Annotated[Path, typer.Option("--data", "-d", metavar="DIR", help="Folder holding DATASET/TABLE/ "
                                       "(what 'generate --out' or a files destination wrote).")],
    out_file: Annotated[Path | None, typer.Option("--out", "-o", metavar="FILE.html", help="HTML file to write "
                                                  "(default: DIR/DATASET/_report.html, or "
                                                  "_report.PROFILE.html with --profile).")] = None,
    checks: Annotated[bool, typer.Option("--checks/--no-checks", help="Run the data-quality checks derived "
                                         "from the schema.")] = True,
    profile: Annotated[str | None, typer.Option("--profile", "-p", metavar="NAME", help="The profile (name or "
                                                "path) whose run wrote the data: its scale and row overrides "
                                                "are the declared figures, its checks: section the "
                                                "severities, and the results its check steps recorded are "
                                                "used where they match the data; named on the page and in "
                                                "the default file "
                                                "name, so two profiles' reports never overwrite each "
                                                "other.")] = None,
) -> None:
    """Write a self-contained HTML data-quality report: profile, distributions, check outcomes.

    Exits 1 when a check of severity error failed (warn checks only warn).
    """
    from mock_pipelines.quality.report import read_landed, render_report, write_report
    from mock_pipelines.quality.report.check_results import summarize_results

    (spec,) = _load([file])
    name, plan, severities, reports = _report_plan(profile, spec) if profile else (None, None, None, None)
    if not (data / spec.name).is_dir():
        _fail(f"no folder {data / spec.name}: generate the dataset first "
              f"(mock-pipelines generate {file} --out {data})")
    try:  # recorded results and profiles where they match what landed; the rest streamed batch by batch
        landed = read_landed(spec, data, plan=plan, checks=checks, severity=severities, recorded=reports)
    except (OSError, ValueError) as exc:
        _fail(f"cannot read the tables under {data / spec.name}: {exc}")
    tables, provenance, results = landed.tables, landed.provenance, landed.results
    if not tables:
        _fail(f"no table of {spec.name} found under {data / spec.name}")
    if name:
        provenance["profile"] = name
    suffix = f".{re.sub(r'[^A-Za-z0-9_-]', '-', name)}" if name else ""
    target = out_file or data / spec.name / f"_report{suffix}.html"
    write_report(target, render_report(spec, tables, results or [], provenance, plan=plan,
                                       scenarios=landed.scenarios))
    rows = sum(t.num_rows for t in tables.values())
    counts = summarize_results(results)
    if results is None:
        outcome = "checks not run" + ("" if not checks else " (no quality checks available)")
    else:
        outcome = (f"checks: {counts['passed']} passed, {counts['failed']} failed, {counts['warned']} warned"
                   + (f", {counts['skipped']} skipped" if counts["skipped"] else ""))
    out.print(str(target), highlight=False, soft_wrap=True)
    style = "red" if counts["blocking_failed"] else "yellow" if counts["warned"] or counts["failed"] else "green"
    out.print(f"[{style}]{spec.name}: {len(tables)} tables, {rows:,} rows — {outcome}[/]", highlight=False)
    if counts["blocking_failed"]:
        raise typer.Exit(EXIT_BAD_INPUT)


@app.command(cls=_Command)
def ddl(
    file: Annotated[Path, typer.Argument(help="Schema file.", metavar="FILE")],
    dialect: Annotated[str, typer.Option(help="SQL dialect: postgresql, mysql (also MariaDB) or sqlite.",
                                         metavar="DIALECT")] = "postgresql",
    schema: Annotated[str | None, typer.Option(help="Database schema (namespace) to create the tables in; "
                                               "created first if it does not exist.", metavar="NAME")] = None,
    partitioned: Annotated[bool, typer.Option("--partitioned", help="Tables declared partitioned get the "
                                              "partition key column of time-partitioned runs.")] = False,
    source: Annotated[list[str] | None, typer.Option(
        "--source", help="The database of existing rows the schema references (ref: {existing: NAME.…}), as "
        "NAME=URL (repeatable); the statements are then for that database: such columns get the referenced "
        "column's type and a FOREIGN KEY to it.", metavar="NAME=URL")] = None,
) -> None:
    """Print the CREATE TABLE / CREATE INDEX statements of a schema, parents first; nothing is executed."""
    from mock_pipelines.store.sql import ddl_statements
    from mock_pipelines.store.sql.ddl import ExistingTarget
    from mock_pipelines.store.sql.existing_keys import column_type

    (spec,) = _load([file])
    names = [t.name for t in spec.tables.values() if t.partitioned is not None] if partitioned else []
    sources = _sources(source)
    try:
        existing = {c.existing.text: ExistingTarget(column_type(sources[c.existing.source], c.existing), True)
                    for _, c in spec.existing_columns() if c.existing.source in sources}
        statements = ddl_statements(spec, dialect, schema, partitioned=names, create_schema=True,
                                    existing=existing)
    except SchemaError as exc:
        _report_schema_error(exc)
    except ValueError as exc:
        _fail(str(exc))
    for statement in statements:
        print(statement + ";\n")


def _pairs(items: list[str] | None, option: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        try:
            n = int(value.replace("_", ""))
        except ValueError:
            n = -1
        if not sep or not name or n < 1:
            _fail(f"{option} {item!r}: expected TABLE=N with N a whole number of at least 1, e.g. {option} "
                  "orders=5000")
        out[name] = n
    return out


@app.command("import", cls=_Command)
def import_(
    source: Annotated[str, typer.Argument(help="A database URL (postgresql+psycopg://…, mysql+pymysql://…, "
                                          "sqlite:///…) or a file: .sql/.ddl (SQL DDL), .json (JSON Schema), "
                                          ".avsc (Avro), .proto (Protobuf).", metavar="SOURCE")],
    out_file: Annotated[Path | None, typer.Option("--out", "-o", help="Schema file to write (default: print "
                                                  "it).", metavar="FILE")] = None,
    dialect: Annotated[str | None, typer.Option(help="SQL dialect of a DDL file (postgres, mysql, sqlite, "
                                                "tsql, snowflake, bigquery, …; default postgres).",
                                                metavar="DIALECT")] = None,
    schema: Annotated[str | None, typer.Option(help="Database schema (namespace) to read (default: the "
                                               "database's default).", metavar="NAME")] = None,
    include: Annotated[list[str] | None, typer.Option("--include", help="Only tables matching this pattern "
                                                      "(shell-style, repeatable).", metavar="PATTERN")] = None,
    exclude: Annotated[list[str] | None, typer.Option("--exclude", help="Leave out tables matching this "
                                                      "pattern (repeatable).", metavar="PATTERN")] = None,
    rows: Annotated[list[str] | None, typer.Option("--rows", help="Rows of a table, TABLE=N (repeatable).",
                                                   metavar="TABLE=N")] = None,
    profile_data: Annotated[bool, typer.Option("--profile-data", help="Read privacy-safe statistics from the "
                                               "live tables (row counts, null shares, ranges, frequent values "
                                               "of low-cardinality columns, children per parent).")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Treat every warning as an error: write nothing "
                                         "unless everything imports as it is.")] = False,
    proto_path: Annotated[list[str] | None, typer.Option("--proto-path", help="Folder to find imported .proto "
                                                         "files in (repeatable).", metavar="DIR")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the file given with --out.")] = False,
) -> None:
    """Write a schema from an existing database, SQL DDL, JSON Schema, Avro or Protobuf definition, with a
    generator inferred for every column and a comment saying why."""
    from mock_pipelines.imports.model import SourceError
    from mock_pipelines.imports.run import import_schema

    counts = _pairs(rows, "--rows")
    if out_file is not None and out_file.exists() and not force:
        _fail(f"{out_file} exists; give --force to replace it, or another --out", EXIT_CONFLICT)
    try:
        result = import_schema(source, dialect=dialect, schema=schema, include=include or (),
                               exclude=exclude or (), rows=counts, profile_data=profile_data,
                               proto_paths=proto_path or (), file_name=str(out_file or "imported.yaml"))
    except SourceError as exc:
        message = exc.message
        if exc.expected:
            message += f"\n      expected: {exc.expected}"
        if exc.suggestion:
            message += f"\n      hint: {exc.suggestion}"
        _fail(escape(message))
    for warning in result.warnings:
        label = "[bold red]error:[/]" if strict else "[yellow]warning:[/]"
        err.print(f"{label} {escape(str(warning))}", highlight=False)
    if result.problems:
        err.print("[bold red]the imported schema does not validate — nothing was written[/]")
        for issue in result.problems:
            err.print(f"  {escape(str(issue))}", highlight=False)
        raise typer.Exit(EXIT_BAD_INPUT)
    if strict and result.warnings:
        _fail(f"{len(result.warnings)} warning(s) with --strict — nothing was written")
    if out_file is None:
        print(result.text, end="")
        return
    out_file.parent.mkdir(parents=True, exist_ok=True)
    partial = out_file.with_name(f".{out_file.name}.partial")
    partial.write_text(result.text, encoding="utf-8")
    partial.replace(out_file)  # whole or not at all
    out.print(f"[green]✓[/] wrote {out_file}: {result.tables} tables, {len(result.warnings)} warning(s). Next: "
              f"mock-pipelines validate {out_file}, then mock-pipelines generate {out_file}", highlight=False)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
