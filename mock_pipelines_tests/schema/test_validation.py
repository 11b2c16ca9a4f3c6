"""Schema validation: every problem is reported before anything is generated, with the file, the exact
line and column of the offending key or value, what was expected and, for near misses, a suggestion.

Locations are checked against an independent oracle: :func:`pos` finds the offending text in the YAML
source by plain string search, so a test fails if the parser points one character off.
"""

from __future__ import annotations

import pytest

from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.spec.errors import Issue, SchemaError

FILE = "shop.yaml"

CUSTOMERS = """\
dataset: shop
seed: 1
tables:
  customers:
    rows: 10
    primary_key: customer_id
    columns:
      customer_id: {gen: sequence}
      name: {gen: choice, values: [ann, bob]}
"""

ORDERS = CUSTOMERS + """\
  orders:
    rows: 20
    primary_key: order_id
    columns:
      order_id: {gen: sequence}
      customer_id: {ref: customers.customer_id}
"""


# ---- helpers -----------------------------------------------------------------------------------------

def pos(text: str, target: str, after: str = "") -> tuple[int, int]:
    """1-based (line, column) of ``target`` in ``text``, at its first occurrence right after ``after``."""
    needle = after + target
    assert text.count(needle) == 1, f"{needle!r} must occur exactly once in the test schema"
    i = text.index(needle) + len(after)
    line = text.count("\n", 0, i) + 1
    column = i - (text.rfind("\n", 0, i) + 1) + 1
    return line, column


def issues_of(text: str) -> list[Issue]:
    with pytest.raises(SchemaError) as info:
        load_dataset(FILE, text=text)
    return info.value.issues


def single_issue(text: str) -> Issue:
    issues = issues_of(text)
    assert len(issues) == 1, "\n".join(map(str, issues))
    return issues[0]


def assert_at(issue: Issue, text: str, target: str, after: str = "") -> None:
    line, column = pos(text, target, after)
    assert (issue.location.file, issue.location.line, issue.location.column) == (FILE, line, column), str(issue)
    assert str(issue).startswith(f"{FILE}:{line}:{column}: ")


def assert_did_you_mean(issue: Issue, name: str) -> None:
    assert issue.suggestion == name
    assert str(issue).endswith(f"did you mean {name!r}?")


# ---- unknown keys ------------------------------------------------------------------------------------

def test_unknown_top_level_key_suggests_the_near_miss():
    text = CUSTOMERS.replace("seed: 1", "seeed: 1")
    issue = single_issue(text)
    assert issue.message == "unknown key 'seeed' in the dataset"
    assert issue.expected == "one of dataset, description, locale, seed, templates, tables, scenarios"
    assert_did_you_mean(issue, "seed")
    assert_at(issue, text, "seeed")
    assert str(issue.location) == "shop.yaml:2:1"


def test_unknown_table_key_suggests_the_near_miss():
    text = CUSTOMERS.replace("    primary_key: customer_id", "    primay_key: customer_id")
    issue = single_issue(text)
    assert issue.message == "unknown key 'primay_key' in table 'customers'"
    assert "primary_key" in issue.expected
    assert_did_you_mean(issue, "primary_key")
    assert_at(issue, text, "primay_key")


def test_unknown_key_on_a_generator_column_suggests_the_column_key():
    # On a generator column, extra keys are generator parameters; a misspelt column key still gets a hint.
    text = CUSTOMERS.replace("{gen: choice, values: [ann, bob]}", "{gen: choice, values: [ann, bob], uniqe: true}")
    issue = single_issue(text)
    assert issue.message == "column customers.name: unknown parameter 'uniqe' for generator 'choice'"
    assert issue.expected.startswith("choice(values: ")
    assert_did_you_mean(issue, "unique")
    assert_at(issue, text, "uniqe")


@pytest.mark.parametrize("column", [
    "{expr: 'customer_id + 1', nullabel: true}",
    "{template: 'c-{_unique}', nullabel: true}",
    "{ref: customers.customer_id, nullabel: true}",
])
def test_unknown_key_on_derived_and_reference_columns_is_reported(column):
    text = CUSTOMERS + "      extra: " + column + "\n"
    issue = single_issue(text)
    assert "unknown key 'nullabel'" in issue.message
    assert "customers.extra" in issue.message
    assert_did_you_mean(issue, "nullable")
    assert_at(issue, text, "nullabel")


