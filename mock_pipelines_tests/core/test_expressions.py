"""The expression language and templates: vectorised, Python-like results, and safe by construction.

Expressions are parsed with :mod:`ast` and walked by our own evaluator over whole Arrow arrays; nothing is
ever passed to eval, exec or compile-to-bytecode, and anything outside a small whitelist is refused when
the expression is parsed, before any data exists.
"""

from __future__ import annotations

import ast
import builtins
import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from mock_pipelines.core.engine import DatasetPlan
from mock_pipelines.core.expressions import (
    ExpressionError,
    evaluate_with,
    parse_expression,
    parse_template,
)
from mock_pipelines.core.generators.internet import fold_array
from mock_pipelines.schema.parse import load_dataset

D = dt.date
T = dt.datetime


def ev(text: str, **columns) -> list:
    arrays = {k: v if isinstance(v, pa.Array) else pa.array(v) for k, v in columns.items()}
    return evaluate_with(arrays, text).to_pylist()


# ---- arithmetic --------------------------------------------------------------------------------------

def test_arithmetic_is_element_wise_with_python_precedence():
    assert ev("a * b + 1", a=[1, 2, 3], b=[10, 20, 30]) == [11, 41, 91]
    assert ev("1 + a * 2 ** 2", a=[1, 2]) == [5, 9]
    assert ev("(1 + a) * 2", a=[1, 2]) == [4, 6]
    assert ev("-a + 1", a=[1, -2]) == [0, 3]
    assert ev("a - b", a=[5.5, 1.0], b=[0.5, 2.0]) == [5.0, -1.0]


def test_division_is_true_division_and_floor_division_and_modulo_follow_python_signs():
    a = [-7, 7, 9]
    assert ev("a / 2", a=a) == [-3.5, 3.5, 4.5]
    assert ev("a // 2", a=a) == [-7 // 2, 7 // 2, 9 // 2]
    assert ev("a % 3", a=a) == [-7 % 3, 7 % 3, 9 % 3]
    assert ev("a ** 2", a=a) == [49, 49, 81]


def test_nulls_propagate_through_arithmetic():
    assert ev("a * 2 + 1", a=[1, None]) == [3, None]


def test_comparisons_and_boolean_logic():
    a = [1, 2, 3]
    assert ev("1 < a < 3", a=a) == [False, True, False]
    assert ev("a == 2 or a == 3", a=a) == [False, True, True]
    assert ev("a > 1 and not a == 3", a=a) == [False, True, False]
    assert ev("a != 2", a=a) == [True, False, True]
    assert ev("'big' if a >= 2 else 'small'", a=a) == ["small", "big", "big"]


def test_a_constant_expression_is_repeated_for_every_row():
    assert ev("1 + 2", a=[0, 0, 0]) == [3, 3, 3]
    assert ev("'x' + 'y'", a=[0, 0]) == ["xy", "xy"]


# ---- strings -----------------------------------------------------------------------------------------

def test_string_concatenation():
    first, last = ["Ann", "Bob"], ["Lee", "Kim"]
    assert ev("first + ' ' + last", first=first, last=last) == ["Ann Lee", "Bob Kim"]
    assert ev("'#' + n", n=[1, 22]) == ["#1", "#22"]  # a number next to a string is formatted
    assert ev("str(n) + '/' + str(m)", n=[10, 11], m=[1, 2]) == ["10/1", "11/2"]
    assert ev("concat(first, '-', n)", first=first, n=[1, 2]) == ["Ann-1", "Bob-2"]
    assert ev("first + last", first=["Ann", None], last=["Lee", "Kim"]) == ["AnnLee", None]


def test_string_functions():
    s = ["  Mixed Case  ", "abc"]
    assert ev("upper(strip(s))", s=s) == ["MIXED CASE", "ABC"]
    assert ev("lower(s)", s=s) == ["  mixed case  ", "abc"]
    assert ev("title(s)", s=["ann lee", "BOB"]) == ["Ann Lee", "Bob"]
    assert ev("length(s)", s=s) == [14, 3]
    assert ev("replace(s, 'b', 'B')", s=s) == ["  Mixed Case  ", "aBc"]


# ---- functions ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("born", "on", "years"), [
    (D(2000, 3, 15), D(2020, 3, 14), 19),  # the day before the birthday
    (D(2000, 3, 15), D(2020, 3, 15), 20),  # on the birthday
    (D(2000, 3, 15), D(2020, 3, 16), 20),
    (D(2000, 3, 15), D(2021, 2, 28), 20),  # an earlier month
    (D(2000, 12, 31), D(2001, 1, 1), 0),
    (D(2000, 2, 29), D(2021, 2, 28), 20),  # leap-day birthdays complete a year on 1 March
    (D(2000, 2, 29), D(2021, 3, 1), 21),
    (D(2000, 2, 29), D(2024, 2, 29), 24),
    (D(2000, 3, 15), D(2000, 3, 15), 0),
])
def test_years_between_counts_completed_years_like_an_age(born, on, years):
    assert ev("years_between(b, e)", b=[born], e=[on]) == [years]


