"""Distillation trainer: seeded batches, two-stage loss, AMSGrad, LR schedule, EMA, exact resume.

Every ``checkpoint_every`` optimiser steps and at each epoch end the full state (weights, EMA,
optimiser, scheduler, position in the epoch, pooled metrics, history) goes to ``<output>.ckpt.pt``
atomically. Batches are drawn from a generator seeded by (seed, epoch), so a killed run restarted
with the same command continues from the checkpoint and ends with the same weights as an
uninterrupted run. Training is bounded by ``epochs``: same data, settings and seed give the same
student bit for bit on CPU with fixed threads. ``time_limit_minutes`` is only a safety stop; a run it
ends early is marked in the student file (``stopped_by_time_limit``) and the log ("stopped by time
limit at epoch N of M"), and it is left out of the checkpoint's identity, so rerunning with a larger
limit continues to the same student; a run that finishes removes its checkpoint, so a changed
configuration trains afresh instead of meeting a finished run's state. The best validation model (EMA weights when enabled) is saved as
the student, with the charge sign fixed by the BEC of the reference element
(:mod:`lesdistill.training.charge_sign`).

Model, batches, loss and optimiser state live on the run's device; checkpoints and the student file
hold CPU tensors only (device-neutral), so a run checkpointed on a GPU resumes on the CPU and back.
"""

from __future__ import annotations

import csv
import hashlib
import json
import time
from pathlib import Path

import numpy as np
import torch
import xarray as xr
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from ..device import ChunkedEvaluation, resolve_device
from ..models.student import Student, load_student, save_student
from ..progress import Progress, note
from ..provenance import provenance
from ..io.atomic import atomic_path
from ..io.hashing import sha256_of
from .charge_sign import SIGN_FRAMES, bec_sign
from .data import Frames, fit_element_energies, load_datasets, load_frames
from .loss import errors, loss, predict, summarise
from .settings import TrainSettings


def checkpoint_path(output: Path) -> Path:
    return output.with_name(output.name + ".ckpt.pt")


