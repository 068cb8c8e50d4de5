"""A lesdistill student as a labeller (e.g. to compare students, or to label with a distilled model).

Catalog entry: ``family: student``, ``package: lesdistill``, ``checkpoint``: the student file.
"""

from __future__ import annotations

from ...calculator import StudentCalculator
from ..checkpoints import local_checkpoint
from ..spec import TeacherSpec


def load(spec: TeacherSpec, device: str):
    return StudentCalculator(local_checkpoint(spec), device=device)
