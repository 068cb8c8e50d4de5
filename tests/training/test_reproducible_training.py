"""Epoch-bounded training is reproducible; the time limit is a marked safety stop; the charge sign
follows the reference element's isotropic BEC, not its latent charge."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import xarray as xr

from lesdistill.electrostatics import polarization
from lesdistill.models.student import load_student
from lesdistill.training import train
from lesdistill.training.trainer import Trainer
from lesdistill.training.charge_sign import bec_sign, mean_isotropic_bec
from lesdistill.training.data import load_frames

from .test_train import MODEL, dataset, settings  # noqa: F401 (the module fixture)


def _metadata(path) -> dict:
    return torch.load(path, weights_only=True)["metadata"]


def test_same_seed_gives_identical_weights_whatever_the_time_limit(dataset, tmp_path):  # noqa: F811
    torch.set_num_threads(1)
    plain = train(dataset, MODEL, settings(epochs=3), tmp_path / "plain.pt")
    limited = train(dataset, MODEL, settings(epochs=3, time_limit_minutes=600), tmp_path / "limited.pt")
    a, b = load_student(plain).state_dict(), load_student(limited).state_dict()
    assert a.keys() == b.keys()
    for name in a:
        assert torch.equal(a[name], b[name]), name
    assert "stopped_by_time_limit" not in _metadata(limited)
    assert _metadata(limited)["epochs_run"] == "3"


def test_training_turns_deterministic_algorithms_on_and_restores_them(dataset, tmp_path, monkeypatch):  # noqa: F811
    seen = []
    monkeypatch.setattr(Trainer, "_run", lambda self: seen.append(torch.are_deterministic_algorithms_enabled()))
    train(dataset, MODEL, settings(epochs=1), tmp_path / "student.pt")
    assert seen == [True] and not torch.are_deterministic_algorithms_enabled()


def test_two_threads_repeat_the_same_weights(dataset, tmp_path):  # noqa: F811
    """With two threads (the demo's), two runs give the same weights (without deterministic algorithms
    two 80-epoch runs of the demo student drifted apart by 5e-7, measured)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        first = train(dataset, MODEL, settings(epochs=4), tmp_path / "first.pt")
        second = train(dataset, MODEL, settings(epochs=4), tmp_path / "second.pt")
    finally:
        torch.set_num_threads(threads)
    a, b = load_student(first).state_dict(), load_student(second).state_dict()
    for name in a:
        assert torch.equal(a[name], b[name]), name


def test_a_run_stopped_by_the_time_limit_is_marked_and_continues_to_the_same_student(dataset, tmp_path, capsys):  # noqa: F811
    torch.set_num_threads(1)
    reference = train(dataset, MODEL, settings(epochs=3), tmp_path / "reference.pt")
    output = tmp_path / "student.pt"
    train(dataset, MODEL, settings(epochs=3, time_limit_minutes=1e-9), output)
    assert "train: stopped by time limit at epoch 1 of 3" in capsys.readouterr().out
    assert _metadata(output)["stopped_by_time_limit"] == "stopped by time limit at epoch 1 of 3"
    assert xr.open_dataset(output.with_name("student.metrics.nc")).attrs["stopped_by_time_limit"]
    output.unlink()  # rerun with a generous limit: resumes from the checkpoint to the epoch-bounded student
    train(dataset, MODEL, settings(epochs=3, time_limit_minutes=600), output)
    assert "stopped_by_time_limit" not in _metadata(output)
    for (name, a), (_, b) in zip(load_student(reference).state_dict().items(), load_student(output).state_dict().items()):
        assert torch.equal(a, b), name


class FluxChargeModel(torch.nn.Module):
    """Water molecules (O, H, H) whose charges flow with the O–H distances d_k (neutral per molecule):
    q_O = a + λ(d_1 + d_2), q_Hk = −a/2 − λ d_k. With λ < 0 the flux term dominates the oxygen BEC,
    whose isotropic part q_O + λ(d_1 + d_2)/3 has the opposite sign of q_O for a = 1.4, λ = −0.6."""

    def __init__(self, a: float = 1.4, flux: float = -0.6):
        super().__init__()
        self.a, self.flux = a, flux
        self.register_buffer("charge_sign", torch.tensor(1.0, dtype=torch.float64))

    def latent_charges(self, positions, numbers, cell, batch=None):
        p = positions.reshape(-1, 3, 3)
        d = (p[:, 1:] - p[:, :1]).norm(dim=-1)  # (molecules, 2)
        q_o = self.a + self.flux * d.sum(-1)
        q_h = -self.a / 2 - self.flux * d
        return self.charge_sign * torch.cat([q_o[:, None], q_h], dim=1).reshape(-1)


