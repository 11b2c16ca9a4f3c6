"""Aviation: airports (from the ``airportsdata`` package's IATA table, shipped with it), airlines,
flight numbers, aircraft models, tail numbers and seats.

Airport and airline columns agree row by row when they share ``group`` (default "airport" /
"airline"); use different groups for an origin and a destination. Busy hubs and international
airports are drawn far more often than small airfields.
"""

from functools import lru_cache
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines.core import strings
from mock_pipelines.core.facts import NO_FACTS, Facts
from mock_pipelines.core.generators.identifiers import fill_pattern
from mock_pipelines.core.registry import GenContext, generator
from mock_pipelines.core.vocab import WeightedIndex

# The world's busiest passenger airports (roughly by traffic): drawn far more often than the rest.
HUBS = ("ATL", "DXB", "DFW", "LHR", "HND", "DEN", "IST", "LAX", "ORD", "DEL", "CDG", "JFK", "CAN", "AMS", "FRA",
        "ICN", "SIN", "MAD", "PVG", "BKK", "CLT", "LAS", "MCO", "MIA", "PHX", "SEA", "SFO", "EWR", "IAH", "BOS",
        "MSP", "DTW", "PEK", "CTU", "SZX", "KUL", "JED", "DOH", "BCN", "FCO", "MUC", "MEX", "GRU", "SYD", "YYZ",
        "NRT", "HKG", "MNL", "CGK", "BOM", "LGW", "ZRH", "VIE", "CPH", "OSL", "ARN", "DUB", "LIS", "HEL", "BRU",
        "ORY", "KIX", "FUK", "CTS", "NCE", "LYS", "HAM", "DUS", "BER", "ITM", "OKA", "STR", "CGN", "MRS", "TLS")
_HUB_WEIGHT, _INTERNATIONAL_WEIGHT, _OTHER_WEIGHT = 150.0, 8.0, 0.5


@lru_cache(maxsize=1)
def _airports() -> dict[str, list]:
    import airportsdata

    table = airportsdata.load("IATA")
    hubs = {code: rank for rank, code in enumerate(HUBS)}
    cols: dict[str, list] = {"iata": [], "name": [], "city": [], "country": [], "tz": [], "weight": []}
    for code, row in sorted(table.items()):
        if not row.get("city") or not row.get("name"):
            continue
        if code in hubs:
            weight = _HUB_WEIGHT * (1.0 - 0.5 * hubs[code] / len(HUBS))
        elif "International" in row["name"]:
            weight = _INTERNATIONAL_WEIGHT
        else:
            weight = _OTHER_WEIGHT
        cols["iata"].append(code)
        cols["name"].append(row["name"])
        cols["city"].append(row["city"])
        cols["country"].append(row["country"])
        cols["tz"].append(row["tz"])
        cols["weight"].append(weight)
    return cols


@lru_cache(maxsize=64)
def _airport_table(country: str | None) -> tuple[dict[str, pa.Array], WeightedIndex]:
    """Columns of the airports of one country (or all) and their cumulative weights."""
    cols = _airports()
    keep = np.arange(len(cols["iata"]))
    if country:
        keep = np.flatnonzero(np.array(cols["country"]) == country.upper())
        if not len(keep):
            raise ValueError(f"no airports for country {country!r} (use an ISO 3166 alpha-2 code)")
    arrays = {k: pa.array([cols[k][i] for i in keep], type=pa.string()) for k in ("iata", "name", "city",
                                                                               "country", "tz")}
    w = np.array([cols["weight"][i] for i in keep])
    return arrays, WeightedIndex(np.cumsum(w) / w.sum())


def _airport(ctx: GenContext, field: str, group: str | None, country: str | None, local: bool) -> pa.Array:
    code = ctx.locale.split("_")[-1].upper() if local else country
    arrays, sampler = _airport_table(code or None)
    source = ctx.shared(group) if group else ctx
    idx = sampler(source.uniform(41))
    return arrays[field].take(pa.array(idx, type=pa.int64()))


@generator("airport_iata", category="aviation", returns="string", example="FRA", aliases=("airport_code",),
           facts=Facts(regex=lambda _p, _l: r"^[A-Z]{3}$"))
def airport_iata(ctx: GenContext, *, group: str | None = "airport", country: str | None = None,
                 local: bool = False) -> pa.Array:
    """IATA airport codes, busy hubs most often; local=true keeps to the locale's country."""
    return _airport(ctx, "iata", group, country, local)


@generator("airport_name", category="aviation", returns="string", example="Frankfurt am Main International Airport",
           aliases=("airport",),
           facts=NO_FACTS)
def airport_name(ctx: GenContext, *, group: str | None = "airport", country: str | None = None,
                 local: bool = False) -> pa.Array:
    """Airport names, matching airport_iata / airport_city of the same group row by row."""
    return _airport(ctx, "name", group, country, local)


@generator("airport_city", category="aviation", returns="string", example="Frankfurt am Main",
           facts=NO_FACTS)
