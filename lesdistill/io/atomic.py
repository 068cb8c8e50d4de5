"""Crash-safe file replacement: write a temporary file next to the target, fsync it, os.replace, fsync the folder.

Readers see either the previous file or the complete new one, never a partial one; a run that fails
inside :func:`atomic_path` leaves the previous file untouched and removes its temporary file.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(path: Path | str) -> Iterator[Path]:
    """Yield a temporary path in ``path``'s folder (not yet created); on success it atomically becomes ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        yield tmp
        replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def replace(source: Path | str, target: Path | str) -> Path:
    """Move the finished file ``source`` onto ``target`` durably: fsync the file, rename, fsync the folder."""
    source, target = Path(source), Path(target)
    fsync(source)
    os.replace(source, target)
    fsync_folder(target.parent)
    return target


def write_bytes(path: Path | str, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text(path: Path | str, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    return write_bytes(path, text.encode())


def fsync(path: Path | str) -> None:
    """Flush ``path``'s data to the storage device."""
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


def fsync_folder(folder: Path | str) -> None:
    """Flush a folder's entries (a rename inside it) to the storage device; a no-op where folders cannot be opened."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass  # some file systems do not sync folders
    finally:
        os.close(descriptor)
