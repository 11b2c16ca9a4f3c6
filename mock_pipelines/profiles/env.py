"""Values read from the environment: ``{env: NAME}`` in a profile is an :class:`EnvRef`, resolved by
:func:`resolve_env` when the value is used, never when the profile is loaded, so a profile never holds a
secret and loads on a machine where the variable is unset."""

from __future__ import annotations

import os
import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict
from pydantic_core import PydanticCustomError

from mock_pipelines.spec.errors import suggest

ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\Z")


class MissingEnvVar(RuntimeError):
    """A profile names an environment variable that is not set (or empty) at the time it is needed."""

    def __init__(self, name: str, what: str | None = None):
        self.name = name
        needed = f" (needed for {what})" if what else ""
        super().__init__(f"environment variable {name} is not set{needed}: set it, e.g. `export {name}=…`, "
                         "or choose another profile")


class EnvRef(BaseModel):
    """``{env: NAME}``: the value is read from the environment variable NAME when it is used."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    env: str

    def resolve(self, what: str | None = None) -> str:
        return resolve_env(self, what)

    def __str__(self) -> str:
        return f"{{env: {self.env}}}"


def resolve_env(value: EnvRef | str | None, what: str | None = None) -> str | None:
    """The value to use: a literal as written, or the environment variable an :class:`EnvRef` names.

    Raises :class:`MissingEnvVar` naming the variable when it is unset or empty; the error never holds the
    value of any variable.
    """
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict) and set(value) == {"env"}:
        value = EnvRef(env=value["env"])
    if not isinstance(value, EnvRef):
        raise TypeError(f"expected a string or {{env: NAME}}, got {type(value).__name__}")
    resolved = os.environ.get(value.env)
    if not resolved:
        raise MissingEnvVar(value.env, what)
    return resolved


def _env_or_literal(value: Any) -> Any:
    if isinstance(value, EnvRef) or value is None:
        return value
    if isinstance(value, dict):
        if set(value) != {"env"}:
            extra = sorted(str(k) for k in value if k != "env")
            raise PydanticCustomError(
                "env_ref", "an environment reference has exactly one key, `env:`" + (
                    f"; unexpected {', '.join(map(repr, extra))}" if extra else ""),
                {"expected": "{env: NAME}", "suggestion": suggest(extra[0], ["env"]) if extra else None})
        name = value["env"]
        if not isinstance(name, str) or not ENV_NAME.match(name):
            raise PydanticCustomError(
                "env_name", "`env:` must be the name of an environment variable",
                {"expected": "letters, digits and underscores, e.g. {env: MOCK_PIPELINES_DB_URL}"})
        return EnvRef(env=name)
    if isinstance(value, str):
        return value
    raise PydanticCustomError("env_or_str", "must be a string or an environment reference",
                              {"expected": "a literal string, or {env: NAME}"})


def _env_name(value: Any) -> Any:
    if not isinstance(value, str) or not ENV_NAME.match(value):
        raise PydanticCustomError("env_name", "must be the name of an environment variable, not a value",
                                  {"expected": "letters, digits and underscores, e.g. AWS_ACCESS_KEY_ID"})
    return value


EnvOrLiteral = Annotated[EnvRef | str, BeforeValidator(_env_or_literal)]
EnvName = Annotated[str, BeforeValidator(_env_name)]
