"""The compute device: one setting (``auto | cpu | cuda | cuda:N``), validated, resolved where the work runs.

``auto`` is CUDA when ``torch.cuda.is_available()`` on the machine that runs the command, else the
CPU. A CUDA setting on a machine without CUDA is an error, never a silent CPU run. Commands write the
resolved device (e.g. ``cuda:0`` or ``cpu``) into their outputs' provenance.
"""

from __future__ import annotations

import argparse
import re

import torch

from .progress import note

#: The values of the device setting (config ``device``, CLI ``--device``).
DEVICE_PATTERN = r"^(auto|cpu|cuda(:[0-9]+)?)$"
DEVICE_CHOICES = "auto, cpu, cuda or cuda:N"


def check_device(setting: str) -> str:
    """``setting`` when it is auto, cpu, cuda or cuda:N; ValueError otherwise."""
    if not isinstance(setting, str) or re.fullmatch(DEVICE_PATTERN, setting) is None:
        raise ValueError(f"device must be {DEVICE_CHOICES}, got {setting!r}")
    return setting


def is_cuda(setting: str) -> bool:
    """Whether the setting names a CUDA device explicitly (what a workflow books a GPU for)."""
    return check_device(setting).startswith("cuda")


def resolve_device(setting: str = "auto") -> torch.device:
    """The torch device of ``setting`` on this machine (``auto``: CUDA if available, else CPU).

    ValueError when CUDA is asked for but unavailable, or the index is beyond the visible devices.
    """
    check_device(setting)
    if setting == "auto":
        return torch.device("cuda", torch.cuda.current_device()) if torch.cuda.is_available() else torch.device("cpu")
    if setting == "cpu":
        return torch.device("cpu")
    if not torch.cuda.is_available():
        raise ValueError(f"device {setting} requested, but CUDA is not available here (torch "
                         f"{torch.__version__}; a CPU-only build or no visible GPU): use --device cpu or auto")
    device = torch.device(setting)
    index = device.index if device.index is not None else torch.cuda.current_device()
    if index >= torch.cuda.device_count():
        raise ValueError(f"device {setting} requested, but only {torch.cuda.device_count()} CUDA device(s) are visible")
    return torch.device("cuda", index)


def device_argument(text: str) -> str:
    """argparse type of ``--device``: the validated setting."""
    try:
        return check_device(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def add_device_option(parser: argparse.ArgumentParser, what: str) -> None:
    """``--device`` (default auto) for a command that computes ``what``."""
    parser.add_argument("--device", type=device_argument, default="auto",
                        help=f"torch device for {what}: {DEVICE_CHOICES} (default auto: CUDA when available, "
                             "else CPU); the resolved device is written into the output's provenance")


def is_out_of_memory(error: BaseException) -> bool:
    """Whether ``error`` is a device out-of-memory error (CUDA's, or a RuntimeError saying so)."""
    return isinstance(error, torch.OutOfMemoryError) or (
        isinstance(error, RuntimeError) and "out of memory" in str(error).lower())


def release_cached_memory(device: torch.device) -> None:
    """Give the caching allocator's free blocks back after an out-of-memory error (CUDA only)."""
    if device.type == "cuda":
        torch.cuda.empty_cache()


class ChunkedEvaluation:
    """Evaluate items (frames) in chunks sized to the device's memory.

    ``map(evaluate, n)`` calls ``evaluate(start, stop)`` on consecutive ranges of at most ``size``
    items and returns the results in order. An out-of-memory error halves ``size`` for this and every
    later call and retries the same range; it is raised only when one item alone does not fit.
    """

    def __init__(self, size: int, device: torch.device, label: str):
        if size < 1:
            raise ValueError(f"chunk size must be positive, got {size}")
        self.size, self.device, self.label = size, torch.device(device), label

    def map(self, evaluate, n_items: int) -> list:
        results, start = [], 0
        while start < n_items:
            stop = min(start + self.size, n_items)
            try:
                results.append(evaluate(start, stop))
            except (RuntimeError, torch.OutOfMemoryError) as error:
                if not is_out_of_memory(error) or stop - start == 1:
                    raise
                release_cached_memory(self.device)
                self.size = max(1, (stop - start) // 2)
                note(f"{self.label}: out of memory on {stop - start} frames at once; retrying {self.size} at a time")
                continue
            start = stop
        return results


def synchronize(device: torch.device) -> None:
    """Wait for the device's queued work (for wall-clock timings; a no-op on the CPU)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