def _water_frames(n_frames: int = 2, seed: int = 0) -> dict[str, torch.Tensor]:
    generator = np.random.default_rng(seed)
    molecule = np.array([[0.0, 0.0, 0.0], [0.96, 0.0, 0.0], [-0.24, 0.93, 0.0]])
    frames = []
    for _ in range(n_frames):
        centres = np.array([[0.0, 0.0, 0.0], [3.0, 0.5, 0.2]])
        frames.append(np.concatenate([molecule + c + 0.03 * generator.normal(size=(3, 3)) for c in centres]))
    positions = torch.tensor(np.concatenate(frames))
    return {"positions": positions, "numbers": torch.tensor([8, 1, 1] * 2 * n_frames),
            "cells": None, "batch": torch.arange(n_frames).repeat_interleave(6)}


def _finite_difference_oxygen_bec(model, batch, h: float = 1e-5) -> float:
    """Mean tr(∂P/∂r_O)/3 over the oxygens by central differences of the dipole (independent of autograd)."""
    positions = batch["positions"].clone()
    values = []
    for atom in torch.nonzero(batch["numbers"] == 8).flatten().tolist():
        trace = 0.0
        for axis in range(3):
            dipoles = []
            for step in (h, -h):
                moved = positions.clone()
                moved[atom, axis] += step
                charges = model.latent_charges(moved, batch["numbers"], None)
                frame = batch["batch"] == batch["batch"][atom]
                dipoles.append(polarization(moved[frame], None, charges[frame])[axis])
            trace += float(dipoles[0] - dipoles[1]) / (2 * h)
        values.append(trace / 3)
    return float(np.mean(values))


@pytest.mark.parametrize("trained_sign", [1.0, -1.0], ids=["latent-O-positive", "demo-chgnet-latent-O-negative"])
def test_the_sign_follows_the_oxygen_bec_where_latent_charge_and_bec_disagree(trained_sign):
    model = FluxChargeModel()
    model.charge_sign.fill_(trained_sign)
    batch = _water_frames()
    latent_o = float(model.latent_charges(batch["positions"], batch["numbers"], None)[batch["numbers"] == 8].mean())
    bec_o = _finite_difference_oxygen_bec(model, batch)
    assert latent_o * bec_o < 0  # the two rules disagree on this model
    assert mean_isotropic_bec(model, batch["positions"], batch["numbers"], None, batch["batch"], 8) == pytest.approx(
        bec_o, abs=1e-6)
    choice = bec_sign(model, batch, "O")
    model.charge_sign.mul_(choice.factor)
    assert _finite_difference_oxygen_bec(model, batch) < 0
    assert float(model.latent_charges(batch["positions"], batch["numbers"], None)[batch["numbers"] == 8].mean()) > 0
    assert choice.factor == (1 if trained_sign > 0 else -1)


def test_no_reference_atom_keeps_the_sign():
    batch = _water_frames()
    assert bec_sign(FluxChargeModel(), {**batch, "numbers": torch.ones_like(batch["numbers"])}, "O") is None


def test_a_trained_student_has_a_negative_oxygen_bec_and_says_why(dataset, tmp_path):  # noqa: F811
    """Seed 2 trains a student whose oxygen BEC comes out positive: the sign must be flipped."""
    output = train(dataset, MODEL, settings(epochs=2, seed=2), tmp_path / "student.pt")
    assert float(load_student(output).charge_sign) == -1.0
    frames = load_frames(dataset)
    batch = frames.batch(frames.indices("train")[:4])
    value = mean_isotropic_bec(load_student(output), batch["positions"], batch["numbers"], batch["cells"],
                               batch["batch"], 8)
    assert value < 0
    assert _metadata(output)["charge_sign_rule"].startswith("isotropic BEC of O negative")
