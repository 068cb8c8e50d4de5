"""lesdistill: distil foundation interatomic potentials into fast students with Latent Ewald Summation."""

__version__ = "0.1.0"


def __getattr__(name: str):
    """Lazy access to ``StudentCalculator`` so that ``import lesdistill`` stays light."""
    if name == "StudentCalculator":
        from .calculator import StudentCalculator

        return StudentCalculator
    raise AttributeError(f"module 'lesdistill' has no attribute {name!r}")
