"""Readers: find the runs under a path and read each into a :class:`~logscope.model.Run`.

Each reader module exposes ``NAME``, ``claims(path, head) -> bool`` (is this file
mine? decided from the name and the first bytes), ``group(files, root) ->
list[RunSource]`` (how my files form runs) and ``read(source) -> Run``; readers
whose files can hold several trainings also expose ``read_runs(source) ->
list[Run]`` and ``accepts(path, head)`` (the looser test used when
``--input-format`` forces them). :data:`READERS` is ordered: the first reader
that claims a file gets it. Every file under the root is either part of a run
(a log, or a companion such as ``hparams.yaml`` whose values become the run's
hyperparameters) or named in a warning with the reason.
"""

from __future__ import annotations

import errno
import os
import stat
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from types import ModuleType

from .. import fs
from ..errors import ConfigError
from ..model import ReadWarning, Run
from ..roles import RoleOverrides
from . import (
    companions,
    csvlog,
    hf_trainer,
    jsonlines,
    keras_csv,
    lightning,
    mlflow,
    tb_csv,
    tfevents,
    wandb,
    yolo,
)
from .base import RunSource, printable_run, printable_warning, relative_name
from .text import GZIP_MAGIC, head_text, logical_suffix, sniff_head

#: Registered readers, in detection priority order.
READERS: dict[str, ModuleType] = {
    reader.NAME: reader
    for reader in (tfevents, mlflow, hf_trainer, tb_csv, wandb, yolo, lightning, keras_csv, jsonlines, csvlog)
}

#: Bytes read from the start of each file for content sniffing.
HEAD_BYTES = 4096

#: Suffixes of files that are clearly not training logs (listed compactly per folder).
NOT_LOG_SUFFIXES = frozenset({
    ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".svg", ".webp", ".tif", ".tiff", ".ico",
    ".pt", ".pth", ".ckpt", ".safetensors", ".bin", ".h5", ".hdf5", ".keras", ".onnx", ".pb", ".tflite",
    ".npz", ".npy", ".pkl", ".pickle", ".joblib", ".msgpack", ".model", ".engine", ".torchscript",
    ".md", ".rst", ".py", ".ipynb", ".sh", ".html", ".htm", ".pdf", ".zip", ".tar", ".tgz", ".whl",
    ".mp4", ".avi", ".mov", ".wav", ".mp3", ".profile-empty",
})
NOT_LOG_NAMES = frozenset({"readme", "license", "licence", "copying", "notice", "makefile", ".gitattributes"})
#: The configuration file's name; at the analysed root it is not a log.
CONFIG_NAME = "logscope.toml"
#: Names listed in one compact warning before only a count is given.
MAX_NAMES = 12
#: Report files logscope writes; one whose head says logscope wrote it is not a log (a report
#: written inside the analysed folder, ``logscope analyze .``, must not be read on the next run).
OWN_OUTPUTS = frozenset({"report.html", "report.md", "report.json", "compare.html", "compare.md", "compare.json"})

__all__ = ["READERS", "RunSource", "discover", "read_source", "read_path", "relative_name"]


