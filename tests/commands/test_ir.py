"""`lesdistill ir` end to end on synthetic response files: layout, peaks, group spectra, bad input."""

from __future__ import annotations

import json
import re

import netCDF4
import numpy as np
import pytest
import xarray as xr

from lesdistill.cli import main
from lesdistill.spectra import WATER_BANDS
from tests.spectra.test_spectra import DT_FS, sinusoids

N_FRAMES = 20000
BLOCK_FS = 1250.0  # 5000 frames: the paper's block


def group_currents(n_frames: int = N_FRAMES) -> dict[str, np.ndarray]:
    """A bend-like and a stretch-like group plus a little noise; the total current is their sum."""
    rng = np.random.default_rng(11)
    return {"hydronium": sinusoids(n_frames, [(1643.0, 1.0)], seed=1) + rng.normal(scale=0.05, size=(n_frames, 3)),
            "bulk_water": sinusoids(n_frames, [(3404.0, 0.5)], seed=2) + rng.normal(scale=0.05, size=(n_frames, 3))}


def write_response(path, *, groups: bool = True, n_frames: int = N_FRAMES, time_fs=None, drop=(),
                   group_names=None):
    """A response.nc as `lesdistill response` writes it (NETCDF3, unlimited frame), with ``drop`` left out."""
    parts = group_currents(n_frames)
    time_fs = np.arange(n_frames) * DT_FS if time_fs is None else time_fs
    with netCDF4.Dataset(path, "w", format="NETCDF3_64BIT_OFFSET") as nc:
        nc.setncatts({"command": "response", "git_revision": "abc123", "epsilon_inf": "1.78"})
        nc.createDimension("frame", None)
        nc.createDimension("xyz", 3)
        if "time_fs" not in drop:
            nc.createVariable("time_fs", "f8", ("frame",))[:] = time_fs
        if "current" not in drop:
            variable = nc.createVariable("current", "f8", ("frame", "xyz"))
            variable.units = "e*angstrom/fs"
            variable[:] = sum(parts.values())
        if groups:
            nc.createDimension("group", len(parts))
            variable = nc.createVariable("group_current", "f8", ("frame", "group", "xyz"))
            variable.group_names = json.dumps(list(parts)) if group_names is None else group_names
            variable[:] = np.stack(list(parts.values()), axis=1)
    return path


def run_ir(tmp_path, response, *options):
    output = tmp_path / "out" / "ir.nc"
    code = main(["ir", str(response), "-o", str(output), *options])
    return code, output


