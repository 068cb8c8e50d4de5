"""The typed campaign config: demo and paper configs load, bad input is named, the schema is current."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pydantic
import pytest
import yaml

from lesdistill.config import CampaignConfig, load_config, schema_text
from lesdistill.config.__main__ import main as config_main
from lesdistill.teachers import load_catalog

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.json"
DEMO = ROOT / "config" / "demo.yaml"
PAPER = ROOT / "config" / "config.yaml"


def demo() -> dict:
    return yaml.safe_load(DEMO.read_text())


def paper() -> dict:
    return yaml.safe_load(PAPER.read_text())


def _write(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


def problems(config: dict, **options) -> str:
    """The message of the ValueError that ``config`` raises."""
    with pytest.raises(ValueError) as error:
        load_config(config, base_dir=ROOT, **options)
    return str(error.value)


# ------------------------------------------------------------------------------------------ valid configs
def test_demo_config_loads():
    campaign = load_config(DEMO, base_dir=ROOT)
    assert campaign.cells() == [("chgnet-0.3.0", "water"), ("chgnet-r2scan", "water"), ("gfn1-xtb", "water")]
    water = campaign.systems["water"]
    assert (water.builder, water.molecules, water.epsilon_inf, water.charges) == ("water", 32, 1.78, {"O": -0.82, "H": 0.41})
    sampling = campaign.md_settings("water", "sampling")  # from config/md/demo_sampling.yaml
    assert (sampling.thermostat, sampling.timestep_fs, sampling.production_steps) == ("bussi", 0.5, 160)
    assert campaign.ir_settings("water").reference == "water"  # the builder's experimental reference
    assert campaign.label_split("water")["test_fraction"] == 0.2


def test_iterative_rounds_resolve_their_md_labels_and_training():
    config = demo()
    config["iterative"] = {"rounds": 2, "frames_per_round": 30, "epochs": 7}
    campaign = load_config(config, base_dir=ROOT)
    sampling = campaign.md_settings("water", "sampling")
    for round_ in (1, 2):
        explore = campaign.explore_md_settings("water", round_)
        assert explore.production_steps == 30 * sampling.sample_stride and explore.seed == sampling.seed + round_
        assert explore.model_dump(exclude={"production_steps", "seed"}) == \
            sampling.model_dump(exclude={"production_steps", "seed"})
        split = campaign.iteration_label_split(round_)
        assert split["test_fraction"] == 0 and split["seed"] == campaign.labelling.seed + round_
    assert campaign.iteration_settings("water").epochs == 7
    assert campaign.iteration_settings("water").model_dump(exclude={"epochs"}) == \
        campaign.training_settings("water").model_dump(exclude={"epochs"})
    config["iterative"] = {"rounds": 1}
    assert load_config(config, base_dir=ROOT).iteration_settings("water") == \
        load_config(config, base_dir=ROOT).training_settings("water")


def test_paper_config_has_the_paper_settings():
    campaign = load_config(PAPER, base_dir=ROOT)
    water, hcl, tio2 = (campaign.systems[name] for name in ("water", "hcl", "tio2-water"))
    assert (water.molecules, water.n_atoms, water.epsilon_inf, water.train_frames, water.test_frames) == (64, 192, 1.78, 500, 50)
    assert (hcl.n_atoms, hcl.length, hcl.train_frames, hcl.test_frames) == (296, 14.43, 1000, 100)
    assert (tio2.n_atoms, tio2.cell_height, tio2.lattice) == (8748, 83.394, (3.771, 9.528))
    assert tio2.finetune_data.parts[0] == "data" and campaign.finetune_for("tio2-water") is not None
    for name, temperature, timestep, picoseconds in (("water", 300, 0.25, 50), ("hcl", 300, 0.25, 100),
                                                     ("tio2-water", 330, 0.3, 60)):
        md = campaign.md_settings(name, "student")
        assert (md.temperature_K, md.timestep_fs, md.thermostat) == (temperature, timestep, "nose_hoover")
        assert md.production_steps * md.timestep_fs == pytest.approx(picoseconds * 1000)
        sampled = campaign.md_settings(name, "sampling").n_frames
        assert sampled >= campaign.label_split(name)["max_frames"]
    assert campaign.md_settings("hcl", "student").thermostat_time_fs == 25
    assert campaign.student_config("tio2-water").backbone == "cace"
    assert campaign.student_model("hcl", [1, 8, 17])["backbone_config"]["r_max"] == 5.5
    assert campaign.training_settings("tio2-water").dtype == "float32"
    assert campaign.training_settings("water").dtype == "float64"
    families = {campaign.catalog()[teacher].family for teacher in campaign.teachers}
    assert {"fairchem", "fairchem_v1", "mace", "orb", "pet", "chgnet", "sevenn", "xtb"} <= families
    assert campaign.teacher_override("sevennet-0").python is not None
    assert len(campaign.cells()) == sum(len(campaign.teachers_for(name)) for name in campaign.systems)


def test_resolved_md_settings_layer_system_values_over_campaign_values():
    config = demo()
    config["systems"]["water"].update(temperature_K=280, student_md={"ensemble": "nve", "production_steps": 8000})
    campaign = load_config(config, base_dir=ROOT)
    sampling = campaign.md_settings("water", "sampling")
    assert (sampling.temperature_K, sampling.timestep_fs, sampling.thermostat) == (280, 0.5, "bussi")
    student = campaign.md_settings("water", "student")
    assert (student.ensemble, student.thermostat, student.production_steps) == ("nve", None, 8000)


def test_stage_devices_override_the_campaign_device_and_cpu_only_teachers_stay_on_the_cpu():
    campaign = load_config(demo(), base_dir=ROOT)
    assert campaign.device == "auto" and campaign.labelling.batch_size == 1
    assert campaign.device_for("train") == "auto" and campaign.gpus_for("train") == 0
    config = demo()
    config.update(device="cuda:0", devices={"label": "cpu", "finetune": "cuda:1"}, labelling={"batch_size": 8})
    campaign = load_config(config, base_dir=ROOT)
    assert [campaign.device_for(s, "chgnet-0.3.0") for s in ("relax", "label", "finetune")] == ["cuda:0", "cpu", "cuda:1"]
    assert [campaign.gpus_for(s, "chgnet-0.3.0") for s in ("relax", "label", "finetune")] == [1, 0, 1]
    assert campaign.device_for("sample", "gfn1-xtb") == "cpu" and campaign.gpus_for("relabel", "gfn1-xtb") == 0
    assert campaign.device_for("retrain", "gfn1-xtb") == "cuda:0"  # the student trains on the GPU
    assert campaign.label_split("water")["batch_size"] == campaign.iteration_label_split(1)["batch_size"] == 8
    with pytest.raises(ValueError, match="unknown stage 'ir'"):
        campaign.device_for("ir")


# ------------------------------------------------------------------------------------------ bad input
def _set(path: str, value):
    def mutate(config):
        *parents, key = path.split(".")
        node = config
        for part in parents:
            node = node.setdefault(part, {})
        node[key] = value
    return mutate


BAD = {
    "unknown teacher": (_set("teachers", ["chgnet-0.3.0", "chgnet-0.3.O"]),
                        ["teachers[1]: 'chgnet-0.3.O' — unknown teacher id", "did you mean chgnet-0.3.0"]),
    "missing checkpoint": (_set("teacher_overrides", {"chgnet-0.3.0": {"checkpoint": "checkpoints/nowhere.pt"}}),
                           ["teacher_overrides.chgnet-0.3.0.checkpoint: 'checkpoints/nowhere.pt'",
                            f"file {ROOT / 'checkpoints' / 'nowhere.pt'} does not exist"]),
    "negative timestep": (_set("systems.water.timestep_fs", -1),
                          ["systems.water.timestep_fs: -1 — Input should be greater than 0"]),
    "unknown system": (_set("systems.nacl", {"builder": "nacl", "epsilon_inf": 1.8}),
                       ["systems.nacl.builder: 'nacl' — unknown builder; allowed: 'water', 'hcl', 'tio2-water'"]),
    "typo'd key": (_set("systems.water.molecule", 32),
                   ["systems.water.molecule: 32 — unknown key (did you mean 'molecules'?); allowed: "]),
    "typo'd section": (_set("labeling", {"seed": 1}), ["labeling: {'seed': 1} — unknown key (did you mean 'labelling'?)"]),
    "fraction out of range": (_set("labelling.test_fraction", 1.5),
                              ["labelling.test_fraction: 1.5 — Input should be less than 1"]),
    "fractions sum to one": (_set("labelling.validation_fraction", 0.8),
                             ["labelling: validation_fraction + test_fraction must be below 1"]),
    "unknown backbone option": (_set("student", {"backbone": "cace", "backbone_config": {"r_max": 5.0}}),
                                ["student.backbone_config.r_max: 5.0 — unknown key", "allowed: atomic_numbers, avg_neighbors"]),
    "bad ir window": (_set("ir", {"window": "hamming"}), ["ir.window: 'hamming' — Input should be 'none' or 'hann'"]),
    "bad figure format": (_set("figures", {"formats": ["pdf", "gif"]}), ["figures.formats[1]: 'gif'"]),
    "frame counts without test frames": (_set("systems.water.train_frames", 500),
                               ["systems.water: give both train_frames and test_frames, or neither"]),
    "system override": (_set("systems.water.student_md", {"sample_stride": 0}),
                        ["systems.water.student_md.sample_stride: 0 — Input should be greater than 0"]),
    "iterative rounds": (_set("iterative.rounds", -1),
                         ["iterative.rounds: -1 — Input should be greater than or equal to 0"]),
    "too few frames per round": (_set("iterative.frames_per_round", 1),
                                 ["iterative.frames_per_round: 1 — Input should be greater than or equal to 2"]),
    "override of a teacher not in the campaign": (_set("teacher_overrides", {"mace-omol": {}}),
                                                  ["teacher_overrides.mace-omol: 'mace-omol' — not one of the campaign's teachers"]),
    "charge supervision without teacher charges": (_set("training.charges_weight", 10.0),
                                                   ["training.charges_weight: 10.0 — water's teachers chgnet-0.3.0"]),
    "bad device": (_set("device", "gpu"), ["device: 'gpu' — String should match pattern '^(auto|cpu|cuda(:[0-9]+)?)$'"]),
    "device of an unknown stage": (_set("devices", {"training": "cuda"}),
                                   ["devices.training: 'training' — bad name: Input should be 'relax', 'sample'"]),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_names_the_key_the_value_and_what_is_allowed(case):
    mutate, expected = BAD[case]
    config = demo()
    mutate(config)
    message = problems(config)
    for text in expected:
        assert text in message, message


def test_resolved_settings_errors_point_at_the_key_that_set_them():
    config = demo()
    config["systems"]["water"].update(train_frames=500, test_frames=50)
    assert "systems.water.train_frames: 500 — train_frames + test_frames = 550, but the teacher MD writes only 40 frames" \
        in problems(config)
    config = demo()
    config["systems"]["water"]["student_md"] = {"sample_stride": 40}
    assert "systems.water.student_md.sample_stride: 40 — frames every 20 fs resolve only up to" in problems(config)
    config = demo()
    config["systems"]["water"]["temperature_K"] = 2500
    assert "systems.water: resolved student MD settings: max_temperature_K (2000.0) must exceed temperature_K" \
        in problems(config)


def test_every_problem_is_reported_one_per_line():
    config = demo()
    config["teachers"] = ["nope"]
    config["systems"]["water"]["timestep_fs"] = -1
    config["labelling"]["test_fraction"] = 2
    message = problems(config)
    assert message.startswith("invalid campaign config (3 problems):")
    assert len(message.splitlines()) == 4


def test_sampling_settings_file_is_checked(tmp_path):
    settings = tmp_path / "md.yaml"
    settings.write_text("timestep_fs: -0.5\n")
    config = demo()
    config["sampling"]["settings"] = str(settings)
    message = problems(config)
    assert "sampling.settings:" in message and "timestep_fs" in message and str(settings) in message
    config["sampling"]["settings"] = "config/md/none.yaml"
    assert f"file {ROOT / 'config' / 'md' / 'none.yaml'} does not exist" in problems(config)


def test_named_files_need_not_exist_without_file_checks():
    config = demo()
    config["teacher_overrides"] = {"chgnet-0.3.0": {"checkpoint": "checkpoints/nowhere.pt"}}
    campaign = load_config(config, base_dir=ROOT, check_files=False)
    assert campaign.checkpoint_path("chgnet-0.3.0", base_dir=ROOT) == ROOT / "checkpoints" / "nowhere.pt"


def test_checkpoint_override_and_extended_catalog(tmp_path):
    checkpoint = tmp_path / "mine.model"
    checkpoint.write_bytes(b"weights")
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text("my-mace:\n  family: mace\n  package: mace-torch\n  env: base\n  checkpoint: mace/mine.model\n"
                       "  level_of_theory: PBE\n  training_set: mine\n  licence: MIT\n")
    config = demo()
    config["teachers"] = ["chgnet-0.3.0", "my-mace"]
    assert "teachers[1]: 'my-mace' — unknown teacher id" in problems(config)
    config["teacher_catalog"] = str(catalog)
    config["teacher_overrides"] = {"my-mace": {"checkpoint": str(checkpoint)}}
    campaign = load_config(config, base_dir=ROOT)
    assert campaign.checkpoint_path("my-mace") == checkpoint
    assert campaign.checkpoint_path("chgnet-0.3.0") is None  # bundled in the wheel
    entries = campaign.catalog_entries(ROOT)  # what a --catalog file for the teacher commands holds
    assert list(entries) == ["my-mace"] and entries["my-mace"]["checkpoint"] == str(checkpoint.resolve())
    assert load_catalog(_write(tmp_path / "campaign.yaml", entries))["my-mace"].checkpoint == str(checkpoint.resolve())


def test_config_files_and_model_validate(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        load_config(tmp_path / "missing.yaml")
    (tmp_path / "list.yaml").write_text("- a\n")
    with pytest.raises(ValueError, match="must hold a mapping"):
        load_config(tmp_path / "list.yaml")
    config = paper()
    config["sampling"]["teacher"] = "uma-m-omol"
    assert CampaignConfig.model_validate(config, context={"base_dir": ROOT}).sampling.teacher == "uma-m-omol"


# ------------------------------------------------------------------------------------------ JSON schema
def test_committed_schema_is_the_generated_one():
    assert SCHEMA.read_text(encoding="utf-8") == schema_text(), (
        f"{SCHEMA} is stale (pydantic {pydantic.VERSION}); regenerate: "
        "python -m lesdistill.config --schema workflow/schemas/config.schema.json")


def test_schema_generator_command(tmp_path, capsys):
    path = tmp_path / "schema.json"
    assert config_main(["--schema", str(path)]) == 0
    assert path.read_text(encoding="utf-8") == schema_text()
    assert json.loads(path.read_text())["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert config_main(["--check-schema", str(path)]) == 0
    path.write_text("{}\n")
    assert config_main(["--check-schema", str(path)]) == 1
    assert config_main(["--base-dir", str(ROOT), str(DEMO), str(PAPER)]) == 0
    assert "40 cells" in capsys.readouterr().out


@pytest.mark.parametrize("load", [demo, paper], ids=["demo", "paper"])
def test_snakemake_validate_accepts_the_configs(load):
    from snakemake.utils import validate

    config = load()
    original = copy.deepcopy(config)
    validate(config, str(SCHEMA))  # fills schema defaults into config, as in a Snakefile
    for key in original:
        assert key in config
    load_config(config, base_dir=ROOT)  # the filled-in config is still valid
    assert load_config(config, base_dir=ROOT) == load_config(original, base_dir=ROOT)


@pytest.mark.parametrize("mutate", [_set("systems.water.molecule", 32), _set("studnet", {}),
                                    _set("systems.water.builder", "nacl"), _set("labelling.test_fraction", 1.0),
                                    _set("student", {"backbone": "mace", "backbone_config": {"cutoff": 5.0}})],
                         ids=["typo'd key", "typo'd section", "unknown builder", "fraction", "wrong backbone option"])
def test_snakemake_validate_rejects_bad_configs(mutate):
    from snakemake.utils import validate
    from snakemake_interface_common.exceptions import WorkflowError

    config = demo()
    mutate(config)
    with pytest.raises(WorkflowError):
        validate(config, str(SCHEMA))


# ------------------------------------------------------------------------------------------ sampling
def test_sampling_source_per_system_else_campaign_else_per_teacher():
    config = demo()
    campaign = CampaignConfig.model_validate(config, context={"base_dir": ROOT})
    assert campaign.sampling_source("water") == ("per_teacher", None)
    config["sampling"]["teacher"] = "gfn1-xtb"
    assert CampaignConfig.model_validate(config, context={"base_dir": ROOT}).sampling_source("water") == (
        "teacher", "gfn1-xtb")
    config["systems"]["water"]["sampling"] = {"per_teacher": True}
    assert CampaignConfig.model_validate(config, context={"base_dir": ROOT}).sampling_source("water") == (
        "per_teacher", None)
    config["systems"]["water"]["sampling"] = {"dataset": "frames.extxyz"}
    kind, path = CampaignConfig.model_validate(config, context={"base_dir": ROOT}).sampling_source("water")
    assert kind == "dataset" and path == Path("frames.extxyz")


@pytest.mark.parametrize("sampling, message", [
    ({"teacher": "mace-omol"}, "systems.water.sampling.teacher: not one of the campaign's teachers"),
    ({"teacher": "chgnet-0.3.0", "per_teacher": True}, "give exactly one of teacher, dataset, per_teacher"),
    ({}, "give exactly one of teacher, dataset, per_teacher (got none)"),
    ({"dataset": "frames.pdb"}, "a dataset must be netCDF"),
    ({"per_teacher": False}, "per_teacher"),
])
def test_bad_system_sampling_is_named(sampling, message):
    config = demo()
    config["systems"]["water"]["sampling"] = sampling
    with pytest.raises(ValueError, match=None) as error:
        CampaignConfig.model_validate(config, context={"base_dir": ROOT})
    assert message in str(error.value)


def test_the_campaign_sampling_teacher_must_be_a_campaign_teacher():
    config = demo()
    config["sampling"]["teacher"] = "mace-omol"
    with pytest.raises(ValueError, match="not one of the campaign's teachers"):
        CampaignConfig.model_validate(config, context={"base_dir": ROOT})


# ------------------------------------------------------------------------------------------ fine-tuning variants
def test_finetune_variants_resolve_to_training_settings():
    config = demo()
    config["training"] = {**config.get("training", {}), "energy_weight": 2.0}
    config["finetune"] = {"epochs": 7, "lr": 0.002, "replay_fraction": 0.25,
                          "variants": {"all": {}, "f10": {"fraction": 0.1}, "forces": {"energy": False},
                                       "noreplay": {"replay_fraction": 0.0}}}
    campaign = CampaignConfig.model_validate(config, context={"base_dir": ROOT})
    everything = campaign.finetune_settings("water", "all")
    assert (everything.epochs, everything.lr, everything.train_fraction) == (7, 0.002, 1.0)
    assert everything.energy_weight == 2.0 and everything.replay_fraction == 0.25
    assert campaign.finetune_settings("water", "f10").train_fraction == 0.1
    forces = campaign.finetune_settings("water", "forces")
    assert forces.energy_weight == forces.stage_two_energy_weight == 0.0 and forces.forces_weight > 0
    assert campaign.finetune_settings("water", "noreplay").replay_fraction == 0.0
    assert list(CampaignConfig.model_validate(demo(), context={"base_dir": ROOT}).finetune.variants) == ["default"]


@pytest.mark.parametrize("variant, message", [({"fraction": 0}, "greater than 0"), ({"fraction": 1.5}, "less than or equal"),
                                              ({"energy": "maybe"}, "valid boolean")])
def test_bad_finetune_variants_are_named(variant, message):
    config = demo()
    config["finetune"] = {"variants": {"bad": variant}}
    with pytest.raises(ValueError) as error:
        CampaignConfig.model_validate(config, context={"base_dir": ROOT})
    assert "finetune.variants.bad" in str(error.value) and message in str(error.value)


def test_learning_curve_sizes_must_fit_the_training_frames():
    data = paper()
    campaign = load_config(data, check_files=False)
    assert campaign.systems["water"].learning_curve == [5, 10, 25, 50, 100, 200, 400]
    assert campaign.stage_settings("learning_curve", "water", size=25)["train_frames"] == 25
    data["systems"]["water"]["learning_curve"] = [5, 600]
    with pytest.raises(ValueError, match=r"systems.water.learning_curve: \[5, 600\] — the largest size exceeds the "
                                         r"about 475 training frames"):
        load_config(data, check_files=False)
