"""The Luhn check digit on digit matrices, shared by the generator (to write it) and the expectation (to
check it): one row per card, one column per digit, no Python loop per card."""

from __future__ import annotations

import numpy as np

_DOUBLED = np.array([0, 2, 4, 6, 8, 1, 3, 5, 7, 9], dtype=np.int64)  # 2d, minus 9 when above 9


def check_digit(payload: np.ndarray) -> np.ndarray:
    """The digit that makes each row of ``payload`` (n, width) valid once appended: the payload's last
    digit is the first one doubled."""
    width = payload.shape[1]
    doubled = (width - 1 - np.arange(width)) % 2 == 0
    total = np.where(doubled, _DOUBLED[payload], payload).sum(axis=1)
    return (10 - total % 10) % 10


def is_valid(digits: np.ndarray) -> np.ndarray:
    """Whether each row of ``digits`` (n, width, check digit last) passes the Luhn test."""
    width = digits.shape[1]
    doubled = (width - 1 - np.arange(width)) % 2 == 1
    return np.where(doubled, _DOUBLED[digits], digits).sum(axis=1) % 10 == 0
