"""How often `logscope compare` calls a difference where there is none, and finds one that is there.

Generates baseline/candidate pairs with tests/compare_pairs.py (in memory, no
files), compares them with :func:`logscope.compare.compare_reports`, and prints
the share of pairs whose validation loss is judged ``worse`` or ``better``:

* identical configurations, different seeds (false-positive rate; Welch's test
  should stay near ``alpha``, the single-seed noise band is conservative);
* a candidate whose loss floor is higher by ``shift`` (power).

Run from the repository root: ``python benchmarks/compare_calibration.py [pairs]``.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from compare_pairs import BASELINE, Config, curves  # noqa: E402

from logscope.analyze import analyze_runs  # noqa: E402
from logscope.compare import compare_reports  # noqa: E402
from logscope.readers.base import Column, build_run  # noqa: E402


def side(config: Config, seeds: list[int], prefix: str) -> list:
    runs = []
    for seed in seeds:
        steps, cols = curves(config, seed)
        columns = {k: Column(steps, v) for k, v in cols.items()}
        runs.append(build_run(name=f"{prefix}/seed{seed}", format="synthetic", columns=columns))
    return runs


def rate(pairs: int, seeds: int, shift: float) -> tuple[float, float]:
    """Share of pairs judged worse, and judged better, on val_loss."""
    worse = better = 0
    candidate_config = dataclasses.replace(BASELINE, floor=BASELINE.floor + shift)
    for i in range(pairs):
        b = analyze_runs(side(BASELINE, [1000 * i + k for k in range(seeds)], "main"))
        c = analyze_runs(side(candidate_config, [1000 * i + 500 + k for k in range(seeds)], "pr"))
        result = compare_reports(b, c)
        (metric,) = [m for m in result.groups[0].metrics if m.baseline.series == "val_loss"]
        worse += metric.verdict == "worse"
        better += metric.verdict == "better"
    return worse / pairs, better / pairs


def main() -> None:
    pairs = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    print(f"{pairs} pairs each; noise sd {BASELINE.noise}, seed spread of the floor {BASELINE.seed_spread}")
    print("seeds/side  floor shift  judged worse  judged better")
    for seeds in (1, 3, 5):
        for shift in (0.0, 0.01, 0.02, 0.05):
            worse, better = rate(pairs, seeds, shift)
            print(f"{seeds:>10}  {shift:>11}  {worse:>12.1%}  {better:>13.1%}")


if __name__ == "__main__":
    main()
