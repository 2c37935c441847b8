"""The committed JSON Schema matches the settings models and accepts the committed stack files."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

from scripts import schema
from tests.conftest import ROOT


def test_committed_schema_is_current() -> None:
    assert schema.SCHEMA_FILE.read_text() == schema.render(), "run `make schema`"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_stack_files_match_the_schema(stack: str) -> None:
    document = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())
    jsonschema.validate(document, json.loads(schema.SCHEMA_FILE.read_text()))


def test_schema_rejects_an_unknown_key() -> None:
    document = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
    document["config"]["multicloud-platform:platform"]["kubernetes"]["verison"] = "1.35"
    with pytest.raises(jsonschema.ValidationError, match="verison"):
        jsonschema.validate(document, json.loads(schema.SCHEMA_FILE.read_text()))