# ---- generators and parameters -----------------------------------------------------------------------

@pytest.mark.parametrize(("typo", "right"), [("normall", "normal"), ("sequense", "sequence")])
def test_unknown_generator_suggests_the_closest_one(typo, right):
    text = CUSTOMERS.replace("{gen: sequence}", "{gen: " + typo + "}")
    issue = single_issue(text)
    assert issue.message == f"column customers.customer_id: unknown generator {typo!r}"
    assert_did_you_mean(issue, right)
    assert_at(issue, text, typo, after="gen: ")


def test_unknown_generator_in_a_distribution_call_suggests_the_closest_one():
    text = CUSTOMERS.replace("{gen: choice, values: [ann, bob]}", "{dist: 'normall(50, 10)'}")
    issue = single_issue(text)
    assert issue.message == "column customers.name: unknown generator 'normall'"
    assert_did_you_mean(issue, "normal")
    assert_at(issue, text, "'normall(50, 10)'")


def test_unknown_parameter_suggests_the_closest_parameter():
    text = CUSTOMERS.replace("{gen: sequence}", "{gen: sequence, strat: 5}")
    issue = single_issue(text)
    assert issue.message == "column customers.customer_id: unknown parameter 'strat' for generator 'sequence'"
    assert issue.expected == "sequence(start: int = 1, step: int = 1)"
    assert_did_you_mean(issue, "start")
    assert_at(issue, text, "strat")


def test_the_expected_signature_reads_as_types_with_their_bounds():
    text = CUSTOMERS.replace("{gen: choice, values: [ann, bob]}", "{gen: split, of: customer_id, totl: 1}")
    issue = next(i for i in issues_of(text) if "totl" in i.message)
    assert issue.expected == "split(of: column, jitter: float (≥ 0, < 1) = 0.5, scale: int (≥ 0, ≤ 18) | None = None)"


def test_no_generator_signature_shows_python_internals():
    from mock_pipelines.core.registry import catalogue

    internals = ("FieldInfo", "Annotated", "typing", "NoneType", "<class", "Optional[", "Union[", "datetime.")
    shown = {gen.name: gen.signature() for gen in catalogue()}
    assert not {n: s for n, s in shown.items() if any(x in s for x in internals)}
    assert "after: column | list[column] | None = None" in shown["timestamp"]


def test_wrong_parameter_type_names_the_parameter_and_the_expected_type():
    text = CUSTOMERS.replace("{gen: sequence}", "{gen: sequence, start: abc}")
    issue = single_issue(text)
    assert issue.message.startswith("column customers.customer_id: parameter 'start' of 'sequence': ")
    assert "valid integer" in issue.message
    assert issue.expected == "int"
    assert issue.suggestion is None
    assert_at(issue, text, "start")


def test_unknown_type_suggests_the_closest_type():
    text = CUSTOMERS.replace("{gen: sequence}", "{gen: sequence, type: integr}")
    issue = single_issue(text)
    assert issue.message == "column customers.customer_id: unknown type 'integr'"
    assert issue.expected.startswith("one of int, float, decimal(p,s), bool, string")
    assert_did_you_mean(issue, "int")
    assert_at(issue, text, "integr")


# ---- references --------------------------------------------------------------------------------------

def test_reference_to_a_missing_table_suggests_the_closest_table():
    text = ORDERS.replace("{ref: customers.customer_id}", "{ref: custmers.customer_id}")
    issue = single_issue(text)
    assert issue.message == "orders.customer_id references missing table 'custmers'"
    assert_did_you_mean(issue, "customers")
    assert_at(issue, text, "customer_id: {ref: custmers")


def test_reference_to_a_missing_column_suggests_the_closest_column():
    text = ORDERS.replace("{ref: customers.customer_id}", "{ref: customers.customer_ix}")
    issue = single_issue(text)
    assert issue.message == "orders.customer_id references missing column customers.customer_ix"
    assert_did_you_mean(issue, "customer_id")
    assert_at(issue, text, "customer_id: {ref: customers.customer_ix")


