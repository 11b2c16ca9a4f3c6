"""The identifier, date/time, commerce, finance, technical, text, health and aviation generators.

Every generator of these families: right length and Arrow type in every supported locale, values a pure
function of (key, row), any row range alone equal to the same rows of a full run, and unique mode
distinct. Then the domain checks: check digits (Luhn, ISO 13616 mod 97, GS1, ABA), formats, uniqueness
at a million rows, date ranges, `after` ordering, and weekday / hour-of-day seasonality against the
declared weights.
"""

import datetime as dt
import re
import time

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from scipy import stats

from mock_pipelines.core import registry
from mock_pipelines.core.registry import GenContext

CATEGORIES = ("identifiers", "datetime", "commerce", "finance", "technical", "text", "health", "aviation")
# The modules of these families (other modules may register into the same categories, e.g. child_index).
MODULES = {f"mock_pipelines.core.generators.{name}" for name in CATEGORIES}
LOCALES = ("en_US", "de_DE", "fr_FR", "ja_JP")
REQUIRED = {"pattern": {"format": "ORD-####-??"}}  # generators with required parameters
EXPECTED_TYPES = {
    "int": pa.int64(), "float": pa.float64(), "decimal": pa.float64(), "bool": pa.bool_(),
    "string": pa.string(), "date": pa.date32(), "timestamp": pa.timestamp("us"), "uuid": pa.string(),
    "json": pa.string(),
}


def _mine() -> list[registry.Generator]:
    return [g for g in registry.catalogue() if g.category in CATEGORIES and g.fn.__module__ in MODULES]


GENERATORS = _mine()
NAMES = [g.name for g in GENERATORS]


def ctx_for(rows: np.ndarray | range, key: int = 1234, locale: str = "en_US", unique: bool = False,
            resolve=None) -> GenContext:
    return GenContext(rows=np.asarray(rows, dtype=np.int64), key=key, locale=locale, unique=unique,
                      table_key=99, resolve=resolve)


def run(name: str, rows=range(1000), **kwargs) -> pa.Array:
    params = kwargs.pop("params", {})
    gen = registry.get(name)
    return gen(ctx_for(rows, **kwargs), **gen.validate_params({**REQUIRED.get(gen.name, {}), **params}))


def digits_of(arr: pa.Array) -> np.ndarray:
    """(n, width) digit values of an array of equal-length digit strings."""
    values = arr.to_numpy(zero_copy_only=False).astype("S")
    width = values.dtype.itemsize
    return (np.frombuffer(values.tobytes(), dtype=np.uint8).reshape(len(values), width) - 48).astype(np.int64)


def luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def luhn_ok_matrix(d: np.ndarray) -> np.ndarray:
    """Vectorised Luhn test of a (n, m) digit matrix, check digit last (an independent implementation)."""
    m = d.shape[1]
    weights = np.array([2 if (m - 1 - j) % 2 == 1 else 1 for j in range(m)])
    prod = d * weights
    prod = np.where(prod > 9, prod - 9, prod)
    return prod.sum(axis=1) % 10 == 0


# ---- the whole catalogue of these families ----------------------------------------------------------------

def test_families_are_registered():
    expected = {"sequence", "pattern", "uuid4", "hex_id", "date", "timestamp", "date_of_birth", "time",
                "day_of_week", "month_name", "year", "unix_time", "timezone", "product_name", "price", "sku",
                "ean13", "iban", "bban", "swift", "credit_card_number", "credit_card_provider",
                "credit_card_expire", "cvv", "currency_code", "currency_name", "amount", "account_number",
                "routing_number", "ipv4", "ipv6", "mac_address", "user_agent", "file_path", "file_name",
                "file_extension", "mime_type", "hostname", "port", "http_method", "http_status_code", "md5",
                "sha256", "semver", "word", "words", "sentence", "paragraph", "text", "lorem", "icd10_code",
                "icd10_description", "blood_type", "medication", "dosage", "npi", "height_cm", "weight_kg",
                "allergy", "encounter_type", "heart_rate", "blood_pressure", "airport_iata", "airport_name",
                "airport_city", "airline", "flight_number", "aircraft_model", "tail_number", "seat"}
    assert expected <= set(NAMES)
    for gen in GENERATORS:
        assert gen.description and gen.example, gen.name
        assert gen.returns in EXPECTED_TYPES, gen.name


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("name", NAMES)
def test_length_and_type_in_every_locale(name, locale):
    gen = registry.get(name)
    arr = run(name, rows=range(500), locale=locale)
    assert isinstance(arr, pa.Array)
    assert len(arr) == 500
    assert arr.type == EXPECTED_TYPES[gen.returns], (name, arr.type)
    assert arr.null_count == 0, name