def airport_city(ctx: GenContext, *, group: str | None = "airport", country: str | None = None,
                 local: bool = False) -> pa.Array:
    """The city an airport serves, matching airport_iata of the same group."""
    return _airport(ctx, "city", group, country, local)


@generator("airport_country", category="aviation", returns="string", example="DE",
           facts=NO_FACTS)
def airport_country(ctx: GenContext, *, group: str | None = "airport", country: str | None = None,
                    local: bool = False) -> pa.Array:
    """ISO country code of an airport, matching airport_iata of the same group."""
    return _airport(ctx, "country", group, country, local)


@generator("airport_timezone", category="aviation", returns="string", example="Europe/Berlin",
           facts=NO_FACTS)
def airport_timezone(ctx: GenContext, *, group: str | None = "airport", country: str | None = None,
                     local: bool = False) -> pa.Array:
    """IANA time zone of an airport, matching airport_iata of the same group."""
    return _airport(ctx, "tz", group, country, local)


# (IATA code, name, country, relative size)
AIRLINES: tuple[tuple[str, str, str, float], ...] = (
    ("AA", "American Airlines", "US", 10), ("DL", "Delta Air Lines", "US", 10), ("UA", "United Airlines", "US", 9),
    ("WN", "Southwest Airlines", "US", 9), ("AS", "Alaska Airlines", "US", 3), ("B6", "JetBlue Airways", "US", 3),
    ("NK", "Spirit Airlines", "US", 2), ("F9", "Frontier Airlines", "US", 2), ("HA", "Hawaiian Airlines", "US", 1),
    ("AC", "Air Canada", "CA", 3), ("LH", "Lufthansa", "DE", 5), ("EW", "Eurowings", "DE", 2),
    ("DE", "Condor", "DE", 1), ("AF", "Air France", "FR", 5), ("TO", "Transavia France", "FR", 1.5),
    ("BA", "British Airways", "GB", 5), ("U2", "easyJet", "GB", 4), ("FR", "Ryanair", "IE", 7),
    ("EI", "Aer Lingus", "IE", 1), ("KL", "KLM Royal Dutch Airlines", "NL", 3), ("IB", "Iberia", "ES", 2),
    ("VY", "Vueling", "ES", 2), ("LX", "Swiss International Air Lines", "CH", 2),
    ("OS", "Austrian Airlines", "AT", 1), ("SK", "Scandinavian Airlines", "SE", 1.5),
    ("AY", "Finnair", "FI", 1), ("TP", "TAP Air Portugal", "PT", 1), ("W6", "Wizz Air", "HU", 2.5),
    ("TK", "Turkish Airlines", "TR", 5), ("EK", "Emirates", "AE", 4), ("QR", "Qatar Airways", "QA", 3),
    ("EY", "Etihad Airways", "AE", 1.5), ("SQ", "Singapore Airlines", "SG", 2), ("CX", "Cathay Pacific", "HK", 2),
    ("NH", "All Nippon Airways", "JP", 4), ("JL", "Japan Airlines", "JP", 4), ("MM", "Peach Aviation", "JP", 1),
    ("BC", "Skymark Airlines", "JP", 1), ("KE", "Korean Air", "KR", 2), ("CA", "Air China", "CN", 3),
    ("MU", "China Eastern Airlines", "CN", 3), ("CZ", "China Southern Airlines", "CN", 3),
    ("QF", "Qantas", "AU", 2), ("LA", "LATAM Airlines", "CL", 2), ("AM", "Aeroméxico", "MX", 1.5),
    ("ET", "Ethiopian Airlines", "ET", 1), ("AI", "Air India", "IN", 2), ("6E", "IndiGo", "IN", 3),
)
_LOCAL_BOOST = 6.0


@lru_cache(maxsize=16)
def _airline_table(country: str) -> tuple[pa.Array, pa.Array, np.ndarray]:
    w = np.array([size * (_LOCAL_BOOST if c == country else 1.0) for _, _, c, size in AIRLINES])
    return (pa.array([a[0] for a in AIRLINES]), pa.array([a[1] for a in AIRLINES]), np.cumsum(w) / w.sum())


def _airline_index(ctx: GenContext, group: str | None) -> tuple[pa.Array, tuple]:
    table = _airline_table(ctx.locale.split("_")[-1].upper())
    source = ctx.shared(group) if group else ctx
    idx = np.minimum(np.searchsorted(table[2], source.uniform(43), side="right"), len(table[2]) - 1)
    return pa.array(idx, type=pa.int64()), table


@generator("airline", category="aviation", returns="string", example="Lufthansa", aliases=("airline_name",),
           facts=NO_FACTS)
def airline(ctx: GenContext, *, group: str | None = "airline") -> pa.Array:
    """Airline names, the locale's own carriers more often; matches airline_code / flight_number of the group."""
    idx, (_, names, _) = _airline_index(ctx, group)
    return names.take(idx)


@generator("airline_code", category="aviation", returns="string", example="LH",
           facts=NO_FACTS)