def test_foreign_key_type_mismatch():
    text = ORDERS.replace("{ref: customers.customer_id}", "{ref: customers.customer_id, type: string}")
    issue = single_issue(text)
    assert issue.message == ("foreign key type mismatch: orders.customer_id is string but "
                             "customers.customer_id is int")
    assert issue.expected == "type: int (or leave the type out to inherit it)"
    assert_at(issue, text, "customer_id: {ref: customers.customer_id, type: string}")


def test_foreign_key_without_a_type_inherits_the_parent_type():
    spec = load_dataset(FILE, text=ORDERS)
    assert str(spec.tables["orders"].columns["customer_id"].type) == "int"


CYCLE = """\
dataset: shop
tables:
  a:
    rows: 5
    primary_key: id
    columns:
      id: {gen: sequence}
      b_id: {ref: b.id}
  b:
    rows: 5
    primary_key: id
    columns:
      id: {gen: sequence}
      a_id: {ref: a.id}
"""


def test_foreign_key_cycle_is_named():
    issue = single_issue(CYCLE)
    assert issue.message == "foreign keys form a cycle: a → b → a"
    assert "break the cycle" in issue.suggestion
    assert_at(issue, CYCLE, "b:", after="  ")


def test_self_reference_is_a_tree_not_a_cycle():
    text = """\
dataset: shop
tables:
  employees:
    rows: 5
    primary_key: emp_id
    columns:
      emp_id: {gen: sequence}
      manager_id: {ref: employees.emp_id}
"""
    spec = load_dataset(FILE, text=text)
    table = spec.tables["employees"]
    assert [fk.table for fk in table.foreign_keys] == ["employees"]
    assert table.columns["manager_id"].nullable  # the root has no manager
    assert spec.table_order() == ["employees"]


def test_per_parent_table_needs_a_reference_to_its_parent():
    text = CUSTOMERS + """\
  orders:
    rows: {per: customers, count: poisson(2)}
    primary_key: order_id
    columns:
      order_id: {gen: sequence}
"""
    issue = single_issue(text)
    assert issue.message == "table 'orders' has rows per 'customers' but no column references 'customers'"
    assert issue.suggestion == "add a column with ref: customers.<key column>"
    assert_at(issue, text, "orders:")


# ---- templates ---------------------------------------------------------------------------------------

TEMPLATES = """\
dataset: shop
templates:
  money: {dist: "lognormal(3, 0.8)", type: "decimal(12,2)", min: 0}
tables:
  t:
    rows: 5
    columns:
      x: {extends: money, max: 500}
"""


def test_unknown_template_in_extends_suggests_the_closest_template():
    text = TEMPLATES.replace("extends: money", "extends: mony")
    issue = issues_of(text)[0]
    assert issue.message == "unknown template 'mony' in column t.x"
    assert issue.expected == "a name under `templates:`"
    assert_did_you_mean(issue, "money")
    assert_at(issue, text, "mony")


def test_templates_that_extend_each_other_are_reported_as_a_loop():
    text = """\
dataset: shop
templates:
  a: {extends: b, dist: "normal(0, 1)"}
  b: {extends: a}
tables:
  t:
    rows: 5
    columns:
      x: {extends: a}
"""
    issue = issues_of(text)[0]
    assert issue.message == "templates extend each other in a loop: a → b → a"
    assert_at(issue, text, "a}", after="b: {extends: ")


def test_extends_deep_merges_a_column_template():
    spec = load_dataset(FILE, text=TEMPLATES)
    col = spec.tables["t"].columns["x"]
    assert col.generator == "lognormal"
    assert str(col.type) == "decimal(12,2)"
    assert col.params == {"mean": 3, "sigma": 0.8, "min": 0, "max": 500, "round": None}


def test_extends_deep_merges_nested_mappings_of_a_table_template():
    text = """\
dataset: shop
templates:
  audited:
    rows: 7
    columns:
      created: {gen: integer, min: 0, max: 10}
      updated: {gen: integer, min: 0, max: 10}
      tier: {gen: choice, values: {gold: 1, silver: 2, bronze: 3}}
tables:
  t:
    extends: audited
    primary_key: id
    columns:
      id: {gen: sequence}
      created: {max: 99}
      tier: {values: {silver: 5}}
"""
    spec = load_dataset(FILE, text=text)
    table = spec.tables["t"]
    assert table.rows.fixed == 7
    assert set(table.columns) == {"id", "created", "updated", "tier"}
    assert table.columns["created"].params == {"min": 0, "max": 99}  # nested override, rest kept
    assert table.columns["updated"].params == {"min": 0, "max": 10}
    assert table.columns["tier"].params == {"values": {"gold": 1.0, "silver": 5.0, "bronze": 3.0}}