def test_years_between_on_timestamps_ignores_the_time_of_day():
    b = pa.array([T(2000, 3, 15, 23, 0), T(2000, 3, 15, 0, 0)], pa.timestamp("us"))
    e = pa.array([T(2010, 3, 14, 23, 59), T(2010, 3, 15, 0, 0)], pa.timestamp("us"))
    assert ev("years_between(b, e)", b=b, e=e) == [9, 10]


def test_years_between_accepts_an_iso_date_literal_and_propagates_nulls():
    assert ev("years_between(b, '2020-03-15')", b=[D(2000, 3, 16), D(2000, 3, 15), None]) == [19, 20, None]


def test_date_arithmetic():
    b = pa.array([T(2024, 2, 28, 12, 0)], pa.timestamp("us"))
    assert ev("b + days(2)", b=b) == [T(2024, 3, 1, 12, 0)]
    assert ev("b + hours(13)", b=b) == [T(2024, 2, 29, 1, 0)]
    assert ev("b + minutes(90)", b=b) == [T(2024, 2, 28, 13, 30)]
    assert ev("days_between(x, y)", x=[D(2024, 2, 28)], y=[D(2024, 3, 1)]) == [2]
    assert ev("year(x) * 100 + month(x)", x=[D(2024, 2, 28)]) == [202402]


def test_round():
    assert ev("round(a, 2)", a=[3.14159, -2.71828, 10.0]) == [3.14, -2.72, 10.0]
    assert ev("round(a * b, 2)", a=[3, 7], b=[0.333, 1.111]) == [1.0, 7.78]  # integers are widened
    # halves round to even, as Python's round does
    halves = [0.5, 1.5, 2.5, -0.5]
    assert ev("round(a)", a=halves) == [float(round(x)) for x in halves]


def test_if_else_and_coalesce():
    a = [5, None, -1]
    assert ev("if_else(a > 0, 'pos', 'other')", a=a) == ["pos", None, "other"]
    assert ev("if_else(is_null(a), 'missing', 'present')", a=a) == ["present", "missing", "present"]
    assert ev("coalesce(a, 0)", a=a) == [5, 0, -1]
    assert ev("coalesce(a, b, 9)", a=pa.array([None, None], pa.int64()), b=[2, None]) == [2, 9]


def test_numeric_helpers():
    assert ev("floor(a)", a=[1.5, -1.5]) == [1.0, -2.0]
    assert ev("ceil(a)", a=[1.5, -1.5]) == [2.0, -1.0]
    assert ev("abs(a)", a=[-3, 3]) == [3, 3]
    assert ev("int(a / 2)", a=[7, -7]) == [3, -3]  # truncates toward zero, as Python's int()
    assert ev("sqrt(a)", a=[4, 9]) == [2.0, 3.0]
    assert ev("min(a, 10)", a=[5, 50]) == [5, 10]
    assert ev("max(a, 10)", a=[5, 50]) == [10, 50]


# ---- references --------------------------------------------------------------------------------------

def test_references_are_the_columns_read_not_function_names():
    def refs(text: str) -> set[str]:
        references = parse_expression(text).references
        assert len(references) == len(set(references))  # each column once
        return set(references)

    assert refs("round(quantity * unit_price, 2)") == {"quantity", "unit_price"}
    assert refs("customer_id.signup_ts + days(3)") == {"customer_id.signup_ts"}
    assert refs("if_else(a > b, a, c)") == {"a", "b", "c"}
    assert refs("1 + 2") == set()


def test_parent_column_reads_go_through_the_resolver_by_name():
    asked = []

    def resolve(name: str) -> pa.Array:
        asked.append(name)
        return pa.array([1.0, 2.0])

    out = parse_expression("customer_id.score * 2").evaluate(resolve, 2)
    assert out.to_pylist() == [2.0, 4.0]
    assert asked == ["customer_id.score"]


# ---- templates ---------------------------------------------------------------------------------------

def render(text: str, rows: np.ndarray | None = None, key: int = 1, locale: str = "en_US", **columns) -> list:
    arrays = {k: pa.array(v) for k, v in columns.items()}
    if rows is None:
        rows = np.arange(len(next(iter(arrays.values()))), dtype=np.int64)
    return parse_template(text).render(lambda name: arrays[name], rows, key, locale).to_pylist()


