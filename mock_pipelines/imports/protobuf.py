"""Read a Protobuf definition (.proto) into a SourceSchema.

The file is compiled by protoc, the reference compiler (grpcio-tools bundles it with the well-known
``google/protobuf/*.proto``), in a subprocess so its messages (``orders.proto:12:5: Expected ";".``) reach the
person as they are; the descriptors it writes (``--descriptor_set_out --include_imports
--include_source_info``) are read with ``google.protobuf.descriptor_pb2``. Imports are looked for in the
include path that holds the file (else the file's folder), then in the other include paths, then in the
file's own folder, then among the well-known types.

Mapping:

* each top-level message of the file (not of its imports) is a table (``OrderShipped`` → ``order_shipped``,
  the package as namespace) — except a message that another top-level message uses as a field type: that
  one is part of its user (flattened or a child table), as an ``Address`` is;
* scalars: int32/sint32/sfixed32 → int (32 bits), int64/sint64/sfixed64 → int (64 bits), uint32/fixed32 and
  uint64/fixed64 → the same with minimum 0, double/float → float, bool, string, bytes → binary; an enum →
  enum with its value names, leaving out the proto3 convention ``X_UNSPECIFIED = 0`` (the "not set" value,
  which real data does not carry) when the enum has other values;
* a singular message field is flattened into ``<field>_<subfield>`` columns, a ``repeated`` message field is a
  child table (see :mod:`.nesting`), a repeated scalar or enum an ``array`` column, a ``map<k, v>`` a ``json``
  column;
* nullability follows field presence: a proto3 ``optional`` field, a proto2 ``optional`` field and every
  member of a ``oneof`` are nullable; a proto2 ``required`` field and a plain proto3 scalar (which always
  has a value, zero by default) are not. A plain proto3 message field is taken as present (its flattened
  columns keep their own nullability): events carry their nested messages;
* well-known types: Timestamp → timestamp with time zone, Duration → interval, Struct/Value/ListValue/Any →
  json, FieldMask → an array of strings, the wrappers (StringValue, Int64Value, …) → their scalar,
  nullable; ``google.type.Date`` → date and ``google.type.TimeOfDay`` → time when an include path provides
  them (googleapis' ``google/type/*.proto``);
* comments (leading, else trailing) → comment; a proto2 ``[default = …]`` → default;
* a message that contains itself (a tree) is read down to the first repetition, which becomes a ``json``
  column with a warning.

Column ``location`` is ``file.proto:LINE`` of the field's declaration.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from google.protobuf import descriptor_pb2
from google.protobuf.message import DecodeError

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

Field = descriptor_pb2.FieldDescriptorProto
Message = descriptor_pb2.DescriptorProto
ProtoFile = descriptor_pb2.FileDescriptorProto
Presence = descriptor_pb2.FeatureSet

PROTOC_TIMEOUT_S = 120
MESSAGE_TYPES = (Field.TYPE_MESSAGE, Field.TYPE_GROUP)
# source_code_info paths: FileDescriptorProto.message_type = 4, enum_type = 5, extension = 7;
# DescriptorProto.field = 2, nested_type = 3, enum_type = 4
FILE_MESSAGES, FILE_ENUMS, EXTENSIONS, FIELDS, NESTED_MESSAGES, NESTED_ENUMS = 4, 5, 7, 2, 3, 4

# scalar field type → (name as written, kind, bits, minimum)
SCALARS: dict[int, tuple[str, str, int | None, int | None]] = {
    Field.TYPE_DOUBLE: ("double", "float", None, None), Field.TYPE_FLOAT: ("float", "float", None, None),
    Field.TYPE_INT32: ("int32", "int", 32, None), Field.TYPE_SINT32: ("sint32", "int", 32, None),
    Field.TYPE_SFIXED32: ("sfixed32", "int", 32, None), Field.TYPE_UINT32: ("uint32", "int", 32, 0),
    Field.TYPE_FIXED32: ("fixed32", "int", 32, 0), Field.TYPE_INT64: ("int64", "int", 64, None),
    Field.TYPE_SINT64: ("sint64", "int", 64, None), Field.TYPE_SFIXED64: ("sfixed64", "int", 64, None),
    Field.TYPE_UINT64: ("uint64", "int", 64, 0), Field.TYPE_FIXED64: ("fixed64", "int", 64, 0),
    Field.TYPE_BOOL: ("bool", "bool", None, None), Field.TYPE_STRING: ("string", "string", None, None),
    Field.TYPE_BYTES: ("bytes", "binary", None, None),
}

# well-known message → column facts; "nullable": a wrapper, whose only purpose is to say "no value"
WELL_KNOWN: dict[str, dict[str, Any]] = {
    "google.protobuf.Timestamp": {"kind": "timestamp", "timezone": True},
    "google.protobuf.Duration": {"kind": "interval"},
    "google.protobuf.Struct": {"kind": "json"},
    "google.protobuf.Value": {"kind": "json"},
    "google.protobuf.ListValue": {"kind": "json"},
    "google.protobuf.Any": {"kind": "json"},
    "google.protobuf.FieldMask": {"kind": "array", "item_kind": "string"},
    "google.protobuf.DoubleValue": {"kind": "float", "nullable": True},
    "google.protobuf.FloatValue": {"kind": "float", "nullable": True},
    "google.protobuf.Int64Value": {"kind": "int", "precision": 64, "nullable": True},
    "google.protobuf.UInt64Value": {"kind": "int", "precision": 64, "minimum": 0, "nullable": True},
    "google.protobuf.Int32Value": {"kind": "int", "precision": 32, "nullable": True},
    "google.protobuf.UInt32Value": {"kind": "int", "precision": 32, "minimum": 0, "nullable": True},
    "google.protobuf.BoolValue": {"kind": "bool", "nullable": True},
    "google.protobuf.StringValue": {"kind": "string", "nullable": True},
    "google.protobuf.BytesValue": {"kind": "binary", "nullable": True},
    "google.type.Date": {"kind": "date"},
    "google.type.TimeOfDay": {"kind": "time"},
}
EMPTY = "google.protobuf.Empty"

_PROTOC_LINE = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<message>.*)$")
_UNDEFINED = re.compile(r'"(?P<name>[\w.]+)" is not defined')
_NOT_FOUND = re.compile(r'Import "(?P<import>[^"]+)" was not found')


def read_protobuf(path: Path, include_paths: Sequence[str] = ()) -> SourceSchema:
    """Read the messages of the .proto file at ``path`` (imports looked for in ``include_paths`` too);
    raises SourceError with protoc's file:line:col when the file does not compile."""
    path = Path(path)
    if not path.is_file():
        raise SourceError(f"{path}: no such file", "check the path of the .proto file")
    descriptors, target, warnings = _compile(path, include_paths)
    index = _Index(descriptors)
    reader = _ProtoReader(index, target)
    reader.warnings += warnings
    top = [f".{_qualified(target.package, m.name)}" for m in target.message_type if not m.options.map_entry]
    if not top:
        raise SourceError(f"{path}: the file defines no message: nothing to import",
                          "import the .proto file that defines the messages", expected="a top-level message")
    uses = {name: index.used_messages(name) - {name} for name in top}
    for name in table_roots(top, uses):
        message = index.messages[name]
        reader.read_table(name, snake_case(message.desc.name), message.desc.name, (name,))
    for i, extension in enumerate(target.extension):  # `extend Outer { … }`: not part of the message's tables
        reader.warn(f"{index.line(target, (EXTENSIONS, i))} ({extension.extendee.lstrip('.')})",
                    f"extension field {extension.name} is not imported", "add it to the table by hand if needed")
    return SourceSchema(name=dataset_name(path.stem), source=path.name, tables=reader.tables,
                        warnings=reader.warnings)


