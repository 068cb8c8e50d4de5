"""Reference band positions: bundled files, the loader's checks, peak shifts and the spectral distance."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lesdistill.spectra import (
    HCL_BANDS,
    WATER_BANDS,
    Peak,
    load_reference,
    peak_shifts,
    reference_bands,
    spectral_distance,
)
from lesdistill.spectra.reference import REFERENCE_DIR


def test_bundled_water_reference_holds_the_bertie_lan_band_maxima():
    water = load_reference("water")
    assert water.positions == {"hbond_stretch": 200.0, "libration": 680.0, "bend": 1643.0, "combination": 2125.0,
                               "stretch": 3404.0}
    assert "Bertie" in water.source and "Appl. Spectrosc. 50, 1047" in water.source and not water.approximate
    assert water.metadata["doi"] == "10.1366/0003702963905385"
    assert reference_bands(water) == WATER_BANDS
    assert load_reference(REFERENCE_DIR / "water_ir.yaml").positions == water.positions  # a path works too


def test_bundled_hcl_reference_is_marked_approximate_and_cited():
    hcl = load_reference("hcl")
    assert hcl.positions == {"zundel_proton_stretch": 1150.0, "hydronium_bend": 1850.0, "eigen_oh_stretch": 2400.0,
                             "zundel_oh_stretch": 3000.0}
    assert hcl.approximate and "Wang" in hcl.source and "Cheng" in hcl.source
    assert "APPROXIMATE" in hcl.metadata["description"]
    assert reference_bands(hcl) == HCL_BANDS
    for (name, low, high) in HCL_BANDS:
        assert low < hcl.positions[name] < high


def write(tmp_path, text: str):
    path = tmp_path / "reference.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("text,message", [
    ("name: x\nbands: {bend: 1643}\n", r"lacks the key\(s\) source"),
    ("source: s\n", r"lacks the key\(s\) name, bands"),
    ("name: x\nsource: s\nbands: {bend: {low: 1400, high: 1900}}\n", "band 'bend' lacks required key 'position'"),
    ("name: x\nsource: s\nbands: {bend: {position: 1643, low: 1400}}\n", "band 'bend' lacks key 'high'"),
    ("name: x\nsource: s\nbands: {bend: {position: abc}}\n", "position must be a number"),
    ("name: x\nsource: s\nunits: THz\nbands: {bend: 1643}\n", "units must be cm"),
    ("name: x\nsource: s\nbands: []\n", "non-empty mapping"),
    ("- just\n- a list\n", "must hold a mapping"),
    ("name: [unclosed\n", r"reference.yaml:2:1: cannot parse YAML"),
])
def test_loader_names_what_is_missing_or_wrong(tmp_path, text, message):
    with pytest.raises(ValueError, match=message):
        load_reference(write(tmp_path, text))


def test_unknown_reference_and_custom_windows(tmp_path):
    with pytest.raises(ValueError, match=r"neither a bundled name \(hcl, water\)"):
        load_reference("vinegar")
    custom = load_reference(write(tmp_path, "name: mine\nsource: s\nbands:\n  bend: 1650\n"
                                            "  amide: {position: 1700, low: 1600, high: 1800}\n"))
    assert reference_bands(custom) == (("bend", 1400.0, 1900.0), ("amide", 1600.0, 1800.0))
    unknown = load_reference(write(tmp_path, "name: mine\nsource: s\nbands: {amide_ii: 1550}\n"))
    with pytest.raises(ValueError, match="band 'amide_ii' has no low/high window"):
        reference_bands(unknown)


def test_peak_shifts_are_model_minus_experiment_for_common_bands():
    water = load_reference("water")
    peaks = {"bend": Peak("bend", 1400, 1900, 1700.0, 50.0, 1.0), "stretch": {"position": 3300.0},
             "combination": 2125.0, "other": 999.0, "libration": math.nan}
    shifts = peak_shifts(peaks, water)
    assert set(shifts) == {"bend", "stretch", "combination", "libration"}
    assert shifts["bend"] == pytest.approx(57.0) and shifts["stretch"] == pytest.approx(-104.0)
    assert shifts["combination"] == 0.0 and math.isnan(shifts["libration"])
    assert peak_shifts({"bend": 1600.0}, {"bend": 1643.0}) == {"bend": pytest.approx(-43.0)}


def spectrum(centres, widths, step=5.0):
    wavenumber = np.arange(0.0, 4200.0, step)
    intensity = sum(1.0 / (1.0 + ((wavenumber - c) / (w / 2)) ** 2) for c, w in zip(centres, widths, strict=True))
    return wavenumber, intensity


def test_spectral_distance_is_zero_for_identical_symmetric_and_grows_with_a_shift():
    w, i = spectrum([1643.0, 3404.0], [80.0, 300.0])
    assert spectral_distance(w, i, w, i) == 0.0
    assert spectral_distance(w, i, w, 7.3 * i) == pytest.approx(0.0, abs=1e-12)  # max-normalised
    fine_w, fine_i = spectrum([1643.0, 3404.0], [80.0, 300.0], step=1.0)
    assert spectral_distance(w, i, fine_w, fine_i) < 0.01  # the same spectrum on another grid
    distances = []
    for shift in (20.0, 60.0, 150.0):
        ws, is_ = spectrum([1643.0 + shift, 3404.0 + shift], [80.0, 300.0])
        d = spectral_distance(w, i, ws, is_)
        assert d == pytest.approx(spectral_distance(ws, is_, w, i), abs=1e-15)
        distances.append(d)
    assert 0 < distances[0] < distances[1] < distances[2] <= 1
    narrow = spectral_distance(w, i, w, i, grid=(1500.0, 1800.0, 1.0))
    assert narrow == 0.0


def test_spectral_distance_rejects_bad_input():
    w, i = spectrum([1643.0], [80.0])
    with pytest.raises(ValueError, match="spectrum b covers"):
        spectral_distance(w, i, w[w < 3000], i[w < 3000])
    with pytest.raises(ValueError, match="grid must be"):
        spectral_distance(w, i, w, i, grid=(4000.0, 0.0, 2.0))
    with pytest.raises(ValueError, match="no positive intensity"):
        spectral_distance(w, i, w, -i)
    with pytest.raises(ValueError, match="increase strictly"):
        spectral_distance(w[::-1], i, w, i)
