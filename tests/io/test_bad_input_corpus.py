"""A corpus of bad inputs for every command: each exits 2 with one line on stderr naming the problem,
prints no traceback, and leaves every file that existed before byte-for-byte unchanged (and adds none).

The fixtures (a water box, a short SPC/Fw trajectory, its labels, an untrained student, a response
and an IR file) are made once per module; the cases run in-process through ``lesdistill.cli.main``.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import ase.io
import netCDF4
import numpy as np
import pytest
import torch
from ase.calculators.singlepoint import SinglePointCalculator

from lesdistill.cli import main
from lesdistill.config.__main__ import main as config_main
from lesdistill.models.student import FILE_VERSION, Student, save_student

CACE = {"backbone": "cace", "backbone_config": {"atomic_numbers": [1, 8], "cutoff": 3.0, "n_radial": 3, "n_embed": 2,
                                                "n_channels": 2, "l_max": 1, "nu_max": 2, "mlp": [4]}}


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def _labelled_extxyz(path: Path, water: Path, change=None) -> Path:
    """Six perturbed copies of the water box with made-up energies and forces (``change(i, energy, forces)``)."""
    rng = np.random.default_rng(0)
    frames = []
    for i in range(6):
        atoms = ase.io.read(water)
        atoms.positions += rng.normal(scale=0.02, size=atoms.positions.shape)
        energy, forces = -10.0 * len(atoms) + 0.01 * i, rng.normal(size=(len(atoms), 3))
        if change is not None:
            energy, forces = change(i, energy, forces)
        atoms.calc = SinglePointCalculator(atoms, energy=energy, forces=forces)
        frames.append(atoms)
    ase.io.write(path, frames)
    return path


def _student_file(path: Path, **changes) -> Path:
    """A student file (untrained) with entries of the payload replaced or (value None) removed."""
    save_student(Student(**CACE), path)
    payload = torch.load(path, weights_only=True)
    for key, value in changes.items():
        if value is None:
            payload.pop(key)
        else:
            payload[key] = value
    torch.save(payload, path)
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("corpus")
    f: dict[str, Path] = {"dir": d}
    f["water"] = d / "water.extxyz"
    assert main(["build-system", "water", "--molecules", "8", "--seed", "1", "-o", str(f["water"])]) == 0
    f["md_settings"] = _write(d / "md.yaml", "ensemble: nvt\nthermostat: bussi\ntimestep_fs: 0.5\n"
                              "equilibration_steps: 0\nproduction_steps: 4\nsample_stride: 1\ncheckpoint_every: 4\n"
                              "max_temperature_K: 100000\n")
    f["md"] = d / "md.nc"
    assert main(["md", str(f["water"]), "--teacher", "spcfw", "--settings", str(f["md_settings"]),
                 "-o", str(f["md"])]) == 0
    f["labels"] = d / "labels.nc"
    assert main(["label", str(f["md"]), "--teacher", "spcfw", "--validation-fraction", "0.2",
                 "--test-fraction", "0", "-o", str(f["labels"])]) == 0
    f["student"] = _student_file(d / "student.pt")
    f["response"] = d / "response.nc"
    assert main(["response", str(f["md"]), "--student", str(f["student"]), "--bec-stride", "2",
                 "-o", str(f["response"])]) == 0
    f["ir"] = d / "ir.nc"
    assert main(["ir", str(f["response"]), "-o", str(f["ir"])]) == 0
    f["model"] = _write(d / "model.yaml", json.dumps(CACE))
    f["settings"] = _write(d / "train.yaml", "epochs: 1\nbatch_size: 2\n")

    # --- bad structures ---------------------------------------------------------------------
    atoms = ase.io.read(f["water"])
    f["empty"] = _write(d / "empty.extxyz", "")
    f["truncated"] = _write(d / "truncated.extxyz", "".join(f["water"].read_text().splitlines(True)[:7]))
    f["unknown_element"] = _write(d / "unknown.extxyz", f["water"].read_text().replace("\nO ", "\nXq ", 1))
    f["garbage"] = _write(d / "garbage.extxyz", "this is not\na structure file\n")
    f["yaml_structure"] = _write(d / "frames.yaml", "a: 1\nb: [2, 3]\n")
    for name, edit in {"nan": lambda a: a.positions.__setitem__((2, 1), np.nan),
                       "overlap": lambda a: a.positions.__setitem__(5, a.positions[0]),
                       "zero_cell": lambda a: a.set_cell(np.zeros((3, 3))),
                       "flat_cell": lambda a: a.set_cell([a.cell[0], a.cell[1], a.cell[0] + a.cell[1]]),
                       "huge_cell": lambda a: a.set_cell(np.eye(3) * 1e5)}.items():
        copy = atoms.copy()
        edit(copy)
        copy.pbc = True
        f[name] = d / f"{name}.extxyz"
        ase.io.write(f[name], copy, format="extxyz")

    # --- bad catalogs, settings and model files -----------------------------------------------
    f["bad_yaml"] = _write(d / "bad.yaml", "epochs: 3\nlr: [1, 2\nseed: 0\n")
    f["list_yaml"] = _write(d / "list.yaml", "- epochs: 3\n- lr: 0.1\n")
    f["negative_epochs"] = _write(d / "negative_epochs.yaml", "epochs: -1\n")
    f["md_unknown_key"] = _write(d / "md_unknown.yaml", "timestpe_fs: 0.5\n")
    f["md_negative"] = _write(d / "md_negative.yaml", "timestep_fs: -1\n")
    f["relax_negative"] = _write(d / "relax_negative.yaml", "fmax: -1\n")
    f["build_no_molecules"] = _write(d / "build_no_molecules.yaml", "molecules: 0\n")
    f["model_missing_key"] = _write(d / "model_missing.yaml", "backbone: cace\n")
    f["model_bad_backbone"] = _write(d / "model_bad_backbone.yaml", "backbone: nequip\nbackbone_config: {}\n")
    f["catalog_entry_list"] = _write(d / "catalog_list_entry.yaml", "mine: [1, 2]\n")
    f["catalog_entry_fields"] = _write(d / "catalog_fields.yaml", "mine: {family: mace}\n")
    f["corrupt_checkpoint"] = _write(d / "corrupt.model", "not a pickle at all")
    entry = ("{family: mace, package: mace-torch, env: base, checkpoint: %s, level_of_theory: x, training_set: x, "
             "licence: x%s}")
    wrong_sha = f", sha256: '{'0' * 64}'"
    f["catalog_wrong_sha"] = _write(d / "catalog_sha.yaml", "mine: " + entry % (f["corrupt_checkpoint"], wrong_sha) + "\n")
    f["catalog_no_sha"] = _write(d / "catalog_nosha.yaml", "mine: " + entry % (f["corrupt_checkpoint"], "") + "\n")

    # --- bad label sets -----------------------------------------------------------------------
    def huge_force(i, energy, forces):
        forces[3, 1] = 2.3e38 if i == 4 else forces[3, 1]
        return energy, forces

    f["huge_force"] = _labelled_extxyz(d / "huge_force.extxyz", f["water"], huge_force)
    f["nan_energy"] = _labelled_extxyz(d / "nan_energy.extxyz", f["water"],
                                       lambda i, e, F: (np.nan if i == 2 else e, F))
    f["outlier_energy"] = _labelled_extxyz(d / "outlier.extxyz", f["water"],
                                           lambda i, e, F: (e + 1e4 if i == 3 else e, F))
    f["bad_split"] = d / "bad_split.extxyz"
    frames = ase.io.read(_labelled_extxyz(f["bad_split"], f["water"]), index=":")
    for atoms in frames:
        atoms.info["split"] = "holdout"
    ase.io.write(f["bad_split"], frames)
    f["no_energy"] = d / "no_energy.extxyz"
    ase.io.write(f["no_energy"], [ase.io.read(f["water"])] * 3)
    f["open_molecules"] = d / "open_molecules.extxyz"
    molecules = []
    for atoms in ase.io.read(_labelled_extxyz(f["open_molecules"], f["water"]), index=":"):
        energy, forces = atoms.get_potential_energy(), atoms.get_forces()[:3]
        atoms = atoms[:3]  # one water, not periodic
        atoms.pbc, atoms.cell = False, None
        atoms.calc = SinglePointCalculator(atoms, energy=energy / 8, forces=forces)
        molecules.append(atoms)
    ase.io.write(f["open_molecules"], molecules)
    f["mixed_periodicity"] = d / "mixed_periodicity.extxyz"
    ase.io.write(f["mixed_periodicity"], ase.io.read(_labelled_extxyz(d / "boxes.extxyz", f["water"]), index=":3")
                 + molecules[:2])
    f["inf_force_nc"] = d / "inf_force.nc"
    shutil.copy(f["labels"], f["inf_force_nc"])
    with netCDF4.Dataset(f["inf_force_nc"], "a") as nc:
        nc["forces"][1, 0, 0] = np.inf

    # --- bad students -------------------------------------------------------------------------
    f["student_string_version"] = _student_file(d / "student_v_string.pt", version="1")
    f["student_no_version"] = _student_file(d / "student_no_version.pt", version=None)
    f["student_newer"] = _student_file(d / "student_newer.pt", version=FILE_VERSION + 1)
    state = torch.load(f["student"], weights_only=True)["state_dict"]
    f["student_shapes"] = _student_file(d / "student_shapes.pt", state_dict={k: v[..., :1] if v.dim() else v
                                                                             for k, v in state.items()})
    f["student_foreign"] = d / "foreign.pt"
    torch.save({"weights": torch.zeros(3)}, f["student_foreign"])
    f["student_corrupt"] = d / "corrupt.pt"
    f["student_corrupt"].write_bytes(f["student"].read_bytes()[:200])

    # --- bad configs --------------------------------------------------------------------------
    f["config_typo"] = _write(d / "typo.yaml", "teachrs: [spcfw]\nsystems: {water: {builder: water, epsilon_inf: 1.78}}\n")
    f["config_bad_yaml"] = _write(d / "config_bad.yaml", "teachers: [spcfw\nsystems: {}\n")
    f["config_negative"] = _write(d / "config_negative.yaml",
                                  "teachers: [spcfw]\nsystems: {water: {builder: water, epsilon_inf: 1.78, molecules: -4}}\n")
    f["config_list"] = _write(d / "config_list.yaml", "- teachers\n- systems\n")
    f["config_newline_path"] = _write(d / "config_path.yaml", "teachers: [spcfw]\nsystems: {water: {builder: water, "
                                      "epsilon_inf: 1.78, finetune_data: \"a\\nb.extxyz\"}}\n")
    f["reference_bad_yaml"] = _write(d / "reference_bad.yaml", "bands: {a: [1, 2}\n")
    f["reference_list"] = _write(d / "reference_list.yaml", "- 1\n- 2\n")
    f["ir_dir"] = d / "a_folder"
    f["ir_dir"].mkdir()

    # --- outputs that exist -----------------------------------------------------------------
    f["foreign_output"] = _write(d / "foreign_output.nc", "a file this command did not make")
    f["other_water"] = d / "other_water.extxyz"
    assert main(["build-system", "water", "--molecules", "8", "--seed", "2", "-o", str(f["other_water"])]) == 0
    f["changed_ir"] = d / "changed_ir.nc"
    assert main(["ir", str(f["response"]), "--overlap", "0.25", "-o", str(f["changed_ir"])]) == 0
    with open(f["changed_ir"], "ab") as handle:
        handle.write(b"edited by hand")
    return f


S, TS, MS, MO = "STRUCTURE", "TRAIN_SETTINGS", "MD_SETTINGS", "MODEL"
CASES = {
    # structures: (command line, text of the first stderr line)
    "md_missing_structure": (["md", "{dir}/missing.extxyz", "--calculator", "lj", "-o", "{out}"], "does not exist"),
    "md_empty_structure": (["md", "{empty}", "--calculator", "lj", "-o", "{out}"], "is empty"),
    "md_truncated_structure": (["md", "{truncated}", "--calculator", "lj", "-o", "{out}"], "cannot read structures"),
    "md_unknown_element": (["md", "{unknown_element}", "--calculator", "lj", "-o", "{out}"], "unknown element symbol"),
    "md_nan_positions": (["md", "{nan}", "--calculator", "lj", "-o", "{out}"], "NaN or infinite positions"),
    "md_overlapping_atoms": (["md", "{overlap}", "--calculator", "lj", "-o", "{out}"], "overlapping atoms"),
    "md_zero_cell": (["md", "{zero_cell}", "--calculator", "lj", "-o", "{out}"], "zero or singular"),
    "md_index_past_the_end": (["md", "{water}", "--index", "99", "--calculator", "lj", "-o", "{out}"],
                              "--index 99 is out of range"),
    "md_structure_is_a_folder": (["md", "{ir_dir}", "--calculator", "lj", "-o", "{out}"], "is not a file"),
    "md_garbage_structure": (["md", "{garbage}", "--calculator", "lj", "-o", "{out}"], "cannot read structures"),
    "relax_overlapping_atoms": (["relax", "{overlap}", "--teacher", "spcfw", "-o", "{out}"], "overlapping atoms"),
    "label_yaml_file": (["label", "{yaml_structure}", "--teacher", "spcfw", "-o", "{out}"], "cannot read structures"),
    "label_truncated": (["label", "{truncated}", "--teacher", "spcfw", "-o", "{out}"], "cannot read structures"),
    "electrostatics_huge_cell": (["electrostatics", "{huge_cell}", "--charges", "O=-0.82,H=0.41", "-o", "{out}"],
                                 "needs a LES k-space grid (dl = 2.0 Å) of about"),
    "md_huge_cell_ewald_teacher": (["md", "{huge_cell}", "--teacher", "spcfw", "-o", "{out}"],
                                   "needs an Ewald k-space grid of about"),
    "electrostatics_flat_cell": (["electrostatics", "{flat_cell}", "--charges", "O=-0.82,H=0.41", "-o", "{out}"],
                                 "zero or singular"),
    "electrostatics_unknown_element": (["electrostatics", "{unknown_element}", "--charges", "O=-0.8,H=0.4",
                                        "-o", "{out}"], "unknown element symbol"),
    # teachers, catalogs and checkpoints
    "label_unknown_teacher": (["label", "{water}", "--teacher", "dft-magic", "-o", "{out}"], "unknown teacher"),
    "label_catalog_missing": (["label", "{water}", "--teacher", "spcfw", "--catalog", "{dir}/none.yaml", "-o", "{out}"],
                              "does not exist"),
    "label_catalog_bad_yaml": (["label", "{water}", "--teacher", "spcfw", "--catalog", "{bad_yaml}", "-o", "{out}"],
                               "bad.yaml:3:5:"),
    "label_catalog_is_a_list": (["label", "{water}", "--teacher", "spcfw", "--catalog", "{list_yaml}", "-o", "{out}"],
                                "must hold a mapping"),
    "label_catalog_entry_list": (["label", "{water}", "--teacher", "spcfw", "--catalog", "{catalog_entry_list}",
                                  "-o", "{out}"], "teacher 'mine' in the catalog must be a mapping"),
    "label_catalog_entry_fields": (["label", "{water}", "--teacher", "spcfw", "--catalog", "{catalog_entry_fields}",
                                    "-o", "{out}"], "teacher 'mine' in the catalog is invalid"),
    "md_unstaged_checkpoint": (["md", "{water}", "--teacher", "mace-mp-0-large", "-o", "{out}"], "not found"),
    "label_checkpoint_wrong_sha": (["label", "{water}", "--teacher", "mine", "--catalog", "{catalog_wrong_sha}",
                                    "-o", "{out}"], "has SHA-256"),
    # settings and model files
    "md_settings_missing": (["md", "{water}", "--calculator", "lj", "--settings", "{dir}/none.yaml", "-o", "{out}"],
                            "does not exist"),
    "md_settings_bad_yaml": (["md", "{water}", "--calculator", "lj", "--settings", "{bad_yaml}", "-o", "{out}"],
                             "bad.yaml:3:5:"),
    "md_settings_list": (["md", "{water}", "--calculator", "lj", "--settings", "{list_yaml}", "-o", "{out}"],
                         "must hold a mapping"),
    "md_settings_unknown_key": (["md", "{water}", "--calculator", "lj", "--settings", "{md_unknown_key}", "-o", "{out}"],
                                "timestpe_fs"),
    "md_settings_negative": (["md", "{water}", "--calculator", "lj", "--settings", "{md_negative}", "-o", "{out}"],
                             "timestep_fs"),
    "train_settings_bad_yaml": (["train", "{labels}", "--model", "{model}", "--settings", "{bad_yaml}", "-o", "{out}"],
                                "bad.yaml:3:5:"),
    "train_settings_list": (["train", "{labels}", "--model", "{model}", "--settings", "{list_yaml}", "-o", "{out}"],
                            "must hold a mapping"),
    "train_settings_negative": (["train", "{labels}", "--model", "{model}", "--settings", "{negative_epochs}",
                                 "-o", "{out}"], "epochs"),
    "train_model_missing_key": (["train", "{labels}", "--model", "{model_missing_key}", "-o", "{out}"],
                                "backbone_config"),
    "train_model_bad_yaml": (["train", "{labels}", "--model", "{bad_yaml}", "-o", "{out}"], "bad.yaml:3:5:"),
    "train_model_unknown_backbone": (["train", "{labels}", "--model", "{model_bad_backbone}", "-o", "{out}"],
                                     "unknown backbone"),
    "train_neither_model_nor_init": (["train", "{labels}", "-o", "{out}"], "give --model"),
    # label sets
    "train_huge_force": (["train", "{huge_force}", "--model", "{model}", "-o", "{out}"], "frame 4 has a force of 2.3e+38"),
    "train_nan_energy": (["train", "{nan_energy}", "--model", "{model}", "-o", "{out}"], "frame 2 has a NaN"),
    "train_infinite_force_netcdf": (["train", "{inf_force_nc}", "--model", "{model}", "-o", "{out}"], "frame 1 has a NaN"),
    "train_outlier_energy": (["train", "{outlier_energy}", "--model", "{model}", "-o", "{out}"],
                             "frame 3 has an energy"),
    "train_labels_without_energies": (["train", "{no_energy}", "--model", "{model}", "-o", "{out}"],
                                      "needs an energy and forces"),
    "train_trajectory_without_split": (["train", "{md}", "--model", "{model}", "-o", "{out}"], "lacks split"),
    "train_unknown_split_name": (["train", "{bad_split}", "--model", "{model}", "-o", "{out}"], "split must be one of"),
    "train_datasets_of_other_periodicity": (["train", "{labels}", "{open_molecules}", "--model", "{model}", "-o",
                                             "{out}"], "open_molecules.extxyz is not periodic"),
    "train_set_mixing_periodicity": (["train", "{mixed_periodicity}", "--model", "{model}", "-o", "{out}"],
                                     "mix periodic and non-periodic"),
    "train_missing_dataset": (["train", "{dir}/none.nc", "--model", "{model}", "-o", "{out}"], "does not exist"),
    # students
    "response_student_version_string": (["response", "{md}", "--student", "{student_string_version}", "-o", "{out}"],
                                        "no valid student file version"),
    "response_student_without_version": (["response", "{md}", "--student", "{student_no_version}", "-o", "{out}"],
                                         "no valid student file version"),
    "response_student_newer": (["response", "{md}", "--student", "{student_newer}", "-o", "{out}"], "upgrade lesdistill"),
    "response_student_wrong_shapes": (["response", "{md}", "--student", "{student_shapes}", "-o", "{out}"],
                                      "do not fit its configuration"),
    "response_student_foreign_file": (["response", "{md}", "--student", "{student_foreign}", "-o", "{out}"],
                                      "not a lesdistill student file"),
    "response_student_truncated": (["response", "{md}", "--student", "{student_corrupt}", "-o", "{out}"],
                                   "not a loadable student file"),
    "md_student_missing": (["md", "{water}", "--student", "{dir}/none.pt", "-o", "{out}"], "does not exist"),
    "train_init_truncated_student": (["train", "{labels}", "--init", "{student_corrupt}", "-o", "{out}"],
                                     "not a loadable student file"),
    # response and ir options
    "response_epsilon_inf_zero": (["response", "{md}", "--student", "{student}", "--epsilon-inf", "0", "-o", "{out}"],
                                  "--epsilon-inf 0"),
    "response_epsilon_inf_negative": (["response", "{md}", "--student", "{student}", "--epsilon-inf", "-1",
                                       "-o", "{out}"], "--epsilon-inf -1"),
    "response_stride_zero": (["response", "{md}", "--student", "{student}", "--stride", "0", "-o", "{out}"], "--stride 0"),
    "response_bec_stride_negative": (["response", "{md}", "--student", "{student}", "--bec-stride", "-2", "-o", "{out}"],
                                     "--bec-stride -2"),
    "response_layer_cuts_decreasing": (["response", "{md}", "--student", "{student}", "--layer-cuts", "5", "3",
                                        "-o", "{out}"], "--layer-cuts 5.0 3.0"),
    "response_without_velocities": (["response", "{labels}", "--student", "{student}", "-o", "{out}"], "no velocities"),
    "evaluate_without_reference_data": (["evaluate", "{student}", "-o", "{out}"], "give --labels"),
    "evaluate_bec_without_epsilon": (["evaluate", "{student}", "--labels", "{labels}", "--bec-reference", "{water}",
                                      "-o", "{out}"], "--bec-reference needs --epsilon-inf"),
    "evaluate_negative_epsilon": (["evaluate", "{student}", "--labels", "{labels}", "--bec-reference", "{water}",
                                   "--epsilon-inf", "-1", "-o", "{out}"], "--epsilon-inf -1"),
    "evaluate_reference_without_bec": (["evaluate", "{student}", "--labels", "{labels}", "--bec-reference", "{water}",
                                        "--epsilon-inf", "1.78", "-o", "{out}"], "has no per-atom BEC array"),
    "evaluate_labels_are_structures": (["evaluate", "{student}", "--labels", "{water}", "-o", "{out}"], "water.extxyz"),
    "ir_negative_smoothing": (["ir", "{response}", "--smoothing-cm1", "-5", "-o", "{out}"], "--smoothing-cm1 -5"),
    "ir_overlap_one": (["ir", "{response}", "--overlap", "1.5", "-o", "{out}"], "--overlap 1.5"),
    "ir_zero_pad_zero": (["ir", "{response}", "--zero-pad", "0", "-o", "{out}"], "--zero-pad 0"),
    "ir_block_length_zero": (["ir", "{response}", "--block-length-fs", "0", "-o", "{out}"], "--block-length-fs 0"),
    "ir_negative_dt": (["ir", "{response}", "--dt-fs", "-1", "-o", "{out}"], "--dt-fs -1"),
    "ir_negative_quantum_temperature": (["ir", "{response}", "--quantum-correction-K", "-3", "-o", "{out}"],
                                        "--quantum-correction-K -3"),
    "ir_reference_missing": (["ir", "{response}", "--reference", "{dir}/none.yaml", "-o", "{out}"],
                             "neither a bundled name"),
    "ir_reference_bad_yaml": (["ir", "{response}", "--reference", "{reference_bad_yaml}", "-o", "{out}"],
                              "reference_bad.yaml:1:"),
    "ir_reference_list": (["ir", "{response}", "--reference", "{reference_list}", "-o", "{out}"], "must hold a mapping"),
    "ir_of_a_trajectory": (["ir", "{md}", "-o", "{out}"], "current"),
    "label_negative_test_fraction": (["label", "{water}", "--teacher", "spcfw", "--test-fraction", "-0.1",
                                      "-o", "{out}"], "--test-fraction -0.1"),
    "label_fractions_sum_to_one": (["label", "{water}", "--teacher", "spcfw", "--validation-fraction", "0.5",
                                    "--test-fraction", "0.5", "-o", "{out}"], "must be below 1"),
    "label_stride_zero": (["label", "{water}", "--teacher", "spcfw", "--stride", "0", "-o", "{out}"], "--stride 0"),
    "label_max_frames_zero": (["label", "{water}", "--teacher", "spcfw", "--max-frames", "0", "-o", "{out}"],
                              "--max-frames 0"),
    "relax_negative_fmax": (["relax", "{water}", "--teacher", "spcfw", "--fmax", "-1", "-o", "{out}"], "--fmax -1"),
    "electrostatics_epsilon_inf_zero": (["electrostatics", "{water}", "--charges", "O=-0.82,H=0.41", "--epsilon-inf",
                                         "0", "-o", "{out}"], "--epsilon-inf 0"),
    "electrostatics_sigma_zero": (["electrostatics", "{water}", "--charges", "O=-0.82,H=0.41", "--sigma", "0",
                                   "-o", "{out}"], "--sigma 0"),
    "build_system_no_molecules": (["build-system", "water", "--molecules", "0", "-o", "{out}"], "--molecules 0"),
    "build_system_negative_density": (["build-system", "water", "--density", "-1", "-o", "{out}"], "--density -1"),
    # settings files (--settings of the commands whose settings are options)
    "relax_settings_unknown_key": (["relax", "{water}", "--teacher", "spcfw", "--settings", "{md_unknown_key}",
                                    "-o", "{out}"], "'timestpe_fs' is not a setting of `lesdistill relax`"),
    "relax_settings_bad_value": (["relax", "{water}", "--teacher", "spcfw", "--settings", "{relax_negative}",
                                  "-o", "{out}"], "--fmax -1"),
    "response_settings_list": (["response", "{md}", "--student", "{student}", "--settings", "{list_yaml}", "-o", "{out}"],
                               "must hold a mapping"),
    "ir_settings_bad_yaml": (["ir", "{response}", "--settings", "{bad_yaml}", "-o", "{out}"], "bad.yaml:3:5: cannot parse YAML"),
    "ir_settings_missing": (["ir", "{response}", "--settings", "{dir}/none.yaml", "-o", "{out}"], "none.yaml"),
    "build_system_settings_bad_value": (["build-system", "water", "--settings", "{build_no_molecules}", "-o", "{out}"],
                                        "--molecules 0"),
    # output paths
    "response_output_is_its_input": (["response", "{md}", "--student", "{student}", "-o", "{md}"],
                                     "is also the trajectory input"),
    "train_output_is_its_dataset": (["train", "{labels}", "--model", "{model}", "-o", "{labels}"],
                                    "is also the dataset[0] input"),
    "label_output_is_its_frames": (["label", "{water}", "--teacher", "spcfw", "-o", "{water}"],
                                   "is also the frames input"),
    "ir_output_is_its_response": (["ir", "{response}", "-o", "{response}"], "is also the response input"),
    "md_output_is_its_structure": (["md", "{water}", "--calculator", "lj", "-o", "{water}"],
                                   "is also the structure input"),
    "label_export_onto_its_frames": (["label", "{water}", "--teacher", "spcfw", "-o", "{out}", "--extxyz", "{water}"],
                                     "is also the frames input"),
    "label_other_frames_into_existing": (["label", "{other_water}", "--teacher", "spcfw", "-o", "{labels}"],
                                         "made from other inputs"),
    "train_onto_a_foreign_file": (["train", "{labels}", "--model", "{model}", "-o", "{foreign_output}"],
                                  "has no record of what it was made from"),
    "electrostatics_onto_a_foreign_file": (["electrostatics", "{water}", "--charges", "O=-0.82,H=0.41",
                                            "-o", "{foreign_output}"], "has no record"),
    "build_system_other_settings": (["build-system", "water", "--molecules", "8", "--seed", "5", "-o", "{water}"],
                                    "made from other settings (seed: 1 then, 5 now)"),
    "ir_onto_a_file_edited_since": (["ir", "{response}", "--overlap", "0.25", "-o", "{changed_ir}"],
                                    "was changed after it was made"),
    "md_onto_a_foreign_file": (["md", "{water}", "--calculator", "lj", "-o", "{foreign_output}"], "has no record"),
    "response_onto_existing_other_settings": (["response", "{md}", "--student", "{student}", "--bec-stride", "3",
                                               "-o", "{response}"], "bec_stride: 2 then, 3 now"),
    # quality gate
    "gate_student_missing": (["gate", "{dir}/none.pt", "--labels", "{labels}", "--structure", "{water}", "-o", "{out}"],
                             "student file"),
    "gate_labels_missing": (["gate", "{student}", "--labels", "{dir}/none.nc", "--structure", "{water}", "-o", "{out}"],
                            "labels[0] file"),
    "gate_settings_list": (["gate", "{student}", "--labels", "{labels}", "--structure", "{water}", "--settings",
                            "{list_yaml}", "-o", "{out}"], "must hold a mapping"),
    "gate_settings_unknown_key": (["gate", "{student}", "--labels", "{labels}", "--structure", "{water}", "--settings",
                                   "{negative_epochs}", "-o", "{out}"], "epochs: Extra inputs are not permitted"),
}
#: Cases where a warning line (naming its own problem) comes before the error line.
WARNED = {"label_checkpoint_no_sha": "no SHA-256 in the catalog"}
CASES["label_checkpoint_no_sha"] = (["label", "{water}", "--teacher", "mine", "--catalog", "{catalog_no_sha}",
                                     "-o", "{out}"], "cannot load the checkpoint of teacher 'mine'")


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 60


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input(files, case, capsys):
    arguments, message = CASES[case]
    names = {name: str(path) for name, path in files.items()}
    argv = [a.format(out=str(files["dir"] / "out" / "result.nc"), **names) for a in arguments]
    before = snapshot(files["dir"])
    capsys.readouterr()
    code = main(argv)
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == 2, f"{case}: exit {code}, stderr {err!r}"
    assert "Traceback" not in err
    if case in WARNED:
        assert WARNED[case] in lines[0] and "pickle" in lines[0]
        lines = lines[1:]
    assert len(lines) == 1 and lines[0].startswith(f"lesdistill {argv[0]}: error: "), err
    assert message in lines[0], f"{case}: {lines[0]!r} does not name {message!r}"
    assert snapshot(files["dir"]) == before, f"{case} changed or added files"


CONFIG_CASES = {
    "config_typo": "unknown key (did you mean 'teachers'?)",
    "config_bad_yaml": "config_bad.yaml:2:",
    "config_negative": "systems.water.molecules: -4",
    "config_list": "must hold a mapping",
    "config_newline_path": "control characters",
}


@pytest.mark.parametrize("case", sorted(CONFIG_CASES))
def test_bad_config(files, case, capsys):
    before = snapshot(files["dir"])
    assert config_main(["--no-file-checks", str(files[case])]) == 2
    err = capsys.readouterr().err
    assert CONFIG_CASES[case] in err and "Traceback" not in err
    assert snapshot(files["dir"]) == before


def test_overlap_search_agrees_with_ase_neighbour_lists():
    """The k-d tree search of overlapping atoms against ASE's neighbour list, in a skewed periodic cell."""
    from ase.neighborlist import neighbor_list

    from lesdistill.io.structures import closest_pair_within
    from lesdistill.systems import water_box

    rng = np.random.default_rng(0)
    found = 0
    for _ in range(10):
        atoms = water_box(16, seed=1)
        atoms.set_cell(atoms.cell.array + rng.normal(scale=0.5, size=(3, 3)), scale_atoms=True)
        atoms.positions += rng.normal(scale=0.4, size=atoms.positions.shape)
        distances = neighbor_list("d", atoms, 0.4)
        pair = closest_pair_within(atoms, 0.4)
        assert (pair is None) == (len(distances) == 0)
        if pair is not None:
            found += 1
            assert pair[2] == pytest.approx(distances.min(), abs=1e-12)
    assert found > 0
