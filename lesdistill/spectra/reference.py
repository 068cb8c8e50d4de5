"""Experimental reference band positions and metrics that compare spectra with them or with each other.

Reference files are YAML (``config/reference/*.yaml`` in the checkout; ``water`` and ``hcl`` name the
bundled ones)::

    name: water                      # required
    source: Bertie & Lan (1996) ...  # required: where the numbers come from
    bands:                           # required: band name → position in cm^-1
      bend: {position: 1643}         #   or simply  bend: 1643
      stretch: {position: 3404, low: 2600, high: 4000}   # optional window for peak finding
    units: cm^-1                     # optional; other units are refused
    approximate: false               # optional; description, doi, temperature_K, ... are kept as metadata
    spectra:                         # optional: measured spectra (CSV, relative to this file) to compare with
      total: water_ir.csv            #   the total spectrum
      hydronium: proton_ir.csv       #   a group's spectrum (a group of the response's decomposition)

Band names are those of :mod:`lesdistill.spectra.peaks` (``WATER_BANDS``, ``HCL_BANDS``), whose
windows are used for bands that give none.

A spectrum CSV has two columns, wavenumber (cm⁻¹, increasing) and intensity (any unit; only the
shape counts), comma-separated, with an optional header line and ``#`` comments.

Metrics: :func:`peak_shifts` (model − experiment per band, cm⁻¹), :func:`spectral_distance` (the RMS
difference of two max-normalised spectra on a common grid) and :func:`overlap_distance` (that distance
on the wavenumber range both spectra cover). No measured spectra are bundled (none could be obtained
under a licence that allows it); a user's CSV files enable the distance against experiment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..io.documents import load_mapping
from .peaks import BAND_SETS, Band, Peak, check_bands

#: Folder of the bundled reference files (``config/reference`` of the checkout).
REFERENCE_DIR = Path(__file__).resolve().parents[2] / "config" / "reference"
#: Names of the bundled references: <name> for each file <name>_ir.yaml there.
BUNDLED_REFERENCES = tuple(sorted(path.name.removesuffix("_ir.yaml") for path in REFERENCE_DIR.glob("*_ir.yaml")))
REQUIRED_KEYS = ("name", "source", "bands")


@dataclass(frozen=True)
class Reference:
    """Reference band positions (cm⁻¹), optional windows, their source and the file's other keys."""

    name: str
    source: str
    positions: dict[str, float]
    windows: dict[str, tuple[float, float]] = field(default_factory=dict)
    approximate: bool = False
    path: Path | None = None
    metadata: dict = field(default_factory=dict)
    spectra: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    spectrum_files: dict[str, Path] = field(default_factory=dict)


def reference_path(name_or_path: str | Path) -> Path:
    """The file of a bundled reference name ('water', 'hcl') or an existing path; ValueError otherwise."""
    if str(name_or_path) in BUNDLED_REFERENCES:
        return REFERENCE_DIR / f"{name_or_path}_ir.yaml"
    path = Path(name_or_path)
    if not path.is_file():
        raise ValueError(f"reference {name_or_path!r} is neither a bundled name ({', '.join(BUNDLED_REFERENCES)}) "
                         "nor an existing file")
    return path


def load_reference(name_or_path: str | Path) -> Reference:
    """Load and check a reference file; ValueError naming the file and what is missing or wrong."""
    path = reference_path(name_or_path)
    data = load_mapping(path, "reference", required=REQUIRED_KEYS, empty_ok=False)
    units = str(data.get("units", "cm^-1")).replace(" ", "")
    if units not in ("cm^-1", "cm-1", "1/cm"):
        raise ValueError(f"reference {path}: units must be cm^-1, got {data['units']!r}")
    bands = data["bands"]
    if not isinstance(bands, Mapping) or not bands:
        raise ValueError(f"reference {path}: 'bands' must be a non-empty mapping of band name to position")
    positions, windows = {}, {}
    for name, entry in bands.items():
        if not isinstance(entry, Mapping):
            entry = {"position": entry}
        if "position" not in entry:
            raise ValueError(f"reference {path}: band {name!r} lacks required key 'position'")
        try:
            positions[str(name)] = float(entry["position"])
        except (TypeError, ValueError):
            raise ValueError(f"reference {path}: band {name!r} position must be a number, got {entry['position']!r}") from None
        if ("low" in entry) != ("high" in entry):
            raise ValueError(f"reference {path}: band {name!r} lacks key '{'high' if 'low' in entry else 'low'}' "
                             "(give both low and high, or neither)")
        if "low" in entry:
            (_, low, high), = check_bands([(name, entry["low"], entry["high"])])
            windows[str(name)] = (low, high)
    spectra = data.get("spectra") or {}
    if not isinstance(spectra, Mapping):
        raise ValueError(f"reference {path}: 'spectra' must map a spectrum name (total or a group) to a CSV file")
    files = {str(name): path.parent / str(file) for name, file in spectra.items()}
    metadata = {key: value for key, value in data.items()
                if key not in ("name", "source", "bands", "approximate", "spectra")}
    return Reference(name=str(data["name"]), source=" ".join(str(data["source"]).split()), positions=positions,
                     windows=windows, approximate=bool(data.get("approximate", False)), path=path, metadata=metadata,
                     spectra={name: load_spectrum_csv(file) for name, file in files.items()}, spectrum_files=files)


