"""Scale benchmark: a generated sweep of 2,000 runs x 5 tags x 2,000 steps, end to end.

Measures, side by side in one run on the same generated logdir, the wall time and
the peak resident memory (summed over the whole process tree, workers included)
of:

* ``logscope analyze`` with ``--jobs 1``, ``--jobs 2`` and ``--executor dask``
  (a local Dask cluster of 2 workers), reports (HTML, Markdown, JSON) included;
* ``runmedic diagnose`` (a peer tool), installed into its own virtual
  environment (``--bench-venv``, created with ``pip install runmedic`` if
  missing), its text report written to a file;

then, with ``--big``, logscope alone on one 1 GB event file and one 200 MB CSV
(bounded memory: the peak RSS is printed beside the file size).

Run by hand (not by pytest)::

    python benchmarks/bench_scale.py                       # full size (a few minutes)
    python benchmarks/bench_scale.py --runs 200            # quick
    python benchmarks/bench_scale.py --big --skip-sweep    # only the big files
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale_data import TAGS, write_big_csv, write_big_events, write_sweep  # noqa: E402

POLL = 0.02  # seconds between memory samples


def measure(cmd: list[str], *, stdout: Path | None = None, env: dict[str, str] | None = None) -> dict[str, float]:
    """Run ``cmd``; its wall time, CPU time and peak RSS summed over it and every descendant.

    CPU time is the rusage of the reaped process tree (every process here waits for its own
    children, so workers are counted once); RSS is sampled every ``POLL`` seconds.
    """
    import psutil

    out = open(stdout, "wb") if stdout else subprocess.DEVNULL  # noqa: SIM115 - closed below
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE, env=env)
    root = psutil.Process(proc.pid)
    peak = peak_private = 0
    while proc.poll() is None:
        total = private = 0
        try:
            family = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            break
        for p in family:
            try:
                info = p.memory_info()
            except psutil.NoSuchProcess:
                continue
            total += info.rss
            private += info.rss - info.shared  # without file pages (a memory-mapped log, shared libraries)
        peak, peak_private = max(peak, total), max(peak_private, private)
        time.sleep(POLL)
    _, err = proc.communicate()
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = {0: (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)}
    if stdout:
        out.close()  # type: ignore[union-attr]
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err.decode(errors='replace')[-2000:]}")
    return {"seconds": wall, "cpu_seconds": sum(cpu.values()), "peak_rss_mb": peak / 1e6,
            "peak_private_mb": peak_private / 1e6}


def ensure_bench_venv(venv: Path) -> Path | None:
    """The runmedic executable of ``venv`` (created and installed from PyPI if missing); None if it fails."""
    exe = venv / "bin" / "runmedic"
    if exe.exists():
        return exe
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "runmedic"], check=True)
    except subprocess.CalledProcessError as exc:
        print(f"runmedic could not be installed into {venv}: {exc}", file=sys.stderr)
        return None
    return exe if exe.exists() else None


def sweep(args: argparse.Namespace, data: Path) -> list[dict[str, object]]:
    """Generate the sweep (kept between runs) and time every tool on it."""
    root = data / "sweep"
    stamp = data / "sweep.json"
    want = {"runs": args.runs, "steps": args.steps, "tags": len(TAGS), "version": 1}
    if not (stamp.exists() and json.loads(stamp.read_text()) == want):
        shutil.rmtree(root, ignore_errors=True)
        t0 = time.perf_counter()
        size = write_sweep(root, args.runs, args.steps)
        stamp.write_text(json.dumps(want))
        print(f"generated {args.runs} runs, {size / 1e6:.0f} MB in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    points = args.runs * len(TAGS) * args.steps
    logscope = [sys.executable, "-m", "logscope", "analyze", str(root), "-q"]
    out = Path(tempfile.mkdtemp(prefix="scale-bench-"))
    tools: list[tuple[str, list[str], Path | None]] = [
        ("logscope --jobs 1", [*logscope, "-o", str(out / "j1"), "--jobs", "1"], None),
        ("logscope --jobs 2", [*logscope, "-o", str(out / "j2"), "--jobs", "2"], None),
        ("logscope --executor dask (2 workers)", [*logscope, "-o", str(out / "dask"), "--executor", "dask",
                                                  "--jobs", "2"], None),
    ]
    if not args.skip_runmedic:
        exe = ensure_bench_venv(Path(args.bench_venv))
        if exe is not None:
            tools.append(("runmedic diagnose", [str(exe), "diagnose", str(root)], out / "runmedic.txt"))
    rows: list[dict[str, object]] = []
    for name, cmd, stdout in tools:
        result = measure(cmd, stdout=stdout)
        result.update(tool=name, points=points, us_per_point=1e6 * result["seconds"] / points)
        rows.append(result)
        print(f"{name:40s} {result['seconds']:8.1f} s  cpu {result['cpu_seconds']:7.1f} s  "
              f"peak {result['peak_rss_mb']:7.0f} MB", file=sys.stderr)
    same = all((out / "j1" / f).read_bytes() == (out / d / f).read_bytes()
               for d in ("j2", "dask") for f in ("report.html", "report.md", "report.json"))
    print(f"reports byte-identical across --jobs 1, --jobs 2 and dask: {same}", file=sys.stderr)
    sizes = {f: (out / "j1" / f).stat().st_size for f in ("report.html", "report.md", "report.json")}
    print(f"report sizes: {sizes}", file=sys.stderr)
    shutil.rmtree(out, ignore_errors=True)
    return rows


STAGES_CODE = """
import json, os, resource, sys, time
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
t0 = cpu()
import logscope.cli  # what `logscope analyze` imports before it starts
from pathlib import Path
from logscope.analyze import analyze
from logscope.detectors import DETECTORS, _series
from logscope.pipeline import discover_all
from logscope.readers import read_source
from logscope.renderers import RENDERERS
from logscope.sketch import sketch
out = {"import_s": cpu() - t0}
t = cpu()
sources, _ = discover_all([Path(sys.argv[1])])
out["discover_ms_per_run"] = 1e3 * (cpu() - t) / len(sources)
stage = {"read": 0.0, "sketch": 0.0, **{name: 0.0 for name in DETECTORS}}
runs = 0
for source in sources:
    t = cpu()
    found = read_source(source)
    stage["read"] += cpu() - t
    for run in found:
        runs += 1
        for name, detect in DETECTORS.items():
            t = cpu()
            detect(run)
            stage[name] += cpu() - t
        _series.clear_cache()
        t = cpu()
        sketch(run)
        stage["sketch"] += cpu() - t
