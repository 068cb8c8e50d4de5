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


def resume(output: Path, request: dict, discard_other: bool = False) -> int:
    """Frames already complete for ``request`` (0 for a fresh start); ValueError for another request
    (with ``discard_other``: its partial file is dropped and the run starts afresh)."""
    partial, progress_file = partial_path(output), progress_path(output)
    saved = _read_progress(progress_file) if partial.exists() else None
    if saved is None or (discard_other and saved["request"] != request):
        # no complete chunk recorded (e.g. a run that failed in its first chunk): nothing to keep
        partial.unlink(missing_ok=True)
        progress_file.unlink(missing_ok=True)
        return 0
    if saved["request"] != request:
        changed = sorted(k for k in set(saved["request"]) | set(request) if saved["request"].get(k) != request.get(k))
        raise ValueError(f"unfinished {partial} was made with other settings ({', '.join(changed)} differ); "
                         "rerun those settings to finish it, or use --overwrite to discard it")
    done = int(saved["frames_done"])
    if count_frames(partial) != done:
        truncate_frames(partial, done)
    return done


def _read_progress(path: Path) -> dict | None:
    """The progress record, or None when absent or unreadable (a run killed before its first chunk)."""
    try:
        saved = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return saved if isinstance(saved, dict) and {"request", "frames_done"} <= set(saved) else None


def record_progress(output: Path, request: dict, frames_done: int) -> None:
    """Record that the first ``frames_done`` frames of the partial file are complete."""
    with atomic_path(progress_path(output)) as tmp:
        tmp.write_text(json.dumps({"request": request, "frames_done": frames_done}))


def finish(output: Path) -> Path:
    """Move the complete partial file to ``output`` and drop the progress record."""
    replace(partial_path(output), output)
    progress_path(output).unlink(missing_ok=True)
    return output
