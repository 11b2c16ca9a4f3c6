"""Counter-based randomness: every random value is a pure function of (key, row index, stream).

A *key* is a 64-bit integer derived from names (seed, dataset, table, column) with BLAKE2b, so it is stable
across processes, machines and Python versions (unlike ``hash()``). Bits for a row are
``splitmix64(row * GOLDEN + key + stream * STREAM_STEP)``: no sequential state, so any row range can be
produced alone, in any order, on any worker, and gives the same values as a full run.
"""

from __future__ import annotations

import hashlib

import numpy as np

try:  # the compiled forms of the kernels below (built by the package's install where a C compiler is at hand)
    from mock_pipelines.core import _kernels as native
except ImportError:  # pragma: no cover - exercised where the extension is not built
    native = None

U64 = np.uint64
_GOLDEN = U64(0x9E3779B97F4A7C15)
_STREAM_STEP = U64(0xD1B54A32D192ED03)
_M1 = U64(0xBF58476D1CE4E5B9)
_M2 = U64(0x94D049BB133111EB)
_TWO_POW_53 = float(2**53)


def derive_key(*parts: object) -> int:
    """A stable 64-bit key from any parts (ints, strings): same parts, same key, everywhere."""
    h = hashlib.blake2b(digest_size=8)
    for part in parts:
        h.update(repr(part).encode("utf-8"))
        h.update(b"\x1f")
    return int.from_bytes(h.digest(), "little")


