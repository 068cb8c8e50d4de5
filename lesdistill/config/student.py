"""The ``student`` section: the backbone (MACE or CACE) and the LES charge head of the distilled model."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from .fields import Section

class ChargeHeadConfig(Section):
    """Latent-charge head: MLP widths and output scale (q = scale·(MLP + linear))."""

    hidden: list[Annotated[int, Field(gt=0)]] = Field([32, 16], min_length=1)
    scale: float = Field(0.1, gt=0)


class MaceBackboneConfig(Section):
    """mace-torch ScaleShiftMACE hyperparameters (defaults: the paper's MACELES for water)."""

    atomic_numbers: list[Annotated[int, Field(ge=1, le=118)]] | None = Field(
        None, description="elements the student knows; default: those of the system")
    r_max: float = Field(4.5, gt=0, description="cutoff (Å)")
    num_interactions: int = Field(2, ge=1)
    channels: int = Field(64, ge=1)
    max_L: int = Field(1, ge=0)
    correlation: int = Field(2, ge=1)
    max_ell: int = Field(3, ge=0)
    num_bessel: int = Field(8, ge=1)
    num_polynomial_cutoff: int = Field(5, ge=1)
    avg_num_neighbors: float = Field(10.0, gt=0)
    mlp_channels: int = Field(16, ge=1)


class CaceBackboneConfig(Section):
    """Strictly local Cartesian cluster-expansion backbone (defaults: the paper's CACE-LES for TiO2–water)."""

    atomic_numbers: list[Annotated[int, Field(ge=1, le=118)]] | None = Field(
        None, description="elements the student knows; default: those of the system")
    cutoff: float = Field(5.5, gt=0, description="cutoff (Å)")
    n_radial: int = Field(6, ge=1, description="trainable Bessel functions")
    n_embed: int = Field(3, ge=1, description="atom-basis (element embedding) channels")
    n_channels: int = Field(12, ge=1, description="radial channels")
    l_max: int = Field(3, ge=0, le=3)
    nu_max: Literal[1, 2, 3] = 3
    mlp: list[Annotated[int, Field(gt=0)]] = Field([32, 16], min_length=1)
    avg_neighbors: float = Field(1.0, gt=0)


class _StudentBase(Section):
    head_config: ChargeHeadConfig | None = Field(None, description="latent-charge head (default: backbone default)")
    sigma: float = Field(1.0, gt=0, description="LES Gaussian smearing σ (Å)")
    dl: float = Field(2.0, gt=0, description="LES k-space resolution: k cutoff 2π/dl (Å)")
    use_les: bool = Field(True, description="False trains the short-range backbone alone (ablation)")
    remove_self_interaction: bool = Field(True, description="subtract the Gaussian self energy of the latent charges "
                                          "from E_LES (false: keep it, as the paper's TiO2–water students do)")

    def model_file(self, atomic_numbers: list[int] | None = None) -> dict[str, Any]:
        """The mapping ``lesdistill train --model`` reads (atomic numbers filled in when given)."""
        data = self.model_dump(exclude_none=True)
        if atomic_numbers is not None and data["backbone_config"].get("atomic_numbers") is None:
            data["backbone_config"]["atomic_numbers"] = sorted(int(z) for z in set(atomic_numbers))
        return data


class MaceStudent(_StudentBase):
    """Student with the MACE backbone (MACELES)."""

    backbone: Literal["mace"]
    backbone_config: MaceBackboneConfig = Field(default_factory=MaceBackboneConfig)


class CaceStudent(_StudentBase):
    """Student with the strictly local CACE backbone (CACE-LES)."""

    backbone: Literal["cace"]
    backbone_config: CaceBackboneConfig = Field(default_factory=CaceBackboneConfig)


StudentConfig = Annotated[MaceStudent | CaceStudent, Field(discriminator="backbone")]
