"""Infrastructure and web-log values: IP and MAC addresses, user agents, files and MIME types, host
names, ports, HTTP methods and status codes, hashes and versions.

Addresses are written straight into byte matrices (dropping leading zeros through a keep-mask); user
agents are a weighted vocabulary of every assembled (template × browser version × OS version) string,
so sampling one is a single searchsorted and take.
"""

import ipaddress
import re
from functools import lru_cache
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines.core import random as rnd
from mock_pipelines.core import strings
from mock_pipelines.core.facts import NO_FACTS, Facts, Params
from mock_pipelines.core.generators.identifiers import hex16, hex_regex, ragged_from_matrix, random_hex
from mock_pipelines.core.generators.numeric import zipf_rank
from mock_pipelines.core.registry import GenContext, generator
from mock_pipelines.core.vocab import faker_attr, source, vocabulary

U64 = np.uint64


def _weighted(ctx: GenContext, values: pa.Array, weights: np.ndarray, stream: int = 0) -> pa.Array:
    cdf = np.cumsum(weights) / np.sum(weights)
    idx = np.minimum(np.searchsorted(cdf, ctx.uniform(stream), side="right"), len(values) - 1)
    return values.take(pa.array(idx, type=pa.int64()))


# ---- IP and MAC addresses ---------------------------------------------------------------------------------

