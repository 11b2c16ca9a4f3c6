"""Read an Avro schema (.avsc) into a SourceSchema.

fastavro (the reference Python implementation) validates the schema and resolves its named types, including
types defined in sibling files named ``<full name>.avsc``; this module then maps the parsed schema:

* the top-level record is a table named from the record (``OrderPlaced`` → ``order_placed``, the namespace
  kept). A file holding a list of schemas makes a table of each record the others do not use as a field
  type: a list that defines ``Address`` before the ``Customer`` that uses it gives one table, ``customer``;
* primitives: int → int (32 bits), long → int (64 bits), float and double → float, boolean → bool,
  string → string, bytes → binary; fixed → binary with its size as length; enum → enum (its symbols);
* a union with null is nullable; a union of several other types becomes the first of them, with a warning;
* logical types: decimal (precision, scale), big-decimal, uuid, date, time-millis/micros → time,
  timestamp-millis/micros/nanos → timestamp with time zone, local-timestamp-* → timestamp without,
  duration → interval. An unknown logical type, or one on the wrong base type, keeps the base type
  (as Avro readers do) with a warning;
* a nested record is flattened into ``<field>_<subfield>`` columns (nullable when the record is); an array of
  records is a child table, an array of primitives or enums an ``array`` column, a map a ``json`` column —
  see :mod:`.nesting` for the names and keys of child tables;
* ``doc`` → comment; ``default`` → the default's text (a record's default is shared out to its flattened
  columns);
* a record that contains itself (a linked list, a tree) is read down to the first repetition, which becomes
  a ``json`` column with a warning.

Field names are kept as the schema writes them (Avro's are often camelCase): they are the names the data
has. Column ``location`` is ``file.avsc: Record.field.subfield`` (fastavro keeps no line numbers).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from fastavro.repository import SchemaRepositoryError
from fastavro.schema import SchemaParseException, UnknownType, load_schema, parse_schema

from mock_pipelines.imports.model import ImportWarning, SourceColumn, SourceError, SourceSchema, SourceTable
from mock_pipelines.imports.nesting import (
    NestedTable,
    add_column,
    dataset_name,
    ensure_single_key,
    link_child,
    snake_case,
    table_roots,
    unique_name,
)
from mock_pipelines.spec.errors import suggest

AvroType = str | list | dict
NO_DEFAULT = object()
NAMED = ("record", "error", "enum", "fixed")
COMPLEX = ("record", "enum", "array", "map", "fixed")
SPEC = "https://avro.apache.org/docs/current/specification/"

# primitive → (kind, bits)
PRIMITIVES: dict[str, tuple[str, int | None]] = {
    "boolean": ("bool", None), "int": ("int", 32), "long": ("int", 64), "float": ("float", None),
    "double": ("float", None), "bytes": ("binary", None), "string": ("string", None), "null": ("unknown", None),
}

# logical type → (the base types it may annotate, the facts it gives the column)
LOGICAL: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {
    "uuid": (("string", "fixed"), {"kind": "uuid"}),
    "date": (("int",), {"kind": "date"}),
    "time-millis": (("int",), {"kind": "time"}),
    "time-micros": (("long",), {"kind": "time"}),
    "timestamp-millis": (("long",), {"kind": "timestamp", "timezone": True}),
    "timestamp-micros": (("long",), {"kind": "timestamp", "timezone": True}),
    "timestamp-nanos": (("long",), {"kind": "timestamp", "timezone": True}),
    "local-timestamp-millis": (("long",), {"kind": "timestamp"}),
    "local-timestamp-micros": (("long",), {"kind": "timestamp"}),
    "local-timestamp-nanos": (("long",), {"kind": "timestamp"}),
    "duration": (("fixed",), {"kind": "interval"}),
    "decimal": (("bytes", "fixed"), {"kind": "decimal"}),
    "big-decimal": (("bytes",), {"kind": "decimal"}),
}


def read_avro(path: Path) -> SourceSchema:
    """Read the Avro schema at ``path``; raises SourceError when it is not JSON or not a valid Avro schema."""
    path = Path(path)
    text = _read_text(path)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}",
                          "an .avsc file is an Avro schema written in JSON (Avro IDL .avdl is not read: "
                          "convert it with avro-tools idl2schemata)", expected="a JSON Avro schema") from None
    named: dict[str, Any] = {}
    parsed = _parse(path, text, document, named)
    reader = _AvroReader(path.name, named)
    for record in _table_records(path, parsed, named):
        short = record["name"].rsplit(".", 1)[-1]
        reader.read_table(record, snake_case(short), short, (record["name"],))
    return SourceSchema(name=dataset_name(path.stem), source=path.name, tables=reader.tables,
                        warnings=reader.warnings)


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"{path}: cannot be read: {exc.strerror}", "check the path and its permissions") from None
    if data.startswith(b"Obj\x01"):
        raise SourceError(f"{path}: an Avro data file, not an Avro schema",
                          f"extract its schema with `python -m fastavro --schema {path} > schema.avsc`",
                          expected="a JSON Avro schema (.avsc)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(f"{path}: not UTF-8 text (byte {exc.start})", "save the schema as UTF-8 JSON",
                          expected="a JSON Avro schema (.avsc)") from None


def _parse(path: Path, text: str, document: Any, named: dict[str, Any]) -> Any:
    """fastavro's parsed schema (full names, named types filled into ``named``), or a SourceError."""
    try:
        try:
            return parse_schema(document, named)
        except UnknownType as exc:
            if isinstance(exc.name, str) and (path.parent / f"{exc.name}.avsc").is_file():
                named.clear()  # a type in a sibling file: let fastavro's repository inject it
                return load_schema(str(path), named_schemas=named)
            raise
    except UnknownType as exc:
        raise _unknown_type_error(path, text, exc.name, named) from None
    except SchemaRepositoryError as exc:  # a sibling file that is not a readable schema
        raise SourceError(f"{path}: a type it uses could not be loaded: {exc}",
                          "check the .avsc file of that type next to this one", expected="a JSON Avro schema") from None
    except SchemaParseException as exc:
        raise SourceError(f"{path}: not a valid Avro schema: {exc}", f"see the Avro specification, {SPEC}",
                          expected="a valid Avro schema") from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:  # fastavro's messages for odd shapes
        detail = f"missing key {exc}" if isinstance(exc, KeyError) else str(exc)
        raise SourceError(f"{path}: not a valid Avro schema: {detail}",
                          f"each type is a name, a list (a union) or an object with a \"type\"; see {SPEC}",
                          expected="a valid Avro schema") from None


