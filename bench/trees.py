"""Benchmarks that time another commit's code beside this one's: import ``mock_pipelines`` from a tree."""

from __future__ import annotations

import sys
from pathlib import Path


def import_from(tree: Path) -> None:
    """Make ``import mock_pipelines`` load the code of ``tree`` (a checked-out commit), not the installed
    one; exits when something else was imported."""
    sys.path.insert(0, str(tree))
    for finder in list(sys.meta_path):  # an editable install's finder would bring the installed tree back
        if "editable" in type(finder).__module__ or "editable" in getattr(finder, "__name__", ""):
            sys.meta_path.remove(finder)
    import mock_pipelines

    if Path(mock_pipelines.__file__).resolve().parent.parent != tree.resolve():
        raise SystemExit(f"imported {mock_pipelines.__file__}, not the code of {tree}")
