"""The parity contract: the same intent means the same guarantee on every cloud.

`CONTRACT` is the table of docs/PARITY.md (a test keeps the two in sync): each intent, per cloud, is
either a `Guarantee` (how the cloud meets it, and a check on the recorded dev and prod programs) or a
`Gap` (why that cloud cannot meet it). Run `python -m tests.test_parity` to rewrite the doc table.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pytest

from scripts.offline import Recording, Registration
from tests.conftest import ROOT, recorded_stack, stack_settings

CLOUDS = ("aws", "azure", "gcp")
PARITY_DOC = ROOT / "docs" / "PARITY.md"
Check = Callable[[Recording, Recording], None]
"""Asserts the guarantee on the (dev, prod) recordings."""


@dataclass(frozen=True)
class Guarantee:
    """How a cloud meets an intent, and the check that proves it; `partial`: the part of the intent that cloud
    cannot meet, and why (shown as a gap in the same cell)."""

    how: str
    check: Check
    partial: str = ""


@dataclass(frozen=True)
class Gap:
    """Why a cloud cannot (yet) meet an intent."""

    why: str


def of(
    rec: Recording, resource_type: str, where: Callable[[Registration], bool] = lambda r: True
) -> list[Registration]:
    """Registrations of one type (at least one must exist, or the check proves nothing)."""
    found = [r for r in rec.of_type(resource_type) if where(r)]
    assert found, f"no {resource_type} in the {rec.stack} recording"
    return found


def get(resource: Registration, path: str) -> Any:
    """`get(r, "vpcConfig.endpointPublicAccess")`: a nested input, None where absent."""
    value: Any = resource.inputs
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value


def every(
    resource_type: str,
    path: str,
    expected: Any,
    stacks: Iterable[str] = ("dev", "prod"),
    where: Callable[[Registration], bool] = lambda r: True,
) -> Check:
    """Every resource of a type has `path` == `expected` in the given stacks."""

    def check(dev: Recording, prod: Recording) -> None:
        for rec in (r for r in (dev, prod) if r.stack in stacks):
            for resource in of(rec, resource_type, where):
                assert get(resource, path) == expected, f"{resource.name}: {path} = {get(resource, path)!r}"

    return check


def prod_only(resource_type: str, path: str, on: Any, off: Any) -> Check:
    """`path` is `on` in prod and `off` in dev."""

    def check(dev: Recording, prod: Recording) -> None:
        every(resource_type, path, on, ["prod"])(dev, prod)
        every(resource_type, path, off, ["dev"])(dev, prod)

    return check


def all_of(*checks: Check) -> Check:
    """Every check holds."""

    def check(dev: Recording, prod: Recording) -> None:
        for one in checks:
            one(dev, prod)

    return check


def protected_in_prod_only(*resource_types: str) -> Check:
    """Pulumi `protect` on every resource of these types in prod, on none in dev."""

    def check(dev: Recording, prod: Recording) -> None:
        for resource_type in resource_types:
            assert all(r.protect for r in of(prod, resource_type)), resource_type
            assert not any(r.protect for r in of(dev, resource_type)), resource_type

    return check


def retained_everywhere(resource_type: str) -> Check:
    """`retain_on_delete` and no `protect` on every resource of the type, in both stacks: the stack never deletes
    it, and nothing stops the replacement that a change of it is."""

    def check(dev: Recording, prod: Recording) -> None:
        for rec in (dev, prod):
            resources = of(rec, resource_type)
            assert resources, resource_type
            assert all(r.retain_on_delete and not r.protect for r in resources), resource_type

    return check


def locked_in_prod_only(resource_type: str, arm_kind: str) -> Check:
    """Azure's API-level deletion protection: a CanNotDelete lock on every such resource, in prod only."""

    def check(dev: Recording, prod: Recording) -> None:
        for rec, locked in ((prod, True), (dev, False)):
            scopes = {get(lock, "scope") for lock in rec.of_type(LOCK) if get(lock, "level") == "CanNotDelete"}
            for resource in of(rec, resource_type):
                has_lock = any(f"/{arm_kind}/" in scope and scope.endswith(_arm_name(resource)) for scope in scopes)
                assert has_lock is locked, f"{resource.name}: lock {has_lock} in {rec.stack}"

    return check


