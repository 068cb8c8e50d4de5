"""JSON schema of the campaign config, generated from the pydantic models (stable, sorted output).

Regenerate after changing a model:  ``python -m lesdistill.config --schema workflow/schemas/config.schema.json``
(``tests/config/test_config.py`` fails while the committed file differs from the generated one).

The pydantic schema is adapted for Snakemake's ``snakemake.utils.validate``, which fills in schema
defaults while it validates: discriminated unions become ``if``/``then`` on the tag (a ``oneOf``
would fill the defaults of every branch into the config), ``"default": null`` entries are dropped
(they would insert nulls), and mapping keys constrained by a pattern reject other keys as pydantic does.
The schema cannot express the cross-section checks (teacher ids against the catalog, resolved MD
settings, files on disk): ``load_config`` is the authority, the schema is for editors and a first check.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .campaign import CampaignConfig

DRAFT = "https://json-schema.org/draft/2020-12/schema"
COMMAND = "python -m lesdistill.config --schema workflow/schemas/config.schema.json"


def _adapt(node: Any) -> Any:
    if isinstance(node, list):
        return [_adapt(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _adapt(value) for key, value in node.items()}
    if "discriminator" in node and "oneOf" in node:
        field = node["discriminator"]["propertyName"]
        mapping = node["discriminator"]["mapping"]
        node = {key: value for key, value in node.items() if key not in ("discriminator", "oneOf")}
        node.update({
            "type": "object",
            "required": [field],
            "properties": {field: {"enum": sorted(mapping)}},
            "allOf": [{"if": {"properties": {field: {"const": tag}}, "required": [field]}, "then": {"$ref": ref}}
                      for tag, ref in sorted(mapping.items())],
        })
    if "default" in node and node["default"] is None:
        del node["default"]
    if "patternProperties" in node and "additionalProperties" not in node:
        node["additionalProperties"] = False
    return node


def config_schema() -> dict[str, Any]:
    """The JSON schema (draft 2020-12) of :class:`CampaignConfig`."""
    schema = _adapt(CampaignConfig.model_json_schema(mode="validation"))
    schema["$schema"] = DRAFT
    schema["title"] = "lesdistill campaign config"
    schema["$comment"] = f"Generated from lesdistill.config (the section models); do not edit. Regenerate: {COMMAND}"
    return schema


def schema_text() -> str:
    """The schema as deterministic JSON text (sorted keys, two-space indent, final newline)."""
    return json.dumps(config_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_schema(path: Path | str) -> Path:
    """Write the schema to ``path`` (folders created); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(schema_text(), encoding="utf-8")
    return path
