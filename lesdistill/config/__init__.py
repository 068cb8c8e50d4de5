"""Typed campaign configuration: pydantic models, ``load_config`` and the generated JSON schema.

    from lesdistill.config import load_config
    campaign = load_config("config/config.yaml")          # or Snakemake's ``config`` mapping
    campaign.cells()                                       # [(teacher, system), ...]
    campaign.md_settings("water", "student")               # resolved MDSettings

One module per section on the shared base of ``fields``: ``teachers``, ``systems`` (generated from the
system registry), ``student``, ``stages``; the cross-field checks in ``checks``; the whole campaign and
its settings API in ``campaign``. Schema: ``python -m lesdistill.config --schema workflow/schemas/config.schema.json``.
"""

from .loader import format_errors, load_config, read_config_file
from .campaign import CampaignConfig
from .stages import (FiguresConfig, FinetuneConfig, IRConfig, IterativeConfig, LabellingConfig, ResponseConfig,
                     SamplingConfig)
from .student import CaceStudent, MaceStudent
from .systems import SystemSection
from .teachers import TeacherOverride
from .schema import config_schema, schema_text, write_schema

__all__ = [
    "CaceStudent", "CampaignConfig", "FiguresConfig", "FinetuneConfig", "IRConfig", "IterativeConfig",
    "LabellingConfig", "MaceStudent", "ResponseConfig", "SamplingConfig", "SystemSection", "TeacherOverride",
    "config_schema", "format_errors", "load_config", "read_config_file", "schema_text", "write_schema",
]
