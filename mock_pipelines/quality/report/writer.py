"""Writing the report file."""

from __future__ import annotations

import os
import uuid
from pathlib import Path


def write_report(path: str | os.PathLike[str], html_text: str) -> Path:
    """Write the report atomically: a temporary file beside the target, then a rename over it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        tmp.write_text(html_text, encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