def not_locked(*resource_types: str) -> Check:
    """No management lock on any resource of these types (a lock there would block the stack's own changes)."""

    def check(dev: Recording, prod: Recording) -> None:
        for rec in (dev, prod):
            scopes = {get(lock, "scope") for lock in rec.of_type(LOCK)}
            for resource_type in resource_types:
                assert not [r.name for r in of(rec, resource_type) if r.id in scopes], resource_type

    return check


def _arm_name(resource: Registration) -> str:
    for key in ("resourceName", "serverName", "accountName", "vaultName"):
        if key in resource.inputs:
            return f"/{resource.inputs[key]}"
    raise AssertionError(f"{resource.name}: no ARM name")


def has(
    resource_type: str, predicate: Callable[[Registration], bool], what: str, stacks: Iterable[str] = ("dev", "prod")
) -> Check:
    """Every resource of a type satisfies `predicate` (described by `what`)."""

    def check(dev: Recording, prod: Recording) -> None:
        for rec in (r for r in (dev, prod) if r.stack in stacks):
            for resource in of(rec, resource_type):
                assert predicate(resource), f"{resource.name}: not {what}"

    return check


def some(
    resource_type: str, predicate: Callable[[Registration], bool], what: str, stacks: Iterable[str] = ("dev", "prod")
) -> Check:
    """At least one resource of a type satisfies `predicate` in each given stack."""

    def check(dev: Recording, prod: Recording) -> None:
        for rec in (r for r in (dev, prod) if r.stack in stacks):
            assert any(predicate(r) for r in of(rec, resource_type)), f"{rec.stack}: no {what}"

    return check


# --- type tokens ----------------------------------------------------------------------------------
EKS, NODE_GROUP, OIDC = (
    "aws:eks/cluster:Cluster",
    "aws:eks/nodeGroup:NodeGroup",
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
)
RDS, S3, S3_VERSIONING = "aws:rds/instance:Instance", "aws:s3/bucket:Bucket", "aws:s3/bucketVersioning:BucketVersioning"
S3_SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
S3_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
S3_LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
KMS_KEY = "aws:kms/key:Key"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
AKS, AGENT_POOL = "azure-native:containerservice:ManagedCluster", "azure-native:containerservice:AgentPool"
FLEX, STORAGE = "azure-native:dbforpostgresql:Server", "azure-native:storage:StorageAccount"
BLOB_SERVICE, CONTAINER = "azure-native:storage:BlobServiceProperties", "azure-native:storage:BlobContainer"
MGMT_POLICY, DIAGNOSTICS = "azure-native:storage:ManagementPolicy", "azure-native:monitor:DiagnosticSetting"
LOG_WORKSPACE = "azure-native:operationalinsights:Workspace"
VAULT, VAULT_KEY, LOCK = (
    "azure-native:keyvault:Vault",
    "azure-native:keyvault:Key",
    "azure-native:authorization:ManagementLockByScope",
)
GKE, GKE_POOL = "gcp:container/cluster:Cluster", "gcp:container/nodePool:NodePool"
CLOUDSQL, GCS = "gcp:sql/databaseInstance:DatabaseInstance", "gcp:storage/bucket:Bucket"
KEY_RING, CRYPTO_KEY = "gcp:kms/keyRing:KeyRing", "gcp:kms/cryptoKey:CryptoKey"


def allow_listed_in_dev(resource_type: str, addresses: Callable[[Registration], list[str] | None]) -> Check:
    """A public API in dev answers only the configured `kubernetes.public_access_cidrs`; prod lists none."""

    def check(dev: Recording, prod: Recording) -> None:
        allowed = [str(cidr) for cidr in stack_settings("dev").kubernetes.public_access_cidrs]
        assert allowed and "0.0.0.0/0" not in allowed
        for resource in of(dev, resource_type):
            assert addresses(resource) == allowed, f"{resource.name}: {addresses(resource)}"
        for resource in of(prod, resource_type):
            assert not addresses(resource), f"{resource.name}: {addresses(resource)}"

    return check


def _spot_taint(resource: Registration, key: str) -> bool:
    return any(t.get("key") == key and t.get("effect") == "NO_SCHEDULE" for t in resource.inputs.get("taints", []))


