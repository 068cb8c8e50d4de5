"""`lesdistill figures` on synthetic ir.nc, response.nc and benchmark files: every figure is written as
PDF and PNG of the right size, the tables hold the numbers, the parity statistics are right, bad input
exits 2 naming the file.

``python -m tests.figures.test_figures [FOLDER]`` renders every figure from the same data (default
/tmp/figures_preview) for looking at them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import netCDF4
import numpy as np
import pytest
import xarray as xr
from PIL import Image

from lesdistill.cli import main
from lesdistill.figures import (
    DPI,
    bec_distributions,
    bec_parity,
    bec_parity_data,
    cost_table,
    density_profile,
    group_spectra,
    ir_spectra,
    make_figures,
    point_charge_becs,
)
from lesdistill.figures.style import FULL_WIDTH
from lesdistill.response import BEC_BINS, DENSITY_BIN_A
from lesdistill.spectra.analysis import ir_dataset, write_ir
from lesdistill.spectra.ir import SPEED_OF_LIGHT_CM_S

DT_FS = 1.0
N_FRAMES = 6000
BLOCK_FS = 1500.0
TEST_DPI = 60  # small PNGs keep the tests fast; one test checks the default 300 dpi

WATER_BANDS = [(200.0, 120.0, 0.4), (680.0, 250.0, 1.6), (1643.0, 60.0, 0.5), (2125.0, 150.0, 0.08),
               (3404.0, 200.0, 1.0)]
HCL_GROUP_BANDS = {"hydronium": [(1150.0, 150.0, 0.3), (1850.0, 120.0, 0.25), (2400.0, 200.0, 0.3)],
                   "first_shell": [(680.0, 200.0, 0.6), (1643.0, 60.0, 0.3), (3000.0, 250.0, 0.6)],
                   "bulk_water": [(680.0, 250.0, 1.2), (1643.0, 60.0, 0.4), (3404.0, 200.0, 1.0)],
                   "chloride": [(150.0, 100.0, 0.2)]}
TIO2_GROUP_BANDS = {"slab": [(300.0, 150.0, 1.5), (700.0, 120.0, 0.6)],
                    "layer_1": [(800.0, 200.0, 0.3), (3200.0, 250.0, 0.3)],
                    "layer_2": [(700.0, 200.0, 0.4), (1643.0, 60.0, 0.2), (3300.0, 200.0, 0.4)],
                    "layer_3": [(680.0, 250.0, 0.4), (1643.0, 60.0, 0.2), (3404.0, 200.0, 0.4)],
                    "bulk": [(680.0, 250.0, 1.0), (1643.0, 60.0, 0.4), (3404.0, 200.0, 1.0)]}
#: Teacher → red shift (cm⁻¹) of its synthetic water spectrum.
WATER_TEACHERS = {"chgnet-0.3.0": 0.0, "sevennet-0": 40.0, "chgnet-r2scan": -60.0, "gfn2-xtb": 120.0, "spcfw": -150.0}


# ------------------------------------------------------------------------------------------ synthetic inputs
def band_current(bands, n_frames: int = N_FRAMES, seed: int = 0) -> np.ndarray:
    """A (T, 3) current whose power spectrum is a sum of Gaussian bands (centre, σ, height) in cm⁻¹."""
    rng = np.random.default_rng(seed)
    frequency = np.fft.rfftfreq(n_frames, DT_FS * 1e-15) / SPEED_OF_LIGHT_CM_S  # cm⁻¹
    power = sum(height * np.exp(-0.5 * ((frequency - centre) / width) ** 2) for centre, width, height in bands)
    phases = np.exp(2j * np.pi * rng.uniform(size=(len(frequency), 3)))
    return np.fft.irfft(np.sqrt(power)[:, None] * phases * np.sqrt(n_frames), n=n_frames, axis=0)


def write_response(path: Path, current: np.ndarray | None = None, groups: dict[str, np.ndarray] | None = None,
                   bec: dict[int, np.ndarray] | None = None, density: np.ndarray | None = None,
                   request: dict | None = None, bec_stride: int = 10) -> Path:
    """A response.nc with the variables `lesdistill response` writes. ``bec``: {Z: (F, n_atoms) isotropic
    BECs}, stored as statistics on every ``bec_stride``-th frame (NaN between); ``density`` (F, distance)."""
    n_frames = len(current) if current is not None else len(next(iter(bec.values())))
    with_bec = np.arange(n_frames) % bec_stride == 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with netCDF4.Dataset(path, "w", format="NETCDF3_64BIT_OFFSET") as nc:
        nc.setncatts({"command": "response", "request": json.dumps(request or {"layer_cuts": None})})
        nc.createDimension("frame", None)
        nc.createDimension("xyz", 3)
        nc.createVariable("time_fs", "f8", ("frame",))[:] = np.arange(n_frames) * DT_FS
        nc.createVariable("current", "f8", ("frame", "xyz"))[:] = (
            current if current is not None else np.zeros((n_frames, 3)))
        if groups:
            nc.createDimension("group", len(groups))
            variable = nc.createVariable("group_current", "f8", ("frame", "group", "xyz"))
            variable.group_names = json.dumps(list(groups))
            variable[:] = np.stack(list(groups.values()), axis=1)
        if bec:
            elements = sorted(bec)
            nc.createDimension("element", len(elements))
            nc.createDimension("bec_bin", len(BEC_BINS) - 1)
            nc.createVariable("element", "i4", ("element",))[:] = elements
            nc.createVariable("bec_bin", "f8", ("bec_bin",))[:] = 0.5 * (BEC_BINS[1:] + BEC_BINS[:-1])
            histogram = np.full((n_frames, len(elements), len(BEC_BINS) - 1), np.nan)
            mean = np.full((n_frames, len(elements)), np.nan)
            std = np.full((n_frames, len(elements)), np.nan)
            for k, z in enumerate(elements):
                values = bec[z][with_bec]
                histogram[with_bec, k] = [np.histogram(row, BEC_BINS)[0] for row in values]
                mean[with_bec, k], std[with_bec, k] = values.mean(axis=1), values.std(axis=1)
            nc.createVariable("bec_iso_histogram", "f8", ("frame", "element", "bec_bin"))[:] = histogram
            nc.createVariable("bec_iso_mean", "f8", ("frame", "element"))[:] = mean
            nc.createVariable("bec_iso_std", "f8", ("frame", "element"))[:] = std
        if density is not None:
            nc.createDimension("distance", density.shape[1])
            nc.createVariable("distance", "f8", ("distance",))[:] = (np.arange(density.shape[1]) + 0.5) * DENSITY_BIN_A
            profile = np.full((n_frames, density.shape[1]), np.nan)
            profile[with_bec] = density[with_bec]
            nc.createVariable("water_density", "f8", ("frame", "distance"))[:] = profile
    return path


def write_ir_file(path: Path, bands=None, groups: dict | None = None, reference: str | None = "water",
                  shift: float = 0.0, seed: int = 0, **options) -> Path:
    """ir.nc from a synthetic response (through `lesdistill ir`'s own analysis)."""
    if groups is not None:
        parts = {name: band_current(b, seed=seed + k) for k, (name, b) in enumerate(groups.items())}
        current = sum(parts.values())
    else:
        parts = None
        current = band_current([(c - shift, w, h) for c, w, h in bands], seed=seed)
    response = write_response(path.with_name(f"{path.stem}_response.nc"), current, parts)
    dataset = ir_dataset(response, block_length_fs=BLOCK_FS, overlap=0.5, smoothing_cm1=15.0, reference=reference,
                         **options)
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_ir(dataset, path)


def bec_samples(seed: int, n_frames: int = 60, shift: float = 0.0, tio2: bool = False) -> dict[int, np.ndarray]:
    rng = np.random.default_rng(seed)
    if tio2:
        return {1: rng.normal(0.55 + shift, 0.12, (n_frames, 96)),
                8: np.concatenate([rng.normal(-3.2, 0.25, (n_frames, 64)), rng.normal(-1.1 + shift, 0.2, (n_frames, 48))],
                                  axis=1),
                22: rng.normal(6.4, 0.3, (n_frames, 32))}
    return {1: rng.normal(0.62 + shift, 0.1, (n_frames, 128)), 8: rng.normal(-1.24 - 2 * shift, 0.15, (n_frames, 64))}


def density_frames(n_frames: int = 40, seed: int = 0) -> np.ndarray:
    """(F, 200) water density (g/cm³) on 0.1 Å bins: layered near the surface, bulk beyond, empty past 14 Å."""
    rng = np.random.default_rng(seed)
    d = (np.arange(200) + 0.5) * DENSITY_BIN_A
    profile = (0.997 + 2.2 * np.exp(-0.5 * ((d - 1.2) / 0.25) ** 2) + 1.1 * np.exp(-0.5 * ((d - 2.9) / 0.35) ** 2)
               - 0.5 * np.exp(-0.5 * ((d - 4.3) / 0.6) ** 2))
    profile[d < 0.8] = 0.0
    profile[d > 14.0] = 0.0
    return np.clip(profile[None] + rng.normal(0, 0.08, (n_frames, 200)) * (profile[None] > 0), 0, None)


def write_benchmarks(folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    teachers = {"spcfw": 8.087, "chgnet-0.3.0": 1.7089, "chgnet-r2scan": 1.6701, "gfn1-xtb": 0.5123,
                "sevennet-0": 2.345}
    metrics = {}
    for name, value in teachers.items():
        metrics[f"{name}_192_atoms_md"] = {"value": value, "unit": "steps/s"}
        metrics[f"{name}_96_atoms_md"] = {"value": 2 * value, "unit": "steps/s"}
        metrics[f"{name}_192_atoms_energy_forces"] = {"value": 1 / value, "unit": "s"}
    first = folder / "teachers.json"
    first.write_text(json.dumps({"machine": {"cpu": "test"}, "metrics": metrics}))
    students = {"mace": 61.4, "cace": 212.7}
    metrics = {"chgnet-0.3.0_192_atoms_md": {"value": 1.7089, "unit": "steps/s"}}
    for name, value in students.items():
        metrics[f"{name}_192_atoms_md"] = {"value": value, "unit": "steps/s"}
        metrics[f"speedup_vs_chgnet-0.3.0_{name}_192_atoms"] = {"value": value / 1.7089, "unit": "x"}
        metrics[f"{name}_test_forces_rmse"] = {"value": 50.0, "unit": "meV/Å"}
    second = folder / "distill_water.json"
    second.write_text(json.dumps({"machine": {"cpu": "test"}, "metrics": metrics}))
    return first, second


def parity_arrays(n_atoms: int = 96, seed: int = 0):
    rng = np.random.default_rng(seed)
    numbers = np.tile([8, 1, 1], n_atoms // 3)
    q = np.where(numbers == 8, -1.3, 0.65)
    reference = q[:, None, None] * np.eye(3) + rng.normal(0, 0.15, (n_atoms, 3, 3))
    student = reference + rng.normal(0, 0.05, (n_atoms, 3, 3))
    return student, reference, numbers


# --------------------------------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def data(tmp_path_factory) -> dict:
    return build_inputs(tmp_path_factory.mktemp("figures_inputs"))


def build_inputs(root: Path) -> dict:
    """All synthetic inputs laid out as results/{teacher}/{system}/…"""
    results = root / "results"
    water = {teacher: write_ir_file(results / teacher / "water" / "ir.nc", WATER_BANDS, shift=shift, seed=k)
             for k, (teacher, shift) in enumerate(WATER_TEACHERS.items())}
    hcl = write_ir_file(results / "chgnet-0.3.0" / "hcl" / "ir.nc", groups=HCL_GROUP_BANDS, reference="hcl", seed=20)
    tio2 = write_ir_file(results / "chgnet-0.3.0" / "tio2_water" / "ir.nc", groups=TIO2_GROUP_BANDS, reference="water",
                         seed=30)
    responses = {"chgnet-0.3.0/water": write_response(results / "chgnet-0.3.0" / "water" / "response.nc",
                                                      bec=bec_samples(1)),
                 "sevennet-0/water": write_response(results / "sevennet-0" / "water" / "response.nc",
                                                    bec=bec_samples(2, shift=0.08)),
                 "chgnet-0.3.0/tio2_water": write_response(
                     results / "chgnet-0.3.0" / "tio2_water" / "response.nc", bec=bec_samples(3, tio2=True),
                     density=density_frames(60), request={"layer_cuts": [1.725, 3.725, 6.025],
                                                          "groups": "water-layers"})}
    benchmarks = write_benchmarks(root / "benchmarks")
    return {"root": root, "water": water, "hcl": hcl, "tio2": tio2, "responses": responses, "benchmarks": benchmarks}


def check_outputs(paths, stem: Path, dpi: int, width_in: float | None = FULL_WIDTH, height_in: float | None = None):
    for extension in ("pdf", "png"):
        path = stem.with_name(f"{stem.name}.{extension}")
        assert path in paths and path.stat().st_size > 1000
    assert stem.with_name(f"{stem.name}.pdf").read_bytes().startswith(b"%PDF")
    with Image.open(stem.with_name(f"{stem.name}.png")) as image:
        width, height = image.size
        assert image.info["dpi"] == pytest.approx((dpi, dpi), abs=0.5)
        pixels = np.asarray(image.convert("L"))
    if width_in is not None:
        assert width == round(width_in * dpi)
    if height_in is not None:
        assert height == round(height_in * dpi)
    assert pixels.min() < 100  # something dark was drawn
    # nothing drawn into the outermost pixel rows/columns: labels are inside the canvas, not clipped
    border = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    assert border.min() > 200


# ------------------------------------------------------------------------------------------------------ tests
def test_ir_spectra_one_panel_per_level_of_theory_with_a_peak_table(data, tmp_path):
    stem = tmp_path / "ir_water"
    paths = ir_spectra(data["water"], "water", "water", stem, dpi=TEST_DPI)
    check_outputs(paths, stem, TEST_DPI)
    table = (tmp_path / "ir_water_peaks.md").read_text()
    assert "stretch (exp. 3404)" in table and "GFN2-xTB" in table and "chgnet-r2scan" in table
    row = next(line for line in table.splitlines() if line.startswith("| gfn2-xtb"))
    stretch = [cell.strip() for cell in row.split("|")][-2]
    assert abs(float(stretch.split()[0]) - (3404 - 120)) < 30  # the synthetic red shift of 120 cm⁻¹


def test_ir_spectra_without_reference_uses_the_files_own_and_the_default_dpi(data, tmp_path):
    stem = tmp_path / "sub" / "ir"
    paths = ir_spectra({"chgnet-0.3.0": data["water"]["chgnet-0.3.0"]}, "water", None, stem, peak_table=False)
    check_outputs(paths, stem, DPI)
    assert len(paths) == 2


def test_ir_spectra_of_an_already_normalised_file(tmp_path):
    path = write_ir_file(tmp_path / "results" / "mace" / "water" / "ir.nc", WATER_BANDS, normalize=(2800.0, 3800.0))
    paths = ir_spectra({"mace-off23-large": path}, "water", None, tmp_path / "normalised", dpi=TEST_DPI)
    check_outputs(paths, tmp_path / "normalised", TEST_DPI)


def test_bec_distributions(data, tmp_path):
    stem = tmp_path / "bec"
    paths = bec_distributions(data["responses"], stem, dpi=TEST_DPI)
    check_outputs(paths, stem, TEST_DPI)


def test_bec_parity_statistics_and_figure(tmp_path):
    student, reference, numbers = parity_arrays()
    result = bec_parity(reference, reference, numbers, tmp_path / "same", dpi=TEST_DPI)
    assert result.rmse == 0.0 and result.r2 == pytest.approx(1.0)
    check_outputs(result.files, tmp_path / "same", TEST_DPI, width_in=3.9, height_in=3.9)
    offset = bec_parity(reference + 0.25, reference, numbers, tmp_path / "offset", dpi=TEST_DPI)
    assert offset.rmse == pytest.approx(0.25) and offset.by_element["O"][0] == pytest.approx(0.25)
    noisy = bec_parity(student, reference, numbers, tmp_path / "noisy", dpi=TEST_DPI)
    assert noisy.rmse == pytest.approx(np.sqrt(np.mean((student - reference) ** 2)))
    assert 0.9 < noisy.r2 < 1.0
    with pytest.raises(ValueError, match="M, 3, 3"):
        bec_parity(student[:, :2], reference, numbers, tmp_path / "bad")


def test_point_charge_becs_are_q_times_identity():
    from ase import Atoms

    atoms = Atoms("OH2", positions=[[0, 0, 0], [0.96, 0, 0], [-0.24, 0.93, 0]])
    bec = point_charge_becs(atoms, {"O": -0.82, "H": 0.41})
    assert bec.shape == (3, 3, 3)
    np.testing.assert_allclose(bec[0], -0.82 * np.eye(3))
    np.testing.assert_allclose(bec[1], 0.41 * np.eye(3))
    np.testing.assert_allclose(point_charge_becs(atoms, [1.0, 2.0, 3.0])[2], 3.0 * np.eye(3))
    with pytest.raises(ValueError, match="Cl"):
        point_charge_becs(Atoms("HCl"), {"H": 0.4})


def test_bec_parity_data_from_a_student_and_an_extxyz(tmp_path):
    import torch
    from ase.io import write

    from lesdistill import StudentCalculator
    from lesdistill.models.student import Student, save_student
    from lesdistill.systems import water_box

    torch.manual_seed(0)
    model = {"backbone": "cace", "backbone_config": {"atomic_numbers": [1, 8], "cutoff": 3.5, "n_radial": 4,
                                                     "n_embed": 2, "n_channels": 4, "l_max": 2, "nu_max": 2,
                                                     "mlp": [16]}}
    student = save_student(Student(**model).double(), tmp_path / "results" / "t" / "water" / "student.pt")
    frames = [water_box(4, seed=seed) for seed in (1, 2)]
    calculator = StudentCalculator(student)
    for atoms in frames:
        atoms.calc = calculator
        atoms.arrays["bec"] = calculator.get_bec(atoms).reshape(len(atoms), 9)
        atoms.calc = None
    structures = tmp_path / "structures.extxyz"
    write(structures, frames, format="extxyz")
    student_bec, reference_bec, numbers = bec_parity_data(student, structures)
    assert student_bec.shape == reference_bec.shape == (24, 3, 3) and len(numbers) == 24
    np.testing.assert_allclose(student_bec, reference_bec, atol=1e-6)
    assert bec_parity(student_bec, reference_bec, numbers, tmp_path / "p", dpi=TEST_DPI).rmse < 1e-6
    _, point, _ = bec_parity_data(student, structures, reference_charges={"O": -0.82, "H": 0.41})
    np.testing.assert_allclose(point[0], -0.82 * np.eye(3))
    write(tmp_path / "plain.extxyz", water_box(4, seed=3), format="extxyz")
    with pytest.raises(ValueError, match="'bec'"):
        bec_parity_data(student, tmp_path / "plain.extxyz")
    # the CLI with point charges as the reference
    code = main(["figures", "--out", str(tmp_path / "cli"), "--bec-parity", f"{student}={structures}",
                 "--point-charges", "spcfw", "--dpi", str(TEST_DPI)])
    assert code == 0 and (tmp_path / "cli" / "bec_parity_t_water.png").is_file()


@pytest.mark.parametrize("which,title", [("hcl", "HCl"), ("tio2", "TiO2-water")])
def test_group_spectra(data, tmp_path, which, title):
    stem = tmp_path / f"groups_{which}"
    paths = group_spectra(data[which], stem, title, dpi=TEST_DPI)
    check_outputs(paths, stem, TEST_DPI)


def test_group_spectra_needs_groups(data, tmp_path):
    with pytest.raises(ValueError, match="no group spectra"):
        group_spectra(data["water"]["spcfw"], tmp_path / "g")


def test_density_profile(data, tmp_path):
    stem = tmp_path / "density"
    paths = density_profile(data["responses"]["chgnet-0.3.0/tio2_water"], stem, dpi=TEST_DPI)
    check_outputs(paths, stem, TEST_DPI)
    with pytest.raises(ValueError, match="water_density"):
        density_profile(data["responses"]["chgnet-0.3.0/water"], tmp_path / "d")


def test_cost_table_figure_and_markdown(data, tmp_path):
    stem = tmp_path / "costs"
    paths = cost_table(data["benchmarks"], stem, dpi=TEST_DPI)
    check_outputs(paths, stem, TEST_DPI)
    table = (tmp_path / "costs.md").read_text()
    lines = table.splitlines()
    assert "speed-up vs sevennet-0" in table  # the fastest learned teacher is the default reference
    for name, value in (("cace", "213"), ("mace", "61.4"), ("chgnet-0.3.0", "1.71"), ("gfn1-xtb", "0.512")):
        row = next(line for line in lines if line.startswith(f"| {name} |"))
        assert value in row
    assert "student" in next(line for line in lines if line.startswith("| mace |"))
    assert "teacher" in next(line for line in lines if line.startswith("| spcfw |"))
    assert "90.7" in next(line for line in lines if line.startswith("| cace |"))  # 212.7 / 2.345
    with_reference = cost_table(data["benchmarks"], tmp_path / "c2", reference_teacher="chgnet-0.3.0", dpi=TEST_DPI)
    assert "124" in (tmp_path / "c2.md").read_text()  # 212.7 / 1.7089
    assert len(with_reference) == 3
    cost_table(data["benchmarks"][:1], tmp_path / "c3", atoms=96, dpi=TEST_DPI)  # teachers only, another size
    with pytest.raises(ValueError, match="sizes present: \\[96, 192\\]"):
        cost_table(data["benchmarks"], tmp_path / "c4", atoms=500)


def test_make_figures_from_layout_paths_through_the_cli(data, tmp_path, capsys):
    out = tmp_path / "figures"
    argv = ["figures", "--out", str(out), "--dpi", str(TEST_DPI),
            "--ir", *map(str, data["water"].values()), f"chgnet-0.3.0/hcl={data['hcl']}",
            "--response", *map(str, data["responses"].values()),
            "--groups", str(data["hcl"]), str(data["tio2"]),
            "--density", str(data["responses"]["chgnet-0.3.0/tio2_water"]),
            "--costs", *map(str, data["benchmarks"]), "--reference-for", "water=water"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    expected = ["ir_water", "ir_hcl", "bec_distributions", "groups_chgnet-0.3.0_hcl", "groups_chgnet-0.3.0_tio2_water",
                "density_chgnet-0.3.0_tio2_water", "costs"]
    for stem in expected:
        for extension in ("pdf", "png"):
            assert (out / f"{stem}.{extension}").is_file()
            assert f"wrote {out / f'{stem}.{extension}'}" in printed
    assert (out / "costs.md").is_file() and (out / "ir_water_peaks.md").is_file()


def test_make_figures_api_checks_every_input_first(data, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(ValueError, match="benchmark file .*missing.json does not exist"):
        make_figures(out, ir=[("chgnet-0.3.0", "water", data["water"]["chgnet-0.3.0"])],
                     costs=[tmp_path / "missing.json"])
    assert not out.exists()  # nothing drawn before the check
    with pytest.raises(ValueError, match="nothing to plot"):
        make_figures(out)


@pytest.mark.parametrize("arguments,message", [
    (["--ir", "results/chgnet-0.3.0/water/missing.nc"], "ir file results/chgnet-0.3.0/water/missing.nc does not exist"),
    (["--costs", "nowhere/teachers.json"], "benchmark file nowhere/teachers.json does not exist"),
    (["--response", "x=nowhere/response.nc"], "response file nowhere/response.nc does not exist"),
    (["--ir", "t/water"], "ir file t/water does not exist"),
    (["--ir", "bad=ir.nc"], "expected TEACHER/SYSTEM=PATH"),
    ([], "nothing to plot"),
])
def test_cli_exits_2_naming_the_bad_input(tmp_path, capsys, arguments, message):
    assert main(["figures", "--out", str(tmp_path / "out"), *arguments]) == 2
    error = capsys.readouterr().err
    assert "lesdistill figures: error:" in error and message in error


def test_cli_bare_ir_path_needs_the_results_layout(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("ir.nc").write_text("")
    assert main(["figures", "--out", "out", "--ir", "ir.nc"]) == 2
    assert "cannot take teacher and system from the path ir.nc" in capsys.readouterr().err


def test_cli_unreadable_file_exits_2(tmp_path, capsys):
    bad = tmp_path / "results" / "t" / "water" / "ir.nc"
    bad.parent.mkdir(parents=True)
    bad.write_text("not a netCDF file")
    broken_json = tmp_path / "broken.json"
    broken_json.write_text("{")
    assert main(["figures", "--out", str(tmp_path / "out"), "--ir", str(bad)]) == 2
    assert f"cannot read ir file {bad}" in capsys.readouterr().err
    assert main(["figures", "--out", str(tmp_path / "out"), "--costs", str(broken_json)]) == 2
    assert f"cannot read benchmark file {broken_json}" in capsys.readouterr().err


def render_preview(folder: Path, dpi: int = 110) -> list[Path]:
    """Every figure from the synthetic test data into ``folder`` (for looking at them)."""
    folder = Path(folder)
    inputs = build_inputs(folder / "inputs")
    written = make_figures(folder, ir=[*inputs["water"].values(), ("chgnet-0.3.0", "hcl", inputs["hcl"])],
                           responses=inputs["responses"], groups=[inputs["hcl"], inputs["tio2"]],
                           density=[inputs["responses"]["chgnet-0.3.0/tio2_water"]], costs=inputs["benchmarks"],
                           dpi=dpi, formats=("pdf", "png"))
    student, reference, numbers = parity_arrays(192)
    written += bec_parity(student, reference, numbers, folder / "bec_parity", dpi=dpi).files
    return written


if __name__ == "__main__":
    for path in render_preview(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/figures_preview")):
        print(path)


def measured_reference(folder: Path, spectra: dict[str, list[tuple[float, float, float]]], bands: str) -> Path:
    """A reference YAML whose measured spectra (CSV, 400-3900 cm⁻¹) are the exact band shapes the synthetic
    currents are drawn from: the truth a computed spectrum should reproduce."""
    grid = np.arange(400.0, 3900.0, 5.0)
    lines = ["name: measured", "source: the synthetic band shapes", f"bands: {bands}", "spectra:"]
    for name, shape in spectra.items():
        intensity = sum(h * np.exp(-0.5 * ((grid - c) / w) ** 2) for c, w, h in shape)
        (folder / f"{name}.csv").write_text("".join(f"{x},{y}\n" for x, y in zip(grid, intensity)))
        lines.append(f"  {name}: {name}.csv")
    path = folder / f"measured_{'_'.join(spectra)}.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_measured_spectra_are_drawn_and_rank_the_cells_by_spectral_distance(tmp_path):
    reference = measured_reference(tmp_path, {"total": WATER_BANDS}, "{bend: 1643, stretch: 3404}")
    files = {teacher: write_ir_file(tmp_path / "results" / teacher / "water" / "ir.nc", WATER_BANDS,
                                    reference=str(reference), shift=shift)
             for teacher, shift in (("chgnet-0.3.0", 0.0), ("gfn2-xtb", 120.0))}
    paths = ir_spectra(files, "water", None, tmp_path / "ir_water", dpi=TEST_DPI)
    check_outputs(paths, tmp_path / "ir_water", TEST_DPI)
    table = (tmp_path / "ir_water_peaks.md").read_text()
    assert "| Spectral distance |" in table
    distance = {line.split("|")[1].strip(): float(line.split("|")[-2]) for line in table.splitlines()
                if line.startswith(("| chgnet", "| gfn2"))}
    assert distance["chgnet-0.3.0"] < 0.1 < distance["gfn2-xtb"]  # the unshifted cell has the measured shape

    hcl = measured_reference(tmp_path, {"hydronium": HCL_GROUP_BANDS["hydronium"]}, "{hydronium_bend: 1850}")
    path = write_ir_file(tmp_path / "results" / "t" / "hcl" / "ir.nc", groups=HCL_GROUP_BANDS, reference=str(hcl))
    with xr.open_dataset(path) as ir:
        assert float(ir.spectral_distance.sel(experiment="hydronium")) < 0.1
    check_outputs(group_spectra(path, tmp_path / "groups_hcl", "HCl", dpi=TEST_DPI), tmp_path / "groups_hcl", TEST_DPI)
