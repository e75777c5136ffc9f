"""A long fuzzing campaign outside CI: coverage-guided (atheris / libFuzzer) on every reader.

Each target feeds the fuzzer's bytes to logscope as one file and fails on anything
but data plus warnings (the same contract as tests/test_fuzz_*.py, which CI runs
with a bounded, derandomized number of examples):

  tfevents  bytes as an event file, read by both scanners (compiled and pure Python);
            an exception, a disagreement, or a malformed warning is a crash
  csv       bytes as a Keras ``log.csv``            jsonl   as ``metrics.jsonl``
  hf        as ``trainer_state.json``                mlflow  as an MLflow metric file
  report    bytes as a CSV log, then the whole pipeline: analyze, the html/md/json
            reports (json parsed strictly) and the terminal summary

Usage (atheris is not a dependency; install it beside the project, e.g. into a folder):

  pip install --target /tmp/atheris atheris
  PYTHONPATH=/tmp/atheris python benchmarks/fuzz_campaign.py --seconds 600            # every target
  PYTHONPATH=/tmp/atheris python benchmarks/fuzz_campaign.py --targets tfevents,csv --seconds 3600

Each target runs in its own process (libFuzzer exits when done) seeded with valid
logs; crashing inputs, and inputs that take over 60 seconds (a hang), are saved under
``--artifacts``. The summary gives, per target,
the inputs tried (libFuzzer's own count), the time and the crashes; it is what
docs/reliability.md records. ``--engine hypothesis`` runs the CI properties with many
random examples instead, for machines without atheris.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ("tfevents", "csv", "jsonl", "hf", "mlflow", "report")
#: File each text target writes the input to (relative to a scratch folder), and its companions.
TEXT_FILES = {
    "csv": ("run/log.csv", {}),
    "report": ("run/log.csv", {}),
    "jsonl": ("run/metrics.jsonl", {}),
    "hf": ("run/trainer_state.json", {}),
    "mlflow": ("mlruns/0/r1/metrics/loss", {"mlruns/0/meta.yaml": b"name: e\n", "mlruns/0/r1/meta.yaml": b"status: 3\n"}),
}


# --------------------------------------------------------------------- seeds

def seeds(target: str) -> list[bytes]:
    """Valid logs of the target's format to start from (the fuzzer mutates these)."""
    sys.path.insert(0, str(ROOT / "tests"))
    import tfevents_factory as tf

    if target == "tfevents":
        return [
            tf.records([tf.version_event()] + [tf.scalar("loss", 1.0 / (i + 1), i) for i in range(8)]),
            tf.records([tf.version_event(), tf.hparams({"lr": 0.1}), tf.tensor("acc", 0.5, 1, dtype=tf.DT_DOUBLE),
                        tf.start(1), tf.tensor("acc", 0.7, 1, form="value"), tf.histogram("w", 2), tf.text("t", 3)]),
        ]
    if target in ("csv", "report"):
        return [b"epoch,loss,val_loss\n" + b"".join(b"%d,%r,%r\n" % (i, 1 / (i + 1), 1.2 / (i + 1)) for i in range(12)),
                b"epoch,loss\n0,nan\n1,inf\nepoch,loss\n0,1.0\n"]
    if target == "jsonl":
        return [b"".join(json.dumps({"iteration": i * 20, "total_loss": 1 / (i + 1), "lr": 0.01}).encode() + b"\n"
                         for i in range(10))]
    if target == "hf":
        return [json.dumps({"global_step": 30, "log_history": [{"epoch": i / 3, "loss": 1 / i, "step": i * 10}
                                                                for i in range(1, 4)]}, indent=2).encode()]
    return [b"".join(b"%d %r %d\n" % (1700000000000 + i, 1 / (i + 1), i) for i in range(10))]


# -------------------------------------------------------------------- harness

def make_harness(target: str):
    """The function the fuzzer calls with each input; it raises only on a broken promise."""
    from logscope.readers import READERS, discover, tfevents
    from logscope.readers.base import RunSource

    scratch = Path(tempfile.mkdtemp(prefix=f"logscope-fuzz-{target}-"))

    if target == "tfevents":
        path = scratch / "events.out.tfevents.1.fuzz"
        source = RunSource(name="run", reader=tfevents.NAME, files=(path,), root=scratch)
        scanners = [name for name in ("c", "python") if name in tfevents.SCANNERS]

        def one(data: bytes) -> None:
            path.write_bytes(data)
            results = []
            for name in scanners:
                tfevents.SCANNER = name
                run = tfevents.read(source)
                results.append(([(s.name, s.steps.tobytes(), s.values.tobytes(), s.wall_times.tobytes())
                                 for s in run.series], run.warnings))
            if any(r != results[0] for r in results[1:]):
                raise AssertionError("the compiled and pure-Python scanners disagree")
            _check_warnings(results[0][1])
        return one

    rel, extra = TEXT_FILES[target]
    for name, content in extra.items():
        (scratch / name).parent.mkdir(parents=True, exist_ok=True)
        (scratch / name).write_bytes(content)
    path = scratch / rel
    path.parent.mkdir(parents=True, exist_ok=True)

    if target == "report":
        from logscope import analyze
        from logscope.errors import NoRunsFound
        from logscope.renderers import RENDERERS, console

        def one(data: bytes) -> None:
            path.write_bytes(data)
            try:
                report = analyze(scratch)
            except NoRunsFound:
                return  # "nothing readable": exit 2 with the files named, a kept promise
            for name, render in RENDERERS.items():
                text = render(report, timestamp=None)
                text.encode("utf-8")
                if name == "json":
                    json.loads(text, parse_constant=_no_constant)
            console.render(report, colour=False).encode("utf-8")
        return one

    def one(data: bytes) -> None:
        path.write_bytes(data)
        sources, warnings = discover(scratch)
        _check_warnings(warnings)
        for source in sources:
            reader = READERS[source.reader]
            runs = reader.read_runs(source) if hasattr(reader, "read_runs") else [reader.read(source)]
            for run in runs:
                _check_warnings(run.warnings)
                for text in (run.name, *(s.name for s in run.series)):
                    text.encode("utf-8")
    return one


