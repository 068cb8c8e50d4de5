"""Random-weight checkpoints of the foundation families, built with each package's own API and saved in
its checkpoint format (used by tests/teachers/ and benchmarks/teachers.py). Packages import lazily:
call a builder only in the stack's environment. Sizes are arguments: tiny for tests, published sizes
for timings."""

from __future__ import annotations

from pathlib import Path

UMA_DATASETS = ("oc20", "omat", "omol")


def _fairchem_tasks(datasets: tuple[str, ...]) -> list[dict]:
    """fairchem Task configs: energy, forces and stress per dataset (names ``{dataset}_{property}``)."""
    specs = {"energy": ("system", [1]), "forces": ("atom", [3]), "stress": ("system", [1, 9])}
    return [{"_target_": "fairchem.core.units.mlip_unit.mlip_unit.Task", "name": f"{dataset}_{prop}", "level": level,
             "property": prop, "datasets": [dataset],
             "out_spec": {"_target_": "fairchem.core.units.mlip_unit.mlip_unit.OutputSpec", "dim": dim, "dtype": "float32"},
             "normalizer": {"_target_": "fairchem.core.modules.normalization.normalizer.Normalizer", "mean": 0.0, "rmsd": 1.0}}
            for dataset in datasets for prop, (level, dim) in specs.items()]


def fairchem_checkpoint(path: Path, *, experts: int, channels: int = 16, lmax: int = 2, mmax: int = 2, layers: int = 2,
                        cutoff: float = 6.0, distance_basis: int = 64, datasets: tuple[str, ...] = UMA_DATASETS,
                        seed: int = 0) -> Path:
    """A fairchem v2 inference checkpoint: UMA-like (``experts`` > 0: mixture of linear experts, one head
    per dataset) or eSEN-like (``experts`` = 0, one energy head); conservative forces and stress."""
    import torch
    from hydra.utils import instantiate
    from fairchem.core.units.mlip_unit.api.inference import MLIPInferenceCheckpoint

    torch.manual_seed(seed)
    backbone = {"model": "fairchem.core.models.uma.escn_moe.eSCNMDMoeBackbone", "max_num_elements": 100,
                "sphere_channels": channels, "hidden_channels": channels, "edge_channels": channels, "lmax": lmax,
                "mmax": mmax, "num_layers": layers, "cutoff": cutoff, "max_neighbors": 300, "otf_graph": True,
                "num_distance_basis": distance_basis, "norm_type": "rms_norm_sh", "act_type": "gate", "ff_type": "spectral",
                "direct_forces": False, "regress_forces": True, "regress_stress": True, "always_use_pbc": False,
                "chg_spin_emb_type": "rand_emb", "cs_emb_grad": True, "use_dataset_embedding": experts > 0,
                "dataset_mapping": {d: d for d in datasets}, "num_experts": experts, "use_composition_embedding": experts > 0}
    if experts > 0:
        heads = {"efs": {"module": "fairchem.core.models.uma.escn_moe.DatasetSpecificSingleHeadWrapper",
                         "head_cls": "fairchem.core.models.uma.escn_md.MLP_EFS_Head", "dataset_names": list(datasets),
                         "head_kwargs": {"wrap_property": False}}}
    else:
        (dataset,) = datasets
        heads = {"efs": {"module": "fairchem.core.models.uma.escn_md.MLP_EFS_Head", "prefix": dataset}}
    config = {"_target_": "fairchem.core.models.base.HydraModel", "backbone": backbone, "heads": heads,
              "pass_through_head_outputs": True, "otf_graph": True}
    if experts > 0:
        config["model_id"] = "UMA-random-test"  # fairchem refuses MoE checkpoints without a model id
    model = instantiate(config)
    state = model.state_dict()
    ema = {**{f"module.{k}": v for k, v in state.items()}, "n_averaged": torch.tensor(1)}
    torch.save(MLIPInferenceCheckpoint(model_config=config, model_state_dict=state, ema_state_dict=ema,
                                       tasks_config=_fairchem_tasks(datasets)), path)
    return path