def _compile(path: Path, include_paths: Sequence[str]) -> tuple[list[ProtoFile], ProtoFile, list[ImportWarning]]:
    """Run protoc on ``path``: the descriptors of the file and its imports, the file's own, protoc's warnings."""
    includes = [Path(p) for p in include_paths]
    for folder in includes:
        if not folder.is_dir():
            raise SourceError(f"{folder}: the include path is not a folder",
                              "give folders that hold the imported .proto files")
    source = path.resolve()
    # the include path that holds the file names it as its imports do ("shop/v1/orders.proto"); else its folder
    root = next((f.resolve() for f in includes if source.is_relative_to(f.resolve())), source.parent)
    proto_paths = list(dict.fromkeys([root, *(f.resolve() for f in includes)]))
    if source.parent not in proto_paths:  # imports written relative to the file's own folder
        proto_paths.append(source.parent)
    with tempfile.TemporaryDirectory(prefix="mock-pipelines-protoc-") as tmp:
        out = Path(tmp) / "descriptors.pb"
        # grpc_tools.protoc appends its bundled google/protobuf/*.proto folder as the last include path
        command = [sys.executable, "-m", "grpc_tools.protoc", *(f"--proto_path={p}" for p in proto_paths),
                   f"--descriptor_set_out={out}", "--include_imports", "--include_source_info", str(source)]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=PROTOC_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            raise SourceError(f"{path}: protoc did not finish in {PROTOC_TIMEOUT_S} s",
                              "check for an include path on a slow or very large file system") from None
        messages = done.stderr.replace(str(source), str(path)).strip()
        if done.returncode != 0:
            raise _protoc_error(path, messages, proto_paths)
        try:
            files = list(descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes()).file)
        except (OSError, DecodeError) as exc:
            raise SourceError(f"{path}: protoc wrote no readable descriptors ({exc})",
                              "check that grpcio-tools is installed in this environment") from None
    name = source.relative_to(root).as_posix()
    target = next((f for f in files if f.name == name), files[-1])  # protoc writes the input last
    warnings = [ImportWarning(path.name, f"protoc: {line}") for line in messages.splitlines() if line.strip()]
    return files, target, warnings