def test_ir_with_groups_and_reference_writes_the_documented_layout(tmp_path, capsys):
    response = write_response(tmp_path / "response.nc")
    code, output = run_ir(tmp_path, response, "--block-length-fs", str(BLOCK_FS), "--overlap", "0.5",
                          "--reference", "water")
    assert code == 0 and "wrote" in capsys.readouterr().out
    assert sorted(p.name for p in output.parent.iterdir()) == ["ir.nc", "ir.nc.made-from.json"]  # no temporary left
    with xr.open_dataset(output) as ir:
        ir = ir.load()
    assert dict(ir.sizes) == {"wavenumber": ir.sizes["wavenumber"], "band": 5, "group": 2}
    assert list(ir.band.values) == [name for name, _, _ in WATER_BANDS]
    assert list(ir.group.values) == ["hydronium", "bulk_water"]
    assert ir.wavenumber.attrs["units"] == "cm^-1" and ir.wavenumber.values.max() <= 4000
    for name in ("intensity", "error"):
        assert ir[name].dims == ("wavenumber",)
    for name in ("group_intensity", "group_cross_intensity"):
        assert ir[name].dims == ("group", "wavenumber")
    for field in ("position", "width", "height", "position_error"):
        assert ir[f"peak_{field}"].dims == ("band",)
        assert ir[f"group_peak_{field}"].dims == ("group", "band")
    assert ir.peak_position.attrs["units"] == "cm^-1"

    bin_width = float(ir.attrs["bin_width_cm1"])
    position = ir.peak_position.to_series()
    assert abs(position["bend"] - 1643.0) <= bin_width and abs(position["stretch"] - 3404.0) <= bin_width
    assert np.isfinite(ir.peak_width.sel(band=["bend", "stretch"])).all()
    assert (ir.peak_position_error.sel(band=["bend", "stretch"]) > 0).all()
    assert np.allclose(ir.peak_shift.sel(band=["bend", "stretch"]), position[["bend", "stretch"]] - [1643.0, 3404.0])
    assert list(ir.reference_position.values) == [200.0, 680.0, 1643.0, 2125.0, 3404.0]
    assert not ir.peak_interior.sel(band="combination")  # on the bend's leakage: its edge, not a peak
    assert np.isnan(ir.peak_shift.where(~ir.peak_interior)).all() and np.isnan(ir.peak_shift.sel(band="combination"))
    # each group's own peak, and the group contributions adding up to the total
    group_position = ir.group_peak_position
    assert abs(float(group_position.sel(group="hydronium", band="bend")) - 1643.0) <= bin_width
    assert abs(float(group_position.sel(group="bulk_water", band="stretch")) - 3404.0) <= bin_width
    assert np.allclose(ir.group_cross_intensity.sum("group"), ir.intensity, rtol=1e-9, atol=1e-12)
    assert ir.group_intensity.sel(group="hydronium").max() > 10 * ir.group_intensity.sel(group="bulk_water").sel(
        wavenumber=slice(1500, 1800)).max()

    attrs = ir.attrs
    options = json.loads(attrs["options"])
    assert options["block_length_fs"] == BLOCK_FS and options["overlap"] == 0.5 and options["reference"] == "water"
    assert options["window"] == "none" and options["nqe_shift"] is False and options["normalize"] is None
    assert attrs["command"] == "ir" and attrs["n_blocks"] == "7" and float(attrs["dt_fs"]) == DT_FS
    assert attrs["response_git_revision"] == "abc123" and attrs["response_epsilon_inf"] == "1.78"
    assert "version_lesdistill" in attrs and "git_revision" in attrs
    assert "Bertie" in attrs["reference_source"]


def test_ir_without_groups_or_reference_and_with_every_option(tmp_path):
    response = write_response(tmp_path / "response.nc", groups=False)
    code, output = run_ir(tmp_path, response, "--block-length-fs", "1000", "--overlap", "0.5", "--window", "hann",
                          "--zero-pad", "2", "--max-wavenumber", "3800", "--smoothing-cm1", "15",
                          "--normalize", "2800,3800", "--nqe-shift", "--quantum-correction-K", "300")
    assert code == 0
    with xr.open_dataset(output) as ir:
        ir = ir.load()
    assert "group" not in ir.sizes and "group_intensity" not in ir and "peak_shift" not in ir
    assert ir.intensity.sel(wavenumber=slice(2800, 3800)).max() == pytest.approx(1.0)
    assert ir.intensity.attrs["units"] == "normalized"
    shifted = ir.peak_position.to_series()  # the NQE shift moves the peaks by the paper's table
    assert abs(shifted["stretch"] - (3404.0 - 166.0)) < 15 and abs(shifted["bend"] - (1643.0 - 60.0)) < 15
    assert json.loads(ir.attrs["options"])["normalize"] == [2800.0, 3800.0]


