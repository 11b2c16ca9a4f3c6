"""Banking and payments: IBAN/BBAN with ISO 13616 check digits, BIC, card numbers with Luhn check
digits, currencies with their symbols, cryptocurrencies and money amounts. Check digits are computed on
digit matrices with integer arithmetic, one column at a time, never per row.

Locales without IBANs (en_US, ja_JP) produce British (GB) IBANs unless ``country`` says otherwise.
"""

import datetime as dt
import importlib
import math
import pkgutil
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
import pyarrow as pa

from mock_pipelines.core import strings
from mock_pipelines.core.facts import (
    NO_FACTS,
    BoundedLogNormal,
    Facts,
    Params,
    Uniform,
    ValueModel,
    ValueSet,
    scheme,
    zipf_weights,
)
from mock_pipelines.core.generators.datetime import to_date
from mock_pipelines.core.generators.identifiers import (
    LUHN_DOUBLED,
    code_matrix,
    digit_matrix,
    int_digits,
    mod97,
    placeholder_values,
    ragged_from_matrix,
)
from mock_pipelines.core.locales.finance import CRYPTOCURRENCIES, CURRENCY_SYMBOLS, HOME_CURRENCY
from mock_pipelines.core.registry import GenContext, generator
from mock_pipelines.core.vocab import faker_attr

IBAN_FALLBACK_COUNTRY = "GB"

# ---- shared numeric helpers -------------------------------------------------------------------------------

_A = (-3.969683028665376e01, 2.209460984245205e02, -2.759285104469687e02, 1.383577518672690e02,
      -3.066479806614716e01, 2.506628277459239e00)
_B = (-5.447609879822406e01, 1.615858368580409e02, -1.556989798598866e02, 6.680131188771972e01,
      -1.328068155288572e01)
_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e00, -2.549732539343734e00,
      4.374664141464968e00, 2.938163982698783e00)
_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00, 3.754408661907416e00)


def ndtri(p: np.ndarray) -> np.ndarray:
    """Inverse of the standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9)."""
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-300, 1 - 1e-16)
    out = np.empty_like(p)
    low, high = p < 0.02425, p > 1 - 0.02425
    mid = ~(low | high)
    q = p[mid] - 0.5
    r = q * q
    out[mid] = ((((((_A[0] * r + _A[1]) * r + _A[2]) * r + _A[3]) * r + _A[4]) * r + _A[5]) * q
                / (((((_B[0] * r + _B[1]) * r + _B[2]) * r + _B[3]) * r + _B[4]) * r + 1))
    for mask, sign, tail in ((low, 1.0, p[low]), (high, -1.0, 1 - p[high])):
        q = np.sqrt(-2 * np.log(tail))
        out[mask] = sign * ((((((_C[0] * q + _C[1]) * q + _C[2]) * q + _C[3]) * q + _C[4]) * q + _C[5])
                            / ((((_D[0] * q + _D[1]) * q + _D[2]) * q + _D[3]) * q + 1))
    return out


