"""Durations written as `30s`, `15m`, `2h`, `1d` in stack files, held as whole seconds."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
PATTERN = r"^[0-9]+(s|m|h|d)$"


def parse_duration(value: Any) -> int:
    """`15m` -> 900. Bare integers are seconds; anything else is a ValueError naming the format."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 30s, 15m, 2h or 1d")
    seconds = None
    if isinstance(value, int):
        seconds = value
    elif isinstance(value, str) and re.fullmatch(PATTERN, value.strip()):
        text = value.strip()
        seconds = int(text[:-1]) * _UNITS[text[-1]]
    if seconds is not None and seconds > 0:
        return seconds
    if seconds is not None:
        raise ValueError(f"'{value}' is not a positive duration; allowed: 1s or more (e.g. 30s, 15m)")
    raise ValueError(f"'{value}' is not a duration; allowed: a number with s, m, h or d (e.g. 30s, 15m)")


def format_duration(seconds: int) -> str:
    """900 -> `15m`: the largest unit that divides exactly."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


Duration = Annotated[
    int,
    BeforeValidator(parse_duration),
    WithJsonSchema({"type": "string", "pattern": PATTERN, "examples": ["30s", "15m"]}),
]
