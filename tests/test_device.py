"""The device setting: validation, resolution, every stage on the device, device-neutral checkpoints,
cross-device resume, CPU-only teachers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.serialization
import xarray as xr

from lesdistill.cli import main
from lesdistill.device import ChunkedEvaluation, check_device, is_cuda, resolve_device
from lesdistill.label import label_frames
from lesdistill.models.student import load_student
from lesdistill.teachers import resolve, teacher_device
from lesdistill.training import TrainSettings, train
from lesdistill.training import trainer as trainer_module

from .helpers import write_perturbed_waters

MODEL = {"backbone": "cace", "backbone_config": {"atomic_numbers": [1, 8], "cutoff": 3.5, "n_radial": 4,
                                                 "n_embed": 2, "n_channels": 4, "l_max": 2, "nu_max": 2,
                                                 "mlp": [16]}, "sigma": 1.0, "dl": 2.0}
SETTINGS = TrainSettings(epochs=3, batch_size=4, lr=5e-3, checkpoint_every=3, ema_decay=0.9, plateau_patience=5)
CUDA = torch.cuda.is_available()


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    """SPC/Fw labels on 12 perturbed 8-water boxes."""
    folder = tmp_path_factory.mktemp("device")
    frames = write_perturbed_waters(folder / "frames.extxyz", 12, seed=3, scale=0.05, box_seed=5)
    return label_frames(frames, resolve("spcfw"), folder / "labels.nc", device="cpu", validation_fraction=0.17,
                        test_fraction=0.17)


def test_device_setting_is_validated_and_auto_resolves_here():
    for good in ("auto", "cpu", "cuda", "cuda:1"):
        assert check_device(good) == good
    for bad in ("gpu", "CUDA", "cuda:", "cuda:x", "cpu:0", "", "mps"):
        with pytest.raises(ValueError, match="device must be auto, cpu, cuda or cuda:N"):
            check_device(bad)
    assert is_cuda("cuda:2") and not is_cuda("auto") and not is_cuda("cpu")
    assert resolve_device("auto").type == ("cuda" if CUDA else "cpu")
    assert resolve_device("cpu") == torch.device("cpu")
    if not CUDA:
        with pytest.raises(ValueError, match="CUDA is not available here"):
            resolve_device("cuda")


def test_a_bad_device_on_the_command_line_exits_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["response", "x.nc", "--student", "s.pt", "--device", "gpu", "-o", str(tmp_path / "r.nc")])
    assert exit_.value.code == 2 and "device must be auto, cpu, cuda or cuda:N, got 'gpu'" in capsys.readouterr().err
    if not CUDA:
        from lesdistill.systems import water_box

        water_box(4, seed=1).write(tmp_path / "water.extxyz")
        assert main(["electrostatics", str(tmp_path / "water.extxyz"), "--charges", "O=-0.8,H=0.4", "--device", "cuda",
                     "-o", str(tmp_path / "e.nc")]) == 2
        assert "CUDA is not available here" in capsys.readouterr().err


def test_cpu_only_teachers_stay_on_the_cpu_and_say_so(capsys):
    assert teacher_device(resolve("spcfw"), "cuda") == "cpu"
    assert "runs on the CPU only; using cpu instead of cuda" in capsys.readouterr().err
    assert teacher_device(resolve("gfn1-xtb"), "auto") == "cpu" and capsys.readouterr().err == ""
    assert teacher_device(resolve("chgnet-0.3.0"), "cpu") == "cpu"


def test_trainer_keeps_model_batches_and_optimiser_on_its_device(dataset, tmp_path):
    trainer = trainer_module.Trainer(dataset, MODEL, SETTINGS, tmp_path / "student.pt", device="cpu")
    assert trainer.device == torch.device("cpu")
    trainer.run()
    tensors = [*trainer.model.parameters(), *trainer.model.buffers(), trainer.frames.positions,
               *(v for state in trainer.optimizer.state.values() for v in state.values() if torch.is_tensor(v))]
    assert {t.device for t in tensors} == {trainer.device}
    assert load_student(tmp_path / "student.pt").element_energies.device == torch.device("cpu")
    payload = torch.load(tmp_path / "student.pt", weights_only=True)
    assert payload["metadata"]["device"] == "cpu"


def _tag_storages_as(path, location: str, monkeypatch) -> None:
    """Rewrite a torch file so that every storage is recorded on ``location`` (as if saved from there)."""
    state = torch.load(path, weights_only=True)
    with monkeypatch.context() as patch:
        patch.setattr(torch.serialization, "location_tag", lambda storage: location)
        torch.save(state, path)


def test_a_checkpoint_saved_on_another_device_resumes_here_to_the_same_weights(dataset, tmp_path, monkeypatch):
    """The checkpoint's storages carry cuda:0 (a GPU run's file); the resumed CPU run ends where an
    uninterrupted one does. Checkpoints are written with CPU tensors and loaded with map_location."""
    reference = load_student(train(dataset, MODEL, SETTINGS, tmp_path / "reference.pt", device="cpu"))
    output = tmp_path / "resumed.pt"
    original_step, calls = torch.optim.Adam.step, {"n": 0}

    def step_then_die(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 5:
            raise KeyboardInterrupt("killed")
        return original_step(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.Adam, "step", step_then_die)
    with pytest.raises(KeyboardInterrupt):
        train(dataset, MODEL, SETTINGS, output, device="cpu")
    monkeypatch.setattr(torch.optim.Adam, "step", original_step)
    checkpoint = trainer_module.checkpoint_path(output)
    state = torch.load(checkpoint, weights_only=True)
    assert all(t.device.type == "cpu" for t in _tensors(state))  # saved device-neutral
    _tag_storages_as(checkpoint, "cuda:0", monkeypatch)
    if not CUDA:  # the file really claims CUDA storages: a plain load fails on this machine
        with pytest.raises(RuntimeError, match="CUDA"):
            torch.load(checkpoint, weights_only=True)
    resumed = load_student(train(dataset, MODEL, SETTINGS, output, device="cpu"))
    for (name, a), (_, b) in zip(reference.state_dict().items(), resumed.state_dict().items()):
        assert torch.allclose(a, b, rtol=1e-12, atol=1e-14), name


def _tensors(value):
    if torch.is_tensor(value):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _tensors(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _tensors(item)


def test_a_student_file_from_another_device_loads_on_the_cpu(dataset, tmp_path, monkeypatch):
    path = train(dataset, MODEL, SETTINGS.model_copy(update={"epochs": 1}), tmp_path / "student.pt", device="cpu")
    expected = load_student(path).state_dict()
    _tag_storages_as(path, "cuda:0", monkeypatch)
    loaded = load_student(path, device="cpu")
    assert all(torch.equal(expected[k], v) and v.device.type == "cpu" for k, v in loaded.state_dict().items())


def test_student_md_and_response_record_the_resolved_device(dataset, tmp_path):
    from lesdistill.systems import water_box

    student = train(dataset, MODEL, SETTINGS.model_copy(update={"epochs": 1}), tmp_path / "student.pt", device="cpu")
    structure = tmp_path / "start.extxyz"
    water_box(8, seed=5).write(structure)
    settings = tmp_path / "md.yaml"
    settings.write_text("ensemble: nve\ntimestep_fs: 0.25\ntemperature_K: 50\nequilibration_steps: 0\n"
                        "production_steps: 6\nsample_stride: 2\ncheckpoint_every: 3\nmax_temperature_K: 5000\n")
    md = tmp_path / "md.nc"
    assert main(["md", str(structure), "--student", str(student), "--settings", str(settings), "--device", "auto",
                 "-o", str(md)]) == 0
    with xr.open_dataset(md) as data:
        assert data.attrs["device"] == str(resolve_device("auto"))
    response = tmp_path / "response.nc"
    assert main(["response", str(md), "--student", str(student), "--device", "cpu", "-o", str(response)]) == 0
    with xr.open_dataset(response) as data:
        assert data.attrs["device"] == "cpu" and data.sizes["frame"] == 3


def test_electrostatics_runs_on_the_device_it_records(tmp_path):
    from lesdistill.systems import water_box

    structure = tmp_path / "water.extxyz"
    water_box(8, seed=1).write(structure)
    output = tmp_path / "e.nc"
    assert main(["electrostatics", str(structure), "--charges", "O=-0.82,H=0.41", "--device", "cpu",
                 "-o", str(output)]) == 0
    with xr.open_dataset(output) as data:
        assert data.attrs["device"] == "cpu" and np.isfinite(data.energy_les_pme.values).all()


def test_chunked_evaluation_halves_on_out_of_memory_and_raises_at_one(capsys):
    seen = []

    def evaluate(start, stop):
        seen.append(stop - start)
        if stop - start > 2:
            raise torch.OutOfMemoryError("CUDA out of memory")
        return list(range(start, stop))

    chunks = ChunkedEvaluation(5, torch.device("cpu"), "test")
    assert [x for part in chunks.map(evaluate, 7) for x in part] == list(range(7))
    assert seen[:3] == [5, 2, 2] and chunks.size == 2
    assert "test: out of memory on 5 frames at once; retrying 2 at a time" in capsys.readouterr().err

    def fails(message):
        def evaluate(start, stop):
            raise RuntimeError(message)
        return evaluate

    with pytest.raises(RuntimeError, match="out of memory"):  # one frame alone does not fit
        ChunkedEvaluation(4, torch.device("cpu"), "test").map(fails("CUDA error: out of memory"), 3)
    with pytest.raises(RuntimeError, match="shape mismatch"):  # other errors are not retried
        ChunkedEvaluation(4, torch.device("cpu"), "test").map(fails("shape mismatch"), 4)


def test_gpu_benchmark_runs_on_the_cpu_in_quick_mode_and_writes_only_where_asked(tmp_path):
    root = Path(__file__).resolve().parent.parent
    committed = root / "benchmarks" / "results" / "gpu.json"
    before = committed.stat().st_mtime_ns if committed.exists() else None
    output = tmp_path / "gpu.json"
    result = subprocess.run([sys.executable, str(root / "benchmarks" / "gpu.py"), "--device", "cpu", "--quick",
                             "--threads", "1", "--output", str(output)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    payload = json.loads(output.read_text())
    assert payload["quick"] is True and payload["machine"]["device"] == "cpu"
    metrics = {name: entry["value"] for name, entry in payload["metrics"].items()}
    for name in ("les_kspace_water-24_float64_cpu_s", "les_pme_water-24_float64_cpu_s",
                 "md_cace_water-24_float32_cpu_steps_per_s", "md_mace_water-24_float64_cpu_steps_per_s",
                 "response_cace_water-24_float32_cpu_over_md", "train_cace_epoch_8x24_float64_cpu_s",
                 "label_chgnet-0.3.0_batched_speedup", "label_student-cace_batch2_frames_per_s"):
        assert metrics[name] > 0, name
    assert (committed.stat().st_mtime_ns if committed.exists() else None) == before
    if not CUDA:
        refused = subprocess.run([sys.executable, str(root / "benchmarks" / "gpu.py"), "--quick"], capture_output=True,
                                 text=True, timeout=600)
        assert refused.returncode == 2 and "CUDA is not available here" in refused.stderr
