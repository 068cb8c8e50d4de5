"""Reading the figures' inputs: netCDF results and benchmark JSON, with a ValueError naming the file."""

from __future__ import annotations

import json
from pathlib import Path

import xarray as xr


def open_dataset(path: Path | str, what: str, required: tuple[str, ...] = ()) -> xr.Dataset:
    """The whole netCDF ``path`` loaded in memory (file closed); ValueError naming the file when it is
    missing, unreadable or lacks one of the ``required`` variables."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{what} {path} does not exist")
    try:
        with xr.open_dataset(path) as dataset:
            dataset = dataset.load()
    except (OSError, RuntimeError, TypeError, ValueError) as error:  # what the back-ends raise for unreadable files
        raise ValueError(f"cannot read {what} {path}: {error}") from error
    missing = [name for name in required if name not in dataset.variables]
    if missing:
        raise ValueError(f"{what} {path} lacks the variable(s) {', '.join(missing)}")
    return dataset


def read_benchmark(path: Path | str) -> dict[str, tuple[float, str]]:
    """The metrics of a benchmark result file (``{"metrics": {name: {"value", "unit"}}}``) as name → (value, unit)."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"benchmark file {path} does not exist")
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"cannot read benchmark file {path}: {error}") from error
    metrics = data.get("metrics") if isinstance(data, dict) else None
    if not isinstance(metrics, dict):
        raise ValueError(f"benchmark file {path} has no 'metrics' mapping")  # noqa: TRY004 (CLI exit 2)
    result = {}
    for name, entry in metrics.items():
        try:
            result[str(name)] = (float(entry["value"]), str(entry.get("unit", "")))
        except (TypeError, KeyError, ValueError):
            raise ValueError(f"benchmark file {path}: metric {name!r} must be {{'value': number, 'unit': text}}, "
                             f"got {entry!r}") from None
    return result


def layout_parts(path: Path | str) -> tuple[str, str]:
    """(teacher, system) of a file laid out as ``results/{teacher}/{system}/<file>``; ValueError otherwise."""
    path = Path(path)
    parts = path.parts
    if len(parts) < 3 or not parts[-3] or parts[-3] in ("/", ".", "..") or parts[-2] in (".", ".."):
        raise ValueError(f"cannot take teacher and system from the path {path}: expected "
                         "results/{teacher}/{system}/" + path.name + " (or give LABEL=PATH)")
    return parts[-3], parts[-2]


def response_attribute(dataset: xr.Dataset, name: str):
    """A JSON-valued attribute of a response file (or of an ir.nc, prefixed ``response_``), parsed; None if absent."""
    text = dataset.attrs.get(name, dataset.attrs.get(f"response_{name}"))
    if text is None:
        return None
    try:
        return json.loads(text)
    except (TypeError, json.JSONDecodeError):
        return None