def _unknown_type_error(path: Path, text: str, name: Any, named: dict[str, Any]) -> SourceError:
    if isinstance(name, dict):  # {"type": "recrd", ...}
        name = name.get("type")
    wanted = str(name)
    short = wanted.rsplit(".", 1)[-1]
    known = [*PRIMITIVES, *COMPLEX, *(n.rsplit(".", 1)[-1] for n in named)]
    near = suggest(short, known)
    where = str(path)
    found = re.search(r'"(?:[\w.]*\.)?' + re.escape(short) + '"', text)
    if found:
        line = text.count("\n", 0, found.start()) + 1
        where += f":{line}:{found.start() - text.rfind(chr(10), 0, found.start())}"
    sibling = path.parent / f"{wanted}.avsc"
    if sibling.is_file():
        hint = f"{sibling} defines it but is not a valid Avro schema: fix that file"
    elif near:
        hint = f"did you mean {near!r}?"
    else:
        hint = f"define it before its first use, or in a file {wanted}.avsc next to this one"
    return SourceError(f"{where}: unknown Avro type {short!r}", hint,
                       expected=f"a primitive ({', '.join(p for p in PRIMITIVES)}), a complex type or a named "
                                "type defined earlier")


def _table_records(path: Path, parsed: Any, named: dict[str, Any]) -> list[dict]:
    """The records that become tables: the top-level record, or those of a list no other record uses."""
    roots = parsed if isinstance(parsed, list) else [parsed]
    records = [r for r in roots if isinstance(r, dict) and r.get("type") in ("record", "error")]
    if not records:
        kind = str(parsed.get("type")) if isinstance(parsed, dict) else ""
        article = "an" if kind[:1] in tuple("aeiou") else "a"
        shape = f"{article} {kind}, {_render(parsed)}" if kind else _render(parsed)[:80]
        raise SourceError(f"{path}: no record to import: the schema is {shape}",
                          "give a schema whose top level is a record (or a list of schemas with records)",
                          expected="an Avro record")
    by_name = {r["name"]: r for r in records}
    uses = {name: _used_names(record, named) - {name} for name, record in by_name.items()}
    return [by_name[name] for name in table_roots(list(by_name), uses)]


