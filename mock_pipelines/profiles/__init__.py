"""Run profiles: *how* a run happens — which datasets, seed and scale, partitions, where the rows land,
schedules, sensors and checks — kept apart from the schemas, which say *what* the data looks like.

A profile is ``profiles/<name>.yaml`` under the project root, selected by the ``MOCK_PIPELINES_PROFILE``
environment variable (default ``local``); a path to a YAML file is accepted as well. The project root is
``MOCK_PIPELINES_HOME`` if set, else the repository holding this package. Relative paths inside a profile
(``data``, ``schemas/...``, sqlite files, the request inbox) are resolved against the project root.

Secrets never appear in a profile: values that look like one (a password in a URL, a literal ``secret:``
or ``key:``) are rejected; write ``{env: NAME}`` and the variable is read by
:func:`~mock_pipelines.profiles.env.resolve_env` when the value is used, never when the profile is loaded.

The modules, each imported by what it holds:

* :mod:`.model` — the validated :class:`~.model.Profile` and its sections (destinations, partitions, ...);
* :mod:`.loading` — :func:`~.loading.load_profile`: file reading, validation, errors with file:line;
* :mod:`.env` — ``{env: NAME}`` references and their resolution;
* :mod:`.layout` — the project root and the profiles/ and schemas/ folders in it.

The package's entry points, :func:`load_profile` and :func:`resolve_env` (with :class:`Profile` and
:class:`MissingEnvVar`), are importable from the package itself, as they were before it was split.

The package sits above the stores (a profile names destinations) and imports neither them nor Dagster; the
code location maps a profile onto Dagster objects.
"""

from mock_pipelines.profiles.env import MissingEnvVar, resolve_env
from mock_pipelines.profiles.loading import load_profile
from mock_pipelines.profiles.model import Profile

__all__ = ["MissingEnvVar", "Profile", "load_profile", "resolve_env"]
