"""Load YAML files that operators write, and validate them with messages that name the file,
the line and the field, so a typo is fixed in one go."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from bot.core.errors import PulseError

M = TypeVar("M", bound=BaseModel)


class ConfigError(PulseError):
    """Configuration that cannot be used; the message says what is wrong and how to fix it."""


def _lines(
    node: yaml.Node, path: tuple[str | int, ...], out: dict[tuple[str | int, ...], int]
) -> None:
    out.setdefault(path, node.start_mark.line + 1)  # a key keeps its own line, not its value's
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = key.value
            out[(*path, name)] = key.start_mark.line + 1
            _lines(value, (*path, name), out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _lines(item, (*path, i), out)


def read_yaml(path: Path) -> tuple[Any, dict[tuple[str | int, ...], int]]:
    """Parsed content and the line of every key and item in it."""
    try:
        source = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({exc})") from None
    try:
        node = yaml.compose(source, Loader=yaml.SafeLoader)
        data = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{path}{where}: not valid YAML: {problem}") from None
    lines: dict[tuple[str | int, ...], int] = {}
    if node is not None:
        _lines(node, (), lines)
    return data, lines


def describe_errors(
    path: Path, exc: ValidationError, lines: Mapping[tuple[str | int, ...], int]
) -> str:
    messages = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        line = None
        for depth in range(len(loc), -1, -1):
            line = lines.get(loc[:depth])
            if line is not None:
                break
        field = ".".join(str(p) for p in loc) or "(top level)"
        where = f"{path}:{line}" if line else str(path)
        messages.append(f"{where}: {field}: {error['msg']}")
    return "\n".join(messages)


def validate_yaml(path: Path, model: type[M], defaults: Mapping[str, Any] | None = None) -> M:
    """Validate a YAML file against ``model``; ``defaults`` are deep-merged under its content."""
    data, lines = read_yaml(path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1: expected a mapping of settings at the top level")
    merged = deep_merge(dict(defaults or {}), data)
    try:
        return model.model_validate(merged)
    except ValidationError as exc:
        raise ConfigError(describe_errors(path, exc, lines)) from None


def deep_merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(dict(out[key]), value)
        else:
            out[key] = value
    return out
