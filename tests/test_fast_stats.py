"""The detectors' fast statistics give the same numbers, bit for bit, as the library calls they replace.

rolling medians (pandas), the Theil-Sen interval (scipy.stats.theilslopes), the normal tails
(scipy.stats.norm) and the Mann-Kendall S (the pairwise sign sum): the detectors' findings and
the gold reports depend on the last digit of each (issue 7). Every test runs twice: with the
compiled kernels (logscope/_medians.c) and with the numpy code used when they are not built.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from logscope import smoothing
from logscope.detectors import _stats
from logscope.detectors._stats import mann_kendall, norm_cdf, norm_sf, pair_indices, theil_sen
from logscope.smoothing import rolling_median, sliding_medians, window_medians


@pytest.fixture(autouse=True, params=["compiled", "numpy"])
def kernels(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Both implementations: the compiled kernels (skipped if not built) and the numpy fallback."""
    if request.param == "compiled" and smoothing._compiled is None:
        pytest.skip("logscope._medians is not compiled here")
    if request.param == "numpy":
        monkeypatch.setattr(smoothing, "_compiled", None)
        monkeypatch.setattr(_stats, "_compiled", None)
    yield request.param


def _pandas_rolling_median(y: np.ndarray, window: int) -> np.ndarray:
    window = max(1, int(window))
    window += window % 2 == 0
    if window == 1:
        return y.copy()
    clean = np.where(np.isfinite(y), y, np.nan)
    return pd.Series(clean).rolling(window, center=True, min_periods=1).median().to_numpy()


def _samples(rng: np.random.Generator, n: int, kind: int) -> np.ndarray:
    if kind == 0:
        return rng.standard_normal(n)
    if kind == 1:
        return np.round(rng.standard_normal(n), 1)  # many ties
    if kind == 2:
        return np.exp(30 * rng.standard_normal(n)) * rng.choice([-1.0, 1.0], n)  # wide magnitudes
    return 1.0 + 1e-3 * np.cumsum(rng.standard_normal(n))  # close values: the even-window mean's last bit


@pytest.mark.parametrize("kind", range(4))
def test_rolling_median_equals_pandas(kind: int) -> None:
    rng = np.random.default_rng(kind)
    for _ in range(300):
        n, window = int(rng.integers(1, 500)), int(rng.integers(1, 80))
        y = _samples(rng, n, kind)
        assert np.array_equal(rolling_median(y, window), _pandas_rolling_median(y, window), equal_nan=True)


def test_rolling_median_with_nan_equals_pandas() -> None:
    rng = np.random.default_rng(9)
    for _ in range(100):
        y = rng.standard_normal(int(rng.integers(1, 300)))
        y[rng.random(y.size) < 0.2] = rng.choice([np.nan, np.inf, -np.inf])
        window = int(rng.integers(1, 40))
        assert np.array_equal(rolling_median(y, window), _pandas_rolling_median(y, window), equal_nan=True)


def test_trailing_and_leading_windows_equal_pandas() -> None:
    # the spike detector's levels just before and just after each point
    rng = np.random.default_rng(8)
    for _ in range(200):
        n, h = int(rng.integers(1, 400)), int(rng.integers(1, 30))
        y = _samples(rng, n, int(rng.integers(0, 4)))
        i = np.arange(n)
        left = pd.Series(y).rolling(h, min_periods=1).median().shift(1).to_numpy()
        right = pd.Series(y)[::-1].rolling(h, min_periods=1).median().shift(1)[::-1].to_numpy()
        assert np.array_equal(window_medians(y, np.maximum(i - h, 0), i), left, equal_nan=True)
        assert np.array_equal(window_medians(y, i + 1, np.minimum(i + 1 + h, n)), right, equal_nan=True)


def test_sliding_and_window_medians_equal_numpy() -> None:
    rng = np.random.default_rng(3)
    for _ in range(300):
        n, w = int(rng.integers(1, 300)), int(rng.integers(1, 60))
        y = _samples(rng, n, int(rng.integers(0, 4)))
        expect = [np.median(y[j: j + w]) for j in range(n - w + 1)]
        assert np.array_equal(sliding_medians(y, w), np.array(expect, dtype=np.float64).reshape(-1))
        start = rng.integers(0, n, 20)
        stop = np.minimum(start + rng.integers(1, 70, 20), n)
        expect = [np.median(y[a:b]) for a, b in zip(start, stop)]
        assert np.array_equal(window_medians(y, start, stop), np.array(expect))


