"""The example plugin made discoverable without installing it: its folder holds the package and a hand-made
``example_plugin-0.1.dist-info`` (METADATA, entry_points.txt), so putting the folder on ``sys.path`` (in
this process) or ``PYTHONPATH`` (in a child process) is all importlib.metadata needs to find its entry
points. Everything a test changes in the process (the catalogue, the plugins loaded, GX's plugin classes) is
put back afterwards, so no other test sees the plugin."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent / "example_plugin"
ROOT = Path(__file__).resolve().parents[2]
PLUGIN_LABEL = "loyalty (example-plugin 0.1)"


def plugin_env(*paths: Path, **extra: str) -> dict[str, str]:
    """The environment of a child process that sees the example plugin (and ``paths``) on its path."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DAGSTER_HOME", "MOCK_PIPELINES_PROFILE", "MOCK_PIPELINES_PLUGINS", "PYTHONPATH")}
    env["PYTHONPATH"] = os.pathsep.join(str(p) for p in (EXAMPLE, *paths))
    env.update(extra)
    return env


def cli(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None,
        timeout: int = 300) -> subprocess.CompletedProcess:
    """``mock-pipelines ARGS`` in a real process (exit codes and stderr as a person sees them)."""
    return subprocess.run([sys.executable, "-m", "mock_pipelines.cli", *args], capture_output=True, text=True,
                          cwd=cwd, env=plugin_env() if env is None else env, timeout=timeout)


@contextmanager
def plugin_state(*paths: Path) -> Iterator[None]:
    """``paths`` (default: the example plugin's folder) on sys.path for the block; the catalogue, the plugin
    records and the modules imported from ``paths`` restored afterwards."""
    from mock_pipelines.core import plugins, registry
    from mock_pipelines.quality import expectations

    paths = paths or (EXAMPLE,)
    registry._load_builtins()  # the built-ins stay: what is put back is the catalogue with them
    saved = (dict(registry.REGISTRY), dict(registry._ALIASES), registry._LOADED, dict(plugins._loaded),
             dict(plugins._local), list(sys.path))
    modules_before = set(sys.modules)
    sys.path[:0] = [str(p) for p in paths]
    importlib.invalidate_caches()
    registry._LOADED = False  # the next catalogue load looks for plugins again
    expectations._plugin_classes.cache_clear()
    try:
        yield
    finally:
        registry.REGISTRY.clear()
        registry.REGISTRY.update(saved[0])
        registry._ALIASES.clear()
        registry._ALIASES.update(saved[1])
        registry._LOADED = saved[2]
        plugins._loaded.clear()
        plugins._loaded.update(saved[3])
        plugins._local.clear()
        plugins._local.update(saved[4])
        sys.path[:] = saved[5]
        for name in set(sys.modules) - modules_before:
            origin = getattr(sys.modules[name], "__file__", None) or ""
            if any(origin.startswith(str(p)) for p in paths):
                del sys.modules[name]
        importlib.invalidate_caches()
        expectations._plugin_classes.cache_clear()
