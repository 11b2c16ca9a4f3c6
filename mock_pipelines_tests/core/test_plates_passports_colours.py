"""Licence plates, passport numbers, ITINs, EAN-8 and UPC barcodes, colours, currency symbols,
cryptocurrencies, emoji, version-7 UUIDs and DOIs.

Every value of a million rows matches the generator's declared regex (the fact quality derives its check
from), check digits are verified by an independent implementation, unique modes are distinct at a
million rows, values do not depend on how the rows are chunked, and a bad parameter is refused at its
file:line with a suggestion.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from mock_pipelines.core import registry
from mock_pipelines.core.registry import GenContext
from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.spec.errors import SchemaError

N = 1_000_000
NEW = ("license_plate", "passport_number", "ean8", "upc_a", "upc_e", "hex_color", "rgb_color", "currency_symbol",
       "cryptocurrency_code", "cryptocurrency_name", "uuid7", "doi", "itin", "emoji")
LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "ja_JP")


def run(name: str, rows, locale: str = "en_US", unique: bool = False, key: int = 77, resolve=None,
        **params) -> pa.Array:
    gen = registry.get(name)
    ctx = GenContext(rows=np.asarray(rows, dtype=np.int64), key=key, locale=locale, unique=unique, table_key=5,
                     resolve=resolve)
    return gen(ctx, **gen.validate_params(params))


def regex_of(name: str, locale: str = "en_US", **params) -> str:
    gen = registry.get(name)
    return gen.facts.format_regex(gen.validate_params(params), locale)


def all_match(values: pa.Array, regex: str) -> bool:
    return pc.all(pc.match_substring_regex(values, regex)).as_py()


def test_the_new_generators_are_in_the_catalogue():
    names = {g.name for g in registry.catalogue()}
    assert set(NEW) <= names
    for name in NEW:
        gen = registry.get(name)
        assert gen.description and gen.example and gen.facts is not None


@pytest.mark.parametrize("name", NEW)
def test_chunking_does_not_change_values(name):
    full = run(name, range(10_000), locale="de_DE")
    chunks = pa.concat_arrays([run(name, range(a, min(a + 3333, 10_000)), locale="de_DE")
                               for a in range(0, 10_000, 3333)])
    assert full.equals(chunks)
    scattered = np.array([9999, 3, 4000, 17])
    assert run(name, scattered, locale="de_DE").equals(full.take(pa.array(scattered)))
    own = {"group": None} if registry.get(name).param("group") else {}
    assert not run(name, range(2000), key=1, **own).equals(run(name, range(2000), key=2, **own))


# ---- licence plates and passports -------------------------------------------------------------------------

PLATES = {  # an independent statement of each country's format
    "en_US": r"^([0-9][A-Z]{3}[0-9]{3}|[A-Z]{3}[- ]?[0-9]{3,4}|[0-9]{3}[- ][A-Z]{3})$",
    "en_GB": r"^[A-Z]{2}(0[2-9]|1[0-9]|2[0-5]|5[1-9]|6[0-9]|7[0-5]) [A-Z]{3}$",
    "de_DE": r"^[A-ZÄÖÜ]{1,3}-[A-Z]{1,2} [1-9][0-9]{0,3}$",
    "fr_FR": r"^[A-Z]{2}-[0-9]{3}-[A-Z]{2}$",
    "ja_JP": r"^\S{2,4} [35][0-9]{2} \S (・{3}[1-9]|・{2}[1-9][0-9]|・[1-9][0-9]{2}|[1-9][0-9]-[0-9]{2})$",
}


@pytest.mark.parametrize("locale", LOCALES)
def test_license_plates_match_their_format_on_a_million_rows(locale):
    values = run("license_plate", range(N), locale=locale)
    assert values.null_count == 0
    assert all_match(values, regex_of("license_plate", locale))
    assert all_match(values, PLATES[locale])


def test_license_plate_rules_of_each_country():
    gb = run("license_plate", range(N), locale="en_GB")
    assert not pc.any(pc.match_substring_regex(gb, r"^.?[IQZ]|[IQ]")).as_py()  # no I/Q, Z only at the end
    de = run("license_plate", range(N), locale="de_DE")
    letters_and_digits = pc.utf8_length(pc.replace_substring_regex(de, r"[- ]", "")).to_numpy()
    assert letters_and_digits.max() == 8  # at most 8 characters on a German plate, and it is reached
    assert all_match(de, r"^(B|M|HH|K)-") is False and pc.any(pc.match_substring_regex(de, "^B-")).as_py()
    fr = run("license_plate", range(N), locale="fr_FR")
    assert not pc.any(pc.match_substring_regex(fr, r"[IOU]|^SS|^WW|SS$|WW$")).as_py()
    assert pc.any(pc.match_substring_regex(fr, "-001-")).as_py()
    assert not pc.any(pc.match_substring_regex(fr, "-000-")).as_py()
    jp = run("license_plate", range(N), locale="ja_JP")
    assert not pc.any(pc.match_substring_regex(jp, "[おしへん]")).as_py()
    serials = {v.split(" ")[-1] for v in jp.slice(0, 50_000).to_pylist()}
    assert {"・・・1", "99-99"} & serials or len(serials) > 5000


def test_license_plate_country_overrides_the_locale():
    assert run("license_plate", range(100), locale="ja_JP", country="fr").equals(
        run("license_plate", range(100), locale="fr_FR"))
    # a locale without plate data gets US plates
    assert all_match(run("license_plate", range(1000), locale="pt_BR"), PLATES["en_US"])


@pytest.mark.parametrize("name", ["license_plate", "passport_number"])
@pytest.mark.parametrize("locale", LOCALES)
def test_unique_plates_and_passports_are_distinct_at_a_million(name, locale):
    gen = registry.get(name)
    assert gen.capacity(gen.validate_params({}), locale) > N
    values = run(name, range(N), locale=locale, unique=True)
    assert pc.count_distinct(values).as_py() == N
    assert all_match(values, regex_of(name, locale))


PASSPORTS = {"en_US": r"^([A-Z][0-9]{8}|[0-9]{9})$", "en_GB": r"^[0-9]{9}$",
             "de_DE": r"^[CFGHJK][0-9CFGHJKLMNPRTVWXYZ]{8}$", "fr_FR": r"^[0-9]{2}[A-Z]{2}[0-9]{5}$",
             "ja_JP": r"^[A-Z]{2}[0-9]{7}$"}


@pytest.mark.parametrize("locale", LOCALES)
def test_passport_numbers_match_their_format_on_a_million_rows(locale):
    values = run("passport_number", range(N), locale=locale)
    assert all_match(values, regex_of("passport_number", locale))
    assert all_match(values, PASSPORTS[locale])


# ---- barcodes and colours ---------------------------------------------------------------------------------

@pytest.mark.parametrize("locale", ["en_US", "de_DE", "fr_FR", "ja_JP"])
def test_ean8_check_digits_on_a_million_rows(locale):
    values = run("ean8", range(N), locale=locale)
    assert all_match(values, regex_of("ean8", locale))
    d = digit_matrix_of(values, 8)
    assert (d @ np.array([3, 1, 3, 1, 3, 1, 3, 1]) % 10 == 0).all()
    first = {"en_US": {1}, "de_DE": {4}, "fr_FR": {3}, "ja_JP": {4}}[locale]
    assert set(np.unique(d[:, 0])) == first
    assert run("ean8", range(1), key=0).to_pylist()[0][:1] != "0"


def test_ean8_unique_fills_the_capacity():
    gen = registry.get("ean8")
    capacity = gen.capacity({}, "de_DE")
    values = run("ean8", range(capacity), locale="de_DE", unique=True)
    assert pc.count_distinct(values).as_py() == capacity


def digit_matrix_of(values: pa.Array, width: int) -> np.ndarray:
    n = len(values)
    raw = np.frombuffer(pc.binary_join_element_wise(values, "").buffers()[2], np.uint8)[: n * width]
    return raw.reshape(n, width).astype(np.int64) - 48


def test_upc_a_check_digits_on_a_million_rows():
    values = run("upc_a", range(N))
    assert all_match(values, regex_of("upc_a"))
    d = digit_matrix_of(values, 12)
    assert (d @ np.array([3, 1] * 6) % 10 == 0).all()  # odd positions weigh 3 (036000291452 is a real one)
    assert set(np.unique(d[:, 0])) == {0, 1, 6, 7, 8}
    assert pc.count_distinct(run("upc_a", range(N), unique=True)).as_py() == N


def _upc_e_to_a(code: str) -> str:
    """The UPC-A number a UPC-E code stands for, written out rule by rule (an independent implementation)."""
    ns, d, check = code[0], code[1:7], code[7]
    last = d[5]
    if last in "012":
        body = d[0:2] + last + "0000" + d[2:5]
    elif last == "3":
        body = d[0:3] + "00000" + d[3:5]
    elif last == "4":
        body = d[0:4] + "00000" + d[4]
    else:
        body = d[0:5] + "0000" + last
    return ns + body + check


def test_upc_e_expands_to_a_valid_upc_a():
    assert _upc_e_to_a("04252614") == "042100005264"  # a published UPC-E / UPC-A pair
    values = run("upc_e", range(N))
    assert all_match(values, regex_of("upc_e"))
    sample = values.slice(0, 50_000).to_pylist()
    expanded = pa.array([_upc_e_to_a(v) for v in sample])
    assert (digit_matrix_of(expanded, 12) @ np.array([3, 1] * 6) % 10 == 0).all()
    assert {v[6] for v in sample} == set("0123456789")
    everything = run("upc_e", range(2 * 10**6), unique=True)
    assert pc.count_distinct(everything).as_py() == 2 * 10**6


def test_itin_format_on_a_million_rows():
    values = run("itin", range(N), unique=True)
    assert all_match(values, regex_of("itin"))
    assert pc.count_distinct(values).as_py() == N
    groups = {int(v[4:6]) for v in values.slice(0, 100_000).to_pylist()}
    assert groups == set(range(50, 66)) | set(range(70, 89)) | {90, 91, 92} | set(range(94, 100))
    assert all_match(run("itin", range(1000), dashes=False), r"^9[0-9]{8}$")


def test_emoji_are_the_declared_set_at_the_declared_weights_on_a_million_rows():
    values = run("emoji", range(N))
    declared = registry.get("emoji").facts.value_set({})
    assert pc.all(pc.is_in(values, pa.array(declared.values))).as_py()
    seen = {c["values"]: c["counts"] for c in pc.value_counts(values).to_pylist()}
    assert set(seen) == set(declared.values)
    weights = np.array(declared.weights) / sum(declared.weights)
    observed = np.array([seen[v] for v in declared.values]) / N
    assert np.abs(observed - weights).max() < 0.003
    assert max(seen, key=seen.get) == "😂"


def test_cryptocurrency_code_and_name_agree_and_follow_the_declared_weights():
    codes = run("cryptocurrency_code", range(200_000), group="coin")
    names = run("cryptocurrency_name", range(200_000), group="coin")
    pairs = set(zip(codes.to_pylist(), names.to_pylist(), strict=True))
    assert ("BTC", "Bitcoin") in pairs and ("ETH", "Ethereum") in pairs
    assert len(pairs) == len({c for c, _ in pairs}) == 30
    declared = registry.get("cryptocurrency_code").facts.value_set({})
    counts = pc.value_counts(codes).to_pylist()
    seen = {c["values"]: c["counts"] for c in counts}
    weights = np.array(declared.weights) / sum(declared.weights)
    for value, w in zip(declared.values, weights, strict=True):
        assert abs(seen.get(value, 0) / 200_000 - w) < 0.01, value
    assert max(seen, key=seen.get) == "BTC"


def test_hex_and_rgb_colours_on_a_million_rows():
    hexes = run("hex_color", range(N))
    assert all_match(hexes, regex_of("hex_color"))
    assert all_match(run("hex_color", range(1000), upper=True), regex_of("hex_color", upper=True))
    rgb = run("rgb_color", range(N))
    assert all_match(rgb, regex_of("rgb_color"))
    css = run("rgb_color", range(N), css=True)
    assert all_match(css, regex_of("rgb_color", css=True))
    # the same colour in every notation, and every channel value reached
    channels = np.array([tuple(map(int, v.split(","))) for v in rgb.slice(0, 200_000).to_pylist()])
    assert channels.min() == 0 and channels.max() == 255
    as_hex = ["#{:02x}{:02x}{:02x}".format(*c) for c in channels[:1000]]
    assert as_hex == hexes.slice(0, 1000).to_pylist()
    assert css.slice(0, 3).to_pylist() == ["rgb({}, {}, {})".format(*c) for c in channels[:3]]


def test_unique_colours_cover_every_colour():
    values = run("hex_color", range(2**24), unique=True)
    assert pc.count_distinct(values).as_py() == 2**24


def test_currency_symbols_agree_with_codes_through_group():
    for locale, home, sign in (("en_US", "USD", "$"), ("de_DE", "EUR", "€"), ("ja_JP", "JPY", "¥"),
                               ("en_GB", "GBP", "£")):
        codes = run("currency_code", range(20_000), locale=locale, group="cur").to_pylist()
        signs = run("currency_symbol", range(20_000), locale=locale, group="cur").to_pylist()
        pairs = set(zip(codes, signs, strict=True))
        assert (home, sign) in pairs
        assert len({c for c, _ in pairs}) == len(pairs)  # one sign per code
        assert ("EUR", "€") in pairs or locale == "en_US"
    from mock_pipelines.core.locales.finance import CURRENCY_SYMBOLS

    assert CURRENCY_SYMBOLS["BRL"] == "R$" and CURRENCY_SYMBOLS["INR"] == "₹"


# ---- version-7 UUIDs and DOIs -----------------------------------------------------------------------------

def test_uuid7_from_a_range_on_a_million_rows():
    values = run("uuid7", range(N), unique=True, start="2024-01-01", end="2024-01-31")
    assert all_match(values, regex_of("uuid7"))
    assert pc.count_distinct(values).as_py() == N
    sample = [uuid.UUID(v) for v in values.slice(0, 2000).to_pylist()]
    assert {u.version for u in sample} == {7} and {u.variant for u in sample} == {uuid.RFC_4122}
    ms = np.array([u.int >> 80 for u in sample])
    lo = dt.datetime(2024, 1, 1).timestamp() * 1000
    hi = dt.datetime(2024, 2, 1).timestamp() * 1000
    assert ms.min() >= lo and ms.max() < hi


def test_uuid7_carries_the_time_of_a_column_and_sorts_by_it():
    rng = np.random.default_rng(3)
    micros = 1_700_000_000_000_000 + rng.integers(0, 10**12, 50_000)
    column = pa.array(micros, type=pa.timestamp("us")).to_pylist()
    column[7] = None
    ts = pa.array(column, type=pa.timestamp("us"))
    values = run("uuid7", range(50_000), at="created_at", resolve=lambda ref: ts)
    assert values.null_count == 1 and values[7].as_py() is None
    present = np.flatnonzero(pc.is_valid(values).to_numpy(zero_copy_only=False))
    ints = [uuid.UUID(v).int for v in pc.drop_null(values).to_pylist()]
    assert [i >> 80 for i in ints] == list(micros[present] // 1000)
    # the text order of the UUIDs is the time order of the column (to the microsecond)
    order = np.argsort(pc.drop_null(values).to_numpy(zero_copy_only=False), kind="stable")
    assert (np.diff(micros[present][order]) >= 0).all()


def test_doi_format_and_uniqueness_on_a_million_rows():
    values = run("doi", range(N), unique=True)
    assert all_match(values, regex_of("doi"))
    assert pc.count_distinct(values).as_py() == N
    plain = run("doi", range(N))
    assert all_match(plain, r"^10\.[0-9]{4,5}/[0-9a-z]{8}$")
    assert re.fullmatch(r"10\.\d+/\w+", registry.get("doi").example)


# ---- refusals ---------------------------------------------------------------------------------------------

SCHEMA = """\
dataset: cars
seed: 1
tables:
  vehicles:
    rows: 10
    columns:
      id: {gen: sequence}
      plate: {gen: license_plate, country: GX}
