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
                        cutoff: float = 6.0, datasets: tuple[str, ...] = UMA_DATASETS, seed: int = 0) -> Path:
    """A fairchem v2 inference checkpoint: UMA-like (``experts`` > 0: mixture of linear experts, one head
    per dataset) or eSEN-like (``experts`` = 0, one energy head); conservative forces and stress."""
    import torch
    from hydra.utils import instantiate
    from fairchem.core.units.mlip_unit.api.inference import MLIPInferenceCheckpoint

    torch.manual_seed(seed)
    backbone = {"model": "fairchem.core.models.uma.escn_moe.eSCNMDMoeBackbone", "max_num_elements": 100,
                "sphere_channels": channels, "hidden_channels": channels, "edge_channels": channels, "lmax": lmax,
                "mmax": mmax, "num_layers": layers, "cutoff": cutoff, "max_neighbors": 300, "otf_graph": True,
                "num_distance_basis": 64, "norm_type": "rms_norm_sh", "act_type": "gate", "ff_type": "spectral",
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
