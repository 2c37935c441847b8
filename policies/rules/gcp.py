"""GCP (pulumi-gcp 10) resource guardrails: GCS, Cloud SQL, GKE, Cloud KMS, firewall, VPN."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy.proxy import UnknownValueError

from .common import Context, dig, items, mapping, number, ports_outside, provided, public_cidrs, resource_policy

BUCKET = "gcp:storage/bucket:Bucket"
SQL_INSTANCE = "gcp:sql/databaseInstance:DatabaseInstance"
GKE_CLUSTER = "gcp:container/cluster:Cluster"
GKE_NODE_POOL = "gcp:container/nodePool:NodePool"
CRYPTO_KEY = "gcp:kms/cryptoKey:CryptoKey"
FIREWALL = "gcp:compute/firewall:Firewall"
VPN_TUNNEL = "gcp:compute/vPNTunnel:VPNTunnel"
EXTERNAL_VPN_GATEWAY = "gcp:compute/externalVpnGateway:ExternalVpnGateway"
KEY_RING = "gcp:kms/keyRing:KeyRing"
WORKLOAD_IDENTITY_PROVIDER = "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider"
AUDIT_CONFIG = "gcp:projects/iAMAuditConfig:IAMAuditConfig"
LOG_BUCKET = "gcp:logging/projectBucketConfig:ProjectBucketConfig"

AREA = "gcp"
TLS_SSL_MODES = ("ENCRYPTED_ONLY", "TRUSTED_CLIENT_CERTIFICATE_REQUIRED")
GKE_LOG_COMPONENTS = [
    "SYSTEM_COMPONENTS",
    "APISERVER",
    "CONTROLLER_MANAGER",
    "SCHEDULER",
    "WORKLOADS",
    "KCP_CONNECTION",
    "KCP_SSHD",
]


# --- Cloud Storage ---------------------------------------------------------------------------------------


def _bucket_public(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    prevention = props.get("publicAccessPrevention")
    if prevention != "enforced":
        yield f"publicAccessPrevention is {prevention or 'unset (inherited)'}; required: enforced"
    if props.get("uniformBucketLevelAccess") is not True:
        yield "uniformBucketLevelAccess is not true: object ACLs can grant public access"


def _bucket_cmk(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    if not provided(props, "encryption.defaultKmsKeyName"):
        yield "encryption.defaultKmsKeyName is not set: objects use Google-managed keys"


def _retention_days(props: Mapping[str, Any]) -> float:
    seconds = number(dig(props, "retentionPolicy.retentionPeriod"))
    return 0.0 if seconds is None else seconds / 86400


def _bucket_versioning(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    # GCS refuses versioning beside a retention policy, which already keeps every object from deletion and
    # replacement (https://cloud.google.com/storage/docs/bucket-lock#object-versioning).
    if dig(props, "versioning.enabled") is not True and _retention_days(props) <= 0:
        yield "versioning.enabled is not true (and no retention policy keeps the objects instead)"


def _bucket_retention(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    if dig(props, "labels.bucket") not in ctx.config["retainedBuckets"]:
        return
    days, minimum = _retention_days(props), ctx.config["minRetentionDays"]
    if days <= 0:
        yield "retentionPolicy is not set: any principal with storage.objects.delete can delete the backups"
    elif days < minimum:
        yield f"retentionPolicy.retentionPeriod is {days:g} days; required: >= {minimum}"


def _backups_sink_dual_region(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    # The DR sink holds every cloud's copies: one region's outage must not take them (gcp review 20). A configurable
    # dual-region names its two regions (https://cloud.google.com/storage/docs/locations#configurable); turbo
    # replication bounds the second copy's lag to 15 minutes (https://cloud.google.com/storage/docs/managing-turbo-replication).
    if dig(props, "labels.dr") != "sink":
        return
    regions = [r for r in items(dig(props, "customPlacementConfig.dataLocations")) if isinstance(r, str)]
    if len(regions) != 2:
        yield (
            f"location is {props.get('location')} with no customPlacementConfig.dataLocations pair: a single-region "
            "outage takes every cloud's DR copies"
        )
    elif ctx.config["turboReplication"] and props.get("rpo") != "ASYNC_TURBO":
        yield f"rpo is {props.get('rpo') or 'unset (DEFAULT: no replication-time guarantee)'}; required: ASYNC_TURBO"


# --- Cloud SQL -------------------------------------------------------------------------------------------


def _sql_private(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    ip = mapping(dig(props, "settings.ipConfiguration"))
    if ip.get("ipv4Enabled") is not False:
        yield "settings.ipConfiguration.ipv4Enabled is not false (a public IP is the default)"
    networks = [dig(n, "value") for n in items(ip.get("authorizedNetworks"))]
    if public_cidrs(networks):
        yield f"settings.ipConfiguration.authorizedNetworks admits {', '.join(public_cidrs(networks))}"


def _sql_tls(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    mode = dig(props, "settings.ipConfiguration.sslMode")
    if mode not in TLS_SSL_MODES:
        yield f"settings.ipConfiguration.sslMode is {mode or 'unset (ALLOW_UNENCRYPTED_AND_ENCRYPTED)'}"


def _sql_cmk(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    if not provided(props, "encryptionKeyName"):
        yield "encryptionKeyName is not set: data uses Google-managed keys"


def _sql_backups(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    backup = mapping(dig(props, "settings.backupConfiguration"))
    if backup.get("enabled") is not True:
        yield "settings.backupConfiguration.enabled is not true"
        return
    if ctx.config["requirePitr"] and backup.get("pointInTimeRecoveryEnabled") is not True:
        yield "settings.backupConfiguration.pointInTimeRecoveryEnabled is not true"
    kept = number(dig(backup, "backupRetentionSettings.retainedBackups"))
    effective = 7.0 if kept is None else kept  # the service default
    minimum = ctx.config["minRetainedBackups"]
    if effective < minimum:
        yield f"backupRetentionSettings.retainedBackups is {int(effective)}; required: >= {minimum}"


PG_LEVELS = (
    "debug5",
    "debug4",
    "debug3",
    "debug2",
    "debug1",
    "info",
    "notice",
    "warning",
    "error",
    "log",
    "fatal",
    "panic",
)
"""PostgreSQL message levels, most verbose first."""
CIS_FLAGS: dict[str, tuple[str, ...]] = {
    "log_error_verbosity": ("default", "verbose"),  # 6.2.1
    "log_connections": ("on",),  # 6.2.2
    "log_disconnections": ("on",),  # 6.2.3
    "log_statement": ("ddl", "mod"),  # 6.2.4 (all would log every statement's text)
    "log_min_messages": PG_LEVELS[: PG_LEVELS.index("warning") + 1],  # 6.2.5: warnings are logged
    "log_min_error_statement": PG_LEVELS[PG_LEVELS.index("error") :],  # 6.2.6: ERROR or stricter
    "log_min_duration_statement": ("-1",),  # 6.2.7
    "cloudsql.enable_pgaudit": ("on",),  # 6.2.8
}
"""CIS Google Cloud Platform Foundations 3.0 section 6.2 (Cloud SQL for PostgreSQL): flag -> accepted values."""


def _sql_cis_flags(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    if not str(props.get("databaseVersion") or "").startswith("POSTGRES"):
        return
    flags = {str(dig(f, "name")): str(dig(f, "value")).lower() for f in items(dig(props, "settings.databaseFlags"))}
    for flag, accepted in CIS_FLAGS.items():
        value = flags.get(flag)
        if value not in accepted:
            yield f"{flag} is {value or 'unset (the default)'}; allowed: {' | '.join(accepted[:4])}"
    if flags.get("cloudsql.enable_pgaudit") == "on" and flags.get("pgaudit.log", "none") == "none":
        yield "pgaudit.log is unset or none: pgAudit is loaded but logs nothing; allowed: e.g. ddl,role"


def _sql_ha(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    availability = dig(props, "settings.availabilityType")
    if availability != "REGIONAL":
        yield f"settings.availabilityType is {availability or 'unset (ZONAL)'}; required: REGIONAL"


def _sql_deletion_protection(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    if dig(props, "settings.deletionProtectionEnabled") is not True:
        yield "settings.deletionProtectionEnabled is not true (API-level protection)"
    if props.get("deletionProtection") is False:
        yield "deletionProtection is false"


# --- GKE -------------------------------------------------------------------------------------------------


def _gke_private(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    private = mapping(props.get("privateClusterConfig"))
    if private.get("enablePrivateNodes") is not True:
        yield "privateClusterConfig.enablePrivateNodes is not true: nodes get public IPs"
    public_endpoint = private.get("enablePrivateEndpoint") is not True
    if dig(props, "controlPlaneEndpointsConfig.ipEndpointsConfig.enabled") is False:
        public_endpoint = False  # DNS-based endpoint only
    if not public_endpoint:
        return
    if ctx.prod:
        yield "privateClusterConfig.enablePrivateEndpoint is not true: prod control planes stay private"
        return
    cidrs = [dig(b, "cidrBlock") for b in items(dig(props, "masterAuthorizedNetworksConfig.cidrBlocks"))]
    if not cidrs:
        yield "public control plane without masterAuthorizedNetworksConfig.cidrBlocks"
    elif public_cidrs(cidrs):
        yield f"public control plane open to {', '.join(public_cidrs(cidrs))}"


def _gke_workload_identity(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    if ctx.resource_type == GKE_CLUSTER and not provided(props, "workloadIdentityConfig.workloadPool"):
        yield "workloadIdentityConfig.workloadPool is not set (<project>.svc.id.goog)"
    mode = dig(props, "nodeConfig.workloadMetadataConfig.mode")
    if mode is not None and mode != "GKE_METADATA":
        yield f"nodeConfig.workloadMetadataConfig.mode is {mode}: pods can read the node's credentials"


DEFAULT_COMPUTE_SA_SUFFIX = "-compute@developer.gserviceaccount.com"
"""The Compute Engine default service account (`<project number>-compute@...`), Editor on the project by default."""


def _gke_node_service_account(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    if ctx.resource_type == GKE_CLUSTER and props.get("removeDefaultNodePool") is True and not props.get("nodeConfig"):
        return  # no node ever runs with the cluster's own node config
    try:
        account = dig(props, "nodeConfig.serviceAccount")
    except UnknownValueError:
        return  # the email of an account the stack creates: a dedicated node identity
    if not account or account == "default":
        yield "nodeConfig.serviceAccount is unset: nodes run as the Compute Engine default service account"
    elif str(account).endswith(DEFAULT_COMPUTE_SA_SUFFIX):
        yield f"nodeConfig.serviceAccount is {account}, the Compute Engine default service account"


def _gke_secrets(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    encryption = mapping(props.get("databaseEncryption"))
    if encryption.get("state") != "ENCRYPTED":
        yield f"databaseEncryption.state is {encryption.get('state') or 'unset (DECRYPTED)'}; required: ENCRYPTED"
    elif not provided(encryption, "keyName"):
        yield "databaseEncryption.keyName is not set"


def _gke_logging(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    if props.get("loggingService") == "none":
        yield "loggingService is 'none'"
    components = set(items(dig(props, "loggingConfig.enableComponents")))
    missing = [c for c in ctx.config["requiredComponents"] if c not in components]
    if missing:
        yield f"loggingConfig.enableComponents lacks {', '.join(missing)}"


# --- KMS, firewall, VPN ------------------------------------------------------------------------------------


def _duration_days(value: Any) -> float | None:
    """Days in a protobuf duration string ("7776000s")."""
    if not isinstance(value, str) or not value.endswith("s"):
        return None
    seconds = number(value[:-1])
    return None if seconds is None else seconds / 86400


def _kms_rotation(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    if (props.get("purpose") or "ENCRYPT_DECRYPT") != "ENCRYPT_DECRYPT":
        return  # asymmetric and MAC keys do not rotate automatically
    period = props.get("rotationPeriod")
    days = _duration_days(period)
    maximum = ctx.config["maxRotationDays"]
    if period is None:
        yield "rotationPeriod is not set: the key never rotates"
    elif days is None or days > maximum:
        yield f"rotationPeriod is {period}; allowed: <= {maximum} days"


def _firewall_ports(allow: Mapping[str, Any]) -> list[tuple[float | None, float | None]]:
    ranges: list[tuple[float | None, float | None]] = []
    for port in items(allow.get("ports")):
        low, _, high = str(port).partition("-")
        ranges.append((number(low), number(high or low)))
    return ranges


def _firewall_public(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    if (props.get("direction") or "INGRESS") != "INGRESS" or props.get("disabled") is True:
        return
    world = public_cidrs(items(props.get("sourceRanges")))
    if not world:
        return
    allowed = ctx.config["allowedPublicPorts"]
    for i, allow in enumerate(items(props.get("allows"))):
        protocol = str(dig(allow, "protocol") or "").lower()
        ranges = _firewall_ports(mapping(allow))
        if protocol == "all" or (protocol in ("tcp", "udp", "sctp") and not ranges):
            yield f"allows[{i}] opens every {protocol} port to {', '.join(world)}"
        elif any(ports_outside(lo, hi, allowed) for lo, hi in ranges):
            yield f"allows[{i}] opens {list(dig(allow, 'ports'))} to {', '.join(world)}; allowed publicly: {allowed}"


def _federation_condition(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    if not str(props.get("attributeCondition") or "").strip():
        yield "attributeCondition is not set: every identity the issuer signs for may federate"


def _vpn_ikev2(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    version = number(props.get("ikeVersion"))
    if version is not None and version != 2:
        yield f"ikeVersion is {int(version)}; required: 2"


DATA_ACCESS_TYPES = ("ADMIN_READ", "DATA_READ", "DATA_WRITE")


def _audit_config(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    configs = [mapping(c) for c in items(props.get("auditLogConfigs"))]
    for config in configs:
        exempted = items(config.get("exemptedMembers"))
        if exempted:
            yield f"{config.get('logType')} exempts {', '.join(map(str, exempted))}: their access leaves no audit log"
    if props.get("service") == "allServices":
        missing = [t for t in DATA_ACCESS_TYPES if t not in {c.get("logType") for c in configs}]
        if missing:
            yield f"allServices lacks {', '.join(missing)} (CIS GCP 2.1: all three Data Access log types)"


def _log_bucket_retention(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    days, minimum = number(props.get("retentionDays")), ctx.config["minRetentionDays"]
    if days is None:
        yield f"retentionDays is unset (30 days for _Default); required: >= {minimum}"
    elif days < minimum:
        yield f"retentionDays is {int(days)}; required: >= {minimum}"


GCP_STRONG_DH = ("Group-14", "Group-15", "Group-16", "Group-19", "Group-20", "Group-21")
"""The Cloud VPN groups (https://cloud.google.com/network-connectivity/docs/vpn/concepts/supported-ike-ciphers)
that RFC 8247 allows."""


def _vpn_dh_groups(props: Mapping[str, Any], ctx: Context) -> Iterator[str]:
    for path in ("cipherSuite.phase1.dhs", "cipherSuite.phase2.pfs"):
        groups = items(dig(props, path))
        if not groups:
            yield f"{path} is unset: Cloud VPN then offers groups 2 and 5 too"
        weak = [str(g) for g in groups if g not in GCP_STRONG_DH]
        if weak:
            yield f"{path} offers weak group(s) {', '.join(weak)}; allowed: {', '.join(GCP_STRONG_DH)}"


POLICIES = [
    resource_policy(
        "gcp-bucket-no-public-access",
        area=AREA,
        types=[BUCKET],
        severity="critical",
        summary="GCS buckets enforce public-access prevention and uniform bucket-level access.",
        remediation="Set publicAccessPrevention 'enforced' and uniformBucketLevelAccess true.",
        check=_bucket_public,
        reads={BUCKET: ("publicAccessPrevention", "uniformBucketLevelAccess")},
    ),
    resource_policy(
        "gcp-bucket-customer-key",
        area=AREA,
        types=[BUCKET],
        severity="high",
        summary="GCS buckets encrypt objects with a customer-managed Cloud KMS key.",
        remediation="Set encryption.defaultKmsKeyName (the GCS service agent needs encrypter/decrypter on the key).",
        check=_bucket_cmk,
        reads={BUCKET: ("encryption.defaultKmsKeyName",)},
    ),
    resource_policy(
        "gcp-bucket-versioning",
        area=AREA,
        types=[BUCKET],
        severity="high",
        summary="GCS bucket versioning is on (or a retention policy keeps the objects, which GCS allows instead).",
        remediation="Set versioning.enabled true (with a lifecycle rule for noncurrent versions), or a "
        "retentionPolicy.",
        check=_bucket_versioning,
        reads={BUCKET: ("versioning.enabled", "retentionPolicy.retentionPeriod")},
    ),
    resource_policy(
        "gcp-bucket-backups-retention",
        area=AREA,
        types=[BUCKET],
        severity="high",
        summary="GCS backups buckets hold a retention policy: no principal without storage.buckets.update (the "
        "Storage Transfer agent, a stolen workload credential) can delete or replace a backup before it ages out.",
        remediation="Set retentionPolicy.retentionPeriod to at least minRetentionDays x 86400 seconds "
        "(clouds.gcp.backups_retention_days); lock it with isLocked for WORM storage.",
        check=_bucket_retention,
        reads={BUCKET: ("labels", "retentionPolicy.retentionPeriod")},
        config={
            "minRetentionDays": {
                "type": "integer",
                "minimum": 1,
                "maximum": 3650,
                "default": 7,
                "description": "Shortest retention period of a backups bucket, in days.",
            },
            "retainedBuckets": {
                "type": "array",
                "items": {"type": "string"},
                "default": ["backups"],
                "description": "Values of the bucket label that mark a backups bucket.",
            },
        },
    ),
    resource_policy(
        "gcp-backups-sink-dual-region",
        area=AREA,
        types=[BUCKET],
        severity="high",
        summary="The prod DR sink bucket (label dr=sink, where Storage Transfer lands the other clouds' copies) is a "
        "dual-region with turbo replication: a regional outage loses none of the copies.",
        remediation="Set clouds.gcp.backups_dual_region (location = the multi-region, customPlacementConfig."
        "dataLocations = its two regions, rpo ASYNC_TURBO; the default key in that multi-region's KMS location).",
        check=_backups_sink_dual_region,
        security=False,
        prod_only=True,
        reads={BUCKET: ("labels", "location", "customPlacementConfig.dataLocations", "rpo")},
        config={
            "turboReplication": {
                "type": "boolean",
                "default": True,
                "description": "Require turbo replication (rpo ASYNC_TURBO) on the dual-region sink.",
            },
        },
    ),
    resource_policy(
        "gcp-sql-no-public-ip",
        area=AREA,
        types=[SQL_INSTANCE],
        severity="critical",
        summary="Cloud SQL instances have no public IP and admit no world-open network.",
        remediation="Set settings.ipConfiguration {ipv4Enabled: false, privateNetwork: the VPC} "
        "(private services access), no 0.0.0.0/0 authorizedNetworks.",
        check=_sql_private,
        reads={
            SQL_INSTANCE: ("settings.ipConfiguration.ipv4Enabled", "settings.ipConfiguration.authorizedNetworks.value")
        },
    ),
    resource_policy(
        "gcp-sql-tls-only",
        area=AREA,
        types=[SQL_INSTANCE],
        severity="high",
        summary="Cloud SQL accepts encrypted connections only.",
        remediation="Set settings.ipConfiguration.sslMode 'ENCRYPTED_ONLY' (or TRUSTED_CLIENT_CERTIFICATE_REQUIRED).",
        check=_sql_tls,
        reads={SQL_INSTANCE: ("settings.ipConfiguration.sslMode",)},
    ),
    resource_policy(
        "gcp-sql-customer-key",
        area=AREA,
        types=[SQL_INSTANCE],
        severity="high",
        summary="Cloud SQL encrypts data with a customer-managed Cloud KMS key.",
        remediation="Set encryptionKeyName (the Cloud SQL service agent needs encrypter/decrypter on the key).",
        check=_sql_cmk,
        reads={SQL_INSTANCE: ("encryptionKeyName",)},
    ),
    resource_policy(
        "gcp-sql-backups-pitr",
        area=AREA,
        types=[SQL_INSTANCE],
        severity="high",
        summary="Cloud SQL automated backups and point-in-time recovery are on, with enough backups kept.",
        remediation="Set settings.backupConfiguration {enabled: true, pointInTimeRecoveryEnabled: true, "
        "backupRetentionSettings.retainedBackups >= minRetainedBackups}.",
        check=_sql_backups,
        reads={
            SQL_INSTANCE: (
                "settings.backupConfiguration.enabled",
                "settings.backupConfiguration.pointInTimeRecoveryEnabled",
                "settings.backupConfiguration.backupRetentionSettings.retainedBackups",
            )
        },
        config={
            "minRetainedBackups": {
                "type": "integer",
                "minimum": 1,
                "maximum": 365,
                "default": 7,
                "description": "Minimum number of daily backups kept.",
            },
            "requirePitr": {"type": "boolean", "default": True, "description": "Require point-in-time recovery."},
        },
    ),
    resource_policy(
        "gcp-sql-cis-logging-flags",
        area=AREA,
        types=[SQL_INSTANCE],
        severity="medium",
        summary="Cloud SQL for PostgreSQL logs connections, disconnections, DDL, warnings and errors, audits with "
        "pgAudit, and never logs statement texts by duration (CIS GCP 3.0 6.2.1-6.2.8).",
        remediation="Set settings.databaseFlags log_error_verbosity=default, log_connections=on, "
        "log_disconnections=on, log_statement=ddl, log_min_messages=warning, log_min_error_statement=error, "
        "log_min_duration_statement=-1, cloudsql.enable_pgaudit=on with pgaudit.log (e.g. ddl,role).",
        check=_sql_cis_flags,
        reads={SQL_INSTANCE: ("databaseVersion", "settings.databaseFlags.name", "settings.databaseFlags.value")},
    ),
    resource_policy(
        "gcp-sql-high-availability",
        area=AREA,
        types=[SQL_INSTANCE],
        severity="high",
        summary="Prod Cloud SQL instances are regional (HA).",
        remediation="Set settings.availabilityType 'REGIONAL' (postgres.ha: true).",
        check=_sql_ha,
        security=False,
        prod_only=True,
        reads={SQL_INSTANCE: ("settings.availabilityType",)},
    ),
    resource_policy(
        "gcp-sql-deletion-protection",
        area=AREA,
        types=[SQL_INSTANCE],
        severity="high",
        summary="Prod Cloud SQL instances have API-level deletion protection.",
        remediation="Set settings.deletionProtectionEnabled true and keep deletionProtection true.",
        check=_sql_deletion_protection,
        prod_only=True,
        reads={SQL_INSTANCE: ("settings.deletionProtectionEnabled", "deletionProtection")},
    ),
    resource_policy(
        "gcp-gke-private-cluster",
        area=AREA,
        types=[GKE_CLUSTER],
        severity="critical",
        summary="GKE nodes are private; the control plane is private in prod and allow-listed in dev.",
        remediation="Set privateClusterConfig {enablePrivateNodes: true, enablePrivateEndpoint: true} "
        "(dev: masterAuthorizedNetworksConfig without 0.0.0.0/0).",
        check=_gke_private,
        environment_aware=True,
        reads={
            GKE_CLUSTER: (
                "privateClusterConfig.enablePrivateNodes",
                "privateClusterConfig.enablePrivateEndpoint",
                "controlPlaneEndpointsConfig.ipEndpointsConfig.enabled",
                "masterAuthorizedNetworksConfig.cidrBlocks.cidrBlock",
            )
        },
    ),
    resource_policy(
        "gcp-gke-workload-identity",
        area=AREA,
        types=[GKE_CLUSTER, GKE_NODE_POOL],
        severity="high",
        summary="GKE workload identity is on and node pools serve the GKE metadata server.",
        remediation="Set workloadIdentityConfig.workloadPool '<project>.svc.id.goog'; leave node pools' "
        "workloadMetadataConfig.mode at GKE_METADATA.",
        check=_gke_workload_identity,
        reads={
            GKE_CLUSTER: ("workloadIdentityConfig.workloadPool", "nodeConfig.workloadMetadataConfig.mode"),
            GKE_NODE_POOL: ("nodeConfig.workloadMetadataConfig.mode",),
        },
    ),
    resource_policy(
        "gcp-gke-node-service-account",
        area=AREA,
        types=[GKE_CLUSTER, GKE_NODE_POOL],
        severity="high",
        summary="GKE nodes run as a dedicated least-privilege service account, never the Compute Engine default "
        "(CIS GKE 5.2.1; "
        "https://cloud.google.com/kubernetes-engine/docs/how-to/hardening-your-cluster#use_least_privilege_sa).",
        remediation="Set nodeConfig.serviceAccount to an account holding roles/container.defaultNodeServiceAccount "
        "(plus roles/artifactregistry.reader for image pulls).",
        check=_gke_node_service_account,
        reads={
            GKE_CLUSTER: ("removeDefaultNodePool", "nodeConfig.serviceAccount"),
            GKE_NODE_POOL: ("nodeConfig.serviceAccount",),
        },
    ),
    resource_policy(
        "gcp-gke-secrets-encryption",
        area=AREA,
        types=[GKE_CLUSTER],
        severity="high",
        summary="GKE encrypts Kubernetes secrets at the application layer with a Cloud KMS key.",
        remediation="Set databaseEncryption {state: 'ENCRYPTED', keyName: the GKE CryptoKey}.",
        check=_gke_secrets,
        reads={GKE_CLUSTER: ("databaseEncryption.state", "databaseEncryption.keyName")},
    ),
    resource_policy(
        "gcp-gke-control-plane-logs",
        area=AREA,
        types=[GKE_CLUSTER],
        severity="high",
        summary="GKE sends system and API-server (control-plane) logs to Cloud Logging.",
        remediation="Set loggingConfig.enableComponents to include SYSTEM_COMPONENTS and APISERVER.",
        check=_gke_logging,
        reads={GKE_CLUSTER: ("loggingService", "loggingConfig.enableComponents")},
        config={
            "requiredComponents": {
                "type": "array",
                "items": {"type": "string", "enum": GKE_LOG_COMPONENTS},
                "default": ["SYSTEM_COMPONENTS", "APISERVER"],
                "description": "Logging components that must be enabled.",
            }
        },
    ),
    resource_policy(
        "gcp-kms-key-rotation",
        area=AREA,
        types=[CRYPTO_KEY],
        severity="medium",
        summary="Cloud KMS encryption keys rotate automatically.",
        remediation="Set rotationPeriod, e.g. '7776000s' (90 days), at most maxRotationDays.",
        check=_kms_rotation,
        reads={CRYPTO_KEY: ("purpose", "rotationPeriod")},
        config={
            "maxRotationDays": {
                "type": "integer",
                "minimum": 1,
                "maximum": 3650,
                "default": 365,
                "description": "Longest allowed rotation period in days.",
            }
        },
    ),
    resource_policy(
        "gcp-firewall-no-public-ingress",
        area=AREA,
        types=[FIREWALL],
        severity="critical",
        summary="Firewall rules open no port but the allowed ones (80/443) to the internet.",
        remediation="Restrict sourceRanges to the platform CIDRs (or IAP 35.235.240.0/20 for SSH).",
        check=_firewall_public,
        reads={FIREWALL: ("direction", "disabled", "sourceRanges", "allows.protocol", "allows.ports")},
        config={
            "allowedPublicPorts": {
                "type": "array",
                "items": {"type": "integer", "minimum": 0, "maximum": 65535},
                "default": [80, 443],
                "description": "Ports that may be open to 0.0.0.0/0 or ::/0.",
            }
        },
    ),
    resource_policy(
        "gcp-wif-provider-condition",
        area=AREA,
        types=[WORKLOAD_IDENTITY_PROVIDER],
        severity="critical",
        summary="Workload identity pool providers admit only the identities their attribute condition names.",
        remediation="Set attributeCondition, e.g. assertion.sub == 'system:serviceaccount:<namespace>:<name>'.",
        check=_federation_condition,
        reads={WORKLOAD_IDENTITY_PROVIDER: ("attributeCondition",)},
    ),
    resource_policy(
        "gcp-audit-logs-data-access",
        area=AREA,
        types=[AUDIT_CONFIG],
        severity="high",
        summary="Data Access audit logs are on for all services with no exempted member (CIS GCP 3.0 2.1).",
        remediation="Set an IAMAuditConfig on allServices with ADMIN_READ, DATA_READ and DATA_WRITE, without "
        "exemptedMembers.",
        check=_audit_config,
        reads={AUDIT_CONFIG: ("service", "auditLogConfigs.logType", "auditLogConfigs.exemptedMembers")},
    ),
    resource_policy(
        "gcp-log-bucket-retention",
        area=AREA,
        types=[LOG_BUCKET],
        severity="medium",
        summary="Cloud Logging buckets keep logs (flow logs, GKE control plane, Data Access audit) long enough for an "
        "investigation.",
        remediation="Set retentionDays to at least minRetentionDays (network.flow_log_retention_days).",
        check=_log_bucket_retention,
        reads={LOG_BUCKET: ("retentionDays",)},
        config={
            "minRetentionDays": {
                "type": "integer",
                "minimum": 1,
                "maximum": 3650,
                "default": 365,
                "description": "Shortest retention of a log bucket, in days.",
            }
        },
    ),
    resource_policy(
        "gcp-vpn-ikev2",
        area=AREA,
        types=[VPN_TUNNEL],
        severity="high",
        summary="Cloud VPN tunnels negotiate IKEv2.",
        remediation="Set ikeVersion 2 (the default).",
        check=_vpn_ikev2,
        reads={VPN_TUNNEL: ("ikeVersion",)},
    ),
    resource_policy(
        "gcp-vpn-dh-groups",
        area=AREA,
        types=[VPN_TUNNEL],
        severity="high",
        summary="Cloud VPN tunnels pin a cipher suite with strong DH groups in both phases.",
        remediation="Set cipherSuite.phase1.dhs and cipherSuite.phase2.pfs to ['Group-14'] (or 15, 16, 19-21).",
        check=_vpn_dh_groups,
        reads={VPN_TUNNEL: ("cipherSuite.phase1.dhs", "cipherSuite.phase2.pfs")},
    ),
]
