"""Reading channel settings: credentials.yml first, environment variables second.

Why: secrets (tokens, app secrets) belong in the environment, while a district may still
prefer to keep non-secret tuning (click table, reply budget) in credentials.yml; an empty
yml value must not hide the environment variable.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from rasa.shared.exceptions import RasaException


class ChannelConfigError(RasaException):
    """A channel setting is missing or cannot be understood."""


def pick(credentials: Mapping[str, Any] | None, key: str, env: str | None) -> Any:
    """The yml value for `key` when set and non-empty, else the env var `env`, else None."""
    value = (credentials or {}).get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        value = os.environ.get(env) if env else None
        if value is not None and not value.strip():
            value = None
    return value


def required(credentials: Mapping[str, Any] | None, key: str, env: str, channel: str) -> str:
    """A setting the channel cannot work without; raises a clear error naming both places."""
    value = pick(credentials, key, env)
    if value is None:
        raise ChannelConfigError(
            f"The {channel} channel needs '{key}' in credentials.yml or the {env} "
            "environment variable."
        )
    return str(value).strip()


def optional_str(credentials: Mapping[str, Any] | None, key: str, env: str | None) -> str | None:
    value = pick(credentials, key, env)
    return None if value is None else str(value).strip()


def number(
    credentials: Mapping[str, Any] | None, key: str, env: str | None, default: float
) -> float:
    value = pick(credentials, key, env)
    if value is None:
        return default
    try:
        result = float(value)
    except (TypeError, ValueError) as error:
        raise ChannelConfigError(f"Setting '{key}' must be a number, got {value!r}.") from error
    if result <= 0:
        raise ChannelConfigError(f"Setting '{key}' must be positive, got {value!r}.")
    return result


def mapping(credentials: Mapping[str, Any] | None, key: str, env: str | None) -> dict[str, str]:
    """A str→str table from yml (a mapping) or from the env var (a JSON object)."""
    value = pick(credentials, key, env)
    if value is None:
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as error:
            raise ChannelConfigError(f"Setting '{key}' must be a JSON object.") from error
    if not isinstance(value, Mapping):
        raise ChannelConfigError(f"Setting '{key}' must be a mapping, got {type(value)}.")
    return {str(k): str(v) for k, v in value.items()}
