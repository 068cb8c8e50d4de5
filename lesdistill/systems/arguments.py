"""Builder parameters as command-line options and back: the CLI of ``lesdistill build-system`` and the
arguments the workflow passes to it both come from the parameters model, so they cannot drift apart.
A field ``cell_height`` is the option ``--cell-height``; a tuple field takes one value per element."""

from __future__ import annotations

import argparse
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError


def _plain(annotation: Any) -> Any:
    """``X | None`` → X, ``Annotated[X, …]`` → X."""
    if typing.get_origin(annotation) is typing.Annotated:
        return typing.get_args(annotation)[0]
    arguments = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(arguments) == 1:
        return _plain(arguments[0])
    return annotation


def option(field: str) -> str:
    return "--" + field.replace("_", "-")


def add_parameter_options(parser: argparse.ArgumentParser, model: type[BaseModel]) -> None:
    """One option per field of ``model`` (help from its description and default; unset options are
    left out of the namespace, so the model's defaults apply)."""
    for name, info in model.model_fields.items():
        annotation = _plain(info.annotation)
        kwargs: dict[str, Any] = {"default": argparse.SUPPRESS, "dest": name,
                                  "help": info.description + ("" if info.default is None else f" (default {_text(info.default)})")}
        if typing.get_origin(annotation) is tuple:
            elements = [_plain(a) for a in typing.get_args(annotation)]
            kwargs.update(nargs=len(elements), type=elements[0], metavar=tuple(name.upper() for _ in elements))
        elif annotation is bool:
            kwargs["action"] = argparse.BooleanOptionalAction
        elif annotation in (int, float, str):
            kwargs["type"] = annotation
        else:
            raise TypeError(f"{model.__name__}.{name}: no command-line form for {annotation!r}")
        parser.add_argument(option(name), **kwargs)


def parameters_from_args(args: argparse.Namespace, model: type[BaseModel]) -> BaseModel:
    """The parameters given on the command line (defaults for the rest); ValueError naming the option."""
    values = {name: getattr(args, name) for name in model.model_fields if hasattr(args, name)}
    try:
        return model.model_validate(values)
    except ValidationError as error:
        first = error.errors()[0]
        name = str(first["loc"][0])
        raise ValueError(f"{option(name)} {_text(values.get(name))}: {first['msg']} "
                         f"(as {model.__name__}.{name} in a config)") from None


def parameter_arguments(parameters: BaseModel, model: type[BaseModel] | None = None) -> list[str]:
    """The options that reproduce the fields of ``model`` (default: the parameters' own class) from
    ``parameters`` (fields left at None are omitted)."""
    arguments: list[str] = []
    for name in (model or type(parameters)).model_fields:
        value = getattr(parameters, name)
        if value is None:
            continue
        if isinstance(value, bool):
            arguments.append(option(name) if value else "--no-" + name.replace("_", "-"))
        elif isinstance(value, (tuple, list)):
            arguments += [option(name), *map(str, value)]
        else:
            arguments += [option(name), str(value)]
    return arguments


def _text(value: Any) -> str:
    return " ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
