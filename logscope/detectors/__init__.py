"""Detectors: each module holds one ``detect(run, *, ...) -> list[Finding]``.

A detector's keyword-only parameters are its configuration: ``parameters(name)``
reads them from the signature, and :func:`run_detectors` rejects unknown names.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..errors import ConfigError
from ..model import Finding, Run, Scalar
from . import _series, divergence, nan, noisy, overfitting, plateau, spike, suspicious, underfitting

Detector = Callable[..., list[Finding]]

#: Registered detectors, in the order they run.
DETECTORS: dict[str, Detector] = {
    "nan": nan.detect,
    "divergence": divergence.detect,
    "spike": spike.detect,
    "plateau": plateau.detect,
    "overfitting": overfitting.detect,
    "underfitting": underfitting.detect,
    "noisy": noisy.detect,
    "suspicious": suspicious.detect,
}


def parameters(name: str) -> dict[str, Scalar]:
    """The keyword-only parameters of detector ``name`` with their defaults."""
    sig = inspect.signature(DETECTORS[name])
    return {
        p.name: p.default
        for p in sig.parameters.values()
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    }


def validate_config(config: Mapping[str, Mapping[str, Any]], only: Sequence[str] | None = None) -> None:
    """Raise ConfigError for an unknown detector or parameter name."""
    for name in list(config) + list(only or ()):
        if name not in DETECTORS:
            raise ConfigError(f"unknown detector {name!r}; choose from: {', '.join(DETECTORS)}")
    for name, params in config.items():
        known = parameters(name)
        for key in params:
            if key not in known:
                raise ConfigError(
                    f"unknown parameter {key!r} for detector {name!r}; choose from: {', '.join(known) or '(none)'}"
                )


def run_detectors(
    run: Run,
    config: Mapping[str, Mapping[str, Any]] | None = None,
    only: Sequence[str] | None = None,
) -> list[Finding]:
    """Every (or ``only`` the named) detector on ``run``, with per-detector parameters."""
    config = config or {}
    validate_config(config, only)
    findings: list[Finding] = []
    try:
        for name, detect in DETECTORS.items():
            if only and name not in only:
                continue
            findings.extend(detect(run, **config.get(name, {})))
    finally:
        _series.clear_cache()  # the run's prepared series are not needed again; free them with the run
    return findings
