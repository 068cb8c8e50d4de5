"""Student models, their file format, the StudentCalculator and the resumable trainer."""

from __future__ import annotations

import ase.io
import numpy as np
import pytest
import torch
import xarray as xr
from ase.calculators.singlepoint import SinglePointCalculator

from lesdistill import StudentCalculator
from lesdistill.label import label_frames
from lesdistill.models.student import FILE_VERSION, Student, load_student, save_student
from lesdistill.systems import water_box
from lesdistill.teachers import resolve
from lesdistill.training import TrainSettings, load_train_settings, train
from lesdistill.training import trainer as trainer_module
from lesdistill.training.data import Frames, fit_element_energies, load_datasets, load_frames
from lesdistill.training.loss import loss

from ..helpers import write_mixed_waters, write_perturbed_waters

MODEL = {"backbone": "cace", "backbone_config": {"atomic_numbers": [1, 8], "cutoff": 3.5, "n_radial": 4,
                                                 "n_embed": 2, "n_channels": 4, "l_max": 2, "nu_max": 2,
                                                 "mlp": [16]}, "sigma": 1.0, "dl": 2.0}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    """SPC/Fw labels on 16 perturbed 8-water boxes (12 train, 2 validation, 2 test)."""
    folder = tmp_path_factory.mktemp("data")
    frames = write_perturbed_waters(folder / "frames.extxyz", 16, seed=1, scale=0.05, box_seed=5)
    return label_frames(frames, resolve("spcfw"), folder / "labels.nc",
                        validation_fraction=0.125, test_fraction=0.125)


MACE_MODEL = {"backbone": "mace", "backbone_config": {"atomic_numbers": [1, 8], "r_max": 3.5, "channels": 8,
                                                     "max_L": 1, "max_ell": 2, "avg_num_neighbors": 8.0}}


def settings(**changes) -> TrainSettings:
    values = dict(epochs=4, batch_size=4, lr=5e-3, checkpoint_every=3, ema_decay=0.9, plateau_patience=5)
    return TrainSettings(**{**values, **changes})


def test_element_energies_reproduce_the_mean_energy(dataset):
    frames = load_frames(dataset)
    e0 = fit_element_energies(frames, frames.indices("train"))
    total = sum(e0[int(z)] for z in frames.numbers[frames.atom_indices([0])])
    assert total == pytest.approx(float(frames.energy[frames.indices("train")].mean()), rel=1e-10)


def test_training_lowers_the_error_and_writes_a_loadable_student(dataset, tmp_path):
    output = train(dataset, MODEL, settings(epochs=6), tmp_path / "student.pt")
    metrics = np.genfromtxt(tmp_path / "student.metrics.csv", delimiter=",", names=True)
    assert metrics["validation_forces_rmse_mev_a"][-1] < metrics["validation_forces_rmse_mev_a"][0]
    payload = torch.load(output, weights_only=True)
    assert payload["version"] == FILE_VERSION and payload["config"]["backbone"] == "cace"
    model = load_student(output)
    assert float(model.charge_sign) in (1.0, -1.0)
    assert not trainer_module.checkpoint_path(output).exists()  # finished: another config trains afresh
    train(dataset, MODEL, settings(epochs=2), output)
    assert len(np.genfromtxt(tmp_path / "student.metrics.csv", delimiter=",", names=True)) == 2


@pytest.mark.parametrize("model", [MODEL, MACE_MODEL], ids=["cace", "mace"])
def test_student_calculator_forces_and_stress_are_gradients(model, tmp_path):
    torch.manual_seed(0)
    path = save_student(Student(**model, element_energies={1: -13.0, 8: -430.0}).double(), tmp_path / "s.pt")
    atoms = water_box(8, seed=6)
    atoms.calc = StudentCalculator(path)
    forces, stress = atoms.get_forces(), atoms.get_stress(voigt=False)
    assert atoms.get_charges().shape == (24,)
    bec = atoms.calc.get_bec(atoms)
    assert bec.shape == (24, 3, 3)
    h = 1e-5
    for atom, axis in [(0, 0), (4, 2)]:
        plus, minus = atoms.copy(), atoms.copy()
        plus.positions[atom, axis] += h
        minus.positions[atom, axis] -= h
        for trial in (plus, minus):
            trial.calc = atoms.calc
        numeric = -(plus.get_potential_energy() - minus.get_potential_energy()) / (2 * h)
        assert forces[atom, axis] == pytest.approx(numeric, abs=1e-6)
    strained = []
    for sign in (1, -1):
        trial = atoms.copy()
        trial.set_cell(atoms.cell.array * (1 + sign * h), scale_atoms=True)
        trial.calc = atoms.calc
        strained.append(trial.get_potential_energy())
    trace = (strained[0] - strained[1]) / (2 * h) / atoms.get_volume()
    assert np.trace(stress) == pytest.approx(trace, rel=1e-5, abs=1e-8)


