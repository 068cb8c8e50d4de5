"""Write one resolved settings file of the campaign (run by the settings rules through `script:`).

``snakemake.params.kind``: sampling_md, student_md, explore_md (iterative round ``wildcards.round``),
training, iteration, finetune, quality, model or catalog. Merging and
validation live in lesdistill.config; this only serialises.
"""

import json
import sys
from pathlib import Path

import ase.io
import yaml

from lesdistill.config import load_config

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake injects the object)
campaign = load_config(snakemake.config)  # noqa: F821
kind, wildcards = snakemake.params.kind, snakemake.wildcards  # noqa: F821
if kind in ("sampling_md", "student_md"):
    settings = campaign.md_settings(wildcards.system, kind.removesuffix("_md")).model_dump(mode="json")
elif kind == "explore_md":
    settings = campaign.explore_md_settings(wildcards.system, int(wildcards.round)).model_dump(mode="json")
elif kind == "training":
    settings = campaign.training_settings(wildcards.system).model_dump(mode="json")
elif kind == "iteration":
    settings = campaign.iteration_settings(wildcards.system).model_dump(mode="json")
elif kind == "finetune":
    tune = campaign.finetune_for(wildcards.system).model_dump(exclude_none=True)
    settings = campaign.training_settings(wildcards.system).model_copy(update=tune).model_dump(mode="json")
elif kind == "quality":
    settings = campaign.quality_settings(wildcards.system).model_dump(mode="json")
elif kind == "model":
    numbers = sorted(set(ase.io.read(snakemake.input[0]).numbers.tolist()))  # noqa: F821
    settings = json.loads(json.dumps(campaign.student_model(wildcards.system, numbers)))
elif kind == "catalog":
    settings = campaign.catalog_entries()
else:
    raise ValueError(f"unknown settings kind {kind!r}")
Path(snakemake.output[0]).write_text(yaml.safe_dump(settings, sort_keys=True))  # noqa: F821