def test_template_placeholders_and_filters():
    first, last = ["Ann Marie", "bob"], ["O'Neil", "Kim"]
    assert render("{first|lower}.{last|lower}@example.com", first=first, last=last) == [
        "ann marie.o'neil@example.com", "bob.kim@example.com"]
    assert render("{first|upper}", first=first) == ["ANN MARIE", "BOB"]
    assert render("{first|title} {last}", first=first, last=last) == ["Ann Marie O'Neil", "Bob Kim"]
    assert render("{first|slug}", first=["Ann Marie!", "x"]) == ["ann-marie-", "x"]
    assert render("{last|ascii}", last=["O'Neil", "Kim"]) == ["ONeil", "Kim"]
    assert render("{first | strip | upper}", first=["  a ", "b"]) == ["A", "B"]
    assert render("n{n}-{_row}", n=[7, 8]) == ["n7-0", "n8-1"]  # non-strings are formatted, _row = index


def test_ascii_filter_transliterates_instead_of_dropping_letters():
    names = ["Röhrdanz", "Łódź", "Zoë O'Neil", "Straße", "東京", "Ærø", None, "Röhrdanz"]
    assert render("{n|ascii|lower}", n=names) == [
        "rohrdanz", "lodz", "zoeoneil", "strasse", "dongjing", "aero", None, "rohrdanz"]


@pytest.mark.parametrize("locale", ["de_DE", "fr_FR", "ja_JP"])
def test_ascii_filter_keeps_every_name_of_a_locale_readable(locale, tmp_path):
    """A login template over real names: no letter is lost (each gives at least one ASCII character),
    whatever the script."""
    path = tmp_path / "people.yaml"
    path.write_text(f"dataset: people\nlocale: {locale}\ntables:\n  people:\n    rows: 2000\n    columns:\n"
                    "      last_name: last_name\n"
                    "      login: {template: '{last_name|ascii|lower}'}\n")
    table = DatasetPlan(load_dataset(path)).table("people").to_table()
    for name, login in zip(table.column("last_name").to_pylist(), table.column("login").to_pylist(), strict=True):
        assert login and login.isascii(), (name, login)
        assert len(login) >= sum(c.isalnum() for c in name), (name, login)


@pytest.mark.parametrize("locale", ["de_DE", "ja_JP"])
def test_ascii_filter_folds_names_like_the_email_generator(locale, tmp_path):
    """|ascii transliterates for the table's locale as e-mail addresses do (Matthäi → matthaei, not matthai;
    木村 → kimura, not a Mandarin reading): lower-cased, each name equals the email's name part."""
    path = tmp_path / "people.yaml"
    path.write_text(f"dataset: people\nlocale: {locale}\ntables:\n  people:\n    rows: 3000\n    columns:\n"
                    "      first_name: first_name\n      last_name: last_name\n"
                    "      email: {gen: email, first: first_name, last: last_name}\n"
                    "      first: {template: '{first_name|ascii|lower}'}\n"
                    "      last: {template: '{last_name|ascii|lower}'}\n"
                    "      cased: {template: '{last_name|ascii}'}\n")
    table = DatasetPlan(load_dataset(path)).table("people").to_table()
    for column, ascii_column in (("first_name", "first"), ("last_name", "last")):
        names = table.column(column).combine_chunks()
        # the email's name part drops "-" and "." (Hans-Peter → hanspeter, Klaus D. → klausd), |ascii keeps them
        assert [v.replace("-", "").replace(".", "") for v in table.column(ascii_column).to_pylist()] == (
            fold_array(names, locale).to_pylist())
    rows = table.to_pylist()
    assert sum(r["last"] in r["email"] for r in rows) > 0.8 * len(rows)
    assert all(r["cased"].lower() == r["last"] for r in rows)  # case is kept: Matthaei, Kimura
    assert sum(r["cased"][:1].isupper() for r in rows) > 0.8 * len(rows)
    assert render("{n|ascii|lower}", n=["Matthäi", "木村", "Łódź"], locale=locale) == {
        "de_DE": ["matthaei", "mucun", "lodz"], "ja_JP": ["matthai", "kimura", "lodz"]}[locale]


def test_template_references_and_errors():
    assert parse_template("{a|lower}-{b}-{_unique}-{a}").references == ("a", "b")
    assert parse_template("x{_unique}").has_unique_token
    assert not parse_template("{a}").has_unique_token
    with pytest.raises(ExpressionError) as info:
        parse_template("{a|lowr}")
    assert info.value.suggestion == "lower"
    with pytest.raises(ExpressionError, match="invalid placeholder"):
        parse_template("{a b}")
    assert render("plain text", a=[1, 2]) == ["plain text", "plain text"]


