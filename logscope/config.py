"""The configuration file: ``logscope.toml``, or ``[tool.logscope]`` in ``pyproject.toml``.

Looked for in this order: the file given with ``--config``; ``logscope.toml``
in the analysed folder (the first PATH, or a file's folder); ``logscope.toml``
in the current folder; ``[tool.logscope]`` in ``pyproject.toml`` of the
current folder. Sections::

    [roles]
    pair = ["train_loss=val_loss"]          # TRAIN=VAL twins
    higher_is_better = ["my_metric", "*iou*"]
    lower_is_better = ["my_error"]

    [detectors.nan]                          # a detector's parameters
    ...

Command-line options are applied on top (they win).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .detectors import validate_config
from .errors import ConfigError
from .roles import RoleOverrides

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

FILE_NAME = "logscope.toml"
SECTIONS = ("roles", "detectors")
ROLE_KEYS = ("pair", "higher_is_better", "lower_is_better")


@dataclass(frozen=True)
class Settings:
    """What a configuration file says: role overrides and detector parameters, and where it came from."""

    roles: RoleOverrides = field(default_factory=RoleOverrides)
    detectors: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    path: Path | None = None


def find(paths: Sequence[Path], cwd: Path | None = None) -> Path | None:
    """The configuration file that applies to analysing ``paths`` from ``cwd``, if any."""
    cwd = Path.cwd() if cwd is None else cwd
    if paths:
        first = Path(paths[0])
        folder = first if first.is_dir() else first.parent
        if (folder / FILE_NAME).is_file():
            return folder / FILE_NAME
    if (cwd / FILE_NAME).is_file():
        return cwd / FILE_NAME
    pyproject = cwd / "pyproject.toml"
    if pyproject.is_file():
        try:
            data = _toml(pyproject)
        except ConfigError:
            return None  # someone else's broken pyproject.toml is not our configuration
        if isinstance(data.get("tool"), Mapping) and "logscope" in data["tool"]:
            return pyproject
    return None


def load(path: Path) -> Settings:
    """Read and check a configuration file; ConfigError names the file and the problem."""
    data = _toml(path)
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("logscope", {})
    if not isinstance(data, Mapping):
        raise ConfigError(f"{path}: [tool.logscope] must be a table")
    unknown = sorted(set(data) - set(SECTIONS))
    if unknown:
        raise ConfigError(f"{path}: unknown section {', '.join(unknown)}; known: {', '.join(SECTIONS)}")
    roles = data.get("roles", {})
    detectors = data.get("detectors", {})
    if not isinstance(roles, Mapping) or not isinstance(detectors, Mapping):
        raise ConfigError(f"{path}: [roles] and [detectors] must be tables")
    bad = sorted(set(roles) - set(ROLE_KEYS))
    if bad:
        raise ConfigError(f"{path}: unknown key {', '.join(bad)} in [roles]; known: {', '.join(ROLE_KEYS)}")
    lists = {}
    for key in ROLE_KEYS:
        value = roles.get(key, [])
        value = [value] if isinstance(value, str) else value
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{path}: roles.{key} must be a list of strings")
        lists[key] = value
    for name, params in detectors.items():
        if not isinstance(params, Mapping):
            raise ConfigError(f"{path}: [detectors.{name}] must be a table of parameters")
    try:
        validate_config(detectors)
        overrides = RoleOverrides.parse(lists["pair"], lists["higher_is_better"], lists["lower_is_better"])
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return Settings(roles=overrides, detectors={k: dict(v) for k, v in detectors.items()}, path=path)


def resolve(explicit: Path | None, paths: Sequence[Path], cwd: Path | None = None) -> Settings:
    """The settings for a run: ``explicit`` (``--config``) if given, else the file :func:`find` finds."""
    if explicit is not None:
        if not Path(explicit).is_file():
            raise ConfigError(f"no such configuration file: {explicit}")
        return load(Path(explicit))
    found = find(paths, cwd)
    return load(found) if found is not None else Settings()


def _toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
