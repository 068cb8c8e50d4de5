"""Shared pieces of the campaign config models: the base class, constrained types, file checks, partials.

Validation context (``model_validate(..., context=...)``, filled in by ``load_config``):
``base_dir`` (folder that relative paths are resolved against; default the current directory) and
``check_files`` (whether files the config names must exist; default True).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Annotated, Any

from ase.data import chemical_symbols
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, create_model
from pydantic_core import PydanticCustomError

#: Catalog ids, system names, reference names: lower-case-ish slugs that are safe in paths and wildcards.
SLUG = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"


class Section(BaseModel):
    """Base of every config section: unknown keys are errors, no NaN or infinity."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, validate_default=False)


def base_dir(info: ValidationInfo | None) -> Path:
    """Folder that relative paths of the config are resolved against."""
    context = (info.context if info is not None else None) or {}
    return Path(context.get("base_dir") or Path.cwd())


def resolve_path(path: Path, info: ValidationInfo | None) -> Path:
    """``path`` as given when absolute, else below the config's base folder."""
    path = Path(path).expanduser()
    return path if path.is_absolute() else base_dir(info) / path


def _plain_path(path: Path) -> Path:
    if any(ord(character) < 32 or ord(character) == 127 for character in str(path)):
        raise PydanticCustomError("path", "a path may not contain control characters (newline, tab, …)")
    return path


#: A file-system path (commands quote it; control characters are refused).
PathText = Annotated[Path, AfterValidator(_plain_path)]


def _existing_file(path: Path, info: ValidationInfo) -> Path:
    _plain_path(path)
    context = info.context or {}
    if context.get("check_files", True):
        resolved = resolve_path(path, info)
        if not resolved.is_file():
            raise PydanticCustomError("file_missing", "file {file} does not exist", {"file": str(resolved)})
    return path


#: A path (absolute, or relative to the base folder) that must name an existing file.
ExistingFile = Annotated[Path, AfterValidator(_existing_file)]


def _element(symbol: str) -> str:
    if symbol not in chemical_symbols[1:]:
        raise PydanticCustomError("element", "not a chemical element symbol (e.g. O, H, Cl, Ti)")
    return symbol


#: A chemical element symbol (H … Og).
Element = Annotated[str, Field(pattern=r"^[A-Z][a-z]?$"), AfterValidator(_element)]
#: A fraction in [0, 1).
Fraction = Annotated[float, Field(ge=0, lt=1)]
Slug = Annotated[str, Field(pattern=SLUG, max_length=100)]


def partial_model(model: type[BaseModel], name: str, doc: str) -> type[Section]:
    """A model with the fields (types, constraints, descriptions) of ``model``, all optional (None = unset).

    Used for per-system overrides of MD, training and IR settings: only the keys given are merged
    onto the campaign-wide section, then the full model validates the result.
    """
    fields: dict[str, Any] = {}
    for field_name, info in model.model_fields.items():
        new = copy.copy(info)
        new.default = None
        new.default_factory = None
        fields[field_name] = (info.annotation | None, new)
    partial = create_model(name, __base__=Section, __doc__=doc, **fields)
    return partial


def set_fields(section: BaseModel | None) -> dict[str, Any]:
    """The non-None fields of a partial (override) section."""
    return {} if section is None else section.model_dump(exclude_none=True)
