"""Teacher registry and the adapters that run on this machine, exercised for real."""

from __future__ import annotations

import os
import subprocess
import textwrap

import numpy as np
import pytest
import torch
from ase import Atoms

from lesdistill.electrostatics import coulomb_constant
from lesdistill.teachers import SPCFwCalculator, TeacherSpec, TeacherUnavailableError, load_catalog, load_teacher
from lesdistill.io import sha256_of
from lesdistill.teachers.spcfw import ANGLE_K, ANGLE_THETA0, BOND_K, BOND_R0, LJ_EPSILON, LJ_SIGMA

from ..helpers import central_difference


def water_molecule(centre, angle_deg: float = 104.5, bond: float = 0.96, rotate: float = 0.0) -> np.ndarray:
    half = np.radians(angle_deg) / 2
    local = np.array([[0, 0, 0], [bond * np.sin(half), 0, bond * np.cos(half)], [-bond * np.sin(half), 0, bond * np.cos(half)]])
    c, s = np.cos(rotate), np.sin(rotate)
    rotation = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])
    return np.asarray(centre) + local @ rotation.T


def small_water_box() -> Atoms:
    """8 H2O on a 2×2×2 lattice in a 6.2 Å cube (liquid density), varied orientations."""
    sites = [(i, j, k) for i in range(2) for j in range(2) for k in range(2)]
    positions = np.concatenate([water_molecule(np.array(s) * 3.1 + 0.8, rotate=0.7 * n) for n, s in enumerate(sites)])
    return Atoms("OH2" * 8, positions=positions, cell=np.eye(3) * 6.2, pbc=True)


def test_catalog_is_complete_and_valid():
    catalog = load_catalog()
    families = {spec.family for spec in catalog.values()}
    assert families == {"chgnet", "sevenn", "xtb", "mace", "fairchem", "fairchem_v1", "orb", "pet", "so3lr", "reference"}
    for spec in catalog.values():
        assert spec.level_of_theory and spec.training_set and spec.licence
        assert os.path.exists(os.path.join(os.path.dirname(__file__), "..", "..", "envs", f"{spec.env}.yaml")), spec.env
    assert catalog["uma-m-omol"].needs_charge_and_spin and not catalog["chgnet-0.3.0"].needs_charge_and_spin


def test_catalog_can_be_extended_and_rejects_bad_entries(tmp_path):
    extra = tmp_path / "teachers.yaml"
    extra.write_text("my-chgnet:\n  family: chgnet\n  package: chgnet\n  env: base\n  checkpoint: /data/chgnet.pth.tar\n"
                     "  level_of_theory: PBE\n  training_set: mine\n  licence: BSD-3-Clause\n")
    assert load_catalog(extra)["my-chgnet"].checkpoint == "/data/chgnet.pth.tar"
    extra.write_text("broken:\n  family: gaussian\n  package: x\n  env: base\n  level_of_theory: x\n  training_set: x\n  licence: x\n")
    with pytest.raises(ValueError, match="teacher 'broken' in the catalog is invalid"):
        load_catalog(extra)
    with pytest.raises(ValueError, match="unknown teacher 'nope'"):
        load_teacher("nope")


@pytest.mark.parametrize("teacher,env", [("uma-m-omol", "fairchem"), ("gemnet-oc22", "fairchem-v1"), ("orb-v3-direct-omol", "orb")])
def test_missing_package_names_the_environment(teacher, env):
    with pytest.raises(TeacherUnavailableError, match=f"envs/{env}.yaml"):
        load_teacher(teacher)


def test_missing_or_corrupted_checkpoint_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("LESDISTILL_CHECKPOINTS", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=str(tmp_path / "mace")):
        load_teacher("mace-mp-0-large")
    bad = tmp_path / "model.pt"
    bad.write_bytes(b"not a model")
    spec = TeacherSpec(id="x", family="mace", package="mace-torch", env="base", checkpoint=str(bad), sha256="0" * 64,
                       level_of_theory="x", training_set="x", licence="x")
    with pytest.raises(ValueError, match="has SHA-256"):
        load_teacher(spec)