def discover(
    root: Path, *, format: str | None = None, follow_symlinks: bool = False,
) -> tuple[list[RunSource], list[ReadWarning]]:
    """Walk ``root`` (a directory or one file) and group its files into runs.

    ``format`` forces one reader for every file; ``follow_symlinks`` reads links
    that lead out of ``root`` (by default they are named in a warning). Returns the runs found, in sorted
    order, and warnings for files that belong to no run, each with the reason.
    """
    if format is not None and format not in READERS:
        raise ConfigError(f"unknown format {format!r}; choose from: {', '.join(sorted(READERS))}")
    readers = [READERS[format]] if format else list(READERS.values())
    root = fs.as_path(root)
    base = root if root.is_dir() else root.parent
    mlflow.clear_cache()
    claimed: dict[str, list[Path]] = {r.NAME: [] for r in readers}
    companion_files: list[Path] = []
    not_logs: dict[Path, list[Path]] = defaultdict(list)
    warnings: list[ReadWarning] = []
    problems: list[tuple[Path, str, str]] = []
    walked = list(_walk(root, problems, follow_symlinks))
    # Remote heads are fetched together (concurrent range requests), not one round trip per file.
    heads = fs.read_heads(walked, HEAD_BYTES) if fs.is_remote(root) else {}
    for path in walked:
        if path.name == CONFIG_NAME and path.parent == base:
            continue  # the configuration file (logscope.config reads it), not a log
        if path.name in OWN_OUTPUTS and _own_output(path, _head(path, heads)[0]):
            continue
        if _not_a_log(path) and not companions.is_companion(path) and not any(r.claims(path, b"") for r in readers):
            not_logs[path.parent].append(path)  # an image or checkpoint: no need to open it
            continue
        head, problem = _head(path, heads)
        rel = relative_name(path, base)
        if problem is not None:
            warnings.append(ReadWarning(rel, "unreadable", problem))
            continue
        # Companions first: a one-line config.json would otherwise look like a JSON-lines log.
        reader = None if companions.is_companion(path) else _claimant(readers, path, head, forced=format is not None)
        if reader is not None:
            claimed[reader.NAME].append(path)
        elif companions.is_companion(path):
            companion_files.append(path)
        elif _not_a_log(path):
            not_logs[path.parent].append(path)
        else:
            warnings.append(ReadWarning(rel, "skipped", _why_skipped(path, head, format)))
    warnings.extend(ReadWarning(relative_name(p, base), kind, why) for p, kind, why in problems)
    sources: list[RunSource] = []
    for reader in readers:
        if claimed[reader.NAME]:
            sources.extend(reader.group(claimed[reader.NAME], root))
    grouped = {p for s in sources for p in s.files}
    for name, files in claimed.items():
        for path in files:
            if path not in grouped:
                warnings.append(ReadWarning(relative_name(path, base), "skipped", f"looks like {name} but belongs to no run"))
    sources, orphans = _attach(sources, companion_files)
    for path in orphans:
        warnings.append(ReadWarning(
            relative_name(path, base), "skipped", "describes a run (hyperparameters) but no training log is beside it"))
    for folder, paths in sorted(not_logs.items()):
        warnings.append(_not_logs_warning(folder, paths, base))
    sources = _unique_names(sources)
    sources.sort(key=lambda s: (s.name, s.reader))
    warnings = sorted(map(printable_warning, warnings), key=lambda w: (w.file, w.kind, w.message))
    return sources, warnings


def read_source(source: RunSource) -> list[Run]:
    """Read one source with the reader that grouped it: one run, or one per training in it.

    Companion files add their values to each run's hyperparameters. A reader
    failure becomes a run with no data and a warning, never an exception.
    """
    reader = READERS[source.reader]
    try:
        runs = reader.read_runs(source) if hasattr(reader, "read_runs") else [reader.read(source)]
    except Exception as exc:  # noqa: BLE001 - one unreadable run must not cost the whole report
        first = relative_name(source.files[0], source.base) if source.files else source.name
        problem = ReadWarning(first, "error", f"could not be read ({type(exc).__name__}: {exc})")
        runs = [Run(name=source.name, format=source.reader, series=(), warnings=(problem,), source=source.name)]
    runs = [_explain_empty(run, source) for run in runs]
    if source.companions:
        params, notes = companions.read_companions(list(source.companions), source.base)
        runs = [replace(run, hparams={**params, **run.hparams}, warnings=(*run.warnings, *notes)) for run in runs]
    return [printable_run(run) for run in runs]


def _explain_empty(run: Run, source: RunSource) -> Run:
    """A run without series always says why: if its reader did not, say the files hold no values."""
    if run.series or run.warnings:
        return run
    sizes = []
    for path in source.files:
        try:
            sizes.append(path.stat().st_size)
        except OSError:
            sizes.append(0)
    noun = "file holds" if len(sizes) == 1 else f"{len(sizes)} files hold"
    first = relative_name(source.files[0], source.base) if source.files else source.name
    note = ReadWarning(first, "empty", f"no scalar values: the {noun} {sum(sizes)} bytes and no logged number")
    return replace(run, warnings=(note,))