def _protoc_error(path: Path, messages: str, proto_paths: list[Path]) -> SourceError:
    lines = [line for line in messages.splitlines() if line.strip()] or ["protoc failed without a message"]
    # "c.proto: File not found." then "b.proto:3:1: Import "c.proto" was not found or had errors." (an import
    # that had errors is reported by its own errors first, and falls through to them)
    absent = {line.removesuffix(": File not found.") for line in lines if line.endswith(": File not found.")}
    importing = next((line for line in lines if (m := _NOT_FOUND.search(line)) and m["import"] in absent), None)
    missing = _NOT_FOUND.search(importing) if importing else None
    first = _PROTOC_LINE.match(importing) if importing else None  # the file and line of the import
    if missing is not None and first is not None:
        imported = missing["import"]
        hint = (" (googleapis' google/type and google/api files: github.com/googleapis/googleapis)"
                if imported.startswith(("google/type/", "google/api/", "google/rpc/")) else "")
        return SourceError(
            f"{first['file']}:{first['line']}:{first['col']}: import \"{imported}\" was not found",
            f"add the folder that holds {imported} as an include path (--proto-path DIR){hint}; looked in: "
            f"{', '.join(str(p) for p in proto_paths)} and the bundled google/protobuf types",
            expected="every imported .proto file under an include path")
    undefined = next((m for m in map(_UNDEFINED.search, lines) if m), None)
    near = suggest(undefined["name"], [s[0] for s in SCALARS.values()] + list(WELL_KNOWN)) if undefined else None
    shown = "\n".join(lines[:10]) + (f"\n… and {len(lines) - 10} more" if len(lines) > 10 else "")
    hint = f"did you mean {near!r}? Else fix" if near else "fix"
    return SourceError(shown, f"{hint} the definition where protoc points (these are the messages of protoc, "
                              "the Protobuf reference compiler)", expected="a .proto file that protoc compiles")


def _qualified(package: str, name: str) -> str:
    return f"{package}.{name}" if package else name


@dataclass
class _Declared:
    """A message or enum with where it is declared: its file and its source_code_info path."""

    desc: Any
    file: ProtoFile
    path: tuple[int, ...]


