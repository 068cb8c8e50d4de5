"""``load_config``: a campaign config from a YAML/JSON file or a mapping, with readable errors.

Every problem becomes one line ``key.path: value — what is wrong / allowed``, e.g.
``systems.water.timestep_fs: -1 — Input should be greater than 0``, and all lines of one config are
raised together in a single ValueError.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..io.documents import load_mapping
from .campaign import CampaignConfig

MISSING = "(missing)"


def _show(value: Any, limit: int = 80) -> str:
    text = MISSING if value is MISSING else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _join(parts: list) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(config)"


def _walk(loc: tuple, data: Any, missing: bool = False) -> tuple[list, Any, bool]:
    """Loc parts that name keys/indices of ``data`` (pydantic's union tags and '[key]' dropped), the
    value there, and whether the error is about a mapping key itself. ``missing``: the last part is a
    required key absent from the config."""
    parts, value, is_key = [], data, False
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if part == "[key]":
            is_key = True
            continue
        if isinstance(value, Mapping) and part in value or isinstance(value, (list, tuple)) and isinstance(part, int) and 0 <= part < len(value):
            parts.append(part)
            value = value[part]
        elif last and missing:
            parts.append(part)  # a required key absent from the config
            value = MISSING
        # else: a union member, tag or validator name inside the path: not a key of the config
    return parts, value, is_key


def _unwrap(annotation: Any, data: Any) -> Any:
    """The model class (or container type) behind Optional/Annotated/discriminated unions."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [m for m in typing.get_args(annotation) if m is not type(None)]
            if len(members) == 1:
                annotation = members[0]
                continue
            chosen = None
            for member in members:
                if isinstance(member, type) and issubclass(member, BaseModel) and isinstance(data, Mapping):
                    for name, field in member.model_fields.items():
                        if typing.get_origin(field.annotation) is typing.Literal and \
                                data.get(name) in typing.get_args(field.annotation):
                            chosen = member
            if chosen is None:
                return None
            annotation = chosen
        else:
            return annotation


def _annotation_at(parts: list, data: Any) -> Any:
    """The type annotation that the config keys ``parts`` lead to (None if unknown)."""
    annotation: Any = CampaignConfig
    for part in parts:
        annotation = _unwrap(annotation, data)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(part)
            if field is None:
                return None
            annotation = field.annotation
        elif typing.get_origin(annotation) is dict:
            annotation = typing.get_args(annotation)[1]
        elif typing.get_origin(annotation) in (list, tuple):
            annotation = typing.get_args(annotation)[0]
        else:
            return None
        data = data.get(part) if isinstance(data, Mapping) else None
    return annotation


def _model_at(parts: list, data: Any) -> type[BaseModel] | None:
    """The section model that the config keys ``parts`` lead to (None if unknown)."""
    value = data
    for part in parts:
        value = value.get(part) if isinstance(value, Mapping) else None
    annotation = _unwrap(_annotation_at(parts, data), value)
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def _expected_tags(parts: list, data: Any, field: str) -> str:
    """The allowed values of the discriminator ``field`` of the union at ``parts``."""
    annotation = _annotation_at(parts, data)
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    tags = []
    for member in typing.get_args(annotation) if annotation is not None else ():
        if isinstance(member, type) and issubclass(member, BaseModel) and field in member.model_fields:
            tags += list(typing.get_args(member.model_fields[field].annotation))
    return ", ".join(repr(t) for t in tags) or "see the schema"


def format_errors(error: ValidationError, data: Any) -> list[str]:
    """One line per problem: ``key.path: value — message``."""
    lines: list[str] = []
    union: dict[str, list[str]] = {}  # "path: value" -> messages of the members of a union that all failed
    for item in error.errors(include_url=False):
        context = item.get("ctx") or {}
        if "problems" in context:
            lines += [f"{path}: {_show(value)} — {message}" if value is not None else f"{path}: {message}"
                      for path, value, message in context["problems"]]
            continue
        parts, value, is_key = _walk(item["loc"], data, missing=item["type"] == "missing")
        kind, message = item["type"], item["msg"].removeprefix("Value error, ")
        if kind in ("union_tag_invalid", "union_tag_not_found"):
            field = context.get("discriminator", "").strip("'")
            tag = context.get("tag", MISSING)
            allowed = context.get("expected_tags") or _expected_tags(parts, data, field)
            parts, value = parts + [field], tag
            message = (f"unknown {field}" if tag is not MISSING else "Field required") + f"; allowed: {allowed}"
        elif kind == "extra_forbidden":
            model = _model_at(parts[:-1], data)
            if model is not None:
                known = sorted(model.model_fields)
                close = difflib.get_close_matches(str(parts[-1]), known, n=1)
                message = (f"unknown key{f' (did you mean {close[0]!r}?)' if close else ''}; "
                           f"allowed: {', '.join(known)}")
            else:
                message = "unknown key"
        elif kind == "missing":
            value = MISSING
        if is_key:
            value, message = parts[-1], f"bad name: {message}"
        if isinstance(value, Mapping) and kind not in ("extra_forbidden", "model_type", "dict_type"):
            lines.append(f"{_join(parts)}: {message}")  # a section-level check: the message names the keys
        else:
            head = f"{_join(parts)}: {_show(value)}"
            if head in union:
                union[head].append(message)
            else:
                union[head] = [message]
                lines.append(head)
    return [f"{line} — {'; or: '.join(union[line])}" if line in union else line for line in lines]


def read_config_file(path: Path | str) -> dict:
    """The mapping in a YAML or JSON config file; ValueError naming the file when it is not one."""
    return load_mapping(path, "config file", empty_ok=False)


def load_config(source: Path | str | Mapping[str, Any], *, base_dir: Path | str | None = None,
                check_files: bool = True) -> CampaignConfig:
    """Validate a campaign config (a YAML/JSON file path, or a mapping such as Snakemake's ``config``).

    Relative paths in the config are resolved against ``base_dir`` (default: the current directory,
    as Snakemake does). With ``check_files`` the files it names (checkpoint overrides, MD settings,
    the teacher catalog, conda environment files) must exist. Raises ValueError with one line per
    problem: ``key.path: value — message``.
    """
    if isinstance(source, (str, Path)):
        label, data = str(source), read_config_file(source)
    elif isinstance(source, Mapping):
        label, data = "", dict(source)
    else:
        raise TypeError(f"load_config takes a path or a mapping, got {type(source).__name__}")
    context = {"base_dir": Path(base_dir) if base_dir is not None else Path.cwd(), "check_files": check_files}
    try:
        return CampaignConfig.model_validate(data, context=context)
    except ValidationError as error:
        lines = format_errors(error, data)
        where = f" {label}" if label else ""
        raise ValueError(f"invalid campaign config{where} ({len(lines)} problem{'s' * (len(lines) != 1)}):\n  "
                         + "\n  ".join(lines)) from None