def test_stage_copies_by_published_name_and_loads_verify_it(tmp_path, monkeypatch, capsys):
    from lesdistill.cli import main
    from lesdistill.teachers.checkpoints import local_checkpoint, staged_hashes

    root, download = tmp_path / "checkpoints", tmp_path / "downloads" / "MACE-OFF23_large.model"
    monkeypatch.setenv("LESDISTILL_CHECKPOINTS", str(root))
    download.parent.mkdir()
    download.write_bytes(b"weights v1")
    assert main(["teachers", "stage", str(download)]) == 0
    first = sha256_of(download)
    assert "for mace-off23-large" in capsys.readouterr().out
    staged = root / "mace" / "MACE-OFF23_large.model"
    assert staged.read_bytes() == b"weights v1"
    assert staged_hashes(root) == {"mace/MACE-OFF23_large.model": first}
    assert local_checkpoint(load_catalog()["mace-off23-large"]) == staged
    download.write_bytes(b"weights v2")  # a different file of the same name is not silently swapped in
    assert main(["teachers", "stage", str(download)]) == 2
    assert "already exists with SHA-256" in capsys.readouterr().err
    staged.write_bytes(b"corrupted")
    frames = tmp_path / "frames.extxyz"
    small_water_box().write(frames)
    assert main(["label", str(frames), "--teacher", "mace-off23-large", "-o", str(tmp_path / "l.nc")]) == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and "has SHA-256" in error and first in error
    other = tmp_path / "renamed.pt"
    other.write_bytes(b"x")
    assert main(["teachers", "stage", str(other)]) == 2
    assert "no catalog entries publish a checkpoint named 'renamed.pt'; pass --teacher ID" in capsys.readouterr().err
    assert main(["teachers", "stage", str(other), "--teacher", "uma-s-omol"]) == 0
    assert (root / "fairchem" / "uma-s-1p1.pt").read_bytes() == b"x"
    by_hand = root / "orb" / "orb-v3-conservative-omol-20250820.ckpt"  # put there without staging: kept
    by_hand.parent.mkdir(parents=True)
    by_hand.write_bytes(b"placed by hand")
    assert main(["teachers", "stage", str(other), "--teacher", "orb-v3-conservative-omol"]) == 2
    assert "already exists with SHA-256" in capsys.readouterr().err and by_hand.read_bytes() == b"placed by hand"


def evaluate(atoms: Atoms, calculator) -> tuple[float, np.ndarray]:
    atoms = atoms.copy()
    atoms.calc = calculator
    return atoms.get_potential_energy(), atoms.get_forces()


@pytest.fixture(scope="module")
def box():
    return small_water_box()


@pytest.mark.parametrize("teacher", ["chgnet-0.3.0", "chgnet-r2scan"])
def test_chgnet_teachers_run_and_are_translation_invariant(box, teacher):
    calculator = load_teacher(teacher)
    energy, forces = evaluate(box, calculator)
    shifted = box.copy()
    shifted.positions += [0.3, -1.1, 2.0]
    energy2, forces2 = evaluate(shifted, calculator)
    assert np.isfinite(energy) and forces.shape == (24, 3)
    assert energy2 == pytest.approx(energy, abs=2e-4 * len(box))
    assert np.abs(forces2 - forces).max() < 1e-3


def test_two_levels_of_theory_differ(box):
    pbe, _ = evaluate(box, load_teacher("chgnet-0.3.0"))
    r2scan, _ = evaluate(box, load_teacher("chgnet-r2scan"))
    assert abs(pbe - r2scan) > 1.0  # different reference energies: not the same model twice


