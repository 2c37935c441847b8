"""Stack policies against synthetic stacks (links by dependency, by name, through providers)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from policies.rules import aws, azure, cloudflare, gcp

from .cases import LB, MONITOR, POOL, RDS, SQL, TAGS
from .harness import Res, patch, run, urn


@dataclass(frozen=True)
class StackCase:
    policy: str
    kind: str
    note: str
    resources: Sequence[Res]
    flagged: Sequence[str]
    """Names of the resources expected to be reported (`(stack)` for stack-level)."""
    config: Mapping[str, Any] = field(default_factory=dict)
    environment: str = "prod"

    @property
    def id(self) -> str:
        return f"{self.policy}:{self.kind}:{self.note}"


def s3(name: str, *companions: str, by_name: bool = False) -> list[Res]:
    """A bucket and the named companions (linked by dependency, or only by the `bucket` property)."""
    types = {
        "versioning": aws.S3_VERSIONING,
        "encryption": aws.S3_ENCRYPTION,
        "pab": aws.S3_PUBLIC_ACCESS_BLOCK,
        "policy": aws.S3_POLICY,
    }
    deps = () if by_name else (name,)
    return [Res(aws.S3_BUCKET, name, {"bucket": f"{name}-phys"}, protect=True)] + [
        Res(types[c], f"{name}-{c}", {"bucket": f"{name}-phys"}, depends_on=deps) for c in companions
    ]


ALL_COMPANIONS = ("versioning", "encryption", "pab", "policy")

EKS = {"name": "flow-prod-use1", "version": "1.35"}
CLOSED_VAULT = {"publicNetworkAccess": "Disabled", "networkAcls": {"bypass": "AzureServices", "defaultAction": "Deny"}}
OPEN_VAULT = {"publicNetworkAccess": "Enabled", "networkAcls": {"bypass": "AzureServices", "defaultAction": "Allow"}}
AKS = {"resourceName": "flow-prod-eus"}
GKE = {"name": "flow-prod-usc1"}


def edge(*origins_of: str, pool_depends_on: Sequence[str] = ()) -> list[Res]:
    """A load balancer with one pool; the pool's origins named after `origins_of`."""
    pool = patch(POOL, {"origins": [{"name": o, "address": f"{o}.lb.example.com"} for o in origins_of]})
    return [
        Res(cloudflare.POOL, "pool", pool, depends_on=pool_depends_on),
        Res(cloudflare.LOAD_BALANCER, "lb", LB, depends_on=("pool",)),
    ]


def dr_edge(monitor: Mapping[str, Any]) -> list[Res]:
    """A monitor with `monitor` timing, a pool using it and a load balancer failing over between pools."""
    return [
        Res(cloudflare.MONITOR, "monitor", patch(MONITOR, dict(monitor))),
        Res(cloudflare.POOL, "pool", POOL, depends_on=("monitor",)),
        Res(cloudflare.LOAD_BALANCER, "lb", LB, depends_on=("pool",)),
    ]


def rds(name: str, version: str = "16", group: str | None = None, **changes: Any) -> Res:
    props = patch(RDS, {"engineVersion": version, **changes})
    if group:
        props["parameterGroupName"] = f"{group}-phys"
    return Res(aws.RDS_INSTANCE, name, props, protect=True, depends_on=(group,) if group else ())


def pg_group(name: str, force_ssl: str | None = "1") -> Res:
    parameters = [{"name": "rds.force_ssl", "value": force_ssl}] if force_ssl else []
    return Res(
        aws.RDS_PARAMETER_GROUP, name, {"name": f"{name}-phys", "family": "postgres16", "parameters": parameters}
    )


