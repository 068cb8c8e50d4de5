"""Cross-field checks of the campaign config, in one place: each returns problems as [key, value,
message] lists, the key being the config key that set the bad value; :func:`raise_problems` turns them
into one validation error (``load_config`` prints one line per problem)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError, ValidationInfo
from pydantic_core import PydanticCustomError

from ..md.settings import MDSettings
from ..spectra.ir import SPEED_OF_LIGHT_CM_S
from .fields import resolve_path, set_fields
from .stages import MD_STAGES, IRConfig
from .teachers import teacher_catalog, unknown_teacher_message

if TYPE_CHECKING:
    from .campaign import CampaignConfig
    from .systems import SystemSection

def problem(path: str, value: Any, message: str) -> list:
    return [path, value, message]


def located_problems(error: ValidationError, locate: Callable[[str], str], whole: str, what: str) -> list[list]:
    """Errors of a resolved section, each at the key ``locate(field)`` that set the bad value; errors
    of the whole section at ``whole``, described as ``what``."""
    problems = []
    for item in error.errors(include_url=False):
        message = item["msg"].removeprefix("Value error, ")
        if not item["loc"]:
            problems.append(problem(whole, None, f"{what}: {message}"))
            continue
        problems.append(problem(locate(str(item["loc"][0])), item.get("input"), message))
    return problems


def section_problems(error: ValidationError, overrides: dict, system_path: str, campaign_path: str) -> list[list]:
    """Errors of a resolved section (campaign values + a system's overrides), each at the key that set it."""
    return located_problems(error, lambda field: f"{system_path if field in overrides else campaign_path}.{field}",
                            system_path, "resolved settings")


def raise_problems(problems: list[list]) -> None:
    if problems:
        raise PydanticCustomError("config_consistency", "{summary}",
                                  {"summary": "; ".join(f"{p}: {m}" for p, _, m in problems), "problems": problems})


def teacher_problems(value: list[str], info: ValidationInfo) -> list[list]:
    """Unknown or repeated teacher ids of the ``teachers`` list."""
    if "teacher_catalog" not in info.data:  # the catalog file itself is invalid: reported there
        return []
    extra = info.data["teacher_catalog"]
    catalog = teacher_catalog(resolve_path(extra, info) if extra is not None else None)
    problems = [problem(f"teachers[{i}]", teacher, unknown_teacher_message(teacher, catalog))
                for i, teacher in enumerate(value) if teacher not in catalog]
    seen: set[str] = set()
    for i, teacher in enumerate(value):
        if teacher in seen:
            problems.append(problem(f"teachers[{i}]", teacher, "listed twice"))
        seen.add(teacher)
    return problems


def campaign_problems(campaign: CampaignConfig, info: ValidationInfo) -> list[list]:
    """Every cross-field problem of a campaign (teachers, overrides, each system), as (key, value, message)."""
    problems: list[list] = []
    catalog = teacher_catalog(resolve_path(campaign.teacher_catalog, info) if campaign.teacher_catalog else None)
    teachers = set(campaign.teachers)
    for teacher in campaign.teacher_overrides:
        if teacher not in teachers:
            problems.append(problem(f"teacher_overrides.{teacher}", teacher, "not one of the campaign's teachers"))
    if campaign.sampling.teacher is not None and campaign.sampling.teacher not in catalog:
        problems.append(problem("sampling.teacher", campaign.sampling.teacher,
                                 unknown_teacher_message(campaign.sampling.teacher, catalog)))
    elif campaign.sampling.teacher is not None and campaign.sampling.teacher not in teachers:
        problems.append(problem("sampling.teacher", campaign.sampling.teacher, "not one of the campaign's teachers"))
    for name, system in campaign.systems.items():
        problems += system_problems(campaign, name, system)
        problems += charge_supervision_problems(campaign, catalog, name)
    return problems


def charge_supervision_problems(campaign: CampaignConfig, catalog: dict, name: str) -> list[list]:
    """``charges_weight`` > 0 needs teacher charges in every label set the system's students train on:
    each teacher of the system has a charge model, and no direct fit on DFT data (which has none)."""
    try:
        weight = campaign.training_settings(name).charges_weight
    except ValidationError:
        return []  # reported by system_problems
    if weight == 0:
        return []
    key = (f"systems.{name}.training.charges_weight" if "charges_weight" in set_fields(campaign.systems[name].training)
           else "training.charges_weight")
    without = [t for t in campaign.teachers_for(name) if t in catalog and not catalog[t].charge_model]
    if without:
        return [problem(key, weight, f"{name}'s teachers {', '.join(without)} give no partial charges to train on "
                        "(only teachers with a charge model do); set it for systems whose teachers all have one")]
    if campaign.finetune.direct_fit and campaign.systems[name].finetune_data is not None:
        return [problem(key, weight, f"finetune.direct_fit trains on {name}'s DFT data, which carries no teacher "
                        "charges; set charges_weight to 0 for this system or turn direct_fit off")]
    return []


def system_problems(campaign: CampaignConfig, name: str, system: SystemSection) -> list[list]:
    here = f"systems.{name}"
    problems = []
    for i, teacher in enumerate(system.teachers or []):
        if teacher not in campaign.teachers:
            problems.append(problem(f"{here}.teachers[{i}]", teacher, "not one of the campaign's teachers"))
    if system.sampling is not None and system.sampling.teacher not in (None, *campaign.teachers):
        problems.append(problem(f"{here}.sampling.teacher", system.sampling.teacher,
                                 "not one of the campaign's teachers"))
    expected = system.expected_atoms()
    if system.n_atoms is not None and expected is not None and system.n_atoms != expected:
        problems.append(problem(f"{here}.n_atoms", system.n_atoms,
                                 f"the builder parameters give {expected} atoms"))
    md = {}
    for stage in MD_STAGES:
        try:
            md[stage] = campaign.md_settings(name, stage)
        except ValidationError as error:
            problems += resolved_md_problems(campaign, error, name, stage)
    try:
        campaign.training_settings(name)
    except ValidationError as error:
        problems += section_problems(error, set_fields(system.training), f"{here}.training", "training")
    wanted = (system.train_frames or 0) + (system.test_frames or 0)
    if "sampling" in md and wanted and campaign.sampling_source(name)[0] != "dataset":
        available = md["sampling"].n_frames // campaign.labelling.stride
        if available < wanted:
            problems.append(problem(f"{here}.train_frames", system.train_frames,
                                     f"train_frames + test_frames = {wanted}, but the teacher MD writes only "
                                     f"{md['sampling'].n_frames} frames (labelling stride "
                                     f"{campaign.labelling.stride}: {available}); raise production_steps or "
                                     "lower sample_stride"))
    if system.learning_curve and system.train_frames is not None:
        training = campaign.label_split(name)["validation_fraction"] * wanted
        usable = system.train_frames - round(training)
        if max(system.learning_curve) > usable:
            problems.append(problem(f"{here}.learning_curve", system.learning_curve,
                                     f"the largest size exceeds the about {usable} training frames left of "
                                     f"train_frames = {system.train_frames} after validation"))
    try:
        campaign.quality_settings(name)
    except ValidationError as error:
        problems += section_problems(error, set_fields(system.quality), f"{here}.quality", "quality")
    try:
        ir = campaign.ir_settings(name)
    except ValidationError as error:
        problems += section_problems(error, set_fields(system.ir), f"{here}.ir", "ir")
    else:
        if "student" in md:
            problems += ir_problems(campaign, name, md["student"], ir)
    return problems

def resolved_md_problems(campaign: CampaignConfig, error: ValidationError, name: str, stage: str) -> list[list]:
    """Errors of one system's resolved MD settings, each at the key that set the bad value."""
    system = campaign.systems[name]
    overrides = set_fields(getattr(system, f"{stage}_md"))
    conditions = campaign.system_conditions(system)

    def locate(field: str) -> str:
        if field in overrides:
            return f"systems.{name}.{stage}_md.{field}"
        if field in conditions:
            return f"systems.{name}.{field}"
        if stage == "student":
            return f"student_md.{field}"
        settings = campaign.sampling.settings
        return f"sampling.md.{field}" if settings is None else f"sampling.settings ({settings}) {field}"

    return located_problems(error, locate, f"systems.{name}", f"resolved {stage} MD settings")


def ir_problems(campaign: CampaignConfig, name: str, md: MDSettings, ir: IRConfig) -> list[list]:
    frame_fs = md.timestep_fs * md.sample_stride * campaign.response.stride
    nyquist = 1e15 / (2 * frame_fs * SPEED_OF_LIGHT_CM_S)
    where = f"systems.{name}.ir" if campaign.systems[name].ir is not None else "ir"
    problems = []
    if nyquist < ir.max_wavenumber_cm1:
        stride_path = (f"systems.{name}.student_md.sample_stride"
                       if "sample_stride" in set_fields(campaign.systems[name].student_md) else "student_md.sample_stride")
        problems.append(problem(stride_path, md.sample_stride,
                                 f"frames every {frame_fs:g} fs resolve only up to {nyquist:.0f} cm⁻¹ < "
                                 f"max_wavenumber_cm1 {ir.max_wavenumber_cm1:g}: lower sample_stride or "
                                 "response.stride"))
    if ir.block_length_fs < 2 * frame_fs:
        problems.append(problem(f"{where}.block_length_fs", ir.block_length_fs,
                                 f"shorter than two frames ({frame_fs:g} fs apart)"))
    length_fs = md.production_steps * md.timestep_fs
    if ir.block_length_fs > length_fs:
        problems.append(problem(f"{where}.block_length_fs", ir.block_length_fs,
                                 f"longer than the student MD production run of system {name} ({length_fs:g} fs)"))
    return problems
