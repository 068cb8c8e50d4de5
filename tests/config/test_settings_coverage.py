"""Every setting of the schema reaches a stage.

Settings reach the workflow's stages through :meth:`CampaignConfig.stage_settings` (the per-stage settings
files) and a few accessors that shape the DAG (cells, sampling sources, data files, devices, teacher
environments, rounds, variants). :func:`workflow_view` collects all of them; the tests change every leaf of
the config schema in turn (starting from the paper's config) and require that some part of that view
changes, and check that the workflow reads the campaign through nothing else.
"""

from __future__ import annotations

import copy
import re
import types
import typing
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml
from pydantic import BaseModel

from lesdistill.config import load_config
from lesdistill.config.campaign import COMPUTE_STAGES, SETTINGS_STAGES, CampaignConfig

ROOT = Path(__file__).resolve().parents[2]

#: What the workflow reads from the campaign (``CAMPAIGN.<name>`` in workflow/): each must be covered by
#: :func:`workflow_view` (``systems`` for the data files, builder and charges read in common.smk).
VIEWED = {"teacher_ids", "system_names", "cells", "systems", "finetune", "sampling_source", "teacher_override",
          "catalog", "catalog_entries", "iterative", "device_for", "gpus_for", "stage_settings", "finetune_settings",
          "figures", "decomposition", "has_teacher_becs"}

#: Leaves that are checks only: they reach no stage by design, and the reason why.
CHECK_ONLY = {"n_atoms": "the expected atom count, checked against the builder's parameters at load time"}
#: Leaves that choose which section a mapping is (and so which other keys it has), and the reason: each
#: section's own keys are walked.
SECTION_TAGS = {"builder": "the system's builder (its parameters are other keys)",
                "backbone": "the student's backbone (its settings are other keys)"}


#: Teachers with a charge model per system of the paper config (charge supervision needs them).
CHARGE_TEACHERS = {"water": ["gfn1-xtb", "so3lr"], "hcl": ["gfn2-xtb", "so3lr"], "tio2-water": ["gfn1-xtb"]}


def workflow_view(campaign: CampaignConfig) -> dict[str, Any]:
    """Everything a stage of the workflow receives from ``campaign``."""
    rounds = range(1, max(1, campaign.iterative.rounds) + 1)
    view: dict[str, Any] = {
        "cells": campaign.cells(), "rounds": campaign.iterative.rounds, "direct_fit": campaign.finetune.direct_fit,
        "variants": list(campaign.finetune.variants),
        "catalog": campaign.stage_settings("catalog"), "figures": campaign.stage_settings("figures"),
        "devices": {(stage, teacher): campaign.device_for(stage, teacher)
                    for stage in COMPUTE_STAGES for teacher in campaign.teacher_ids},
        "environments": {teacher: (campaign.teacher_override(teacher).model_dump(mode="json"),
                                   campaign.catalog()[teacher].env) for teacher in campaign.teacher_ids},
        "teacher_becs": {teacher: campaign.has_teacher_becs(teacher) for teacher in campaign.teacher_ids},
    }
    for system in campaign.system_names:
        entry = campaign.systems[system]
        view[system] = {"source": campaign.sampling_source(system), "finetune_data": entry.finetune_data,
                        "bec_reference": entry.bec_reference, "builder": entry.builder,
                        "decomposition": campaign.decomposition(system)}
        for stage, extra in SETTINGS_STAGES.items():
            if extra is None:
                continue
            if stage == "model":
                view[system][stage] = campaign.stage_settings(stage, system, atomic_numbers=[1, 8])
            elif extra == ("round",):
                view[system][stage] = [campaign.stage_settings(stage, system, round_=r) for r in rounds]
            elif extra == ("size",):
                view[system][stage] = {n: campaign.stage_settings(stage, system, size=n) for n in entry.learning_curve or ()}
            elif extra == ("variant",):
                view[system][stage] = {v: campaign.stage_settings(stage, system, variant=v)
                                       for v in campaign.finetune.variants}
            else:
                view[system][stage] = campaign.stage_settings(stage, system)
    return view