def load_spectrum_csv(path: Path | str) -> tuple[np.ndarray, np.ndarray]:
    """(wavenumber (P,) cm⁻¹, intensity (P,)) of a two-column CSV; ValueError naming the file and the problem."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"spectrum file {path} does not exist")
    rows = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        parts = [part.strip() for part in text.split(",")]
        try:
            values = [float(part) for part in parts]
        except ValueError:
            if rows:  # only the first line may be a header
                raise ValueError(f"spectrum file {path}:{number}: expected two numbers, got {text!r}") from None
            continue
        if len(values) != 2 or not all(np.isfinite(values)):
            raise ValueError(f"spectrum file {path}:{number}: expected two finite numbers, got {text!r}")
        rows.append(values)
    data = np.array(rows, dtype=float).reshape(-1, 2)
    if len(data) < 2 or not (np.diff(data[:, 0]) > 0).all():
        raise ValueError(f"spectrum file {path}: needs at least 2 rows with strictly increasing wavenumber")
    if not data[:, 1].max() > 0:
        raise ValueError(f"spectrum file {path}: has no positive intensity")
    return data[:, 0], data[:, 1]


def reference_bands(reference: Reference) -> tuple[Band, ...]:
    """Peak-finding bands for a reference: its own windows, else the built-in window of the same band name."""
    builtin = {name: (low, high) for bands in BAND_SETS.values() for name, low, high in bands}
    bands = []
    for name in reference.positions:
        window = reference.windows.get(name) or builtin.get(name)
        if window is None:
            raise ValueError(f"reference {reference.name!r}: band {name!r} has no low/high window and no built-in one "
                             f"(built-in bands: {', '.join(sorted(builtin))})")
        bands.append((name, *window))
    return check_bands(bands)


def peak_shifts(peaks: Mapping, reference: Reference | Mapping[str, float]) -> dict[str, float]:
    """Model − experiment peak position (cm⁻¹) for every band present in both (NaN where the model's is NaN).

    ``peaks`` maps band names to :class:`~lesdistill.spectra.peaks.Peak`, to dicts with 'position', or
    to positions; ``reference`` is a :class:`Reference` or a mapping of band name to position.
    """
    positions = reference.positions if isinstance(reference, Reference) else reference
    shifts = {}
    for name, peak in peaks.items():
        if name not in positions:
            continue
        if isinstance(peak, Peak):
            model = peak.position
        elif isinstance(peak, Mapping):
            model = peak["position"]
        else:
            model = peak
        shifts[name] = float(model) - float(positions[name])
    return shifts


def overlap_distance(wavenumber_a, intensity_a, wavenumber_b, intensity_b, step: float = 2.0,
                     min_span: float = 200.0) -> tuple[float, tuple[float, float]]:
    """:func:`spectral_distance` on the range both spectra cover (``step`` cm⁻¹), and that range;
    ValueError when the overlap is narrower than ``min_span`` cm⁻¹."""
    low = max(float(np.min(wavenumber_a)), float(np.min(wavenumber_b)))
    high = min(float(np.max(wavenumber_a)), float(np.max(wavenumber_b)))
    if not high - low >= min_span:
        raise ValueError(f"the spectra overlap on {max(high - low, 0.0):g} cm^-1 only ({low:g}-{high:g}); "
                         f"a distance needs {min_span:g} cm^-1")
    high = low + step * np.floor((high - low) / step)
    return spectral_distance(wavenumber_a, intensity_a, wavenumber_b, intensity_b, grid=(low, high, step)), (low, high)


def spectral_distance(wavenumber_a, intensity_a, wavenumber_b, intensity_b,
                      grid: tuple[float, float, float] = (0.0, 4000.0, 2.0)) -> float:
    """RMS difference of two spectra, each divided by its maximum, linearly interpolated on a common grid.

    ``grid`` = (low, high, step) in cm⁻¹, both ends included; both spectra must cover [low, high].
    The result is 0 for identical spectra (or ones that differ by a positive factor), symmetric in
    a and b, and at most 1 for non-negative spectra. Differences in resolution (block length,
    smoothing) count as differences, so compare spectra computed with the same options.
    """
    low, high, step = (float(value) for value in grid)
    if not (high > low and step > 0):
        raise ValueError(f"grid must be (low, high, step) with high > low and step > 0, got {grid}")
    points = low + step * np.arange(int(np.floor((high - low) / step + 1e-9)) + 1)
    normalised = []
    for label, wavenumber, intensity in (("a", wavenumber_a, intensity_a), ("b", wavenumber_b, intensity_b)):
        wavenumber, intensity = np.asarray(wavenumber, dtype=float), np.asarray(intensity, dtype=float)
        if wavenumber.ndim != 1 or wavenumber.shape != intensity.shape or len(wavenumber) < 2:
            raise ValueError(f"spectrum {label}: wavenumber and intensity must be 1-D of one length (≥ 2)")
        if not (np.diff(wavenumber) > 0).all():
            raise ValueError(f"spectrum {label}: wavenumber must increase strictly")
        if wavenumber[0] > low or wavenumber[-1] < high:
            raise ValueError(f"spectrum {label} covers {wavenumber[0]:g}-{wavenumber[-1]:g} cm^-1, "
                             f"not the grid {low:g}-{high:g} cm^-1")
        on_grid = np.interp(points, wavenumber, intensity)
        scale = on_grid.max()
        if not scale > 0:
            raise ValueError(f"spectrum {label} has no positive intensity on the grid {low:g}-{high:g} cm^-1")
        normalised.append(on_grid / scale)
    return float(np.sqrt(np.mean((normalised[0] - normalised[1]) ** 2)))
