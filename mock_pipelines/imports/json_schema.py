"""Read a JSON Schema (drafts 4, 6, 7, 2019-09 and 2020-12) into a :class:`SourceSchema`.

The document is first checked against its own draft's metaschema (``jsonschema``), and every ``$ref`` is
resolved with ``referencing``: pointers into the document (``#/$defs/…``, ``#/definitions/…``), anchors,
and other schema files next to it (``"$ref": "address.json"``; a ref whose ``$id`` is a URL such as
``https://example.com/schemas/address.json`` is looked up by its file name next to the schema, never
fetched from the network).

How a document becomes tables:

* The root, when it describes an object, is one table, named from its ``title`` (``"Order placed"`` →
  ``order_placed``) or else the file stem. A root that is not an object but lists object schemas in
  ``oneOf``/``anyOf`` (an event union) or in ``$defs``/``definitions`` gives one table per object schema
  there, named from its title or its key.
* A nested object is flattened into its parent's columns, named ``parent_child`` (``customer.address.city``
  → ``customer_address_city``): one row holds the whole document, as a JSON document holds it. A nested
  column is nullable when it or any object above it is optional. An object with no ``properties`` (a free
  map, ``additionalProperties`` only) is one column of kind ``json``.
* An array of objects becomes a child table named ``<table>_<column>``, one row per item, with
  ``per_parent`` = the parent table and ``items`` = (``minItems``, ``maxItems``) where the schema gives them
  (only ``minItems``: up to ``minItems + 4``). JSON has no keys, so the import makes them: the parent gets a
  synthetic key column ``<table>_id`` (int, autoincrement, first column, its primary key), and the child a
  foreign key column of the same name plus ``item_no`` (the item's 1-based position); (``<parent>_id``,
  ``item_no``) is the child's primary key, or a unique pair when the child has children of its own and so
  needs its own ``<child>_id``.
* An array of scalars is kind ``array`` with ``item_kind`` (and ``item_enum_values`` for an array of enum
  values).
* ``enum`` → kind ``enum`` (values as texts; ``null`` in it makes the column nullable); ``const`` → an enum
  of one value. ``type: [x, "null"]`` and ``anyOf``/``oneOf`` with a ``{"type": "null"}`` branch →
  nullable; another ``anyOf``/``oneOf`` takes its first branch with a warning. ``allOf`` merges its parts.
* Formats: ``date-time`` → timestamp, ``date`` → date, ``time`` → time, ``uuid`` → uuid, ``duration`` →
  interval; ``email``, ``uri``, ``hostname``, ``ipv4``, ``ipv6`` and any other format are strings with
  ``format`` set. ``number`` with ``multipleOf`` 0.01 is a decimal with scale 2; other numbers are floats.
* ``minimum``/``maximum``, ``exclusiveMinimum``/``exclusiveMaximum`` (draft-4 booleans and draft-6+
  numbers), ``minLength``/``maxLength``, ``pattern``, ``description`` (→ comment) and ``default`` are kept;
  a property not in ``required`` is nullable.
* A recursive ``$ref`` (a tree: a category whose ``children`` are categories) cannot become a
  self-referencing foreign key from JSON Schema alone: the import warns and stops there, making the
  recursive part one ``json`` column.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import referencing
import referencing.exceptions
import referencing.jsonschema
from jsonschema.exceptions import SchemaError
from jsonschema.validators import validator_for

from mock_pipelines.imports.json_schema_keywords import (
    allows_null,
    apply_bounds,
    escape_pointer,
    is_object,
    main_type,
    merge_all_of,
    text_of,
    types_of,
    whole_number,
)
from mock_pipelines.imports.model import (
    ImportWarning,
    SourceColumn,
    SourceError,
    SourceForeignKey,
    SourceSchema,
    SourceTable,
)
from mock_pipelines.imports.naming import identifier_from
from mock_pipelines.spec.model import IDENTIFIER

FORMAT_KINDS = {"date-time": "timestamp", "date": "date", "time": "time", "uuid": "uuid", "duration": "interval"}
INT_FORMATS = {"int8": 8, "int16": 16, "int32": 32, "int64": 64, "uint8": 8, "uint16": 16, "uint32": 32,
               "uint64": 64}  # OpenAPI's integer formats
MAX_DEPTH = 16  # nesting deeper than this is kept as one json column (a guard, not a real schema's depth)
ASSUMED_EXTRA_ITEMS = 4  # only minItems given: up to minItems + 4 items per parent


def read_json_schema(path: Path) -> SourceSchema:
    """Read the JSON Schema file ``path``. Raises SourceError for a file that is not JSON (with line:column),
    not a valid schema of its draft (with the JSON pointer of the problem), or that describes no object."""
    document = _load_json(path)
    if not isinstance(document, dict):
        raise SourceError(f"{path.name}: the document is {type(document).__name__}, not a JSON Schema object",
                          "give a JSON Schema whose root is an object with \"type\": \"object\"")
    validator = validator_for(document)
    try:
        validator.check_schema(document)
    except SchemaError as error:
        pointer = "/" + "/".join(str(p) for p in error.absolute_path)
        raise SourceError(f"{path.name}#{pointer if pointer != '/' else ''}: not a valid JSON Schema "
                          f"({_draft_name(document)}): {error.message}",
                          "fix the schema; `python -m jsonschema` or an editor with JSON Schema support shows "
                          "the same problem", expected="a schema valid against its $schema draft") from None
    reader = _Reader(path, document)
    reader.read()
    stem = path.name.split(".")[0] if path.name.endswith((".schema.json", ".json")) else path.stem
    return SourceSchema(name=identifier_from(stem), source=str(path), tables=reader.tables,
                        warnings=reader.warnings)


def _load_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise SourceError(f"{path}: cannot read the file ({error})", "give a readable UTF-8 JSON file") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise SourceError(f"{path.name}:{error.lineno}:{error.colno}: invalid JSON: {error.msg}",
                          "fix the JSON syntax (a trailing comma, a missing quote or brace?)",
                          expected="a JSON document") from None


def _draft_name(document: dict) -> str:
    declared = document.get("$schema")
    return f"$schema {declared}" if isinstance(declared, str) else "draft 2020-12, no $schema given"


# ------------------------------------------------------------------------------------------------ reading

@dataclass
class _Scope:
    """Where the reader is: the table being filled, the column-name prefix, the JSON pointer for messages,
    whether an object above is optional, and the $ref targets entered on this path (recursion guard)."""

    table: SourceTable
    prefix: str
    pointer: str
    optional: bool
    resolver: referencing.Resolver
    refs: tuple[int, ...] = ()
    depth: int = 0


@dataclass
class _Resolved:
    schema: dict
    resolver: referencing.Resolver
    refs: tuple[int, ...] = ()
    recursive_ref: str | None = None
    extra_nullable: bool = False
    notes: list[str] = field(default_factory=list)


class _Reader:
    def __init__(self, path: Path, document: dict):
        self.path = path
        self.file = path.name
        self.document = document
        self.tables: dict[str, SourceTable] = {}
        self.warnings: list[ImportWarning] = []
        self.specification = referencing.jsonschema.specification_with(
            document.get("$schema", ""), default=referencing.jsonschema.DRAFT202012)
        root = self.specification.create_resource(document)
        self.base_uri = path.resolve().as_uri()
        registry = referencing.Registry(retrieve=self._retrieve).with_resource(self.base_uri, root)
        own_id = root.id()
        if own_id:
            registry = registry.with_resource(own_id, root)
        self.resolver = registry.resolver(base_uri=own_id or self.base_uri)
        self.namespace = own_id or None

    # -- references
    def _retrieve(self, uri: str) -> referencing.Resource:
        """Another schema file next to this one: ``file:`` URIs as they are, URL ``$id``s by file name."""
        parsed = urlparse(uri)
        if parsed.scheme == "file":
            candidates = [Path(unquote(parsed.path))]
        else:
            # A URL $id: the same layout under the root's $id directory, else the file name next to the root.
            candidates = []
            root = urlparse(self.namespace or "")
            root_dir = root.path.rsplit("/", 1)[0] + "/"
            if (parsed.scheme, parsed.netloc) == (root.scheme, root.netloc) and parsed.path.startswith(root_dir):
                candidates.append(self.path.parent / unquote(parsed.path[len(root_dir):]))
            candidates.append(self.path.parent / Path(unquote(parsed.path)).name)
        candidate = next((c for c in candidates if c.is_file()), None)
        if candidate is None:
            raise referencing.exceptions.NoSuchResource(ref=uri)
        contents = _load_json(candidate)
        return referencing.jsonschema.specification_with(
            contents.get("$schema", "") if isinstance(contents, dict) else "",
            default=self.specification).create_resource(contents)

    def resolve(self, schema: Any, resolver: referencing.Resolver, refs: tuple[int, ...],
                where: str) -> _Resolved:
        """Follow ``$ref`` (siblings of a ref override the target), merge ``allOf``, and unwrap the null
        branch of ``anyOf``/``oneOf``; stop at a ref already entered on this path."""
        if schema is True or not isinstance(schema, dict):
            return _Resolved({}, resolver, refs)
        # Every schema entered on this path is remembered: a $ref back to one of them is a recursion.
        result = _Resolved(schema, resolver, refs if id(schema) in refs else (*refs, id(schema)))
        dynamic = schema.get("$recursiveRef") or schema.get("$dynamicRef")
        if isinstance(dynamic, str):  # 2019-09/2020-12 extension points: a tree in every schema that uses them
            result.recursive_ref = dynamic
            return result
        hops = 0
        while "$ref" in result.schema and hops < 64:
            hops += 1
            ref = result.schema["$ref"]
            try:
                found = result.resolver.lookup(ref)
            except referencing.exceptions.Unresolvable as error:
                cause: BaseException | None = error
                while cause is not None:  # a sibling file that is not JSON: its own error, not a warning
                    if isinstance(cause, SourceError):
                        raise cause from None
                    cause = cause.__cause__ or cause.__context__
                self.warn(where, f"$ref {ref!r} cannot be resolved: imported as kind unknown",
                          "put the referenced schema file next to this one, or inline it")
                return _Resolved({"x-unresolved": ref}, result.resolver, result.refs)
            key = id(found.contents)
            if key in result.refs:
                result.recursive_ref = ref
                return result
            siblings = {k: v for k, v in result.schema.items() if k != "$ref"}
            contents = found.contents if isinstance(found.contents, dict) else {}
            result = _Resolved({**contents, **siblings}, found.resolver, (*result.refs, key),
                               extra_nullable=result.extra_nullable, notes=result.notes)
        schema = result.schema
        if "allOf" in schema and isinstance(schema["allOf"], list):
            merged = {k: v for k, v in schema.items() if k != "allOf"}
            for part in schema["allOf"]:
                sub = self.resolve(part, result.resolver, result.refs, where)
                if sub.recursive_ref:
                    result.recursive_ref = sub.recursive_ref
                    continue
                merged = merge_all_of(merged, sub.schema)
            result.schema = merged
            schema = merged
        for keyword in ("anyOf", "oneOf"):
            branches = schema.get(keyword)
            if not isinstance(branches, list) or "properties" in schema:
                continue
            non_null = [b for b in branches if not (isinstance(b, dict) and b.get("type") == "null")]
            if len(non_null) < len(branches):
                result.extra_nullable = True
            rest = {k: v for k, v in schema.items() if k != keyword}
            if not non_null:
                result.schema = {**rest, "type": "null"}
                return result
            if len(non_null) > 1:
                result.notes.append(f"{keyword} of {len(non_null)} alternatives: the first one is imported")
            sub = self.resolve(non_null[0], result.resolver, result.refs, where)
            sub.extra_nullable = sub.extra_nullable or result.extra_nullable
            sub.notes = result.notes + sub.notes
            sub.schema = {**rest, **sub.schema}
            return sub
        return result

    # -- tables
    def warn(self, location: str, message: str, suggestion: str | None = None) -> None:
        self.warnings.append(ImportWarning(location, message, suggestion))

    def location(self, pointer: str) -> str:
        return f"{self.file}#{pointer}"

    def read(self) -> None:
        document = self.document
        unions = [(k, document[k]) for k in ("oneOf", "anyOf") if isinstance(document.get(k), list)]
        if not document.get("properties") and unions:
            for keyword, branches in unions:  # an event union: one table per object alternative
                for index, branch in enumerate(branches):
                    self.candidate_table(branch, f"{keyword}_{index}", f"/{keyword}/{index}")
        else:
            root = self.resolve(document, self.resolver, (), self.location(""))
            if is_object(root.schema) and root.schema.get("properties"):
                name = self.table_name(root.schema.get("title"), self.path.name.split(".")[0])
                self.object_table(name, root, "", namespace=self.namespace)
                return
        if not self.tables:
            for keyword in ("$defs", "definitions"):
                for key, branch in (document.get(keyword) or {}).items():
                    self.candidate_table(branch, key, f"/{keyword}/{escape_pointer(key)}")
        if not self.tables:
            raise SourceError(f"{self.file}: the schema describes no object, so there is no table to import",
                              "give a schema with \"type\": \"object\" and properties at its root, in its "
                              "oneOf/anyOf, or in its $defs", expected="an object schema")

    def candidate_table(self, branch: Any, fallback: str, pointer: str) -> None:
        sub = self.resolve(branch, self.resolver, (id(self.document),), self.location(pointer))
        if is_object(sub.schema) and sub.schema.get("properties"):
            ref = branch.get("$ref", "") if isinstance(branch, dict) else ""
            ref_name = ref.rsplit("/", 1)[-1].split(".")[0] if isinstance(ref, str) else ""
            name = self.table_name(sub.schema.get("title"), ref_name or fallback)
            self.object_table(name, sub, pointer, namespace=self.namespace)

    def table_name(self, title: Any, fallback: str) -> str:
        base = identifier_from(title if isinstance(title, str) and title.strip() else fallback)
        name, counter = base, 2
        while name in self.tables:
            name, counter = f"{base}_{counter}", counter + 1
        return name

    def object_table(self, name: str, resolved: _Resolved, pointer: str, *, namespace: str | None = None,
                     per_parent: str | None = None) -> SourceTable:
        schema = resolved.schema
        table = SourceTable(name=name, columns=[], comment=text_of(schema.get("description")),
                            namespace=namespace, per_parent=per_parent, location=self.location(pointer))
        self.tables[name] = table
        scope = _Scope(table, "", pointer, False, resolved.resolver, resolved.refs)
        self.object_columns(schema, scope)
        return table

    def object_columns(self, schema: dict, scope: _Scope) -> None:
        required = set(schema.get("required") or []) if isinstance(schema.get("required"), list) else set()
        properties = schema.get("properties") or {}
        if not isinstance(properties, dict):
            return
        for key, sub in properties.items():
            self.property(str(key), sub, key in required, scope)

    def property(self, key: str, sub: Any, required: bool, scope: _Scope) -> None:
        pointer = f"{scope.pointer}/properties/{escape_pointer(key)}"
        where = self.location(pointer)
        resolved = self.resolve(sub, scope.resolver, scope.refs, where)
        for note in resolved.notes:
            self.warn(where, note, "check the written column, or split the alternatives into tables")
        name = self.column_name(f"{scope.prefix}{key}", scope.table, where)
        schema = resolved.schema
        nullable = scope.optional or not required or resolved.extra_nullable or allows_null(schema)
        if resolved.recursive_ref:
            self.warn(where, f"$ref {resolved.recursive_ref!r} refers back to a schema it is part of (a tree): "
                             "the recursion stops here, imported as one json column",
                      "model the tree as a table with a self-referencing foreign key in the written YAML")
            self.add(scope.table, SourceColumn(name, "json", "$ref " + resolved.recursive_ref, nullable=True,
                                               comment=text_of(schema.get("description")), location=where))
            return
        kind_type = main_type(schema)
        if is_object(schema) and schema.get("properties") and kind_type in (None, "object"):
            if scope.depth >= MAX_DEPTH:
                self.warn(where, f"nested deeper than {MAX_DEPTH} objects: kept as one json column")
                self.add(scope.table, SourceColumn(name, "json", "object", nullable=nullable, location=where))
                return
            inner = _Scope(scope.table, f"{name}_", pointer, nullable, resolved.resolver, resolved.refs,
                           scope.depth + 1)
            self.object_columns(schema, inner)
            return
        if kind_type == "array":
            self.array(name, schema, nullable, resolved, scope, pointer)
            return
        self.add(scope.table, self.scalar(name, schema, nullable, where))

    def array(self, name: str, schema: dict, nullable: bool, resolved: _Resolved, scope: _Scope,
              pointer: str) -> None:
        where = self.location(pointer)
        items_schema = schema.get("items")
        if isinstance(items_schema, list):  # draft-4..2019 tuple form: the first item's schema stands for all
            items_schema = items_schema[0] if items_schema else {}
        if items_schema is None and isinstance(schema.get("prefixItems"), list) and schema["prefixItems"]:
            items_schema = schema["prefixItems"][0]
        item = self.resolve(items_schema if items_schema is not None else {}, resolved.resolver,
                            resolved.refs, where + "/items")
        comment = text_of(schema.get("description"))
        if item.recursive_ref:
            self.warn(where, f"items $ref {item.recursive_ref!r} refers back to a schema it is part of (a "
                             "tree): the recursion stops here, imported as one json column",
                      "model the tree as a table with a self-referencing foreign key in the written YAML")
            self.add(scope.table, SourceColumn(name, "json", "array", nullable=True, comment=comment,
                                               location=where))
            return
        if is_object(item.schema) and item.schema.get("properties"):
            self.child_table(name, schema, item, scope, pointer)
            return
        item_type = main_type(item.schema)
        if item_type in ("array", "object") or is_object(item.schema):
            self.add(scope.table, SourceColumn(name, "json", f"array of {item_type or 'object'}",
                                               nullable=nullable, comment=comment, location=where))
            return
        item_column = self.scalar(name, item.schema, True, where + "/items", warn=False)
        column = SourceColumn(name, "array", f"array of {item_column.type_text}", nullable=nullable,
                              item_kind=item_column.kind, item_enum_values=item_column.enum_values,
                              comment=comment, location=where)
        if item_column.kind == "unknown":
            self.warn(where, "its items have no type: imported as an array of kind unknown",
                      "give the items a type")
        self.add(scope.table, column)

    def child_table(self, name: str, schema: dict, item: _Resolved, scope: _Scope, pointer: str) -> None:
        parent = scope.table
        parent_key = self.ensure_key(parent)
        child_name = self.table_name(None, f"{parent.name}_{name}")
        child = SourceTable(name=child_name, columns=[], per_parent=parent.name,
                            comment=text_of(schema.get("description")) or text_of(item.schema.get("description")),
                            namespace=parent.namespace, location=self.location(pointer + "/items"))
        low, high = schema.get("minItems"), schema.get("maxItems")
        if isinstance(high, int):
            child.items = (low if isinstance(low, int) else 0, high)
        elif isinstance(low, int):
            child.items = (low, low + ASSUMED_EXTRA_ITEMS)
        self.tables[child_name] = child
        fk_name = parent_key
        child.columns.append(SourceColumn(fk_name, "int", "integer", nullable=False, precision=64,
                                          comment=f"the {parent.name} row this item belongs to",
                                          location=child.location))
        child.columns.append(SourceColumn("item_no", "int", "integer", nullable=False, precision=32, minimum=1,
                                          comment=f"position of the item in {parent.name}.{name} (1-based)",
                                          location=child.location))
        child.primary_key = [fk_name, "item_no"]
        child.foreign_keys.append(SourceForeignKey([fk_name], parent.name, [parent_key]))
        inner = _Scope(child, "", pointer + "/items", False, item.resolver, item.refs, scope.depth + 1)
        self.object_columns(item.schema, inner)

    def ensure_key(self, table: SourceTable) -> str:
        """The table's synthetic key column, added as its first column the first time a child needs it."""
        if len(table.primary_key) == 1 and table.primary_key[0] == f"{table.name}_id":
            return table.primary_key[0]
        key = f"{table.name}_id"
        while table.column(key) is not None:
            key = f"{key}_key"
        if table.primary_key:  # a child with children of its own: its (parent, item_no) stays unique
            table.unique.append(list(table.primary_key))
        table.columns.insert(0, SourceColumn(key, "int", "integer", nullable=False, precision=64,
                                             autoincrement=True, unique=False,
                                             comment="synthetic key: JSON Schema declares no key",
                                             location=table.location))
        table.primary_key = [key]
        return key

    def column_name(self, wanted: str, table: SourceTable, where: str) -> str:
        name = wanted if IDENTIFIER.match(wanted) else identifier_from(wanted, fallback="field")
        if name != wanted:
            self.warn(where, f"property name {wanted!r} is not a valid column name: imported as {name!r}")
        base, counter = name, 2
        while table.column(name) is not None:
            name, counter = f"{base}_{counter}", counter + 1
        if name != base:
            self.warn(where, f"column {base!r} exists already in {table.name}: imported as {name!r}")
        return name

    def add(self, table: SourceTable, column: SourceColumn) -> None:
        table.columns.append(column)

    def scalar(self, name: str, schema: dict, nullable: bool, where: str, *, warn: bool = True) -> SourceColumn:
        """A column of one value: its kind from enum/const, type and format; its bounds and texts."""
        types = types_of(schema)
        non_null = [t for t in types if t != "null"]
        if len(non_null) > 1 and warn:
            self.warn(where, f"one of several types {non_null}: imported as {non_null[0]}",
                      "give the column one type in the written YAML")
        main = non_null[0] if non_null else None
        fmt = schema.get("format") if isinstance(schema.get("format"), str) else None
        type_text = json.dumps(schema["type"]) if "type" in schema else "(no type)"
        if fmt:
            type_text += f" format {fmt}"
        column = SourceColumn(name, "unknown", type_text, nullable=nullable,
                              comment=text_of(schema.get("description")), location=where)
        if "default" in schema:
            column.default = json.dumps(schema["default"])
        values = [schema["const"]] if "const" in schema else schema.get("enum")
        if isinstance(values, list) and values:
            kept = [v for v in values if v is not None]
            column.kind = "enum"
            column.enum_values = [v if isinstance(v, str) else json.dumps(v) for v in kept]
            column.type_text = json.dumps({"const": schema["const"]} if "const" in schema else {"enum": values})
            if len(kept) < len(values):
                column.nullable = True
            if warn and not all(isinstance(v, str) for v in kept):
                self.warn(where, "an enum of values that are not all texts: imported as their JSON texts")
            return column
        if "x-unresolved" in schema:
            column.type_text = f"$ref {schema['x-unresolved']}"
            return column
        if main == "string":
            column.kind = FORMAT_KINDS.get(fmt or "", "string")
            if column.kind == "timestamp":
                column.timezone = True  # RFC 3339 date-times carry an offset
            if schema.get("contentEncoding") == "base64" or fmt in ("byte", "binary"):
                column.kind = "binary"
            column.format = fmt
            column.length = whole_number(schema.get("maxLength"))
            column.min_length = whole_number(schema.get("minLength"))
            column.pattern = schema.get("pattern") if isinstance(schema.get("pattern"), str) else None
            return column
        if main in ("integer", "number"):
            column.kind = "int" if main == "integer" else "float"
            step = schema.get("multipleOf")
            if main == "number" and isinstance(step, int | float) and 0 < step < 1:
                scale = len(f"{step:.10f}".rstrip("0").split(".")[1])
                if abs(round(step, scale) - step) < 1e-12 and 10 ** -scale == round(step, scale):
                    column.kind, column.scale = "decimal", scale
            if main == "integer" and fmt in INT_FORMATS:
                column.precision = INT_FORMATS[fmt]
                if fmt.startswith("uint"):
                    column.minimum = 0
            column.format = fmt
            apply_bounds(column, schema)
            return column
        if main == "boolean":
            column.kind = "bool"
            return column
        if main == "object" or (main is None and ("additionalProperties" in schema
                                                  or "patternProperties" in schema)):
            column.kind = "json"
            return column
        if main == "null" or (not non_null and "null" in types):
            if warn:
                self.warn(where, "always null: imported as kind unknown")
            column.nullable = True
            return column
        if warn:
            self.warn(where, "no type: imported as kind unknown", "give the property a type")
        return column
