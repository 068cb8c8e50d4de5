"""Command-line numbers checked by the same typed fields (ranges) as the campaign config, once, at the boundary."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from ..io.records import MadeFrom


def check_options(args: argparse.Namespace, model: type[BaseModel], fields: dict[str, str]) -> None:
    """Validate ``args.<option>`` by the field ``model.<field>`` for each ``field: option`` of ``fields``;
    ValueError naming the flag, the value and the allowed range (values left at None are skipped)."""
    for field, option in fields.items():
        value = getattr(args, option)
        if value is None:
            continue
        info = model.model_fields[field]
        try:
            setattr(args, option, TypeAdapter(Annotated[info.annotation, info]).validate_python(value))
        except ValidationError as error:
            flag = "--" + option.replace("_", "-")
            raise ValueError(f"{flag} {_show(value)}: {error.errors()[0]['msg']} "
                             f"(as {model.__name__}.{field} in a config)") from None


def _show(value: Any) -> str:
    return " ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)


#: Options that say how a command runs (or where else it writes), not what its output holds.
HOW_OPTIONS = frozenset({"command", "handler", "made_from", "debug", "overwrite", "device", "chunk", "batch_size",
                         "extxyz"})


def made_from_args(args: argparse.Namespace, command: str, inputs: tuple[str, ...] = (), output: str = "output",
                   **extra: Any) -> MadeFrom:
    """The :class:`MadeFrom` of a command: the options named in ``inputs`` are input files (lists
    become ``name[i]``), the other options (but :data:`HOW_OPTIONS`) and ``extra`` are settings."""
    files: dict[str, Path | None] = {}
    for name in inputs:
        value = getattr(args, name)
        if isinstance(value, (list, tuple)):
            files.update({f"{name}[{i}]": Path(v) for i, v in enumerate(value)})
        else:
            files[name] = None if value is None else Path(value)
    settings = {key: value for key, value in vars(args).items()
                if key not in HOW_OPTIONS and key not in inputs and key != output}
    extxyz = getattr(args, "extxyz", None)  # the extxyz export of md and label
    exports = (Path(extxyz),) if extxyz is not None else ()
    return MadeFrom(command, Path(getattr(args, output)), files, {**settings, **extra}, exports)