def read_path(
    paths: Sequence[Path] | Path,
    *,
    format: str | None = None,
    roles: RoleOverrides | None = None,
    follow_symlinks: bool = False,
) -> tuple[list[Run], list[ReadWarning]]:
    """Discover and read every run under ``paths``; warnings for files outside any run.

    ``roles`` (the user's ``--pair``/``--higher-is-better``/``--lower-is-better``)
    are applied to every run; ``follow_symlinks`` is :func:`discover`'s.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [fs.as_path(paths)]
    runs: list[Run] = []
    warnings: list[ReadWarning] = []
    for path in paths:
        sources, found = discover(fs.as_path(path), format=format, follow_symlinks=follow_symlinks)
        warnings.extend(found)
        for source in sources:
            runs.extend(read_source(source))
    if roles:
        runs = [roles.apply(run) for run in runs]
    return runs, warnings


def _claimant(readers: list[ModuleType], path: Path, head: bytes, *, forced: bool) -> ModuleType | None:
    for reader in readers:
        test = getattr(reader, "accepts", reader.claims) if forced else reader.claims
        if test(path, head):
            return reader
    return None


def _own_output(path: Path, head: bytes) -> bool:
    """Whether ``path`` (starting with ``head``) is a report logscope wrote: its JSON version key,
    HTML generator tag or Markdown title."""
    head = head[:512]
    first = head.split(b"\n", 1)[0]
    return (b'"logscope_version"' in head or b'<meta name="generator" content="logscope' in head
            or (path.suffix == ".md" and first.startswith(b"#") and b"logscope" in first))


def _not_a_log(path: Path) -> bool:
    name = path.name.lower()
    return (logical_suffix(path) in NOT_LOG_SUFFIXES or name in NOT_LOG_NAMES
            or Path(name).stem in NOT_LOG_NAMES)


def _why_skipped(path: Path, head: bytes, format: str | None) -> str:
    if format is not None:
        return f"not a {format} log (forced with --input-format)"
    if not head:
        return "empty file"
    if head.startswith(GZIP_MAGIC) and not sniff_head(head):
        return "gzip file whose data cannot be decompressed"
    if b"\x00" in sniff_head(head):
        return "binary file in no format logscope reads"
    text = head_text(head)
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    if "\ufffd" in line or any(ord(c) < 32 and c not in "\t" for c in line):
        return "binary file in no format logscope reads"
    shown = line if len(line) <= 60 else line[:57] + "..."
    return f"text in no log layout logscope knows (first line: {shown!r})"


def _not_logs_warning(folder: Path, paths: list[Path], base: Path) -> ReadWarning:
    names = sorted(p.name for p in paths)
    rel = relative_name(folder, base) if folder != base else "."
    listed = ", ".join(names[:MAX_NAMES])
    if len(names) > MAX_NAMES:
        rest = defaultdict(int)
        for name in names[MAX_NAMES:]:
            rest[Path(name).suffix or name] += 1
        listed += f" and {len(names) - MAX_NAMES} more ({', '.join(f'{n} {k}' for k, n in sorted(rest.items()))})"
    noun = "file" if len(names) == 1 else "files"
    return ReadWarning(rel if rel.endswith("/") else rel + "/", "skipped",
                       f"{len(names)} {noun} not a training log (images, weights, code or docs): {listed}")


def _attach(sources: list[RunSource], files: list[Path]) -> tuple[list[RunSource], list[Path]]:
    """Give each companion file to the runs with a log in its folder, its parent, or a sub-folder."""
    by_dir: dict[Path, set[int]] = defaultdict(set)
    for i, source in enumerate(sources):
        for path in source.files:
            by_dir[path.parent].add(i)
    extra: dict[int, list[Path]] = defaultdict(list)
    orphans: list[Path] = []
    for path in files:
        folder = path.parent
        owners = by_dir.get(folder) or by_dir.get(folder.parent) or {
            i for d, ids in by_dir.items() if d.parent == folder for i in ids}
        if not owners:
            orphans.append(path)
        for i in owners:
            extra[i].append(path)
    out = [replace(s, companions=tuple(sorted({*s.companions, *extra[i]}))) if i in extra else s
           for i, s in enumerate(sources)]
    return out, orphans


def _unique_names(sources: list[RunSource]) -> list[RunSource]:
    """Two readers' runs in one folder (a YOLO results.csv beside its event file): name the files."""
    counts: dict[str, int] = defaultdict(int)
    for source in sources:
        counts[source.name] += 1
    out = []
    for source in sources:
        if counts[source.name] > 1 and len(source.files) == 1 and source.reader != tfevents.NAME:
            source = replace(source, name=relative_name(source.files[0], source.base))
        out.append(source)
    return out


