"""Provenance attributes attached to every output file."""

from __future__ import annotations

import datetime as _dt
import platform
import socket
import subprocess
from importlib import metadata
from pathlib import Path

PACKAGES = ("lesdistill", "torch", "numpy", "ase", "torch-pme", "vesin", "xarray")


def package_versions(packages: tuple[str, ...] = PACKAGES) -> dict[str, str]:
    """Installed versions of ``packages`` ("absent" for those not installed)."""
    versions = {}
    for name in packages:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def git_revision() -> str:
    """The git commit of the lesdistill checkout (with ``-dirty`` for local changes), or "unknown"."""
    root = Path(__file__).resolve().parent.parent
    try:
        revision = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10)
        if revision.returncode != 0:
            return "unknown"
        status = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                                capture_output=True, text=True, timeout=10)
        return revision.stdout.strip() + ("-dirty" if status.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def provenance(**extra) -> dict[str, str]:
    """Flat string attributes: versions, git revision, host, platform, UTC time, plus ``extra``."""
    attrs = {f"version_{name.replace('-', '_')}": v for name, v in package_versions().items()}
    attrs.update(
        git_revision=git_revision(),
        host=socket.gethostname(),
        platform=platform.platform(),
        python=platform.python_version(),
        created_utc=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    )
    attrs.update({key: str(value) for key, value in extra.items()})
    return attrs