@pytest.mark.parametrize("name", NAMES)
def test_deterministic_and_row_ranges_match_a_full_run(name):
    full = run(name, rows=range(3000), key=77, locale="de_DE")
    assert full.equals(run(name, rows=range(3000), key=77, locale="de_DE"))
    for a, b in ((0, 1), (1234, 2345), (2999, 3000), (17, 1500)):
        assert run(name, rows=range(a, b), key=77, locale="de_DE").equals(full.slice(a, b - a)), (name, a, b)
    # Scattered row sets too (a worker may compute any subset).
    rows = np.array([5, 2999, 40, 41, 1000])
    assert run(name, rows=rows, key=77, locale="de_DE").equals(full.take(pa.array(rows)))
    # A different column key changes the values (row-numbered sequences aside); columns of a ``group``
    # draw from the table's shared key, so compare with the group switched off.
    if name != "sequence":
        own = {"group": None} if registry.get(name).param("group") else {}
        assert not run(name, rows=range(3000), key=77, params=own).equals(
            run(name, rows=range(3000), key=78, params=own)), name


@pytest.mark.parametrize("name", [g.name for g in GENERATORS if g.supports_unique])
def test_unique_mode_is_distinct(name):
    gen = registry.get(name)
    params = gen.validate_params(REQUIRED.get(name, {}))
    capacity = gen.capacity(params, "en_US") if gen.capacity else None
    n = 20_000 if capacity is None else min(20_000, capacity)
    full = run(name, rows=range(n), unique=True)
    assert pc.count_distinct(full).as_py() == n, name
    part = run(name, rows=range(n // 3, n // 2), unique=True)
    assert part.equals(full.slice(n // 3, n // 2 - n // 3))


# ---- identifiers ------------------------------------------------------------------------------------------

def test_sequence():
    assert run("sequence", rows=range(5, 9), params={"start": 100, "step": 10}).to_pylist() == [150, 160, 170, 180]


def test_pattern_format_and_capacity():
    arr = run("pattern", rows=range(20_000), params={"format": "ORD-####-??*\\#"})
    assert pc.all(pc.match_substring_regex(arr, r"^ORD-\d{4}-[A-Z]{2}[A-Z0-9]#$")).as_py()
    gen = registry.get("pattern")
    assert gen.capacity({"format": "ORD-####-??*"}, "en_US") == 10**4 * 26**2 * 36


def test_pattern_unique_at_a_million_rows():
    start = time.perf_counter()
    arr = run("pattern", rows=range(1_000_000), unique=True, params={"format": "ORD-#######-??"})
    elapsed = time.perf_counter() - start
    assert pc.count_distinct(arr).as_py() == 1_000_000
    assert pc.all(pc.match_substring_regex(arr, r"^ORD-\d{7}-[A-Z]{2}$")).as_py()
    assert elapsed < 5


def test_pattern_unique_when_capacity_exceeds_the_bijection():
    arr = run("pattern", rows=range(50_000), unique=True, params={"format": "*" * 20})
    assert pc.count_distinct(arr).as_py() == 50_000


def test_uuid4_format_and_uniqueness_at_a_million_rows():
    start = time.perf_counter()
    arr = run("uuid4", rows=range(1_000_000))
    elapsed = time.perf_counter() - start
    assert elapsed < 5
    assert pc.all(pc.match_substring_regex(
        arr, r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")).as_py()
    assert pc.count_distinct(arr).as_py() == 1_000_000
    import uuid

    for value in arr.slice(0, 50).to_pylist():
        assert uuid.UUID(value).version == 4


def test_hex_nanoid_ulid_formats():
    assert pc.all(pc.match_substring_regex(run("hex_id", params={"length": 40}), r"^[0-9a-f]{40}$")).as_py()
    nano = run("nanoid", rows=range(100_000))
    assert pc.all(pc.match_substring_regex(nano, r"^[A-Za-z0-9_-]{21}$")).as_py()
    assert pc.count_distinct(nano).as_py() == 100_000
    ulid = run("ulid", rows=range(100_000))
    assert pc.all(pc.match_substring_regex(ulid, r"^[0-9A-HJKMNP-TV-Z]{26}$")).as_py()
    assert pc.count_distinct(ulid).as_py() == 100_000


# ---- finance ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("issuer", ["any", "visa", "mastercard", "amex", "discover", "jcb", "diners"])
def test_card_numbers_pass_luhn_at_100k(issuer):
    arr = run("credit_card_number", rows=range(100_000), params={"issuer": issuer})
    lengths = pc.utf8_length(arr).to_numpy()
    for length in np.unique(lengths):
        subset = pc.filter(arr, pa.array(lengths == length))
        assert luhn_ok_matrix(digits_of(subset)).all(), (issuer, length)
    sample = arr.slice(0, 200).to_pylist()
    assert all(luhn_ok(x) for x in sample)
    prefixes = {"visa": r"^4\d{15}$", "mastercard": r"^(5[1-5]\d{14}|2(2[2-9][1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720)\d{12})$",
                "amex": r"^3[47]\d{13}$", "discover": r"^(6011\d{12}|64[4-9]\d{13}|65\d{14})$",
                "jcb": r"^35(2[89]|[3-8]\d)\d{12}$", "diners": r"^(30[0-5]\d{11}|3[689]\d{12})$"}
    if issuer in prefixes:
        assert pc.all(pc.match_substring_regex(arr, prefixes[issuer])).as_py(), issuer


def test_card_columns_agree_through_group():
    kw = {"rows": range(20_000), "locale": "en_US"}
    numbers = run("credit_card_number", params={"group": "card"}, **kw).to_pylist()
    providers = run("credit_card_provider", params={"group": "card"}, **kw).to_pylist()
    cvvs = run("cvv", params={"group": "card"}, **kw).to_pylist()
    assert {"Visa", "Mastercard", "American Express", "Discover"} == set(providers)
    for number, provider, code in zip(numbers, providers, cvvs, strict=True):
        assert (provider == "American Express") == (len(number) == 15)
        assert len(code) == (4 if provider == "American Express" else 3)
        assert provider != "Visa" or number.startswith("4")


def test_card_numbers_unique_mode():
    arr = run("credit_card_number", rows=range(200_000), unique=True)
    assert pc.count_distinct(arr).as_py() == 200_000


def test_npi_luhn_over_80840_prefix_at_100k():
    arr = run("npi", rows=range(100_000))
    d = digits_of(arr)
    assert d.shape[1] == 10 and np.isin(d[:, 0], [1, 2]).all()
    prefixed = np.column_stack([np.broadcast_to([8, 0, 8, 4, 0], (len(d), 5)), d])
    assert luhn_ok_matrix(prefixed).all()
    assert luhn_ok("80840" + "1234567893")  # the CMS worked example
    assert all(luhn_ok("80840" + x) for x in arr.slice(0, 100).to_pylist())


def iban_ok(iban: str) -> bool:
    compact = iban.replace(" ", "")
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


@pytest.mark.parametrize("locale,country,length", [("en_US", "GB", 22), ("de_DE", "DE", 22), ("fr_FR", "FR", 27),
                                                   ("ja_JP", "GB", 22)])
def test_iban_mod97(locale, country, length):
    arr = run("iban", rows=range(20_000), locale=locale)
    values = arr.to_pylist()
    assert all(v.startswith(country) and len(v) == length for v in values)
    assert all(iban_ok(v) for v in values)
    assert run("bban", rows=range(10), locale=locale).to_pylist() == [v[4:] for v in values[:10]]


@pytest.mark.parametrize("country", ["NL", "IT", "ES", "PL", "BR", "RU", "CH"])
def test_iban_other_countries_and_printed_form(country):
    values = run("iban", rows=range(5000), params={"country": country, "formatted": True}).to_pylist()
    assert all(iban_ok(v) and v.startswith(country) for v in values)
    assert all(re.fullmatch(r"([A-Z0-9]{4} )*[A-Z0-9]{1,4}", v) for v in values)


def test_iban_unique_mode():
    arr = run("iban", rows=range(100_000), unique=True, locale="de_DE")
    assert pc.count_distinct(arr).as_py() == 100_000
    assert all(iban_ok(v) for v in arr.slice(0, 2000).to_pylist())


def test_routing_numbers_aba_checksum():
    d = digits_of(run("routing_number", rows=range(50_000)))
    weighted = 3 * (d[:, 0] + d[:, 3] + d[:, 6]) + 7 * (d[:, 1] + d[:, 4] + d[:, 7]) + d[:, 2] + d[:, 5] + d[:, 8]
    assert (weighted % 10 == 0).all()
    prefix = d[:, 0] * 10 + d[:, 1]
    assert (((prefix >= 1) & (prefix <= 12)) | ((prefix >= 21) & (prefix <= 32))).all()


def test_swift_and_expiry_formats():
    swift = run("swift", rows=range(5000), locale="fr_FR")
    assert pc.all(pc.match_substring_regex(swift, r"^[A-Z]{4}FR[A-Z2-9][A-Z1-9]([A-Z0-9]{3})$")).as_py()
    short = run("swift", rows=range(100), params={"length": 8}, locale="ja_JP")
    assert pc.all(pc.match_substring_regex(short, r"^[A-Z]{4}JP[A-Z0-9]{2}$")).as_py()
    expiry = run("credit_card_expire", rows=range(5000), params={"reference": "2025-06-01", "years": 3})
    months = [(2000 + int(v[3:]), int(v[:2])) for v in expiry.to_pylist()]
    assert all(1 <= m <= 12 for _, m in months)
    assert min(months) >= (2025, 6) and max(months) <= (2028, 5)


def test_currencies_follow_the_locale_and_agree():
    for locale, home in (("en_US", "USD"), ("de_DE", "EUR"), ("fr_FR", "EUR"), ("ja_JP", "JPY")):
        codes = run("currency_code", rows=range(20_000), locale=locale, params={"group": "cur"})
        share = pc.mean(pc.cast(pc.equal(codes, home), pa.int8())).as_py()
        assert 0.65 < share < 0.75, (locale, share)
    codes = run("currency_code", rows=range(2000), params={"group": "cur"}).to_pylist()
    names = run("currency_name", rows=range(2000), params={"group": "cur"}).to_pylist()
    pairs = dict(zip(codes, names, strict=True))
    assert pairs["USD"] == "United States dollar" and pairs["EUR"] == "Euro"


def test_amount_bounds_and_skew():
    values = run("amount", rows=range(100_000), params={"min": 5, "max": 500}).to_numpy()
    assert values.min() >= 5 and values.max() <= 500
    assert np.all(np.round(values, 2) == values)
    assert np.median(values) < (5 + 500) / 2  # right-skewed
    assert (values > 400).any()  # with a tail that reaches high values
    uniform = run("amount", rows=range(100_000), params={"min": 0, "max": 1, "distribution": "uniform",
                                                         "decimals": 3}).to_numpy()
    assert abs(uniform.mean() - 0.5) < 0.01


# ---- commerce ---------------------------------------------------------------------------------------------

def test_ean13_check_digits():
    for locale, first in (("en_US", "01"), ("de_DE", "4"), ("fr_FR", "3"), ("ja_JP", "4")):
        arr = run("ean13", rows=range(100_000), locale=locale)
        d = digits_of(arr)
        assert d.shape[1] == 13
        weights = np.array([1, 3] * 6)
        assert ((10 - (d[:, :12] * weights).sum(axis=1) % 10) % 10 == d[:, 12]).all()
        assert all(v[0] in first for v in arr.slice(0, 100).to_pylist())
    d = np.array([[4, 0, 0, 6, 3, 8, 1, 3, 3, 3, 9, 3]])
    from mock_pipelines.core.generators.identifiers import gtin_check_digit

    assert gtin_check_digit(d)[0] == 1  # 4006381333931, a real EAN-13


def test_price_and_quantity_and_rating():
    prices = run("price", rows=range(50_000), params={"min": 1, "max": 100, "charm": True}).to_numpy()
    assert prices.min() >= 1 and prices.max() <= 100
    assert np.mean(np.isclose(prices % 1, 0.99)) > 0.95
    qty = run("quantity", rows=range(50_000)).to_numpy()
    assert qty.min() >= 1 and 1.6 < qty.mean() < 2.0
    stars = run("rating", rows=range(50_000)).to_numpy()
    assert set(np.unique(stars)) == {1, 2, 3, 4, 5}
    assert np.argmax(np.bincount(stars)) == 5


def test_product_names_are_grammatical():
    de = run("product_name", rows=range(2000), locale="de_DE").to_pylist()
    assert all(" aus " in x for x in de)
    masculine = [x for x in de if x.split(" ")[1] == "Stuhl"]
    assert masculine and all(x.split(" ")[0].endswith("er") for x in masculine)
    fr = run("product_name", rows=range(2000), locale="fr_FR").to_pylist()
    assert all(" en " in x for x in fr)
    feminine = [x for x in fr if x.startswith("Chaise ")]
    assert feminine and not any(x.startswith(("Chaise élégant ", "Chaise léger ")) for x in feminine)


# ---- date and time ----------------------------------------------------------------------------------------

def test_date_range_and_weekday_seasonality():
    arr = run("date", rows=range(100_000), params={"start": "2024-02-01", "end": "2024-03-31"})
    days = arr.cast(pa.int32()).to_numpy()
    assert days.min() >= (dt.date(2024, 2, 1) - dt.date(1970, 1, 1)).days
    assert days.max() <= (dt.date(2024, 3, 31) - dt.date(1970, 1, 1)).days
    weekdays = [1, 1, 1, 1, 1, 0, 0]
    arr = run("date", rows=range(100_000), params={"weekday_weights": weekdays})
    assert not pc.any(pc.greater_equal(pc.day_of_week(arr), 5)).as_py()  # Monday=0: no Saturday/Sunday
    weights = [1, 2, 3, 4, 5, 6, 7]
    arr = run("date", rows=range(200_000), key=5, params={"weekday_weights": weights, "start": "2024-01-01",
                                                         "end": "2024-12-29"})  # whole weeks
    counts = np.bincount(pc.day_of_week(arr).to_numpy(), minlength=7)
    expected = np.array(weights) / sum(weights) * counts.sum()
    assert stats.chisquare(counts, expected).pvalue > 1e-3


def test_date_after_a_column():
    base = pa.array([dt.date(2024, 1, 1), None, dt.date(2024, 5, 31)] * 1000, type=pa.date32())
    arr = run("date", rows=range(3000), resolve=lambda ref: base, params={"after": "order_date",
                                                                          "max_delay_days": 10})
    assert arr.null_count == 1000
    delay = pc.subtract(arr.cast(pa.int32()), base.cast(pa.int32())).to_numpy(zero_copy_only=False)
    delay = delay[~np.isnan(delay)]
    assert delay.min() >= 0 and delay.max() <= 10 and len(np.unique(delay)) == 11


def test_timestamp_range():
    arr = run("timestamp", rows=range(100_000), params={"start": "2023-03-01 12:00:00", "end": "2023-03-02"})
    assert pc.min(arr).as_py() >= dt.datetime(2023, 3, 1, 12)
    assert pc.max(arr).as_py() <= dt.datetime(2023, 3, 2, 23, 59, 59, 999999)  # a bare end date is inclusive
    arr = run("timestamp", rows=range(100_000), params={"start": dt.datetime(2020, 1, 1, 8, 30),
                                                        "end": dt.datetime(2020, 1, 1, 9, 15),
                                                        "hour_weights": [1] * 24})
    assert pc.min(arr).as_py() >= dt.datetime(2020, 1, 1, 8, 30)
    assert pc.max(arr).as_py() <= dt.datetime(2020, 1, 1, 9, 15)
    # Partial first/last hours get their share by length: 30 of 45 minutes fall in the 8 o'clock hour.
    share = pc.mean(pc.cast(pc.equal(pc.hour(arr), 8), pa.float64())).as_py()
    assert abs(share - 30 / 45) < 0.01


def test_timestamp_weekday_and_hour_seasonality():
    hours = [0, 0, 0, 0, 0, 0, 1, 2, 4, 6, 6, 6, 7, 6, 5, 5, 5, 6, 7, 6, 4, 3, 2, 1]
    n = 200_000
    arr = run("timestamp", rows=range(n), key=2024, params={"hour_weights": hours,
                                                            "weekday_weights": [1, 1, 1, 1, 1, 0, 0]})
    assert not pc.any(pc.greater_equal(pc.day_of_week(arr), 5)).as_py()
    counts = np.bincount(pc.hour(arr).to_numpy(), minlength=24)
    w = np.array(hours, dtype=float)
    assert (counts[w == 0] == 0).all()
    expected = w / w.sum() * n
    assert stats.chisquare(counts[w > 0], expected[w > 0]).pvalue > 1e-3
    # Within the hour, minutes and seconds are uniform (KS on the fraction of the hour).
    us = arr.cast(pa.int64()).to_numpy()
    frac = (us % 3_600_000_000) / 3_600_000_000
    assert stats.kstest(frac, "uniform").pvalue > 1e-3


def test_timestamp_after_is_never_earlier():
    base = run("timestamp", rows=range(50_000), key=9)
    with_nulls = pc.if_else(pa.array(np.arange(50_000) % 7 == 0), pa.scalar(None, pa.timestamp("us")), base)
    arr = run("timestamp", rows=range(50_000), resolve=lambda ref: with_nulls,
              params={"after": "customer_id.signup_ts", "max_delay_days": 30})
    assert arr.type == pa.timestamp("us")
    assert arr.is_null().equals(with_nulls.is_null())
    valid = pc.is_valid(with_nulls)
    after, before = pc.filter(arr, valid), pc.filter(with_nulls, valid)
    assert pc.all(pc.greater_equal(after, before)).as_py()
    delay = pc.subtract(after.cast(pa.int64()), before.cast(pa.int64())).to_numpy()
    assert delay.max() <= 30 * 86_400_000_000
    # After the range end is allowed: ordering wins over the range.
    late = pa.array([dt.datetime(2024, 12, 31, 23, 0)] * 100, type=pa.timestamp("us"))
    arr = run("timestamp", rows=range(100), resolve=lambda ref: late, params={"after": "x"})
    assert pc.all(pc.greater_equal(arr, late)).as_py()
    assert registry.get("timestamp").column_refs({"after": "customer_id.signup_ts"}) == ["customer_id.signup_ts"]


def test_date_of_birth_ages():
    arr = run("date_of_birth", rows=range(50_000), params={"min_age": 18, "max_age": 30,
                                                           "reference": "2025-01-01"})
    ref = dt.date(2025, 1, 1)
    for born in (pc.min(arr).as_py(), pc.max(arr).as_py()):
        age = ref.year - born.year - ((ref.month, ref.day) < (born.month, born.day))
        assert 18 <= age <= 30


def test_calendar_names_per_locale():
    assert set(run("day_of_week", locale="de_DE").to_pylist()) == {
        "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"}
    assert "十二月" in run("month_name", locale="ja_JP").to_pylist()
    assert set(run("month_name", locale="en_US").to_pylist()) >= {"January", "December"}
    weekend = run("day_of_week", params={"weights": [0, 0, 0, 0, 0, 1, 1]}).to_pylist()
    assert set(weekend) == {"Saturday", "Sunday"}
    times = run("time", rows=range(10_000), params={"hour_weights": [0] * 9 + [1] * 8 + [0] * 7})
    assert pc.all(pc.match_substring_regex(times, r"^(09|1[0-6]):[0-5]\d:[0-5]\d$")).as_py()
    assert set(run("timezone", rows=range(500), locale="ja_JP", params={"local": True}).to_pylist()) == {"Asia/Tokyo"}


# ---- technical --------------------------------------------------------------------------------------------

def test_ip_and_mac_addresses():
    import ipaddress

    public = run("ipv4", rows=range(20_000)).to_pylist()
    assert all(ipaddress.ip_address(v).is_global for v in public)
    unique = run("ipv4", rows=range(20_000), unique=True).to_pylist()
    assert len(set(unique)) == 20_000 and all(ipaddress.ip_address(v).is_global for v in unique)
    private = run("ipv4", rows=range(20_000), params={"private": True}).to_pylist()
    assert all(ipaddress.ip_address(v).is_private for v in private)
    net = run("ipv4", rows=range(4096), unique=True, params={"network": "10.20.0.0/20"}).to_pylist()
    assert len(set(net)) == 4096 and all(ipaddress.ip_address(v) in ipaddress.ip_network("10.20.0.0/20")
                                         for v in net)
    v6 = run("ipv6", rows=range(5000)).to_pylist()
    assert all(ipaddress.ip_address(v).version == 6 and ipaddress.ip_address(v).is_global for v in v6)
    assert all(str(ipaddress.ip_address(v)).split(":")[0] == v.split(":")[0] for v in v6)
    macs = run("mac_address", rows=range(5000))
    assert pc.all(pc.match_substring_regex(macs, r"^([0-9a-f]{2}:){5}[0-9a-f]{2}$")).as_py()
    assert all(int(m[:2], 16) & 3 == 0 for m in macs.to_pylist())  # unicast, globally administered


def test_web_log_values():
    status = run("http_status_code", rows=range(50_000)).to_numpy()
    assert np.mean(status == 200) > 0.7
    errors = run("http_status_code", rows=range(50_000), params={"error_rate": 0.2}).to_numpy()
    assert abs(np.mean(errors >= 400) - 0.2) < 0.01
    assert np.mean(run("http_method", rows=range(50_000)).to_numpy(zero_copy_only=False) == "GET") > 0.55
    agents = run("user_agent", rows=range(20_000)).to_pylist()
    assert all(a.startswith("Mozilla/5.0") for a in agents)
    assert len(set(agents)) > 100
    assert pc.all(pc.match_substring_regex(run("md5"), r"^[0-9a-f]{32}$")).as_py()
    assert pc.all(pc.match_substring_regex(run("sha256"), r"^[0-9a-f]{64}$")).as_py()
    assert pc.count_distinct(run("sha256", rows=range(100_000))).as_py() == 100_000
    assert pc.all(pc.match_substring_regex(run("semver"), r"^\d+\.\d+\.\d+(-(alpha|beta|rc)\.\d)?$")).as_py()
    paths = run("file_path", params={"depth": 3, "category": "image"}).to_pylist()
    assert all(re.fullmatch(r"(/[\w]+){3}/[a-z_]+\.(bmp|gif|jpeg|jpg|png|tiff)", p) for p in paths)
    hosts = run("hostname", params={"domain": "acme.test"}).to_pylist()
    assert all(re.fullmatch(r"[a-z]+-\d\d\.[a-z0-9-]+\.acme\.test", h) for h in hosts)


# ---- text -------------------------------------------------------------------------------------------------

def test_sentences_and_text():
    sentences = run("sentence", rows=range(20_000), params={"min_words": 3, "max_words": 7}).to_pylist()
    counts = [len(s.split(" ")) for s in sentences]
    assert min(counts) == 3 and max(counts) == 7
    assert all(s[0].isupper() and s.endswith(".") for s in sentences)
    ja = run("sentence", rows=range(100), locale="ja_JP").to_pylist()
    assert all(s.endswith("。") and " " not in s for s in ja)
    for max_chars in (10, 50, 200, 1000):
        lengths = pc.utf8_length(run("text", rows=range(20_000), params={"max_chars": max_chars})).to_numpy()
        assert lengths.max() <= max_chars and lengths.mean() > 0.6 * max_chars
    paragraphs = run("paragraph", rows=range(1000), params={"min_sentences": 2, "max_sentences": 2}).to_pylist()
    assert all(p.count(".") == 2 for p in paragraphs)
    assert len(run("words", params={"n": 4}).to_pylist()[0].split(" ")) == 4
    lorem = run("lorem", rows=range(100), locale="ja_JP").to_pylist()
    assert all(re.fullmatch(r"[A-Z][a-z ]+\.( [A-Z][a-z ]+\.)*", s) for s in lorem)


# ---- health and aviation ----------------------------------------------------------------------------------

def test_icd10_codes_and_descriptions_agree():
    from mock_pipelines.core.generators.health import ICD10_CODES

    table = {c: d for c, d, _ in ICD10_CODES}
    assert len(table) == len(ICD10_CODES) >= 150
    assert all(re.fullmatch(r"[A-Z]\d[0-9A-Z](\.[0-9A-Z]{1,4})?", c) for c in table)
    codes = run("icd10_code", rows=range(5000)).to_pylist()
    names = run("icd10_description", rows=range(5000)).to_pylist()
    assert all(table[c] == d for c, d in zip(codes, names, strict=True))
    assert codes.count("I10") > codes.count("C61")


def test_body_measures_and_vitals():
    height = run("height_cm", rows=range(50_000), locale="ja_JP").to_numpy()
    assert 155 < height.mean() < 170 and height.min() >= 140 and height.max() <= 210
    h = pa.array(np.full(1000, 180.0))
    weight = run("weight_kg", rows=range(1000), resolve=lambda ref: h, params={"height": "height_cm"}).to_numpy()
    bmi = weight / 1.8**2
    assert 20 < np.median(bmi) < 32
    bp = run("blood_pressure", rows=range(10_000)).to_pylist()
    assert all(int(s) > int(d) for s, d in (x.split("/") for x in bp))
    freq = pc.value_counts(run("blood_type", rows=range(100_000), locale="ja_JP")).to_pylist()
    top = max(freq, key=lambda v: v["counts"])["values"]
    assert top == "A+"


def test_airport_columns_agree():
    import airportsdata

    airports = airportsdata.load("IATA")
    kw = {"rows": range(5000), "locale": "de_DE"}
    codes = run("airport_iata", **kw).to_pylist()
    names = run("airport_name", **kw).to_pylist()
    cities = run("airport_city", **kw).to_pylist()
    for code, name, city in zip(codes, names, cities, strict=True):
        assert airports[code]["name"] == name and airports[code]["city"] == city
    other = run("airport_iata", params={"group": "destination"}, **kw).to_pylist()
    assert other != codes
    local = run("airport_iata", params={"local": True}, **kw).to_pylist()
    assert all(airports[c]["country"] == "DE" for c in local)
    assert codes.count("FRA") > 10  # hubs dominate
    flights = run("flight_number", **kw).to_pylist()
    carriers = run("airline_code", **kw).to_pylist()
    assert all(f.startswith(c) and f[len(c):].isdigit() for f, c in zip(flights, carriers, strict=True))


def test_tail_numbers_and_seats():
    assert pc.all(pc.match_substring_regex(run("tail_number", locale="en_US"), r"^N[1-9][0-9A-Z]{1,4}$")).as_py()
    assert pc.all(pc.match_substring_regex(run("tail_number", locale="de_DE"), r"^D-[AE][A-Z]{3}$")).as_py()
    assert pc.all(pc.match_substring_regex(run("tail_number", locale="ja_JP"), r"^JA[0-9]{2}[0-9A-Z]{2}$")).as_py()
    seats = run("seat", rows=range(180), unique=True, params={"rows": 30, "letters": "ABCDEF"}).to_pylist()
    assert len(set(seats)) == 180
    assert all(re.fullmatch(r"([1-9]|[12]\d|30)[A-F]", s) for s in seats)