def test_hcl_reference_selects_the_hydronium_bands_and_normalisation_keeps_the_sum(tmp_path):
    response = write_response(tmp_path / "response.nc")
    code, output = run_ir(tmp_path, response, "--block-length-fs", str(BLOCK_FS), "--reference", "hcl",
                          "--normalize", "max")
    assert code == 0
    with xr.open_dataset(output) as ir:
        ir = ir.load()
    assert list(ir.band.values) == ["zundel_proton_stretch", "hydronium_bend", "eigen_oh_stretch", "zundel_oh_stretch"]
    assert list(ir.reference_position.values) == [1150.0, 1850.0, 2400.0, 3000.0]
    assert float(ir.intensity.max()) == pytest.approx(1.0)
    assert np.allclose(ir.group_cross_intensity.sum("group"), ir.intensity, rtol=1e-9, atol=1e-12)
    assert ir.attrs["reference_approximate"] == "true"


def test_time_step_override_and_bands_option(tmp_path):
    response = write_response(tmp_path / "response.nc", groups=False, drop=("time_fs",))
    code, output = run_ir(tmp_path, response, "--dt-fs", str(DT_FS), "--bands", "hcl")
    assert code == 0
    with xr.open_dataset(output) as ir:
        assert ir.sizes["band"] == 4 and ir.attrs["n_blocks"] == "1"
        assert np.isnan(ir.peak_position_error).all()  # one block: no spread to measure


@pytest.mark.parametrize("case,message", [
    ("missing_file", "does not exist"),
    ("no_current", "lacks the variable 'current'"),
    ("no_time", "lacks the variable 'time_fs'"),
    ("short", "holds 2000 frames.*too few for the block length of 5000 frames"),
    ("uneven", "non-uniform time step"),
    ("group_names", "group_names.*must list 2 distinct names"),
    ("not_netcdf", "cannot read response file"),
])
def test_bad_input_exits_with_code_2_and_names_the_problem(tmp_path, capsys, case, message):
    path = tmp_path / "response.nc"
    if case == "no_current":
        write_response(path, drop=("current",), n_frames=100)
    elif case == "no_time":
        write_response(path, drop=("time_fs",), n_frames=100)
    elif case == "short":
        write_response(path, n_frames=2000)
    elif case == "uneven":
        time_fs = np.arange(1000) * DT_FS
        time_fs[500:] += 0.1
        write_response(path, n_frames=1000, time_fs=time_fs)
    elif case == "group_names":
        write_response(path, n_frames=100, group_names=json.dumps(["only_one"]))
    elif case == "not_netcdf":
        path.write_text("this is not netCDF\n")
    code, output = run_ir(tmp_path, path, "--block-length-fs", str(BLOCK_FS) if case == "short" else "10")
    assert code == 2
    error = capsys.readouterr().err
    assert error.startswith("lesdistill ir: error:")
    assert re.search(message, error), error
    assert not output.exists()


def test_bad_options_are_refused(tmp_path, capsys):
    response = write_response(tmp_path / "response.nc", groups=False, n_frames=1000)
    with pytest.raises(SystemExit) as exit_info:
        run_ir(tmp_path, response, "--normalize", "3800,2800")
    assert exit_info.value.code == 2 and "LOW < HIGH" in capsys.readouterr().err
    code, _ = run_ir(tmp_path, response, "--reference", str(tmp_path / "missing.yaml"))
    assert code == 2 and "neither a bundled name" in capsys.readouterr().err
    code, _ = run_ir(tmp_path, response, "--overlap", "1.0")
    assert code == 2 and "overlap" in capsys.readouterr().err
    code, _ = run_ir(tmp_path, response, "--zero-pad", "0")
    assert code == 2 and "zero_pad" in capsys.readouterr().err


def write_measured(folder, spectra: dict[str, tuple[np.ndarray, np.ndarray]]):
    """A reference YAML (the water bands) with measured spectra as CSV files next to it."""
    for name, (wavenumber, intensity) in spectra.items():
        rows = "\n".join(f"{w:.17g},{i:.9g}" for w, i in zip(wavenumber, intensity))
        (folder / f"{name}.csv").write_text(f"# measured {name}\nwavenumber_cm1,absorbance\n{rows}\n")
    text = "name: measured\nsource: synthetic test spectra\nbands: {bend: 1643, stretch: 3404}\nspectra:\n" + "".join(
        f"  {name}: {name}.csv\n" for name in spectra)
    path = folder / "measured.yaml"
    path.write_text(text)
    return path


