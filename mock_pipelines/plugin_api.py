"""The API for plugin authors: everything a generator plugin needs, from one stable import.

A plugin registers generators exactly as the built-in ones do (see ``mock_pipelines/core/generators/``)::

    from mock_pipelines.plugin_api import Facts, GenContext, generator

Values must be computed from ``ctx`` only (its row indices, column key and the randomness it draws from
them), so a plugin generator is as reproducible as a built-in one, chunk by chunk and on any worker.
This module sits on the core floor (it re-exports the core and imports nothing above it).
See docs/plugins.md for a worked example.
"""

from __future__ import annotations

from mock_pipelines.core.facts import (
    NO_FACTS,
    Categorical,
    Facts,
    Normal,
    Uniform,
    UniformInt,
    ValueSet,
    scheme,
)
from mock_pipelines.core.plugins import EXPECTATION_GROUP, GENERATOR_GROUP, PLUGINS_ENV, PluginError
from mock_pipelines.core.registry import ColumnRef, GenContext, ParamError, generator
from mock_pipelines.core.strings import from_bytes_matrix

__all__ = [
    "EXPECTATION_GROUP",
    "GENERATOR_GROUP",
    "NO_FACTS",
    "PLUGINS_ENV",
    "Categorical",
    "ColumnRef",
    "Facts",
    "GenContext",
    "Normal",
    "ParamError",
    "PluginError",
    "Uniform",
    "UniformInt",
    "ValueSet",
    "from_bytes_matrix",
    "generator",
    "scheme",
]
