"""Output records: what a command's output was made from, so that an existing output is reused only
when it was made from the same inputs, settings and lesdistill version.

The record of ``dir/name`` is ``dir/name.made-from.json`` (of a folder of outputs: ``folder/made-from.json``):
the command, each input's path and SHA-256, the settings, the lesdistill version and git revision, and the
SHA-256 of the output itself, so a record never vouches for a file written after it. Before a command
runs, :func:`check_output` decides: no output yet → make it (an unfinished run of the same request
resumes inside the command); an output whose record matches → reuse it; anything else → a one-line
refusal, unless ``overwrite``. An output path equal to an input path is always refused.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from .atomic import write_text
from .hashing import sha256_of

#: Keys of a record that must be equal for an output to be reused (the git revision is informative only).
MATCHED = ("command", "inputs", "settings", "lesdistill_version")


@dataclass(frozen=True)
class MadeFrom:
    """A command's output (a file, or a folder of files), its input files by role, its settings (JSON-able),
    and the files it also writes from the output (e.g. an extxyz export)."""

    command: str
    output: Path
    inputs: dict[str, Path | None] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    also_writes: tuple[Path, ...] = ()

    def record(self) -> dict[str, Any]:
        """The record of a run with these inputs (hashed now) and settings; without the output's hash."""
        return {"command": self.command,
                "inputs": {role: {"path": str(path), "sha256": sha256_of(path)}
                           for role, path in sorted(self.inputs.items()) if path is not None},
                "settings": json.loads(json.dumps(self.settings, sort_keys=True, default=str)),
                "lesdistill_version": __version__}


def record_path(output: Path | str) -> Path:
    """Where the record of ``output`` lives."""
    output = Path(output)
    return output / "made-from.json" if output.is_dir() else output.with_name(output.name + ".made-from.json")


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file (existing or not)."""
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
    except OSError:
        return False


def check_output(made: MadeFrom, overwrite: bool = False) -> tuple[bool, dict[str, Any]]:
    """(reuse, record): reuse is True when ``made.output`` exists and was made from the same inputs and
    settings, False when the command should (re)make it; the record of this run (inputs hashed now).
    ValueError (one line) when the output must not be touched or an input is missing."""
    output = made.output
    for written in (output, *made.also_writes):
        for role, path in made.inputs.items():
            if path is not None and same_file(Path(path), written):
                raise ValueError(f"the output {written} is also the {role} input; write the output to another path")
    for role, path in made.inputs.items():
        if path is not None and not Path(path).is_file():
            raise ValueError(f"{role} file {path} does not exist" if not Path(path).exists()
                             else f"{role} {path} is not a file")
    wanted = made.record()
    if not output.exists() or overwrite:
        return False, wanted
    stored = _read(record_path(output))
    if stored is None:
        raise ValueError(f"{output} already exists and has no record of what it was made from; refusing to "
                         "replace it (use --overwrite to replace it, or write to another path)")
    differing = [key for key in MATCHED if stored.get(key) != wanted[key]]
    if differing:
        raise ValueError(f"{output} already exists but was made from other {_describe(stored, wanted, differing)}; "
                         "refusing to replace it (use --overwrite to replace it, or write to another path)")
    if output.is_file() and stored.get("output_sha256") != sha256_of(output):
        raise ValueError(f"{output} was changed after it was made (its SHA-256 differs from its record); refusing "
                         "to reuse or replace it (use --overwrite to replace it)")
    return True, wanted


def write_record(made: MadeFrom, record: dict[str, Any] | None = None) -> Path:
    """Write the record of the finished ``made.output`` (``record``: inputs hashed before the run)."""
    from ..provenance import git_revision

    record = dict(record or made.record())
    if made.output.is_file():
        record["output_sha256"] = sha256_of(made.output)
    record["git_revision"] = git_revision()
    return write_text(record_path(made.output), json.dumps(record, indent=1, sort_keys=True) + "\n")


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _describe(stored: dict, wanted: dict, keys: list[str]) -> str:
    """'inputs (frames: sha256 differs)', 'settings (seed: stored 0, requested 1)', … for a refusal."""
    parts = []
    for key in keys:
        old, new = stored.get(key), wanted[key]
        if isinstance(old, dict) and isinstance(new, dict):
            names = sorted(name for name in set(old) | set(new) if old.get(name) != new.get(name))
            if key == "inputs":
                detail = ", ".join(f"{name} differs" for name in names)
            else:
                detail = ", ".join(f"{name}: {old.get(name)!r} then, {new.get(name)!r} now" for name in names)
            parts.append(f"{key} ({detail})")
        else:
            parts.append(f"{key} ({old!r} then, {new!r} now)")
    return "; ".join(parts)
