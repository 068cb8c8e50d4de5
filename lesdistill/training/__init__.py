"""Distillation of teacher labels into students: settings, data, loss, trainer."""

from .settings import TrainSettings, load_train_settings
from .trainer import Trainer, evaluate_student, train

__all__ = ["TrainSettings", "Trainer", "evaluate_student", "load_train_settings", "train"]