def test_extends_a_list_of_templates_keeps_what_each_of_them_inherits():
    text = """\
dataset: shop
templates:
  centred: {gen: normal, mean: 5}
  wide: {gen: normal, std: 3}
  a: {extends: centred}
  b: {extends: wide, round: 1}
tables:
  t:
    rows: 5
    columns:
      x: {extends: [a, b], min: 0}
"""
    spec = load_dataset(FILE, text=text)
    assert spec.tables["t"].columns["x"].params == {"mean": 5, "std": 3, "min": 0, "max": None, "round": 1}


def test_a_diamond_of_templates_is_not_a_loop():
    text = """\
dataset: shop
templates:
  base: {gen: integer, min: 1}
  a: {extends: base, max: 9}
  b: {extends: base}
tables:
  t:
    rows: 5
    columns:
      x: {extends: [a, b]}
"""
    spec = load_dataset(FILE, text=text)
    assert spec.tables["t"].columns["x"].params == {"min": 1, "max": 9}


# ---- uniqueness and keys -----------------------------------------------------------------------------

def test_unsatisfiable_uniqueness_is_refused_before_generating():
    text = CUSTOMERS.replace("{gen: choice, values: [ann, bob]}", "{gen: choice, values: [x, y, z], unique: true}")
    spec = load_dataset(FILE, text=text)  # the row count may still change (scale, overrides)
    with pytest.raises(SchemaError) as info:
        DatasetPlan(spec).check()
    [issue] = info.value.issues
    assert issue.message == ("column customers.name asks for 10 unique values but 'choice' has only 3 "
                             "distinct values (locale en_US)")
    assert "drop unique" in issue.suggestion
    assert_at(issue, text, "name:")
    # The same schema is fine at a row count the generator can satisfy.
    DatasetPlan(spec, PlanOptions(rows={"customers": 3})).check()
    DatasetPlan(spec, PlanOptions(scale=0.3)).check()


def test_unique_on_a_generator_that_cannot_be_unique():
    text = CUSTOMERS.replace("{gen: choice, values: [ann, bob]}", "{dist: 'normal(0, 1)', unique: true}")
    issue = single_issue(text)
    assert issue.message == "column customers.name: generator 'normal' cannot guarantee unique values"
    assert "template with {_unique}" in issue.suggestion
    assert_at(issue, text, "true", after="unique: ")


def test_composite_primary_key_must_be_unique_by_construction():
    text = CUSTOMERS.replace("primary_key: customer_id", "primary_key: [customer_id, name]").replace(
        "{gen: sequence}", "{gen: integer, min: 1, max: 5}")
    issue = single_issue(text)
    assert issue.message == ("composite primary key ['customer_id', 'name'] of 'customers' is not unique by "
                             "construction")
    assert "child_index" in issue.suggestion
    assert_at(issue, text, "customers:")


def test_composite_primary_key_of_parent_key_and_child_index_is_accepted():
    text = CUSTOMERS + """\
  lines:
    rows: {per: customers, count: "uniform(1, 3)"}
    primary_key: [customer_id, line_no]
    columns:
      customer_id: {ref: customers.customer_id}
      line_no: {gen: child_index}
"""
    assert load_dataset(FILE, text=text).tables["lines"].primary_key == ["customer_id", "line_no"]


def test_primary_key_cannot_have_nulls():
    text = CUSTOMERS.replace("{gen: sequence}", "{gen: sequence, null_rate: 0.1}")
    issue = single_issue(text)
    assert issue.message == "primary key customers.customer_id cannot have nulls"
    assert_at(issue, text, "customer_id:")


# ---- expressions -------------------------------------------------------------------------------------

def _with_expr(expr: str) -> str:
    return CUSTOMERS.replace("{gen: choice, values: [ann, bob]}", '{expr: "' + expr + '"}')


def test_expression_syntax_error():
    text = _with_expr("customer_id +* 2")
    issue = single_issue(text)
    assert issue.message == "column customers.name: invalid expression: invalid syntax"
    assert_at(issue, text, '"customer_id +* 2"')