def orb_checkpoint(path: Path, *, conservative: bool, seed: int = 0) -> Path:
    """A random Orb-v3 OMol model (published size: the loaders fix the architecture) as a state-dict file,
    the format ``pretrained.orb_v3_*_omol(weights_path=)`` loads."""
    import torch
    from orb_models.forcefield import pretrained
    from orb_models.forcefield.atomic_system import SystemConfig

    torch.manual_seed(seed)
    build = pretrained.orb_v3_conservative_architecture if conservative else pretrained.orb_v3_direct_architecture
    model = build(device="cpu", system_config=SystemConfig(radius=6.0, max_num_neighbors=120),
                  has_charge_spin_cond=True, has_stress=False)
    torch.save(model.state_dict(), path)
    return path


def pet_checkpoint(path: Path, *, hypers: dict | None = None, atomic_types: tuple[int, ...] = (1, 8, 17),
                   seed: int = 0) -> Path:
    """A random PET (metatrain) for ``atomic_types`` with an energy target (forces and stress by autograd),
    saved as a metatrain checkpoint (``PET.get_checkpoint()``). ``hypers`` update metatrain's defaults;
    the default here is a tiny model."""
    import copy

    import torch
    from metatrain.pet import PET
    from metatrain.utils.architectures import get_default_hypers
    from metatrain.utils.data import DatasetInfo
    from metatrain.utils.data.target_info import get_energy_target_info

    torch.manual_seed(seed)
    model_hypers = copy.deepcopy(get_default_hypers("pet")["model"])
    model_hypers.update(hypers if hypers is not None else
                        {"d_pet": 16, "d_head": 16, "d_node": 16, "d_feedforward": 16, "num_heads": 2,
                         "num_attention_layers": 1, "num_gnn_layers": 1})
    target = get_energy_target_info("energy", {"quantity": "energy", "unit": "eV"}, add_position_gradients=True,
                                    add_strain_gradients=True)
    info = DatasetInfo(length_unit="Angstrom", atomic_types=list(atomic_types), targets={"energy": target})
    torch.save(PET(model_hypers, info).get_checkpoint(), path)
    return path


#: GemNet-OC arguments (a small network with every interaction type of the published model).
GEMNET_OC_SMALL = dict(num_spherical=3, num_radial=8, num_blocks=1, emb_size_atom=16, emb_size_edge=16,
                       emb_size_trip_in=8, emb_size_trip_out=8, emb_size_quad_in=8, emb_size_quad_out=8,
                       emb_size_aint_in=8, emb_size_aint_out=8, emb_size_rbf=8, emb_size_cbf=8, emb_size_sbf=8,
                       num_before_skip=1, num_after_skip=1, num_concat=1, num_atom=1, num_output_afteratom=1,
                       num_atom_emb_layers=1, num_global_out_layers=1, cutoff=6.0, max_neighbors=30,
                       rbf={"name": "gaussian"}, envelope={"name": "polynomial", "exponent": 5},
                       cbf={"name": "spherical_harmonics"}, sbf={"name": "legendre_outer"}, direct_forces=True,
                       quad_interaction=True, atom_edge_interaction=True, edge_atom_interaction=True,
                       atom_interaction=True, regress_forces=True, otf_graph=True, qint_tags=[1, 2])
# qint_tags as published: quadruplets only between atoms tagged 1 or 2 (the adapter tags untagged structures)
#: EquiformerV2 backbone arguments (small) in the hydra layout of the OMat24 checkpoints.
EQV2_SMALL = dict(num_layers=1, sphere_channels=8, attn_hidden_channels=8, num_heads=2, attn_alpha_channels=4,
                  attn_value_channels=4, ffn_hidden_channels=8, lmax_list=[2], mmax_list=[1], edge_channels=8,
                  num_distance_basis=16, max_radius=6.0, max_neighbors=300, regress_forces=True, otf_graph=True,
                  use_pbc=True, alpha_drop=0.0, drop_path_rate=0.0)
# max_neighbors: the published EqV2-OMat24 keeps the 20 nearest; in a dense box that cap cuts through
# near-ties, so a rigid translation changes the graph and the forces by ~1e-3 eV/Å (measured here)


