"""Stack policies: rules across resources (companions, protection, links between clusters, pools, tunnels)."""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import partial
from typing import Any

from pulumi_policy.proxy import UnknownValueError

from . import aws, azure, cloudflare, gcp
from .common import StackResource, Undecided, dig, items, number, provided, stack_policy

AREA = "stack"
Finding = tuple[str, str | None] | Undecided

# Each storage type and the companion resources (aws 7 splits bucket settings out) it must have, matched by
# dependency or by the property naming the bucket/account.
COMPANIONS: dict[str, tuple[str, dict[str, str]]] = {
    aws.S3_BUCKET: (
        "bucket",
        {
            aws.S3_VERSIONING: "versioning",
            aws.S3_ENCRYPTION: "default encryption",
            aws.S3_PUBLIC_ACCESS_BLOCK: "public-access block",
            aws.S3_POLICY: "TLS-only bucket policy",
        },
    ),
    azure.STORAGE_ACCOUNT: ("accountName", {azure.BLOB_SERVICE: "blob service properties (versioning, soft delete)"}),
}

STATEFUL_TYPES = (
    aws.RDS_INSTANCE,
    aws.S3_BUCKET,
    aws.KMS_KEY,
    aws.EKS_CLUSTER,
    azure.POSTGRES_SERVER,
    azure.STORAGE_ACCOUNT,
    azure.KEY_VAULT,
    azure.AKS_CLUSTER,
    gcp.SQL_INSTANCE,
    gcp.BUCKET,
    gcp.CRYPTO_KEY,
    gcp.KEY_RING,
    gcp.GKE_CLUSTER,
)
CLUSTER_TYPES = (aws.EKS_CLUSTER, azure.AKS_CLUSTER, gcp.GKE_CLUSTER)
AUDIT_CATEGORIES = {
    azure.AKS_CLUSTER: ("kube-audit", "kube-audit-admin"),
    azure.KEY_VAULT: ("AuditEvent",),
}
AUDIT_GROUPS = ("audit", "allLogs")
RDS_TLS_PARAMETERS = {
    "postgres": ("rds.force_ssl", "1"),
    "mysql": ("require_secure_transport", "1"),
    "mariadb": ("require_secure_transport", "1"),
}
RDS_TLS_DEFAULT_FROM = {"postgres": 15}  # major versions whose default parameter group already forces TLS


def _get(props: Mapping[str, Any], key: str) -> Any:
    """A property for matching only: None when absent or unknown during preview (dependencies still link)."""
    try:
        return props.get(key)
    except UnknownValueError:
        return None


def _length(props: Mapping[str, Any], key: str) -> int | None:
    """How many elements a list property has (0 when absent). Its elements may be unknown during preview (ids of
    pools being created) while its length is known; None when the list itself is unknown."""
    try:
        value = props.get(key)
    except UnknownValueError:
        return None
    return len(value) if isinstance(value, Sequence) and not isinstance(value, str | bytes) else 0


def _of(resources: Iterable[StackResource], *types: str) -> list[StackResource]:
    return [r for r in resources if r.type in types]


def _depends_on(resource: StackResource, target: StackResource) -> bool:
    return target.urn in resource.dependencies


def _reach(start: StackResource, by_urn: Mapping[str, StackResource]) -> set[str]:
    """URNs reachable from `start` through dependencies and provider references."""
    seen: set[str] = set()
    queue = deque([start.urn])
    while queue:
        current = by_urn.get(queue.popleft())
        if current is None:
            continue
        for nxt in (*current.dependencies, *([current.provider] if current.provider else [])):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def _companions(resources: Sequence[StackResource], config: Mapping[str, Any]) -> Iterator[Finding]:
    for storage_type, (key, required) in COMPANIONS.items():
        for store in _of(resources, storage_type):
            name = _get(store.props, key)
            for companion_type, what in required.items():
                if not any(
                    _depends_on(c, store) or (name is not None and _get(c.props, key) == name)
                    for c in _of(resources, companion_type)
                ):
                    yield f"{store.name} has no {what} ({companion_type.rsplit(':', 1)[-1]})", store.urn


