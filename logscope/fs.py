"""Where logs live: local paths, or fsspec URLs (``s3://``, ``gs://``, ``memory://`` ...).

A local path (or a ``file://`` URL) stays a :class:`pathlib.Path`, so local
reading keeps its fast paths (``os.walk``, memory-mapped event files). Any other
URL becomes a ``UPath`` from universal_pathlib, which gives fsspec file systems
the pathlib interface the readers already use (``name``, ``parent``,
``relative_to``, ``is_dir``, ``read_bytes`` ...), so readers need no second
code path. Remote support needs the ``remote`` extra
(``pip install 'logscope[remote]'``: fsspec, universal_pathlib, s3fs).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from .errors import ConfigError

#: Copy block size when a remote file is fetched to a local temporary file.
COPY_BLOCK = 8 << 20
#: Remote heads fetched concurrently per batch.
HEAD_BATCH = 256


def is_url(text: str) -> bool:
    """True for ``scheme://...`` other than ``file://`` (which is read as a local path)."""
    scheme, sep, _ = text.partition("://")
    return bool(sep) and scheme.isidentifier() and scheme.lower() != "file" and len(scheme) > 1


def as_path(value: str | os.PathLike[str] | Any) -> Any:
    """A ``Path`` for local files (``file://`` URLs included), a ``UPath`` for other URLs."""
    if isinstance(value, Path) or is_remote(value):
        return value
    text = os.fspath(value)
    if text.lower().startswith("file://"):
        return Path(unquote(urlparse(text).path))
    if not is_url(text):
        return Path(text)
    try:
        from upath import UPath
    except ImportError as exc:
        raise ConfigError(f"{text}: reading URLs needs fsspec: pip install 'logscope[remote]'") from exc
    try:
        return UPath(text)
    except (ValueError, ImportError) as exc:  # unknown protocol, or its fsspec driver is missing
        raise ConfigError(f"{text}: {exc}") from exc


def is_remote(path: object) -> bool:
    """True for a path on an fsspec file system (not a local ``pathlib.Path``)."""
    return not isinstance(path, (str, os.PathLike)) and hasattr(path, "fs") and hasattr(path, "protocol")


def exists(path: Any) -> bool:
    """Whether ``path`` exists; a remote error counts as not existing."""
    try:
        return bool(path.exists())
    except (OSError, ValueError):
        return False


def walk(root: Any, problems: list[tuple[Any, str, str]]) -> Iterator[Any]:
    """Files under a remote ``root``, hidden names (``.x``) left out, in the order local folders are
    walked: each folder's files (sorted) before its sub-folders (sorted).

    One recursive listing (``find``) instead of a request per folder; an error
    listing it goes to ``problems`` as (path, warning kind, reason).
    """
    fs, base = root.fs, root.path.rstrip("/")
    try:
        found = fs.find(base, detail=True, withdirs=False)
    except (OSError, ValueError) as exc:
        problems.append((root, "unreadable", f"cannot list the folder: {exc}"))
        return
    rels = []
    for key in found:
        parts = key[len(base):].strip("/").split("/") if key.startswith(base) else key.split("/")
        if parts != [""] and not any(part.startswith(".") for part in parts):
            rels.append(parts)
    # Sort key: a file sorts before any folder beside it, as the local walk yields them.
    for parts in sorted(rels, key=lambda ps: [(1, p) for p in ps[:-1]] + [(0, ps[-1])]):
        yield root.joinpath(*parts)


def read_heads(paths: Iterable[Any], size: int) -> dict[Any, bytes | str]:
    """The first ``size`` bytes of each remote file, fetched concurrently; a message if unreadable."""
    out: dict[Any, bytes | str] = {}
    by_fs: dict[int, list[Any]] = {}
    for path in paths:
        by_fs.setdefault(id(path.fs), []).append(path)
    for group in by_fs.values():
        fs = group[0].fs
        for i in range(0, len(group), HEAD_BATCH):
            batch = group[i : i + HEAD_BATCH]
            try:
                # cat_ranges fetches every range in one concurrent call on async file systems (s3, gcs).
                heads = fs.cat_ranges([p.path for p in batch], [0] * len(batch), [size] * len(batch),
                                      on_error="return")
            except (OSError, ValueError, NotImplementedError):
                heads = [_head_one(p, size) for p in batch]
            for path, head in zip(batch, heads):
                if not isinstance(head, bytes):
                    head = _head_one(path, size)  # again alone: S3 refuses any range of an empty object
                out[path] = head if isinstance(head, bytes) else f"cannot open: {head}"
    return out


def _head_one(path: Any, size: int) -> bytes | Exception:
    try:
        with path.open("rb") as fh:
            return fh.read(size)
    except (OSError, ValueError) as exc:
        return exc


@contextmanager
def local_file(path: Any) -> Iterator[Path]:
    """A local file with ``path``'s bytes: ``path`` itself, or a temporary copy of a remote file.

    The copy is streamed in blocks (bounded memory) and deleted afterwards; it
    lets a reader memory-map a remote file as it does a local one.
    """
    if not is_remote(path):
        yield Path(path)
        return
    fd, tmp = tempfile.mkstemp(prefix="logscope-", suffix="-" + path.name[-40:])
    try:
        with os.fdopen(fd, "wb") as out, path.open("rb") as src:
            shutil.copyfileobj(src, out, COPY_BLOCK)
        yield Path(tmp)
    finally:
        Path(tmp).unlink(missing_ok=True)


def display(path: Any) -> str:
    """``path`` as the user wrote it: a URL for remote paths."""
    return str(path)