@pytest.mark.parametrize(("expr", "message"), [
    ("lambda: 1", "Lambda is not allowed in expressions"),
    ("customer_id[0]", "Subscript is not allowed in expressions"),
    ("[x for x in customer_id]", "ListComp is not allowed in expressions"),
    ("__import__('os')", "unknown function '__import__'"),
    ("__import__('os').system('x')", "unknown function"),
    ("open('/etc/passwd')", "unknown function 'open'"),
    ("().__class__", "a parent attribute is a chain of names: `fk_column.parent_column`"),
])
def test_forbidden_expression_constructs(expr, message):
    text = _with_expr(expr)
    issue = single_issue(text)
    assert issue.message.startswith("column customers.name: ")
    assert message in issue.message
    assert_at(issue, text, '"' + expr + '"')


def test_dunder_attribute_is_never_python_attribute_access():
    # `a.b` only ever means "column b of the row that foreign key a points at".
    text = _with_expr("customer_id.__class__")
    issue = single_issue(text)
    assert issue.message == ("column customers.name reads 'customer_id.__class__' but 'customer_id' is not a "
                             "foreign key")
    text = ORDERS + '      x: {expr: "customer_id.__class__"}\n'
    issue = single_issue(text)
    assert issue.message == "column orders.x reads 'customer_id.__class__' but 'customers' has no column '__class__'"
    assert_at(issue, text, "x:")


def test_expression_reading_an_unknown_column_suggests_the_closest_column():
    text = _with_expr("custmer_id + 1")
    issue = single_issue(text)
    assert issue.message == "column customers.name reads unknown column 'custmer_id'"
    assert_did_you_mean(issue, "customer_id")
    assert_at(issue, text, "name:")


def test_columns_depending_on_each_other_in_a_cycle():
    text = _with_expr("other + 1") + '      other: {expr: "name * 2"}\n'
    issue = single_issue(text)
    assert issue.message == "columns of 'customers' depend on each other in a cycle: name → other → name"
    assert_at(issue, text, "other:")


def test_unknown_template_filter_suggests_the_closest_filter():
    text = CUSTOMERS + '      handle: {template: "{name|lowr}-{_unique}"}\n'
    issue = single_issue(text)
    assert issue.message == "column customers.handle: unknown template filter 'lowr'"
    assert_did_you_mean(issue, "lower")
    assert_at(issue, text, '"{name|lowr}-{_unique}"')


# ---- files -------------------------------------------------------------------------------------------

def test_invalid_yaml_reports_the_parser_location():
    text = CUSTOMERS.replace("{gen: sequence}", "{gen: sequence")
    issue = single_issue(text)
    assert issue.message.startswith("invalid YAML: ")
    # The parser notices the unclosed `{` at the `:` after the next key.
    assert_at(issue, text, ": {gen: choice", after="      name")


def test_several_errors_are_reported_at_once():
    text = (CUSTOMERS.replace("seed: 1", "seeed: 1")
            .replace("{gen: sequence}", "{gen: sequense}")
            .replace("values: [ann, bob]}", "values: [ann, bob], wieght: 2}"))
    issues = issues_of(text)
    assert [i.suggestion for i in issues] == ["seed", "sequence", None]
    assert_at(issues[0], text, "seeed")
    assert_at(issues[1], text, "sequense")
    assert_at(issues[2], text, "wieght")
    message = str(SchemaError(issues))
    assert message.count("\n") == 2
    assert "did you mean 'sequence'?" in message


def test_file_not_found(tmp_path):
    missing = tmp_path / "nope.yaml"
    with pytest.raises(SchemaError) as info:
        load_dataset(missing)
    [issue] = info.value.issues
    assert issue.message == "file not found"
    assert str(issue.location) == str(missing)
    assert str(info.value).startswith(f"{missing}: file not found")


def test_a_valid_file_on_disk_loads(tmp_path):
    path = tmp_path / "shop.yaml"
    path.write_text(ORDERS, encoding="utf-8")
    spec = load_dataset(path)
    assert spec.name == "shop"
    assert spec.seed == 1
    assert spec.table_order() == ["customers", "orders"]
    assert spec.source_hash