"""


@pytest.mark.parametrize(("column", "word", "message", "hint"), [
    ("{gen: license_plate, country: GX}", "country", "'license_plate' has no format for country 'GX'", "GB"),
    ("{gen: passport_number, country: uk}", "country", "'passport_number' has no format for country 'uk'",
     "GB"),
    ("{gen: uuid7, start: '1969-06-01'}", "start", "before 1970-01-01", "use a start of 1970-01-01 or later"),
])
def test_a_bad_parameter_is_refused_at_its_line_with_a_suggestion(column, word, message, hint):
    text = SCHEMA.replace("{gen: license_plate, country: GX}", column)
    with pytest.raises(SchemaError) as info:
        load_dataset("cars.yaml", text=text)
    (issue,) = info.value.issues
    assert message in issue.message
    assert hint in issue.suggestion
    assert issue.location.line == 8
    assert str(issue).startswith("cars.yaml:8:")
    assert issue.location.column == text.splitlines()[7].index(word) + 1


# ---- in a table: chunking and the derived checks ----------------------------------------------------------

GARAGE = """\
dataset: garage
seed: 7
tables:
  vehicles:
    rows: 30000
    primary_key: vehicle_id
    columns:
      vehicle_id: {gen: uuid7, at: registered_at, unique: true}
      registered_at: {gen: timestamp, start: "2023-01-01", end: "2024-12-31"}
      plate: {gen: license_plate, unique: true}
      owner_passport: {gen: passport_number, unique: true}
      plate_gb: {gen: license_plate, country: GB}
      barcode: {gen: ean8}
      paint: {gen: hex_color, unique: true}
      paint_rgb: {gen: rgb_color, css: true}
      currency: {gen: currency_code, group: price}
      sign: {gen: currency_symbol, group: price}
      manual_doi: {gen: doi}
      upc: {gen: upc_a, unique: true}
      small_upc: {gen: upc_e}
      owner_itin: {gen: itin}
      coin: {gen: cryptocurrency_code, group: coin}
      coin_name: {gen: cryptocurrency_name, group: coin}
