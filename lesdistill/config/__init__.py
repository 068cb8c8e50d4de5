"""Typed campaign configuration: pydantic models, ``load_config`` and the generated JSON schema.

    from lesdistill.config import load_config
    campaign = load_config("config/config.yaml")          # or Snakemake's ``config`` mapping
    campaign.cells()                                       # [(teacher, system), ...]
    campaign.md_settings("water", "student")               # resolved MDSettings

Schema: ``python -m lesdistill.config --schema workflow/schemas/config.schema.json``.
"""

from .loader import format_errors, load_config, read_config_file
from .models import (
                     CaceStudent,
                     CampaignConfig,
                     FiguresConfig,
                     FinetuneConfig,
                     IRConfig,
                     IterativeConfig,
                     LabellingConfig,
                     MaceStudent,
                     ResponseConfig,
                     SamplingConfig,
                     SystemSection,
                     TeacherOverride,
)
from .schema import config_schema, schema_text, write_schema

__all__ = [
    "CaceStudent", "CampaignConfig", "FiguresConfig", "FinetuneConfig", "IRConfig", "IterativeConfig",
    "LabellingConfig", "MaceStudent", "ResponseConfig", "SamplingConfig", "SystemSection", "TeacherOverride",
    "config_schema", "format_errors", "load_config", "read_config_file", "schema_text", "write_schema",
]