_DIGIT3 = np.array([[48 + v // 100, 48 + v // 10 % 10, 48 + v % 10] for v in range(256)], dtype=np.uint8)


def ipv4_strings(octets: np.ndarray) -> pa.Array:
    """Dotted-quad strings of a (n, 4) matrix of octets 0-255, without leading zeros."""
    n = len(octets)
    matrix = np.full((n, 15), ord("."), dtype=np.uint8)
    keep = np.ones((n, 15), dtype=bool)
    for k in range(4):
        v = octets[:, k].astype(np.intp)
        matrix[:, 4 * k: 4 * k + 3] = _DIGIT3[v]
        keep[:, 4 * k] = v >= 100
        keep[:, 4 * k + 1] = v >= 10
    return ragged_from_matrix(matrix, keep)


_PUBLIC_FIRST = np.array([o for o in range(1, 224) if o not in (10, 127)], dtype=np.int64)
# Unique public addresses: first octets without special-use blocks inside them, so every address is a
# plain bijection of the row index.
_UNIQUE_PUBLIC_FIRST = np.array([o for o in _PUBLIC_FIRST if o not in (100, 169, 172, 192, 198, 203)], dtype=np.int64)


def _ipv4_capacity(params: dict, _locale: str) -> int | None:
    network = params.get("network") or ("10.0.0.0/8" if params.get("private") else None)
    if network:
        return ipaddress.ip_network(network, strict=False).num_addresses
    return len(_UNIQUE_PUBLIC_FIRST) << 24


_OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"


@generator("ipv4", category="technical", returns="string", example="192.168.14.201", aliases=("ip_address",),
           supports_unique=True, capacity=_ipv4_capacity,
           facts=Facts(regex=lambda _p, _l: rf"^(?:{_OCTET}\.){{3}}{_OCTET}$"))
def ipv4(ctx: GenContext, *, private: bool = False, network: str | None = None) -> pa.Array:
    """IPv4 addresses: public unicast by default, private (RFC 1918) ranges, or hosts of a CIDR network.

    unique=true draws a bijection of the row index: over the network if given, 10.0.0.0/8 when private,
    otherwise over the public /8 blocks that contain no special-use ranges.
    """
    if ctx.unique and not network and private:
        network = "10.0.0.0/8"
    if network:
        net = ipaddress.ip_network(network, strict=False)
        if net.version != 4:
            raise ValueError(f"ipv4: {network!r} is not an IPv4 network")
        size = net.num_addresses
        offset = ctx.unique_index(size) if ctx.unique else ctx.integers(size)
        value = (int(net.network_address) + offset).astype(U64)
        octets = np.column_stack([((value >> U64(24 - 8 * k)) & U64(255)) for k in range(4)])
        return ipv4_strings(octets)
    if ctx.unique:
        idx = ctx.unique_index(len(_UNIQUE_PUBLIC_FIRST) << 24)
        octets = np.column_stack([_UNIQUE_PUBLIC_FIRST[idx >> 24], (idx >> 16) & 255, (idx >> 8) & 255, idx & 255])
        return ipv4_strings(octets)
    b = ctx.bits(0)
    octets = np.column_stack([((b >> U64(8 * k)) & U64(255)).astype(np.int64) for k in range(4)])
    if private:
        block = np.searchsorted([0.5, 0.7], ctx.uniform(1), side="right")  # 10/8, 172.16/12, 192.168/16
        octets[:, 0] = np.choose(block, [10, 172, 192])
        octets[:, 1] = np.where(block == 1, 16 + octets[:, 1] % 16, np.where(block == 2, 168, octets[:, 1]))
    else:
        first = _PUBLIC_FIRST[octets[:, 0] % len(_PUBLIC_FIRST)]
        second = octets[:, 1]
        # Step out of the special-use blocks inside otherwise public first octets.
        second = np.where((first == 172) & (second >= 16) & (second < 32), second + 16, second)
        second = np.where((first == 192) & (second == 168), 169, second)
        second = np.where((first == 169) & (second == 254), 253, second)
        second = np.where((first == 100) & (second >= 64) & (second < 128), second - 64, second)
        second = np.where((first == 192) & (second == 0), 1, second)  # 192.0.0/24, 192.0.2/24
        second = np.where((first == 198) & ((second == 18) | (second == 19)), second + 2, second)
        third = octets[:, 2]
        doc = ((first == 198) & (second == 51) & (third == 100)) | ((first == 203) & (second == 0) & (third == 113))
        octets[:, 0], octets[:, 1], octets[:, 2] = first, second, np.where(doc, third + 1, third)
        octets[:, 3] = np.maximum(octets[:, 3], 1)
    return ipv4_strings(octets)


_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


@generator("ipv6", category="technical", returns="string", example="2a03:2880:f12f:83:face:b00c:0:25de",
           facts=NO_FACTS)
def ipv6(ctx: GenContext) -> pa.Array:
    """Global unicast IPv6 addresses (2000::/3), groups written without leading zeros."""
    n = len(ctx)
    groups = np.empty((n, 8), dtype=np.int64)
    for w in range(2):
        b = ctx.bits(w)
        for k in range(4):
            groups[:, 4 * w + k] = ((b >> U64(16 * k)) & U64(0xFFFF)).astype(np.int64)
    groups[:, 0] = 0x2000 | (groups[:, 0] & 0x1FFF)
    matrix = np.full((n, 39), ord(":"), dtype=np.uint8)
    keep = np.ones((n, 39), dtype=bool)
    for g in range(8):
        v = groups[:, g]
        for k in range(4):
            matrix[:, 5 * g + k] = _HEX[(v >> (4 * (3 - k))) & 15]
            if k < 3:
                keep[:, 5 * g + k] = v >= 16 ** (3 - k)
    return ragged_from_matrix(matrix, keep)


def _mac_regex(p: Params, _locale: str) -> str:
    h = "[0-9A-F]{2}" if p["upper"] else "[0-9a-f]{2}"
    return f"^{h}(?:{re.escape(str(p['separator']))}{h}){{5}}$"


@generator("mac_address", category="technical", returns="string", example="3c:22:fb:8e:41:07",
           aliases=("mac",),
           facts=Facts(regex=_mac_regex))
def mac_address(ctx: GenContext, *, separator: str = ":", upper: bool = False) -> pa.Array:
    """Unicast, globally administered MAC addresses ('3c:22:fb:8e:41:07')."""
    b = ctx.bits(0) & U64(0xFCFFFFFFFFFF)  # 48 bits; multicast and local bits of the first octet cleared
    h = hex16(b, upper)[:, 4:16]
    sep = separator.encode("utf-8")
    width = 12 + 5 * len(sep)
    out = np.empty((len(ctx), width), dtype=np.uint8)
    col = 0
    for k in range(6):
        out[:, col:col + 2] = h[:, 2 * k: 2 * k + 2]
        col += 2
        if k < 5 and sep:
            out[:, col:col + len(sep)] = np.frombuffer(sep, dtype=np.uint8)
            col += len(sep)
    return strings.from_bytes_matrix(out)


# ---- user agents ------------------------------------------------------------------------------------------

# (share of traffic, template): {chrome}/{firefox}/{safari} browser versions, {android}/{ios}/{ios_} OS.
_UA_TEMPLATES = (
    (0.30, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/{chrome}.0.0.0 Safari/537.36"),
    (0.09, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/{chrome}.0.0.0 Safari/537.36"),
    (0.03, "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/{chrome}.0.0.0 Safari/537.36"),
    (0.18, "Mozilla/5.0 (Linux; Android {android}; K) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/{chrome}.0.0.0 Mobile Safari/537.36"),
    (0.16, "Mozilla/5.0 (iPhone; CPU iPhone OS {ios_} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
           "Version/{ios} Mobile/15E148 Safari/604.1"),
    (0.03, "Mozilla/5.0 (iPad; CPU OS {ios_} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
           "Version/{ios} Mobile/15E148 Safari/604.1"),
    (0.05, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
           "Version/{safari} Safari/605.1.15"),
    (0.05, "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:{firefox}.0) Gecko/20100101 Firefox/{firefox}.0"),
    (0.02, "Mozilla/5.0 (X11; Linux x86_64; rv:{firefox}.0) Gecko/20100101 Firefox/{firefox}.0"),
    (0.01, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:{firefox}.0) Gecko/20100101 Firefox/{firefox}.0"),
    (0.06, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/{chrome}.0.0.0 Safari/537.36 Edg/{chrome}.0.0.0"),
    (0.02, "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"),
)


def _recency(versions: list[str], decay: float = 0.8) -> dict[str, float]:
    """Newest versions most common: weight decay^(age rank)."""
    return {v: decay ** (len(versions) - 1 - i) for i, v in enumerate(versions)}


def _version_key(v: str) -> tuple[int, ...]:
    return tuple(int(p) for p in v.split(".") if p.isdigit())


@source("technical.user_agents")
def _user_agents(_locale: str) -> dict[str, float]:
    android = sorted({v for v in faker_attr("user_agent", "en_US", "android_versions")
                      if _version_key(v)[0] >= 10}, key=_version_key)
    ios = sorted({v for v in faker_attr("user_agent", "en_US", "ios_versions") if _version_key(v)[0] >= 15},
                 key=_version_key)
    variables = {
        "chrome": _recency([str(v) for v in range(112, 132)]),
        "firefox": _recency([str(v) for v in range(115, 133)]),
        "safari": _recency(["16.6", "17.0", "17.1", "17.2", "17.3", "17.4", "17.5", "17.6", "18.0", "18.1"]),
        "android": _recency(android or ["13", "14"], 0.7),
        "ios": _recency(ios or ["17.5", "18.0"], 0.85),
    }
    out: dict[str, float] = {}
    for share, template in _UA_TEMPLATES:
        combos: list[tuple[str, float]] = [(template, 1.0)]
        for name, options in variables.items():
            if "{" + name not in template:
                continue
            total = sum(options.values())
            combos = [(t.replace("{" + name + "}", v).replace("{" + name + "_}", v.replace(".", "_")), w * ow / total)
                      for t, w in combos for v, ow in options.items()]
        for text, weight in combos:
            out[text] = out.get(text, 0.0) + share * weight
    return out


@generator("user_agent", category="technical", returns="string",
           example="Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                   "Chrome/131.0.0.0 Safari/537.36",
           facts=NO_FACTS)
def user_agent(ctx: GenContext) -> pa.Array:
    """Browser user-agent strings with a realistic mix of browsers, platforms and recent versions."""
    return vocabulary("technical.user_agents", ctx.locale).sample(ctx)


# ---- files ------------------------------------------------------------------------------------------------

FileCategory = Literal["audio", "image", "office", "text", "video"]
_MIME_FOR_CATEGORY = {"audio": ("audio",), "image": ("image",), "office": ("application",),
                      "text": ("text",), "video": ("video",)}


@lru_cache(maxsize=8)
def _extensions(category: str | None) -> pa.Array:
    table = faker_attr("file", "en_US", "file_extensions")
    names = table[category] if category else [e for exts in table.values() for e in exts]
    return pa.array(list(dict.fromkeys(names)), type=pa.string())


@lru_cache(maxsize=8)
def _mime_types(category: str | None) -> pa.Array:
    kinds = (_MIME_FOR_CATEGORY[category] if category
             else ("application", "audio", "image", "message", "model", "multipart", "text", "video"))
    values = [m for kind in kinds for m in faker_attr("file", "en_US", f"{kind}_mime_types")]
    return pa.array(list(dict.fromkeys(values)), type=pa.string())


@generator("file_extension", category="technical", returns="string", example="pdf",
           facts=NO_FACTS)
def file_extension(ctx: GenContext, *, category: FileCategory | None = None) -> pa.Array:
    """File extensions (without the dot), optionally of one category: audio, image, office, text, video."""
    exts = _extensions(category)
    return exts.take(pa.array(ctx.integers(len(exts)), type=pa.int64()))


@generator("mime_type", category="technical", returns="string", example="application/json",
           aliases=("content_type",),
           facts=NO_FACTS)
def mime_type(ctx: GenContext, *, category: FileCategory | None = None) -> pa.Array:
    """IANA media (MIME) types, optionally of one category."""
    types = _mime_types(category)
    return types.take(pa.array(ctx.integers(len(types)), type=pa.int64()))


def _file_names(ctx: GenContext, category: str | None, stream: int) -> pa.Array:
    words = vocabulary("text.words", "en_US").values
    w1 = words.take(pa.array(ctx.integers(len(words), stream), type=pa.int64()))
    w2 = words.take(pa.array(ctx.integers(len(words), stream + 1), type=pa.int64()))
    exts = _extensions(category)
    ext = exts.take(pa.array(ctx.integers(len(exts), stream + 2), type=pa.int64()))
    two = pa.array(ctx.uniform(stream + 3) < 0.5)
    stem = pc.if_else(two, pc.binary_join_element_wise(w1, w2, "_"), w1)
    return pc.binary_join_element_wise(pc.utf8_lower(stem), ext, ".")


@generator("file_name", category="technical", returns="string", example="budget_report.xlsx",
           aliases=("filename",),
           facts=NO_FACTS)
def file_name(ctx: GenContext, *, category: FileCategory | None = None) -> pa.Array:
    """File names: one or two lower-case words and an extension (of a category if given)."""
    return _file_names(ctx, category, 0)


_DIRECTORIES = ("home", "var", "usr", "opt", "srv", "data", "docs", "projects", "tmp", "logs", "backup", "media",
                "reports", "shared", "archive", "config", "assets", "src", "build", "images", "uploads",
                "exports", "finance", "marketing", "2023", "2024", "2025")


@generator("file_path", category="technical", returns="string", example="/data/reports/budget_report.xlsx",
           aliases=("path",),
           facts=NO_FACTS)
def file_path(ctx: GenContext, *, depth: int = 2, category: FileCategory | None = None,
              style: Literal["unix", "windows"] = "unix") -> pa.Array:
    """Absolute file paths of ``depth`` directories and a file name (unix '/…' or windows 'C:\\…')."""
    if not 0 <= depth <= 32:
        raise ValueError("file_path depth must be 0..32")
    dirs = pa.array(_DIRECTORIES, type=pa.string())
    sep = "/" if style == "unix" else "\\"
    parts = [dirs.take(pa.array(ctx.integers(len(dirs), 10 + j), type=pa.int64())) for j in range(depth)]
    parts.append(_file_names(ctx, category, 0))
    root = pa.scalar("" if style == "unix" else "C:")  # joined with sep: "/dir/file" or "C:\dir\file"
    return pc.binary_join_element_wise(root, *parts, sep)


# ---- hosts, ports, HTTP -----------------------------------------------------------------------------------

_HOST_ROLES = ("web", "api", "app", "db", "cache", "worker", "mail", "auth", "search", "queue", "lb", "gw",
               "cdn", "node", "etl", "kafka", "redis", "pg", "mysql", "es", "vpn", "ci", "monitor", "proxy")
_HOST_ZONES = ("prod", "staging", "dev", "qa", "eu-west-1", "us-east-1", "ap-northeast-1", "eu-central-1",
               "internal", "corp")
_HOST_DOMAINS = ("example.com", "example.net", "example.org", "corp.example", "internal.example")


@generator("hostname", category="technical", returns="string", example="db-07.eu-west-1.example.com",
           aliases=("host",),
           facts=NO_FACTS)
def hostname(ctx: GenContext, *, domain: str | None = None) -> pa.Array:
    """Infrastructure host names 'role-NN.zone.domain' (reserved example domains unless ``domain`` given)."""
    roles = pa.array(_HOST_ROLES, type=pa.string()).take(pa.array(ctx.integers(len(_HOST_ROLES), 0)))
    number = strings.int_to_str(1 + ctx.integers(40, 1), 2)
    zones = pa.array(_HOST_ZONES, type=pa.string()).take(pa.array(ctx.integers(len(_HOST_ZONES), 2)))
    if domain:
        domains: pa.Array | pa.Scalar = pa.scalar(domain)
    else:
        domains = pa.array(_HOST_DOMAINS, type=pa.string()).take(pa.array(ctx.integers(len(_HOST_DOMAINS), 3)))
    return pc.binary_join_element_wise(pc.binary_join_element_wise(roles, number, "-"), zones, domains, ".")


_SERVICE_PORTS = {443: 30, 80: 20, 22: 8, 8080: 6, 3306: 4, 5432: 5, 6379: 4, 8443: 3, 25: 2, 53: 3,
                  27017: 2, 9200: 2, 9092: 2, 5672: 1.5, 21: 1, 3389: 1.5, 11211: 1, 8000: 2, 5000: 1.5,
                  3000: 2, 123: 1, 993: 1, 587: 1}


@generator("port", category="technical", returns="int", example="443", aliases=("port_number",),
           facts=Facts(range=lambda _p: (0, 65535)))
def port(ctx: GenContext, *, kind: Literal["service", "well_known", "registered", "dynamic", "any"] = "service"
         ) -> pa.Array:
    """TCP/UDP ports: common service ports weighted by use, or uniform in an IANA range."""
    if kind == "service":
        values = pa.array(list(_SERVICE_PORTS), type=pa.int64())
        return _weighted(ctx, values, np.array(list(_SERVICE_PORTS.values()), dtype=np.float64))
    lo, hi = {"well_known": (0, 1023), "registered": (1024, 49151), "dynamic": (49152, 65535),
              "any": (0, 65535)}[kind]
    return pa.array(lo + ctx.integers(hi - lo + 1), type=pa.int64())


_HTTP_METHODS = {"GET": 62, "POST": 22, "PUT": 6, "DELETE": 3.5, "PATCH": 4, "HEAD": 1.5, "OPTIONS": 1}
_HTTP_STATUS = {200: 77, 201: 4, 204: 2, 206: 0.5, 301: 1.5, 302: 2, 304: 3, 400: 2, 401: 1.5, 403: 1,
                404: 3, 405: 0.2, 409: 0.3, 422: 0.5, 429: 0.5, 500: 0.8, 502: 0.3, 503: 0.3, 504: 0.1}


@generator("http_method", category="technical", returns="string", example="GET", aliases=("http_verb",),
           facts=NO_FACTS)
def http_method(ctx: GenContext) -> pa.Array:
    """HTTP request methods weighted like API traffic (mostly GET, then POST)."""
    return _weighted(ctx, pa.array(list(_HTTP_METHODS)), np.array(list(_HTTP_METHODS.values()), dtype=float))


@generator("http_status_code", category="technical", returns="int", example="200", aliases=("status_code",),
           facts=Facts(range=lambda _p: (100, 599)))
def http_status_code(ctx: GenContext, *, error_rate: float | None = None) -> pa.Array:
    """HTTP response status codes weighted like access logs (mostly 200); error_rate sets the 4xx/5xx share."""
    codes = np.array(list(_HTTP_STATUS), dtype=np.int64)
    weights = np.array(list(_HTTP_STATUS.values()), dtype=np.float64)
    if error_rate is not None:
        if not 0 <= error_rate <= 1:
            raise ValueError("http_status_code: error_rate must be in [0, 1]")
        err = codes >= 400
        weights = np.where(err, weights / weights[err].sum() * error_rate,
                           weights / weights[~err].sum() * (1 - error_rate))
    return _weighted(ctx, pa.array(codes, type=pa.int64()), weights)


_LOG_LEVELS = {"DEBUG": 15, "INFO": 70, "WARNING": 10, "ERROR": 4.5, "CRITICAL": 0.5}


@generator("log_level", category="technical", returns="string", example="INFO", aliases=("severity",),
           facts=NO_FACTS)
def log_level(ctx: GenContext) -> pa.Array:
    """Log severities weighted like application logs (mostly INFO)."""
    return _weighted(ctx, pa.array(list(_LOG_LEVELS)), np.array(list(_LOG_LEVELS.values()), dtype=float))


# ---- hashes and versions ----------------------------------------------------------------------------------

def _digest(ctx: GenContext, nibbles: int) -> pa.Array:
    """Hex digests: random bits, the last 16 nibbles a keyed bijection of the row (never a collision)."""
    out = random_hex(ctx, nibbles)
    out[:, nibbles - 16:] = hex16(rnd.permute_pow2(ctx.rows, 64, ctx.key))
    return strings.from_bytes_matrix(out)


@generator("md5", category="technical", returns="string", example="9e107d9d372bb6826bd81d3542a419d6",
           supports_unique=True, capacity=lambda _p, _l: 2**64,
           facts=Facts(regex=lambda _p, _l: hex_regex(32)))
def md5(ctx: GenContext) -> pa.Array:
    """MD5-like hex digests (32 chars), deterministic per row and distinct across rows."""
    return _digest(ctx, 32)


@generator("sha1", category="technical", returns="string", example="2fd4e1c67a2d28fced849ee1bb76e7391b93eb12",
           supports_unique=True, capacity=lambda _p, _l: 2**64,
           facts=Facts(regex=lambda _p, _l: hex_regex(40)))
def sha1(ctx: GenContext) -> pa.Array:
    """SHA-1-like hex digests (40 chars), deterministic per row and distinct across rows."""
    return _digest(ctx, 40)


@generator("sha256", category="technical", returns="string",
           example="d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592",
           supports_unique=True, capacity=lambda _p, _l: 2**64,
           facts=Facts(regex=lambda _p, _l: hex_regex(64)))
def sha256(ctx: GenContext) -> pa.Array:
    """SHA-256-like hex digests (64 chars), deterministic per row and distinct across rows."""
    return _digest(ctx, 64)


@generator("semver", category="technical", returns="string", example="2.14.3", aliases=("version",),
           facts=Facts(regex=lambda _p, _l: r"^[0-9]+\.[0-9]+\.[0-9]+(?:-(?:alpha|beta|rc)\.[0-9]+)?$"))
def semver(ctx: GenContext, *, max_major: int = 9, prerelease: float = 0.05) -> pa.Array:
    """Semantic versions MAJOR.MINOR.PATCH, small numbers most common; a share get -alpha/-beta/-rc tags."""
    major = zipf_rank(ctx.uniform(0), 1.3, max(1, max_major + 1))
    minor = zipf_rank(ctx.uniform(1), 0.9, 40)
    patch = zipf_rank(ctx.uniform(2), 1.0, 30)
    core = pc.binary_join_element_wise(strings.int_to_str(major), strings.int_to_str(minor),
                                       strings.int_to_str(patch), ".")
    if prerelease <= 0:
        return core
    tags = pa.array(["-alpha.", "-beta.", "-rc."]).take(pa.array(ctx.integers(3, 3)))
    tagged = pc.binary_join_element_wise(core, tags, strings.int_to_str(1 + ctx.integers(5, 4)), "")
    return pc.if_else(pa.array(ctx.uniform(5) < prerelease), tagged, core)