def _check_warnings(warnings) -> None:
    for w in warnings:
        if not (w.file and w.kind and w.message):
            raise AssertionError(f"malformed warning {w!r}")
        (w.file + w.message).encode("utf-8")


def _no_constant(token: str) -> None:
    raise AssertionError(f"report.json holds {token}")


# --------------------------------------------------------------- atheris worker

def worker(target: str, corpus: Path, artifacts: Path, seconds: int, libfuzzer: list[str]) -> None:
    """Run atheris on one target until ``seconds`` pass (libFuzzer then exits this process)."""
    import atheris

    with atheris.instrument_imports(include=["logscope"]):
        one = make_harness(target)
    corpus.mkdir(parents=True, exist_ok=True)
    for i, seed in enumerate(seeds(target)):
        (corpus / f"seed{i}").write_bytes(seed)
    artifacts.mkdir(parents=True, exist_ok=True)
    argv = [sys.argv[0], str(corpus), f"-max_total_time={seconds}", f"-artifact_prefix={artifacts}/{target}-",
            "-max_len=8192", "-rss_limit_mb=4096", "-timeout=60", "-print_final_stats=1", *libfuzzer]
    atheris.Setup(argv, one)
    atheris.Fuzz()


def run_atheris(targets: list[str], seconds: int, work: Path, artifacts: Path) -> list[dict]:
    results = []
    for target in targets:
        started = time.monotonic()
        proc = subprocess.run([sys.executable, __file__, "--worker", target, "--seconds", str(seconds),
                               "--work", str(work), "--artifacts", str(artifacts)],
                              capture_output=True, text=True, cwd=ROOT)
        log = proc.stdout + proc.stderr
        done = re.findall(r"Done (\d+) runs in (\d+) second", log)
        execs = re.findall(r"stat::number_of_executed_units:\s*(\d+)", log)
        crashes = sorted(p.name for p in artifacts.glob(f"{target}-*"))
        results.append({
            "target": target, "engine": "atheris",
            "inputs": int(execs[-1]) if execs else int(done[-1][0]) if done else None,
            "seconds": round(time.monotonic() - started), "exit": proc.returncode, "crashes": crashes,
            "corpus": len(list((work / target).iterdir())) if (work / target).is_dir() else 0,
        })
        if proc.returncode != 0 and not crashes:
            results[-1]["log_tail"] = log[-2000:]
        print(json.dumps(results[-1]), flush=True)
    return results


# ------------------------------------------------------------ hypothesis engine

def run_hypothesis(examples: int) -> list[dict]:
    """The CI properties with ``examples`` fresh random examples each (no atheris needed)."""
    started = time.monotonic()
    env = {**os.environ, "LOGSCOPE_FUZZ_EXAMPLES": str(examples), "LOGSCOPE_FUZZ_RANDOM": "1"}
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--hypothesis-show-statistics",
                           "tests/test_fuzz_tfevents.py", "tests/test_fuzz_text.py"],
                          capture_output=True, text=True, cwd=ROOT, env=env)
    passing = sum(int(n) for n in re.findall(r"(\d+) passing examples", proc.stdout))
    result = {"engine": "hypothesis", "inputs": passing, "seconds": round(time.monotonic() - started),
              "exit": proc.returncode, "failed": re.findall(r"FAILED (\S+)", proc.stdout)}
    print(json.dumps(result), flush=True)
    return [result]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--targets", default=",".join(TARGETS), help="comma-separated: " + ", ".join(TARGETS))
    parser.add_argument("--seconds", type=int, default=600, help="fuzzing time per target")
    parser.add_argument("--engine", choices=["atheris", "hypothesis"], default="atheris")
    parser.add_argument("--examples", type=int, default=20000, help="hypothesis engine: examples per property")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "logscope-fuzz",
                        help="corpus folders, one per target (kept between campaigns)")
    parser.add_argument("--artifacts", type=Path, default=Path(tempfile.gettempdir()) / "logscope-fuzz-crashes")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args, libfuzzer = parser.parse_known_args()
    if args.worker:
        worker(args.worker, args.work / args.worker, args.artifacts, args.seconds, libfuzzer)
        return
    if args.engine == "hypothesis":
        results = run_hypothesis(args.examples)
    else:
        results = run_atheris([t.strip() for t in args.targets.split(",") if t.strip()], args.seconds, args.work,
                              args.artifacts)
    total = sum(r["inputs"] or 0 for r in results)
    bad = [r for r in results if r.get("crashes") or r.get("failed") or r["exit"] not in (0,)]
    print(f"inputs tried: {total:,}; targets with a crash or error: {len(bad)}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
