"""The detectors' normal tail (logscope/detectors/_ndtr.py) is scipy.special.ndtr, bit for bit.

The p-values of the trend tests, plateaus and spikes in every report depend on its last bit
(issue 7: it replaces scipy.special, whose import cost 0.3 s of every start).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

from logscope.detectors._ndtr import NDTRI_0025, ndtr


def _same_bits(args: np.ndarray) -> None:
    expect = special.ndtr(args)
    got = np.array([ndtr(float(a)) for a in args])
    nan = np.isnan(expect)
    assert np.array_equal(np.isnan(got), nan)
    differ = np.flatnonzero(got[~nan].view(np.int64) != expect[~nan].view(np.int64))
    assert differ.size == 0, [(float(a), float(g), float(e)) for a, g, e in
                              zip(args[~nan][differ][:5], got[~nan][differ][:5], expect[~nan][differ][:5])]


def test_ndtr_equals_scipy_on_random_arguments() -> None:
    rng = np.random.default_rng(7)
    _same_bits(np.concatenate([rng.standard_normal(100_000) * 3, rng.uniform(-45, 45, 100_000),
                               rng.standard_normal(20_000) * 1e-3, np.linspace(-40, 40, 40_001)]))


def test_ndtr_equals_scipy_at_every_branch_boundary() -> None:
    # |a| / sqrt(2) crossing 1 (erf to erfc), 8 (erfc's second rational), MAXLOG (underflow)
    # and 0, with 200 neighbouring doubles on each side of each
    args = []
    for edge in [0.0, math.sqrt(2.0), 8 * math.sqrt(2.0), 37.519379347 * math.sqrt(2.0), 37.6, 38.5]:
        for sign in (1.0, -1.0):
            for toward in (math.inf, -math.inf):
                a = sign * edge
                for _ in range(200):
                    args.append(a)
                    a = math.nextafter(a, toward)
    _same_bits(np.array(args))


def test_ndtr_special_values() -> None:
    for a in [math.inf, -math.inf, 0.0, -0.0, 5e-324, -5e-324, 1e308, -1e308]:
        assert ndtr(a) == float(special.ndtr(a))
    assert math.isnan(ndtr(math.nan))


def test_ndtri_constant_equals_scipy() -> None:
    assert NDTRI_0025 == float(special.ndtri((1.0 - 0.95) / 2.0))