def _protected(resources: Sequence[StackResource], config: Mapping[str, Any]) -> Iterator[Finding]:
    for resource in _of(resources, *STATEFUL_TYPES):
        if not resource.protect:
            yield f"{resource.name} ({resource.type.rsplit(':', 1)[-1]}) is not protected", resource.urn


def _cluster_names(cluster: StackResource) -> set[str]:
    names = {cluster.name}
    for key in ("name", "resourceName"):
        value = _get(cluster.props, key)
        if isinstance(value, str) and value:
            names.add(value)
    return names


def _clusters_balanced(resources: Sequence[StackResource], config: Mapping[str, Any]) -> Iterator[Finding]:
    balancers = _of(resources, cloudflare.LOAD_BALANCER)
    if not balancers:
        return  # the edge is not provisioned in this stack
    by_urn = {r.urn: r for r in resources}
    pools = {p.urn: p for p in _of(resources, cloudflare.POOL)}
    in_balancer = {urn for lb in balancers for urn in _reach(lb, by_urn) if urn in pools}
    for cluster in _of(resources, *CLUSTER_TYPES):
        names = _cluster_names(cluster)
        served, unknown = False, []
        for urn in in_balancer:
            pool = pools[urn]
            if cluster.urn in _reach(pool, by_urn):  # the pool's origins are built from the cluster's ingress
                served = True
                break
            origins, unknown_here = _origin_text(pool)
            unknown += unknown_here
            if any(n in origins for n in names):
                served = True
                break
        if not served and unknown:
            yield Undecided(f"whether {cluster.name} is an origin: {', '.join(unknown)} unknown", cluster.urn)
        elif not served:
            yield f"cluster {cluster.name} is in no pool of the load balancer", cluster.urn


def _origin_text(pool: StackResource) -> tuple[str, list[str]]:
    """The known names and addresses of a pool's origins, and the paths of the unknown ones."""
    known: list[str] = []
    unknown: list[str] = []
    try:
        origins = pool.props.get("origins")
    except UnknownValueError:
        return "", [f"{pool.name}.origins"]
    if not isinstance(origins, Sequence) or isinstance(origins, str):
        return "", []
    for i in range(len(origins)):
        for key in ("name", "address"):
            try:
                known.append(str(dig(origins[i], key) or ""))
            except UnknownValueError:
                unknown.append(f"{pool.name}.origins[{i}].{key}")
    return " ".join(known), unknown


def _decided(resource: StackResource, judge: Callable[[], Iterable[Finding]]) -> Iterator[Finding]:
    """The findings `judge` makes about `resource`; when it reads a value unknown during preview, the ones made
    before it stand and the rest is Undecided (judged again on `up`), never a finding made on a guess."""
    found: list[Finding] = []
    try:
        found.extend(judge())
    except UnknownValueError as unknown:
        found.append(Undecided(f"{resource.name}: {unknown.message}", resource.urn))
    yield from found


def _flow_logs(resources: Sequence[StackResource], config: Mapping[str, Any]) -> Iterator[Finding]:
    logs = _of(resources, aws.FLOW_LOG)
    for vpc in _of(resources, aws.VPC):
        linked = [f for f in logs if _depends_on(f, vpc)]

        def judge(vpc: StackResource = vpc, linked: list[StackResource] = linked) -> Iterator[Finding]:
            if not linked:
                yield f"VPC {vpc.name} has no flow log", vpc.urn
            elif not any(f.props.get("trafficType") == "ALL" for f in linked):
                yield f"VPC {vpc.name} logs only part of its traffic (trafficType ALL required)", vpc.urn

        yield from _decided(vpc, judge)


def _azure_resource_logs(resources: Sequence[StackResource], config: Mapping[str, Any]) -> Iterator[Finding]:
    settings = _of(resources, azure.DIAGNOSTIC_SETTING)
    for resource in _of(resources, azure.NSG, azure.STORAGE_ACCOUNT):
        linked = [d for d in settings if _depends_on(d, resource)]

        def judge(resource: StackResource = resource, linked: list[StackResource] = linked) -> Iterator[Finding]:
            logs = [log for d in linked for log in items(d.props.get("logs"))]
            enabled = [log for log in logs if isinstance(log, Mapping) and log.get("enabled")]
            if not enabled:
                yield f"{resource.name} sends no resource logs to Log Analytics (diagnostic setting)", resource.urn

        yield from _decided(resource, judge)