def test_unique_token_is_distinct_for_a_million_rows():
    rows = np.arange(1_000_000, dtype=np.int64)
    values = parse_template("{_unique}").render(lambda name: None, rows, key=12345)
    assert pc.count_distinct(values).as_py() == 1_000_000
    assert pc.max(pc.utf8_length(values)).as_py() <= 8  # short: base-36 of 40 bits
    # the token of a row does not depend on which other rows are rendered with it
    some = np.array([999_999, 3, 500_000], dtype=np.int64)
    again = parse_template("{_unique}").render(lambda name: None, some, key=12345)
    assert again.to_pylist() == values.take(pa.array(some)).to_pylist()
    # and another column key gives other tokens
    other = parse_template("{_unique}").render(lambda name: None, rows[:1000], key=54321)
    assert other.to_pylist() != values.slice(0, 1000).to_pylist()


# ---- safety ------------------------------------------------------------------------------------------

def test_a_dotted_chain_is_a_column_reference_never_python_attribute_access():
    assert parse_expression("a.__class__.__bases__").references == ("a.__class__.__bases__",)
    seen = []
    out = parse_expression("a.b.c + 1").evaluate(
        lambda name: seen.append(name) or pa.array([1, 2]), 2)
    assert seen == ["a.b.c"] and out.to_pylist() == [2, 3]


@pytest.mark.parametrize(("text", "message"), [
    ("__import__('os').system('x')", "unknown function"),
    ("__import__('os')", "unknown function '__import__'"),
    ("open('/etc/passwd')", "unknown function 'open'"),
    ("eval('1')", "unknown function 'eval'"),
    ("getattr(a, 'x')", "unknown function 'getattr'"),
    ("().__class__", "a parent attribute is a chain of names"),
    ("a.upper()", "unknown function 'a.upper'"),
    ("(lambda: 1)()", "unknown function"),
    ("lambda: 1", "Lambda is not allowed"),
    ("[x for x in y]", "ListComp is not allowed"),
    ("(x for x in y)", "GeneratorExp is not allowed"),
    ("{x for x in y}", "SetComp is not allowed"),
    ("[1, 2]", "List is not allowed"),
    ("{'a': 1}", "Dict is not allowed"),
    ("a[0]", "Subscript is not allowed"),
    ("(b := 1)", "NamedExpr is not allowed"),
    ("f'{a}'", "JoinedStr is not allowed"),
    ("round(*a)", "Starred is not allowed"),
    ("round(a, ndigits=2)", "positional arguments only"),
    ("b'x'.hex", "a parent attribute is a chain of names"),
    ("b'x'", "is not allowed"),
    ("a +* 2", "invalid expression"),
])
def test_anything_outside_the_whitelist_is_refused_when_parsed(text, message):
    with pytest.raises(ExpressionError) as info:
        parse_expression(text)
    assert message in str(info.value)


def test_syntax_errors_carry_the_offset_in_the_text():
    with pytest.raises(ExpressionError) as info:
        parse_expression("a + (b * ")
    assert str(info.value).startswith("invalid expression: ")
    assert info.value.offset is not None and 0 <= info.value.offset <= len("a + (b * ")


def test_unknown_function_suggests_the_closest_function():
    with pytest.raises(ExpressionError) as info:
        parse_expression("rond(a, 2)")
    assert str(info.value) == "unknown function 'rond'"
    assert info.value.suggestion == "round"
    assert info.value.offset == 0


def test_expressions_never_use_eval_exec_or_bytecode(monkeypatch):
    real_compile = builtins.compile

    def forbidden(*args, **kwargs):
        raise AssertionError("eval/exec must not be used")

    def ast_only_compile(source, filename, mode, flags=0, *args, **kwargs):
        # ast.parse compiles to an AST only; compiling to runnable code is forbidden
        assert flags & ast.PyCF_ONLY_AST, "compile() to bytecode must not be used"
        return real_compile(source, filename, mode, flags, *args, **kwargs)

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    monkeypatch.setattr(builtins, "compile", ast_only_compile)
    text = "if_else(a > 1, round(a * 1.5, 1), coalesce(b, 0)) + years_between(d, '2020-01-01')"
    out = ev(text, a=[1, 2], b=[None, 5], d=[D(2000, 1, 1), D(2010, 6, 1)])
    assert out == [20.0, 12.0]
    with pytest.raises(ExpressionError):
        parse_expression("__import__('os').system('echo pwned')")
    assert render("{a|upper}-{_unique}", a=["x", "y"])[0].startswith("X-")
