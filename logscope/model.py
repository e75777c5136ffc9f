"""Plain data: runs of series read from logs, findings about them, and the report.

Everything here is a frozen dataclass with no formatting and no I/O; readers build
these objects, detectors read them, renderers turn a :class:`Report` into text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal, Union

import numpy as np

Split = Literal["train", "val", "test", "other"]
Direction = Literal["min", "max"]
SeverityName = Literal["info", "warning", "error"]

#: Severities from least to most serious; ``SEVERITY_RANK[s]`` orders them.
SEVERITIES: tuple[SeverityName, ...] = ("info", "warning", "error")
SEVERITY_RANK: Mapping[str, int] = {name: rank for rank, name in enumerate(SEVERITIES)}

#: A value in a finding's evidence or a run's hyperparameters.
Scalar = Union[str, int, float, bool, None]


@dataclass(frozen=True, eq=False)
class Series:
    """One logged quantity of one run: steps and values as parallel arrays.

    ``steps`` is int64 and sorted ascending once a reader has resolved restarts;
    ``values`` is float64 and keeps NaN and inf (they are evidence).
    ``split``, ``metric`` and ``direction`` are the inferred role (see ``roles``).
    """

    name: str
    steps: np.ndarray
    values: np.ndarray
    wall_times: np.ndarray | None = None
    split: Split = "other"
    metric: str = "other"
    direction: Direction = "min"

    def __post_init__(self) -> None:
        if self.steps.shape != self.values.shape:
            raise ValueError(
                f"series {self.name!r}: {self.steps.shape[0]} steps but {self.values.shape[0]} values"
            )
        if self.wall_times is not None and self.wall_times.shape != self.steps.shape:
            raise ValueError(f"series {self.name!r}: wall_times length differs from steps")

    def __len__(self) -> int:
        return int(self.steps.shape[0])


@dataclass(frozen=True)
class ReadWarning:
    """Something a reader could not read, or read only in part.

    ``file`` is the posix path relative to the analysed root; ``kind`` is a short
    machine-readable word (``truncated``, ``crc``, ``skipped``, ``restart`` ...).
    """

    file: str
    kind: str
    message: str


@dataclass(frozen=True)
class Run:
    """One training run: every series a reader found for it.

    ``name`` is the posix path of the run relative to the analysed root; ``pairs``
    holds (training series name, validation series name) twins.
    """

    name: str
    format: str
    series: tuple[Series, ...]
    warnings: tuple[ReadWarning, ...] = ()
    hparams: Mapping[str, Scalar] = field(default_factory=dict)
    pairs: tuple[tuple[str, str], ...] = ()
    source: str = ""

    def get(self, name: str) -> Series | None:
        """The series called ``name``, or None."""
        for series in self.series:
            if series.name == name:
                return series
        return None


@dataclass(frozen=True)
class Finding:
    """A judgement about a run, with the numbers behind it and what to do.

    ``step`` is the onset (first step where it applies) and ``end_step`` the last
    step it covers (equal to ``step`` for a point event, None when open-ended is
    meaningless). ``fixes`` are ranked, most useful first.
    """

    kind: str
    severity: SeverityName
    run: str
    series: tuple[str, ...]
    step: int | None
    end_step: int | None
    message: str
    evidence: Mapping[str, Scalar] = field(default_factory=dict)
    fixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Report:
    """The result of one analysis: runs, findings, and warnings about files.

    ``warnings`` are about files that belong to no run (unrecognised or unreadable);
    warnings about a run's own files live on the run.
    """

    runs: tuple[Run, ...]
    findings: tuple[Finding, ...]
    warnings: tuple[ReadWarning, ...] = ()
    logscope_version: str = ""
    config: Mapping[str, Mapping[str, Scalar]] = field(default_factory=dict)

    def findings_for(self, run: str) -> tuple[Finding, ...]:
        """The findings about the run called ``run``, in report order."""
        return self._by_run.get(run, ())

    @cached_property
    def _by_run(self) -> dict[str, tuple[Finding, ...]]:
        # Built once: a scan of every finding per run was quadratic, 0.5 s for 2,000 runs.
        by_run: dict[str, list[Finding]] = {}
        for f in self.findings:
            by_run.setdefault(f.run, []).append(f)
        return {name: tuple(found) for name, found in by_run.items()}

    @property
    def worst(self) -> SeverityName | None:
        """The most serious severity among the findings, or None if there are none."""
        if not self.findings:
            return None
        return max((f.severity for f in self.findings), key=SEVERITY_RANK.__getitem__)
