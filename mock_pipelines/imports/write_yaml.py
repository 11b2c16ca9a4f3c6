"""The imported schema as YAML a person reads and edits: every inference commented beside its column."""

from __future__ import annotations

import io
import re
from typing import Any

from mock_pipelines.imports.infer import Inferred, TableOut
from mock_pipelines.imports.naming import identifier_from

HEADER = """\
Imported by `mock-pipelines import` from {source}.
Every generator below was chosen from the column's name, type and constraints; the comment beside each
column says why. Change anything: docs/schema-language.md describes every key, and
`mock-pipelines generators` lists the generators. Check the result with `mock-pipelines validate`."""


def to_yaml(inferred: Inferred, *, seed: int = 42, dropped_checks: dict[tuple[str, str], str] | None = None
            ) -> str:
    """The schema text. ``dropped_checks`` maps (table, check name) to why validation refused a check:
    such a check is written as a comment instead of a ``checks:`` entry."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap

    dropped = dropped_checks or {}
    root = CommentedMap()
    root["dataset"] = identifier_from(inferred.name)
    root["description"] = f"Imported from {inferred.source}."
    root["seed"] = seed
    tables = CommentedMap()
    for table in inferred.tables:
        tables[table.name] = _table(table, dropped)
    root["tables"] = tables
    header = HEADER.format(source=inferred.source)
    if inferred.warnings:
        header += f"\n\n{len(inferred.warnings)} warning(s) — what could not be imported as it is:"
        header += "".join(f"\n  - {w}" for w in inferred.warnings)
    root.yaml_set_start_comment(header)
    yaml = YAML()
    yaml.width = 4096  # one column per line, however long its comment
    yaml.indent(mapping=2, sequence=4, offset=2)
    buffer = io.StringIO()
    yaml.dump(root, buffer)
    return buffer.getvalue()


def _flow(value: Any) -> Any:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(value, dict):
        m = CommentedMap((k, _flow(v)) for k, v in value.items())
        m.fa.set_flow_style()
        return m
    if isinstance(value, list):
        s = CommentedSeq(_flow(v) for v in value)
        s.fa.set_flow_style()
        return s
    if isinstance(value, str) and (not _PLAIN.match(value) or value.lower() in _RESERVED):
        from ruamel.yaml.scalarstring import SingleQuotedScalarString

        return SingleQuotedScalarString(value)  # ??, #-####, 'a: b' and 'yes' stay texts
    return value


# Texts safe to write unquoted in a flow mapping: a word-like start, no YAML indicator inside.
_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_ .\-()]*$")
_RESERVED = {"yes", "no", "on", "off", "true", "false", "null", "y", "n", "~"}


def _table(table: TableOut, dropped: dict[tuple[str, str], str]) -> Any:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    m = CommentedMap()
    if table.description:
        m["description"] = table.description
    m["rows"] = _flow(table.rows)
    m.yaml_add_eol_comment(table.rows_why, "rows")
    if table.primary_key:
        m["primary_key"] = table.primary_key[0] if len(table.primary_key) == 1 else _flow(table.primary_key)
    if table.foreign_keys:
        fks = CommentedSeq()
        for fk in table.foreign_keys:
            item = CommentedMap()
            item["columns"] = _flow(fk["columns"])
            item["ref"] = fk["ref"]
            fks.append(item)
        m["foreign_keys"] = fks
    columns = CommentedMap()
    for column in table.columns:
        columns[column.name] = _flow(column.body)
        columns.yaml_add_eol_comment(column.why, column.name)
    m["columns"] = columns
    notes = list(table.notes)
    kept = CommentedSeq()
    for check in table.checks:
        why = dropped.get((table.name, check["name"]))
        if why:
            notes.append(f"CHECK {check['check']} ({check['name']}) is not kept: {why}")
            continue
        kept.append(_flow(dict(check)))
    if kept:
        m["checks"] = kept
    if notes:
        m.yaml_set_comment_before_after_key("columns", before="\n".join(notes), indent=4)
    return m