def _no_kubelet_grants(dev: Recording, prod: Recording) -> None:
    """Every role assignment built from an AKS cluster's outputs (which is where the kubelet identity's object id
    comes from) names a configured principal, never an identity of the cluster (what a pod reaching IMDS acts as)."""
    for rec in (dev, prod):
        deployer = stack_settings(rec.stack).deployer
        configured = {deployer.azure.object_id} if deployer and deployer.azure else set()
        if deployer and deployer.preview and deployer.preview.azure:  # the PR previews' read-only identity
            configured.add(deployer.preview.azure.object_id)
        clusters = {r.urn for r in rec.resources if r.type == AKS}
        for assignment in rec.of_type("azure-native:authorization:RoleAssignment"):
            if set(assignment.dependencies) & clusters:
                assert assignment.inputs.get("principalId") in configured, assignment.name


def _aks_audit(resource: Registration) -> bool:
    logs = {entry.get("category") for entry in resource.inputs.get("logs", []) if entry.get("enabled")}
    on_aks = "/managedClusters/" in str(resource.inputs.get("resourceUri"))
    return on_aks and {"kube-audit-admin", "kube-apiserver"} <= logs


CONTRACT: dict[str, dict[str, Guarantee | Gap]] = {
    "Private cluster API in prod": {
        "aws": Guarantee(
            "EKS endpointPublicAccess off, private access on (dev: public, allow-listed)",
            all_of(
                prod_only(EKS, "vpcConfig.endpointPublicAccess", False, True),
                every(EKS, "vpcConfig.endpointPrivateAccess", True),
                allow_listed_in_dev(EKS, lambda r: get(r, "vpcConfig.publicAccessCidrs")),
            ),
        ),
        "azure": Guarantee(
            "AKS private cluster (dev: authorised IP ranges)",
            all_of(
                prod_only(AKS, "apiServerAccessProfile.enablePrivateCluster", True, False),
                allow_listed_in_dev(AKS, lambda r: get(r, "apiServerAccessProfile.authorizedIPRanges")),
            ),
        ),
        "gcp": Guarantee(
            "GKE private endpoint and private nodes, admitting the in-network runner (dev: master authorised "
            "networks)",
            all_of(
                prod_only(GKE, "privateClusterConfig.enablePrivateEndpoint", True, False),
                every(GKE, "privateClusterConfig.enablePrivateNodes", True),
                allow_listed_in_dev(
                    GKE,
                    lambda r: [
                        b["cidrBlock"]
                        for b in get(r, "masterAuthorizedNetworksConfig.cidrBlocks") or []
                        if get(r, "privateClusterConfig.enablePrivateEndpoint") is False
                    ],
                ),
            ),
        ),
    },
    "Workload identity": {
        "aws": Guarantee(
            "IAM OIDC provider for the cluster issuer (IRSA), audience sts.amazonaws.com",
            every(OIDC, "clientIdLists", ["sts.amazonaws.com"]),
        ),
        "azure": Guarantee(
            "OIDC issuer and workload identity enabled",
            all_of(
                every(AKS, "oidcIssuerProfile.enabled", True),
                every(AKS, "securityProfile.workloadIdentity.enabled", True),
            ),
        ),
        "gcp": Guarantee(
            "Workload pool <project>.svc.id.goog, GKE_METADATA on every pool",
            all_of(
                has(
                    GKE,
                    lambda r: str(get(r, "workloadIdentityConfig.workloadPool")).endswith(".svc.id.goog"),
                    "a workload pool",
                ),
                every(GKE_POOL, "nodeConfig.workloadMetadataConfig.mode", "GKE_METADATA"),
            ),
        ),
    },
    "Node credentials out of pods' reach": {
        "aws": Guarantee(
            "Every node group through a launch template with IMDSv2 required and hop limit 1",
            all_of(
                has(NODE_GROUP, lambda r: bool(get(r, "launchTemplate.id")), "launched from a template"),
                every(LAUNCH_TEMPLATE, "metadataOptions.httpTokens", "required"),
                every(LAUNCH_TEMPLATE, "metadataOptions.httpPutResponseHopLimit", 1),
            ),
        ),
        "azure": Guarantee(
            "Pods act as their own workload identity, and the program grants the kubelet identity no role",
            all_of(
                every(AKS, "securityProfile.workloadIdentity.enabled", True),
                lambda dev, prod: _no_kubelet_grants(dev, prod),
            ),
            partial="AKS pods can still reach the node's instance metadata and the kubelet identity's tokens: the "
            "IMDS restriction is an AKS preview, not in the azure-native 3.29 API",
        ),
        "gcp": Guarantee(
            "GKE metadata server (GKE_METADATA) on every pool: pods never see the node service account",
            every(GKE_POOL, "nodeConfig.workloadMetadataConfig.mode", "GKE_METADATA"),
        ),
    },
    "Control-plane audit logs": {
        "aws": Guarantee(
            "EKS audit (and all other) control-plane log types",
            has(EKS, lambda r: "audit" in r.inputs["enabledClusterLogTypes"], "audit-logged"),
        ),
        "azure": Guarantee(
            "Diagnostic setting: kube-audit-admin (and kube-apiserver) to a daily-capped Log Analytics workspace",
            all_of(
                some(DIAGNOSTICS, _aks_audit, "kube-audit-admin and kube-apiserver diagnostic setting on AKS"),
                has(LOG_WORKSPACE, lambda r: float(get(r, "workspaceCapping.dailyQuotaGb") or 0) > 0, "capped"),
            ),
        ),
        "gcp": Guarantee(
            "Cloud Audit Logs (Admin Activity, always on) plus API server logs",
            has(GKE, lambda r: "APISERVER" in get(r, "loggingConfig.enableComponents"), "API-logged"),
        ),
    },
    "Secrets encryption with a customer key": {
        "aws": Guarantee(
            "EKS envelope encryption of secrets with a KMS key",
            has(
                EKS,
                lambda r: (
                    get(r, "encryptionConfig.resources") == ["secrets"]
                    and bool(get(r, "encryptionConfig.provider.keyArn"))
                ),
                "KMS-encrypted",
            ),
        ),
        "azure": Guarantee(
            "AKS KMS with a Key Vault key",
            all_of(
                every(AKS, "securityProfile.azureKeyVaultKms.enabled", True),
                has(AKS, lambda r: bool(get(r, "securityProfile.azureKeyVaultKms.keyId")), "keyed"),
            ),
        ),
        "gcp": Guarantee(
            "GKE application-layer secrets encryption with Cloud KMS",
            all_of(
                every(GKE, "databaseEncryption.state", "ENCRYPTED"),
                has(GKE, lambda r: "/cryptoKeys/" in str(get(r, "databaseEncryption.keyName")), "keyed"),
            ),
        ),
    },
    "Tainted spot pool": {
        "aws": Guarantee(
            "Managed node group capacityType SPOT, taint aws.amazon.com/spot",
            some(
                NODE_GROUP,
                lambda r: r.inputs.get("capacityType") == "SPOT" and _spot_taint(r, "aws.amazon.com/spot"),
                "tainted spot node group",
            ),
        ),
        "azure": Guarantee(
            "Spot agent pool, eviction Delete, taint kubernetes.azure.com/scalesetpriority=spot",
            some(
                AGENT_POOL,
                lambda r: (
                    r.inputs.get("scaleSetPriority") == "Spot"
                    and r.inputs.get("scaleSetEvictionPolicy") == "Delete"
                    and "kubernetes.azure.com/scalesetpriority=spot:NoSchedule" in r.inputs["nodeTaints"]
                ),
                "tainted spot pool",
            ),
        ),
        "gcp": Guarantee(
            "Spot node pool, taint cloud.google.com/gke-spot",
            some(
                GKE_POOL,
                lambda r: (
                    get(r, "nodeConfig.spot") is True
                    and any(t.get("key") == "cloud.google.com/gke-spot" for t in get(r, "nodeConfig.taints") or [])
                ),
                "tainted spot pool",
            ),
        ),
    },
    "GPU pool scaling from zero": {
        "aws": Guarantee(
            "NVIDIA AMI node group, min 0, taint nvidia.com/gpu; the Cluster Autoscaler (Pod Identity, its cluster's"
            " minor) scales it, the NVIDIA device plugin on its nodes advertises nvidia.com/gpu",
            all_of(
                some(
                    NODE_GROUP,
                    lambda r: (
                        r.inputs.get("amiType") == "AL2023_x86_64_NVIDIA"
                        and get(r, "scalingConfig.minSize") == 0
                        and _spot_taint(r, "nvidia.com/gpu")
                    ),
                    "GPU node group from zero",
                ),
                some(HELM_RELEASE, lambda r: r.inputs.get("chart") == "cluster-autoscaler", "Cluster Autoscaler"),
                some(
                    HELM_RELEASE,
                    lambda r: r.inputs.get("chart") == "nvidia-device-plugin"
                    and any(t.get("key") == "nvidia.com/gpu" for t in get(r, "values.tolerations") or []),
                    "NVIDIA device plugin tolerating the GPU taint",
                ),
            ),
        ),
        "azure": Guarantee(
            "GPU agent pool, minCount 0, taint nvidia.com/gpu (prod stack)",
            some(
                AGENT_POOL,
                lambda r: r.inputs.get("minCount") == 0 and "nvidia.com/gpu=true:NoSchedule" in r.inputs["nodeTaints"],
                "GPU pool from zero",
                stacks=["prod"],
            ),
        ),
        "gcp": Guarantee(
            "G2/A2 node pool with its guest accelerators, min 0 (GKE taints nvidia.com/gpu) (prod stack)",
            some(
                GKE_POOL,
                lambda r: get(r, "autoscaling.totalMinNodeCount") == 0 and bool(get(r, "nodeConfig.guestAccelerators")),
                "GPU pool from zero",
                stacks=["prod"],
            ),
        ),
    },
    "HA PostgreSQL in prod": {
        "aws": Guarantee("RDS Multi-AZ (dev: single-AZ)", prod_only(RDS, "multiAz", True, False)),
        "azure": Guarantee(
            "Flexible Server ZoneRedundant HA (dev: none)",
            all_of(
                every(FLEX, "highAvailability.mode", "ZoneRedundant", ["prod"]),
                has(FLEX, lambda r: get(r, "highAvailability.mode") in (None, "Disabled"), "non-HA", ["dev"]),
            ),
        ),
        "gcp": Guarantee(
            "Cloud SQL REGIONAL (dev: ZONAL)", prod_only(CLOUDSQL, "settings.availabilityType", "REGIONAL", "ZONAL")
        ),
    },
    "Point-in-time recovery": {
        "aws": Guarantee(
            "RDS automated backups (PITR within retention), 7 days in prod",
            every(RDS, "backupRetentionPeriod", 7, ["prod"]),
        ),
        "azure": Guarantee(
            "Flexible Server PITR within backup retention, 7 days in prod",
            every(FLEX, "backup.backupRetentionDays", 7, ["prod"]),
        ),
        "gcp": Guarantee(
            "Cloud SQL pointInTimeRecoveryEnabled, backups at 03:00",
            all_of(
                every(CLOUDSQL, "settings.backupConfiguration.pointInTimeRecoveryEnabled", True),
                every(CLOUDSQL, "settings.backupConfiguration.startTime", "03:00"),
            ),
        ),
    },
    "Private-only database": {
        "aws": Guarantee(
            "publiclyAccessible false, private subnets, 5432 from platform CIDRs only",
            every(RDS, "publiclyAccessible", False),
        ),
        "azure": Guarantee(
            "Public network access disabled, delegated subnet, private DNS zone",
            all_of(
                every(FLEX, "network.publicNetworkAccess", "Disabled"),
                has(FLEX, lambda r: bool(get(r, "network.delegatedSubnetResourceId")), "delegated"),
                has(
                    FLEX,
                    lambda r: str(get(r, "network.privateDnsZoneArmResourceId")).endswith(
                        ".private.postgres.database.azure.com"
                    ),
                    "resolved in a private DNS zone",
                ),
            ),
        ),
        "gcp": Guarantee(
            "Cloud SQL ipv4Enabled false, private IP on the VPC",
            all_of(
                every(CLOUDSQL, "settings.ipConfiguration.ipv4Enabled", False),
                has(
                    CLOUDSQL, lambda r: bool(get(r, "settings.ipConfiguration.privateNetwork")), "on a private network"
                ),
            ),
        ),
    },
    "Deletion protection at both layers in prod": {
        "aws": Guarantee(
            "EKS and RDS deletionProtection plus Pulumi protect",
            all_of(
                prod_only(EKS, "deletionProtection", True, False),
                prod_only(RDS, "deletionProtection", True, False),
                protected_in_prod_only(EKS, RDS),
            ),
        ),
        "azure": Guarantee(
            "A CanNotDelete lock on the Flexible Server (Azure has no per-resource flag); vaults recoverable through "
            "soft delete and purge protection; no lock where the stack keeps grants or pools underneath (AKS, "
            "storage, vaults); plus Pulumi protect",
            all_of(
                locked_in_prod_only(FLEX, "flexibleServers"),
                not_locked(AKS, STORAGE, VAULT),
                has(VAULT, lambda r: get(r, "properties.enablePurgeProtection") is True, "purge-protected"),
                protected_in_prod_only(AKS, FLEX, STORAGE, VAULT),
            ),
        ),
        "gcp": Guarantee(
            "Cloud SQL deletionProtectionEnabled (API) and deletionProtection (provider); GKE deletionProtection "
            "(provider); GCS without forceDestroy; protect",
            all_of(
                prod_only(GKE, "deletionProtection", True, False),
                prod_only(CLOUDSQL, "deletionProtection", True, False),
                prod_only(CLOUDSQL, "settings.deletionProtectionEnabled", True, False),
                every(GCS, "forceDestroy", False, ["prod"]),
                protected_in_prod_only(GKE, CLOUDSQL, GCS),
            ),
            partial="GKE and GCS have no API-level deletion flag: GKE's deletionProtection only stops Pulumi and "
            "Terraform, and the GCS API only refuses to delete a bucket that still holds objects",
        ),
    },
    "Customer keys for databases and buckets": {
        "aws": Guarantee(
            "RDS storage and S3 SSE-KMS with customer KMS keys (the server-access-log buckets: SSE-S3, the default "
            "encryption S3 log delivery supports)",
            all_of(
                every(RDS, "storageEncrypted", True),
                has(RDS, lambda r: bool(r.inputs.get("kmsKeyId")), "KMS-keyed"),
                has(
                    S3_SSE,
                    lambda r: r.inputs["rules"][0]["applyServerSideEncryptionByDefault"]["sseAlgorithm"]
                    == ("AES256" if "multicloud:aws:AccessLogBucket$" in r.urn else "aws:kms"),
                    "SSE-KMS (SSE-S3 on access-log buckets only)",
                ),
            ),
        ),
        "azure": Guarantee(
            "Flexible Server and storage account encrypted with Key Vault keys",
            all_of(
                every(FLEX, "dataEncryption.type", "AzureKeyVault"),
                every(STORAGE, "encryption.keySource", "Microsoft.Keyvault"),
            ),
        ),
        "gcp": Guarantee(
            "Cloud SQL and GCS CMEK with Cloud KMS keys",
            all_of(
                has(CLOUDSQL, lambda r: "/cryptoKeys/" in str(r.inputs.get("encryptionKeyName")), "CMEK"),
                has(GCS, lambda r: "/cryptoKeys/" in str(get(r, "encryption.defaultKmsKeyName")), "CMEK"),
            ),
        ),
    },
    "Versioned buckets": {
        "aws": Guarantee("BucketVersioning Enabled", every(S3_VERSIONING, "versioningConfiguration.status", "Enabled")),
        "azure": Guarantee(
            "Blob versioning, soft delete and change feed",
            all_of(
                every(BLOB_SERVICE, "isVersioningEnabled", True),
                every(BLOB_SERVICE, "deleteRetentionPolicy.enabled", True),
                every(BLOB_SERVICE, "changeFeed.enabled", True),
            ),
        ),
        "gcp": Guarantee(
            "Object versioning and soft delete; the backups buckets a retention policy instead (GCS allows one or the "
            "other), write-once for its period",
            all_of(
                has(
                    GCS,
                    lambda r: (
                        get(r, "versioning.enabled") is True or int(get(r, "retentionPolicy.retentionPeriod") or 0) > 0
                    ),
                    "versioned or retained",
                ),
                has(GCS, lambda r: (get(r, "softDeletePolicy.retentionDurationSeconds") or 0) > 0, "soft-deleting"),
            ),
        ),
    },
    "Public access blocked": {
        "aws": Guarantee(
            "All four public-access-block flags",
            all_of(
                *(
                    every(S3_BLOCK, flag, True)
                    for flag in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
                )
            ),
        ),
        "azure": Guarantee(
            "allowBlobPublicAccess false, private containers",
            all_of(every(STORAGE, "allowBlobPublicAccess", False), every(CONTAINER, "publicAccess", "None")),
        ),
        "gcp": Guarantee(
            "Public access prevention enforced, uniform bucket-level access",
            all_of(every(GCS, "publicAccessPrevention", "enforced"), every(GCS, "uniformBucketLevelAccess", True)),
        ),
    },
    "Lifecycle rules": {
        "aws": Guarantee(
            "Noncurrent-version expiry and abort of incomplete uploads",
            all_of(
                has(
                    S3_LIFECYCLE,
                    lambda r: any("noncurrentVersionExpiration" in rule for rule in r.inputs["rules"]),
                    "expiring old versions",
                ),
                has(
                    S3_LIFECYCLE,
                    lambda r: any("abortIncompleteMultipartUpload" in rule for rule in r.inputs["rules"]),
                    "aborting incomplete uploads",
                ),
            ),
        ),
        "azure": Guarantee(
            "Management policy deleting old versions per container",
            has(
                MGMT_POLICY,
                lambda r: all("version" in rule["definition"]["actions"] for rule in get(r, "policy.rules")),
                "expiring old versions",
            ),
        ),
        "gcp": Guarantee(
            "Lifecycle rules deleting noncurrent versions",
            has(
                GCS,
                lambda r: any("daysSinceNoncurrentTime" in rule["condition"] for rule in r.inputs["lifecycleRules"]),
                "expiring old versions",
            ),
        ),
    },
    "Stateful resources protected in prod": {
        "aws": Guarantee("protect on EKS, RDS, S3 buckets, KMS keys", protected_in_prod_only(EKS, RDS, S3, KMS_KEY)),
        "azure": Guarantee(
            "protect on AKS, Flexible Server, storage, containers, vaults; Key Vault keys retained on delete "
            "(never deleted by the stack, replaced by a new key when changed)",
            all_of(protected_in_prod_only(AKS, FLEX, STORAGE, CONTAINER, VAULT), retained_everywhere(VAULT_KEY)),
        ),
        "gcp": Guarantee(
            "protect on GKE, Cloud SQL, GCS buckets, key rings and keys",
            protected_in_prod_only(GKE, CLOUDSQL, GCS, KEY_RING, CRYPTO_KEY),
        ),
    },
}

