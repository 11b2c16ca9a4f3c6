"""Looking a generator up imports the family module that defines it and nothing else; the name index that
makes this possible (generators/names.py) is the one the full catalogue writes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from mock_pipelines.core.generators import FAMILIES, names
from mock_pipelines.core.generators.write_names import names_source

REPO = Path(__file__).resolve().parents[2]


def test_the_name_index_is_current():
    assert Path(names.__file__).read_text() == names_source(), \
        "regenerate with: python -m mock_pipelines.core.generators.write_names"


def families_imported_by(code: str) -> dict:
    """Run ``code`` in a fresh process without plugins; report its printed value and the families imported."""
    script = (f"import json, sys\n{code}\n"
              "loaded = sorted(m.rsplit('.', 1)[1] for m in sys.modules\n"
              "                if m.startswith('mock_pipelines.core.generators.') and not m.endswith('.names'))\n"
              "print(json.dumps({'value': value, 'families': loaded}))")
    env = {k: v for k, v in os.environ.items() if k != "MOCK_PIPELINES_PLUGINS"}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=REPO,
                         env=env)
    return json.loads(out.stdout)


def test_a_generator_or_an_alias_imports_only_its_family():
    seen = families_imported_by("from mock_pipelines.core import registry\n"
                                "value = [registry.get('iban').name, registry.get('zip').name]")
    assert seen["value"] == ["iban", "zipcode"]
    # finance and address, and the modules they import (finance: datetime, identifiers; address: person,
    # templating); none of the other families
    assert set(seen["families"]) == {"finance", "datetime", "identifiers", "address", "person", "templating"}


def test_a_vocabulary_imports_only_its_family():
    seen = families_imported_by("from mock_pipelines.core.vocab import vocabulary\n"
                                "value = len(vocabulary('company.department', 'en_US')) > 0")
    assert seen["value"] is True
    assert "company" in seen["families"] and "finance" not in seen["families"]


def test_an_unknown_name_is_looked_for_in_the_whole_catalogue_to_suggest_one():
    seen = families_imported_by("from mock_pipelines.core import registry\n"
                                "try:\n    registry.get('frist_name')\nexcept KeyError as exc:\n"
                                "    value = str(exc)")
    assert seen["value"] == "unknown generator 'frist_name' — did you mean 'first_name'?"
    assert set(FAMILIES) <= set(seen["families"])
