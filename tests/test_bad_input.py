"""Every bad-input example of the newcomer review (../shared/reviews/newcomer.md, Part B) is refused at the config
edge, before anything is registered: one line naming the stack file and the key, no traceback.

The table holds one mutation of a valid stack file per example; a seeded property test then draws many members of
each class (fake regions, non-GUIDs, the internet in pieces...) and asserts none is accepted.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Callable
from ipaddress import IPv4Network
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, seed, settings
from hypothesis import strategies as st

from components.settings import PLATFORM_KEY, SettingsError, load_settings, read_stack_config
from components.settings.catalog import AWS_REGIONS
from scripts import deploy
from scripts import plan as offline_plan
from tests.conftest import ROOT

Mutation = Callable[[dict[str, Any]], Any]


@functools.cache
def _stack_file(stack: str) -> dict[str, Any]:
    return read_stack_config(ROOT, stack)


def stack_file(stack: str) -> dict[str, Any]:
    """The flat config of the repo's own stack file (a deep copy to mutate)."""
    return copy.deepcopy(_stack_file(stack))


def refused(stack: str, config: dict[str, Any]) -> list[str]:
    with pytest.raises(SettingsError) as err:
        load_settings(stack, config)
    return err.value.problems


def platform(change: Callable[[dict[str, Any]], Any]) -> Mutation:
    """A mutation of the platform object."""
    return lambda config: change(config[PLATFORM_KEY])


