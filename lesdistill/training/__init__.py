"""Distillation of teacher labels into students: settings, data, loss, trainer."""

from .settings import TrainSettings, load_train_settings
from .trainer import Trainer, train

__all__ = ["TrainSettings", "Trainer", "load_train_settings", "train"]