def _vault_holdings(vault: StackResource, items_: Iterable[StackResource]) -> list[StackResource]:
    """The keys or secrets of a vault: linked by dependency, or by the vault name where it is known."""
    name = _get(vault.props, "vaultName")
    return [i for i in items_ if _depends_on(i, vault) or (name is not None and _get(i.props, "vaultName") == name)]


def _vaults_private(resources: Sequence[StackResource], config: Mapping[str, Any]) -> Iterator[Finding]:
    """A vault holding a secret or a key other than an AKS KMS key (which KMS `Public` mode reaches over the public
    endpoint) takes no public traffic: publicNetworkAccess Disabled and networkAcls.defaultAction Deny."""
    clusters = _of(resources, azure.AKS_CLUSTER)
    keys, secrets = _of(resources, azure.KEY_VAULT_KEY), _of(resources, azure.KEY_VAULT_SECRET)
    kms_keys = {k.urn for k in keys if any(_depends_on(c, k) for c in clusters)}
    for vault in _of(resources, azure.KEY_VAULT):
        held = [r for r in _vault_holdings(vault, [*keys, *secrets]) if r.urn not in kms_keys]
        if not held:
            continue

        def judge(vault: StackResource = vault, held: list[StackResource] = held) -> Iterator[Finding]:
            props = vault.props.get("properties") or {}
            public = props.get("publicNetworkAccess")
            default = dig(props, "networkAcls.defaultAction")
            if public != "Disabled" or default != "Deny":
                what = ", ".join(sorted(h.name for h in held))
                yield (
                    f"{vault.name} holds {what} yet takes public traffic (publicNetworkAccess {public or 'unset'}, "
                    f"networkAcls.defaultAction {default or 'unset (Allow)'})",
                    vault.urn,
                )

        yield from _decided(vault, judge)


def _s3_access_logging(resources: Sequence[StackResource], config: Mapping[str, Any]) -> Iterator[Finding]:
    loggings = _of(resources, aws.S3_LOGGING)
    for bucket in _of(resources, aws.S3_BUCKET):

        def judge(bucket: StackResource = bucket) -> Iterator[Finding]:
            # Names, never guesses: a name with the stack-unique suffix is unknown on a first preview (Undecided).
            name = bucket.props.get("bucket")
            pairs = [(log.props.get("bucket"), log.props.get("targetBucket")) for log in loggings]
            own = [target for source, target in pairs if source == name]
            if name in {target for _, target in pairs}:
                if name in own:
                    yield f"{bucket.name} logs its access into itself (each delivery is logged again)", bucket.urn
                return  # a log destination: it logs nowhere
            if not own:
                yield f"{bucket.name} has no server access logging (BucketLogging)", bucket.urn

        yield from _decided(bucket, judge)


def _rds_log_groups(resources: Sequence[StackResource], config: Mapping[str, Any]) -> Iterator[Finding]:
    groups = _of(resources, aws.LOG_GROUP)
    for instance in _of(resources, aws.RDS_INSTANCE):

        def judge(instance: StackResource = instance) -> Iterator[Finding]:
            exports = items(instance.props.get("enabledCloudwatchLogsExports"))
            if not exports:
                return
            identifier = instance.props.get("identifier")
            for log in exports:
                name = f"/aws/rds/instance/{identifier}/{log}"
                group = next((g for g in groups if _get(g.props, "name") == name), None)
                if group is None:
                    yield (
                        f"{instance.name} exports {log} logs but no log group {name} is created: RDS makes it "
                        "itself, unencrypted and kept forever",
                        instance.urn,
                    )
                elif not _depends_on(instance, group):
                    yield (
                        f"{instance.name} does not wait for its log group {name} (RDS may create it first)",
                        instance.urn,
                    )

        yield from _decided(instance, judge)


AWS_PROVIDER = "pulumi:providers:aws"


