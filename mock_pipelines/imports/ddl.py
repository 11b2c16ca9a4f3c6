"""Read a SQL DDL file, in any dialect sqlglot reads, into a :class:`SourceSchema`.

:mod:`.ddl_statements` cuts the file into parsed statements, each with the line where it starts; they are
applied here in order, as the database would run them:

* ``CREATE TABLE`` (a schema-qualified name keeps only the table name; the schema becomes ``namespace``),
  with inline and table-level PRIMARY KEY / UNIQUE / FOREIGN KEY / CHECK, identity, serial and
  AUTO_INCREMENT keys, inline ``COMMENT`` and a table ``COMMENT =``;
* ``ALTER TABLE … ADD [CONSTRAINT]`` (primary key, foreign key, unique, check), ``ADD COLUMN``, and
  pg_dump's ``ALTER COLUMN … SET DEFAULT nextval(…)`` (an autoincrement key);
* ``CREATE TYPE … AS ENUM`` (the enum's values go to every column of that type, arrays included),
  ``COMMENT ON TABLE/COLUMN``, ``CREATE UNIQUE INDEX`` and ``DROP TABLE``.

Everything else (INSERT, GRANT, SET, CREATE INDEX/SEQUENCE/FUNCTION/TRIGGER/EXTENSION …) is skipped: it
says nothing about the shape of the data. A view, a ``CREATE TABLE … AS SELECT``, a computed column or an
expression index is skipped with a warning, because generating data for it would need what it computes.
A ``REFERENCES parent`` without columns points at the parent's primary key, resolved after the whole file
is read, so a foreign key may name a table declared further down or keyed by a later ALTER TABLE.
"""

from __future__ import annotations

from pathlib import Path

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ParseError
from sqlglot.tokens import Token, TokenType

from mock_pipelines.imports.ddl_statements import dialect_hint, resolve_dialect, statements
from mock_pipelines.imports.ddl_types import TypeFacts, type_facts
from mock_pipelines.imports.model import (
    ImportWarning,
    SourceCheck,
    SourceColumn,
    SourceError,
    SourceForeignKey,
    SourceSchema,
    SourceTable,
)
from mock_pipelines.imports.naming import identifier_from

# Statements that say something about tables the import cannot model: skipped with a warning.
WARN_CREATES = {"VIEW": "a view is not generated: its rows come from the tables it selects from",
                "MATERIALIZED VIEW": "a materialized view is not generated: its rows come from its query"}


def read_ddl(path: Path, dialect: str) -> SourceSchema:
    """Read the DDL file ``path`` written in ``dialect`` (a sqlglot dialect name: postgres, mysql, sqlite,
    tsql, snowflake, bigquery, duckdb, oracle, …). Raises SourceError for an unknown dialect, a file that
    cannot be read, or a statement sqlglot cannot parse (with its line)."""
    sql_dialect = resolve_dialect(dialect)
    dialect_name = dialect.strip().lower()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise SourceError(f"{path}: cannot read the file ({error})",
                          "give a readable UTF-8 text file of SQL statements") from None
    builder = _SchemaBuilder(path.name, dialect_name)
    for statement, line in statements(text, path, sql_dialect, dialect_name):
        builder.apply(statement, line)
    builder.finish()
    return SourceSchema(name=identifier_from(path.stem), source=str(path), tables=builder.tables,
                        dialect=dialect_name, warnings=builder.warnings)


# ------------------------------------------------------------------------------------------------ builder

def _name(node: exp.Expr | None) -> str:
    return node.name if node is not None else ""


def _line_in(node: exp.Expr, default: int) -> int:
    """The line of the first name inside ``node`` (sqlglot keeps token positions on identifiers)."""
    for ident in node.find_all(exp.Identifier):
        line = (ident.meta or {}).get("line")
        if line:
            return int(line)
    return default


def _description(prop: exp.Expr) -> str | None:
    """A table or column comment given as a property: MySQL's ``COMMENT = '…'``, BigQuery's
    ``OPTIONS(description = "…")``."""
    if isinstance(prop, exp.SchemaCommentProperty):
        return prop.this.name
    if isinstance(prop, exp.Property) and prop.name.lower() == "description":
        value = prop.args.get("value")
        return value.name if isinstance(value, exp.Literal) else None
    return None


