"""Write one resolved settings file of the campaign (run by the settings rules through `script:`).

The settings are the rule's ``params.settings`` (CampaignConfig.stage_settings); for the student model
the elements of the system's structure are added here. Merging and validation live in lesdistill.config;
this only serialises.
"""

import json
import sys
from pathlib import Path

import ase.io
import yaml

from lesdistill.config import load_config

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821 (snakemake injects the object)
settings = snakemake.params.settings  # noqa: F821
if snakemake.rule == "student_model":  # noqa: F821
    numbers = sorted(set(ase.io.read(snakemake.input[0]).numbers.tolist()))  # noqa: F821
    settings = load_config(snakemake.config).stage_settings("model", snakemake.wildcards.system,  # noqa: F821
                                                            atomic_numbers=numbers)
Path(snakemake.output[0]).write_text(yaml.safe_dump(json.loads(json.dumps(settings)), sort_keys=True))  # noqa: F821