def _json_list(value: Any) -> list[Any]:
    """A provider's list input: the engine sends provider inputs that aren't strings as JSON text."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    return items(value)


def _aws_account_pinned(resources: Sequence[StackResource], config: Mapping[str, Any]) -> Iterator[Finding]:
    for provider in _of(resources, AWS_PROVIDER):

        def judge(provider: StackResource = provider) -> Iterator[Finding]:
            allowed = _json_list(provider.props.get("allowedAccountIds"))
            if not allowed:
                yield (
                    f"AWS provider {provider.name} has no allowedAccountIds: credentials of any account deploy "
                    "into that account",
                    provider.urn,
                )

        yield from _decided(provider, judge)


def _tunnels(resources: Sequence[StackResource], config: Mapping[str, Any]) -> Iterator[Finding]:
    minimum = config["minTunnelsPerPeer"]
    for gateway in _of(resources, aws.CUSTOMER_GATEWAY):
        count = 2 * len([c for c in _of(resources, aws.VPN_CONNECTION) if _depends_on(c, gateway)])
        if count < minimum:
            yield f"AWS peer {gateway.name} has {count} tunnel(s); required: >= {minimum}", gateway.urn
    for gateway in _of(resources, gcp.EXTERNAL_VPN_GATEWAY):
        count = len([t for t in _of(resources, gcp.VPN_TUNNEL) if _depends_on(t, gateway)])
        if count < minimum:
            yield f"GCP peer {gateway.name} has {count} tunnel(s); required: >= {minimum}", gateway.urn
    by_urn = {r.urn: r for r in resources}
    for gateway in _of(resources, azure.LOCAL_GATEWAY):

        def judge(gateway: StackResource = gateway) -> Iterator[Finding]:
            count = 0
            for connection in _of(resources, azure.VPN_CONNECTION):
                if not _depends_on(connection, gateway):
                    continue
                active = any(
                    by_urn[d].type == azure.VPN_GATEWAY and by_urn[d].props.get("activeActive") is True
                    for d in connection.dependencies
                    if d in by_urn
                )
                count += 2 if active else 1
            if count < minimum:
                yield f"Azure peer {gateway.name} has {count} tunnel(s); required: >= {minimum}", gateway.urn

        yield from _decided(gateway, judge)


def _eks_workload_identity(resources: Sequence[StackResource], config: Mapping[str, Any]) -> Iterator[Finding]:
    for cluster in _of(resources, aws.EKS_CLUSTER):

        def judge(cluster: StackResource = cluster) -> Iterator[Finding]:
            if any(_depends_on(p, cluster) for p in _of(resources, aws.IAM_OIDC_PROVIDER)):
                return
            if not any(
                _depends_on(a, cluster) and a.props.get("addonName") == "eks-pod-identity-agent"
                for a in _of(resources, aws.EKS_ADDON)
            ):
                yield (
                    f"EKS cluster {cluster.name} has neither an IAM OIDC provider (IRSA) nor the pod-identity agent",
                    cluster.urn,
                )

        yield from _decided(cluster, judge)


def _audits(setting: StackResource, categories: Sequence[str]) -> bool:
    for log in items(setting.props.get("logs")):
        if dig(log, "enabled") is not True:
            continue
        if dig(log, "category") in categories or dig(log, "categoryGroup") in AUDIT_GROUPS:
            return True
    return False


def _azure_audit(resources: Sequence[StackResource], config: Mapping[str, Any]) -> Iterator[Finding]:
    settings = _of(resources, azure.DIAGNOSTIC_SETTING)
    for resource in _of(resources, *AUDIT_CATEGORIES):

        def judge(resource: StackResource = resource) -> Iterator[Finding]:
            categories = AUDIT_CATEGORIES[resource.type]
            if not any(_depends_on(s, resource) and _audits(s, categories) for s in settings):
                yield (
                    f"{resource.name} has no diagnostic setting sending {' or '.join(categories)} (or the audit group)",
                    resource.urn,
                )

        yield from _decided(resource, judge)


def _rds_tls(resources: Sequence[StackResource], config: Mapping[str, Any]) -> Iterator[Finding]:
    groups = _of(resources, aws.RDS_PARAMETER_GROUP)
    for instance in _of(resources, aws.RDS_INSTANCE):
        yield from _decided(instance, partial(_rds_instance_tls, instance, groups))


def _rds_instance_tls(instance: StackResource, groups: Sequence[StackResource]) -> Iterator[Finding]:
    engine = str(instance.props.get("engine") or "")
    if engine not in RDS_TLS_PARAMETERS:
        return
    parameter, value = RDS_TLS_PARAMETERS[engine]
    try:
        group_name = instance.props.get("parameterGroupName")
    except UnknownValueError:  # the name of a group being created: set, and the group linked by dependency
        group_name = None
        if not any(_depends_on(instance, g) for g in groups):
            raise
    linked = [g for g in groups if _depends_on(instance, g) or (group_name and _get(g.props, "name") == group_name)]
    if not group_name and not linked:
        major = number(str(instance.props.get("engineVersion") or "0").split(".")[0]) or 0
        if major < RDS_TLS_DEFAULT_FROM.get(engine, 10**6):
            yield f"{instance.name} uses the default parameter group, where {parameter} is off", instance.urn
        return
    if not linked:
        yield (
            f"{instance.name}: parameter group {group_name} is not in this stack; {parameter} unverified",
            instance.urn,
        )
        return
    if not any(
        dig(p, "name") == parameter and str(dig(p, "value")) == value
        for g in linked
        for p in items(g.props.get("parameters"))
    ):
        yield f"{instance.name}: its parameter group does not set {parameter} = {value}", instance.urn


DAY = 86400


def _pitr(db: StackResource, rpo: float) -> Iterator[Finding]:
    """A database keeps point-in-time recovery (an RPO under a day needs it)."""
    if db.type == aws.RDS_INSTANCE:
        if (number(db.props.get("backupRetentionPeriod")) or 0) < 1:
            yield f"{db.name}: backupRetentionPeriod 0 disables PITR; rpo {rpo:g}s needs it", db.urn
    elif db.type == gcp.SQL_INSTANCE:
        backups = dig(db.props.get("settings"), "backupConfiguration") or {}
        if dig(backups, "enabled") is not True or dig(backups, "pointInTimeRecoveryEnabled") is not True:
            yield f"{db.name}: backups with pointInTimeRecoveryEnabled are off; rpo {rpo:g}s needs PITR", db.urn
    elif dig(db.props.get("backup"), "backupRetentionDays") is None:
        yield f"{db.name}: backup.backupRetentionDays is not set; rpo {rpo:g}s needs PITR kept", db.urn


def _detection(monitor: StackResource, rto: float) -> Iterator[Finding]:
    """A health monitor marks a dead origin down within the RTO (interval x consecutiveDown)."""
    interval = number(monitor.props.get("interval")) or 60
    down = number(monitor.props.get("consecutiveDown")) or 1
    if interval * down > rto:
        yield (
            f"{monitor.name}: an origin is marked down after {interval * down:g}s "
            f"(interval x consecutiveDown), beyond rto {rto:g}s",
            monitor.urn,
        )


def _dr_objectives(resources: Sequence[StackResource], config: Mapping[str, Any]) -> Iterator[Finding]:
    """The declared RPO and RTO, checked against the databases and the edge that must deliver them."""
    rpo, rto = number(config["rpoSeconds"]) or 0, number(config["rtoSeconds"]) or 0
    if rpo < DAY:  # restoring to within the RPO needs point-in-time recovery, not a daily snapshot
        for db in _of(resources, aws.RDS_INSTANCE, gcp.SQL_INSTANCE, azure.POSTGRES_SERVER):
            yield from _decided(db, partial(_pitr, db, rpo))
    for monitor in _of(resources, cloudflare.MONITOR):
        yield from _decided(monitor, partial(_detection, monitor, rto))
    for pool in _of(resources, cloudflare.POOL):
        if not provided(pool.props, "monitor"):
            yield f"{pool.name}: no monitor, so no health-check driven failover", pool.urn
    for balancer in _of(resources, cloudflare.LOAD_BALANCER):
        defaults = _length(balancer.props, "defaultPools")
        if not provided(balancer.props, "fallbackPool") or (defaults is not None and defaults < 2):
            yield f"{balancer.name}: failover needs a fallback pool and at least two default pools", balancer.urn
        elif defaults is None:
            yield Undecided(f"how many default pools {balancer.name} has", balancer.urn)


POLICIES = [
    stack_policy(
        "storage-bucket-companions",
        area=AREA,
        types=[aws.S3_BUCKET, *COMPANIONS[aws.S3_BUCKET][1], azure.STORAGE_ACCOUNT, azure.BLOB_SERVICE],
        severity="high",
        summary="Every S3 bucket has its versioning, encryption, public-access-block and TLS-only policy resources; "
        "every Azure storage account its blob service properties.",
        remediation="Create buckets through the platform's bucket components (AwsBucket, Azure storage), never bare.",
        check=_companions,
    ),
    stack_policy(
        "prod-stateful-protected",
        area=AREA,
        types=list(STATEFUL_TYPES),
        severity="high",
        summary="In prod every stateful resource (database, bucket, key, cluster) is Pulumi-protected.",
        remediation="Pass ResourceOptions(protect=True) (deletion_protection: true) to the resource.",
        check=_protected,
        prod_only=True,
    ),
    stack_policy(
        "clusters-in-load-balancer",
        area=AREA,
        types=[*CLUSTER_TYPES, cloudflare.POOL, cloudflare.LOAD_BALANCER],
        severity="medium",
        summary="Once the edge exists, every Kubernetes cluster is an origin of a pool the load balancer uses.",
        remediation="Add the cluster's ingress endpoint as an origin of its cloud's pool and the pool to the load "
        "balancer's default (and steering) pools.",
        check=_clusters_balanced,
        security=False,
    ),
    stack_policy(
        "aws-vpc-flow-logs",
        area=AREA,
        types=[aws.VPC, aws.FLOW_LOG],
        severity="medium",
        summary="Every VPC logs all its traffic (flow logs, trafficType ALL).",
        remediation="Add an ec2.FlowLog for the VPC with trafficType 'ALL' to an encrypted log group.",
        check=_flow_logs,
    ),
    stack_policy(
        "aws-provider-account-pinned",
        area=AREA,
        types=[AWS_PROVIDER],
        severity="high",
        summary="Every AWS provider of the stack is pinned to the expected account (allowedAccountIds), so "
        "credentials of another account fail instead of deploying there.",
        remediation="Set allowedAccountIds on each aws.Provider to the account of deployer.aws.role_arn.",
        check=_aws_account_pinned,
    ),
    stack_policy(
        "aws-s3-access-logging",
        area=AREA,
        types=[aws.S3_BUCKET, aws.S3_LOGGING],
        severity="medium",
        summary="Every S3 bucket logs its requests (server access logging) into a log bucket of the stack; log "
        "buckets themselves log nowhere, never into themselves.",
        remediation="Add an s3.BucketLogging for the bucket with targetBucket = the region's access-log bucket "
        "(AwsBucket does, given log_bucket_name).",
        check=_s3_access_logging,
    ),
    stack_policy(
        "azure-resource-logs",
        area=AREA,
        types=[azure.NSG, azure.STORAGE_ACCOUNT, azure.DIAGNOSTIC_SETTING],
        severity="medium",
        summary="Every Azure NSG and storage account sends its resource logs to Log Analytics (a diagnostic "
        "setting with a log category enabled; CIS Azure 6.1, 3.13); the VPN gateways' come with the mesh alerts.",
        remediation="Add a monitor.DiagnosticSetting for the resource (the storage account's on its blob service) "
        "to the region's workspace (components/azure/diagnostics.py send_logs).",
        check=_azure_resource_logs,
    ),
    stack_policy(
        "azure-keyvault-secrets-private",
        area=AREA,
        types=[azure.KEY_VAULT, azure.KEY_VAULT_KEY, azure.KEY_VAULT_SECRET, azure.AKS_CLUSTER],
        severity="high",
        summary="Key Vaults holding secrets or customer-managed keys deny public networks (publicNetworkAccess "
        "Disabled, networkAcls.defaultAction Deny; CIS Microsoft Azure Foundations 8.x); only a vault holding AKS "
        "KMS keys alone may stay public (KMS Public mode).",
        remediation="Create the vault with public_network=False (components/azure/keyvault.py), and keep the AKS "
        "KMS key in its own vault (the region's kms vault).",
        check=_vaults_private,
    ),
    stack_policy(
        "aws-rds-log-groups-precreated",
        area=AREA,
        types=[aws.RDS_INSTANCE, aws.LOG_GROUP],
        severity="medium",
        summary="Every log an RDS instance exports goes to a log group the stack creates first (its key and "
        "retention), never one RDS creates on the fly.",
        remediation="Create a cloudwatch.LogGroup /aws/rds/instance/<identifier>/<log> per exported log with kmsKeyId "
        "and retentionInDays, and make the instance depend on it.",
        check=_rds_log_groups,
    ),
    stack_policy(
        "vpn-redundant-tunnels",
        area=AREA,
        types=[
            aws.CUSTOMER_GATEWAY,
            aws.VPN_CONNECTION,
            gcp.EXTERNAL_VPN_GATEWAY,
            gcp.VPN_TUNNEL,
            azure.LOCAL_GATEWAY,
            azure.VPN_CONNECTION,
            azure.VPN_GATEWAY,
        ],
        severity="high",
        summary="Every VPN peer is reached through at least two tunnels.",
        remediation="AWS: one connection (2 tunnels) per peer interface; GCP: HA VPN FOUR_IPS_REDUNDANCY; "
        "Azure: an active-active gateway or two connections per peer.",
        check=_tunnels,
        security=False,
        config={
            "minTunnelsPerPeer": {
                "type": "integer",
                "minimum": 1,
                "maximum": 8,
                "default": 2,
                "description": "Minimum number of tunnels per VPN peer.",
            }
        },
    ),
    stack_policy(
        "aws-eks-workload-identity",
        area=AREA,
        types=[aws.EKS_CLUSTER, aws.IAM_OIDC_PROVIDER, aws.EKS_ADDON],
        severity="high",
        summary="Every EKS cluster has workload identity: an IAM OIDC provider (IRSA) or the pod-identity agent.",
        remediation="Create an iam.OpenIdConnectProvider for the cluster's issuer (or the eks-pod-identity-agent "
        "add-on).",
        check=_eks_workload_identity,
    ),
    stack_policy(
        "azure-audit-diagnostics",
        area=AREA,
        types=[azure.AKS_CLUSTER, azure.KEY_VAULT, azure.DIAGNOSTIC_SETTING],
        severity="high",
        summary="Every AKS cluster and key vault sends its audit logs through a diagnostic setting.",
        remediation="Add a monitor.DiagnosticSetting on the resource with kube-audit-admin / AuditEvent "
        "(or categoryGroup 'audit') enabled, to Log Analytics.",
        check=_azure_audit,
    ),
    stack_policy(
        "aws-rds-tls-enforced",
        area=AREA,
        types=[aws.RDS_INSTANCE, aws.RDS_PARAMETER_GROUP],
        severity="high",
        summary="RDS instances reject non-TLS connections through their parameter group.",
        remediation="Attach a parameter group with rds.force_ssl = 1 (PostgreSQL) or require_secure_transport = 1.",
        check=_rds_tls,
    ),
    stack_policy(
        "dr-objectives-met",
        area=AREA,
        types=[
            aws.RDS_INSTANCE,
            gcp.SQL_INSTANCE,
            azure.POSTGRES_SERVER,
            cloudflare.MONITOR,
            cloudflare.POOL,
            cloudflare.LOAD_BALANCER,
        ],
        severity="high",
        summary="The declared RPO and RTO hold: PITR on every database when the RPO is under a day, and "
        "health-check driven failover at the edge that detects a dead origin within the RTO.",
        remediation="Keep postgres.pitr and backups on; set dr.health_check_interval x dr.failure_threshold within "
        "dr.rto; pools need a monitor, the load balancer a fallback and two default pools. The pack's config "
        "(policies/config/<stack>.json) must carry the stack's dr.rpo and dr.rto.",
        check=_dr_objectives,
        security=False,
        config={
            "rpoSeconds": {
                "type": "integer",
                "minimum": 0,
                "default": 900,
                "description": "Recovery point objective (dr.rpo) in seconds.",
            },
            "rtoSeconds": {
                "type": "integer",
                "minimum": 1,
                "default": 300,
                "description": "Recovery time objective (dr.rto) in seconds.",
            },
        },
    ),
]
