"""Near-miss suggestions for names a user misspelt in a profile."""

import difflib
from typing import Any


def suggest(name: str, candidates: Any) -> str | None:
    """The candidate closest to ``name``, if one is close enough to be the name meant."""
    matches = difflib.get_close_matches(name, [str(c) for c in candidates], n=1, cutoff=0.6)
    return matches[0] if matches else None
