"""YAML/JSON documents read with one error style: every problem is a ValueError naming the file.

Bad syntax names the line and column (``settings.yaml:3:7: cannot parse YAML: …``), a top level of the
wrong type and missing keys name what was expected.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError


def load_document(path: Path | str, what: str = "file") -> Any:
    """The parsed content of a YAML (or, by suffix, JSON) file; ``what`` names the file in errors."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{what} {path} does not exist" if not path.exists() else f"{what} {path} is not a file")
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"{what} {path} cannot be read as text: {error}") from None
    if path.suffix == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}:{error.lineno}:{error.colno}: cannot parse JSON ({what}): {error.msg}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ValueError(f"{where}: cannot parse YAML ({what}): {problem}") from None


def load_mapping(path: Path | str, what: str = "file", required: Iterable[str] = (),
                 empty_ok: bool = True) -> dict[str, Any]:
    """A YAML/JSON file whose top level is a mapping holding the ``required`` keys (an empty file is {})."""
    data = load_document(path, what)
    if data is None and empty_ok:
        data = {}
    if not isinstance(data, dict):
        raise ValueError(f"{what} {path} must hold a mapping of key: value at the top level, "
                         f"found {type(data).__name__}")
    missing = [key for key in required if key not in data]
    if missing:
        raise ValueError(f"{what} {path} lacks the key(s) {', '.join(missing)}")
    return data


def load_model_file(path: Path | str | None, model: type[BaseModel], what: str) -> BaseModel:
    """A pydantic ``model`` from a YAML/JSON mapping file (its defaults when ``path`` is None); one-line
    ValueError naming the file and each bad field."""
    if path is None:
        return model()
    values = load_mapping(path, f"{what} file")
    try:
        return model(**values)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in error.errors())
        raise ValueError(f"invalid {what} in {path}: {problems}") from None
