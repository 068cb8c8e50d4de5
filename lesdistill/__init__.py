"""lesdistill: distil foundation interatomic potentials into fast students with Latent Ewald Summation."""

__version__ = "0.1.0"
