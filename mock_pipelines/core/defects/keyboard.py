"""The keys next to each key of a QWERTY keyboard: what a finger hits when it slips by one key.

Keys are placed on their rows with the usual stagger (each row shifted right of the one above); two keys are
neighbours when they sit side by side on a row, or on adjacent rows with overlapping caps (``s``: a, d, w, e,
z, x). Letters neighbour letters and digits neighbour digits: a slip keeps the kind of the character, so a zip
code with a typo still looks like a zip code and a name still looks like a name — the damage a format check
cannot see and a pipeline must catch another way.
"""

from __future__ import annotations

import numpy as np

# (keys, how far the row's first key sits from the left edge, in key widths)
_LETTER_ROWS = (("qwertyuiop", 0.0), ("asdfghjkl", 0.25), ("zxcvbnm", 0.75))
_DIGIT_ROWS = (("1234567890", 0.0),)


def _neighbours(rows: tuple[tuple[str, float], ...]) -> dict[str, str]:
    placed = [(ch, r, offset + i) for r, (keys, offset) in enumerate(rows) for i, ch in enumerate(keys)]
    out: dict[str, str] = {}
    for ch, row, x in placed:
        out[ch] = "".join(other for other, r, ox in placed
                          if other != ch and ((r == row and abs(ox - x) == 1) or (abs(r - row) == 1 and abs(ox - x) < 1)))
    return out


NEIGHBOURS: dict[str, str] = {**_neighbours(_LETTER_ROWS), **_neighbours(_DIGIT_ROWS)}
NEIGHBOURS |= {ch.upper(): near.upper() for ch, near in NEIGHBOURS.items() if ch.isalpha()}  # the case is kept

# The same as byte look-ups: TABLE[b, :COUNT[b]] are the neighbours of the ASCII byte b (COUNT 0: not a key).
_WIDTH = max(len(v) for v in NEIGHBOURS.values())
TABLE = np.zeros((256, _WIDTH), dtype=np.uint8)
COUNT = np.zeros(256, dtype=np.int64)
for _key, _near in NEIGHBOURS.items():
    TABLE[ord(_key), :len(_near)] = np.frombuffer(_near.encode("ascii"), dtype=np.uint8)
    COUNT[ord(_key)] = len(_near)

__all__ = ["COUNT", "NEIGHBOURS", "TABLE"]