def test_measured_spectra_give_the_distance_on_the_overlap_zero_for_the_same_shape(tmp_path, capsys):
    """The model's own spectra, written as 'measured' CSVs over 500-3900 cm⁻¹ (in other units), are at
    distance 0; shifted by 150 cm⁻¹ they are not; the measured curve lies on the model's grid."""
    response = write_response(tmp_path / "response.nc")
    code, plain = run_ir(tmp_path, response, "--block-length-fs", str(BLOCK_FS))
    with xr.open_dataset(plain) as ir:
        ir = ir.load()
    inside = (ir.wavenumber >= 500) & (ir.wavenumber <= 3900)
    x = ir.wavenumber.values[inside.values]
    spectra = {"total": (x, 40.0 * ir.intensity.values[inside.values]),
               "hydronium": (x, 3.0 * ir.group_intensity.sel(group="hydronium").values[inside.values])}
    same = write_measured(tmp_path, spectra)
    output = tmp_path / "same" / "ir.nc"
    assert main(["ir", str(response), "--block-length-fs", str(BLOCK_FS), "--reference", str(same), "-o", str(output)]) == 0
    with xr.open_dataset(output) as ir:
        ir = ir.load()
    assert list(ir.experiment.values) == ["total", "hydronium"]
    assert np.allclose(ir.spectral_distance.values, 0.0, atol=1e-8)  # the CSV keeps 9 digits
    assert float(ir.spectral_distance_low.sel(experiment="total")) == pytest.approx(x[0])
    assert float(ir.spectral_distance_high.sel(experiment="total")) <= x[-1]
    measured = ir.experiment_intensity.sel(experiment="total")
    assert np.allclose(measured.values[inside.values], spectra["total"][1], rtol=1e-6)
    assert np.isnan(measured.values[~inside.values]).all() and ir.spectral_distance.attrs["units"] == "1"
    (tmp_path / "total.csv").write_text((tmp_path / "total.csv").read_text().replace("# measured", "# edited"))
    again = ["ir", str(response), "--block-length-fs", str(BLOCK_FS), "--reference", str(same), "-o", str(output)]
    capsys.readouterr()
    assert main(again) == 2 and "reference_spectrum[total]" in capsys.readouterr().err  # the CSV is an input

    shifted = {name: (w + 150.0, i) for name, (w, i) in spectra.items()}
    shifted_output = tmp_path / "shifted" / "ir.nc"
    assert main(["ir", str(response), "--block-length-fs", str(BLOCK_FS), "--reference",
                 str(write_measured(tmp_path, shifted)), "-o", str(shifted_output)]) == 0
    with xr.open_dataset(shifted_output) as ir:
        assert (ir.spectral_distance.values > 0.1).all()


@pytest.mark.parametrize("spectra,message", [
    ({"chloride": ((500.0, 3900.0), (1.0, 2.0))}, "spectrum 'chloride' is neither 'total' nor a group"),
    ({"total": ((3900.0, 3950.0), (1.0, 2.0))}, "overlap on 50 cm^-1 only"),
    ({"total": ((500.0, 400.0), (1.0, 2.0))}, "strictly increasing wavenumber"),
    ({"total": ((500.0, 900.0), (0.0, 0.0))}, "has no positive intensity"),
])
def test_bad_measured_spectra_exit_2_naming_the_problem(tmp_path, capsys, spectra, message):
    response = write_response(tmp_path / "response.nc")
    reference = write_measured(tmp_path, {name: (np.array(w), np.array(i)) for name, (w, i) in spectra.items()})
    code, output = run_ir(tmp_path, response, "--block-length-fs", str(BLOCK_FS), "--reference", str(reference))
    error = capsys.readouterr().err
    assert code == 2 and message in error and not output.exists()
