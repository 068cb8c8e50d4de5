"""Cross spectra (identities with ir_spectrum) and band peaks: positions, FWHM, heights, uncertainties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.signal import lfilter

from lesdistill.spectra import (
    HCL_BANDS,
    WATER_BANDS,
    cross_spectrum,
    find_peaks,
    ir_spectrum,
)
from lesdistill.spectra.ir import SPEED_OF_LIGHT_CM_S
from lesdistill.spectra.peaks import check_bands, peak_statistics_over_blocks
from tests.spectra.test_spectra import DT_FS, sinusoids

OPTION_SETS = [
    {},
    {"block_length": 1000, "overlap": 0.5, "window": "hann"},
    {"block_length": 800, "zero_pad": 2, "smoothing_points": 1.5, "quantum_correction_K": 300.0},
    {"block_length": 1000, "nqe_shift": True, "max_wavenumber": None},
    {"block_length": 1000, "normalize": (1000, 2000)},
]


def noisy_sinusoids(n_frames: int, seed: int = 0, noise: float = 0.05) -> np.ndarray:
    rng = np.random.default_rng(seed + 100)
    return sinusoids(n_frames, [(1643.0, 1.0), (3404.0, 0.5)], seed=seed) + rng.normal(scale=noise, size=(n_frames, 3))


def damped_oscillator_noise(n_frames: int, wavenumber: float, damping: float, seed: int) -> np.ndarray:
    """A (T, 3) AR(2) process: noise driving a resonance at ``wavenumber`` cm⁻¹, pole radius 1 − ``damping``."""
    theta = 2 * np.pi * SPEED_OF_LIGHT_CM_S * wavenumber * DT_FS * 1e-15
    r = 1 - damping
    noise = np.random.default_rng(seed).normal(size=(n_frames, 3))
    return lfilter([1.0], [1.0, -2 * r * np.cos(theta), r * r], noise, axis=0)


# ------------------------------------------------------------------------------------------ cross spectra

@pytest.mark.parametrize("options", OPTION_SETS)
def test_cross_spectrum_of_a_current_with_itself_is_its_ir_spectrum_exactly(options):
    current = noisy_sinusoids(4000)
    auto = ir_spectrum(current, DT_FS, return_error=True, return_blocks=True, **options)
    cross = cross_spectrum(current, current.copy(), DT_FS, return_error=True, return_blocks=True, **options)
    for a, b in zip(auto, cross, strict=True):
        assert np.array_equal(a, b)


@pytest.mark.parametrize("options", [o for o in OPTION_SETS if "normalize" not in o])
def test_cross_spectra_of_a_partition_with_the_total_add_up_to_the_spectrum(options):
    rng = np.random.default_rng(7)
    parts = [sinusoids(4000, [(1643.0, 1.0)], seed=1), sinusoids(4000, [(1643.0, 0.3), (3404.0, 0.5)], seed=2),
             rng.normal(scale=0.2, size=(4000, 3))]
    total = sum(parts)
    _, intensity = ir_spectrum(total, DT_FS, **options)
    contributions = [cross_spectrum(part, total, DT_FS, **options)[1] for part in parts]
    assert np.allclose(sum(contributions), intensity, rtol=1e-9, atol=1e-12 * intensity.max())
    assert (contributions[0] < 0).sum() + (contributions[2] < 0).sum() > 0  # a cross spectrum is no power


def test_cross_spectrum_is_symmetric_and_odd_in_the_sign_of_one_current():
    a, b = noisy_sinusoids(3000, seed=1), noisy_sinusoids(3000, seed=2)
    options = {"block_length": 1000, "overlap": 0.5, "window": "hann"}
    _, ab = cross_spectrum(a, b, DT_FS, **options)
    _, ba = cross_spectrum(b, a, DT_FS, **options)
    _, minus = cross_spectrum(a, -a, DT_FS, **options)
    assert np.allclose(ab, ba, rtol=1e-12, atol=1e-15)
    assert np.allclose(minus, -ir_spectrum(a, DT_FS, **options)[1], rtol=1e-12)
    with pytest.raises(ValueError, match="same shape"):
        cross_spectrum(a, b[:-1], DT_FS)
    with pytest.raises(ValueError, match="current_b must have shape"):
        cross_spectrum(a, b[:, :2], DT_FS)


def test_block_spectra_average_to_the_spectrum_and_give_its_error():
    current = noisy_sinusoids(5000)
    _, intensity, blocks = ir_spectrum(current, DT_FS, block_length=1000, overlap=0.5, smoothing_points=1.0,
                                       return_blocks=True)
    assert blocks.shape == (9, len(intensity))  # starts every 500 frames: 0, 500, …, 4000
    assert np.allclose(blocks.mean(axis=0), intensity, rtol=1e-10)
    unsmoothed = ir_spectrum(current, DT_FS, block_length=1000, overlap=0.5, return_error=True, return_blocks=True)
    assert np.allclose(unsmoothed[3].std(axis=0, ddof=1) / 3, unsmoothed[2])
    assert len(ir_spectrum(current, DT_FS, block_length=1000)) == 2  # the default return is unchanged


# ------------------------------------------------------------------------------------------ peaks

@pytest.mark.parametrize("window", ["none", "hann"])
def test_sinusoids_give_peaks_in_their_bands_within_one_bin(window):
    current = noisy_sinusoids(20000)
    wavenumber, intensity, error, blocks = ir_spectrum(current, DT_FS, block_length=5000, overlap=0.5, window=window,
                                                       return_error=True, return_blocks=True)
    bin_width = wavenumber[1] - wavenumber[0]
    peaks = find_peaks(wavenumber, intensity, WATER_BANDS, block_spectra=blocks)
    assert list(peaks) == [name for name, _, _ in WATER_BANDS]
    for band, target in (("bend", 1643.0), ("stretch", 3404.0)):
        peak = peaks[band]
        assert peak.interior and abs(peak.position - target) <= bin_width
        assert 0 < peak.width < 6 * bin_width  # a line: the window's main lobe
        assert peak.height == pytest.approx(intensity[np.argmin(np.abs(wavenumber - peak.position))], rel=0.3)
        assert peak.position_error > 0 and peak.n_blocks == len(blocks)
    assert peaks["bend"].height > 3 * peaks["stretch"].height  # amplitudes 1 and 0.5
    from_error = find_peaks(wavenumber, intensity, WATER_BANDS, error=error)
    assert from_error["bend"].position == peaks["bend"].position
    assert from_error["bend"].position_error > 0 and from_error["bend"].height_error > 0


def lorentzian(x, centre, fwhm):
    return 1.0 / (1.0 + ((x - centre) / (fwhm / 2)) ** 2)


def test_lorentzian_gives_its_centre_width_and_height():
    wavenumber = np.arange(0.0, 4000.0, 2.0)
    intensity = lorentzian(wavenumber, 1643.3, 80.0) + 0.5 * lorentzian(wavenumber, 3404.9, 300.0)
    peaks = find_peaks(wavenumber, intensity, WATER_BANDS)
    assert peaks["bend"].position == pytest.approx(1643.3, abs=0.05)
    assert peaks["bend"].height == pytest.approx(1.0 + 0.5 * lorentzian(1643.3, 3404.9, 300.0), abs=1e-3)
    assert peaks["bend"].width == pytest.approx(80.0, abs=0.5)
    assert peaks["stretch"].position == pytest.approx(3404.9, abs=0.5)
    assert peaks["stretch"].width == pytest.approx(300.0, abs=2.0)
    assert math.isnan(peaks["bend"].position_error)  # no blocks, no error given
    # a non-uniform grid (as after the NQE shift) gives the same answers
    uneven = np.cumsum(np.where(np.arange(2000) % 2, 1.5, 2.5))
    peaks = find_peaks(uneven, lorentzian(uneven, 1643.3, 80.0), [("bend", 1400, 1900)])
    assert peaks["bend"].position == pytest.approx(1643.3, abs=0.2)
    assert peaks["bend"].width == pytest.approx(80.0, abs=0.5)


def test_a_damped_oscillation_gives_the_lorentzian_width_of_its_decay():
    tau_fs = 200.0
    t_fs = np.arange(2**15) * DT_FS
    rng = np.random.default_rng(4)
    current = np.cos(2 * np.pi * SPEED_OF_LIGHT_CM_S * 1643.0 * t_fs[:, None] * 1e-15 + rng.uniform(0, 6, 3))
    current *= np.exp(-t_fs / tau_fs)[:, None]
    wavenumber, intensity = ir_spectrum(current, DT_FS, zero_pad=2)
    expected_fwhm = 1.0 / (np.pi * SPEED_OF_LIGHT_CM_S * tau_fs * 1e-15)  # γ/π in frequency, ≈ 53 cm⁻¹
    peak = find_peaks(wavenumber, intensity, [("bend", 1400, 1900)])["bend"]
    assert peak.position == pytest.approx(1643.0, abs=1.0)
    assert peak.width == pytest.approx(expected_fwhm, rel=0.03)


def test_position_uncertainty_is_positive_and_shrinks_with_more_blocks():
    errors = {}
    for n_blocks in (4, 64):
        current = damped_oscillator_noise(4000 * n_blocks, 1643.0, 0.002, seed=n_blocks)
        wavenumber, intensity, blocks = ir_spectrum(current, DT_FS, block_length=4000, return_blocks=True)
        peak = find_peaks(wavenumber, intensity, [("bend", 1400, 1900)], block_spectra=blocks)["bend"]
        assert peak.interior and abs(peak.position - 1643.0) < 40
        assert peak.n_blocks == n_blocks and peak.position_error > 0 and peak.height_error > 0
        assert peak.width_error > 0
        errors[n_blocks] = peak.position_error
    assert errors[64] < errors[4] / 2  # ∝ 1/√n_blocks: a factor 4 expected


def test_block_statistics_need_two_blocks():
    wavenumber = np.arange(0.0, 4000.0, 2.0)
    one = lorentzian(wavenumber, 1643.0, 80.0)[None, :]
    assert all(math.isnan(v) for k, v in peak_statistics_over_blocks(wavenumber, one, WATER_BANDS)["bend"].items()
               if k.endswith("error"))
    two = np.vstack([lorentzian(wavenumber, 1640.0, 80.0), lorentzian(wavenumber, 1650.0, 80.0)])
    stats = peak_statistics_over_blocks(wavenumber, two, [("bend", 1400, 1900)])["bend"]
    assert stats["position_error"] == pytest.approx(5.0, abs=0.1)  # std 7.07 / √2
    assert stats["n_blocks"] == 2
    with pytest.raises(ValueError, match="block_spectra must have shape"):
        peak_statistics_over_blocks(wavenumber, two[:, :-1], WATER_BANDS)


def test_a_band_without_a_peak_is_flagged_and_unresolved_widths_are_nan():
    wavenumber = np.arange(0.0, 4000.0, 2.0)
    intensity = lorentzian(wavenumber, 1643.0, 80.0) + 1e-3 * lorentzian(wavenumber, 1000.0, 2000.0)
    peaks = find_peaks(wavenumber, intensity, WATER_BANDS)
    combination = peaks["combination"]  # only the bend's falling flank lies in 1900–2600
    assert not combination.interior and combination.position == 1900.0 and math.isnan(combination.position_error)
    assert math.isnan(combination.width)
    broad = find_peaks(wavenumber, lorentzian(wavenumber, 1643.0, 2000.0), [("bend", 1400, 1900)])["bend"]
    assert broad.interior and math.isnan(broad.width)  # never falls to half height inside the band
    assert peaks["bend"].as_dict()["band"] == "bend"


def test_band_sets_and_bad_bands():
    assert check_bands(WATER_BANDS) == WATER_BANDS and check_bands(HCL_BANDS) == HCL_BANDS
    centres = {name: (low + high) / 2 for name, low, high in HCL_BANDS}
    assert [name for name, _, _ in HCL_BANDS] == ["zundel_proton_stretch", "hydronium_bend", "eigen_oh_stretch",
                                                  "zundel_oh_stretch"]
    for (name, low, high), feature in zip(HCL_BANDS, (1150, 1850, 2400, 3000), strict=True):
        assert low < feature < high and abs(centres[name] - feature) < 100
    wavenumber = np.arange(0.0, 4000.0, 100.0)
    with pytest.raises(ValueError, match="band 'narrow'.*at least 3"):
        find_peaks(wavenumber, np.ones_like(wavenumber), [("narrow", 1000, 1150)])
    with pytest.raises(ValueError, match="low < high"):
        check_bands([("bend", 1900, 1400)])
    with pytest.raises(ValueError, match="repeated"):
        check_bands([("bend", 1400, 1900), ("bend", 1500, 1800)])
    with pytest.raises(ValueError, match="increase"):
        find_peaks(wavenumber[::-1], np.ones_like(wavenumber), WATER_BANDS)
