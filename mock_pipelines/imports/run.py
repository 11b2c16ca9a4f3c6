"""An import from start to end: read, measure (optionally), infer, write, and prove the result validates.

The written schema must validate as it is. A CHECK that the chosen generators do not satisfy by
construction (``refund <= total``: two columns drawn independently) is the one thing validation can still
refuse; such a check is moved into a comment, with a warning, and the schema validated again — so the
import never leaves a schema that fails ``mock-pipelines validate``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from mock_pipelines.imports.infer import infer
from mock_pipelines.imports.model import ImportWarning, SourceError
from mock_pipelines.imports.sources import is_database_url, read_source
from mock_pipelines.imports.write_yaml import to_yaml
from mock_pipelines.spec.errors import Issue, SchemaError

_CHECK_ISSUE = re.compile(r"^check '([^']+)' \(.*?\) of table '([^']+)'")
_CHECK_LINE = re.compile(r"^\s*- \{name: ([A-Za-z0-9_]+), check:")


@dataclass
class ImportResult:
    text: str  # the schema, ready to write
    tables: int
    warnings: list[ImportWarning]
    problems: list[Issue] = field(default_factory=list)  # validation issues left (empty when it validates)


def import_schema(source: str, *, dialect: str | None = None, schema: str | None = None,
                  include: Sequence[str] = (), exclude: Sequence[str] = (), rows: dict[str, int] | None = None,
                  profile_data: bool = False, proto_paths: Sequence[str] = (), file_name: str = "imported.yaml"
                  ) -> ImportResult:
    """Import SOURCE (raises SourceError when it cannot be read)."""
    result = read_source(source, dialect=dialect, schema=schema, include=include, exclude=exclude,
                         proto_paths=proto_paths)
    if profile_data:
        if not is_database_url(source):
            raise SourceError("--profile-data reads statistics from a live database; this source is a file",
                              "give a database URL, or leave --profile-data out")
        from mock_pipelines.imports.database import profile_database

        profile_database(source, result, schema=schema)
    try:
        inferred = infer(result, rows)
    except RecursionError:  # a CHECK nested thousands of parentheses deep that the reader kept as text
        raise SourceError(f"{source}: a constraint is nested too deeply to read", "simplify it") from None
    dropped: dict[tuple[str, str], str] = {}
    text = to_yaml(inferred)
    problems = _problems(text, file_name)
    total_checks = sum(len(t.checks) for t in inferred.tables)
    for _ in range(total_checks + 1):
        refused = _refused_checks(problems, text)
        if not refused:
            break
        for (table, name), why in refused.items():
            dropped[(table, name)] = why
            inferred.warnings.append(ImportWarning(f"{table}.checks.{name}", f"CHECK kept as a comment only: "
                                                   f"{why}", "give its columns bounds that keep it, then "
                                                   "write it under checks:"))
        text = to_yaml(inferred, dropped_checks=dropped)
        problems = _problems(text, file_name)
    return ImportResult(text, len(inferred.tables), inferred.warnings, problems)


def _problems(text: str, file_name: str) -> list[Issue]:
    from mock_pipelines.core.engine import DatasetPlan, PlanOptions
    from mock_pipelines.schema.parse import load_dataset

    try:
        spec = load_dataset(file_name, text)
        DatasetPlan(spec, PlanOptions()).check()
    except SchemaError as exc:
        return list(exc.issues)
    return []


def _refused_checks(problems: list[Issue], text: str) -> dict[tuple[str, str], str]:
    """Checks among ``problems``: by their message, or by the line they point at."""
    lines = text.splitlines()
    table_of_line = _tables_by_line(lines)
    out: dict[tuple[str, str], str] = {}
    for issue in problems:
        m = _CHECK_ISSUE.match(issue.message)
        if m:
            reason = issue.message[m.end():].lstrip(" :")
            out[(m.group(2), m.group(1))] = reason.split(" (")[0] or issue.message
            continue
        line = getattr(issue.location, "line", 0) or 0
        if 0 < line <= len(lines):
            hit = _CHECK_LINE.match(lines[line - 1])
            if hit:
                out[(table_of_line.get(line, ""), hit.group(1))] = issue.message
    return out


def _tables_by_line(lines: list[str]) -> dict[int, str]:
    current, out = "", {}
    for n, text in enumerate(lines, start=1):
        m = re.match(r"^  ([A-Za-z_][A-Za-z0-9_]*):\s*$", text)
        if m:
            current = m.group(1)
        out[n] = current
    return out