class _Index:
    """Every message and enum of the compiled files by full name (``.pkg.Outer.Inner``), and comments."""

    def __init__(self, files: list[ProtoFile]):
        self.messages: dict[str, _Declared] = {}
        self.enums: dict[str, _Declared] = {}
        self.locations: dict[tuple[str, tuple[int, ...]], Any] = {}
        for proto in files:
            prefix = f".{proto.package}" if proto.package else ""
            for i, message in enumerate(proto.message_type):
                self._add_message(proto, prefix, message, (FILE_MESSAGES, i))
            for i, enum in enumerate(proto.enum_type):
                self.enums[f"{prefix}.{enum.name}"] = _Declared(enum, proto, (FILE_ENUMS, i))
            for location in proto.source_code_info.location:
                self.locations[(proto.name, tuple(location.path))] = location

    def _add_message(self, proto: ProtoFile, prefix: str, message: Message, path: tuple[int, ...]) -> None:
        name = f"{prefix}.{message.name}"
        self.messages[name] = _Declared(message, proto, path)
        for i, nested in enumerate(message.nested_type):
            self._add_message(proto, name, nested, (*path, NESTED_MESSAGES, i))
        for i, enum in enumerate(message.enum_type):
            self.enums[f"{name}.{enum.name}"] = _Declared(enum, proto, (*path, NESTED_ENUMS, i))

    def comment(self, proto: ProtoFile, path: tuple[int, ...]) -> str:
        location = self.locations.get((proto.name, path))
        if location is None:
            return ""
        text = location.leading_comments.strip() or location.trailing_comments.strip()
        return " ".join(line.strip() for line in text.splitlines() if line.strip())

    def line(self, proto: ProtoFile, path: tuple[int, ...]) -> str:
        location = self.locations.get((proto.name, path))
        return f"{proto.name}:{location.span[0] + 1}" if location is not None else proto.name

    def used_messages(self, name: str, seen: set[str] | None = None) -> set[str]:
        """Every message a message contains through its fields, however deep."""
        seen = set() if seen is None else seen
        for item in self.messages[name].desc.field:
            if item.type in MESSAGE_TYPES and item.type_name not in seen and item.type_name in self.messages:
                seen.add(item.type_name)
                self.used_messages(item.type_name, seen)
        return seen