def test_mace_student_trains(dataset, tmp_path):
    output = train(dataset, MACE_MODEL, settings(epochs=3), tmp_path / "mace.pt")
    metrics = np.genfromtxt(tmp_path / "mace.metrics.csv", delimiter=",", names=True)
    assert metrics["validation_forces_rmse_mev_a"][-1] < metrics["validation_forces_rmse_mev_a"][0]
    assert load_student(output).backbone_name == "mace"


def test_interrupted_training_resumes_to_the_same_weights(dataset, tmp_path, monkeypatch):
    reference = load_student(train(dataset, MODEL, settings(), tmp_path / "reference.pt"))
    output = tmp_path / "resumed.pt"
    original_step = torch.optim.Adam.step
    calls = {"n": 0}

    def step_then_die(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 8:
            raise KeyboardInterrupt("killed")
        return original_step(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.Adam, "step", step_then_die)
    with pytest.raises(KeyboardInterrupt):
        train(dataset, MODEL, settings(), output)
    assert trainer_module.checkpoint_path(output).exists() and not output.exists()
    monkeypatch.setattr(torch.optim.Adam, "step", original_step)
    resumed = load_student(train(dataset, MODEL, settings(), output))
    for (name, a), (_, b) in zip(reference.state_dict().items(), resumed.state_dict().items()):
        assert torch.equal(a, b), name


def test_a_checkpoint_of_another_run_is_refused(dataset, tmp_path):
    output = tmp_path / "student.pt"
    trainer = trainer_module.Trainer(dataset, MODEL, settings(), output)
    trainer.save_checkpoint()
    with pytest.raises(ValueError, match="another training run"):
        trainer_module.Trainer(dataset, MODEL, settings(lr=1e-3), output).resume()


def test_several_datasets_train_together_each_keeping_its_split(dataset, tmp_path):
    """Iterative rounds train on the teacher labels plus each round's relabelled frames."""
    frames = write_perturbed_waters(tmp_path / "more.extxyz", 5, seed=9, scale=0.05, box_seed=5)
    more = label_frames(frames, resolve("spcfw"), tmp_path / "more.nc", validation_fraction=0.2, test_fraction=0.0)
    first, second, both = load_frames(dataset), load_frames(more), load_datasets([dataset, more])
    assert len(both) == len(first) + len(second) == 21
    assert np.array_equal(both.split, np.concatenate([first.split, second.split]))
    assert torch.equal(both.forces[both.atom_indices(range(len(first), len(both)))], second.forces)
    assert len(both.indices("test")) == 2
    trainer = trainer_module.Trainer([dataset, more], MODEL, settings(), tmp_path / "student.pt")
    assert len(trainer.train_idx) == 12 + 4 and str(more) in trainer.dataset_names
    trainer.save_checkpoint()
    with pytest.raises(ValueError, match="another training run"):  # a label set more or less is another run
        trainer_module.Trainer(dataset, MODEL, settings(), tmp_path / "student.pt").resume()
    other = write_perturbed_waters(tmp_path / "other.extxyz", 3, seed=2, scale=0.05, box_seed=6)
    ase.io.write(other, [a[:-3] for a in ase.io.read(other, index=":")])  # one water fewer: trained together
    other_labels = label_frames(other, resolve("spcfw"), tmp_path / "other.nc", validation_fraction=0.0,
                                test_fraction=0.0)
    assert list(load_datasets([dataset, other_labels]).n_atoms) == [24] * 16 + [21] * 3
    molecule = tmp_path / "molecule.extxyz"
    water = ase.io.read(frames, index="0")[:3]
    water.pbc, water.cell = False, None
    ase.io.write(molecule, [water, water], format="extxyz")
    with pytest.raises(ValueError, match="molecule.nc is not periodic"):
        load_datasets([dataset, label_frames(molecule, resolve("spcfw"), tmp_path / "molecule.nc",
                                             validation_fraction=0.0, test_fraction=0.0)])


def test_frames_of_several_compositions_fix_every_element_energy():
    """E = Σ_Z n_Z·E0_Z exactly over H2O, H2, O2 and HO frames: the least-squares E0s are the true ones."""
    e0 = {1: -13.6, 8: -432.1}
    formulas = [[8, 1, 1], [1, 1], [8, 8], [8, 1], [8, 1, 1]]
    numbers = np.concatenate(formulas)
    frames = Frames(positions=torch.rand(len(numbers), 3) * 5, cells=torch.eye(3).repeat(5, 1, 1) * 10,
                    numbers=torch.tensor(numbers), energy=torch.tensor([sum(e0[z] for z in f) for f in formulas], dtype=torch.float64),
                    forces=torch.zeros(len(numbers), 3), stress=None, split=np.zeros(5, dtype=int), periodic=True,
                    n_atoms=np.array([len(f) for f in formulas]))
    fitted = fit_element_energies(frames, np.arange(5))
    assert fitted == pytest.approx(e0, abs=1e-9)
    batch = frames.batch([3, 1])  # frames in any order keep their own atoms
    assert batch["numbers"].tolist() == [8, 1, 1, 1] and batch["batch"].tolist() == [0, 0, 1, 1]
    assert torch.equal(batch["positions"], frames.positions[[7, 8, 3, 4]])
    assert batch["n_atoms"].tolist() == [2.0, 2.0]


def test_a_set_of_mixed_sizes_trains(dataset, tmp_path):
    """The teacher labels (24-atom frames) with a ragged set of 21- and 24-atom frames."""
    frames = write_mixed_waters(tmp_path / "mixed.extxyz",
                                write_perturbed_waters(tmp_path / "frames.extxyz", 8, seed=4, scale=0.05, box_seed=5))
    mixed = label_frames(frames, resolve("spcfw"), tmp_path / "mixed.nc", validation_fraction=0.125, test_fraction=0.0)
    output = train([dataset, mixed], MODEL, settings(epochs=3), tmp_path / "student.pt")
    metrics = np.genfromtxt(tmp_path / "student.metrics.csv", delimiter=",", names=True)
    assert metrics["validation_forces_rmse_mev_a"][-1] < metrics["validation_forces_rmse_mev_a"][0]
    assert load_student(output) is not None


def test_the_charge_term_of_the_loss_is_its_weighted_mean_square():
    prediction = {"energy": torch.tensor([1.0]), "forces": torch.zeros(2, 3), "charges": torch.tensor([0.1, -0.3])}
    batch = {"energy": torch.tensor([1.0]), "n_atoms": torch.tensor([2.0]), "forces": torch.zeros(2, 3),
             "charges": torch.tensor([0.4, -0.4])}
    weights = {"energy": 1.0, "forces": 1.0}
    assert float(loss(prediction, batch, weights)) == 0.0
    assert float(loss(prediction, batch, {**weights, "charges": 2.0})) == pytest.approx(2.0 * (0.3**2 + 0.1**2) / 2)


def test_teacher_charges_supervise_the_latent_charges(dataset, tmp_path):
    frames = load_frames(dataset)
    assert frames.charges is not None  # SPC/Fw labels carry its point charges
    batch = frames.batch(frames.indices("test"))

    def charge_rmse(path) -> float:  # against the point charges, in the student's canonical sign
        student = load_student(path)
        latent = student.latent_charges(batch["positions"], batch["numbers"], batch["cells"], batch["batch"])
        return float((latent.detach() - batch["charges"]).pow(2).mean().sqrt())

    latent_only = train(dataset, MODEL, settings(epochs=15, batch_size=2, lr=1e-2), tmp_path / "latent.pt")
    supervised = train(dataset, MODEL, settings(epochs=15, batch_size=2, lr=1e-2, charges_weight=1e4), tmp_path / "charges.pt")
    metrics = np.genfromtxt(tmp_path / "charges.metrics.csv", delimiter=",", names=True)
    assert metrics["validation_charges_rmse_e"][-1] < 0.5 * metrics["validation_charges_rmse_e"][0]
    assert "validation_charges_rmse_e" not in np.genfromtxt(tmp_path / "latent.metrics.csv", delimiter=",", names=True).dtype.names
    assert charge_rmse(supervised) < 0.1 < charge_rmse(latent_only), (charge_rmse(supervised), charge_rmse(latent_only))


def test_charge_supervision_needs_teacher_charges(dataset, tmp_path):
    stripped = tmp_path / "no_charges.nc"
    with xr.open_dataset(dataset) as data:
        data.drop_vars("teacher_charges").to_netcdf(stripped)
    with pytest.raises(ValueError, match="holds no teacher charges"):
        train(stripped, MODEL, settings(charges_weight=1.0), tmp_path / "student.pt")


def test_bad_settings_and_files_are_named(tmp_path):
    path = tmp_path / "train.yaml"
    path.write_text("epochs: -1\nbatchsize: 3\n")
    with pytest.raises(ValueError, match="epochs") as error:
        load_train_settings(path)
    assert "batchsize" in str(error.value)
    not_a_student = tmp_path / "x.pt"
    torch.save({"weights": torch.zeros(3)}, not_a_student)
    with pytest.raises(ValueError, match="not a lesdistill student file"):
        load_student(not_a_student)
    newer = tmp_path / "newer.pt"
    torch.save({"format": "lesdistill-student", "version": FILE_VERSION + 1}, newer)
    with pytest.raises(ValueError, match="upgrade lesdistill"):
        load_student(newer)


def test_train_command_and_student_md(dataset, tmp_path, capsys):
    from lesdistill.cli import main
    from lesdistill.md import MDSettings, read_trajectory, run_md

    model = tmp_path / "model.yaml"
    model.write_text("backbone: cace\nbackbone_config: {atomic_numbers: [1, 8], cutoff: 3.5, n_radial: 4, n_embed: 2,"
                     " n_channels: 4, l_max: 2, nu_max: 2, mlp: [16]}\n")
    train_settings = tmp_path / "train.yaml"
    train_settings.write_text("epochs: 2\nbatch_size: 4\n")
    output = tmp_path / "student.pt"
    assert main(["train", str(dataset), "--model", str(model), "--settings", str(train_settings), "-o", str(output)]) == 0
    atoms = water_box(8, seed=7)
    trajectory = run_md(atoms, StudentCalculator(output), MDSettings(ensemble="nve", thermostat=None, timestep_fs=0.25,
                        temperature_K=50, equilibration_steps=0, production_steps=20, sample_stride=5,
                        checkpoint_every=10, max_temperature_K=5000), tmp_path / "md.nc", log_every=1000)
    data = read_trajectory(trajectory)
    assert data.sizes["frame"] == 4 and np.isfinite(data.energy.values).all()
    model.write_text("backbone: nequip\nbackbone_config: {}\n")
    assert main(["train", str(dataset), "--model", str(model), "-o", str(tmp_path / "x.pt")]) == 2
    assert "unknown backbone 'nequip'" in capsys.readouterr().err


def test_fine_tuning_on_another_level_lowers_its_error(dataset, tmp_path, capsys):
    """Distil SPC/Fw, then fine-tune on a few GFN1-xTB-labelled frames (the 'higher level' here)."""
    from lesdistill.cli import main

    student = train(dataset, MODEL, settings(epochs=3), tmp_path / "student.pt")
    frames = ase.io.read(dataset.with_name("frames.extxyz"), index=":6")
    from lesdistill.teachers import load_teacher

    xtb = load_teacher("gfn1-xtb")
    for atoms in frames:
        atoms.calc = xtb
        atoms.get_forces()
        atoms.info["split"] = "validation" if atoms is frames[-1] else "train"
    ase.io.write(tmp_path / "xtb.extxyz", frames)
    tuned_settings = tmp_path / "tune.yaml"
    tuned_settings.write_text("epochs: 6\nbatch_size: 2\nlr: 0.005\n")
    output = tmp_path / "tuned.pt"
    assert main(["train", str(tmp_path / "xtb.extxyz"), "--init", str(student), "--compare", str(dataset),
                 "--settings", str(tuned_settings), "-o", str(output)]) == 0
    lines = {line.split(" (")[0]: line for line in capsys.readouterr().out.splitlines() if " -> " in line and "RMSE" in line}
    before, after = [float(v.split()[0]) for v in lines["new data"].split("forces RMSE ")[1].split(" -> ")]
    assert after < before
    assert "compare" in lines
    assert main(["train", str(tmp_path / "xtb.extxyz"), "--init", str(student), "--replay", str(dataset),
                 "-o", str(tmp_path / "x.pt")]) == 2
    assert "replay_fraction > 0" in capsys.readouterr().err


def test_train_fraction_keeps_a_seeded_subset_of_the_training_frames(dataset):
    from lesdistill.training.trainer import Trainer

    everything = Trainer(dataset, MODEL, settings(), "unused.pt")
    half = Trainer(dataset, MODEL, settings(train_fraction=0.5), "unused.pt")
    again = Trainer(dataset, MODEL, settings(train_fraction=0.5), "unused.pt")
    assert len(half.train_idx) == round(len(everything.train_idx) / 2)
    assert set(half.train_idx) < set(everything.train_idx)
    np.testing.assert_array_equal(half.train_idx, again.train_idx)
    np.testing.assert_array_equal(half.val_idx, everything.val_idx)  # validation untouched


def test_train_frames_give_nested_seeded_subsets_for_learning_curves(dataset):
    from lesdistill.training.trainer import Trainer

    everything = Trainer(dataset, MODEL, settings(), "unused.pt").train_idx
    subsets = [Trainer(dataset, MODEL, settings(train_frames=n), "unused.pt").train_idx for n in (2, 4, len(everything))]
    assert [len(s) for s in subsets] == [2, 4, len(everything)]
    assert set(subsets[0]) < set(subsets[1]) <= set(everything) == set(subsets[2])  # nested
    with pytest.raises(ValueError, match=f"train_frames = {len(everything) + 1} but .* has {len(everything)} training"):
        Trainer(dataset, MODEL, settings(train_frames=len(everything) + 1), "unused.pt")
    with pytest.raises(ValueError, match="train_frames or train_fraction, not both"):
        settings(train_frames=2, train_fraction=0.5)


def test_replay_mixes_fresh_teacher_frames_into_every_epoch(dataset, tmp_path):
    from lesdistill.training.trainer import Trainer

    student = train(dataset, MODEL, settings(epochs=1), tmp_path / "student.pt")
    frames = ase.io.read(dataset.with_name("frames.extxyz"), index=":6")
    for atoms in frames:
        atoms.calc = SinglePointCalculator(atoms, energy=-470.0, forces=np.zeros((len(atoms), 3)))
        atoms.info["split"] = "train"
    ase.io.write(tmp_path / "new.extxyz", frames)
    trainer = Trainer(tmp_path / "new.extxyz", None, settings(epochs=2, replay_fraction=0.5), tmp_path / "tuned.pt",
                      init=student, replay=dataset)
    drawn = []
    for epoch in (0, 1):
        batches = trainer._batches(epoch)
        new = np.concatenate([index for is_replay, index in batches if not is_replay])
        replayed = np.concatenate([index for is_replay, index in batches if is_replay])
        assert sorted(new) == list(range(6)) and len(replayed) == 3
        assert set(replayed) <= set(trainer.replay.indices("train"))
        drawn.append(sorted(replayed))
    assert drawn[0] != drawn[1]
    trainer.run()
    assert len(load_student(tmp_path / "tuned.pt").state_dict()) > 0
    with pytest.raises(ValueError, match="replay_fraction > 0"):
        Trainer(tmp_path / "new.extxyz", None, settings(epochs=1), tmp_path / "x.pt", init=student, replay=dataset)


@pytest.mark.parametrize("model", [MODEL, MACE_MODEL], ids=["cace", "mace"])
def test_student_nve_conserves_energy(model, tmp_path):
    from lesdistill.md import MDSettings, read_trajectory, run_md

    torch.manual_seed(1)
    path = save_student(Student(**model).double(), tmp_path / "s.pt")
    settings_nve = MDSettings(ensemble="nve", thermostat=None, timestep_fs=0.1, temperature_K=300,
                              equilibration_steps=0, production_steps=60, sample_stride=5, checkpoint_every=30,
                              max_temperature_K=20000, min_distance_A=0.1)
    data = read_trajectory(run_md(water_box(8, seed=8), StudentCalculator(path), settings_nve, tmp_path / "nve.nc",
                                  log_every=1000))
    total = data.energy.values + data.kinetic_energy.values
    # kinetic and potential energy exchange visibly in 6 fs; their sum must stay put
    assert np.ptp(data.energy.values) > 5e-3
    assert np.ptp(total) < 2e-2 * np.ptp(data.energy.values)
