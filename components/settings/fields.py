"""Field types of the stack file that pydantic has no strict, readable form of: each takes only the YAML type
it is written as (a CIDR is text, never a number or a boolean) and says in one phrase what is allowed.

Every validator raises ValueError with the message the loader prints after the key path.
"""

from __future__ import annotations

import datetime
import re
from ipaddress import IPv4Network
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema

_MAX_ECHO = 40


def shown(value: Any) -> str:
    """`value` as a message quotes it: repr, cut to a readable length."""
    text = repr(value)
    return text if len(text) <= _MAX_ECHO else f"{text[:_MAX_ECHO - 5]}...{text[-3:]}"


def _text(value: Any, what: str, example: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{shown(value)} is not text; allowed: {what} written as text, e.g. {example}")
    return value


def _cidr(value: Any) -> IPv4Network:
    if isinstance(value, IPv4Network):
        return value
    text = _text(value, "an IPv4 range", "10.10.0.0/16")
    try:
        return IPv4Network(text)
    except ValueError:
        raise ValueError(f"{shown(text)} is not an IPv4 range; allowed: a.b.c.d/n without host bits") from None


Cidr = Annotated[
    IPv4Network,
    BeforeValidator(_cidr),
    WithJsonSchema({"type": "string", "format": "ipv4-network", "examples": ["10.10.0.0/16"]}),
]

GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _guid(value: Any) -> str:
    text = _text(value, "a GUID", "0b5e2f6a-1111-4222-8333-444455556666")
    if not GUID.fullmatch(text):
        raise ValueError(f"{shown(text)} is not a GUID; allowed: xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (hex)")
    return text.lower()


Guid = Annotated[str, BeforeValidator(_guid), WithJsonSchema({"type": "string", "pattern": GUID.pattern})]

IAM_ROLE_ARN = re.compile(r"arn:aws:iam::\d{12}:role/[\w+=,.@/-]{1,512}")
# https://cloud.google.com/iam/docs/service-account-overview#identifying: <name>@<project>.iam.gserviceaccount.com,
# the name 6-30 lowercase alphanumerics and hyphens starting with a letter.
GCP_SERVICE_ACCOUNT = re.compile(
    r"[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z][a-z0-9-]{4,28}[a-z0-9]\.iam\.gserviceaccount\.com"
)


def _pattern(regex: re.Pattern[str], what: str, allowed: str, example: str) -> Any:
    """A text field that must match `regex` in full: one message naming the value and the form allowed."""

    def check(value: Any) -> str:
        text = _text(value, what, example)
        if not regex.fullmatch(text):
            raise ValueError(f"{shown(text)} is not {what}; allowed: {allowed}")
        return text

    return Annotated[str, BeforeValidator(check), WithJsonSchema({"type": "string", "pattern": regex.pattern})]


IamRoleArn = _pattern(
    IAM_ROLE_ARN, "an IAM role ARN", "arn:aws:iam::<12-digit account>:role/<name>", "arn:aws:iam::123456789012:role/x"
)
# https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscodeconnections.html#awscodeconnections-resources-for-iam-policies
CODE_CONNECTION_ARN = re.compile(
    r"arn:aws:(codeconnections|codestar-connections):[a-z]{2}(-[a-z]+)+-\d:\d{12}:connection/[0-9a-f-]{36}"
)
GITHUB_REPOSITORY = re.compile(r"https://github\.com/[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}")
CodeConnectionArn = _pattern(
    CODE_CONNECTION_ARN,
    "a CodeConnections connection ARN",
    "arn:aws:codeconnections:<region>:<12-digit account>:connection/<uuid>",
    "arn:aws:codeconnections:us-east-1:123456789012:connection/0b7c5d4e-1f2a-4b3c-8d9e-0a1b2c3d4e5f",
)
GithubRepository = _pattern(
    GITHUB_REPOSITORY, "a GitHub repository URL", "https://github.com/<owner>/<repo>", "https://github.com/acme/infra"
)
ServiceAccountEmail = _pattern(
    GCP_SERVICE_ACCOUNT,
    "a service account e-mail",
    "<name>@<project>.iam.gserviceaccount.com",
    "deployer@my-project.iam.gserviceaccount.com",
)

# A DNS label (RFC 1123): letters, digits and inner hyphens, 1-63 characters.
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
DNS_NAME = re.compile(rf"{_LABEL}(\.{_LABEL})*")


def _zone(value: Any) -> str:
    text = _text(value, "a DNS zone", "example.org")
    if len(text) > 253 or not DNS_NAME.fullmatch(text) or "." not in text:
        raise ValueError(
            f"{shown(text)} is not a DNS zone; allowed: dot-separated labels of a-z, 0-9 and inner hyphens"
        )
    return text


def _hostname(value: Any) -> str:
    text = _text(value, "a record name", "api")
    if text != "@" and (len(text) > 200 or not DNS_NAME.fullmatch(text)):
        raise ValueError(
            f"{shown(text)} is not a record name; allowed: @ (the zone apex) or labels of a-z, 0-9 and inner hyphens"
        )
    return text


DnsZone = Annotated[str, BeforeValidator(_zone), WithJsonSchema({"type": "string", "pattern": DNS_NAME.pattern})]
RecordName = Annotated[str, BeforeValidator(_hostname), WithJsonSchema({"type": "string"})]

# A Kubernetes object name of the DNS-1123 label kind (namespaces, service accounts).
KUBERNETES_NAME = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")


def _kubernetes_name(value: Any) -> str:
    text = _text(value, "a Kubernetes name", "platform")
    if not KUBERNETES_NAME.fullmatch(text):
        raise ValueError(f"{shown(text)} is not a Kubernetes name; allowed: 1-63 of a-z, 0-9 and inner hyphens")
    return text


KubernetesName = Annotated[
    str, BeforeValidator(_kubernetes_name), WithJsonSchema({"type": "string", "pattern": KUBERNETES_NAME.pattern})
]

CLOCK = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


def _clock(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):  # YAML 1.1 reads an unquoted 18:00 as 1080
        raise ValueError("a time read as a number; allowed: HH:MM in quotes, e.g. '18:00'")
    text = _text(value, "a time of day", "'08:00'")
    if not CLOCK.fullmatch(text):
        raise ValueError(f"{shown(text)} is not a time of day; allowed: HH:MM from 00:00 to 23:59")
    return text


Clock = Annotated[str, BeforeValidator(_clock), WithJsonSchema({"type": "string", "pattern": CLOCK.pattern})]


def _date(value: Any) -> str:
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value.isoformat()  # YAML reads an unquoted 2026-12-01 as a date
    text = _text(value, "a date", "2026-12-01")
    try:
        if re.fullmatch(r"\d{4}-\d\d-\d\d", text):
            return datetime.date.fromisoformat(text).isoformat()
    except ValueError:
        pass
    raise ValueError(f"{shown(text)} is not a calendar date; allowed: YYYY-MM-DD, e.g. 2026-12-01")


IsoDate = Annotated[str, BeforeValidator(_date), WithJsonSchema({"type": "string", "format": "date"})]

# Kubernetes label and taint keys: an optional DNS-subdomain prefix and a name of up to 63 characters,
# https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set
_QUALIFIED_NAME = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?")
_LABEL_VALUE = re.compile(r"([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?")


def label_key_problem(key: str) -> str | None:
    """Why `key` is not a Kubernetes label/taint key, or None."""
    prefix, _, name = key.rpartition("/")
    if prefix and (len(prefix) > 253 or not DNS_NAME.fullmatch(prefix)):
        return f"{shown(key)} has an invalid prefix; allowed: a DNS subdomain before the /"
    if not _QUALIFIED_NAME.fullmatch(name):
        return f"{shown(key)} is not a label key; allowed: 1-63 of letters, digits, - _ . (alphanumeric at both ends)"
    return None


def label_value_problem(value: str) -> str | None:
    """Why `value` is not a Kubernetes label value, or None."""
    if not _LABEL_VALUE.fullmatch(value):
        return (
            f"{shown(value)} is not a label value; allowed: 0-63 of letters, digits, - _ . "
            "(alphanumeric at both ends)"
        )
    return None


def _label_key(value: Any) -> str:
    problem = label_key_problem(_text(value, "a label key", "team"))
    if problem:
        raise ValueError(problem)
    return value


def _label_value(value: Any) -> str:
    problem = label_value_problem(_text(value, "a label value", "platform"))
    if problem:
        raise ValueError(problem)
    return value


LabelKey = Annotated[str, BeforeValidator(_label_key), WithJsonSchema({"type": "string", "maxLength": 317})]
LabelValue = Annotated[str, BeforeValidator(_label_value), WithJsonSchema({"type": "string", "maxLength": 63})]
