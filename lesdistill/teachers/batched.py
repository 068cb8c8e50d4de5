"""Labels of several frames in one call, for teachers whose library evaluates batches.

``batch_labeller(calculator)`` gives a function ``(frames, with_stress) → labels`` for the
calculators below, or None (label one frame at a time then). Labels are what one-at-a-time
labelling through ASE gives: ``energy`` (eV), ``forces`` (N, 3) eV/Å and, with ``with_stress``,
``stress`` (6,) eV/Å³ in ASE's Voigt order and sign.

- CHGNet: ``CHGNet.predict_structure`` on a list of structures (its batched graph forward);
- SevenNet: the frames' graphs collated into one batch for ``AtomGraphSequential``;
- MACE: the frames' graphs in one ``Batch`` through every model of the calculator (ensembles
  averaged, as the calculator does); not with ``use_compile`` (padded graphs);
- fairchem v2 (UMA, eSEN): the frames' ``AtomicData`` (task, OMol charge/spin) in one batch through
  the calculator's predict unit;
- Orb-v3 (orb-models 0.5): the frames' atom graphs (the calculator's system config) in one batch
  through ``model.predict``; conservative (gradient forces/stress) and direct models;
- lesdistill students: frames concatenated with a batch index (one forward and backward pass).

PET, and Orb through the ≥ 0.6 calculator, batch too in their libraries, but no batched path here is
checked against their calculators: they label one frame at a time.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from ase import Atoms
from ase.stress import full_3x3_to_voigt_6_stress

from ..autodiff import energy_forces_stress

Labels = dict[str, np.ndarray]
BatchLabeller = Callable[[list[Atoms], bool], list[Labels]]


def _per_frame(frames: list[Atoms], energy: np.ndarray, forces: np.ndarray,
               stress: np.ndarray | None) -> list[Labels]:
    """Split batched outputs into per-frame labels: ``energy`` (frames,) eV, ``forces`` (atoms, 3) eV/Å
    concatenated in frame order, ``stress`` (frames, 6) eV/Å³ in ASE's Voigt order and sign, or None."""
    ends = np.cumsum([len(atoms) for atoms in frames])
    labels = []
    for k, (start, stop) in enumerate(zip(np.concatenate([[0], ends[:-1]]), ends)):
        label = {"energy": np.float64(energy[k]), "forces": np.asarray(forces[start:stop], np.float64)}
        if stress is not None:
            label["stress"] = np.asarray(stress[k], np.float64)
        labels.append(label)
    return labels


def _chgnet(calculator, frames: list[Atoms], with_stress: bool) -> list[Labels]:
    from pymatgen.io.ase import AseAtomsAdaptor

    structures = [AseAtomsAdaptor.get_structure(atoms) for atoms in frames]
    predictions = calculator.model.predict_structure(structures, task="efs" if with_stress else "ef",
                                                     batch_size=len(structures))
    predictions = [predictions] if isinstance(predictions, dict) else predictions
    labels = []
    for atoms, prediction in zip(frames, predictions):
        extensive = len(atoms) if calculator.model.is_intensive else 1
        label = {"energy": np.float64(prediction["e"] * extensive), "forces": np.asarray(prediction["f"], np.float64)}
        if with_stress:
            label["stress"] = full_3x3_to_voigt_6_stress(np.asarray(prediction["s"], np.float64) * calculator.stress_weight)
        labels.append(label)
    return labels


def _sevenn(calculator, frames: list[Atoms], with_stress: bool) -> list[Labels]:
    import sevenn._keys as keys
    from sevenn.atom_graph_data import AtomGraphData
    from sevenn.train.dataload import unlabeled_atoms_to_graph
    from torch_geometric.loader.dataloader import Collater

    graphs = []
    for atoms in frames:
        graph = AtomGraphData.from_numpy_dict(unlabeled_atoms_to_graph(atoms, calculator.cutoff, with_shift=False))
        if calculator.modal:
            graph[keys.DATA_MODALITY] = calculator.modal
        graphs.append(graph)
    batch = Collater([], follow_batch=None, exclude_keys=None)(graphs).to(calculator.device)
    calculator.model.set_is_batch_data(True)
    try:
        output = calculator.model(batch)
    finally:
        calculator.model.set_is_batch_data(False)
    energy = output[keys.PRED_TOTAL_ENERGY].detach().cpu().numpy().reshape(-1)
    forces = output[keys.PRED_FORCE].detach().cpu().numpy()
    stress = -output[keys.PRED_STRESS].detach().cpu().numpy().reshape(len(frames), 6)[:, [0, 1, 2, 4, 5, 3]]
    return _per_frame(frames, energy, forces, stress if with_stress else None)