"""


@pytest.mark.parametrize("locale", ["de_DE", "ja_JP"])
def test_a_table_is_the_same_in_any_chunk_size_and_passes_its_derived_checks(locale):
    from mock_pipelines.core.engine import DatasetPlan, PlanOptions
    from mock_pipelines.quality.rules import derive_rules
    from mock_pipelines.quality.runner import check_table

    spec = load_dataset("garage.yaml", text=GARAGE)
    plan = DatasetPlan(spec, PlanOptions(locale=locale))
    plan.check()
    small = plan.table("vehicles").to_table(chunk_size=997)
    large = plan.table("vehicles").to_table(chunk_size=1_000_000)
    assert small.equals(large)
    rules = derive_rules(spec, "vehicles", 30_000, locale=locale)
    names = {r.name for r in rules}
    assert {f"regex__{c}" for c in ("vehicle_id", "plate", "owner_passport", "plate_gb", "barcode", "paint",
                                    "paint_rgb", "manual_doi", "upc", "small_upc", "owner_itin")} <= names
    assert {"values_in_set__coin", "values_in_set__coin_name"} <= names
    assert {"unique__plate", "unique__owner_passport", "unique__paint"} <= names
    failed = [r for r in check_table(large, rules).results if not r.passed]
    assert not failed, failed
    # the primary key sorts like the registration time
    order = pc.sort_indices(large, [("vehicle_id", "ascending")])
    times = large.column("registered_at").take(order).cast(pa.int64()).to_numpy()
    assert (np.diff(times // 1000) >= 0).all()


def test_an_unreadable_uuid7_start_is_a_located_problem_not_a_traceback():
    from mock_pipelines.core.engine import DatasetPlan, PlanOptions

    text = SCHEMA.replace("{gen: license_plate, country: GX}", "{gen: uuid7, start: soon}")
    plan = DatasetPlan(load_dataset("cars.yaml", text=text), PlanOptions())
    with pytest.raises(SchemaError) as info:
        plan.check()
    (issue,) = info.value.issues
    assert str(issue).startswith("cars.yaml:8:") and "not a date/time: 'soon'" in issue.message