def put(path: str, value: Any) -> Mutation:
    """Set the platform key at a dotted path (`edge.zone`, `clouds.aws.regions.0.name`)."""

    def change(tree: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        for part in parents:
            tree = tree[int(part)] if isinstance(tree, list) else tree.setdefault(part, {})
        if isinstance(tree, list):
            tree[int(last)] = value
        else:
            tree[last] = value

    return platform(change)


def drop(path: str) -> Mutation:
    def change(tree: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        for part in parents:
            tree = tree[part]
        del tree[last]

    return platform(change)


# (review item, stack, mutation, key path the line names, words it says)
CASES: list[tuple[str, str, Mutation, str, str]] = [
    # security / prod safety
    ("B1-1 environment dev in the prod file", "prod", put("environment", "dev"), "environment", "a prod stack"),
    ("B1-2 the internet in two halves", "dev", put("kubernetes.public_access_cidrs", ["0.0.0.0/1", "128.0.0.0/1"]),
     "kubernetes.public_access_cidrs", "together cover 0.0.0.0/0"),
    ("B1-3 sync from anywhere", "prod", put("dr.sync.azure_source_ranges", ["0.0.0.0/0"]),
     "dr.sync.azure_source_ranges[0]", "opens the storage accounts to the internet"),
    ("B1-3 sync from a private range", "prod", put("dr.sync.azure_source_ranges", ["10.0.0.0/8"]),
     "dr.sync.azure_source_ranges[0]", "not on the internet"),
    ("B1-4 CIDR as a boolean", "dev", put("kubernetes.public_access_cidrs", [True]),
     "kubernetes.public_access_cidrs[0]", "True is not text"),
    ("B1-4 CIDR as an integer", "dev", put("kubernetes.public_access_cidrs", [12345]),
     "kubernetes.public_access_cidrs[0]", "12345 is not text"),
    ("B1-4 private range on a public endpoint", "dev", put("kubernetes.public_access_cidrs", ["10.0.0.0/8"]),
     "kubernetes.public_access_cidrs[0]", "not on the internet"),
    ("B1-5 prod without AKS admins", "prod", drop("clouds.azure.admin_group_object_ids"),
     "clouds.azure.admin_group_object_ids", "nobody but the deployer"),
    ("B1-5 AKS admin not a GUID", "prod", put("clouds.azure.admin_group_object_ids", ["admins"]),
     "clouds.azure.admin_group_object_ids[0]", "is not a GUID"),
    ("B1-6 prod without edge ids", "prod", drop("edge"), "edge.account_id", "placeholder"),
    ("B1-6 prod on example.com", "prod", put("edge.zone", "example.com"), "edge.zone", "RFC 2606"),
    ("B1-6 prod on the all-zero subscription", "prod",
     lambda c: c.update({"azure-native:subscriptionId": "00000000-0000-0000-0000-000000000000"}),
     "clouds.azure.subscription_id", "placeholder"),
    # names and identifiers
    ("B1-8 fake AWS region", "dev", put("clouds.aws.regions.0.name", "mars-north-9"), "clouds.aws.regions[0].name",
     "not an AWS region"),
    ("B1-8 Azure name on AWS", "dev", put("clouds.aws.regions.0.name", "eastus"), "clouds.aws.regions[0].name",
     "not an AWS region"),
    ("B1-8 AWS name on Azure", "dev", put("clouds.azure.regions.0.name", "us-east-1"),
     "clouds.azure.regions[0].name", "not an Azure region"),
    ("B1-8 GCP region in capitals", "dev", put("clouds.gcp.regions.0.name", "US-CENTRAL1"),
     "clouds.gcp.regions[0].name", "not a Google Cloud region"),
    ("B1-9 hostname with a space", "dev", put("edge.hostname", "api dev"), "edge.hostname", "not a record name"),
    ("B1-9 empty hostname", "dev", put("edge.hostname", ""), "edge.hostname", "not a record name"),
    ("B1-9 hostname with a slash", "dev", put("edge.hostname", "api/evil"), "edge.hostname", "not a record name"),
    ("B1-9 zone with a space", "dev", put("edge.zone", "example com"), "edge.zone", "not a DNS zone"),
    ("B1-9 zone localhost", "dev", put("edge.zone", "localhost"), "edge.zone", "not a DNS zone"),
    ("B1-9 health path with a space", "dev", put("edge.health_path", "/ health"), "edge.health_path",
     "URL path characters"),
    ("B1-10 EC2 type that does not exist", "dev", put("kubernetes.pools.aws.general.instance_types", ["m5.gigantic"]),
     "kubernetes.pools.aws.general.instance_types[0]", "not an EC2 instance type"),
    ("B1-10 EC2 type with a space", "dev", put("kubernetes.pools.aws.general.instance_types", ["m5 large"]),
     "kubernetes.pools.aws.general.instance_types[0]", "not an EC2 instance type"),
    ("B1-10 RDS class that does not exist", "dev", put("postgres.tier.aws", "db.zz9.galactic"), "postgres.tier.aws",
     "not an RDS instance class"),
    ("B1-11 AWS GPU pool on m5", "dev", put("kubernetes.pools.aws.gpu.instance_types", ["m5.large"]),
     "kubernetes.pools.aws.gpu.instance_types[0]", "has no NVIDIA GPU"),
    ("B1-11 Azure GPU pool on D-series", "prod", put("kubernetes.pools.azure.gpu.instance_types", ["Standard_D4s_v3"]),
     "kubernetes.pools.azure.gpu.instance_types[0]", "has no NVIDIA GPU"),
    ("B1-12 taint key", "dev", put("kubernetes.pools.aws.general.taints", [{"key": "bad key!"}]),
     "kubernetes.pools.aws.general.taints[0].key", "not a label key"),
    ("B1-12 label key and long value", "dev", put("kubernetes.pools.aws.general.labels", {"Bad Key": "v" * 200}),
     "kubernetes.pools.aws.general.labels.'Bad Key'", "not a label key"),
    ("B1-13 subscription not a GUID", "dev", lambda c: c.update({"azure-native:subscriptionId": "my-sub"}),
     "clouds.azure.subscription_id", "is not a GUID"),
    ("B1-13 tenant not a GUID", "dev", put("identity.providers", {"azure_ad": {"client_secret_name": "s",
                                                                               "tenant_id": "contoso"}}),
     "identity.providers.azure_ad.tenant_id", "is not a GUID"),
    ("B1-13 GCP project id", "dev", lambda c: c.update({"gcp:project": "Flow Dev!"}), "clouds.gcp.project",
     "is not of the form"),
    ("B1-13 admin role ARN", "dev", put("kubernetes.admin_role_arns", ["admin", "arn:aws:iam::bad"]),
     "kubernetes.admin_role_arns", "not an IAM role or user ARN"),
    ("B1-14 zero-length backup window", "dev", put("postgres.backup_window", "03:00-03:00"),
     "postgres.backup_window", "lasts 0 minutes"),
    ("B1-14 backup window in the maintenance window", "dev", put("postgres.backup_window", "04:00-05:00"),
     "postgres.backup_window", "overlaps the maintenance window"),
    ("B1-14 impossible maintenance time", "dev", put("postgres.maintenance_window", "sun:25:99-sun:26:00"),
     "postgres.maintenance_window", "is not of the form"),
    ("B1-15 impossible date", "dev", put("dr.sync.start_date", "2026-02-30"), "dr.sync.start_date",
     "not a calendar date"),
    ("B1-16 office hours that end before they start", "dev", put("budgets.office_hours.start", "19:00"),
     "budgets.office_hours.end", "is not after start"),
    ("B1-16 weekdays backwards", "dev", put("budgets.office_hours.weekdays", "5-1"),
     "budgets.office_hours.weekdays", "runs backwards"),
    ("B1-16 unknown time zone", "dev", put("budgets.office_hours.time_zone", "Mars/Olympus"),
     "budgets.office_hours.time_zone", "not an IANA time zone"),
    ("GKE pools outgrow a /20 region's pods range", "prod", put("clouds.gcp.regions.1.cidr", "10.31.0.0/20"),
     "clouds.gcp.regions[1].cidr", "its pods range holds 8 nodes"),
    # GKE maintenance (https://cloud.google.com/kubernetes-engine/docs/how-to/maintenance-windows-and-exclusions)
    ("GKE window too short to count", "prod", put("clouds.gcp.maintenance", {"hours": 3}),
     "clouds.gcp.maintenance.hours", "at least 4"),
    ("GKE window under 48 h in 32 days", "prod", put("clouds.gcp.maintenance", {"days": ["sun"], "hours": 8}),
     "clouds.gcp.maintenance.hours", "32 h in the worst 32 days"),
    ("GKE window day twice", "dev", put("clouds.gcp.maintenance", {"days": ["sat", "sat"]}),
     "clouds.gcp.maintenance.days", "listed twice"),
    ("GKE window unknown day", "dev", put("clouds.gcp.maintenance", {"days": ["saturday"]}),
     "clouds.gcp.maintenance.days[0]", "saturday"),
    ("GKE window start not a time", "dev", put("clouds.gcp.maintenance", {"start": "25:00"}),
     "clouds.gcp.maintenance.start", "not a time of day"),
    ("GKE exclusion backwards", "prod",
     put("clouds.gcp.maintenance", {"exclusions": [{"name": "rel", "start": "2026-12-10", "end": "2026-12-01"}]}),
     "clouds.gcp.maintenance.exclusions[0].end", "is not after start"),
    ("GKE no-upgrades exclusion over 30 days", "prod",
     put("clouds.gcp.maintenance", {"exclusions": [{"name": "rel", "start": "2026-12-01", "end": "2027-01-15"}]}),
     "clouds.gcp.maintenance.exclusions[0].end", "at most 30"),
    ("GKE exclusion names twice", "prod",
     put("clouds.gcp.maintenance", {"exclusions": [{"name": "rel", "start": "2026-12-01", "end": "2026-12-02"},
                                                   {"name": "rel", "start": "2026-12-05", "end": "2026-12-06"}]}),
     "clouds.gcp.maintenance.exclusions[1].name", "listed twice"),
    ("GKE exclusion scope unknown", "prod",
     put("clouds.gcp.maintenance", {"exclusions": [{"name": "rel", "start": "2026-12-01", "end": "2026-12-02",
                                                    "scope": "NO_PATCHES"}]}),
     "clouds.gcp.maintenance.exclusions[0].scope", "NO_PATCHES"),
    ("GKE exclusion date impossible", "prod",
     put("clouds.gcp.maintenance", {"exclusions": [{"name": "rel", "start": "2026-02-30", "end": "2026-03-02"}]}),
     "clouds.gcp.maintenance.exclusions[0].start", "not a calendar date"),
    # inconsistent settings
    ("B1-17 API in the monitoring namespace", "dev", put("workloads.api.namespace", "monitoring"),
     "workloads.api.namespace", "the platform owns"),
    ("B1-17 API in kube-system", "dev", put("workloads.api.namespace", "kube-system"), "workloads.api.namespace",
     "the cluster or the platform owns"),
    ("B1-18 service account the trusts do not name", "dev", put("workloads.api.service_account", "other"),
     "identity.trusts[0]", "but the API runs as platform/other"),
    ("B1-19 every weight zero", "dev", put("clouds.aws.regions.0.weight", 0.0), "clouds.aws.regions",
     "every region has weight 0"),
    ("B1-19 empty geo pool", "dev", put("edge.region_pools", {"ENAM": []}), "edge.region_pools", "no cloud"),
    ("B1-19 a cloud twice in a geo pool", "dev", put("edge.region_pools", {"ENAM": ["aws", "aws"]}),
     "edge.region_pools", "each once"),
    ("B1-19 negative budget share", "dev", put("budgets.shares", {"aws": 1.5, "azure": -0.3, "gcp": -0.2}),
     "budgets.shares.aws", "at most 1"),
    ("B1-19 an address twice", "dev", put("budgets.notify", ["a@example.com", "a@example.com"]), "budgets.notify",
     "listed twice"),
    ("B1-20 zero CPU request", "dev", put("workloads.api.resources.cpu_request", "0"),
     "workloads.api.resources.cpu_request", "more than 0"),
    ("B1-20 zero memory request", "dev", put("workloads.api.resources.memory_request", "0Mi"),
     "workloads.api.resources.memory_request", "more than 0"),
    ("B1-20 a request no node can hold", "dev",
     lambda c: [put("workloads.api.resources.cpu_request", "100000")(c),
                put("workloads.api.resources.cpu_limit", "100000")(c)],
     "workloads.api.resources.cpu_request", "is not of the form"),
    ("crosscloud R2 the seed's 10s monitor below Enterprise", "dev", put("dr.health_check_interval", "10s"),
     "dr.health_check_interval", "10s on enterprise"),
    ("crosscloud R2 a 15s monitor on a Free zone", "dev", put("dr.health_check_interval", "15s"),
     "dr.health_check_interval", "15s from business"),
    ("crosscloud R2 an unknown Cloudflare plan", "dev", put("edge.cloudflare_plan", "gold"), "edge.cloudflare_plan",
     "enterprise"),
    ("B1-21 scrape interval of a month", "dev", put("workloads.monitoring", {"scrape_interval": "30d"}),
     "workloads.monitoring.scrape_interval", "at most 5m"),
    ("B1-21 central retention below local", "dev",
     put("workloads.monitoring", {"retention": "30d", "central_retention": "1h"}),
     "workloads.monitoring.central_retention", "shorter than each cluster's retention"),
    # identity checks that used to run inside the components
    ("B1 row 1 token lifetime 1s", "dev", put("identity.token_lifetime", "1s"), "identity.token_lifetime",
     "allowed: 5m to 1d"),
    ("B1 row 2 refresh lifetime 100000d", "dev", put("identity.refresh_lifetime", "100000d"),
     "identity.refresh_lifetime", "(Cognito)"),
    ("B1 row 3 http callback", "dev", put("identity.callback_urls", ["http://api.example.com/cb"]),
     "identity.callback_urls[0]", "not an absolute https URL"),
    ("B1 row 4 callback not a URL", "dev", put("identity.callback_urls", ["not a url"]),
     "identity.callback_urls[0]", "not an absolute https URL"),
    ("B1 row 5 reserved domain prefix", "dev", put("identity.domain_prefix", "aws-auth"), "identity.domain_prefix",
     "which Cognito reserves"),
    ("B1 row 6 trust namespace", "dev", put("identity.trusts.0.namespace", "Platform Space"),
     "identity.trusts[0].namespace", "not a Kubernetes name"),
    ("B1 row 7 trust service account", "dev", put("identity.trusts.0.service_account", "API!"),
     "identity.trusts[0].service_account", "not a Kubernetes name"),
    ("B1 row 8 the same trust twice", "dev",
     platform(lambda p: p["identity"]["trusts"].append(dict(p["identity"]["trusts"][0]))),
     "identity.trusts[3]", "listed twice"),
    ("B1 row 9 a target twice", "dev", put("identity.trusts.0.targets", ["gcp", "gcp"]), "identity.trusts[0]",
     "listed twice"),
    # the deployer (docs/DEPLOY.md): every field malformed or missing where required
    ("deployer missing in prod", "prod", drop("deployer"), "deployer", "missing; allowed"),
    ("deployer missing in dev", "dev", drop("deployer"), "deployer", "missing; allowed"),
    ("deployer position unknown", "prod", put("deployer.position", "laptop"), "deployer.position", "laptop"),
    ("deployer position missing", "prod", drop("deployer.position"), "deployer.position", "required"),
    ("deployer outside with private APIs", "prod", put("deployer.position", "outside"), "deployer.position",
     "private cluster APIs are unreachable from outside"),
    ("deployer in-network without the mesh", "prod", put("vpn.enabled", False), "deployer.position",
     "no private path to the cluster API of azure/eastus"),
    ("deployer in-network with egress", "prod", put("deployer.egress_cidrs", ["85.214.132.0/24"]),
     "deployer.egress_cidrs", "in-network"),
    ("runner missing in-network", "prod", drop("deployer.runner"), "deployer.runner",
     "missing while the deployer is in-network"),
    ("runner repository not GitHub", "prod", put("deployer.runner.repository", "https://gitlab.com/acme/infra"),
     "deployer.runner.repository", "is not a GitHub repository URL"),
    ("runner connection malformed", "prod", put("deployer.runner.connection_arn", "arn:aws:codestar:us-east-1:1:x"),
     "deployer.runner.connection_arn", "is not a CodeConnections connection ARN"),
    ("runner connection in another region", "prod",
     put("deployer.runner.connection_arn",
         "arn:aws:codeconnections:eu-west-1:210987654321:connection/4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"),
     "deployer.runner.connection_arn", "is in eu-west-1, not the primary AWS region us-east-1"),
    ("runner connection in another account", "prod",
     put("deployer.runner.connection_arn",
         "arn:aws:codeconnections:us-east-1:111111111111:connection/4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"),
     "deployer.runner.connection_arn", "is in account 111111111111, not the deployer's 210987654321"),
    ("runner timeout above CodeBuild's limit", "prod", put("deployer.runner.timeout_minutes", 3000),
     "deployer.runner.timeout_minutes", "2160"),
    ("runner with an outside deployer", "dev",
     put("deployer.runner", {"repository": "https://github.com/acme/infra",
                             "connection_arn": "arn:aws:codeconnections:us-east-1:210987654321:connection/"
                                               "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"}),
     "deployer.runner", "set while the deployer is outside"),
    ("deployer outside without egress", "dev", put("deployer.egress_cidrs", []), "deployer.egress_cidrs",
     "empty while the deployer is outside"),
    ("deployer egress outside the allow-list", "dev", put("deployer.egress_cidrs", ["85.214.133.0/24"]),
     "deployer.egress_cidrs[0]", "not inside kubernetes.public_access_cidrs"),
    ("deployer egress not a CIDR", "dev", put("deployer.egress_cidrs", ["office"]), "deployer.egress_cidrs[0]",
     "office"),
    ("deployer egress IPv6 documentation", "dev", put("deployer.egress_cidrs", ["2001:db8::/32"]),
     "deployer.egress_cidrs[0]", "2001:db8::/32"),
    ("deployer aws missing", "dev", drop("deployer.aws"), "deployer.aws", "missing with aws enabled"),
    ("deployer aws role missing", "dev", put("deployer.aws", {}), "deployer.aws.role_arn", "required"),
    ("deployer aws role a user", "dev", put("deployer.aws.role_arn", "arn:aws:iam::210987654321:user/me"),
     "deployer.aws.role_arn", "not an IAM role ARN"),
    ("deployer aws role short account", "dev", put("deployer.aws.role_arn", "arn:aws:iam::2109:role/x"),
     "deployer.aws.role_arn", "not an IAM role ARN"),
    ("deployer azure missing", "prod", drop("deployer.azure"), "deployer.azure", "missing with azure enabled"),
    ("deployer azure object id not a GUID", "prod", put("deployer.azure.object_id", "deployer-sp"),
     "deployer.azure.object_id", "not a GUID"),
    ("deployer azure object id missing", "prod", drop("deployer.azure.object_id"), "deployer.azure.object_id",
     "required"),
    ("deployer azure principal type unknown", "prod", put("deployer.azure.principal_type", "Application"),
     "deployer.azure.principal_type", "Application"),
    ("deployer azure principal type missing", "prod", drop("deployer.azure.principal_type"),
     "deployer.azure.principal_type", "required"),
    ("deployer gcp missing", "prod", drop("deployer.gcp"), "deployer.gcp", "missing with gcp enabled"),
    ("deployer gcp not an e-mail", "prod", put("deployer.gcp.service_account", "flow-deployer"),
     "deployer.gcp.service_account", "not a service account e-mail"),
    ("deployer gcp a user e-mail", "prod", put("deployer.gcp.service_account", "ops@example.com"),
     "deployer.gcp.service_account", "not a service account e-mail"),
    ("deployer unknown key", "prod", put("deployer.kind", "ci"), "deployer.kind", ""),
    # placeholder and special-purpose ranges in every allow-list
    *[
        (f"placeholder {cidr} in {key}", stack, put(key, [cidr]), f"{key}[0]", says)
        for key, stack in (("kubernetes.public_access_cidrs", "dev"), ("deployer.egress_cidrs", "dev"),
                           ("dr.sync.azure_source_ranges", "prod"))
        for cidr, says in (("192.0.2.0/24", "documentation"), ("198.51.100.0/24", "documentation"),
                           ("203.0.113.0/24", "documentation"), ("198.18.0.0/15", "benchmarking"),
                           ("0.0.0.0/0", "to the internet"), ("0.0.0.0/8", "not on the internet"),
                           ("127.0.0.0/8", "not on the internet"), ("169.254.0.0/16", "not on the internet"),
                           ("100.64.0.0/10", "not on the internet"), ("240.0.0.0/4", "not on the internet"),
                           ("::/0", "::/0"), ("2001:db8::/32", "2001:db8::/32"))
    ],
    # a platform name that overflows a vault once the stack-unique part (`?????`) is counted
    ("names with the stack-unique part", "prod", put("name", "acmecorp"), "name",
     "azure key vault name 'acmecorp-prod-eus-geo-?????' is 27 characters; allowed: 3-24"),
    ("Cognito domain prefix too long for the stack-unique part", "dev", put("identity.domain_prefix", "a" * 58),
     "identity.domain_prefix", "is not of the form: Cognito hosted-UI domain prefix, 1-57 characters"),
    # message quality: a huge value is cut, the line stays readable
    ("B1 huge name", "dev", put("name", "x" * 1_000_000), "name", "..."),
]


@pytest.mark.parametrize(("stack", "mutation", "path", "says"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_bad_input_is_refused_naming_its_key(stack: str, mutation: Mutation, path: str, says: str) -> None:
    config = stack_file(stack)
    mutation(config)
    lines = refused(stack, config)
    prefix = f"Pulumi.{stack}.yaml: {PLATFORM_KEY}.{path}: "
    mine = [line for line in lines if line.startswith(prefix)]
    assert mine, lines
    assert says in mine[0], mine[0]
    assert all(len(line) <= 300 for line in lines), max(lines, key=len)


def test_a_huge_value_is_never_echoed_in_full() -> None:
    config = stack_file("dev")
    put("name", "x" * 1_000_000)(config)
    (line,) = refused("dev", config)
    assert len(line) < 200


@pytest.mark.parametrize(("key", "value", "says"), [
    ("cloudflare:apiToken", "tok-123", "CLOUDFLARE_API_TOKEN"),
    ("aws:secretKey", "abc", "AWS_SECRET_ACCESS_KEY"),
    ("azure-native:clientSecret", "abc", "ARM_CLIENT_SECRET"),
    ("gcp:credentials", "{}", "GOOGLE_APPLICATION_CREDENTIALS"),
    ("aws:region", None, "aws:region: empty (null)"),
])
def test_provider_keys_in_clear_or_empty_are_refused(key: str, value: Any, says: str) -> None:
    config = stack_file("dev")
    config[key] = value
    lines = refused("dev", config)
    assert any(line.startswith(f"Pulumi.dev.yaml: {key}: ") and says in line for line in lines), lines


def test_an_encrypted_credential_is_accepted() -> None:
    config = stack_file("dev")
    config["cloudflare:apiToken"] = {"secure": "v1:abc"}
    assert load_settings("dev", config).environment == "dev"


# --- the stack file as text -------------------------------------------------------------------------------------


def project_with(tmp_path: Path, text: str, stack: str = "dev") -> Path:
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    (tmp_path / f"Pulumi.{stack}.yaml").write_text(text)
    return tmp_path


def read_refused(project: Path, stack: str = "dev") -> list[str]:
    with pytest.raises(SettingsError) as err:
        load_settings(stack, read_stack_config(project, stack))
    return err.value.problems


@pytest.mark.parametrize(("text", "says"), [
    pytest.param("config:\n  aws:region: [us-east-1\n", "line 3, column 1: expected ',' or ']'", id="flow-sequence"),
    pytest.param("config:\n  a: 1\n b: 2\n", "line 3, column 2:", id="bad-indent"),
    pytest.param("config:\n  aws:region: us-east-1\n  aws:region: us-west-2\n",
                 "line 3, column 3: key 'aws:region' is written twice", id="duplicate-key"),
    pytest.param("config:\n  x: " + "[" * 600 + "]" * 600 + "\n", "nested", id="deep-nesting"),
    pytest.param("config:\n  x: " + "[" * 30 + "]" * 30 + "\n", "nested more than 24 levels",
                 id="deeper-than-settings"),
])
def test_yaml_problems_name_line_and_column(tmp_path: Path, text: str, says: str) -> None:
    (line,) = read_refused(project_with(tmp_path, text))
    assert line.startswith("Pulumi.dev.yaml: ") and says in line, line


def test_a_misspelt_platform_key_is_refused(tmp_path: Path) -> None:
    text = (ROOT / "Pulumi.dev.yaml").read_text() + "  multicloud-platform:platfrom: {name: x}\n"
    assert read_refused(project_with(tmp_path, text)) == [
        f"Pulumi.dev.yaml: multicloud-platform:platfrom: unknown key; allowed: {PLATFORM_KEY}"]


def test_every_deployer_problem_is_one_line() -> None:
    """Three broken deployer fields at once: one line per field problem, each naming its key."""
    config = stack_file("prod")
    put("deployer.aws.role_arn", "deployer")(config)
    put("deployer.azure.principal_type", "Robot")(config)
    drop("deployer.gcp")(config)
    lines = refused("prod", config)
    assert [line.split(": ")[1] for line in lines] == [
        f"{PLATFORM_KEY}.deployer.aws.role_arn", f"{PLATFORM_KEY}.deployer.azure.principal_type",
    ]  # field problems first; the missing gcp principal is a cross-field rule, reported once the fields are valid


def test_field_and_cross_field_problems_come_in_one_round() -> None:
    """A bad field does not hide the cross-field problems of the rest of the file."""
    config = stack_file("prod")
    put("owner", "Platform Team")(config)  # a field problem
    put("postgres.ha", False)(config)  # a prod rule
    lines = refused("prod", config)
    assert [line.split(": ")[1] for line in lines] == [f"{PLATFORM_KEY}.owner", f"{PLATFORM_KEY}.postgres.ha"]


# --- the command line -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["Pulumi.dev.yaml", "Pulumi.yaml", "docs", "", "/nonexistent/dir/x.json"])
def test_the_json_path_is_checked_before_planning(
    target: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(offline_plan, "plan", lambda *_: pytest.fail("planned before checking --json"))
    before = (ROOT / "Pulumi.dev.yaml").read_text()
    assert deploy.main(["plan", "--stack", "dev", "--json", target]) == 2
    assert capsys.readouterr().err.startswith("--json ")
    assert (ROOT / "Pulumi.dev.yaml").read_text() == before


@pytest.mark.parametrize("stack", ["x" * 300, "a b", "dév", "a\nb"])
def test_odd_stack_names_are_one_line(stack: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert deploy.main(["plan", "--stack", stack]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and "not a Pulumi stack name" in err[0] and len(err[0]) < 200, err


# --- classes, not just examples: a seeded property test -----------------------------------------------------------

LABEL = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789-"), min_size=1, max_size=12)
FAKE_AWS_REGION = st.builds("{}-{}-{}".format, LABEL, LABEL, st.integers(1, 9)).filter(lambda r: r not in AWS_REGIONS)
NOT_GUID = st.text(max_size=40).filter(lambda t: not re.fullmatch(r"[0-9a-fA-F-]{36}", t))


@st.composite
def internet_in_pieces(draw: st.DrawFn) -> list[str]:
    """0.0.0.0/0 cut into 2-16 pieces (some ranges shuffled), the kind of allow-list that is no allow-list."""
    prefix = draw(st.integers(1, 4))
    pieces = [str(n) for n in IPv4Network("0.0.0.0/0").subnets(new_prefix=prefix)]
    return draw(st.permutations(pieces))


CLASSES: dict[str, tuple[st.SearchStrategy[Any], Callable[[Any], Mutation], str]] = {
    "fake-region": (FAKE_AWS_REGION, lambda v: put("clouds.aws.regions.0.name", v), "clouds.aws.regions[0].name"),
    "not-a-guid": (NOT_GUID, lambda v: put("clouds.azure.subscription_id", v), "clouds.azure.subscription_id"),
    "internet-in-pieces": (internet_in_pieces(), lambda v: put("kubernetes.public_access_cidrs", v),
                           "kubernetes.public_access_cidrs"),
    "cidr-not-text": (st.one_of(st.integers(), st.booleans(), st.floats()),
                      lambda v: put("kubernetes.public_access_cidrs", [v]), "kubernetes.public_access_cidrs[0]"),
    "duration-without-unit": (st.integers(1, 10**6), lambda v: put("dr.rpo", v), "dr.rpo"),
    "bad-hostname": (st.text(min_size=1, max_size=30).filter(lambda t: not t.isalnum() and t != "@"),
                     lambda v: put("edge.hostname", v.upper() + " "), "edge.hostname"),
}


@seed(20261202)
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_no_member_of_a_refused_class_is_accepted(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(CLASSES)), label="class")
    strategy, mutation, path = CLASSES[name]
    config = stack_file("dev")
    mutation(data.draw(strategy, label="value"))(config)
    lines = refused("dev", config)
    assert any(line.startswith(f"Pulumi.dev.yaml: {PLATFORM_KEY}.{path}") for line in lines), lines


def test_the_cases_cover_the_stack_files_yaml() -> None:
    """The table mutates the repo's real stack files, which must stay valid for it to mean anything."""
    for stack in ("dev", "prod"):
        assert load_settings(stack, stack_file(stack)).environment == stack
        assert yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"][PLATFORM_KEY]
