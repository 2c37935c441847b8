"""Export the JSON Schema of `Pulumi.<stack>.yaml`: `python -m scripts.schema [--check]`.

Editors with the YAML language server complete and check stack files against it (see the
`$schema` comment at the top of each stack file). `--check` fails when the committed file is stale.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from components.settings import PLATFORM_KEY
from components.settings.models import BUCKET_NAME_PATTERN, PlatformSettings

SCHEMA_FILE = Path(__file__).resolve().parents[1] / "schema" / "stack.schema.json"


def stack_schema() -> dict[str, Any]:
    """Schema of a whole stack file: the platform object plus the provider keys it reads."""
    platform = PlatformSettings.model_json_schema()
    definitions = platform.pop("$defs", {})
    buckets = platform["properties"]["buckets"]  # `- data` is shorthand for `- {name: data}`
    buckets["items"] = {"anyOf": [buckets["items"], {"type": "string", "pattern": BUCKET_NAME_PATTERN}]}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "multicloud-platform stack configuration (Pulumi.<stack>.yaml)",
        "type": "object",
        "properties": {
            "config": {
                "type": "object",
                "properties": {
                    PLATFORM_KEY: platform,
                    "aws:region": {"type": "string", "description": "Default AWS region: the first AWS region."},
                    "azure-native:subscriptionId": {"type": "string", "description": "Azure subscription."},
                    "gcp:project": {"type": "string", "description": "GCP project."},
                },
                "required": [PLATFORM_KEY],
            },
        },
        "$defs": definitions,
    }


def render() -> str:
    """The schema file's exact text."""
    return json.dumps(stack_schema(), indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the schema, or with --check report whether the committed one is current."""
    parser = argparse.ArgumentParser(prog="python -m scripts.schema", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if schema/stack.schema.json is stale")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = SCHEMA_FILE.read_text() if SCHEMA_FILE.exists() else ""
        if current != text:
            print(f"{SCHEMA_FILE.name} is stale: run `make schema`", file=sys.stderr)
            return 1
        return 0
    SCHEMA_FILE.parent.mkdir(exist_ok=True)
    SCHEMA_FILE.write_text(text)
    print(f"wrote {SCHEMA_FILE.relative_to(Path.cwd()) if SCHEMA_FILE.is_relative_to(Path.cwd()) else SCHEMA_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