def _mace(calculator, frames: list[Atoms], with_stress: bool) -> list[Labels]:
    from mace import data as mace_data
    from mace.tools import torch_geometric, torch_tools

    keys = mace_data.KeySpecification(info_keys=calculator.info_keys,
                                      arrays_keys={**calculator.arrays_keys, calculator.charges_key: "charges"})
    with torch_tools.default_dtype(calculator.default_dtype):
        graphs = [mace_data.AtomicData.from_config(
            mace_data.config_from_atoms(atoms, key_specification=keys, head_name=calculator.head),
            z_table=calculator.z_table, cutoff=calculator.r_max, heads=calculator.available_heads) for atoms in frames]
    base = torch_geometric.Batch.from_data_list(graphs).to(calculator.device)
    sums: dict[str, torch.Tensor] = {}
    for model in calculator.models:
        batch = base.clone()
        dtype = next(model.parameters()).dtype
        for key in batch.keys:
            if torch.is_tensor(batch[key]) and torch.is_floating_point(batch[key]):
                batch[key] = batch[key].to(dtype=dtype)
        out = model(batch.to_dict(), compute_stress=with_stress, training=False)
        for name in ("energy", "forces", "stress") if with_stress else ("energy", "forces"):
            sums[name] = sums.get(name, 0) + out[name].detach().double()
    energy_unit, length_unit = calculator.energy_units_to_eV, calculator.length_units_to_A
    energy = (sums["energy"] / len(calculator.models)).cpu().numpy() * energy_unit
    forces = (sums["forces"] / len(calculator.models)).cpu().numpy() * energy_unit / length_unit
    stress = full_3x3_to_voigt_6_stress((sums["stress"] / len(calculator.models)).cpu().numpy()) \
        * energy_unit / length_unit**3 if with_stress else None
    return _per_frame(frames, energy, forces, stress)


def _student(calculator, frames: list[Atoms], with_stress: bool) -> list[Labels]:
    model, device, dtype = calculator.model, calculator.device, calculator.dtype
    counts = [len(atoms) for atoms in frames]
    periodic = bool(frames[0].pbc.all())
    positions = torch.tensor(np.concatenate([atoms.positions for atoms in frames]), dtype=dtype, device=device)
    numbers = torch.tensor(np.concatenate([atoms.numbers for atoms in frames]), device=device)
    batch = torch.repeat_interleave(torch.arange(len(frames), device=device), torch.tensor(counts, device=device))
    cells = torch.tensor(np.stack([atoms.cell.array if periodic else np.eye(3) for atoms in frames]), dtype=dtype,
                         device=device)
    energy, forces, stress = energy_forces_stress(
        lambda p, c: model(p, numbers, c if periodic else None, batch)["energy"], positions, cells, batch=batch)
    energy, forces, stress = (t.detach().cpu().double().numpy() for t in (energy, forces, stress))
    return _per_frame(frames, energy, forces, full_3x3_to_voigt_6_stress(stress) if with_stress else None)


def _fairchem(calculator, frames: list[Atoms], with_stress: bool) -> list[Labels]:
    from fairchem.core.datasets.atomic_data import atomicdata_list_to_batch

    graphs = []
    for atoms in frames:
        calculator.predictor.validate_atoms_data(atoms, calculator.task_name)  # OMol charge/spin defaults
        graphs.append(calculator.a2g(atoms))
    prediction = calculator.predictor.predict(atomicdata_list_to_batch(graphs))
    energy, forces = (prediction[name].detach().cpu().double().numpy() for name in ("energy", "forces"))
    stress = full_3x3_to_voigt_6_stress(prediction["stress"].detach().cpu().double().numpy().reshape(-1, 3, 3)) \
        if with_stress else None
    return _per_frame(frames, energy.reshape(-1), forces, stress)


def _orb(calculator, frames: list[Atoms], with_stress: bool) -> list[Labels]:
    from orb_models.forcefield.atomic_system import ase_atoms_to_atom_graphs
    from orb_models.forcefield.base import batch_graphs

    if calculator.expects_charge_and_spin and not all("charge" in a.info and "spin" in a.info for a in frames):
        raise ValueError("atoms.info must contain both 'charge' and 'spin'")
    graphs = [ase_atoms_to_atom_graphs(atoms, system_config=calculator.system_config,
                                       max_num_neighbors=calculator.max_num_neighbors,
                                       edge_method=calculator.edge_method, half_supercell=calculator.half_supercell,
                                       device=calculator.device) for atoms in frames]
    model = calculator.model
    output = model.predict(batch_graphs(graphs).to(calculator.device))
    forces_name = model.grad_forces_name if calculator.conservative else "forces"
    stress_name = model.grad_stress_name if calculator.conservative else "stress"
    energy, forces = (output[name].detach().cpu().double().numpy() for name in ("energy", forces_name))
    stress = output[stress_name].detach().cpu().double().numpy().reshape(len(frames), 6) if with_stress else None
    return _per_frame(frames, energy.reshape(-1), forces, stress)


#: calculator class (module.qualname) → its batched labeller
LABELLERS: dict[str, Callable] = {
    "chgnet.model.dynamics.CHGNetCalculator": _chgnet,
    "sevenn.calculator.SevenNetCalculator": _sevenn,
    "mace.calculators.mace.MACECalculator": _mace,
    "lesdistill.calculator.StudentCalculator": _student,
    "fairchem.core.calculate.ase_calculator.FAIRChemCalculator": _fairchem,
    "orb_models.forcefield.calculator.ORBCalculator": _orb,
}


def batch_labeller(calculator) -> BatchLabeller | None:
    """The batched labeller of ``calculator``, or None when its library has none here."""
    kind = type(calculator)
    labeller = LABELLERS.get(f"{kind.__module__}.{kind.__qualname__}")
    if labeller is None or (labeller is _sevenn and not hasattr(calculator.model, "set_is_batch_data")) or (
            labeller is _mace and (getattr(calculator, "use_compile", False) or calculator.model_type != "MACE")):
        return None
    return lambda frames, with_stress: labeller(calculator, frames, with_stress)