def fairchem_v1_checkpoint(path: Path, *, architecture: str, arguments: dict | None = None, seed: int = 0) -> Path:
    """A fairchem 1.x checkpoint (``{"config", "state_dict", "normalizers"}``) of a random GemNet-OC
    (``architecture="gemnet_oc"``) or EquiformerV2 (``"equiformer_v2"``, hydra backbone + energy/force
    heads) with direct forces, the layout ``OCPCalculator(checkpoint_path=)`` loads."""
    import torch
    from fairchem.core.common.registry import registry
    from fairchem.core.common.utils import setup_imports

    setup_imports()
    torch.manual_seed(seed)
    if architecture == "gemnet_oc":
        model_config = {"name": "gemnet_oc", **(arguments or GEMNET_OC_SMALL)}
        trainer = "ocp"
    elif architecture == "equiformer_v2":
        model_config = {"name": "hydra", "backbone": {"model": "equiformer_v2_backbone", **(arguments or EQV2_SMALL)},
                        "heads": {"energy": {"module": "equiformer_v2_energy_head"},
                                  "forces": {"module": "equiformer_v2_force_head"}}}
        trainer = "equiformerv2_forces"
    else:
        raise ValueError(f"unknown fairchem v1 architecture {architecture!r}")
    outputs = {"energy": {"shape": 1, "level": "system"},
               "forces": {"shape": 3, "level": "atom", "train_on_free_atoms": True, "eval_on_free_atoms": True}}
    if model_config["name"] == "hydra":  # a hydra model returns {head: {property: tensor}}: name the property
        for name, output in outputs.items():
            output["property"] = name
    arguments = {k: v for k, v in model_config.items() if k != "name"}
    model = registry.get_model_class(model_config["name"])(**arguments)
    config = {
        "trainer": trainer, "model": model_config, "task": {}, "dataset": {"src": ""},
        "outputs": outputs,
        "loss_functions": [{"energy": {"fn": "mae", "coefficient": 1}}, {"forces": {"fn": "l2mae", "coefficient": 1}}],
        "evaluation_metrics": {"metrics": {"energy": ["mae"], "forces": ["mae"]}},
        "optim": {"batch_size": 1, "eval_batch_size": 1, "num_workers": 0, "max_epochs": 1, "lr_initial": 1e-4,
                  "optimizer": "AdamW", "scheduler": "Null"},
        "cmd": {"seed": seed},
    }
    torch.save({"config": config, "state_dict": {f"module.{k}": v for k, v in model.state_dict().items()},
                "normalizers": {}, "epoch": 0, "step": 0}, path)
    return path


def mace_checkpoint(path: Path, *, channels: int = 8, max_L: int = 1, heads: tuple[str, ...] = ("default",),
                    atomic_numbers: tuple[int, ...] = (1, 8, 17), atomic_energies=None, r_max: float = 4.5,
                    num_interactions: int = 2, correlation: int = 2, max_ell: int = 1, seed: int = 0) -> Path:
    """A random ScaleShiftMACE (float64) with ``heads`` saved with ``torch.save`` (mace-torch's model file).
    Hidden irreps ``channels`` x (0e + 1o + ... up to ``max_L``); ``atomic_energies`` (heads, elements)."""
    import numpy as np
    import torch

    from lesdistill.legacy_loading import pickle_loading_allowed

    parities = "eoeoeoeo"
    hidden = "+".join(f"{channels}x{ell}{parities[ell]}" for ell in range(max_L + 1))
    energies = np.zeros((len(heads), len(atomic_numbers))) if atomic_energies is None else np.asarray(atomic_energies)
    with pickle_loading_allowed():  # e3nn 0.4.4 needs it while it imports under torch >= 2.6
        from e3nn import o3
        from mace import modules

        torch.manual_seed(seed)
        block = modules.interaction_classes["RealAgnosticResidualInteractionBlock"]
        model = modules.ScaleShiftMACE(
            r_max=r_max, num_bessel=8, num_polynomial_cutoff=5, max_ell=max_ell, interaction_cls=block,
            interaction_cls_first=block, num_interactions=num_interactions, num_elements=len(atomic_numbers),
            hidden_irreps=o3.Irreps(hidden), MLP_irreps=o3.Irreps("16x0e"), atomic_energies=energies,
            avg_num_neighbors=20.0, atomic_numbers=list(atomic_numbers), correlation=correlation,
            gate=torch.nn.functional.silu, heads=list(heads), atomic_inter_scale=[1.0] * len(heads),
            atomic_inter_shift=[0.0] * len(heads)).to(torch.float64)
        torch.save(model, path)
    return path
