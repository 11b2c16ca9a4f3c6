"""Where a profile's files are: the project root, the profiles and schemas folders in it, and how a
profile name or a ``datasets:`` entry becomes a file path."""

from __future__ import annotations

import os
from pathlib import Path

from mock_pipelines.spec.errors import Issue, Location, SchemaError, suggest

ENV_PROFILE = "MOCK_PIPELINES_PROFILE"
ENV_HOME = "MOCK_PIPELINES_HOME"
DEFAULT_PROFILE = "local"
PROFILES_DIR = "profiles"
SCHEMAS_DIR = "schemas"


def project_root() -> Path:
    """``MOCK_PIPELINES_HOME`` if set, else the repository root (the parent of the package folder)."""
    home = os.environ.get(ENV_HOME)
    if home:
        return Path(home).expanduser().resolve()
    return Path(__file__).resolve().parent.parent.parent


def available_profiles(root: Path | None = None) -> list[str]:
    """Names of the profiles in ``<root>/profiles/``."""
    folder = (root or project_root()) / PROFILES_DIR
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


def available_datasets(root: Path | None = None) -> list[str]:
    """Names of the dataset schemas in ``<root>/schemas/``."""
    folder = (root or project_root()) / SCHEMAS_DIR
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


def looks_like_path(value: str) -> bool:
    return value.endswith((".yaml", ".yml")) or "/" in value or os.sep in value


def dataset_path(entry: str, root: Path | None = None) -> Path:
    """The schema file of a ``datasets:`` entry: ``<root>/schemas/<name>.yaml``, or a path (root-relative)."""
    root = root or project_root()
    if looks_like_path(entry):
        path = Path(entry).expanduser()
        return path if path.is_absolute() else root / path
    return root / SCHEMAS_DIR / f"{entry}.yaml"


def dataset_name(entry: str) -> str:
    """The name a ``datasets:`` entry goes by (in ``rows:`` keys): the entry, or the file stem of a path."""
    return Path(entry).stem if looks_like_path(entry) else entry


def profile_path(name_or_path: str | os.PathLike[str] | None = None, root: Path | None = None) -> Path:
    """The file of a profile: a name in ``<root>/profiles/`` or a path to a YAML file.

    ``None`` means ``$MOCK_PIPELINES_PROFILE``, or ``local`` when that is unset. Raises SchemaError (with
    the profiles that do exist and a near-miss suggestion) when there is no such profile.
    """
    root = root or project_root()
    from_env = name_or_path is None
    if from_env:
        name_or_path = os.environ.get(ENV_PROFILE) or DEFAULT_PROFILE
    text = os.fspath(name_or_path)  # type: ignore[arg-type]
    candidate = Path(text).expanduser()
    if isinstance(name_or_path, os.PathLike) or looks_like_path(text):
        if not candidate.exists():  # a directory, FIFO or device is refused, named, when it is read
            raise SchemaError([Issue(Location(text), "profile file not found",
                                     suggestion="give the path of a YAML file, or a profile name such as "
                                                f"{DEFAULT_PROFILE!r}")])
        return candidate
    path = root / PROFILES_DIR / f"{text}.yaml"
    if not path.is_file():
        known = available_profiles(root)
        origin = f" (from ${ENV_PROFILE})" if from_env and os.environ.get(ENV_PROFILE) else ""
        raise SchemaError([Issue(Location(str(path)), f"unknown profile {text!r}{origin}",
                                 expected=("one of " + ", ".join(known)) if known
                                 else f"a file in {root / PROFILES_DIR}",
                                 suggestion=suggest(text, known))])
    return path

