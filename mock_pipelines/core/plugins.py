"""Plugins: generators and expectations from the user's own Python modules.

Two ways in, both resolved to plain module imports:

* entry points of an installed distribution — group ``mock_pipelines.generators`` (each entry point names a
  module; importing it registers its generators with ``@generator``) and group
  ``mock_pipelines.expectations`` (a module defining Great Expectations expectation classes);
* local modules — a profile's ``plugins:`` list, ``--plugin MODULE`` of the CLI and the
  ``MOCK_PIPELINES_PLUGINS`` environment variable (comma-separated), imported from the project folder.

Generator plugins load with the catalogue (:func:`mock_pipelines.core.registry.load_catalogue`), after the
built-in generators, so a plugin can never take a built-in's name. Expectation plugins are imported only when
the quality layer starts Great Expectations (importing them imports GX, which costs seconds); before that,
:func:`plugin_source` lets the schema checks read their class names from the source.

Whatever goes wrong while importing a plugin becomes one :class:`PluginError` naming the plugin, the first
line of the cause and a suggestion; the generators it registered before failing are taken back.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import os
import sys
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from types import ModuleType

GENERATOR_GROUP = "mock_pipelines.generators"
EXPECTATION_GROUP = "mock_pipelines.expectations"
PLUGINS_ENV = "MOCK_PIPELINES_PLUGINS"


@dataclass(frozen=True)
class Plugin:
    """One plugin module and how it was found (an entry point of a distribution, or a local module)."""

    module: str
    entry_point: str | None = None  # the entry point's name; None for a local module
    distribution: str | None = None  # "name version" of the distribution declaring the entry point
    group: str | None = None
    origin: str | None = None  # what named a local module: "--plugin", "MOCK_PIPELINES_PLUGINS", a profile

    @property
    def label(self) -> str:
        """How errors and listings name the plugin: ``loyalty (example-plugin 0.1)`` or the module name."""
        if self.entry_point is None:
            return self.module
        return f"{self.entry_point} ({self.distribution})" if self.distribution else self.entry_point

    def describe(self) -> str:
        if self.entry_point is None:
            return f"plugin module {self.module!r}" + (f" (from {self.origin})" if self.origin else "")
        return f"plugin {self.label!r} (entry point of {self.group}, module {self.module!r})"


class PluginError(Exception):
    """A plugin that cannot be loaded: what it is, why (the cause's first line) and what to do."""

    def __init__(self, plugin: Plugin, cause: str, suggestion: str):
        super().__init__(f"{plugin.describe()} cannot be loaded: {cause}")
        self.plugin = plugin
        self.cause = cause
        self.suggestion = suggestion

    @property
    def message(self) -> str:
        return str(self.args[0])


# ---- finding plugins (nothing is imported) -------------------------------------------------------------------

def entry_point_plugins(group: str) -> list[Plugin]:
    """The plugins installed distributions declare in ``group``, sorted by entry-point name."""
    return list(_entry_point_plugins(group, _path_state()))


def _path_state() -> tuple[tuple[str, int | None], ...]:
    """``sys.path`` with each folder's modification time: installing or removing a distribution changes it."""
    state = []
    for entry in sys.path:
        try:
            state.append((entry, os.stat(entry or ".").st_mtime_ns))
        except OSError:
            state.append((entry, None))
    return tuple(state)


@lru_cache(maxsize=16)
def _entry_point_plugins(group: str, _path: tuple[tuple[str, int | None], ...]) -> tuple[Plugin, ...]:
    """Reading every distribution's entry points costs a few milliseconds, and validating a schema's
    expectations asks for them once per expectation: read once per state of the path."""
    found = []
    for ep in importlib.metadata.entry_points(group=group):
        dist = getattr(ep, "dist", None)
        name = f"{dist.metadata['Name']} {dist.version}" if dist is not None else None
        found.append(Plugin(ep.module, ep.name, name, group))
    return tuple(sorted(found, key=lambda p: (p.entry_point or "", p.module)))


def env_plugin_modules() -> list[str]:
    """The modules named by ``MOCK_PIPELINES_PLUGINS`` (comma-separated; blanks ignored)."""
    return [m.strip() for m in os.environ.get(PLUGINS_ENV, "").split(",") if m.strip()]


def plugin_source(plugin: Plugin) -> Path | None:
    """The source file of a plugin module, found without importing it (its parent packages are imported,
    as ``importlib.util.find_spec`` does); None for a module without Python source. PluginError when the
    module cannot be found."""
    if plugin.module in sys.modules:
        origin = getattr(sys.modules[plugin.module], "__file__", None)
        return Path(origin) if origin else None
    try:
        spec = importlib.util.find_spec(plugin.module)
    except Exception as exc:  # a parent package that fails to import
        raise _error(plugin, exc) from None
    if spec is None:
        raise _error(plugin, ModuleNotFoundError(f"No module named {plugin.module!r}", name=plugin.module))
    return Path(spec.origin) if spec.origin and spec.origin.endswith(".py") else None


# ---- importing plugins ---------------------------------------------------------------------------------------

_loaded: dict[str, Plugin] = {}  # module -> plugin, every plugin imported in this process (any kind)
_local: dict[str, Plugin] = {}  # module -> plugin, the local modules (profile, --plugin, environment)


def import_plugin(plugin: Plugin) -> ModuleType:
    """Import a plugin module once; the generators it registers are marked as its own. PluginError (and the
    generators registered before the failure taken back) when the import fails or a name clashes."""
    from mock_pipelines.core import registry

    if plugin.module in _loaded and plugin.module in sys.modules:
        return sys.modules[plugin.module]
    registry._load_builtins()  # every built-in first: a plugin that takes a built-in's name is refused, and
    # a built-in family the plugin imports is not counted as the plugin's
    before = set(registry.REGISTRY)
    aliases_before = set(registry._ALIASES)
    try:
        module = importlib.import_module(plugin.module)
    except BaseException as exc:
        for name in set(registry.REGISTRY) - before:
            del registry.REGISTRY[name]
        for alias in set(registry._ALIASES) - aliases_before:
            del registry._ALIASES[alias]
        for name in [m for m in sys.modules if m == plugin.module or m.startswith(plugin.module + ".")]:
            del sys.modules[name]  # a second attempt imports again rather than finding half a module
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise _error(plugin, exc) from None
    for name, gen in list(registry.REGISTRY.items()):  # new ones, and those of a module imported earlier
        if gen.plugin is None and (name not in before or getattr(gen.fn, "__module__", None) == module.__name__):
            registry.REGISTRY[name] = replace(gen, plugin=plugin.label)
    _loaded[plugin.module] = plugin
    return module


def _error(plugin: Plugin, exc: BaseException) -> PluginError:
    """The PluginError of a failed import: the cause's first line and a suggestion fitting the cause."""
    from mock_pipelines.core.registry import GeneratorClash

    first = (str(exc).strip().splitlines() or [""])[0]
    cause = f"{type(exc).__name__}: {first}" if first else type(exc).__name__
    if isinstance(exc, GeneratorClash):
        return PluginError(plugin, str(exc), f"rename the plugin's generator, e.g. to 'my_{exc.name}'")
    if isinstance(exc, ModuleNotFoundError) and exc.name and (plugin.module == exc.name
                                                              or plugin.module.startswith(exc.name + ".")):
        where = "from the project folder" if plugin.entry_point is None else "by the distribution"
        return PluginError(plugin, cause, f"check the module name, and that it is importable {where} "
                           "(python -c 'import " + plugin.module + "')")
    if isinstance(exc, ImportError):
        return PluginError(plugin, cause, "install what the plugin imports into the same environment as "
                           "mock-pipelines")
    if isinstance(exc, SyntaxError):
        line = f"{exc.filename}:{exc.lineno}: " if exc.filename else ""
        return PluginError(plugin, f"SyntaxError at {line}{exc.msg}", "fix the plugin's source")
    if isinstance(exc, SystemExit):
        return PluginError(plugin, f"it called exit({exc.code!r}) while being imported",
                           "a plugin module must not exit when imported")
    return PluginError(plugin, cause, f"run python -c 'import {plugin.module}' to see the full traceback")


def load_generator_plugins() -> None:
    """Import the entry points of ``mock_pipelines.generators`` and the ``MOCK_PIPELINES_PLUGINS`` modules
    (called by the catalogue once the built-in generators are registered). PluginError for the first that
    fails (the catalogue tries again at its next load, so a broken plugin is never silently missing)."""
    for plugin in entry_point_plugins(GENERATOR_GROUP):
        import_plugin(plugin)
    use_local_plugins(env_plugin_modules(), Path.cwd(), origin=PLUGINS_ENV)


def use_local_plugins(modules: list[str] | tuple[str, ...], root: Path | None = None,
                      origin: str | None = None) -> list[Plugin]:
    """Import local plugin modules (a profile's ``plugins:``, ``--plugin``), ``root`` first on ``sys.path``
    so modules of the project folder are found; ``origin`` says what named them, for errors. Returns their
    plugins; PluginError for the first that fails."""
    from mock_pipelines.core.registry import load_catalogue

    if not modules:
        return []
    if root is not None and str(root) not in sys.path:
        sys.path.insert(0, str(root))
        importlib.invalidate_caches()
    load_catalogue()  # installed and environment plugins first (each after every built-in: import_plugin)
    plugins = []
    for module in modules:
        plugin = _local.get(module) or Plugin(module, origin=origin)
        import_plugin(plugin)
        _local[module] = plugin
        plugins.append(plugin)
    return plugins


def local_plugins() -> list[Plugin]:
    """The local plugin modules imported so far, in the order they were first named."""
    return list(_local.values())


def expectation_plugins() -> list[Plugin]:
    """Where expectation classes may come from: the ``mock_pipelines.expectations`` entry points, then the
    local modules (a local module may define generators and expectations alike)."""
    return [*entry_point_plugins(EXPECTATION_GROUP), *local_plugins()]


def load_expectation_plugins() -> list[ModuleType]:
    """Import every expectation plugin (the quality layer calls this once it has started GX)."""
    return [import_plugin(p) for p in expectation_plugins()]
