"""Command-line options from the config's typed models, and the settings files that carry them.

- Numbers given as options are checked by the same typed fields (ranges) as the campaign config, once,
  at the boundary (:func:`check_options`); a builder's parameters model generates its options
  (:func:`add_parameter_options`, :func:`parameters_from_args`).
- ``--settings FILE`` on a command whose settings are options (relax, label, response, ir, evaluate,
  electrostatics, figures, build-system): a YAML mapping ``option → value`` (the option's long name
  with ``_`` for ``-``), as the workflow's settings rules write it from the config. Each value becomes
  the option on the command line, ahead of the options given there, which therefore win. A list is
  one value per word for a multi-valued option and ``a,b`` for a single-valued one, a mapping
  ``k=v,k=v``, a boolean the flag (or its ``--no-`` form); None leaves the option out.
"""

from __future__ import annotations

import argparse
import types
import typing
from pathlib import Path
from typing import Annotated, Any, Sequence

from pydantic import BaseModel, TypeAdapter, ValidationError

from ..io.documents import load_mapping
from ..io.records import MadeFrom

#: dest of ``--settings`` on the commands whose settings are options
SETTINGS_DEST = "options_file"


def option(field: str) -> str:
    """The option of a field or dest: ``cell_height`` → ``--cell-height``."""
    return "--" + field.replace("_", "-")


def value_text(value: Any) -> str:
    """A value as written on the command line (lists: words separated by spaces)."""
    return " ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)


def option_error(name: str, value: Any, message: str, model: type[BaseModel], field: str) -> ValueError:
    """The one-line error of an option whose value its config field refuses."""
    return ValueError(f"{option(name)} {value_text(value)}: {message} (as {model.__name__}.{field} in a config)")


def check_options(args: argparse.Namespace, model: type[BaseModel], fields: dict[str, str]) -> None:
    """Validate ``args.<option>`` by the field ``model.<field>`` for each ``field: option`` of ``fields``;
    ValueError naming the flag, the value and the allowed range (values left at None are skipped)."""
    for field, name in fields.items():
        value = getattr(args, name)
        if value is None:
            continue
        info = model.model_fields[field]
        try:
            setattr(args, name, TypeAdapter(Annotated[info.annotation, info]).validate_python(value))
        except ValidationError as error:
            raise option_error(name, value, error.errors()[0]["msg"], model, field) from None


def field_default(model: type[BaseModel], field: str) -> Any:
    """The config's default of ``model.field``: the default of the matching command-line option."""
    return model.model_fields[field].get_default(call_default_factory=True)


# ------------------------------------------------------------------ builder parameters as options
def _plain(annotation: Any) -> Any:
    """``X | None`` → X, ``Annotated[X, …]`` → X."""
    if typing.get_origin(annotation) is typing.Annotated:
        return typing.get_args(annotation)[0]
    arguments = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(arguments) == 1:
        return _plain(arguments[0])
    return annotation


def add_parameter_options(parser: argparse.ArgumentParser, model: type[BaseModel]) -> None:
    """One option per field of ``model`` (help from its description and default; unset options are
    left out of the namespace, so the model's defaults apply). A tuple field takes one value per element."""
    for name, info in model.model_fields.items():
        annotation = _plain(info.annotation)
        kwargs: dict[str, Any] = {"default": argparse.SUPPRESS, "dest": name, "help": info.description + (
            "" if info.default is None else f" (default {value_text(info.default)})")}
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
        raise option_error(name, values.get(name), first["msg"], model, name) from None


# ------------------------------------------------------------------ settings files
def add_settings_option(parser: argparse.ArgumentParser) -> None:
    """``--settings FILE``: this command's options from a YAML file (the workflow's per-stage settings)."""
    parser.add_argument("--settings", type=Path, dest=SETTINGS_DEST, default=None, metavar="FILE",
                        help="YAML mapping option → value (long option name, _ for -), e.g. the workflow's "
                        "results/settings/<system>/<stage>.yaml; options given on the command line win")


def settings_words(parser: argparse.ArgumentParser, settings: dict[str, Any], source: Path | str) -> list[str]:
    """The command-line words of ``settings`` for ``parser``'s options; ValueError naming an unknown key."""
    actions = {action.dest: action for action in parser._actions
               if action.option_strings and action.dest not in (SETTINGS_DEST, "help", "output", "overwrite")}
    words: list[str] = []
    for key, value in settings.items():
        action = actions.get(key)
        if action is None:
            raise ValueError(f"{source}: {key!r} is not a setting of `{parser.prog}` (known: "
                             f"{', '.join(sorted(actions))})")
        flag = next(o for o in action.option_strings if o.startswith("--"))  # --x of --x/--no-x too
        if value is None:
            continue
        if isinstance(action, argparse.BooleanOptionalAction):
            words.append(flag if value else "--no-" + flag[2:])
        elif action.nargs == 0:  # store_true
            words += [flag] if value else []
        elif isinstance(value, dict):
            words += [flag, ",".join(f"{k}={v}" for k, v in value.items())]
        elif isinstance(value, (list, tuple)):
            words += [flag, *map(str, value)] if action.nargs not in (None, "?") else [flag, ",".join(map(str, value))]
        else:
            words += [flag, str(value)]
    return words


def with_settings_file(parser: argparse.ArgumentParser, argv: Sequence[str]) -> list[str]:
    """``argv`` with the words of its command's ``--settings`` file placed right after the command
    words (so that options given on the command line win); ``argv`` itself without one. ValueError
    for an unreadable file or a key that is not an option of the command."""
    argv, command, at = list(argv), parser, 0
    while True:  # descend the sub-commands named in argv ("build-system", then "water")
        choices = next((a.choices for a in command._actions if isinstance(a, argparse._SubParsersAction)), None)
        word = next((i for i in range(at, len(argv)) if choices and argv[i] in choices), None)
        if word is None:
            break
        command, at = choices[argv[word]], word + 1
    if not any(action.dest == SETTINGS_DEST for action in command._actions):
        return argv
    path = next((argv[i + 1] for i in range(at, len(argv) - 1) if argv[i] == "--settings"), None)
    path = path or next((word.split("=", 1)[1] for word in argv[at:] if word.startswith("--settings=")), None)
    if path is None:
        return argv
    return [*argv[:at], *settings_words(command, load_mapping(path, what="settings file"), path), *argv[at:]]


# ------------------------------------------------------------------ output records
#: Options that say how a command runs (or where else it writes), not what its output holds.
HOW_OPTIONS = frozenset({"command", "handler", "made_from", "debug", "overwrite", "device", "chunk", "batch_size",
                         "extxyz", SETTINGS_DEST})


def made_from_args(args: argparse.Namespace, command: str, inputs: tuple[str, ...] = (), output: str = "output",
                   **extra: Any) -> MadeFrom:
    """The :class:`MadeFrom` of a command: the options named in ``inputs`` are input files (lists
    become ``name[i]``), the other options (but :data:`HOW_OPTIONS`) and ``extra`` are settings (a
    settings file counts by its values, which are options by then)."""
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