def test_gfn1_xtb_forces_equal_finite_differences(box):
    calculator = load_teacher("gfn1-xtb")
    energy, forces = evaluate(box, calculator)
    h = 1e-3
    for atom, axis in [(0, 0), (1, 2)]:
        plus, minus = box.copy(), box.copy()
        plus.positions[atom, axis] += h
        minus.positions[atom, axis] -= h
        numeric = -(evaluate(plus, calculator)[0] - evaluate(minus, calculator)[0]) / (2 * h)
        assert forces[atom, axis] == pytest.approx(numeric, abs=2e-3)


@pytest.mark.slow
def test_mace_built_from_scratch_loads_through_the_checkpoint_path(tmp_path, box):
    script = textwrap.dedent(f"""
        import os
        os.environ["TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD"] = "1"
        import numpy as np, torch
        from e3nn import o3
        from mace import modules
        torch.set_default_dtype(torch.float64)
        block = modules.interaction_classes["RealAgnosticResidualInteractionBlock"]
        model = modules.ScaleShiftMACE(r_max=4.5, num_bessel=8, num_polynomial_cutoff=5, max_ell=1,
            interaction_cls=block, interaction_cls_first=block, num_interactions=2, num_elements=2,
            hidden_irreps=o3.Irreps("8x0e+8x1o"), MLP_irreps=o3.Irreps("8x0e"),
            atomic_energies=np.array([-13.6, -2041.0]), avg_num_neighbors=10.0, atomic_numbers=[1, 8],
            correlation=2, gate=torch.nn.functional.silu, atomic_inter_scale=1.0, atomic_inter_shift=0.0)
        torch.save(model, {str(tmp_path / 'mace.model')!r})
    """)
    subprocess.run([os.sys.executable, "-c", script], check=True, capture_output=True)
    path = tmp_path / "mace.model"
    spec = TeacherSpec(id="mace-scratch", family="mace", package="mace-torch", env="base", checkpoint=str(path),
                       sha256=sha256_of(path), level_of_theory="none", training_set="none", licence="MIT")
    before = os.environ.get("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD")
    energy, forces = evaluate(box, load_teacher(spec))
    assert os.environ.get("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD") == before  # restored after loading
    assert np.isfinite(energy) and np.isfinite(forces).all() and forces.shape == (24, 3)
    assert energy == pytest.approx(8 * (-2041.0 - 2 * 13.6), rel=0.05)  # E0s dominate an untrained model


@pytest.mark.skipif("LESDISTILL_SEVENN_PYTHON" not in os.environ,
                    reason="needs the SevenNet environment; `make test` builds it and sets LESDISTILL_SEVENN_PYTHON")
