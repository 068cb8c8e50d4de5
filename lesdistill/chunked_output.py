"""Resumable chunked netCDF outputs: a partial file plus a JSON record of the frames already complete.

Used by the labelling and response stages: frames are appended chunk by chunk to
``<output>.partial.nc``; after each chunk ``<output>.progress.json`` (written atomically) records the
request and the number of complete frames. A restart with the same request truncates anything
written after the last record and continues; a different request is refused, so nothing computed is
overwritten.
"""

from __future__ import annotations

import json
from pathlib import Path

from .io.atomic import atomic_path, replace
from .md.trajectory import count_frames, truncate_frames


def partial_path(output: Path) -> Path:
    return output.with_name(output.stem + ".partial.nc")


def progress_path(output: Path) -> Path:
    return output.with_name(output.name + ".progress.json")


def resume(output: Path, request: dict) -> int:
    """Frames already complete for ``request`` (0 for a fresh start); ValueError for another request."""
    partial, progress_file = partial_path(output), progress_path(output)
    if not partial.exists():
        progress_file.unlink(missing_ok=True)
        return 0
    if not progress_file.exists():
        raise ValueError(f"{partial} exists without {progress_file}: remove it to start afresh")
    saved = json.loads(progress_file.read_text())
    if saved["request"] != request:
        changed = sorted(k for k in set(saved["request"]) | set(request) if saved["request"].get(k) != request.get(k))
        raise ValueError(f"{partial} was made with other settings ({', '.join(changed)} differ); "
                         "remove it or use another output")
    done = int(saved["frames_done"])
    if count_frames(partial) != done:
        truncate_frames(partial, done)
    return done


def record_progress(output: Path, request: dict, frames_done: int) -> None:
    """Record that the first ``frames_done`` frames of the partial file are complete."""
    with atomic_path(progress_path(output)) as tmp:
        tmp.write_text(json.dumps({"request": request, "frames_done": frames_done}))


def finish(output: Path) -> Path:
    """Move the complete partial file to ``output`` and drop the progress record."""
    replace(partial_path(output), output)
    progress_path(output).unlink(missing_ok=True)
    return output