class _ProtoReader:
    def __init__(self, index: _Index, target: ProtoFile):
        self.index = index
        self.target = target
        self.tables: dict[str, SourceTable] = {}
        self.warnings: list[ImportWarning] = []

    def warn(self, where: str, message: str, suggestion: str | None = None) -> None:
        self.warnings.append(ImportWarning(where, message, suggestion))

    def read_table(self, name: str, wanted: str, where: str, stack: tuple[str, ...]) -> SourceTable:
        """A table of a message's fields; its child tables follow it and are linked once it is complete."""
        message = self.index.messages[name]
        table = SourceTable(name=unique_name(wanted, self.tables), columns=[],
                            comment=self.index.comment(message.file, message.path),
                            namespace=message.file.package or None,
                            location=self.index.line(message.file, message.path))
        self.tables[table.name] = table
        build = NestedTable(table, message.desc.name)
        self.add_fields(build, message, "", where, False, stack, "")
        for child, field_label in build.children:
            link_child(table, child, ensure_single_key(table, build.direct, build.type_name), field_label)
        if not table.columns:
            self.warn(table.location, f"{message.desc.name} has no fields: a table without columns",
                      "add its fields, or --exclude it")
        return table

    def add_fields(self, build: NestedTable, message: _Declared, prefix: str, where: str, nullable: bool,
                   stack: tuple[str, ...], note: str) -> None:
        """The columns of a message's fields; ``prefix`` and ``nullable`` when it is flattened into another, and
        ``note`` the oneof it belongs to (said in each column's comment)."""
        for i, item in enumerate(message.desc.field):
            if not prefix:
                build.direct.add(item.name)
            self.add_field(build, message, i, f"{prefix}{item.name}", f"{where}.{item.name}", nullable, stack,
                           note)

    def add_field(self, build: NestedTable, owner: _Declared, i: int, name: str, where: str, nullable: bool,
                  stack: tuple[str, ...], note: str) -> None:
        item: Field = owner.desc.field[i]
        path = (*owner.path, FIELDS, i)
        location = self.index.line(owner.file, path)
        label = f"{location} ({where})"
        comment = self.index.comment(owner.file, path)
        in_oneof = item.HasField("oneof_index") and not item.proto3_optional
        if in_oneof:
            note = f"(oneof {owner.desc.oneof_decl[item.oneof_index].name}: at most one of its fields is set)"
        comment = f"{comment} {note}".strip()
        column = SourceColumn(name=name, kind="unknown", type_text=self.type_text(item, owner.file),
                              nullable=nullable or self.has_presence(item, owner.file, in_oneof), comment=comment,
                              default=item.default_value if item.HasField("default_value") else None,
                              location=location)
        repeated = item.label == Field.LABEL_REPEATED
        if item.type not in MESSAGE_TYPES:
            facts = self.scalar(item)
            if repeated:
                column.nullable = nullable
                facts = {"kind": "array", "item_kind": facts["kind"], "item_enum_values": facts.get("enum_values")}
            _apply(column, facts)
            self.add_column(build, column, label)
            return
        message = self.index.messages[item.type_name]
        full = item.type_name.lstrip(".")
        if message.desc.options.map_entry:
            _apply(column, {"kind": "json", "nullable": nullable})
        elif full == EMPTY:
            self.warn(label, "a google.protobuf.Empty field carries no value: left out")
            return
        elif full in WELL_KNOWN:
            facts = dict(WELL_KNOWN[full])
            if repeated:
                facts = {"kind": "array", "item_kind": facts["kind"], "nullable": nullable} \
                    if facts["kind"] != "array" else {"kind": "json", "nullable": nullable}
            _apply(column, facts)
        elif item.type_name in stack:
            self.warn(label, f"{message.desc.name} contains itself (a recursive type): this level is imported as "
                             "a JSON document column and not expanded further",
                      "model the hierarchy as a table with a self-referencing foreign key if it matters")
            _apply(column, {"kind": "json", "nullable": column.nullable if repeated else True})
        elif repeated:
            child = self.read_table(item.type_name, f"{build.table.name}_{snake_case(name)}", f"{where}[]",
                                    (*stack, item.type_name))
            child.comment = child.comment or comment
            build.children.append((child, f"{build.table.name}.{name}"))
            return
        else:
            if not message.desc.field:
                self.warn(label, f"{message.desc.name} is a message without fields: no column")
            self.add_fields(build, message, f"{name}_", where, column.nullable, (*stack, item.type_name), note)
            return
        self.add_column(build, column, label)

    def has_presence(self, item: Field, proto: ProtoFile, in_oneof: bool) -> bool:
        """Whether the field can be absent (nullable): see the module docstring."""
        if item.label == Field.LABEL_REQUIRED:
            return False
        if in_oneof or item.proto3_optional:
            return True
        if item.label == Field.LABEL_REPEATED:
            return False
        syntax = proto.syntax or "proto2"
        if syntax == "proto2":
            return True
        if syntax == "proto3" or item.type in MESSAGE_TYPES:
            return False
        # editions: the field's feature, else the file's, else EXPLICIT (the 2023 default)
        presence = item.options.features.field_presence or proto.options.features.field_presence
        return presence in (Presence.FIELD_PRESENCE_UNKNOWN, Presence.EXPLICIT)

    def scalar(self, item: Field) -> dict[str, Any]:
        if item.type == Field.TYPE_ENUM:
            values = [v.name for v in self.index.enums[item.type_name].desc.value]
            unspecified = [v.name for v in self.index.enums[item.type_name].desc.value
                           if v.number == 0 and (v.name == "UNSPECIFIED" or v.name.endswith("_UNSPECIFIED"))]
            if unspecified and len(values) > 1:
                values.remove(unspecified[0])
            return {"kind": "enum", "enum_values": values}
        _, kind, bits, minimum = SCALARS[item.type]
        return {"kind": kind, "precision": bits, "minimum": minimum}

    def type_text(self, item: Field, proto: ProtoFile, labelled: bool = True) -> str:
        """The field's type as the .proto file writes it: ``repeated LineItem``, ``map<string, string>``."""
        if item.type in MESSAGE_TYPES or item.type == Field.TYPE_ENUM:
            message = self.index.messages.get(item.type_name)
            if message is not None and message.desc.options.map_entry:
                key, value = message.desc.field
                return f"map<{self.type_text(key, proto, False)}, {self.type_text(value, proto, False)}>"
            written = self.relative(item.type_name, proto)
        else:
            written = SCALARS[item.type][0]
        if not labelled:
            return written
        if item.label == Field.LABEL_REPEATED:
            return f"repeated {written}"
        if item.label == Field.LABEL_REQUIRED:
            return f"required {written}"
        if item.proto3_optional or (proto.syntax or "proto2") == "proto2":
            return f"optional {written}"
        return written

    @staticmethod
    def relative(type_name: str, proto: ProtoFile) -> str:
        """``.acme.shop.v1.Order.LineItem`` → ``Order.LineItem`` inside package acme.shop.v1."""
        prefix = f".{proto.package}." if proto.package else "."
        return type_name[len(prefix):] if type_name.startswith(prefix) else type_name.lstrip(".")

    def add_column(self, build: NestedTable, column: SourceColumn, label: str) -> None:
        renamed = add_column(build.table, column)
        if renamed:
            self.warn(label, renamed)


def _apply(column: SourceColumn, facts: dict[str, Any]) -> None:
    for key, value in facts.items():
        setattr(column, key, value)
