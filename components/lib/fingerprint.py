"""A short, stable hash of a resource's inputs: the same for the program's snake_case dicts and the engine's camelCase
wire form, so a pure rule can recompute from a plan what a component put in a name."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from enum import Enum
from typing import Any

LENGTH = 8
"""Hex characters: 32 bits, ample for telling a handful of versions of one resource apart."""


def canonical(value: Any) -> Any:
    """`value` with mapping keys folded (`key_size`, `keySize` -> `keysize`) and integral floats as ints (the wire
    carries every number as a double); string enums are their values."""
    if isinstance(value, Mapping):
        return {str(k).replace("_", "").lower(): canonical(v) for k, v in value.items()}
    if isinstance(value, Enum):
        return canonical(value.value)
    if isinstance(value, str):
        return value
    if isinstance(value, Sequence):
        return [canonical(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def fingerprint(value: Any, length: int = LENGTH) -> str:
    """Hex digest of `canonical(value)`."""
    text = json.dumps(canonical(value), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:length]
