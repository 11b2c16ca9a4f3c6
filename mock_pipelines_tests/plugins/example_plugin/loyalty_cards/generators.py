"""The ``loyalty_card`` generator: 16-digit loyalty card numbers with a program prefix and a Luhn digit.

Vectorised and deterministic like the built-in generators: the serial is a uniform draw of the row's
counter-based randomness (or, with ``unique: true``, a keyed bijection of the row index, so distinct rows
get distinct cards), the digits are a matrix, the check digit is computed on the whole matrix at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pyarrow as pa

from loyalty_cards.luhn import check_digit
from mock_pipelines.plugin_api import Facts, GenContext, ParamError, from_bytes_matrix, generator, scheme

CARD_DIGITS = 16


def _serial_digits(params: Mapping[str, Any]) -> int:
    return CARD_DIGITS - 1 - len(params["program"])


def _check(params: Mapping[str, Any]) -> None:
    program = params["program"]
    if not program.isdigit() or not 2 <= len(program) <= 8:
        raise ParamError("program", f"loyalty_card: program {program!r} must be 2 to 8 digits",
                         "write the program's prefix digits, e.g. program: '6390'", expected="'6390'")


def _capacity(params: Mapping[str, Any], _locale: str) -> int:
    return 10 ** _serial_digits(params)


def _regex(params: Mapping[str, Any], _locale: str) -> str:
    return f"^{params['program']}[0-9]{{{_serial_digits(params) + 1}}}$"


@generator("loyalty_card", category="commerce", returns="string", example="6390123456789010",
           supports_unique=True, capacity=_capacity, check=_check,
           facts=Facts(regex=_regex, checksum=scheme("luhn")))
def loyalty_card(ctx: GenContext, *, program: str = "6390") -> pa.Array:
    """Loyalty card numbers: 16 digits, the program's prefix first and a Luhn check digit last."""
    serial_digits = CARD_DIGITS - 1 - len(program)
    capacity = 10 ** serial_digits
    serial = ctx.unique_index(capacity) if ctx.unique else ctx.integers(capacity)
    powers = 10 ** np.arange(serial_digits - 1, -1, -1, dtype=np.int64)
    prefix = np.frombuffer(program.encode(), dtype=np.uint8) - ord("0")
    payload = np.concatenate([np.broadcast_to(prefix, (len(ctx), len(program))),
                              (serial.astype(np.int64)[:, None] // powers) % 10], axis=1).astype(np.int64)
    digits = np.concatenate([payload, check_digit(payload)[:, None]], axis=1)
    return from_bytes_matrix((digits + ord("0")).astype(np.uint8))