def _for_column(constraint: exp.ColumnConstraint, column: str) -> exp.ColumnConstraint:
    """A domain's constraint for one column of that domain: VALUE in its CHECK becomes the column."""
    def swap(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Column) and not node.table and node.name.lower() == "value":
            return exp.column(column)
        return node

    return constraint.transform(swap)


def _column_names(nodes: list[exp.Expr]) -> list[str]:
    """Column names of a key list: identifiers, columns, or ordered columns (``a ASC``)."""
    names = []
    for node in nodes:
        inner = node.this if isinstance(node, exp.Ordered) else node
        names.append(inner.name)
    return names


class _SchemaBuilder:
    """Applies statements in file order, then resolves what needed the whole file (foreign keys)."""

    def __init__(self, file: str, dialect: str):
        self.file = file
        self.dialect = dialect
        self.tables: dict[str, SourceTable] = {}
        self.warnings: list[ImportWarning] = []
        self.enums: dict[str, list[str]] = {}
        self.domains: dict[str, exp.ColumnDef] = {}  # CREATE DOMAIN, read as a column named "value"
        self._declared: dict[int, str] = {}  # id(table) → its name as declared, when renamed for a clash
        # Foreign keys are resolved at the end: (table, fk, namespace of the referenced table, location)
        self._pending_fks: list[tuple[SourceTable, SourceForeignKey, str | None, str]] = []

    # -- helpers
    def warn(self, location: str, message: str, suggestion: str | None = None) -> None:
        self.warnings.append(ImportWarning(location, message, suggestion))

    def where(self, line: int) -> str:
        return f"{self.file}:{line}"

    def find_table(self, name: str, namespace: str | None = None) -> SourceTable | None:
        """The table the file declares as ``[namespace.]name`` (names compare case-insensitively; a table
        renamed for a clash of names across schemas is still found by its declared name)."""
        key = name.lower()
        matches = [t for t in self.tables.values() if self._declared.get(id(t), t.name).lower() == key]
        if namespace:
            exact = [t for t in matches if (t.namespace or "").lower() == namespace.lower()]
            matches = exact or matches
        return matches[0] if matches else None

    def sql(self, node: exp.Expr) -> str:
        return node.sql(dialect=self.dialect)

    def condition(self, node: exp.Expr) -> str:
        """A CHECK's condition as SQL, without the outer parentheses pg_dump writes around it."""
        while isinstance(node, exp.Paren):
            node = node.this
        return self.sql(node)

    # -- statements
    def apply(self, statement: exp.Expr, line: int) -> None:
        if isinstance(statement, exp.Create):
            self.create(statement, line)
        elif isinstance(statement, exp.Alter) and str(statement.args.get("kind", "")).upper() == "TABLE":
            self.alter_table(statement, line)
        elif isinstance(statement, exp.Comment):
            self.comment(statement, line)
        elif isinstance(statement, exp.Drop) and str(statement.args.get("kind", "")).upper() == "TABLE":
            for table in statement.args.get("tables") or [statement.this]:
                found = self.find_table(_name(table), table.text("db") or None)
                if found is not None:
                    del self.tables[found.name]
        elif isinstance(statement, exp.Command):
            self.command(statement, line)
        # INSERT, SELECT, SET, GRANT, USE, … say nothing about the shape of the data.

    def command(self, statement: exp.Command, line: int) -> None:
        """A statement sqlglot keeps as opaque text (syntax it does not model). A CREATE TABLE read so has lost
        its columns: an error, as a parse error would be; an ALTER TABLE that changes keys or columns is
        skipped with a warning; the rest (CREATE DOMAIN/EXTENSION/FUNCTION, ALTER … OWNER) is not data."""
        words = [t.text.upper() for t in Dialect.get_or_raise(self.dialect).tokenize(
            f"{statement.this} {statement.text('expression')}")]
        head = " ".join(words[:2])
        if head == "CREATE TABLE" or (head.startswith("CREATE") and "TABLE" in words[:4]):
            raise SourceError(f"{self.where(line)}: sqlglot reads this CREATE TABLE only as opaque text in the "
                              f"{self.dialect} dialect, so its columns cannot be read", dialect_hint(self.dialect),
                              expected=f"a CREATE TABLE statement in the {self.dialect} dialect")
        if head == "ALTER TABLE" and self.identity_added(statement):
            return
        if head == "ALTER TABLE" and {"CONSTRAINT", "PRIMARY", "FOREIGN", "UNIQUE", "CHECK", "COLUMN"} & set(words):
            self.warn(self.where(line), "ALTER TABLE in a form sqlglot reads only as text: skipped",
                      "write it as a plain ALTER TABLE … ADD CONSTRAINT, or check --dialect")
        elif head == "CREATE DOMAIN" and len(words) > 2:
            self.domain(statement, line)

    def domain(self, statement: exp.Command, line: int) -> None:
        """``CREATE DOMAIN name [AS] type [constraints]``, which sqlglot keeps as text: its tokens are read as
        the one column of a table (``value type constraints``), so a column of the domain gets the base type,
        NOT NULL, DEFAULT and CHECKs (with VALUE standing for the column)."""
        sql_dialect = Dialect.get_or_raise(self.dialect)
        tokens = sql_dialect.tokenize(f"{statement.this} {statement.text('expression')}")
        index = 3
        while index + 1 < len(tokens) and tokens[index].token_type == TokenType.DOT:
            index += 2
        name = tokens[index - 1].text
        if index < len(tokens) and tokens[index].text.upper() == "AS":
            index += 1
        body = tokens[index:]
        first = tokens[0]
        as_table = [Token(TokenType.CREATE, "CREATE", first.line), Token(TokenType.TABLE, "TABLE", first.line),
                    Token(TokenType.VAR, "domain", first.line), Token(TokenType.L_PAREN, "(", first.line),
                    Token(TokenType.VAR, "value", first.line), *body, Token(TokenType.R_PAREN, ")", first.line)]
        try:
            parsed = sql_dialect.parser().parse(as_table, "")
        except ParseError:
            parsed = []
        create = parsed[0] if parsed else None
        column_def = create.find(exp.ColumnDef) if isinstance(create, exp.Create) else None
        if column_def is None or not isinstance(column_def.args.get("kind"), exp.DataType):
            self.warn(self.where(line), f"domain {name} is not read: its columns become kind unknown",
                      "give those columns the domain's base type in the DDL")
            return
        self.domains[name.lower()] = column_def

    def identity_added(self, statement: exp.Command) -> bool:
        """pg_dump's ``ALTER TABLE t ALTER COLUMN c ADD GENERATED … AS IDENTITY (…)``, which sqlglot keeps as
        text: read from its tokens, it makes ``c`` an autoincrement key."""
        tokens = [t for t in Dialect.get_or_raise(self.dialect).tokenize(statement.text("expression"))]
        texts = [t.text.upper() for t in tokens]
        try:
            alter = texts.index("ALTER")
        except ValueError:
            return False
        if texts[alter + 1:alter + 2] != ["COLUMN"] or "GENERATED" not in texts[alter:] \
                or "IDENTITY" not in texts[alter:]:
            return False
        names = [t.text for t in tokens[1:alter] if t.token_type not in (TokenType.DOT, TokenType.ONLY)]
        if not names or len(tokens) <= alter + 2:
            return False
        table = self.find_table(names[-1], names[-2] if len(names) > 1 else None)
        column = table.column(tokens[alter + 2].text) if table is not None else None
        if column is None:
            return False
        column.autoincrement = True
        return True

    def create(self, statement: exp.Create, line: int) -> None:
        kind = str(statement.args.get("kind") or "").upper()
        target = statement.this
        if kind == "TABLE":
            if isinstance(target, exp.Schema) and any(isinstance(e, exp.ColumnDef) for e in target.expressions):
                self.create_table(target, statement, line)
            else:
                table = target.this if isinstance(target, exp.Schema) else target
                self.warn(self.where(line), f"table {_name(table)} is created from a query or another table "
                                            "(AS SELECT / LIKE), so its columns are not declared: skipped",
                          "declare its columns in a CREATE TABLE")
        elif kind == "TYPE":
            dtype = statement.expression
            if isinstance(dtype, exp.DataType) and dtype.this == exp.DType.ENUM:
                self.enums[_name(target).lower()] = [e.name for e in dtype.expressions]
        elif kind == "INDEX" and statement.args.get("unique"):
            self.unique_index(target, line)
        elif kind in WARN_CREATES:
            self.warn(self.where(line), f"{kind.lower()} {_name(target)}: {WARN_CREATES[kind]}; skipped",
                      "import the tables it reads from; a view is not loaded into")

    def create_table(self, schema: exp.Schema, statement: exp.Create, line: int) -> None:
        ident = schema.this
        name, namespace = _name(ident), (ident.text("db") or None)
        table = SourceTable(name=name, columns=[], namespace=namespace, location=self.where(line))
        if name in self.tables:
            previous = self.tables[name]
            if (previous.namespace or "") != (namespace or ""):
                table.name = f"{namespace}_{name}" if namespace else f"{name}_2"
                self._declared[id(table)] = name
                self.warn(table.location, f"a second table named {name} (in {namespace or 'no schema'}): "
                                          f"imported as {table.name}", "import one schema at a time")
        self.tables[table.name] = table
        for element in schema.expressions:
            if isinstance(element, exp.ColumnDef):
                self.add_column(table, element, line)
            else:
                self.table_constraint(table, element, line)
        for prop in (statement.args.get("properties") or exp.Properties()).expressions:
            table.comment = _description(prop) or table.comment
        self.primary_key_not_null(table)

    def add_column(self, table: SourceTable, column_def: exp.ColumnDef, line: int) -> None:
        col_line = (column_def.this.meta or {}).get("line", line) if column_def.this is not None else line
        name = column_def.name
        location = f"{self.where(col_line)} {table.name}.{name}"
        dtype = column_def.args.get("kind")
        domain = self.domain_of(dtype)
        inherited: list[exp.ColumnConstraint] = []
        if domain is not None:
            type_text = self.sql(dtype)
            dtype = domain.args["kind"]
            inherited = [_for_column(c, name) for c in domain.constraints]
        if isinstance(dtype, exp.DataType):
            facts = type_facts(dtype, self.dialect, self.enums)
            type_text = type_text if domain is not None else self.sql(dtype)
        else:  # SQLite allows a column without a type
            facts, type_text = TypeFacts("unknown", note="no declared type"), ""
        column = SourceColumn(
            name=name, kind=facts.kind, type_text=type_text, length=facts.length, precision=facts.precision,
            scale=facts.scale, enum_values=facts.enum_values, item_kind=facts.item_kind,
            item_enum_values=facts.item_enum_values, timezone=facts.timezone, autoincrement=facts.autoincrement,
            minimum=facts.minimum, format=facts.format, location=location.split(" ")[0])
        if facts.note:
            hint = "its values get a generic generator: set one in the written YAML" \
                if facts.kind == "unknown" else None
            kind_text = "kind unknown" if facts.kind == "unknown" else f"kind {facts.kind}"
            self.warn(location, f"{facts.note}: imported as {kind_text}", hint)
        table.columns.append(column)
        for constraint in column_def.constraints:
            self.column_constraint(table, column, constraint, location)
        # The domain's constraints hold whatever the column says (a NULL on the column does not lift a
        # domain's NOT NULL); its default applies only when the column has none.
        for constraint in inherited:
            if not (isinstance(constraint.args.get("kind"), exp.DefaultColumnConstraint) and column.default):
                self.column_constraint(table, column, constraint, location)

    def domain_of(self, dtype: exp.Expr | None) -> exp.ColumnDef | None:
        if not isinstance(dtype, exp.DataType) or dtype.this != exp.DType.USERDEFINED:
            return None
        named = dtype.args.get("kind")
        if isinstance(named, exp.Dot):
            named = named.expression
        return self.domains.get(named.name.lower()) if isinstance(named, exp.Expr) else None

    def column_constraint(self, table: SourceTable, column: SourceColumn, constraint: exp.ColumnConstraint,
                          location: str) -> None:
        kind = constraint.args.get("kind")
        constraint_name = _name(constraint.this) or None if constraint.this is not None else None
        if isinstance(kind, exp.NotNullColumnConstraint):
            column.nullable = bool(kind.args.get("allow_null"))
        elif isinstance(kind, exp.PrimaryKeyColumnConstraint):
            table.primary_key = [column.name]
            column.nullable = False
        elif isinstance(kind, exp.UniqueColumnConstraint):
            column.unique = True
        elif isinstance(kind, exp.DefaultColumnConstraint):
            default = kind.this
            column.default = self.sql(default)
            if isinstance(default, exp.Anonymous) and default.name.lower() == "nextval":
                column.autoincrement = True
        elif isinstance(kind, exp.AutoIncrementColumnConstraint | exp.GeneratedAsIdentityColumnConstraint):
            column.autoincrement = True
        elif isinstance(kind, exp.CheckColumnConstraint):
            table.checks.append(SourceCheck(self.condition(kind.this), constraint_name, location.split(" ")[0]))
        elif isinstance(kind, exp.CommentColumnConstraint):
            column.comment = kind.this.name
        elif isinstance(kind, exp.Properties):  # BigQuery's OPTIONS(description = "…")
            for prop in kind.expressions:
                column.comment = _description(prop) or column.comment
        elif isinstance(kind, exp.Reference):
            self.reference(table, [column.name], kind, constraint_name)
        elif isinstance(kind, exp.ComputedColumnConstraint):
            self.warn(location, f"computed by the database ({self.sql(kind.this)}): generated like any other "
                                "column", "leave it out of the generated data, or the load into the database "
                                          "fails")

    def reference(self, table: SourceTable, columns: list[str], reference: exp.Reference,
                  name: str | None) -> None:
        target = reference.this
        parent = target.this if isinstance(target, exp.Schema) else target
        ref_columns = _column_names(target.expressions) if isinstance(target, exp.Schema) else []
        fk = SourceForeignKey(columns=columns, ref_table=_name(parent), ref_columns=ref_columns, name=name)
        self._pending_fks.append((table, fk, parent.text("db") or None, table.location))

    def table_constraint(self, table: SourceTable, element: exp.Expr, line: int) -> None:
        """A table-level constraint, named (``CONSTRAINT x …``) or not; also what ALTER TABLE adds."""
        if isinstance(element, exp.Constraint):
            for inner in element.expressions:
                self.constraint_body(table, inner, line, element.name or None)
        else:
            self.constraint_body(table, element, line, None)

    def constraint_body(self, table: SourceTable, body: exp.Expr, line: int, name: str | None) -> None:
        location = self.where(_line_in(body, line))
        if isinstance(body, exp.Identifier | exp.Column | exp.Var):  # SQLite: a column without a type
            self.add_column(table, exp.ColumnDef(this=exp.to_identifier(body.name)), _line_in(body, line))
        elif isinstance(body, exp.PrimaryKey):
            table.primary_key = _column_names(body.expressions)
        elif isinstance(body, exp.PrimaryKeyColumnConstraint):
            pass  # tsql: the columns follow in a CLUSTERED / NONCLUSTERED part
        elif isinstance(body, exp.ClusteredColumnConstraint | exp.NonClusteredColumnConstraint):
            # tsql's PRIMARY KEY CLUSTERED (a, b): the key columns sit in the clustering part.
            table.primary_key = _column_names(body.this or [])
        elif isinstance(body, exp.UniqueColumnConstraint):
            inner = body.this
            if isinstance(inner, exp.Schema):
                columns = _column_names(inner.expressions)
            elif isinstance(inner, exp.ClusteredColumnConstraint | exp.NonClusteredColumnConstraint):
                columns = _column_names(inner.this or [])
            else:
                columns = []
            self.add_unique(table, columns)
        elif isinstance(body, exp.ForeignKey):
            self.reference(table, _column_names(body.expressions), body.args["reference"], name)
        elif isinstance(body, exp.CheckColumnConstraint):
            table.checks.append(SourceCheck(self.condition(body.this), name, location))
        elif isinstance(body, exp.IndexColumnConstraint):
            pass  # MySQL's KEY k (a): an index, not a constraint
        else:
            self.warn(f"{location} {table.name}", f"constraint {self.sql(body)!r} is not read: skipped",
                      "check the generated data against it by hand")
        self.primary_key_not_null(table)

    def add_unique(self, table: SourceTable, columns: list[str]) -> None:
        if len(columns) == 1:
            column = table.column(columns[0]) or next(
                (c for c in table.columns if c.name.lower() == columns[0].lower()), None)
            if column is not None:
                column.unique = True
        elif columns and columns not in table.unique:
            table.unique.append(columns)

    def primary_key_not_null(self, table: SourceTable) -> None:
        for name in table.primary_key:
            column = table.column(name)
            if column is not None:
                column.nullable = False

    def alter_table(self, statement: exp.Alter, line: int) -> None:
        target = statement.this
        table = self.find_table(_name(target), target.text("db") or None)
        if table is None:
            self.warn(self.where(line), f"ALTER TABLE {_name(target)}: the file does not create this table; "
                                        "skipped", "put its CREATE TABLE before the ALTER TABLE")
            return
        for action in statement.args.get("actions") or []:
            if isinstance(action, exp.AddConstraint):
                for constraint in action.expressions:
                    self.table_constraint(table, constraint, line)
            elif isinstance(action, exp.ColumnDef):
                self.add_column(table, action, line)
            elif isinstance(action, exp.AlterColumn):
                column = table.column(action.name)
                default = action.args.get("default")
                if column is not None and default is not None:
                    column.default = self.sql(default)
                    if isinstance(default, exp.Anonymous) and default.name.lower() == "nextval":
                        column.autoincrement = True
                if column is not None and action.args.get("allow_null") is False:
                    column.nullable = False
            elif isinstance(action, exp.Drop) and str(action.args.get("kind", "")).upper() == "COLUMN":
                table.columns = [c for c in table.columns if c.name.lower() != _name(action.this).lower()]

    def comment(self, statement: exp.Comment, line: int) -> None:
        kind = str(statement.args.get("kind") or "").upper()
        text = statement.expression.name if statement.expression is not None else ""
        target = statement.this
        if kind == "TABLE":
            table = self.find_table(_name(target), target.text("db") or None)
            if table is not None:
                table.comment = text
                return
        elif kind == "COLUMN" and isinstance(target, exp.Column):
            table = self.find_table(target.table, target.text("db") or None)
            column = next((c for c in table.columns if c.name.lower() == target.name.lower()), None) \
                if table else None
            if column is not None:
                column.comment = text
                return
        else:
            return  # a comment on an index, a type, a schema…
        self.warn(self.where(line), f"COMMENT ON {kind} {self.sql(target)}: no such {kind.lower()} in the file; "
                                    "skipped")

    def unique_index(self, index: exp.Expr, line: int) -> None:
        if not isinstance(index, exp.Index):
            return
        target = index.args.get("table")
        table = self.find_table(_name(target), target.text("db") or None) if target is not None else None
        params = index.args.get("params")
        columns = params.args.get("columns") if params is not None else None
        if table is None or not columns:
            return
        location = f"{self.where(line)} {table.name}"
        if params.args.get("where") is not None:
            self.warn(location, f"unique index {index.name} holds only for the rows of its WHERE: skipped",
                      "make the column unique in the written YAML if every row should be unique")
            return
        plain = [c.this if isinstance(c, exp.Ordered) else c for c in columns]
        if not all(isinstance(c, exp.Column) for c in plain):
            self.warn(location, f"unique index {index.name} is on an expression "
                                f"({', '.join(self.sql(c) for c in plain)}): skipped",
                      "make the generated values unique by hand if they must be")
            return
        self.add_unique(table, [c.name for c in plain])

    # -- after the whole file
    def finish(self) -> None:
        for table, fk, namespace, location in self._pending_fks:
            if table.name not in self.tables or self.tables[table.name] is not table:
                continue  # dropped later in the file
            parent = self.find_table(fk.ref_table, namespace)
            where = f"{location} {table.name}({', '.join(fk.columns)})"
            if parent is None:
                self.warn(where, f"references {fk.ref_table}, which the file does not create: imported as "
                                 "plain columns", f"add CREATE TABLE {fk.ref_table} to the file, or reference "
                                                  "its existing rows with ref: {existing: ...}")
                continue
            fk.ref_table = parent.name
            if not fk.ref_columns:
                if not parent.primary_key:
                    self.warn(where, f"references {parent.name} without columns, and {parent.name} has no "
                                     "primary key: imported as plain columns",
                              "name the referenced columns: REFERENCES parent (column)")
                    continue
                fk.ref_columns = list(parent.primary_key)
            if len(fk.ref_columns) != len(fk.columns):
                self.warn(where, f"has {len(fk.columns)} columns but references {len(fk.ref_columns)} in "
                                 f"{parent.name}: skipped")
                continue
            fk.ref_columns = [next((c.name for c in parent.columns if c.name.lower() == r.lower()), r)
                              for r in fk.ref_columns]
            table.foreign_keys.append(fk)