# ------------------------------------------------------------------ the leaves of the schema
def _members(annotation: Any) -> list[Any]:
    """``annotation`` without Annotated, as the list of its union members (None dropped)."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [m for a in typing.get_args(annotation) if a is not type(None) for m in _members(a)]
    return [annotation]


def _model_of(annotation: Any, value: Any) -> type[BaseModel] | None:
    """The config section behind ``annotation`` for ``value`` (a union is resolved by its tag field)."""
    models = [m for m in _members(annotation) if isinstance(m, type) and issubclass(m, BaseModel)]
    if len(models) == 1 and len(_members(annotation)) == 1:
        return models[0]
    for model in models if isinstance(value, dict) else ():
        tags = [name for name, info in model.model_fields.items() if typing.get_origin(info.annotation) is typing.Literal]
        if tags and all(value.get(tag) in typing.get_args(model.model_fields[tag].annotation) for tag in tags):
            return model
    return None


def leaves(model: type[BaseModel], data: dict, prefix: tuple = ()) -> Iterator[tuple[tuple, Any, Any]]:
    """(path, annotation, current value) of every scalar or list setting below ``model`` given ``data``."""
    for name, info in model.model_fields.items():
        value, path = data.get(name), prefix + (name,)
        members = _members(info.annotation)
        section = _model_of(info.annotation, value if value is not None else {})
        if section is not None and (value is not None or len(members) == 1):
            yield from leaves(section, value or {}, path)
        elif typing.get_origin(members[0]) is dict and value and all(
                _model_of(typing.get_args(members[0])[1], item) for item in value.values()):
            for key, item in value.items():
                yield from leaves(_model_of(typing.get_args(members[0])[1], item), item, path + (key,))
        else:
            yield path, info.annotation, value if name in data else info.get_default(call_default_factory=True)


def candidates(annotation: Any, value: Any) -> list[Any]:
    """Values other than ``value`` that a setting of type ``annotation`` may take."""
    found: list[Any] = []
    for member in _members(annotation):
        origin = typing.get_origin(member)
        if origin is typing.Literal:
            found += [choice for choice in typing.get_args(member) if choice != value]
        elif member is bool:
            found += [True, False] if value is None else [not value]
        elif member is int:
            found += [2 * value, value + 1, value - 1] if isinstance(value, int) and not isinstance(value, bool) \
                else [1, 2, 3, 10, 100, 1000]
        elif member is float:
            found += [2.0 * value, value / 2, value + 1.0] if isinstance(value, (int, float)) and \
                not isinstance(value, bool) else [0.5, 2.0, 0.1, 10.0, 300.0, 1000.0]
            found.append(0.5)
        elif origin is tuple and value is not None:
            found.append([2 * v for v in value])
        elif origin is tuple:
            found.append([1400.0, 1800.0])
        elif origin is list and value:
            found.append(value[:-1])
    return [c for c in found if c != value]


def _set(data: dict, path: tuple, value: Any) -> dict:
    """A copy of ``data`` with the key at ``path`` set to ``value`` (missing sections created)."""
    changed = copy.deepcopy(data)
    node = changed
    for key in path[:-1]:
        if not isinstance(node.get(key), dict):
            node[key] = {}
        node = node[key]
    node[path[-1]] = value
    return changed


class Together(dict):
    """A change of several keys at once (path → value), for settings that the config checks together."""


@pytest.fixture(scope="module")
def paper(tmp_path_factory) -> tuple[dict, Path, dict[tuple, list[Any]]]:
    """The paper's config, with HCl left to the campaign-wide sections (split fractions, sampling teacher,
    MD conditions and lengths: else every system shadows them) and no expected atom counts (so the
    builders' parameters can change), and the values to try of the leaves whose type alone does not
    give one (files, names, ids, values checked together); ``*`` stands for any system or teacher."""
    folder = tmp_path_factory.mktemp("coverage")
    data = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
    for key in ("train_frames", "test_frames", "sampling", "temperature_K", "timestep_fs", "thermostat_time_fs",
                "sampling_md", "student_md"):
        del data["systems"]["hcl"][key]
    for system in data["systems"].values():
        del system["n_atoms"]
    data["sampling"]["teacher"] = "chgnet-0.3.0"
    (folder / "md.yaml").write_text("timestep_fs: 0.4\n")
    (folder / "catalog.yaml").write_text(yaml.safe_dump({"my-chgnet": {
        "family": "chgnet", "package": "chgnet", "env": "base", "checkpoint": "bundled:0.3.0",
        "level_of_theory": "PBE", "training_set": "MPtrj", "licence": "BSD-3"}}))
    (folder / "env.yaml").write_text("name: other\n")
    by_hand = {
        ("teacher_catalog",): [Together({("teacher_catalog",): str(folder / "catalog.yaml"),
                                         ("teachers",): [*data["teachers"], "my-chgnet"]})],
        ("teachers",): [[*data["teachers"], "spcfw"]],
        ("sampling", "settings"): [Together({("sampling", "md"): None, ("sampling", "settings"): str(folder / "md.yaml")})],
        ("sampling", "teacher"): ["gfn2-xtb"],
        ("sampling", "md", "ensemble"): [Together({("sampling", "md", "ensemble"): "nve",
                                                   ("sampling", "md", "thermostat"): None})],
        ("student_md", "ensemble"): [Together({("student_md", "ensemble"): "nve", ("student_md", "thermostat"): None})],
        ("labelling", "stride"): [Together({("labelling", "stride"): 2, ("systems", "water", "train_frames"): 200,
                                            ("systems", "water", "learning_curve"): [5, 100],
                                            ("systems", "tio2-water", "train_frames"): 100})],
        ("teacher_overrides", "*", "python"): ["/usr/bin/python3"],
        ("teacher_overrides", "*", "conda_env"): [{"python": None, "conda_env": str(folder / "env.yaml")}],
        ("teacher_overrides", "*", "checkpoint"): [str(folder / "md.yaml")],
        ("teacher_overrides", "*", "sha256"): [{"checkpoint": str(folder / "md.yaml"), "sha256": "0" * 64}],
        ("devices",): [{"train": "cpu"}],
        ("device",): ["cpu"],
        ("ir", "reference"): ["hcl"],
        ("figures", "formats"): [["png"]],
        ("student", "backbone_config", "atomic_numbers"): [[1, 8, 17, 22]],
        ("training", "sign_element"): ["H"],
        ("systems", "*", "train_frames"): [{"train_frames": 100, "test_frames": 10}, {"train_frames": 450, "test_frames": 40}],
        ("systems", "*", "test_frames"): [{"train_frames": 100, "test_frames": 10}, {"train_frames": 450, "test_frames": 40}],
        ("systems", "*", "teachers"): [["uma-m-omol", "chgnet-0.3.0"]],
        ("systems", "*", "charges"): [{"O": -0.8, "H": 0.4}, {"O": -0.8, "H": 0.4, "Cl": -1.0},
                                      {"O": -0.8, "H": 0.4, "Ti": 1.6}],
        ("systems", "*", "finetune_data"): ["data/other/dft.extxyz"],
        ("systems", "*", "bec_reference"): ["data/other/dft_bec.extxyz"],
        ("systems", "*", "sampling", "dataset"): [{"teacher": None, "per_teacher": None, "dataset": "data/other.extxyz"}],
        ("systems", "*", "sampling", "per_teacher"): [{"teacher": None, "dataset": None, "per_teacher": True}],
        ("systems", "*", "sampling", "teacher"): [{"dataset": None, "per_teacher": None, "teacher": "gfn2-xtb"}],
        ("systems", "*", "student"): [{"backbone": "cace"}],
        ("systems", "*", "learning_curve"): [[5, 10]],
        ("systems", "*", "student", "backbone_config", "atomic_numbers"): [[1, 8, 17, 22]],
        ("systems", "*", "training", "sign_element"): ["H"],
        # charge supervision needs teachers with charges (and no direct fit on DFT data)
        **{("systems", system, "training", "charges_weight"): [Together({
            ("systems", system, "teachers"): teachers, ("finetune", "direct_fit"): False,
            ("systems", system, "training", "charges_weight"): 10.0})] for system, teachers in CHARGE_TEACHERS.items()},
        ("training", "charges_weight"): [Together({
            ("finetune", "direct_fit"): False, ("training", "charges_weight"): 10.0,
            **{("systems", system, "teachers"): teachers for system, teachers in CHARGE_TEACHERS.items()}})],
        ("systems", "*", "ir", "reference"): ["hcl", "water"],
        ("systems", "*", "sampling_md", "production_steps"): [300_000],
        ("systems", "*", "student_md", "production_steps"): [300_000],
    }
    return data, folder, by_hand


def _values_to_try(by_hand: dict[tuple, list[Any]], path: tuple, annotation: Any, value: Any) -> list[Any]:
    general = path[:1] + ("*",) + path[2:] if path[0] in ("systems", "teacher_overrides") else path
    return by_hand.get(path) or by_hand.get(general) or candidates(annotation, value)


def _try(data: dict, folder: Path, path: tuple, value: Any) -> dict | None:
    """The view of ``data`` with ``path`` set to ``value`` (a mapping holding the last key: those keys set
    beside it; :class:`Together`: those paths set), or None when the config refuses the change."""
    if isinstance(value, Together):
        changes = value
    elif isinstance(value, dict) and path[-1] in value:
        changes = {path[:-1] + (key,): item for key, item in value.items()}
    else:
        changes = {path: value}
    changed = data
    for where, item in changes.items():
        changed = _set(changed, where, item)
    try:
        return workflow_view(load_config(changed, base_dir=folder, check_files=False))
    except ValueError:
        return None


def test_every_setting_of_the_schema_changes_what_some_stage_receives(paper):
    data, folder, by_hand = paper
    base = workflow_view(load_config(data, base_dir=folder, check_files=False))
    silent, unchecked, checked = [], [], 0
    for path, annotation, value in leaves(CampaignConfig, data):
        if path[-1] in CHECK_ONLY or path[-1] in SECTION_TAGS:
            continue
        tried = [_try(data, folder, path, candidate) for candidate in _values_to_try(by_hand, path, annotation, value)]
        valid = [view for view in tried if view is not None]
        if not valid:
            unchecked.append(".".join(map(str, path)))
        elif all(view == base for view in valid):
            silent.append(".".join(map(str, path)))
        checked += 1
    assert not silent, f"settings that reach no stage: {silent}"
    assert not unchecked, f"settings without a valid other value to try (add one by hand): {unchecked}"
    assert checked > 300  # the walk reached the whole schema (systems, student, stage sections)


def test_a_setting_that_reaches_no_stage_is_found(paper, monkeypatch):
    """The check itself: with the relax settings dropped from the stage files, relax_fmax reaches nothing."""
    data, folder, _ = paper
    original = CampaignConfig.stage_settings

    def without_relax(self, stage, *args, **kwargs):
        return {} if stage == "relax" else original(self, stage, *args, **kwargs)

    monkeypatch.setattr(CampaignConfig, "stage_settings", without_relax)
    base = workflow_view(load_config(data, base_dir=folder, check_files=False))
    assert _try(data, folder, ("sampling", "relax_fmax"), 0.05) == base


def test_the_workflow_reads_the_campaign_only_through_the_viewed_accessors():
    used = set()
    for path in [ROOT / "workflow" / "Snakefile", *(ROOT / "workflow" / "rules").glob("*.smk")]:
        used |= set(re.findall(r"CAMPAIGN\.(\w+)", path.read_text()))
    assert used and used <= VIEWED, f"read by the workflow but not covered by workflow_view: {used - VIEWED}"