def test_theil_sen_equals_scipy() -> None:
    rng = np.random.default_rng(5)
    for i in range(600):
        n = int(rng.integers(2, 450))
        x = [np.arange(n) * 10.0, np.sort(rng.integers(0, n // 3 + 2, n)).astype(float),
             np.round(rng.standard_normal(n), 1)][i % 3]  # even, with repeats, unsorted with ties
        y = _samples(rng, n, i % 4)
        if np.all(x == x[0]):
            continue
        res = stats.theilslopes(y, x, alpha=0.95)
        got = theil_sen(x, y)
        assert got == (float(res.slope), float(res.low_slope), float(res.high_slope))


def test_theil_sen_keeps_scipy_signed_zeros() -> None:
    # a zero slope keeps the sign scipy gives it (x taken increasing; the median of -0.0 and -0.0 is 0.0)
    for x, y in [([3.0, 1.0, 2.0, 0.0], [0.0, -0.0, 0.0, -0.0]), ([0.0, 1.0], [-0.0, -0.0]),
                 ([2.0, 1.0, 0.0], [-0.0, 0.0, -0.0]), ([0.0, 1.0, 2.0, 3.0], [1.0, 1.0, -2.0, 1.0])]:
        res = stats.theilslopes(np.array(y), np.array(x), alpha=0.95)
        got = theil_sen(np.array(x), np.array(y))
        expect = (float(res.slope), float(res.low_slope), float(res.high_slope))
        assert got == expect and [np.signbit(v) for v in got] == [np.signbit(v) for v in expect]


def test_normal_tails_equal_scipy() -> None:
    for z in [-40.0, -8.3, -1.96, -1e-9, 0.0, 0.5, 1.6448536269514722, 7.0, 38.5, np.inf, -np.inf]:
        assert norm_sf(z) == float(stats.norm.sf(z))
        assert norm_cdf(z) == float(stats.norm.cdf(z))


def test_mann_kendall_s_is_the_pairwise_sign_sum() -> None:
    rng = np.random.default_rng(11)
    for n in [3, 4, 17, 100, 399, 400, 401, 700]:
        y = np.round(rng.standard_normal(n), 1)
        i, j = np.triu_indices(n, k=1)
        assert mann_kendall(y).s == float(np.sign(y[j] - y[i]).sum())


def test_pair_indices_are_every_pair_once() -> None:
    for n in [0, 1, 2, 5, 600, 30]:  # a longer list serves shorter series as a prefix
        first, second = pair_indices(n)
        i, j = np.triu_indices(n, k=1)
        assert sorted(zip(first.tolist(), second.tolist())) == sorted(zip(i.tolist(), j.tolist()))


@pytest.mark.parametrize("weight", [0.3, 0.6, 0.9, 0.999, 1.0])
def test_ema_loop_equals_lfilter(weight: float, monkeypatch: pytest.MonkeyPatch) -> None:
    # short series run TensorBoard's recurrence as a Python loop, long ones through scipy's lfilter
    y = _samples(np.random.default_rng(2), 20_000, 0)
    y[::97] = np.nan
    loop = smoothing.ema(y, weight)
    monkeypatch.setattr(smoothing, "LOOP_UP_TO", 0)
    assert np.array_equal(loop, smoothing.ema(y, weight), equal_nan=True)


def test_median_equals_numpy_bit_for_bit() -> None:
    import warnings

    from logscope.detectors._stats import median

    rng = np.random.default_rng(12)
    special = [0.0, -0.0, 5e-324, -5e-324, 1.0, -1.0, 1e308, -1e308, np.inf, -np.inf, 2.5]
    for i in range(3000):
        n = int(rng.integers(1, 9)) if i % 2 else int(rng.integers(1, 200))
        a = [rng.choice(special, n), rng.standard_normal(n), rng.integers(-5, 5, n),
             rng.choice([*special, np.nan], n)][i % 4]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # numpy warns about inf - inf; the value is what matters
            expect = float(np.median(a))
        got = median(a)
        assert (got == expect and np.signbit(got) == np.signbit(expect)) or (np.isnan(got) and np.isnan(expect))


def test_block_medians_equal_numpy() -> None:
    from logscope.detectors._series import blocks

    def numpy_blocks(x: np.ndarray, y: np.ndarray, max_blocks: int) -> tuple[np.ndarray, ...]:
        n = x.size
        if n <= max_blocks:
            return x, y, np.arange(n)
        m = -(-n // max_blocks)
        nb = -(-n // m)
        pad = nb * m - n
        xp = np.concatenate([x, np.full(pad, np.nan)]).reshape(nb, m)
        yp = np.concatenate([y, np.full(pad, np.nan)]).reshape(nb, m)
        if pad:
            return (np.append(np.median(xp[:-1], axis=1), np.nanmedian(xp[-1])),
                    np.append(np.median(yp[:-1], axis=1), np.nanmedian(yp[-1])), np.arange(nb) * m)
        return np.median(xp, axis=1), np.median(yp, axis=1), np.arange(nb) * m

    rng = np.random.default_rng(4)
    for i in range(400):
        n, most = int(rng.integers(1, 3000)), int(rng.choice([3, 37, 400, 1000]))
        x = np.sort(rng.integers(0, 10**6, n)).astype(float) if i % 2 else rng.standard_normal(n)
        y = rng.choice([0.0, -0.0, 1.0, -1.0], n) if i % 3 == 0 else _samples(rng, n, i % 4)
        for got, expect in zip(blocks(x, y, most), numpy_blocks(x, y, most)):
            assert np.array_equal(got, expect) and np.array_equal(np.signbit(got), np.signbit(expect))


def test_spike_shortcut_never_hides_an_exceedance() -> None:
    # _cannot_spike may only say "no" when the full residuals stay under the threshold everywhere
    from logscope.detectors import _series, spike
    from logscope.model import Series

    rng = np.random.default_rng(21)
    said_no = 0
    for i in range(150):
        n = int(rng.integers(500, 3000))
        y = np.cumsum(rng.standard_normal(n)) * 0.01 + rng.standard_normal(n) * rng.choice([0.01, 0.1, 1.0])
        hits = rng.integers(0, n, int(rng.integers(0, 4)))
        y[hits] += rng.choice([0.2, 1.0, 5.0])
        series = Series(name="loss", steps=np.arange(n), values=np.exp(y), split="train", metric="loss",
                        direction="min")
        p = _series.prepare(series)
        _, scale = spike.centred_residuals(p)
        threshold = np.maximum(rng.choice([2.0, 4.0, 8.0]) * scale, rng.choice([0.0, 0.05, 0.3]))
        left, right, _ = spike.local_baseline(p)
        exact = np.nan_to_num(p.y - np.maximum(left, right), nan=-np.inf) > threshold
        if spike._cannot_spike(p, threshold):
            said_no += 1
            assert not exact.any()
        _series.clear_cache()
    assert said_no > 10  # the shortcut is taken, not just always declined