class Trainer:
    """Train a :class:`Student` described by ``model_config`` on a labelled dataset."""

    def __init__(self, dataset: Path | str | list[Path | str], model_config: dict | None, settings: TrainSettings,
                 output: Path | str, init: Path | str | None = None, replay: Path | str | None = None,
                 overwrite: bool = False, device: str = "auto"):
        self.device = resolve_device(device)
        self.datasets = [Path(d) for d in dataset] if isinstance(dataset, (list, tuple)) else [Path(dataset)]
        self.output, self.overwrite = Path(output), overwrite
        self.dtype = getattr(torch, settings.dtype)
        start = load_student(init, dtype=self.dtype) if init is not None else None
        if start is not None and model_config not in (None, start.config):
            raise ValueError(f"fine-tuning keeps the architecture of {init}: omit the model configuration")
        if start is None and model_config is None:
            raise ValueError("a model configuration is needed unless training starts from a student (init)")
        self.settings, self.model_config = settings, model_config or start.config
        self.frames: Frames = load_datasets(self.datasets, self.dtype, settings.seed, settings)
        self.train_idx, self.val_idx = self.frames.indices("train"), self.frames.indices("validation")
        if settings.train_frames is not None and settings.train_frames > len(self.train_idx):
            raise ValueError(f"train_frames = {settings.train_frames} but {self.dataset_names} has "
                             f"{len(self.train_idx)} training frames")
        if settings.train_fraction < 1 or settings.train_frames is not None:  # a seeded subset, in frame order
            keep = settings.train_frames or max(1, round(settings.train_fraction * len(self.train_idx)))
            chosen = torch.randperm(len(self.train_idx), generator=torch.Generator().manual_seed(settings.seed))
            self.train_idx = np.sort(self.train_idx[chosen[:keep].numpy()])
        if len(self.train_idx) == 0:
            raise ValueError(f"{self.dataset_names} has no training frames")
        print(f"train: {len(self.train_idx)} training frames (of {len(self.frames.indices('train'))}), "
              f"{len(self.val_idx)} validation frames", flush=True)
        if len(self.val_idx) == 0:
            note(f"train: warning: {self.dataset_names} has no validation frames; the student of the last epoch is "
                 "kept and no validation error is reported")
        if (replay is None) != (settings.replay_fraction == 0):
            raise ValueError("replay needs both a replay data set and replay_fraction > 0 in the settings")
        self.replay = load_frames(replay, self.dtype, settings.seed, settings) if replay is not None else None
        self.replay_idx = self.replay.indices("train") if self.replay is not None else np.arange(0)
        if self.replay is not None and len(self.replay_idx) == 0:
            raise ValueError(f"replay data set {replay} has no training frames")
        self.with_stress = settings.stress_weight > 0 and self.frames.stress is not None and self.frames.periodic
        self.with_charges = settings.charges_weight > 0
        if self.with_charges and self.frames.charges is None:
            raise ValueError(f"charges_weight = {settings.charges_weight} but {self.dataset_names} holds no teacher "
                             "charges (teacher_charges): only teachers with a charge model give them")
        torch.manual_seed(settings.seed)
        element_energies = fit_element_energies(self.frames, self.train_idx)
        self.model = Student(**self.model_config).to(device=self.device, dtype=self.dtype)
        if start is not None:  # fine-tuning: the student's weights, E0s refitted for the new level of theory
            self.model.load_state_dict(start.state_dict())
        self.model.element_energies.zero_()
        for number, value in element_energies.items():
            self.model.element_energies[number] = value
        self.frames = self.frames.to(self.device)
        self.replay = self.replay.to(self.device) if self.replay is not None else None
        self.ema = (AveragedModel(self.model, multi_avg_fn=get_ema_multi_avg_fn(settings.ema_decay), use_buffers=True)
                    if settings.ema_decay else None)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=settings.lr, weight_decay=settings.weight_decay,
                                          amsgrad=settings.amsgrad)
        if settings.scheduler == "plateau":
            self.scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
                self.optimizer, factor=settings.plateau_factor, patience=settings.plateau_patience)
        else:
            self.scheduler = torch.optim.lr_scheduler.StepLR(self.optimizer, settings.step_size, settings.step_gamma)
        self.identity = json.dumps({"dataset_sha256": [sha256_of(d) for d in self.datasets], "model": self.model_config,
                                    "init_sha256": sha256_of(Path(init)) if init else None,
                                    "replay_sha256": sha256_of(Path(replay)) if replay else None,
                                    "settings": settings.model_dump(exclude={"time_limit_minutes"})},
                                   sort_keys=True)
        self.epoch = self.step_in_epoch = self.global_step = 0
        self.pooled: dict[str, torch.Tensor] = {}
        self.history: list[dict] = []
        self.best = {"loss": float("inf"), "epoch": -1, "state": None}
        self.time_limit_note: str | None = None

    @property
    def dataset_names(self) -> str:
        return ", ".join(str(d) for d in self.datasets)

    # --- state ----------------------------------------------------------------------------------
    def _state(self) -> dict:
        return {"identity": self.identity, "model": self.model.state_dict(),
                "ema": self.ema.state_dict() if self.ema else None, "optimizer": self.optimizer.state_dict(),
                "scheduler": self.scheduler.state_dict(), "epoch": self.epoch, "step_in_epoch": self.step_in_epoch,
                "global_step": self.global_step, "pooled": self.pooled, "history": json.dumps(self.history),
                "best_loss": self.best["loss"], "best_epoch": self.best["epoch"], "best_state": self.best["state"]}

    def save_checkpoint(self) -> None:
        with atomic_path(checkpoint_path(self.output)) as tmp:
            torch.save(on_cpu(self._state()), tmp)

    def resume(self) -> bool:
        """Restore from an existing checkpoint of the same run; False when there is none."""
        path = checkpoint_path(self.output)
        if not path.exists():
            return False
        try:
            state = torch.load(path, map_location=self.device, weights_only=True)
        except Exception as error:  # torch raises many types for a damaged file
            raise ValueError(f"training checkpoint {path} is unreadable ({type(error).__name__}); delete it to "
                             "start over") from None
        if not isinstance(state, dict) or state.get("identity") != self.identity:
            if self.overwrite:
                path.unlink()
                return False
            raise ValueError(f"{path} belongs to another training run (dataset, model or settings differ); "
                             "rerun that run to finish it, use --overwrite to discard it, or choose another output")
        self.model.load_state_dict(state["model"])
        if self.ema:
            self.ema.load_state_dict(state["ema"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        self.epoch, self.step_in_epoch, self.global_step = state["epoch"], state["step_in_epoch"], state["global_step"]
        self.pooled, self.history = state["pooled"], json.loads(state["history"])
        self.best = {"loss": state["best_loss"], "epoch": state["best_epoch"], "state": on_cpu(state["best_state"])}
        return True

    # --- training -------------------------------------------------------------------------------
    def _weights(self, epoch: int) -> dict[str, float]:
        s = self.settings
        both_stages = {"stress": s.stress_weight, "charges": s.charges_weight}
        if s.stage_two_epoch is not None and epoch >= s.stage_two_epoch:
            return {"energy": s.stage_two_energy_weight, "forces": s.stage_two_forces_weight, **both_stages}
        return {"energy": s.energy_weight, "forces": s.forces_weight, **both_stages}

    def _batches(self, epoch: int) -> list[tuple[bool, np.ndarray]]:
        """Seeded (is_replay, frame indices) batches of one epoch: the new training frames, plus
        ``replay_fraction`` × as many frames drawn afresh each epoch from the replay set, shuffled together."""
        generator = torch.Generator().manual_seed(self.settings.seed * 1_000_003 + epoch)
        size = self.settings.batch_size
        order = self.train_idx[torch.randperm(len(self.train_idx), generator=generator).numpy()]
        batches = [(False, order[i:i + size]) for i in range(0, len(order), size)]
        n_replay = min(len(self.replay_idx), round(self.settings.replay_fraction * len(self.train_idx)))
        if n_replay:
            drawn = self.replay_idx[torch.randperm(len(self.replay_idx), generator=generator).numpy()[:n_replay]]
            batches += [(True, drawn[i:i + size]) for i in range(0, n_replay, size)]
            batches = [batches[k] for k in torch.randperm(len(batches), generator=generator).tolist()]
        return batches

    def _evaluate(self, model, indices: np.ndarray) -> dict[str, float]:
        pooled: dict[str, torch.Tensor] = {}
        for start in range(0, len(indices), self.settings.batch_size):
            batch = self.frames.batch(indices[start:start + self.settings.batch_size])
            prediction = predict(model, batch, create_graph=False, with_stress=False)
            for key, value in errors(prediction, batch, self.with_charges).items():
                pooled[key] = pooled.get(key, 0) + value
        return summarise(pooled)

    def run(self) -> Path:
        """Train to the end (resuming if possible) and write the student file; returns its path.

        Runs with torch's deterministic algorithms (warnings only where an op has none, e.g. on some
        CUDA kernels): on the CPU with two threads, two runs of the demo student otherwise drift apart
        after tens of epochs (max |Δw| 5e-7 after 80 epochs, measured)."""
        previous = torch.are_deterministic_algorithms_enabled(), torch.is_deterministic_algorithms_warn_only_enabled()
        torch.use_deterministic_algorithms(True, warn_only=True)
        try:
            return self._run()
        finally:
            torch.use_deterministic_algorithms(previous[0], warn_only=previous[1])

    def _run(self) -> Path:
        s = self.settings
        if self.resume():
            print(f"train: resuming at epoch {self.epoch}, step {self.step_in_epoch}", flush=True)
        steps_per_epoch = len(self._batches(0))
        progress = Progress(s.epochs * steps_per_epoch, self.global_step, label="train")
        started = time.perf_counter()
        while self.epoch < s.epochs and not self._stopped_early():
            if s.stage_two_epoch is not None and self.epoch == s.stage_two_epoch and self.step_in_epoch == 0:
                for group in self.optimizer.param_groups:
                    group["lr"] = s.stage_two_lr
            weights = self._weights(self.epoch)
            batches = self._batches(self.epoch)
            for is_replay, index in batches[self.step_in_epoch:]:
                batch = (self.replay if is_replay else self.frames).batch(index)
                self.optimizer.zero_grad()
                with_stress = self.with_stress and not is_replay
                prediction = predict(self.model, batch, create_graph=True, with_stress=with_stress)
                # replayed frames belong to another level of theory: their forces only
                value = loss(prediction, batch, {key: w if key == "forces" else 0.0 for key, w in weights.items()}
                             if is_replay else weights)
                value.backward()
                if s.clip_grad_norm:
                    torch.nn.utils.clip_grad_norm_(self.model.parameters(), s.clip_grad_norm)
                self.optimizer.step()
                if self.ema:
                    self.ema.update_parameters(self.model)
                for key, v in errors(prediction, batch, self.with_charges).items() if not is_replay else ():
                    self.pooled[key] = self.pooled.get(key, 0) + v
                self.step_in_epoch += 1
                self.global_step += 1
                progress.update(self.global_step, f"epoch {self.epoch} loss {float(value.detach()):.3g}")
                if self.global_step % s.checkpoint_every == 0:
                    self.save_checkpoint()
            self._end_epoch(weights)
            if (s.time_limit_minutes is not None and self.epoch < s.epochs
                    and time.perf_counter() - started > 60 * s.time_limit_minutes):
                self.time_limit_note = f"stopped by time limit at epoch {self.epoch} of {s.epochs}"
                print(f"train: {self.time_limit_note} ({s.time_limit_minutes} min)", flush=True)
                break
        progress.close()
        return self._finish()

    def _end_epoch(self, weights: dict[str, float]) -> None:
        evaluated = self.ema.module if self.ema else self.model
        validation = self._evaluate(evaluated, self.val_idx) if len(self.val_idx) else {}
        row = {"epoch": self.epoch, "lr": self.optimizer.param_groups[0]["lr"],
               **{f"train_{k}": v for k, v in summarise(self.pooled).items()},
               **{f"validation_{k}": v for k, v in validation.items()}}
        monitor = (weights["energy"] * (validation["energy_rmse_mev_atom"] / 1e3) ** 2
                   + weights["forces"] * (validation["forces_rmse_mev_a"] / 1e3) ** 2
                   + weights["charges"] * validation.get("charges_rmse_e", 0.0) ** 2) if validation else float(row["epoch"])
        if isinstance(self.scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
            self.scheduler.step(monitor)
        else:
            self.scheduler.step()
        if not validation or monitor < self.best["loss"]:
            self.best = {"loss": monitor, "epoch": self.epoch,
                         "state": {k: v.detach().to("cpu", copy=True) for k, v in evaluated.state_dict().items()}}
        self.history.append(row)
        self.epoch, self.step_in_epoch, self.pooled = self.epoch + 1, 0, {}
        self.save_checkpoint()
        print(f"train: epoch {row['epoch']} " + " ".join(f"{k}={v:.4g}" for k, v in row.items() if k != "epoch"),
              flush=True)

    def _stopped_early(self) -> bool:
        patience = self.settings.early_stopping_patience
        return patience is not None and self.best["epoch"] >= 0 and self.epoch - self.best["epoch"] > patience

    def _finish(self) -> Path:
        model = Student(**self.model_config).to(self.dtype)
        model.load_state_dict(self.best["state"])
        sign_frames = {k: v.cpu() if v is not None else None
                       for k, v in self.frames.batch(self.train_idx[:SIGN_FRAMES]).items()}
        choice = bec_sign(model, sign_frames, self.settings.sign_element)
        sign_note = "kept as trained: no atom of the reference element" if choice is None else choice.describe()
        if choice is not None:
            model.charge_sign.mul_(choice.factor)
        print(f"train: charge sign {sign_note}", flush=True)
        extra = {"stopped_by_time_limit": self.time_limit_note} if self.time_limit_note else {}
        metadata = provenance(command="train", dataset=self.dataset_names, best_epoch=self.best["epoch"],
                              epochs_run=self.epoch, charge_sign_rule=sign_note,
                              settings=json.dumps(self.settings.model_dump()), device=str(self.device),
                              **extra)
        self._write_metrics()
        path = save_student(model, self.output, metadata)
        if not self.time_limit_note:  # finished: the student is the result (a time-limited stop keeps it)
            checkpoint_path(self.output).unlink(missing_ok=True)
        return path

    def _write_metrics(self) -> None:
        if not self.history:
            return
        csv_path = self.output.with_name(self.output.stem + ".metrics.csv")
        with atomic_path(csv_path) as tmp, open(tmp, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(self.history[-1]))
            writer.writeheader()
            writer.writerows(self.history)
        columns = {key: ("epoch", [row.get(key, np.nan) for row in self.history]) for key in self.history[-1] if key != "epoch"}
        metrics = xr.Dataset(columns, coords={"epoch": [row["epoch"] for row in self.history]},
                             attrs={"best_epoch": self.best["epoch"], "dataset": self.dataset_names,
                                    "stopped_by_time_limit": self.time_limit_note or "",
                                    "identity_sha256": hashlib.sha256(self.identity.encode()).hexdigest()})
        with atomic_path(self.output.with_name(self.output.stem + ".metrics.nc")) as tmp:
            metrics.to_netcdf(tmp)


def on_cpu(value):
    """``value`` (tensors in nested dicts, lists, tuples) with every tensor copied to the CPU."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu()
    if isinstance(value, dict):
        return {key: on_cpu(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(on_cpu(item) for item in value)
    return value


def train(dataset: Path | str | list[Path | str], model_config: dict | None, settings: TrainSettings,
          output: Path | str, init: Path | str | None = None, replay: Path | str | None = None,
          overwrite: bool = False, device: str = "auto") -> Path:
    """Distil the labels of ``dataset`` (one file, or several of the same atoms trained together) into
    a student saved at ``output`` (resumable). With ``init``, start from that student (same
    architecture, E0s refitted to the data: fine-tuning on another level of theory, or an iterative
    round), optionally replaying training frames of ``replay`` (e.g. the teacher labels) against forgetting.
    ``device``: auto, cpu, cuda or cuda:N (:func:`lesdistill.device.resolve_device`)."""
    return Trainer(dataset, model_config, settings, output, init, replay, overwrite, device).run()


def evaluate_student(path: Path | str, dataset: Path | str, split: str = "validation", device: str = "auto",
                     chunk: int = 64) -> dict[str, float]:
    """Energy (meV/atom) and force (meV/Å) errors of a student file on one split of a dataset.

    Frames are evaluated ``chunk`` at a time on ``device`` (halved on out-of-memory). Energies are
    compared after removing the mean offset, since E0s differ between levels of theory.
    """
    device = resolve_device(device)
    model = load_student(path, device=device)
    frames = load_frames(dataset, torch.float64).to(device)
    indices = frames.indices(split) if len(frames.indices(split)) else np.arange(len(frames))

    def residuals(start: int, stop: int) -> tuple[torch.Tensor, torch.Tensor]:
        batch = frames.batch(indices[start:stop])
        prediction = predict(model, batch, create_graph=False, with_stress=False)
        return (((prediction["energy"] - batch["energy"]) / batch["n_atoms"]).detach(),
                (prediction["forces"] - batch["forces"]).detach())

    parts = ChunkedEvaluation(chunk, device, "evaluate").map(residuals, len(indices))
    per_atom = torch.cat([energy for energy, _ in parts])
    per_atom = per_atom - per_atom.mean()
    forces = torch.cat([force for _, force in parts])
    return {"energy_rmse_mev_atom": 1e3 * float(per_atom.pow(2).mean().sqrt()),
            "forces_rmse_mev_a": 1e3 * float(forces.pow(2).mean().sqrt())}
