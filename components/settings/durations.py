"""Durations written as `30s`, `15m`, `2h`, `1d` in stack files, held as whole seconds."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

from .fields import shown

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
PATTERN = r"^[0-9]+(s|m|h|d)$"  # at most 12 characters (a year of seconds has 8 digits)


def parse_duration(value: Any) -> int:
    """`15m` -> 900. A bare number is refused: the unit says what it means (30 seconds or 30 days?)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError(f"{value!r} has no unit; allowed: a number with s, m, h or d, e.g. {value!r}s or 15m")
    text = value.strip() if isinstance(value, str) else None
    if text is not None and re.fullmatch(PATTERN, text) and len(text) <= 12:
        seconds = int(text[:-1]) * _UNITS[text[-1]]
        if seconds > 0:
            return seconds
        raise ValueError(f"'{text}' is not a positive duration; allowed: 1s or more (e.g. 30s, 15m)")
    raise ValueError(f"{shown(value)} is not a duration; allowed: a number with s, m, h or d (e.g. 30s, 15m)")


def format_duration(seconds: int) -> str:
    """900 -> `15m`: the largest unit that divides exactly."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


Duration = Annotated[
    int,
    BeforeValidator(parse_duration),
    PlainSerializer(lambda seconds: format_duration(seconds), return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": PATTERN, "examples": ["30s", "15m"]}),
]
