"""Writes :mod:`names` (the family module of every built-in generator name and alias) from a full load of the
catalogue: ``python -m mock_pipelines.core.generators.write_names``. A test compares the file with what this
writes, so a generator added, renamed or moved without regenerating it fails the suite."""

from pathlib import Path

from mock_pipelines.core import registry
from mock_pipelines.core.generators import names

HEADER = '''"""The family module that defines each built-in generator name and alias, so looking a generator up
imports that module only. Generated from the full catalogue by
``python -m mock_pipelines.core.generators.write_names``; do not edit by hand."""

FAMILY_OF: dict[str, str] = {
'''


def names_source() -> str:
    """The text of names.py for the built-in catalogue as it is now."""
    family_of = {}
    for gen in registry.builtin_catalogue():
        family = gen.fn.__module__.rsplit(".", 1)[-1]
        for name in (gen.name, *gen.aliases):
            family_of[name] = family
    lines = [f"    {name!r}: {family_of[name]!r},\n" for name in sorted(family_of)]
    return HEADER + "".join(lines) + "}\n"


if __name__ == "__main__":
    Path(names.__file__).write_text(names_source())
