"""What the values of a generator look like: a regular expression and a value range per generator.

Formats are anchored regular expressions in the common subset of Python ``re`` (Great Expectations on
pandas) and RE2 (``pyarrow.compute``). A generator missing here simply gets no format/range check; every
entry is tested against generated values in ``mock_pipelines_tests/quality/test_formats.py``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any

from mock_pipelines.core.generators.datetime import to_date, to_micros
from mock_pipelines.core.generators.identifiers import parse_pattern

_HEX = "0-9a-f"
_PLACEHOLDER = {"#": "[0-9]", "?": "[A-Z]", "*": "[A-Z0-9]"}


def pattern_regex(fmt: str) -> str:
    """'#' → [0-9], '?' → [A-Z], '*' → [A-Z0-9], anything else literal (a backslash escapes a placeholder)."""
    return "^" + "".join(_PLACEHOLDER[kind] if kind else re.escape(lit.decode("utf-8"))
                         for kind, lit in parse_pattern(fmt)) + "$"


def _hex(length: int, upper: bool = False) -> str:
    return f"^[{'0-9A-F' if upper else _HEX}]{{{length}}}$"


def _mac(p: Mapping[str, Any], _locale: str) -> str:
    h = "[0-9A-F]{2}" if p.get("upper") else "[0-9a-f]{2}"
    return f"^{h}(?:{re.escape(str(p.get('separator', ':')))}{h}){{5}}$"


def _zip(p: Mapping[str, Any], locale: str) -> str | None:
    if locale in ("en_US", "de_DE", "fr_FR"):
        return r"^[0-9]{5}-[0-9]{4}$" if p.get("plus4") and locale == "en_US" else r"^[0-9]{5}$"
    if locale == "ja_JP":
        return r"^[0-9]{3}-[0-9]{4}$"
    return None


_OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"

Format = Callable[[Mapping[str, Any], str], "str | None"]

FORMATS: dict[str, Format] = {
    "email": lambda p, _l: r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
    "pattern": lambda p, _l: pattern_regex(str(p["format"])),
    "sku": lambda p, _l: pattern_regex(str(p.get("format", "??-######"))),
    "uuid4": lambda p, _l: f"^[{_HEX}]{{8}}-[{_HEX}]{{4}}-4[{_HEX}]{{3}}-[89ab][{_HEX}]{{3}}-[{_HEX}]{{12}}$",
    "zipcode": _zip,
    "ean13": lambda p, _l: r"^[0-9]{13}$",
    "npi": lambda p, _l: r"^[12][0-9]{9}$",
    "credit_card_number": lambda p, _l: r"^[0-9]{12,19}$",
    "cvv": lambda p, _l: r"^[0-9]{3,4}$",
    "credit_card_expire": lambda p, _l: r"^(?:0[1-9]|1[0-2])/[0-9]{2}$",
    "ein": lambda p, _l: r"^[0-9]{2}-[0-9]{7}$",
    "routing_number": lambda p, _l: r"^[0-9]{9}$",
    "iban": lambda p, _l: None if p.get("formatted") else r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}$",
    "swift": lambda p, _l: r"^[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?$",
    "ipv4": lambda p, _l: rf"^(?:{_OCTET}\.){{3}}{_OCTET}$",
    "mac_address": _mac,
    "md5": lambda p, _l: _hex(32),
    "sha1": lambda p, _l: _hex(40),
    "sha256": lambda p, _l: _hex(64),
    "hex_id": lambda p, _l: _hex(int(p.get("length", 16)), bool(p.get("upper"))),
    "ulid": lambda p, _l: r"^[0-9A-HJKMNP-TV-Z]{26}$",
    "nanoid": lambda p, _l: f"^[A-Za-z0-9_-]{{{int(p.get('size', 21))}}}$",
    "time": lambda p, _l: r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$",
    "account_number": lambda p, _l: f"^[0-9]{{{int(p.get('length', 10))}}}$",
    "state_abbr": lambda p, locale: r"^[A-Z]{2}$" if locale == "en_US" else None,
    "area_code": lambda p, locale: r"^[0-9]{3}$" if locale == "en_US" else None,
    "blood_type": lambda p, _l: r"^(?:A|B|AB|O)[+-]$",
    "blood_pressure": lambda p, _l: r"^[0-9]{2,3}/[0-9]{2,3}$",
    "semver": lambda p, _l: r"^[0-9]+\.[0-9]+\.[0-9]+(?:-(?:alpha|beta|rc)\.[0-9]+)?$",
    "airport_iata": lambda p, _l: r"^[A-Z]{3}$",
    "currency_code": lambda p, _l: r"^[A-Z]{3}$",
    "country_code": lambda p, _l: r"^[A-Z]{3}$" if p.get("alpha3") else r"^[A-Z]{2}$",
    "icd10_code": lambda p, _l: r"^[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?$",
}


def format_regex(generator: str, params: Mapping[str, Any], locale: str) -> str | None:
    fn = FORMATS.get(generator)
    return fn(params, locale) if fn is not None else None


# ---- value ranges -----------------------------------------------------------------------------------------

Bound = float | int | dt.datetime | None


def _opt(p: Mapping[str, Any], key: str) -> Any:
    return p.get(key)


def _timestamp(value: Any, end: bool = False) -> dt.datetime:
    us = to_micros(value, end=end)
    return dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=us)


def _date(value: Any) -> dt.datetime:
    d = to_date(value)
    return dt.datetime(d.year, d.month, d.day)


def _shift_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a non-leap year
        return day.replace(year=day.year + years, day=28)


def _birth_range(p: Mapping[str, Any]) -> tuple[Bound, Bound]:
    """The generator's own bounds: the age on the reference date is within [min_age, max_age] (no fixed
    bounds when the age is taken on the date of another column, ``at:``)."""
    if p.get("at"):
        return None, None
    ref = to_date(p.get("reference", "2025-01-01"))
    latest = _shift_years(ref, -int(p.get("min_age", 18)))
    earliest = _shift_years(ref, -(int(p.get("max_age", 90)) + 1)) + dt.timedelta(days=1)
    return _date(earliest), _date(latest)


RANGES: dict[str, Callable[[Mapping[str, Any]], tuple[Bound, Bound]]] = {
    "integer": lambda p: (p["min"], p["max"]),
    "uniform": lambda p: (p["min"], p["max"]),
    "normal": lambda p: (_opt(p, "min"), _opt(p, "max")),
    "lognormal": lambda p: (p["min"] if p.get("min") is not None else 0.0, _opt(p, "max")),
    "exponential": lambda p: (p["min"] if p.get("min") is not None else 0.0, _opt(p, "max")),
    "poisson": lambda p: (p["min"] if p.get("min") is not None else 0, _opt(p, "max")),
    "zipf": lambda p: (p["start"], p["start"] + p["n"] - 1),
    "quantity": lambda p: (1, _opt(p, "max")),
    "rating": lambda p: (1, 5),
    "year": lambda p: (p["min"], p["max"]),
    "price": lambda p: (p["min"], p["max"]),
    "amount": lambda p: (p["min"], p["max"]),
    "heart_rate": lambda p: (40, 180),
    "oxygen_saturation": lambda p: (80, 100),
    "body_temperature": lambda p: (34.5, 42.0),
    "height_cm": lambda p: (p["min"], p["max"]),
    "weight_kg": lambda p: (p["min"], p["max"]),
    "duration_seconds": lambda p: (p["min"], _opt(p, "max")),
    "latitude": lambda p: (-90.0, 90.0),
    "longitude": lambda p: (-180.0, 180.0),
    "port": lambda p: (0, 65535),
    "http_status_code": lambda p: (100, 599),
    "unix_time": lambda p: (to_micros(p["start"]) // 1_000_000, to_micros(p["end"], end=True) // 1_000_000),
    "date_of_birth": _birth_range,
    "date": lambda p: (None, None) if p.get("after") else (_date(p["start"]), _date(p["end"])),
    "timestamp": lambda p: (None, None) if p.get("after") else (_timestamp(p["start"]),
                                                                 _timestamp(p["end"], end=True)),
}


def value_range(generator: str, params: Mapping[str, Any]) -> tuple[Bound, Bound] | None:
    fn = RANGES.get(generator)
    if fn is None:
        return None
    lo, hi = fn(params)
    return None if lo is None and hi is None else (lo, hi)