out.update({k + "_ms_per_run": 1e3 * v / runs for k, v in stage.items()})
out["detectors_ms_per_run"] = sum(out[name + "_ms_per_run"] for name in DETECTORS)
t = cpu()
report = analyze(sys.argv[1], jobs=1, compact=True)
out["analyze_s"] = cpu() - t
for name in ("html", "md", "json"):
    t = cpu()
    RENDERERS[name](report)
    out["render_" + name + "_s"] = cpu() - t
print(json.dumps(out))
"""


def stages(args: argparse.Namespace, data: Path) -> dict[str, float]:
    """CPU time of each stage of ``logscope analyze`` on the sweep, measured in a fresh interpreter.

    Import, discovery, then per run: reading, each detector, the sketch; then the whole
    analysis (reading and judging again, the drawn runs read a third time) and each report.
    """
    result = subprocess.run([sys.executable, "-c", STAGES_CODE, str(data / "sweep")], check=True,
                            capture_output=True, text=True)
    found: dict[str, float] = json.loads(result.stdout)
    for key, value in found.items():
        print(f"{key:32s} {value:8.3f}", file=sys.stderr)
    return found


def big(args: argparse.Namespace, data: Path) -> list[dict[str, object]]:
    """logscope alone on one big event file and one big CSV: time and peak RSS against the file size."""
    rows: list[dict[str, object]] = []
    files = [("1 GB event file", data / "big-tb" / "run" / "events.out.tfevents.1700000000.big.0", write_big_events,
              args.big_events_mb),
             ("200 MB CSV", data / "big-csv" / "run" / "metrics.csv", write_big_csv, args.big_csv_mb)]
    out = Path(tempfile.mkdtemp(prefix="scale-big-"))
    for name, path, writer, mb in files:
        if not path.exists() or abs(path.stat().st_size - mb * 1e6) > 0.1 * mb * 1e6:
            t0 = time.perf_counter()
            writer(path, int(mb * 1e6))
            print(f"generated {path} ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t0:.0f} s",
                  file=sys.stderr)
        cmd = [sys.executable, "-m", "logscope", "analyze", str(path), "-q", "-o", str(out / path.stem), "-j", "1"]
        result = measure(cmd)
        result.update(tool=f"logscope on one {name}", file_mb=path.stat().st_size / 1e6)
        rows.append(result)
        print(f"{name:20s} {result['file_mb']:6.0f} MB file: {result['seconds']:6.1f} s, "
              f"peak RSS {result['peak_rss_mb']:6.0f} MB (without file pages {result['peak_private_mb']:6.0f} MB)",
              file=sys.stderr)
    shutil.rmtree(out, ignore_errors=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--data", default=os.path.join(tempfile.gettempdir(), "logscope-scale-bench"))
    parser.add_argument("--bench-venv", default=os.path.join(tempfile.gettempdir(), "bench-venv"),
                        help="virtual environment for runmedic (created if missing)")
    parser.add_argument("--skip-runmedic", action="store_true")
    parser.add_argument("--skip-sweep", action="store_true")
    parser.add_argument("--big", action="store_true", help="also the 1 GB event file and the 200 MB CSV")
    parser.add_argument("--big-events-mb", type=float, default=1000)
    parser.add_argument("--big-csv-mb", type=float, default=200)
    parser.add_argument("--stages", action="store_true",
                        help="also the CPU time of each stage (import, discovery, reading, each detector, reports)")
    parser.add_argument("--json", help="write the results here as JSON")
    args = parser.parse_args()
    data = Path(args.data)
    data.mkdir(parents=True, exist_ok=True)
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}",
          file=sys.stderr)
    print(f"load average at the start: {' '.join(f'{v:.1f}' for v in os.getloadavg())}", file=sys.stderr)
    rows = [] if args.skip_sweep else sweep(args, data)
    if args.stages:
        rows.append({"tool": "stages", **stages(args, data)})
    if args.big:
        rows += big(args, data)
    print(f"load average at the end: {' '.join(f'{v:.1f}' for v in os.getloadavg())}", file=sys.stderr)
    base = next((r for r in rows if r["tool"] == "runmedic diagnose"), None)
    print("\n| tool | wall s | CPU s | peak RSS MB | without file pages MB | runmedic / tool (wall, CPU) |\n"
          "|---|---:|---:|---:|---:|---:|")
    for r in rows:
        if r["tool"] == "stages":
            continue
        ratio = ""
        if base and "points" in r:
            ratio = (f"{float(base['seconds']) / float(r['seconds']):.1f}x, "
                     f"{float(base['cpu_seconds']) / float(r['cpu_seconds']):.1f}x")
        print(f"| {r['tool']} | {r['seconds']:.1f} | {r['cpu_seconds']:.1f} | {r['peak_rss_mb']:.0f} | "
              f"{r['peak_private_mb']:.0f} | {ratio} |")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