STACK_CASES = [
    # every S3 bucket has its companions; every Azure account its blob service properties
    StackCase("storage-bucket-companions", "compliant", "all-by-dependency", s3("data", *ALL_COMPANIONS), []),
    StackCase("storage-bucket-companions", "compliant", "all-by-name", s3("data", *ALL_COMPANIONS, by_name=True), []),
    StackCase(
        "storage-bucket-companions", "violating", "no-encryption", s3("data", "versioning", "pab", "policy"), ["data"]
    ),
    StackCase("storage-bucket-companions", "missing", "bare-bucket", s3("data"), ["data"] * 4),
    StackCase(
        "storage-bucket-companions",
        "violating",
        "other-bucket-companions",
        s3("data") + s3("logs", *ALL_COMPANIONS),
        ["data"] * 4,
    ),
    StackCase(
        "storage-bucket-companions",
        "compliant",
        "azure-account",
        [
            Res(azure.STORAGE_ACCOUNT, "sa", {"accountName": "flowprodeus"}),
            Res(azure.BLOB_SERVICE, "blob", {"accountName": "flowprodeus"}, depends_on=("sa",)),
        ],
        [],
    ),
    StackCase(
        "storage-bucket-companions",
        "violating",
        "azure-account-bare",
        [Res(azure.STORAGE_ACCOUNT, "sa", {"accountName": "flowprodeus"})],
        ["sa"],
    ),
    # stateful resources protected in prod
    StackCase(
        "prod-stateful-protected",
        "compliant",
        "protected",
        [rds("db"), Res(gcp.BUCKET, "gcs", {}, protect=True), Res(aws.VPC, "vpc", {})],
        [],
    ),
    StackCase(
        "prod-stateful-protected",
        "violating",
        "unprotected",
        [rds("db"), Res(azure.KEY_VAULT, "kv", {}), Res(gcp.SQL_INSTANCE, "sql", {})],
        ["kv", "sql"],
    ),
    StackCase(
        "prod-stateful-protected",
        "override",
        "dev-not-applicable",
        [Res(azure.KEY_VAULT, "kv", {})],
        [],
        environment="dev",
    ),
    # clusters are origins of a pool the load balancer uses
    StackCase("clusters-in-load-balancer", "compliant", "no-edge-yet", [Res(aws.EKS_CLUSTER, "eks", EKS)], []),
    StackCase(
        "clusters-in-load-balancer",
        "compliant",
        "by-origin-name",
        [Res(aws.EKS_CLUSTER, "eks", EKS), *edge("flow-prod-use1")],
        [],
    ),
    StackCase(
        "clusters-in-load-balancer",
        "compliant",
        "through-provider",
        [
            Res(gcp.GKE_CLUSTER, "gke", GKE),
            Res("pulumi:providers:kubernetes", "k8s", {"kubeconfig": "x"}, depends_on=("gke",)),
            Res("kubernetes:core/v1:Service", "ingress", {}, provider="k8s"),
            *edge("somewhere", pool_depends_on=("ingress",)),
        ],
        [],
    ),
    StackCase(
        "clusters-in-load-balancer",
        "violating",
        "cluster-left-out",
        [Res(aws.EKS_CLUSTER, "eks", EKS), Res(azure.AKS_CLUSTER, "aks", AKS), *edge("flow-prod-use1")],
        ["aks"],
    ),
    StackCase(
        "clusters-in-load-balancer",
        "violating",
        "pool-not-in-balancer",
        [
            Res(aws.EKS_CLUSTER, "eks", EKS),
            Res(cloudflare.POOL, "orphan", patch(POOL, {"origins": [{"name": "flow-prod-use1", "address": "x"}]})),
            Res(cloudflare.LOAD_BALANCER, "lb", LB),
        ],
        ["eks"],
    ),
    # VPC flow logs
    StackCase(
        "aws-vpc-flow-logs",
        "compliant",
        "all-traffic",
        [Res(aws.VPC, "vpc", {}), Res(aws.FLOW_LOG, "fl", {"trafficType": "ALL"}, depends_on=("vpc",))],
        [],
    ),
    StackCase(
        "aws-vpc-flow-logs",
        "violating",
        "rejects-only",
        [Res(aws.VPC, "vpc", {}), Res(aws.FLOW_LOG, "fl", {"trafficType": "REJECT"}, depends_on=("vpc",))],
        ["vpc"],
    ),
    StackCase("aws-vpc-flow-logs", "missing", "no-flow-log", [Res(aws.VPC, "vpc", {})], ["vpc"]),
    # Azure resource logs (azure G2)
    StackCase(
        "azure-resource-logs",
        "compliant",
        "nsg-storage-log",
        [
            Res(azure.NSG, "nsg", {}),
            Res(azure.STORAGE_ACCOUNT, "sa", {}),
            *(
                Res(azure.DIAGNOSTIC_SETTING, f"{r}-logs", {"logs": [{"categoryGroup": "allLogs", "enabled": True}]},
                    depends_on=(r,))
                for r in ("nsg", "sa")
            ),
        ],
        [],
    ),
    StackCase(
        "azure-resource-logs",
        "violating",
        "logs-disabled",
        [
            Res(azure.NSG, "nsg", {}),
            Res(azure.DIAGNOSTIC_SETTING, "nsg-logs", {"logs": [{"categoryGroup": "allLogs", "enabled": False}]},
                depends_on=("nsg",)),
        ],
        ["nsg"],
    ),
    StackCase(
        "azure-resource-logs",
        "missing",
        "no-setting",
        [Res(azure.NSG, "nsg", {}), Res(azure.STORAGE_ACCOUNT, "sa", {})],
        ["nsg", "sa"],
    ),
    # Key Vaults holding secrets and CMKs are closed; the AKS KMS vault alone may be public (azure R6)
    StackCase(
        "azure-keyvault-secrets-private",
        "compliant",
        "closed-vault-and-public-kms-vault",
        [
            Res(azure.KEY_VAULT, "vault", {"vaultName": "v1", "properties": CLOSED_VAULT}),
            Res(azure.KEY_VAULT_KEY, "pg-key", {"vaultName": "v1"}, depends_on=("vault",)),
            Res(azure.KEY_VAULT_SECRET, "db-password", {"vaultName": "v1"}, depends_on=("vault",)),
            Res(azure.KEY_VAULT, "kms-vault", {"vaultName": "k1", "properties": OPEN_VAULT}),
            Res(azure.KEY_VAULT_KEY, "aks-key", {"vaultName": "k1"}, depends_on=("kms-vault",)),
            Res(azure.AKS_CLUSTER, "aks", AKS, depends_on=("aks-key",)),
        ],
        [],
    ),
    StackCase(
        "azure-keyvault-secrets-private",
        "violating",
        "secrets-in-a-public-vault",
        [
            Res(azure.KEY_VAULT, "vault", {"vaultName": "v1", "properties": OPEN_VAULT}),
            Res(azure.KEY_VAULT_SECRET, "db-password", {"vaultName": "v1"}, depends_on=("vault",)),
        ],
        ["vault"],
    ),
    StackCase(
        "azure-keyvault-secrets-private",
        "violating",
        "cmk-beside-the-kms-key-only-denied-by-default",
        [
            Res(azure.KEY_VAULT, "kms-vault", {"vaultName": "k1", "properties": {**CLOSED_VAULT,
                "publicNetworkAccess": "Enabled", "networkAcls": {"defaultAction": "Allow"}}}),
            Res(azure.KEY_VAULT_KEY, "aks-key", {"vaultName": "k1"}, depends_on=("kms-vault",)),
            Res(azure.KEY_VAULT_KEY, "storage-key", {"vaultName": "k1"}),  # linked by name only
            Res(azure.AKS_CLUSTER, "aks", AKS, depends_on=("aks-key",)),
            Res(azure.KEY_VAULT, "half", {"vaultName": "h1", "properties": {"publicNetworkAccess": "Disabled"}}),
            Res(azure.KEY_VAULT_SECRET, "conn", {"vaultName": "h1"}, depends_on=("half",)),
        ],
        ["kms-vault", "half"],
    ),
    # S3 server access logging
    StackCase(
        "aws-s3-access-logging",
        "compliant",
        "data-logs-to-log-bucket",
        [
            Res(aws.S3_BUCKET, "logs", {"bucket": "logs-phys"}, protect=True),
            Res(aws.S3_BUCKET, "data", {"bucket": "data-phys"}, protect=True),
            Res(
                aws.S3_LOGGING,
                "data-logging",
                {"bucket": "data-phys", "targetBucket": "logs-phys", "targetPrefix": "data-phys/"},
                depends_on=("data", "logs"),
            ),
        ],
        [],
    ),
    StackCase(
        "aws-s3-access-logging",
        "violating",
        "bucket-without-logging",
        [
            Res(aws.S3_BUCKET, "logs", {"bucket": "logs-phys"}, protect=True),
            Res(aws.S3_BUCKET, "data", {"bucket": "data-phys"}, protect=True),
            Res(aws.S3_BUCKET, "backups", {"bucket": "backups-phys"}, protect=True),
            Res(
                aws.S3_LOGGING,
                "data-logging",
                {"bucket": "data-phys", "targetBucket": "logs-phys", "targetPrefix": "d/"},
                depends_on=("data", "logs"),
            ),
        ],
        ["backups"],
    ),
    StackCase(
        "aws-s3-access-logging",
        "violating",
        "logs-into-itself",
        [
            Res(aws.S3_BUCKET, "logs", {"bucket": "logs-phys"}, protect=True),
            Res(
                aws.S3_LOGGING,
                "self",
                {"bucket": "logs-phys", "targetBucket": "logs-phys", "targetPrefix": "x/"},
                depends_on=("logs",),
            ),
        ],
        ["logs"],
    ),
    StackCase(
        "aws-s3-access-logging",
        "missing",
        "no-logging-at-all",
        [Res(aws.S3_BUCKET, "data", {"bucket": "data-phys"}, protect=True)],
        ["data"],
    ),
    # AWS providers pinned to the account
    StackCase(
        "aws-provider-account-pinned",
        "compliant",
        "json-list",
        [Res("pulumi:providers:aws", "use1", {"region": "us-east-1", "allowedAccountIds": '["210987654321"]'})],
        [],
    ),
    StackCase(
        "aws-provider-account-pinned",
        "violating",
        "empty-list",
        [Res("pulumi:providers:aws", "use1", {"region": "us-east-1", "allowedAccountIds": "[]"})],
        ["use1"],
    ),
    StackCase(
        "aws-provider-account-pinned",
        "missing",
        "not-set",
        [Res("pulumi:providers:aws", "use1", {"region": "us-east-1"})],
        ["use1"],
    ),
    # RDS exported logs into pre-created groups
    StackCase(
        "aws-rds-log-groups-precreated",
        "compliant",
        "both-groups-first",
        [
            Res(aws.LOG_GROUP, "pg", {"name": "/aws/rds/instance/db/postgresql"}),
            Res(aws.LOG_GROUP, "up", {"name": "/aws/rds/instance/db/upgrade"}),
            Res(
                aws.RDS_INSTANCE,
                "db",
                patch(RDS, {"enabledCloudwatchLogsExports": ["postgresql", "upgrade"]}),
                protect=True,
                depends_on=("pg", "up"),
            ),
        ],
        [],
    ),
    StackCase(
        "aws-rds-log-groups-precreated",
        "violating",
        "group-missing",
        [
            Res(aws.LOG_GROUP, "pg", {"name": "/aws/rds/instance/db/postgresql"}),
            Res(
                aws.RDS_INSTANCE,
                "db",
                patch(RDS, {"enabledCloudwatchLogsExports": ["postgresql", "upgrade"]}),
                protect=True,
                depends_on=("pg",),
            ),
        ],
        ["db"],
    ),
    StackCase(
        "aws-rds-log-groups-precreated",
        "violating",
        "not-waited-for",
        [
            Res(aws.LOG_GROUP, "pg", {"name": "/aws/rds/instance/db/postgresql"}),
            Res(aws.RDS_INSTANCE, "db", patch(RDS, {"enabledCloudwatchLogsExports": ["postgresql"]}), protect=True),
        ],
        ["db"],
    ),
    StackCase("aws-rds-log-groups-precreated", "missing", "no-exports", [rds("db")], []),
    # two tunnels per VPN peer
    StackCase(
        "vpn-redundant-tunnels",
        "compliant",
        "aws-one-connection",
        [Res(aws.CUSTOMER_GATEWAY, "cgw", {}), Res(aws.VPN_CONNECTION, "vpn", {}, depends_on=("cgw",))],
        [],
    ),
    StackCase(
        "vpn-redundant-tunnels",
        "missing",
        "aws-peer-without-connection",
        [Res(aws.CUSTOMER_GATEWAY, "cgw", {})],
        ["cgw"],
    ),
    StackCase(
        "vpn-redundant-tunnels",
        "compliant",
        "gcp-two-tunnels",
        [
            Res(gcp.EXTERNAL_VPN_GATEWAY, "peer", {"redundancyType": "FOUR_IPS_REDUNDANCY"}),
            Res(gcp.VPN_TUNNEL, "t0", {}, depends_on=("peer",)),
            Res(gcp.VPN_TUNNEL, "t1", {}, depends_on=("peer",)),
        ],
        [],
    ),
    StackCase(
        "vpn-redundant-tunnels",
        "violating",
        "gcp-one-tunnel",
        [Res(gcp.EXTERNAL_VPN_GATEWAY, "peer", {}), Res(gcp.VPN_TUNNEL, "t0", {}, depends_on=("peer",))],
        ["peer"],
    ),
    StackCase(
        "vpn-redundant-tunnels",
        "compliant",
        "azure-active-active",
        [
            Res(azure.VPN_GATEWAY, "vng", {"activeActive": True}),
            Res(azure.LOCAL_GATEWAY, "lng", {}),
            Res(azure.VPN_CONNECTION, "conn", {}, depends_on=("vng", "lng")),
        ],
        [],
    ),
    StackCase(
        "vpn-redundant-tunnels",
        "violating",
        "azure-single-instance",
        [
            Res(azure.VPN_GATEWAY, "vng", {"activeActive": False}),
            Res(azure.LOCAL_GATEWAY, "lng", {}),
            Res(azure.VPN_CONNECTION, "conn", {}, depends_on=("vng", "lng")),
        ],
        ["lng"],
    ),
    StackCase(
        "vpn-redundant-tunnels",
        "override",
        "azure-one-tunnel-allowed",
        [
            Res(azure.VPN_GATEWAY, "vng", {}),
            Res(azure.LOCAL_GATEWAY, "lng", {}),
            Res(azure.VPN_CONNECTION, "conn", {}, depends_on=("vng", "lng")),
        ],
        [],
        config={"minTunnelsPerPeer": 1},
    ),
    # EKS workload identity
    StackCase(
        "aws-eks-workload-identity",
        "compliant",
        "irsa",
        [Res(aws.EKS_CLUSTER, "eks", EKS), Res(aws.IAM_OIDC_PROVIDER, "oidc", {}, depends_on=("eks",))],
        [],
    ),
    StackCase(
        "aws-eks-workload-identity",
        "compliant",
        "pod-identity",
        [
            Res(aws.EKS_CLUSTER, "eks", EKS),
            Res(aws.EKS_ADDON, "pia", {"addonName": "eks-pod-identity-agent"}, depends_on=("eks",)),
        ],
        [],
    ),
    StackCase(
        "aws-eks-workload-identity",
        "violating",
        "other-addon-only",
        [Res(aws.EKS_CLUSTER, "eks", EKS), Res(aws.EKS_ADDON, "cni", {"addonName": "vpc-cni"}, depends_on=("eks",))],
        ["eks"],
    ),
    # Azure audit diagnostics
    StackCase(
        "azure-audit-diagnostics",
        "compliant",
        "audit-group",
        [
            Res(azure.AKS_CLUSTER, "aks", AKS),
            Res(azure.KEY_VAULT, "kv", {}),
            Res(
                azure.DIAGNOSTIC_SETTING,
                "aks-diag",
                {"logs": [{"categoryGroup": "audit", "enabled": True}]},
                depends_on=("aks",),
            ),
            Res(
                azure.DIAGNOSTIC_SETTING,
                "kv-diag",
                {"logs": [{"category": "AuditEvent", "enabled": True}]},
                depends_on=("kv",),
            ),
        ],
        [],
    ),
    StackCase(
        "azure-audit-diagnostics",
        "violating",
        "disabled-category",
        [
            Res(azure.AKS_CLUSTER, "aks", AKS),
            Res(
                azure.DIAGNOSTIC_SETTING,
                "diag",
                {
                    "logs": [
                        {"category": "kube-audit", "enabled": False},
                        {"category": "kube-apiserver", "enabled": True},
                    ]
                },
                depends_on=("aks",),
            ),
        ],
        ["aks"],
    ),
    StackCase("azure-audit-diagnostics", "missing", "no-setting", [Res(azure.KEY_VAULT, "kv", {})], ["kv"]),
    # RDS TLS through the parameter group
    StackCase("aws-rds-tls-enforced", "compliant", "force-ssl", [pg_group("params"), rds("db", group="params")], []),
    StackCase(
        "aws-rds-tls-enforced",
        "violating",
        "force-ssl-off",
        [pg_group("params", "0"), rds("db", group="params")],
        ["db"],
    ),
    StackCase("aws-rds-tls-enforced", "missing", "old-default-group", [rds("db", version="14.9")], ["db"]),
    # the declared RPO/RTO hold
    StackCase(
        "dr-objectives-met",
        "compliant",
        "pitr-and-fast-failover",
        [rds("db"), Res(gcp.SQL_INSTANCE, "sql", SQL), *dr_edge({"interval": 10, "consecutiveDown": 3})],
        [],
    ),
    StackCase(
        "dr-objectives-met",
        "violating",
        "no-pitr-with-15m-rpo",
        [
            rds("db", backupRetentionPeriod=0),
            Res(
                gcp.SQL_INSTANCE, "sql", patch(SQL, {"settings.backupConfiguration.pointInTimeRecoveryEnabled": False})
            ),
        ],
        ["db", "sql"],
    ),
    StackCase(
        "dr-objectives-met",
        "override",
        "no-pitr-with-2d-rpo",
        [rds("db", backupRetentionPeriod=0)],
        [],
        config={"rpoSeconds": 172800, "rtoSeconds": 300},
    ),
    StackCase(
        "dr-objectives-met",
        "violating",
        "detection-beyond-rto",
        dr_edge({"interval": 120, "consecutiveDown": 3}),
        ["monitor"],
    ),
    StackCase(
        "dr-objectives-met",
        "override",
        "slow-detection-with-long-rto",
        dr_edge({"interval": 120, "consecutiveDown": 3}),
        [],
        config={"rpoSeconds": 900, "rtoSeconds": 600},
    ),
    StackCase(
        "dr-objectives-met",
        "missing",
        "pool-without-monitor-lb-without-fallback",
        [
            Res(cloudflare.POOL, "pool", patch(POOL, {"monitor": None})),
            Res(cloudflare.LOAD_BALANCER, "lb", patch(LB, {"fallbackPool": None})),
        ],
        ["pool", "lb"],
    ),
    StackCase("aws-rds-tls-enforced", "compliant", "pg15-default-group", [rds("db", version="15")], []),
    StackCase(
        "aws-rds-tls-enforced",
        "violating",
        "unmanaged-group",
        [Res(aws.RDS_INSTANCE, "db", patch(RDS, {"parameterGroupName": "external"}))],
        ["db"],
    ),
]


@pytest.mark.parametrize("case", STACK_CASES, ids=lambda c: c.id)
def test_stack_policy(case: StackCase) -> None:
    report = run(case.policy, case.resources, {case.policy: dict(case.config)} if case.config else {}, case.environment)
    assert {v.policy for v in report.violations} <= {case.policy}
    assert sorted(v.resource_name for v in report.violations) == sorted(case.flagged), report.violations


def test_stack_violations_carry_the_resource_urn() -> None:
    report = run("aws-vpc-flow-logs", [Res(aws.VPC, "vpc", {"tags": TAGS})])
    assert [v.resource_urn for v in report.violations] == [urn(aws.VPC, "vpc")]
    assert report.violations[0].level == "mandatory"
