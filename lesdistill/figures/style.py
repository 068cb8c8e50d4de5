"""The one look of every lesdistill figure: palette, fonts, sizes, and how figures are made and saved.

Figures are :class:`matplotlib.figure.Figure` objects made without pyplot (no global state, no GUI
backend: PDF and PNG are rendered by matplotlib's own Agg/PDF canvases) with constrained layout, so
labels and legends are never clipped and the saved size is exactly the requested one.
Colours are the Okabe–Ito palette (distinguishable with the common colour-vision deficiencies),
repeated with a new line style after eight lines.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import matplotlib
from matplotlib.figure import Figure

from ..io.atomic import atomic_path
from ..systems.registry import SYSTEMS

#: Okabe & Ito, "Color universal design" (2008): blue, vermillion, bluish green, reddish purple,
#: orange, sky blue, black, yellow (last: weak on white).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
LINESTYLES = ("-", "--", "-.", ":")
#: Colours of teachers and students in the cost chart, of experimental references and of totals.
TEACHER_COLOR, STUDENT_COLOR = PALETTE[0], PALETTE[1]
REFERENCE_COLOR = "0.35"
TOTAL_COLOR = "#000000"

DPI = 300
FORMATS = ("pdf", "png")
#: Figure widths in inches: a double-column (full-width) and a single-column figure.
FULL_WIDTH, COLUMN_WIDTH = 7.0, 3.5

STYLE = {
    "font.size": 9,
    "axes.titlesize": 9,
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 7.5,
    "legend.title_fontsize": 7.5,
    "legend.frameon": True,  # white, borderless box: lines crossing a legend do not cut its text
    "legend.framealpha": 0.85,
    "legend.edgecolor": "none",
    "legend.fancybox": False,
    "axes.linewidth": 0.8,
    "lines.linewidth": 1.2,
    "xtick.direction": "in",
    "ytick.direction": "in",
    "xtick.top": False,
    "ytick.right": True,
    "axes.spines.top": True,
    "axes.spines.right": True,
    "pdf.fonttype": 42,  # TrueType in the PDF: editable text, accepted by journals
    "ps.fonttype": 42,
    "savefig.facecolor": "white",
    "mathtext.default": "regular",
}


def style():
    """Context manager applying :data:`STYLE` (wrap both figure creation and saving in it)."""
    return matplotlib.rc_context(STYLE)


def new_figure(width: float, height: float) -> Figure:
    """A figure of width × height inches with constrained layout (call inside :func:`style`)."""
    figure = Figure(figsize=(width, height), layout="constrained")
    figure.get_layout_engine().set(w_pad=0.04, h_pad=0.04, wspace=0.02, hspace=0.02)
    return figure


def color(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def linestyle(index: int) -> str:
    return LINESTYLES[(index // len(PALETTE)) % len(LINESTYLES)]


def save_figure(figure: Figure, output_stem: Path | str, formats: Iterable[str] = FORMATS, dpi: int = DPI) -> list[Path]:
    """Write ``<output_stem>.<format>`` for each format (creating the folder); the paths written."""
    stem = Path(output_stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    formats = tuple(formats)
    unknown = sorted(set(formats) - {"pdf", "png", "svg"})
    if unknown or not formats:
        raise ValueError(f"figure formats must be among pdf, png, svg, got {list(formats)}")
    paths = []
    for extension in formats:
        path = stem.with_name(f"{stem.name}.{extension}")
        with atomic_path(path) as tmp:
            figure.savefig(tmp, format=extension, dpi=dpi, metadata=_metadata(extension))
        paths.append(path)
    return paths


def _metadata(extension: str) -> dict:
    if extension == "pdf":
        return {"Creator": "lesdistill", "CreationDate": None}  # reproducible bytes for identical input
    if extension == "png":
        return {"Software": "lesdistill"}
    return {}


def pretty(name: str) -> str:
    """A variable-style name for display: 'first_shell' → 'first shell', 'layer_1' → 'layer 1'."""
    return str(name).replace("_", " ")


#: Display names of words in band names.
BAND_WORDS = {"oh": "O–H", "hbond": "H-bond", "zundel": "Zundel", "eigen": "Eigen"}


def system_name(system: str) -> str:
    """Display name of a system named after its builder (system registry), else the name itself."""
    spec = SYSTEMS.get(str(system).lower())
    return spec.display_name if spec is not None else pretty(system)


def band_name(band: str) -> str:
    """'eigen_oh_stretch' → 'Eigen O–H stretch'."""
    return " ".join(BAND_WORDS.get(word.lower(), word) for word in str(band).split("_"))


def element_symbol(number: int) -> str:
    from ase.data import chemical_symbols

    number = int(number)
    return chemical_symbols[number] if 0 < number < len(chemical_symbols) else f"Z={number}"