def _walk(root: Path, problems: list[tuple[Path, str, str]], follow_symlinks: bool = False) -> Iterable[Path]:
    """Regular files under ``root``, each folder's files (sorted) before its sub-folders.

    Iterative (``os.walk`` recurses and fails on 1,000-deep folders). A symbolic
    link is followed only while its target stays inside ``root`` (a linked folder
    inside it is read where it really is), unless ``follow_symlinks``; then each
    real folder is entered once, so link loops end. Entries that cannot be listed,
    are not regular files (a FIFO would block) or are links not followed go to
    ``problems`` as (path, warning kind, reason). A URL root is listed through fsspec.
    """
    if not root.is_dir():
        yield root
        return
    if fs.is_remote(root):
        yield from fs.walk(root, problems)
        return
    real_root = os.path.realpath(root)
    seen = {real_root}
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            problems.append((folder, "unreadable", f"cannot list the folder: {exc.strerror or exc}"))
            continue
        subdirs: list[Path] = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            try:
                link = entry.is_symlink()
                if not link:
                    st = entry.stat(follow_symlinks=False)
                else:
                    target = os.path.realpath(path)
                    st = os.stat(path)
            except OSError as exc:
                why = "symbolic link loop" if exc.errno == errno.ELOOP else \
                    "broken symbolic link" if link else f"cannot stat: {exc.strerror or exc}"
                problems.append((path, "unreadable", why))
                continue
            if link and not follow_symlinks and not _inside(target, real_root):
                what = "folder" if stat.S_ISDIR(st.st_mode) else "file"
                problems.append((path, "skipped", f"symbolic link to a {what} outside the analysed folder; "
                                                  "not followed (--follow-symlinks reads it)"))
            elif stat.S_ISDIR(st.st_mode):
                if not link:
                    subdirs.append(path)
                elif _inside(target, real_root):
                    if _hidden(target, real_root):
                        problems.append((path, "skipped", "symbolic link to a hidden folder; not followed"))
                    # else: a link to a folder inside the tree, whose files are read where they are
                elif target in seen or _inside(real_root, target):
                    problems.append((path, "skipped", "symbolic link to a folder already read (a loop); not followed"))
                else:
                    seen.add(target)
                    subdirs.append(path)
            elif stat.S_ISREG(st.st_mode):
                yield path
            else:
                problems.append((path, "unreadable", "not a regular file (a pipe, socket or device); not opened"))
        stack.extend(reversed(subdirs))


def _inside(path: str, folder: str) -> bool:
    """Whether the real path ``path`` is ``folder`` or below it."""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _hidden(path: str, folder: str) -> bool:
    """Whether ``path`` (inside ``folder``) has a hidden part the walk skips."""
    return any(part.startswith(".") for part in Path(os.path.relpath(path, folder)).parts if part != ".")


def _head(path: Path, fetched: dict[Path, bytes | str] | None = None) -> tuple[bytes, str | None]:
    if fetched and path in fetched:
        head = fetched[path]
        return (head, None) if isinstance(head, bytes) else (b"", head)
    try:
        with (path.open("rb") if fs.is_remote(path) else open(path, "rb")) as fh:
            return fh.read(HEAD_BYTES), None
    except OSError as exc:
        return b"", f"cannot open: {exc.strerror or exc}"