def airline_code(ctx: GenContext, *, group: str | None = "airline") -> pa.Array:
    """Two-character IATA airline designators, matching airline of the same group."""
    idx, (codes, _, _) = _airline_index(ctx, group)
    return codes.take(idx)


@generator("flight_number", category="aviation", returns="string", example="LH401",
           facts=NO_FACTS)
def flight_number(ctx: GenContext, *, group: str | None = "airline") -> pa.Array:
    """Flight numbers: the airline's IATA code and 1-4 digits (short numbers more common)."""
    idx, (codes, _, _) = _airline_index(ctx, group)
    number = np.floor(np.exp(ctx.uniform(1) * np.log(10_000))).astype(np.int64)
    return pc.binary_join_element_wise(codes.take(idx), strings.int_to_str(np.clip(number, 1, 9999)), "")


_AIRCRAFT = {"Boeing 737-800": 14, "Airbus A320neo": 10, "Airbus A321neo": 8, "Airbus A320": 10,
             "Boeing 737 MAX 8": 7, "Airbus A319": 4, "Airbus A321": 5, "Boeing 787-9": 4, "Boeing 787-8": 2,
             "Airbus A350-900": 3, "Boeing 777-300ER": 3, "Airbus A330-300": 2.5, "Boeing 767-300ER": 1.5,
             "Boeing 757-200": 1.5, "Airbus A220-300": 2, "Embraer E175": 4, "Embraer E190": 2,
             "Bombardier CRJ900": 2, "ATR 72-600": 3, "De Havilland Canada Dash 8-400": 1.5, "Airbus A380-800": 0.7,
             "Boeing 747-8": 0.3, "Boeing 777-200ER": 1, "Airbus A330-900neo": 1, "Airbus A350-1000": 0.7}


@generator("aircraft_model", category="aviation", returns="string", example="Airbus A320neo",
           aliases=("aircraft_type",),
           facts=NO_FACTS)
def aircraft_model(ctx: GenContext) -> pa.Array:
    """Commercial aircraft models weighted like the active airline fleet."""
    w = np.array(list(_AIRCRAFT.values()))
    idx = np.minimum(np.searchsorted(np.cumsum(w) / w.sum(), ctx.uniform(), side="right"), len(w) - 1)
    return pa.array(list(_AIRCRAFT)).take(pa.array(idx, type=pa.int64()))


# Civil aircraft registration formats by country ('#' digit, '?' letter).
_REGISTRATIONS = {
    "US": ("N#####", "N####?", "N###??", "N##??"),
    "DE": ("D-A???", "D-E???"),
    "FR": ("F-G???", "F-H???"),
    "JP": ("JA###?", "JA####", "JA##??"),
    "GB": ("G-????",),
}


@generator("tail_number", category="aviation", returns="string", example="D-AIMA",
           aliases=("aircraft_registration",),
           facts=NO_FACTS)
def tail_number(ctx: GenContext, *, country: str | None = None) -> pa.Array:
    """Aircraft registrations in the format of the locale's (or given) country: N-numbers, D-AIMA, JA801A."""
    code = (country or ctx.locale.split("_")[-1]).upper()
    formats = _REGISTRATIONS.get(code, _REGISTRATIONS["US"])
    options = [fill_pattern(ctx, fmt, stream=20 + i, unique=False) for i, fmt in enumerate(formats)]
    if len(options) == 1:
        out = options[0]
    else:
        which = pa.array(ctx.integers(len(options), 19).astype(np.int8))
        out = pc.choose(which, *options)
    if code not in _REGISTRATIONS or code == "US":  # N-numbers never start with a zero
        out = pc.replace_substring_regex(out, pattern="^N0", replacement="N1")
    return out



@generator("seat", category="aviation", returns="string", example="23C", aliases=("seat_number",),
           supports_unique=True, capacity=lambda p, _l: int(p.get("rows", 32)) * len(str(p.get("letters", "ABCDEF"))),
           facts=NO_FACTS)
def seat(ctx: GenContext, *, rows: int = 32, letters: str = "ABCDEF",
         cabin: Literal["any", "front", "back"] = "any") -> pa.Array:
    """Seat numbers: a row 1..rows and a seat letter ('23C'); cabin favours the front or back rows."""
    if rows < 1 or not letters:
        raise ValueError("seat: need rows >= 1 and at least one letter")
    if ctx.unique:
        idx = ctx.unique_index(rows * len(letters))
        row, letter = idx // len(letters), idx % len(letters)
    else:
        u = ctx.uniform(0)
        u = u**2 if cabin == "front" else 1 - u**2 if cabin == "back" else u
        row = np.minimum(np.floor(u * rows).astype(np.int64), rows - 1)
        letter = ctx.integers(len(letters), 1)
    letter_arr = pa.array(list(letters), type=pa.string()).take(pa.array(letter, type=pa.int64()))
    return pc.binary_join_element_wise(strings.int_to_str(row + 1), letter_arr, "")