def _used_names(avro_type: AvroType, named: dict[str, Any], seen: set[str] | None = None) -> set[str]:
    """Every named type a type uses, however deep (named references followed once)."""
    seen = set() if seen is None else seen
    if isinstance(avro_type, list):
        for member in avro_type:
            _used_names(member, named, seen)
    elif isinstance(avro_type, str):
        if avro_type in named and avro_type not in seen:
            seen.add(avro_type)
            _used_names(named[avro_type], named, seen)
    elif isinstance(avro_type, dict):
        kind = avro_type.get("type")
        if kind in NAMED and avro_type["name"] not in seen:
            seen.add(avro_type["name"])
        for item in avro_type.get("fields", []):
            _used_names(item["type"], named, seen)
        for key in ("items", "values"):
            if key in avro_type:
                _used_names(avro_type[key], named, seen)
    return seen


class _AvroReader:
    def __init__(self, label: str, named: dict[str, Any]):
        self.label = label
        self.named = named
        self.tables: dict[str, SourceTable] = {}
        self.warnings: list[ImportWarning] = []

    def warn(self, where: str, message: str, suggestion: str | None = None) -> None:
        self.warnings.append(ImportWarning(f"{self.label}: {where}", message, suggestion))

    def resolve(self, avro_type: AvroType) -> AvroType:
        if isinstance(avro_type, str) and avro_type not in PRIMITIVES:
            return self.named[avro_type]
        return avro_type

    def read_table(self, record: dict, wanted: str, where: str, stack: tuple[str, ...]) -> SourceTable:
        """A table of ``record``'s fields; its child tables follow it and are linked once it is complete."""
        namespace, _, short = record["name"].rpartition(".")
        table = SourceTable(name=unique_name(wanted, self.tables), columns=[], comment=record.get("doc", ""),
                            namespace=namespace or None, location=f"{self.label}: {where}")
        self.tables[table.name] = table
        build = NestedTable(table, short)
        for item in record["fields"]:
            build.direct.add(item["name"])
            self.add_field(build, item["name"], item, f"{where}.{item['name']}", False,
                           item.get("default", NO_DEFAULT), stack)
        for child, field_label in build.children:
            link_child(table, child, ensure_single_key(table, build.direct, build.type_name), field_label)
        if not table.columns:
            self.warn(where, "a record without fields: a table without columns", "add its fields, or --exclude it")
        return table

    def add_field(self, build: NestedTable, name: str, item: dict, where: str, nullable: bool, default: Any,
                  stack: tuple[str, ...]) -> None:
        declared = item["type"]
        members = declared if isinstance(declared, list) else [declared]
        others = [m for m in members if m != "null"]
        nullable = nullable or len(others) < len(members)
        if not others:
            self.warn(where, "a field that is always null: left out")
            return
        if len(others) > 1:
            self.warn(where, f"a union of several types {_render(declared)}: imported as the first, "
                             f"{_render(others[0])}", "edit the column's generator if it should vary")
        chosen = self.resolve(others[0])
        kind = chosen.get("type") if isinstance(chosen, dict) else chosen
        doc = item.get("doc", "")
        if kind in ("record", "error"):
            if chosen["name"] in stack:
                self.add_recursive(build, SourceColumn(name=name, kind="json", type_text=_render(declared),
                                                       nullable=nullable, comment=doc), where, chosen["name"])
                return
            defaults = default if isinstance(default, dict) else {}
            if not chosen["fields"]:
                self.warn(where, f"{_render(chosen)} is a record without fields: no column")
            for sub in chosen["fields"]:
                self.add_field(build, f"{name}_{sub['name']}", sub, f"{where}.{sub['name']}", nullable,
                               defaults.get(sub["name"], sub.get("default", NO_DEFAULT)),
                               (*stack, chosen["name"]))
            return
        column = SourceColumn(name=name, kind="unknown", type_text=_render(declared), nullable=nullable,
                              comment=doc, default=_default_text(default), location=f"{self.label}: {where}")
        if kind == "array":
            if self.add_array(build, column, chosen["items"], where, stack):
                return
        elif kind == "map":
            column.kind = "json"
        else:
            _apply(column, self.scalar(chosen, where))
        self.add_column(build, column, where)

    def add_array(self, build: NestedTable, column: SourceColumn, items: AvroType, where: str,
                  stack: tuple[str, ...]) -> bool:
        """Fill an array column, or read a list of records as a child table (True: no column to add)."""
        members = items if isinstance(items, list) else [items]
        others = [m for m in members if m != "null"] or ["null"]
        if len(others) > 1:
            self.warn(where, f"array items of several types {_render(items)}: imported as the first, "
                             f"{_render(others[0])}")
        item = self.resolve(others[0])
        kind = item.get("type") if isinstance(item, dict) else item
        if kind in ("record", "error"):
            if item["name"] in stack:
                self.add_recursive(build, column, where, item["name"])
                return True
            child = self.read_table(item, f"{build.table.name}_{snake_case(column.name)}", f"{where}[]",
                                    (*stack, item["name"]))
            child.comment = child.comment or column.comment
            build.children.append((child, f"{build.table.name}.{column.name}"))
            return True
        if kind in ("array", "map"):
            column.kind = "json"
            self.warn(where, f"an array of {kind}s: imported as a JSON document column")
            return False
        facts = self.scalar(item, where)
        column.kind = "array"
        column.item_kind = facts["kind"]
        column.item_enum_values = facts.get("enum_values")
        return False

    def add_recursive(self, build: NestedTable, column: SourceColumn, where: str, record: str) -> None:
        """Stop at a record that contains itself: the rest of the hierarchy is one JSON document."""
        short = record.rsplit(".", 1)[-1]
        self.warn(where, f"{short} contains itself (a recursive type): this level is imported as a JSON "
                         "document column and not expanded further",
                  "model the hierarchy as a table with a self-referencing foreign key if it matters")
        column.kind = "json"
        column.location = f"{self.label}: {where}"
        self.add_column(build, column, where)

    def add_column(self, build: NestedTable, column: SourceColumn, where: str) -> None:
        renamed = add_column(build.table, column)
        if renamed:
            self.warn(where, renamed)

    def scalar(self, avro_type: AvroType, where: str) -> dict[str, Any]:
        """The column facts of a primitive, enum or fixed type, with its logical type if Avro knows it."""
        if isinstance(avro_type, str):
            base, schema = avro_type, {"type": avro_type}
        else:
            base, schema = avro_type["type"], avro_type
        if base == "enum":
            return {"kind": "enum", "enum_values": list(schema["symbols"])}
        if base == "fixed":
            facts: dict[str, Any] = {"kind": "binary", "length": schema["size"]}
        else:
            kind, bits = PRIMITIVES[base]
            facts = {"kind": kind, "precision": bits}
        logical = schema.get("logicalType")
        if logical is None:
            return facts
        if logical not in LOGICAL:
            self.warn(where, f"unknown logical type {logical!r}: imported as its base type, {base}")
            return facts
        bases, logical_facts = LOGICAL[logical]
        if base not in bases:
            self.warn(where, f"logical type {logical} on {base} (Avro allows it on {' or '.join(bases)}): "
                             f"imported as {base}")
            return facts
        facts = {**logical_facts, "format": logical}
        if logical == "decimal":
            facts.update(precision=schema.get("precision"), scale=schema.get("scale", 0))
            if not schema.get("precision"):
                self.warn(where, "a decimal without a precision", "add \"precision\" to the schema")
        return facts


def _apply(column: SourceColumn, facts: dict[str, Any]) -> None:
    for key, value in facts.items():
        setattr(column, key, value)


def _default_text(value: Any) -> str | None:
    """A default as text: strings (and enum symbols) as they are, anything else as JSON; null is no default."""
    if value is NO_DEFAULT or value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value)


def _render(avro_type: Any) -> str:
    """The type as the schema writes it, compactly: a named type by its short name."""
    return json.dumps(_plain(avro_type), separators=(",", ":"))


def _plain(avro_type: Any) -> Any:
    if isinstance(avro_type, list):
        return [_plain(member) for member in avro_type]
    if isinstance(avro_type, str):
        return avro_type.rsplit(".", 1)[-1]
    if not isinstance(avro_type, dict):
        return avro_type
    kind = avro_type.get("type")
    if kind in NAMED:
        return str(avro_type.get("name", kind)).rsplit(".", 1)[-1]
    plain = {key: avro_type[key] for key in ("type", "logicalType", "precision", "scale") if key in avro_type}
    for key in ("items", "values"):
        if key in avro_type:
            plain[key] = _plain(avro_type[key])
    return plain if len(plain) > 1 else plain.get("type")
