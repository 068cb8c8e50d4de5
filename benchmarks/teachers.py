"""Time the teachers that run on this machine: energy + forces per structure and MD steps/s.

Water boxes of 32 and 64 H2O at 0.997 g/cm³; one evaluation = energy + forces of a fresh geometry
(median of 3 after a warm-up); MD = ASE Langevin at 300 K, 0.5 fs, 5 steps after 2 warm-up steps.
Teachers of other environments (SevenNet) are timed by re-running this script in their interpreter
(``LESDISTILL_SEVENN_PYTHON``, default ``.venv-sevenn/bin/python``) and merged into one table.
These numbers are the baseline the students must beat.

``--published-sizes`` times foundation teachers whose weights cannot be downloaded here: speed does
not depend on the weights, so a random model of the published architecture, loaded through its
adapter in its own stack's interpreter (``.venv-<stack>/bin/python``), costs what the real one costs.
Only architectures whose published size is known without the checkpoint are timed (PUBLISHED_SIZES);
energy + forces only, no MD.

Usage: python benchmarks/teachers.py   → benchmarks/results/teachers.json
       python benchmarks/teachers.py --published-sizes   → benchmarks/results/teachers_published_sizes.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch
from ase import units
from ase.md.langevin import Langevin

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import RESULTS, machine, median_seconds, write_results  # noqa: E402

from lesdistill.systems import water_box  # noqa: E402
from lesdistill.teachers import load_catalog, load_teacher  # noqa: E402

BASE_TEACHERS = ("spcfw", "chgnet-0.3.0", "chgnet-r2scan", "gfn1-xtb", "gfn2-xtb")
SEVENN_TEACHERS = ("sevennet-0", "sevennet-mf-0-pbe")
SIZES = (32, 64)
ROOT = Path(__file__).resolve().parent.parent


#: teacher id → (stack whose interpreter runs it, random checkpoint builder at the published size or None for
#: real weights shipped in a wheel, what fixes the size)
PUBLISHED_SIZES = {
    "uma-s-omol": ("fairchem", "fairchem", "fairchem configs/uma/training_release backbone K4L2: 4 layers, 128 channels, "
                   "lmax 2, mmax 2, 64 distance basis, cutoff 6 Å, 32 experts (MoLE, not merged: batch inference)"),
    "uma-m-omol": ("fairchem", "fairchem", "fairchem configs backbone K10L4: 10 layers, 128 channels, lmax 4, mmax 2, "
                   "128 distance basis, cutoff 6 Å, 32 experts (MoLE, not merged: batch inference)"),
    "esen-sm-conserving-omol": ("fairchem", "fairchem", "fairchem configs/esen/uma_sm_conserving_omol_4M: K4L2 without "
                                "experts (4 layers, 128 channels, lmax 2, mmax 2), cutoff 6 Å, conserving"),
    "orb-v3-conservative-omol": ("orb", "orb", "the loader builds the architecture (25.8 M parameters)"),
    "orb-v3-direct-omol": ("orb", "orb", "the loader builds the architecture"),
    "mace-mp-0a-large": ("base", "mace", "128 channels, L = 2 (file name 2024-01-07-mace-128-L2), r 6 Å, 2 interactions, "
                         "correlation 3, 89 elements"),
    "gemnet-oc22": ("fairchem-v1", "gemnet_oc", "fairchem configs/oc22/s2ef/gemnet-oc/gemnet_oc.yml (38.9 M parameters "
                    "counted, 38.8 M published), direct forces"),
    "equiformer-v2-omat24": ("fairchem-v1", "equiformer_v2", "fairchem configs/omat24/all/eqV2_86M.yml: 10 layers, "
                             "lmax 6, mmax 4, 128 channels, r 12 Å, 20 neighbours; energy and force heads (86.46 M of "
                             "the published 86.59 M: the rank-2 stress head is left out)"),
    "pet-omatpes": ("pet", "pet", "upet docs (Bigi et al. 2026, Table IV), size L: d_pet 512, d_node 2048, 4 GNN and 2 "
                    "attention layers, r 9 Å, 32 adaptive neighbours, elements 1-89 (255.4 M published, with non-conservative "
                    "force and stress heads that are left out here)"),
    "so3lr": ("so3lr", None, "real weights in the so3krates-torch wheel"),
    "sevennet-l3i5": ("sevenn", None, "real weights in the sevenn wheel"),
}


#: fairchem v2 backbones at their published sizes (configs of the fairchem repository; see PUBLISHED_SIZES)
FAIRCHEM_SIZES = {
    "uma-s-omol": dict(experts=32, channels=128, lmax=2, mmax=2, layers=4, distance_basis=64,
                       datasets=("oc20", "omat", "omol", "odac", "omc")),
    "uma-m-omol": dict(experts=32, channels=128, lmax=4, mmax=2, layers=10, distance_basis=128,
                       datasets=("oc20", "omat", "omol", "odac", "omc")),
    "esen-sm-conserving-omol": dict(experts=0, channels=128, lmax=2, mmax=2, layers=4, distance_basis=64,
                                    datasets=("omol",)),
}


#: fairchem 1.x architectures at their published sizes (configs of the fairchem repository)
FAIRCHEM_V1_SIZES = {
    "gemnet-oc22": dict(
        num_spherical=7, num_radial=128, num_blocks=4, emb_size_atom=256, emb_size_edge=512, emb_size_trip_in=64,
        emb_size_trip_out=64, emb_size_quad_in=32, emb_size_quad_out=32, emb_size_aint_in=64, emb_size_aint_out=64,
        emb_size_rbf=16, emb_size_cbf=16, emb_size_sbf=32, num_before_skip=2, num_after_skip=2, num_concat=1,
        num_atom=3, num_output_afteratom=3, cutoff=12.0, cutoff_qint=12.0, cutoff_aeaint=12.0, cutoff_aint=12.0,
        max_neighbors=30, max_neighbors_qint=8, max_neighbors_aeaint=20, max_neighbors_aint=1000,
        rbf={"name": "gaussian"}, envelope={"name": "polynomial", "exponent": 5}, cbf={"name": "spherical_harmonics"},
        sbf={"name": "legendre_outer"}, extensive=True, output_init="HeOrthogonal", activation="silu",
        regress_forces=True, direct_forces=True, forces_coupled=False, otf_graph=True, quad_interaction=True,
        atom_edge_interaction=True, edge_atom_interaction=True, atom_interaction=True, num_atom_emb_layers=2,
        num_global_out_layers=2, qint_tags=[1, 2]),
    "equiformer-v2-omat24": dict(
        use_pbc=True, use_pbc_single=True, otf_graph=True, enforce_max_neighbors_strictly=False, max_neighbors=20,
        max_radius=12.0, max_num_elements=96, avg_num_nodes=31.17, avg_degree=61.95, num_layers=10, sphere_channels=128,
        attn_hidden_channels=64, num_heads=8, attn_alpha_channels=64, attn_value_channels=16, ffn_hidden_channels=128,
        norm_type="layer_norm_sh", lmax_list=[6], mmax_list=[4], grid_resolution=18, num_sphere_samples=128,
        edge_channels=128, use_atom_edge_embedding=True, share_atom_edge_embedding=False, use_m_share_rad=False,
        distance_function="gaussian", num_distance_basis=512, attn_activation="silu", use_s2_act_attn=False,
        use_attn_renorm=True, ffn_activation="silu", use_gate_act=False, use_grid_mlp=True, use_sep_s2_act=True,
        alpha_drop=0.1, drop_path_rate=0.1, proj_drop=0.0, weight_init="uniform"),
}
#: PET-OMATPES, size L (metatrain hypers; the others stay at metatrain's defaults)
PET_OMATPES_L = {"d_pet": 512, "d_head": 512, "d_node": 2048, "d_feedforward": 1024, "num_heads": 8,
                 "num_attention_layers": 2, "num_gnn_layers": 4, "cutoff": 9.0, "num_neighbors_adaptive": 32,
                 "cutoff_function": "Bump", "cutoff_width": 0.5}


def published_size_calculator(teacher: str, folder: Path):
    """The calculator of ``teacher``: real weights, or a random model of its published size staged in ``folder``."""
    _, builder, _ = PUBLISHED_SIZES[teacher]
    spec = load_catalog()[teacher]
    if builder is None:
        return load_teacher(spec)
    sys.path.insert(0, str(ROOT))
    from tests.teachers import builders

    path = folder / Path(spec.checkpoint).name
    if builder == "fairchem":
        size = FAIRCHEM_SIZES[teacher]
        builders.fairchem_checkpoint(path, **size)
    elif builder in ("gemnet_oc", "equiformer_v2"):
        builders.fairchem_v1_checkpoint(path, architecture=builder, arguments=FAIRCHEM_V1_SIZES[teacher])
    elif builder == "pet":
        builders.pet_checkpoint(path, hypers=PET_OMATPES_L, atomic_types=tuple(range(1, 90)))
    elif builder == "orb":
        builders.orb_checkpoint(path, conservative="conservative" in teacher)
    elif builder == "mace":
        builders.mace_checkpoint(path, channels=128, max_L=2, max_ell=3, correlation=3, r_max=6.0,
                                 atomic_numbers=tuple(range(1, 90)), heads=("default",))
    return load_teacher(spec.model_copy(update={"checkpoint": str(path), "sha256": None}))


def time_teacher(teacher: str) -> dict[str, tuple[float, str]]:
    return time_calculator(teacher, load_teacher(teacher))


def time_calculator(name: str, calculator, md: bool = True) -> dict[str, tuple[float, str]]:
    """Seconds per energy + forces and (``md``) Langevin MD steps/s of ``calculator`` on 32 and 64 H2O."""
    metrics = {}
    for n_molecules in SIZES:
        atoms = water_box(n_molecules, seed=1)
        atoms.info.update(charge=0, spin=1)  # neutral singlet, read by OMol-task teachers
        atoms.calc = calculator
        rng = np.random.default_rng(0)
        reference = atoms.positions.copy()

        def evaluate():
            atoms.positions = reference + rng.normal(scale=0.01, size=reference.shape)
            atoms.get_potential_energy()
            atoms.get_forces()

        seconds = median_seconds(evaluate, repeats=3)
        metrics[f"{name}_{3 * n_molecules}_atoms_energy_forces"] = (seconds, "s")
        if not md:
            print(f"{name:26s} {3 * n_molecules:4d} atoms: {seconds:7.3f} s/eval", flush=True)
            continue
        atoms.positions = reference
        dynamics = Langevin(atoms, 0.5 * units.fs, temperature_K=300, friction=0.01, fixcm=False,
                            rng=np.random.default_rng(1))
        dynamics.run(2)
        start = time.perf_counter()
        dynamics.run(5)
        steps_per_second = 5 / (time.perf_counter() - start)
        metrics[f"{name}_{3 * n_molecules}_atoms_md"] = (steps_per_second, "steps/s")
        print(f"{name:22s} {3 * n_molecules:4d} atoms: {seconds:7.3f} s/eval, {steps_per_second:6.2f} MD steps/s", flush=True)
    return metrics


def other_environment(python: str, teachers: tuple[str, ...], *options: str) -> dict[str, tuple[float, str]]:
    """Run this script for ``teachers`` in another interpreter and collect its metrics."""
    result = subprocess.run([python, __file__, "--teachers", *teachers, "--print-json", *options], capture_output=True,
                            text=True, check=True)
    sys.stdout.write("".join(line + "\n" for line in result.stdout.splitlines()[:-1]))
    return {k: tuple(v) for k, v in json.loads(result.stdout.splitlines()[-1]).items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--teachers", nargs="+", default=list(BASE_TEACHERS))
    parser.add_argument("--print-json", action="store_true", help="print metrics as JSON (for a parent run)")
    parser.add_argument("--published-sizes", action="store_true", help="random-weight foundation models at published sizes")
    parser.add_argument("--note", default="", help="recorded with the results (e.g. that the machine was shared)")
    args = parser.parse_args()
    torch.set_num_threads(2)
    if args.published_sizes:
        published_sizes(args)
        return
    metrics: dict[str, tuple[float, str]] = {}
    for teacher in args.teachers:
        metrics.update(time_teacher(teacher))
    if args.print_json:
        print(json.dumps(metrics))
        return
    sevenn_python = os.environ.get("LESDISTILL_SEVENN_PYTHON", str(ROOT / ".venv-sevenn" / "bin" / "python"))
    if Path(sevenn_python).exists():
        metrics.update(other_environment(sevenn_python, SEVENN_TEACHERS))
    else:
        print(f"SevenNet environment {sevenn_python} not found: SevenNet not timed")
    print(f"wrote {write_results('teachers', machine(2), metrics)}")


def published_sizes(args: argparse.Namespace) -> None:
    """Time PUBLISHED_SIZES (or ``--teachers`` among them here) in their stacks' interpreters; write the JSON."""
    import tempfile

    metrics: dict[str, tuple[float, str]] = {}
    if args.print_json:
        with tempfile.TemporaryDirectory() as folder:
            for teacher in args.teachers:
                metrics.update(time_calculator(teacher, published_size_calculator(teacher, Path(folder)), md=False))
        print(json.dumps(metrics))
        return
    chosen = [t for t in args.teachers if t in PUBLISHED_SIZES] or list(PUBLISHED_SIZES)
    previous = RESULTS / "teachers_published_sizes.json"
    if previous.exists():  # timings can be taken stack by stack: keep the other teachers' entries
        old = json.loads(previous.read_text())
        metrics.update({k: (v["value"], v["unit"]) for k, v in old["metrics"].items()})
        notes = old["machine"].get("runs", [])
    else:
        notes = []
    for teacher in chosen:
        stack = PUBLISHED_SIZES[teacher][0]
        python = Path(sys.executable) if stack == "base" else ROOT / f".venv-{stack}" / "bin" / "python"
        if not python.exists():
            print(f"{teacher}: environment {python} not found, not timed")
            continue
        try:
            metrics.update(other_environment(str(python), (teacher,), "--published-sizes"))
        except subprocess.CalledProcessError as error:
            print(f"{teacher}: not timed: {' '.join((error.stderr or '').strip().splitlines()[-1:])}")
            continue
        notes = [run for run in notes if run["teacher"] != teacher] + [
            {"teacher": teacher, "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
             "load_average": os.getloadavg(), "note": args.note}]
        info = machine(2) | {"runs": notes, "sizes": {t: size for t, (_, _, size) in PUBLISHED_SIZES.items()}}
        print(f"wrote {write_results('teachers_published_sizes', info, metrics)}")  # after each: a long run keeps it


if __name__ == "__main__":
    main()