CASES = [(intent, cloud) for intent, clouds in CONTRACT.items() for cloud in CLOUDS]


@pytest.mark.parametrize(("intent", "cloud"), CASES, ids=[f"{i}-{c}" for i, c in CASES])
def test_intent_holds_on_cloud(intent: str, cloud: str) -> None:
    entry = CONTRACT[intent][cloud]
    if isinstance(entry, Gap):  # a gap is documented, never silently skipped: it must really be absent
        pytest.fail(f"{intent} on {cloud} is a documented gap ({entry.why}); the contract has none today")
    entry.check(recorded_stack("dev"), recorded_stack("prod"))


def test_every_intent_covers_every_cloud() -> None:
    assert all(set(clouds) == set(CLOUDS) for clouds in CONTRACT.values())


def test_a_check_fails_on_a_recording_that_breaks_it() -> None:
    prod, dev = recorded_stack("prod"), recorded_stack("dev")
    broken = Recording(stack="prod", resources=[r for r in prod.resources if r.type != S3_BLOCK])
    with pytest.raises(AssertionError, match="no aws:s3/bucketPublicAccessBlock"):
        CONTRACT["Public access blocked"]["aws"].check(dev, broken)  # type: ignore[union-attr]
    dev_as_prod = Recording(stack="prod", resources=dev.resources)  # ZONAL Cloud SQL where prod needs REGIONAL
    with pytest.raises(AssertionError, match="availabilityType = 'ZONAL'"):
        CONTRACT["HA PostgreSQL in prod"]["gcp"].check(dev, dev_as_prod)  # type: ignore[union-attr]


def render_table() -> str:
    """The markdown table of the contract, as docs/PARITY.md holds it."""
    lines = ["| Intent | AWS | Azure | GCP |", "| --- | --- | --- | --- |"]
    for intent, clouds in CONTRACT.items():
        cells = [_cell(clouds[cloud]) for cloud in CLOUDS]
        lines.append(f"| {intent} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _cell(entry: Guarantee | Gap) -> str:
    if isinstance(entry, Gap):
        return f"**gap:** {entry.why}"
    return f"{entry.how}; **gap:** {entry.partial}" if entry.partial else entry.how


def test_doc_table_matches_the_contract() -> None:
    assert render_table() in PARITY_DOC.read_text(), "run `python -m tests.test_parity` to refresh docs/PARITY.md"


if __name__ == "__main__":
    text = PARITY_DOC.read_text()
    start, end = text.index("| Intent |"), text.index("<!-- end of table -->")
    PARITY_DOC.write_text(text[:start] + render_table() + text[end:])
    sys.exit(0)
