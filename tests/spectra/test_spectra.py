"""IR spectra: known sinusoids, Parseval, the NQE shift table, the quantum correction, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from lesdistill.spectra import harmonic_quantum_correction, ir_spectrum, nqe_red_shift
from lesdistill.spectra.ir import NQE_SHIFT_ANCHORS, SPEED_OF_LIGHT_CM_S

DT_FS = 0.25


def sinusoids(n_frames: int, components: list[tuple[float, float]], seed: int = 0) -> np.ndarray:
    """A (T, 3) current: Σ A cos(2π c ν̃ t + φ) per axis with random phases, ν̃ in cm⁻¹."""
    rng = np.random.default_rng(seed)
    t_s = np.arange(n_frames) * DT_FS * 1e-15
    current = np.zeros((n_frames, 3))
    for wavenumber, amplitude in components:
        phase = rng.uniform(0, 2 * np.pi, size=3)
        current += amplitude * np.cos(2 * np.pi * SPEED_OF_LIGHT_CM_S * wavenumber * t_s[:, None] + phase)
    return current


@pytest.mark.parametrize("window", ["none", "hann"])
def test_known_sinusoids_give_peaks_at_their_wavenumbers_with_the_right_power(window):
    current = sinusoids(20000, [(1643.0, 1.0), (3404.0, 0.5)])
    wavenumber, intensity = ir_spectrum(current, DT_FS, block_length=5000, overlap=0.5, window=window)
    bin_width = wavenumber[1] - wavenumber[0]
    powers = []
    for target in (1643.0, 3404.0):
        near = np.abs(wavenumber - target) < 300  # wide enough for the leakage of a rectangular window
        peak = wavenumber[near][np.argmax(intensity[near])]
        assert abs(peak - target) <= bin_width
        powers.append(intensity[near].sum() * bin_width)
    assert powers[0] / powers[1] == pytest.approx(4.0, rel=0.05)  # (1.0 / 0.5)²
    assert sum(powers) == pytest.approx(0.5 * (1.0 + 0.25), rel=0.05)  # variance of A cos is A²/2


@pytest.mark.parametrize("window,zero_pad", [("none", 1), ("hann", 1), ("none", 3)])
def test_integrated_spectrum_equals_the_variance(window, zero_pad):
    rng = np.random.default_rng(3)
    current = np.cumsum(rng.normal(size=(4096, 3)), axis=0) * 0.01 + rng.normal(size=(4096, 3))
    wavenumber, intensity = ir_spectrum(current, DT_FS, window=window, zero_pad=zero_pad, max_wavenumber=None)
    integral = intensity.sum() * (wavenumber[1] - wavenumber[0])
    expected = current.var(axis=0).mean()
    tolerance = 1e-10 if window == "none" else 0.1  # a window reweights the samples; power is kept on average
    assert integral == pytest.approx(expected, rel=tolerance)


def test_nqe_shift_table_is_applied_exactly_at_the_anchors():
    anchors = np.array([a for a, _ in NQE_SHIFT_ANCHORS])
    assert np.allclose(nqe_red_shift(anchors), [s for _, s in NQE_SHIFT_ANCHORS])
    assert nqe_red_shift(np.array([2220.0]))[0] == pytest.approx(80.0)  # halfway between 1640 and 2800
    current = sinusoids(8000, [(3404.0, 1.0)])
    shifted, intensity = ir_spectrum(current, DT_FS, nqe_shift=True)
    assert shifted[np.argmax(intensity)] == pytest.approx(3404.0 - nqe_red_shift(np.array([3404.0]))[0], abs=5)


def test_quantum_correction_tends_to_one_at_low_frequency_and_grows_with_it():
    factor = harmonic_quantum_correction(np.array([0.0, 1e-6, 200.0, 3400.0]), 300.0)
    assert factor[0] == 1.0 and factor[1] == pytest.approx(1.0, abs=1e-8)
    assert 1.3 < factor[2] < 1.6 and factor[3] == pytest.approx(16.3, rel=0.02)


def test_options_and_errors():
    current = sinusoids(4000, [(1643.0, 1.0)], seed=1) + np.random.default_rng(0).normal(scale=0.1, size=(4000, 3))
    wavenumber, intensity, error = ir_spectrum(current, DT_FS, block_length=1000, overlap=0.5, smoothing_points=1.5,
                                               normalize=(1000, 2000), return_error=True)
    assert intensity[(wavenumber >= 1000) & (wavenumber <= 2000)].max() == pytest.approx(1.0)
    assert (error >= 0).all() and error.max() > 0 and wavenumber.max() <= 4000
    for kwargs, message in [({"current": np.zeros((10, 2))}, "shape"), ({"dt_fs": 0}, "dt_fs"),
                            ({"block_length": 10**6}, "block_length"), ({"window": "kaiser"}, "window"),
                            ({"overlap": 1.0}, "overlap"), ({"normalize": (9000, 9500)}, "normalize band")]:
        arguments = {"current": current, "dt_fs": DT_FS, **kwargs}
        with pytest.raises(ValueError, match=message):
            ir_spectrum(arguments.pop("current"), arguments.pop("dt_fs"), **arguments)