@pytest.mark.slow
def test_sevennet_teachers_in_their_own_environment(tmp_path, box):
    path = tmp_path / "box.extxyz"
    box.write(path)
    script = textwrap.dedent(f"""
        import ase.io, numpy as np
        from lesdistill.teachers import load_teacher
        atoms = ase.io.read({str(path)!r})
        for teacher in ("sevennet-0", "sevennet-mf-0-pbe", "sevennet-mf-0-r2scan"):
            atoms.calc = load_teacher(teacher)
            energy, forces = atoms.get_potential_energy(), atoms.get_forces()
            assert np.isfinite(energy) and forces.shape == (24, 3) and np.isfinite(forces).all()
            print(teacher, energy)
    """)
    result = subprocess.run([os.environ["LESDISTILL_SEVENN_PYTHON"], "-c", script], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    energies = dict(line.split() for line in result.stdout.strip().splitlines()[-3:])
    assert abs(float(energies["sevennet-mf-0-pbe"]) - float(energies["sevennet-mf-0-r2scan"])) > 1.0


# --- SPC/Fw reference teacher -----------------------------------------------------------------

def spcfw_open_reference(positions: np.ndarray) -> float:
    """Direct NumPy SPC/Fw energy of molecules in vacuum (no cutoff effects below 9 Å)."""
    n = len(positions) // 3
    energy = 0.0
    for m in range(n):
        o, h1, h2 = positions[3 * m: 3 * m + 3]
        b1, b2 = h1 - o, h2 - o
        theta = np.arccos(b1 @ b2 / np.linalg.norm(b1) / np.linalg.norm(b2))
        energy += 0.5 * BOND_K * ((np.linalg.norm(b1) - BOND_R0) ** 2 + (np.linalg.norm(b2) - BOND_R0) ** 2)
        energy += 0.5 * ANGLE_K * (theta - ANGLE_THETA0) ** 2
    charges = np.tile([-0.82, 0.41, 0.41], n)
    shift = 4 * LJ_EPSILON * ((LJ_SIGMA / 9.0) ** 12 - (LJ_SIGMA / 9.0) ** 6)
    for i in range(len(positions)):
        for j in range(i + 1, len(positions)):
            if i // 3 == j // 3:
                continue
            r = np.linalg.norm(positions[i] - positions[j])
            energy += coulomb_constant() * charges[i] * charges[j] / r
            if i % 3 == 0 and j % 3 == 0 and r < 9.0:
                energy += 4 * LJ_EPSILON * ((LJ_SIGMA / r) ** 12 - (LJ_SIGMA / r) ** 6) - shift
    return energy


def water_dimer() -> np.ndarray:
    return np.concatenate([water_molecule([0, 0, 0]), water_molecule([2.9, 0.3, 0.2], angle_deg=108, bond=1.0, rotate=2.0)])


def test_spcfw_open_energy_equals_direct_sum():
    positions = water_dimer()
    energy, _ = evaluate(Atoms("OH2OH2", positions=positions), SPCFwCalculator())
    assert energy == pytest.approx(spcfw_open_reference(positions), rel=1e-10)


def test_spcfw_periodic_tends_to_open_in_a_large_box():
    positions = water_dimer() + 30.0
    periodic, _ = evaluate(Atoms("OH2OH2", positions=positions, cell=np.eye(3) * 60.0, pbc=True), SPCFwCalculator())
    assert periodic == pytest.approx(spcfw_open_reference(positions), abs=2e-4)


def test_spcfw_forces_and_stress_equal_finite_differences(box):
    calculator = SPCFwCalculator()
    atoms = box.copy()
    atoms.calc = calculator
    forces, stress = atoms.get_forces(), atoms.get_stress(voigt=False)
    positions = torch.tensor(box.positions)

    def energy(p):
        trial = box.copy()
        trial.positions = p.numpy()
        return torch.tensor(evaluate(trial, calculator)[0], dtype=torch.float64)

    subset = positions[:4]
    numeric = -central_difference(lambda x: energy(torch.cat([x, positions[4:]])), subset, 1e-5)
    assert np.allclose(forces[:4], numeric.numpy(), atol=1e-6 * np.abs(forces).max() + 1e-7)
    h = 1e-6
    for a, b in [(0, 0), (0, 1), (2, 2)]:
        strain = np.eye(3)
        strain[a, b] += h / 2 if a != b else h
        if a != b:
            strain[b, a] += h / 2
        plus, minus = box.copy(), box.copy()
        plus.set_cell(box.cell.array @ strain, scale_atoms=True)
        inverse = 2 * np.eye(3) - strain
        minus.set_cell(box.cell.array @ inverse, scale_atoms=True)
        derivative = (evaluate(plus, calculator)[0] - evaluate(minus, calculator)[0]) / (2 * h) / box.get_volume()
        assert stress[a, b] == pytest.approx(derivative, rel=1e-5, abs=1e-8)


def test_spcfw_rejects_non_water():
    atoms = Atoms("OHH" + "Na", positions=np.random.default_rng(0).uniform(size=(4, 3)) * 5)
    with pytest.raises(ValueError, match="water only"):
        evaluate(atoms, SPCFwCalculator())


def test_teachers_command_lists_availability(capsys):
    from lesdistill.cli import main

    assert main(["teachers"]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[1:]}
    assert lines["chgnet-0.3.0"].endswith("ready")
    assert lines["uma-m-omol"].endswith("no package")