def _mix(z: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser, in place on a uint64 array. It is a bijection of the 64-bit integers."""
    z ^= z >> U64(30)
    z *= _M1
    z ^= z >> U64(27)
    z *= _M2
    z ^= z >> U64(31)
    return z


def bits(key: int, rows: np.ndarray, stream: int = 0) -> np.ndarray:
    """64 uniform random bits per row (uint64 array), a pure function of (key, row, stream)."""
    if _compiled(rows):
        out = np.empty(len(rows), dtype=U64)
        native.bits_into(_as_int64(rows), np.array([_add(key, stream)], dtype=U64), out)
        return out
    with np.errstate(over="ignore"):
        z = rows.astype(U64, copy=True)
        z *= _GOLDEN
        z += U64(_add(key, stream))
        return _mix(z)


def uniform(key: int, rows: np.ndarray, stream: int = 0) -> np.ndarray:
    """Floats uniform in [0, 1) with 53 bits of precision."""
    if _compiled(rows):
        out = np.empty(len(rows), dtype=np.float64)
        native.uniform_into(_as_int64(rows), _add(key, stream), out)
        return out
    return (bits(key, rows, stream) >> U64(11)).astype(np.float64) / _TWO_POW_53


def uniform_open(key: int, rows: np.ndarray, stream: int = 0) -> np.ndarray:
    """Floats uniform in (0, 1): safe for log() and inverse CDFs."""
    return ((bits(key, rows, stream) >> U64(11)).astype(np.float64) + 0.5) / _TWO_POW_53


def integers(key: int, rows: np.ndarray, n: int | np.ndarray, stream: int = 0) -> np.ndarray:
    """Integers uniform in [0, n) (n may be an array, one bound per row), as int64."""
    u = uniform(key, rows, stream)
    out = np.floor(u * n).astype(np.int64)
    # u < 1 guarantees out < n, but keep the bound explicit against float rounding at huge n.
    return np.minimum(out, np.asarray(n, dtype=np.int64) - 1)


def standard_normal(key: int, rows: np.ndarray, stream: int = 0) -> np.ndarray:
    """Standard normal deviates by Box-Muller; both uniforms come from one 64-bit draw (32 bits each).

    32 bits bound |z| below 6.7, far beyond any tail a generated column needs, at half the hashing cost.
    """
    b = bits(key, rows, stream + 0x51)
    u1 = ((b >> U64(32)).astype(np.float64) + 0.5) * (1.0 / 4294967296.0)
    u2 = (b & U64(0xFFFFFFFF)).astype(np.float64) * (2.0 * np.pi / 4294967296.0)
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(u2)


def digits(key: int, rows: np.ndarray, count: int, stream: int = 0) -> np.ndarray:
    """A (rows, count) uint8 matrix of uniform decimal digits 0-9."""
    out = np.empty((len(rows), count), dtype=np.uint8)
    for start in range(0, count, 4):
        b = bits(key, rows, stream * 1000 + start)
        for j in range(start, min(count, start + 4)):
            # 16-bit slice times 10, top bits: bias below 1/6500, invisible in any test.
            out[:, j] = (((b >> U64(16 * (j - start))) & U64(0xFFFF)) * U64(10) >> U64(16)).astype(np.uint8)
    return out


def small_ints(key: int, rows: np.ndarray, count: int, n: int, stream: int = 0) -> np.ndarray:
    """A (rows, count) matrix of integers uniform in [0, n), n <= 65536, four per 64 random bits."""
    out = np.empty((len(rows), count), dtype=np.int64)
    for start in range(0, count, 4):
        b = bits(key, rows, stream * 1000 + start)
        for j in range(start, min(count, start + 4)):
            out[:, j] = (((b >> U64(16 * (j - start))) & U64(0xFFFF)) * U64(n) >> U64(16)).astype(np.int64)
    return out


# ---- bijections: unique by construction ---------------------------------------------------------------

def _permute_params(width: int, key: int) -> tuple[int, int, int, int, int]:
    """(mask, shift, m1, m2, add) of the keyed bijection of [0, 2**width)."""
    mask = (1 << width) - 1
    k = derive_key("permute", key, width)
    m2 = ((k >> 17) | 1) & mask if width > 17 else 3
    return mask, max(1, width // 2), (k | 1) & mask, m2, (k >> 7) & mask


def permute_pow2(x: np.ndarray, width: int, key: int) -> np.ndarray:
    """A keyed bijection of [0, 2**width) (width 2..64): xor-shift and odd-multiply rounds, all invertible."""
    mask, shift, m1, m2, add = map(U64, _permute_params(width, key))
    with np.errstate(over="ignore"):
        z = x.astype(U64, copy=True)
        z = (z + add) & mask
        z ^= z >> shift
        z = (z * m1) & mask
        z ^= z >> shift
        z = (z * m2) & mask
        z ^= z >> shift
    return z


def permute(x: np.ndarray, n: int, key: int) -> np.ndarray:
    """A keyed bijection of [0, n) by cycle-walking a power-of-two bijection (values stay < n).

    Cycle-walking applies the permutation again to values that land outside [0, n); since the
    enclosing domain is < 2n, the expected number of extra rounds is below 1.
    """
    if n <= 1:
        return np.zeros_like(x, dtype=np.int64)
    width = max(2, (int(n) - 1).bit_length())  # exact, where ceil(log2(n)) in floats is 49 for n = 2**49 + 1
    if native is not None and np.ndim(x) == 1:
        mask, shift, m1, m2, add = _permute_params(width, key)
        out = np.empty(len(x), dtype=np.int64)
        native.permute_into(_as_int64(x), n, add, m1, m2, mask, shift, out)
        return out
    z = permute_pow2_blocked(np.asarray(x), width, key)
    out_of_range = z >= U64(n)
    while out_of_range.any():
        z[out_of_range] = permute_pow2(z[out_of_range], width, key)
        out_of_range = z >= U64(n)
    return z.astype(np.int64)


# ---- blocked kernels: the same values, computed in cache-sized blocks -----------------------------------
#
# A 262,144-row batch makes 2 MB temporaries, which stream through memory at every numpy operation. The
# kernels below give exactly the values of the functions above but work on blocks of BLOCK rows with
# in-place operations, so their temporaries stay in the CPU cache: several times faster.

BLOCK = 1 << 15


def _mix_into(z: np.ndarray, tmp: np.ndarray) -> None:
    """:func:`_mix` in place, with a scratch array of the same size."""
    np.right_shift(z, U64(30), out=tmp)
    z ^= tmp
    z *= _M1
    np.right_shift(z, U64(27), out=tmp)
    z ^= tmp
    z *= _M2
    np.right_shift(z, U64(31), out=tmp)
    z ^= tmp


def bits_blocked(key: int, rows: np.ndarray, stream: int = 0) -> np.ndarray:
    """Same as :func:`bits` (64 random bits per row), computed block by block."""
    return bits_matrix(key, rows, [stream])[:, 0]


def _as_int64(rows: np.ndarray) -> np.ndarray:
    """Row indices as a contiguous int64 array (a copy only when they are not one already)."""
    return np.ascontiguousarray(rows, dtype=np.int64)


def _add(key: int, stream: int) -> int:
    """What the bits of (key, stream) add to row * GOLDEN."""
    return (key + stream * int(_STREAM_STEP)) & 0xFFFFFFFFFFFFFFFF


def _compiled(rows: np.ndarray) -> bool:
    """Whether the compiled kernels take these rows (built, and one dimension of integers)."""
    return native is not None and isinstance(rows, np.ndarray) and rows.ndim == 1 and rows.dtype.kind in "iu"


def bits_matrix(key: int, rows: np.ndarray, streams: list[int] | range) -> np.ndarray:
    """(rows, len(streams)) uint64: column j equals ``bits(key, rows, streams[j])``, computed block by block."""
    rows = np.asarray(rows)
    n, k = len(rows), len(streams)
    out = np.empty((n, k), dtype=U64)
    adds = [U64(_add(key, s)) for s in streams]
    if _compiled(rows):
        native.bits_into(_as_int64(rows), np.array(adds, dtype=U64), out)
        return out
    size = min(n, BLOCK)
    base = np.empty(size, dtype=U64)
    z = np.empty(size, dtype=U64) if k > 1 else None
    tmp = np.empty(size, dtype=U64)
    with np.errstate(over="ignore"):
        for start in range(0, n, BLOCK):
            stop = min(n, start + BLOCK)
            m = stop - start
            b = base[:m]
            b[...] = rows[start:stop]  # int64 → uint64 wraps like astype
            b *= _GOLDEN
            for j, add in enumerate(adds):
                if z is None:
                    w = b
                    w += add
                else:
                    w = z[:m]
                    np.add(b, add, out=w)
                _mix_into(w, tmp[:m])
                out[start:stop, j] = w
    return out


def permute_pow2_blocked(x: np.ndarray, width: int, key: int) -> np.ndarray:
    """Same as :func:`permute_pow2` (a keyed bijection of [0, 2**width)), computed block by block."""
    mask, shift, m1, m2, add = map(U64, _permute_params(width, key))
    x = np.asarray(x)
    out = np.empty(len(x), dtype=U64)
    tmp = np.empty(min(len(x), BLOCK), dtype=U64)
    with np.errstate(over="ignore"):
        for start in range(0, len(x), BLOCK):
            z = out[start:start + BLOCK]
            t = tmp[:len(z)]
            z[...] = x[start:start + BLOCK]
            z += add
            z &= mask
            for mult in (m1, m2, None):
                np.right_shift(z, shift, out=t)
                z ^= t
                if mult is not None:
                    z *= mult
                    z &= mask
    return out


def uniform_blocked(key: int, rows: np.ndarray, stream: int = 0) -> np.ndarray:
    """Same as :func:`uniform`, computed block by block."""
    rows = np.asarray(rows)
    if _compiled(rows):
        return uniform(key, rows, stream)
    b = bits_blocked(key, rows, stream)
    out = np.empty(len(b), dtype=np.float64)
    for start in range(0, len(b), BLOCK):
        chunk = b[start:start + BLOCK]
        chunk >>= U64(11)
        np.divide(chunk, _TWO_POW_53, out=out[start:start + BLOCK])
    return out


def integers_blocked(key: int, rows: np.ndarray, n: int, stream: int = 0) -> np.ndarray:
    """Same as :func:`integers` for a scalar bound n, computed block by block."""
    if n > 2**53:  # the bound is clipped in float64 below, exact up to 2**53
        return integers(key, np.asarray(rows), n, stream)
    u = uniform_blocked(key, rows, stream)
    out = np.empty(len(u), dtype=np.int64)
    for start in range(0, len(u), BLOCK):
        chunk = u[start:start + BLOCK]
        chunk *= n
        np.floor(chunk, out=chunk)
        np.minimum(chunk, n - 1, out=out[start:start + BLOCK], casting="unsafe")
    return out


def standard_normal_blocked(key: int, rows: np.ndarray, stream: int = 0) -> np.ndarray:
    """Same as :func:`standard_normal`, computed block by block."""
    b = bits_blocked(key, rows, stream + 0x51)
    out = np.empty(len(b), dtype=np.float64)
    size = min(len(b), BLOCK)
    u1 = np.empty(size, dtype=np.float64)
    u2 = np.empty(size, dtype=np.float64)
    for start in range(0, len(b), BLOCK):
        chunk = b[start:start + BLOCK]
        m = len(chunk)
        a, c, o = u1[:m], u2[:m], out[start:start + BLOCK]
        np.copyto(a, chunk >> U64(32), casting="unsafe")
        a += 0.5
        a *= 1.0 / 4294967296.0
        chunk &= U64(0xFFFFFFFF)
        np.copyto(c, chunk, casting="unsafe")
        c *= 2.0 * np.pi / 4294967296.0
        np.log(a, out=a)
        a *= -2.0
        np.sqrt(a, out=a)
        np.cos(c, out=c)
        np.multiply(a, c, out=o)
    return out
