"""``python -m lesdistill.config``: write or check the JSON schema, and validate config files.

    python -m lesdistill.config --schema workflow/schemas/config.schema.json          # (re)generate
    python -m lesdistill.config --check-schema workflow/schemas/config.schema.json    # exit 1 if stale
    python -m lesdistill.config config/config.yaml config/demo.yaml                   # validate (exit 2 if bad)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .loader import load_config
from .schema import COMMAND, schema_text, write_schema


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lesdistill.config", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("configs", nargs="*", type=Path, help="campaign config files to validate")
    parser.add_argument("--schema", type=Path, help="write the JSON schema to this file")
    parser.add_argument("--check-schema", type=Path, help="exit 1 when this schema file is not the generated one")
    parser.add_argument("--base-dir", type=Path, default=None,
                        help="folder that relative paths in the configs are resolved against (default: cwd)")
    parser.add_argument("--no-file-checks", action="store_true", help="do not require named files to exist")
    args = parser.parse_args(argv)
    if not (args.configs or args.schema or args.check_schema):
        parser.error("give config files, --schema or --check-schema")
    status = 0
    if args.schema is not None:
        print(f"wrote {write_schema(args.schema)}")
    if args.check_schema is not None:
        current = args.check_schema.read_text(encoding="utf-8") if args.check_schema.is_file() else None
        if current != schema_text():
            print(f"{args.check_schema} is stale or missing; regenerate: {COMMAND}", file=sys.stderr)
            status = 1
    for path in args.configs:
        try:
            campaign = load_config(path, base_dir=args.base_dir, check_files=not args.no_file_checks)
        except ValueError as error:
            print(error, file=sys.stderr)
            status = 2
            continue
        print(f"{path}: ok, {len(campaign.teachers)} teachers × {len(campaign.systems)} systems = "
              f"{len(campaign.cells())} cells")
    return status


if __name__ == "__main__":
    sys.exit(main())