def _phi(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def _lognormal_shape(lo: float, hi: float, median: float | None, sigma: float | None) -> tuple[float, float]:
    """(mu, sigma) of the log-normal on (x - lo + 1) that :func:`bounded_lognormal` truncates to [lo, hi]."""
    top = math.log(hi - lo + 1)
    mu = math.log(max(median - lo + 1, 1.0)) if median is not None else top / 2
    return mu, float(sigma) if sigma else top / 4


def amount_model(p: Params) -> ValueModel | None:
    """What price and amount draw: uniform, or the bounded log-normal (rounded to cents afterwards, and
    price's charm moves values to .99, so the model is drawn in the report but not tested)."""
    lo, hi = float(p["min"]), float(p["max"])
    if hi <= lo:
        return None
    if p["distribution"] == "uniform":
        return Uniform(lo, hi, exact=False)
    median = p.get("median")
    mu, sigma = _lognormal_shape(lo, hi, median, p.get("sigma"))
    return BoundedLogNormal(lo, hi, mu, sigma, median)


def bounded_lognormal(u: np.ndarray, lo: float, hi: float, median: float | None = None,
                      sigma: float | None = None) -> np.ndarray:
    """Right-skewed values in [lo, hi]: a log-normal on (x - lo + 1) truncated exactly by inverse CDF.

    Default median is the geometric middle of the shifted range and sigma a quarter of its log-width, so
    most values are small with a long tail towards ``hi`` and no pile-up at the bounds.
    """
    if hi <= lo:
        return np.full(len(u), float(lo))
    top = math.log(hi - lo + 1)
    mu, s = _lognormal_shape(lo, hi, median, sigma)
    pa_, pb = _phi((0 - mu) / s), _phi((top - mu) / s)
    z = ndtri(pa_ + u * (pb - pa_))
    return np.clip(lo + np.exp(mu + s * z) - 1, lo, hi)


def group_ctx(ctx: GenContext, group: str | None) -> GenContext:
    """The context whose draws decide a shared choice: the table-wide group context, or the column's own."""
    return ctx.shared(group) if group else ctx


def country_of(locale: str) -> str:
    return locale.split("_")[-1].upper() if "_" in locale else locale.upper()


# ---- IBAN / BBAN ------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _bban_formats() -> dict[str, str]:
    """ISO country → BBAN format ('#' digit, '?' letter) from Faker's bank providers."""
    import faker.providers.bank as bank

    formats: dict[str, str] = {}
    for module in pkgutil.iter_modules(bank.__path__):
        provider = importlib.import_module(f"faker.providers.bank.{module.name}").Provider
        code = provider.country_code
        # Some locales inherit the base (GB) format without being British: trust only matching ones.
        if module.name.split("_")[-1] == code and code not in formats:
            formats[code] = provider.bban_format
    return formats


def _iban_country(locale: str, country: str | None) -> str:
    formats = _bban_formats()
    if country:
        code = country.upper()
        if code not in formats:
            raise ValueError(f"no IBAN format for country {country!r}; known: {', '.join(sorted(formats))}")
        return code
    code = country_of(locale)
    return code if code in formats else IBAN_FALLBACK_COUNTRY


def _bban_capacity(params: dict, locale: str) -> int:
    fmt = _bban_formats()[_iban_country(locale, params.get("country"))]
    return math.prod(10 if ch == "#" else 26 if ch == "?" else 1 for ch in fmt)


def _bban_values(ctx: GenContext, fmt: str) -> tuple[np.ndarray, np.ndarray]:
    """(values, letter flags) of BBANs: digit values 0-9, letters as ISO 13616 values 10-35; literal
    digits of the format (a leading '0' for IR) kept."""
    kinds = "".join(ch for ch in fmt if ch in "#?")
    letters = np.array([ch == "?" for ch in fmt])
    free = placeholder_values(ctx, kinds, stream=1)
    free += np.array([10 if ch == "?" else 0 for ch in kinds], dtype=np.uint8)
    if len(kinds) == len(fmt):
        return free, letters
    values = np.empty((len(ctx), len(fmt)), dtype=np.uint8)
    values[:] = np.array([0 if ch in "#?" else int(ch) for ch in fmt], dtype=np.uint8)
    values[:, [i for i, ch in enumerate(fmt) if ch in "#?"]] = free
    return values, letters


_IBAN_CHARS = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", dtype=np.uint8)


def _group4(matrix: np.ndarray) -> np.ndarray:
    """Insert a space after every 4 characters (the printed IBAN form)."""
    n, width = matrix.shape
    groups = -(-width // 4)
    out = np.full((n, width + groups - 1), ord(" "), dtype=np.uint8)
    for g in range(groups):
        part = matrix[:, 4 * g: 4 * g + 4]
        out[:, 5 * g: 5 * g + part.shape[1]] = part
    return out


@generator("iban", category="finance", returns="string", example="DE89370400440532013000",
           supports_unique=True, capacity=_bban_capacity,
           facts=Facts(regex=lambda p, _l: None if p["formatted"] else r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}$",
                       checksum=scheme("iban")))
def iban(ctx: GenContext, *, country: str | None = None, formatted: bool = False) -> pa.Array:
    """IBANs with valid ISO 13616 mod-97 check digits, country from the locale (GB where there is none)."""
    code = _iban_country(ctx.locale, country)
    values, letters = _bban_values(ctx, _bban_formats()[code])
    n = len(ctx)
    # Check digits: 98 - (BBAN ‖ country ‖ "00" mod 97), letters counting as two digits (A=10 .. Z=35).
    # The country letters and "00" follow the BBAN: fold them in as a constant multiplier and addend.
    rest = (ord(code[0]) - 55) * 10_000 + (ord(code[1]) - 55) * 100
    check = (98 - (mod97(values, letters) * 1_000_000 + rest) % 97).astype(np.uint8)
    out = np.empty((n, 4 + values.shape[1]), dtype=np.uint8)
    out[:, 0:2] = np.frombuffer(code.encode(), dtype=np.uint8)
    out[:, 2] = 48 + check // 10
    out[:, 3] = 48 + check % 10
    out[:, 4:] = _IBAN_CHARS[values]
    return strings.from_bytes_matrix(_group4(out) if formatted else out)


@generator("bban", category="finance", returns="string", example="370400440532013000",
           supports_unique=True, capacity=_bban_capacity,
           facts=NO_FACTS)
def bban(ctx: GenContext, *, country: str | None = None) -> pa.Array:
    """Basic bank account numbers in the national format of the locale's country (GB where none)."""
    code = _iban_country(ctx.locale, country)
    values, _ = _bban_values(ctx, _bban_formats()[code])
    return strings.from_bytes_matrix(_IBAN_CHARS[values])


@generator("swift", category="finance", returns="string", example="DEUTDEFF500", aliases=("bic", "swift_code"),
           facts=Facts(regex=lambda _p, _l: r"^[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?$"))
def swift(ctx: GenContext, *, length: Literal[8, 11] = 11, country: str | None = None) -> pa.Array:
    """SWIFT/BIC codes: 4-letter bank, the country (from the locale), 2-char location, optional branch."""
    code = (country or country_of(ctx.locale)).upper()[:2]
    out = np.empty((len(ctx), length), dtype=np.uint8)
    # Bank: 4 letters; location: letter or digit 2-9, then letter or digit 1-9 (a '0' marks a test BIC);
    # branch: 3 letters or digits.
    codes = code_matrix(ctx, [26, 26, 26, 26, 34, 35, 36, 36, 36])
    out[:, 0:4] = strings.UPPER[codes[:, 0:4]]
    out[:, 4:6] = np.frombuffer(code.encode(), dtype=np.uint8)
    out[:, 6] = strings.ALNUM[2 + codes[:, 4]]
    out[:, 7] = strings.ALNUM[1 + codes[:, 5]]
    if length == 11:
        branch = strings.ALNUM[codes[:, 6:9]]
        primary = ctx.uniform(4) < 0.5  # half the codes name the primary office, 'XXX'
        branch[primary] = ord("X")
        out[:, 8:11] = branch
    return strings.from_bytes_matrix(out)


@generator("account_number", category="finance", returns="string", example="0012345678",
           supports_unique=True, capacity=lambda p, _l: 10 ** int(p.get("length", 10)),
           facts=Facts(regex=lambda p, _l: f"^[0-9]{{{int(p['length'])}}}$"))
def account_number(ctx: GenContext, *, length: int = 10) -> pa.Array:
    """Bank account numbers: fixed-length digit strings (unique=true gives distinct numbers)."""
    if not 1 <= length <= 34:
        raise ValueError("account_number length must be 1..34")
    return strings.from_bytes_matrix(48 + placeholder_values(ctx, "#" * length).astype(np.uint8))


@generator("routing_number", category="finance", returns="string", example="021000021", aliases=("aba",),
           facts=Facts(regex=lambda _p, _l: r"^[0-9]{9}$", checksum=scheme("aba")))
def routing_number(ctx: GenContext) -> pa.Array:
    """US ABA routing transit numbers (9 digits, Federal Reserve prefix, valid 3-7-1 checksum)."""
    # Prefix 01-12 (Federal Reserve districts) or 21-32 (thrifts).
    prefix = 1 + ctx.integers(12, 0) + 20 * (ctx.uniform(1) < 0.25)
    d = np.empty((len(ctx), 9), dtype=np.int64)
    d[:, 0:2] = int_digits(prefix, 2)
    d[:, 2:8] = digit_matrix(ctx, 6, 2)
    weighted = 3 * (d[:, 0] + d[:, 3] + d[:, 6]) + 7 * (d[:, 1] + d[:, 4] + d[:, 7]) + d[:, 2] + d[:, 5]
    d[:, 8] = (10 - weighted % 10) % 10
    return strings.from_bytes_matrix((48 + d).astype(np.uint8))


# ---- cards ------------------------------------------------------------------------------------------------

# issuer → (display name, number length, [(first prefix, last prefix, prefix digits, weight)])
CARD_ISSUERS: dict[str, tuple[str, int, list[tuple[int, int, int, float]]]] = {
    "visa": ("Visa", 16, [(4, 4, 1, 1.0)]),
    "mastercard": ("Mastercard", 16, [(51, 55, 2, 0.8), (2221, 2720, 4, 0.2)]),
    "amex": ("American Express", 15, [(34, 34, 2, 0.4), (37, 37, 2, 0.6)]),
    "discover": ("Discover", 16, [(6011, 6011, 4, 0.5), (644, 649, 3, 0.1), (65, 65, 2, 0.4)]),
    "jcb": ("JCB", 16, [(3528, 3589, 4, 1.0)]),
    "diners": ("Diners Club", 14, [(300, 305, 3, 0.4), (36, 36, 2, 0.4), (38, 39, 2, 0.2)]),
}
# Card mix for issuer="any", by country (rough market shares).
_CARD_MIX = {
    "US": {"visa": 0.52, "mastercard": 0.28, "amex": 0.12, "discover": 0.08},
    "JP": {"visa": 0.45, "jcb": 0.3, "mastercard": 0.2, "amex": 0.05},
    "DE": {"visa": 0.45, "mastercard": 0.45, "amex": 0.1},
    "FR": {"visa": 0.55, "mastercard": 0.4, "amex": 0.05},
}
_DEFAULT_MIX = {"visa": 0.5, "mastercard": 0.38, "amex": 0.12}
Issuer = Literal["any", "visa", "mastercard", "amex", "discover", "jcb", "diners"]


def _card_mix(issuer: str, locale: str) -> dict[str, float]:
    if issuer != "any":
        return {issuer: 1.0}
    return _CARD_MIX.get(country_of(locale), _DEFAULT_MIX)


@dataclass(frozen=True)
class _CardTable:
    """Every (issuer, prefix range) of a card mix with its joint probability: one draw picks both."""

    names: list[str]  # issuer names of the mix
    issuer: np.ndarray  # issuer (index into names) of each entry
    first: np.ndarray  # first prefix of the range
    span: np.ndarray  # number of prefixes in the range
    digits: np.ndarray  # prefix length
    length: np.ndarray  # card number length
    cdf: np.ndarray

    @property
    def unique_start(self) -> int:
        return int(self.digits.max())  # unique digits follow the longest prefix of the mix

    @property
    def unique_digits(self) -> int:
        return int(self.length.min()) - 1 - self.unique_start


@lru_cache(maxsize=64)
def _card_table(issuer: str, locale: str) -> _CardTable:
    mix = _card_mix(issuer, locale)
    names = list(mix)
    rows = []
    for i, name in enumerate(names):
        _, length, prefixes = CARD_ISSUERS[name]
        total = sum(p[3] for p in prefixes)
        rows += [(i, lo, hi - lo + 1, digits, length, mix[name] * w / total) for lo, hi, digits, w in prefixes]
    cols = [np.array(c) for c in zip(*rows, strict=True)]
    weights = cols[5] / cols[5].sum()
    return _CardTable(names, cols[0], cols[1], cols[2], cols[3], cols[4], np.cumsum(weights))


def _card_capacity(params: dict, locale: str) -> int:
    return 10 ** _card_table(str(params.get("issuer", "any")), locale).unique_digits


def _card_entries(ctx: GenContext, issuer: str, group: str | None) -> tuple[_CardTable, np.ndarray]:
    """The card table and each row's entry, drawn from the group context so columns can agree."""
    table = _card_table(issuer, ctx.locale)
    if len(table.cdf) == 1:
        return table, np.zeros(len(ctx), dtype=np.intp)
    u = group_ctx(ctx, group).uniform(77)
    return table, np.minimum(np.searchsorted(table.cdf, u, side="right"), len(table.cdf) - 1)


@generator("credit_card_number", category="finance", returns="string", example="4539578763621486",
           aliases=("card_number", "pan"), supports_unique=True, capacity=_card_capacity,
           facts=Facts(regex=lambda _p, _l: r"^[0-9]{12,19}$", checksum=scheme("luhn")))
def credit_card_number(ctx: GenContext, *, issuer: Issuer = "any", group: str | None = None) -> pa.Array:
    """Payment card numbers with real issuer prefixes and lengths and a valid Luhn check digit.

    issuer="any" mixes issuers by the locale's market shares; give the same ``group`` to
    credit_card_number, credit_card_provider and cvv columns so one row's card type agrees.
    """
    table, entry = _card_entries(ctx, issuer, group)
    n = len(ctx)
    length = table.length[entry]
    width = int(table.length.max())
    m = width - 1  # payload columns, left-aligned; shorter numbers end earlier
    # Prefixes, left-aligned in 4 digits: 4 → 4000, 51 → 5100, 2221 → 2221.
    digits = table.digits[entry]
    prefix = table.first[entry] + np.floor(ctx.uniform(3) * table.span[entry]).astype(np.int64)
    head = int_digits(prefix * 10 ** (4 - digits), 4)
    payload = digit_matrix(ctx, m, 4)
    payload[:, :4] = np.where(np.arange(4)[None, :] < digits[:, None], head, payload[:, :4])
    if ctx.unique:
        k, free = table.unique_start, table.unique_digits
        payload[:, k:k + free] = int_digits(ctx.unique_index(10**free), free)
    varied = len(np.unique(table.length)) > 1
    if varied:
        payload[np.arange(m)[None, :] >= (length - 1)[:, None]] = 0
    # Luhn: the digit next to the check digit is doubled, so parity depends on each row's length.
    # Sums of plain and doubled digits at even and odd columns, as one small float32 matrix product
    # (exact: the sums are below 200).
    weights = np.zeros((2 * m, 4), dtype=np.float32)
    weights[0:m:2, 0] = weights[1:m:2, 1] = weights[m::2, 2] = weights[m + 1::2, 3] = 1
    both = np.concatenate([payload, LUHN_DOUBLED[payload]], axis=1).astype(np.float32)
    even_plain, odd_plain, even_doubled, odd_doubled = (both @ weights).astype(np.int32).T
    total = np.where((length - 2) % 2 == 0, even_doubled + odd_plain, odd_doubled + even_plain)
    check = ((10 - total % 10) % 10).astype(np.uint8)
    matrix = np.empty((n, width), dtype=np.uint8)
    matrix[:, :m] = 48 + payload
    if not varied:
        matrix[:, m] = 48 + check
        return strings.from_bytes_matrix(matrix)
    matrix[np.arange(n), length - 1] = 48 + check
    return ragged_from_matrix(matrix, np.arange(width)[None, :] < length[:, None])


@generator("credit_card_provider", category="finance", returns="string", example="Visa",
           aliases=("card_type", "card_network"),
           facts=NO_FACTS)
def credit_card_provider(ctx: GenContext, *, issuer: Issuer = "any", group: str | None = None) -> pa.Array:
    """Card network names (Visa, Mastercard, ...) in the locale's mix; share ``group`` with card numbers."""
    table, entry = _card_entries(ctx, issuer, group)
    labels = pa.array([CARD_ISSUERS[name][0] for name in table.names], type=pa.string())
    return labels.take(pa.array(table.issuer[entry], type=pa.int64()))


@generator("cvv", category="finance", returns="string", example="482", aliases=("cvc", "security_code"),
           facts=Facts(regex=lambda _p, _l: r"^[0-9]{3,4}$"))
def cvv(ctx: GenContext, *, issuer: Issuer = "any", group: str | None = None) -> pa.Array:
    """Card security codes: 3 digits, 4 for American Express (share ``group`` with the card number)."""
    table, entry = _card_entries(ctx, issuer, group)
    matrix = 48 + digit_matrix(ctx, 4)
    if "amex" not in table.names:
        return strings.from_bytes_matrix(matrix[:, :3])
    amex = table.issuer[entry] == table.names.index("amex")
    return ragged_from_matrix(matrix, np.column_stack([np.ones((len(ctx), 3), bool), amex]))


@generator("credit_card_expire", category="finance", returns="string", example="08/28",
           aliases=("card_expiry", "expiry_date"),
           facts=Facts(regex=lambda _p, _l: r"^(?:0[1-9]|1[0-2])/[0-9]{2}$"))
def credit_card_expire(ctx: GenContext, *, reference: dt.date | str = "2025-01-01", years: int = 5) -> pa.Array:
    """Card expiry dates 'MM/YY' within ``years`` after the reference date."""
    ref = to_date(reference)
    month0 = ref.year * 12 + ref.month - 1
    months = month0 + ctx.integers(max(1, 12 * years))
    yy, mm = (months // 12) % 100, months % 12 + 1
    out = np.empty((len(ctx), 5), dtype=np.uint8)
    out[:, 0], out[:, 1] = 48 + mm // 10, 48 + mm % 10
    out[:, 2] = ord("/")
    out[:, 3], out[:, 4] = 48 + yy // 10, 48 + yy % 10
    return strings.from_bytes_matrix(out)


# ---- currencies and amounts -------------------------------------------------------------------------------

_MAJORS = ("USD", "EUR", "GBP", "JPY", "CHF", "CNY", "CAD", "AUD")


def _currency_table(locale: str) -> list[tuple[str, str]]:
    for loc in (locale, locale.split("_")[0]):
        try:
            provider = importlib.import_module(f"faker.providers.currency.{loc}").Provider
            return list(provider.currencies)
        except ModuleNotFoundError:
            continue
    return list(faker_attr("currency", "en_US", "currencies"))


@lru_cache(maxsize=64)
def _currencies(locale: str, local_share: float) -> tuple[pa.Array, pa.Array, np.ndarray]:
    """(codes, names, cdf): the home currency gets local_share, majors 80% of the rest, others the tail."""
    table = _currency_table(locale)
    codes = [c for c, _ in table]
    home = HOME_CURRENCY.get(country_of(locale), "USD")
    majors = [c for c in _MAJORS if c in codes and c != home]
    others = [c for c in codes if c != home and c not in majors]
    share = min(max(local_share, 0.0), 1.0)
    w = {c: 0.8 * (1 - share) / len(majors) for c in majors}
    w.update({c: 0.2 * (1 - share) / max(1, len(others)) for c in others})
    w[home] = share
    weights = np.array([w.get(c, 0.0) for c in codes])
    return (pa.array(codes, type=pa.string()), pa.array([name for _, name in table], type=pa.string()),
            np.cumsum(weights) / weights.sum())


def _currency_index(ctx: GenContext, local_share: float, group: str | None) -> tuple[np.ndarray, tuple]:
    table = _currencies(ctx.locale, float(local_share))
    idx = np.searchsorted(table[2], group_ctx(ctx, group).uniform(55), side="right")
    return np.minimum(idx, len(table[2]) - 1), table


@generator("currency_code", category="finance", returns="string", example="EUR", aliases=("currency",),
           facts=Facts(regex=lambda _p, _l: r"^[A-Z]{3}$"))
def currency_code(ctx: GenContext, *, local_share: float = 0.7, group: str | None = None) -> pa.Array:
    """ISO 4217 codes: mostly the locale's own currency, then the majors, then the rest of the list."""
    idx, (codes, _, _) = _currency_index(ctx, local_share, group)
    return codes.take(pa.array(idx, type=pa.int64()))


@generator("currency_name", category="finance", returns="string", example="Euro",
           facts=NO_FACTS)
def currency_name(ctx: GenContext, *, local_share: float = 0.7, group: str | None = None) -> pa.Array:
    """Currency names (in the locale's language where Faker has them); share ``group`` with currency_code."""
    idx, (_, names, _) = _currency_index(ctx, local_share, group)
    return names.take(pa.array(idx, type=pa.int64()))


def _symbols(codes: pa.Array) -> pa.Array:
    return pa.array([CURRENCY_SYMBOLS.get(code, "\u00a4") for code in codes.to_pylist()], type=pa.string())


@lru_cache(maxsize=64)
def _currency_symbols(locale: str, local_share: float) -> pa.Array:
    """The symbol of each code of the locale's currency table, in the table's order (built once)."""
    return _symbols(_currencies(locale, local_share)[0])


@generator("currency_symbol", category="finance", returns="string", example="€",
           facts=NO_FACTS)
def currency_symbol(ctx: GenContext, *, local_share: float = 0.7, group: str | None = None) -> pa.Array:
    """Currency signs ($, €, £, ¥, ...); share ``group`` with currency_code to sign each row's currency."""
    idx, _ = _currency_index(ctx, local_share, group)
    return _currency_symbols(ctx.locale, float(local_share)).take(pa.array(idx, type=pa.int64()))


# Cryptocurrencies: rank k of the list drawn with P ∝ 1/k (a few coins hold most of the rows).
_CRYPTO_WEIGHTS = zipf_weights(1.0, len(CRYPTOCURRENCIES))
_CRYPTO_CDF = np.cumsum(_CRYPTO_WEIGHTS) / _CRYPTO_WEIGHTS.sum()


@lru_cache(maxsize=2)
def _crypto_column(column: int) -> pa.Array:
    # built on first use: pyarrow imports pandas on its first pa.array call, which loading the catalogue must not
    return pa.array([c[column] for c in CRYPTOCURRENCIES], type=pa.string())


def _crypto_set(column: int) -> ValueSet:
    return ValueSet(tuple(c[column] for c in CRYPTOCURRENCIES), tuple(float(w) for w in _CRYPTO_WEIGHTS))


def _crypto_index(ctx: GenContext, group: str | None) -> pa.Array:
    idx = np.searchsorted(_CRYPTO_CDF, group_ctx(ctx, group).uniform(66), side="right")
    return pa.array(np.minimum(idx, len(_CRYPTO_CDF) - 1), type=pa.int64())


@generator("cryptocurrency_code", category="finance", returns="string", example="BTC", aliases=("crypto",),
           facts=Facts(values=lambda _p: _crypto_set(0)))
def cryptocurrency_code(ctx: GenContext, *, group: str | None = None) -> pa.Array:
    """Cryptocurrency tickers (BTC, ETH, ...), the largest most often; share ``group`` with the name."""
    return _crypto_column(0).take(_crypto_index(ctx, group))


@generator("cryptocurrency_name", category="finance", returns="string", example="Bitcoin",
           facts=Facts(values=lambda _p: _crypto_set(1)))
def cryptocurrency_name(ctx: GenContext, *, group: str | None = None) -> pa.Array:
    """Cryptocurrency names (Bitcoin, Ethereum, ...); the same ``group`` as cryptocurrency_code matches it."""
    return _crypto_column(1).take(_crypto_index(ctx, group))


@generator("amount", category="finance", returns="decimal", example="129.95", aliases=("money",),
           facts=Facts(range=lambda p: (p["min"], p["max"]), model=amount_model))
def amount(ctx: GenContext, *, min: float = 1.0, max: float = 1000.0, decimals: int = 2,
           distribution: Literal["lognormal", "uniform"] = "lognormal", median: float | None = None,
           sigma: float | None = None) -> pa.Array:
    """Money amounts in [min, max] rounded to ``decimals``: right-skewed log-normal (default) or uniform."""
    if max < min:
        raise ValueError("amount: max must be >= min")
    u = ctx.uniform()
    values = (min + (max - min) * u if distribution == "uniform"
              else bounded_lognormal(u, min, max, median, sigma))
    return pa.array(np.clip(np.round(values, decimals), min, max), type=pa.float64())
