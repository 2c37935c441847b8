"""An AKS cluster: Entra ID + Azure RBAC only, private API (allow-listed in dev), KMS-encrypted secrets,
workload identity, Defender and Container Insights, audit logs, planned upgrades, agent pools from config."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import pulumi
import pulumi_azure_native as azure_native
import yaml
from pulumi_azure_native import containerservice

from ..lib.aks_pools import BOOTSTRAP_POOL, pool_name
from ..lib.kubeconfig import exec_kubeconfig
from ..lib.waits import AKS_RBAC, AZURE_KEY_VAULT_RBAC
from ..settings import catalog
from ..settings.models import NodePool
from ..wait import wait_after
from .keyvault import AzureKey
from .roles import (
    AKS_CLUSTER_USER,
    AKS_RBAC_CLUSTER_ADMIN,
    AKS_RBAC_READER,
    KEY_VAULT_CRYPTO_USER,
    NETWORK_CONTRIBUTOR,
    assign_role,
)

CONTROL_PLANE_LOGS = [
    "kube-apiserver",
    # Every audit event but get and list, the AKS baseline's choice over the full `kube-audit` (azure R15): the
    # reads are most of the volume (https://learn.microsoft.com/azure/aks/monitor-aks-reference#resource-logs).
    "kube-audit-admin",
    "kube-controller-manager",
    "kube-scheduler",
    "cluster-autoscaler",
    "guard",
]
"""AKS control-plane log categories sent to Log Analytics (`guard` is the Entra ID authenticator)."""
SPOT_TAINT = "kubernetes.azure.com/scalesetpriority=spot:NoSchedule"
GPU_TAINT = "nvidia.com/gpu=true:NoSchedule"
SYSTEM_TAINT = "CriticalAddonsOnly=true:NoSchedule"
"""Keeps application pods off the system pool (only add-ons tolerate it)."""
AKS_AAD_SERVER_ID = "6dae42f8-4368-4678-94ff-3960e28e3630"
"""The Entra ID application behind every AKS-managed Entra ID cluster (audience of kubelogin tokens)."""
CONTAINER_INSIGHTS_STREAM = "Microsoft-ContainerInsights-Group-Default"


@dataclass(frozen=True)
class AzureAksClusterArgs:
    """Inputs of AzureAksCluster."""

    cluster_name: str
    """Physical cluster name (also the DNS prefix)."""
    version: str
    """Kubernetes minor version (`patch` auto-upgrades stay within it)."""
    resource_group_name: pulumi.Input[str]
    """Resource group of the cluster and its companions."""
    location: str
    """Azure region."""
    subnet_id: pulumi.Input[str]
    """Subnet of every agent pool's nodes."""
    vnet_id: pulumi.Input[str]
    """VNet of that subnet (a private cluster links its API server's private DNS zone to it)."""
    zones: Sequence[str]
    """Availability zones of the agent pools."""
    pools: Mapping[str, NodePool]
    """Agent pools by name (exactly one System pool), each a separate AgentPool beside the inline bootstrap pool."""
    private_cluster: bool
    """Private API server (prod); otherwise public and restricted to `authorized_ip_ranges`."""
    authorized_ip_ranges: Sequence[str]
    """CIDRs allowed to reach a public API server."""
    kms_key: AzureKey
    """Key Vault key encrypting Kubernetes secrets in etcd (KMS v2)."""
    tenant_id: pulumi.Input[str]
    """Entra ID tenant of the cluster's users."""
    admin_group_object_ids: Sequence[str]
    """Entra ID groups with cluster-admin."""
    deployer_object_id: pulumi.Input[str]
    """The deploying principal: cluster admin under Azure RBAC, for the program's own Kubernetes provider."""
    deployer_principal_type: pulumi.Input[str]
    """Entra ID type of that principal (`User` or `ServicePrincipal`)."""
    workspace_id: pulumi.Input[str]
    """Log Analytics workspace for control-plane logs, Defender and Container Insights."""
    identity_name: str
    """Name of the control-plane user-assigned identity."""
    subscription_id: str
    """Subscription of the built-in role definitions."""
    sku_tier: str
    """AKS pricing tier: Standard (uptime SLA) in prod, Free in dev."""
    deletion_protection: bool
    """Pulumi protect on the cluster (prod)."""
    tags: dict[str, str]
    """Tags of every resource."""
    maintenance_day: str = "Saturday"
    """Weekday of the planned-maintenance windows (UTC)."""
    maintenance_start: str = "03:00"
    """Start of the planned-maintenance windows, HH:MM UTC."""
    maintenance_hours: int = 4
    """Length of the planned-maintenance windows (AKS minimum: 4)."""
    viewers: Sequence[tuple[str, str]] = ()
    """Read-only principals (object id, principal type): the PR workflow's preview identity."""


class AzureAksCluster(pulumi.ComponentResource):
    """AKS with a user-assigned control-plane identity (KMS key user, network contributor on its subnet),
    Entra ID integration with Azure RBAC and local accounts disabled, a private API server in prod (public
    with authorized IP ranges in dev), KMS v2 etcd encryption with the vault key, OIDC issuer and workload
    identity, Azure CNI overlay with Cilium policy, Defender and Container Insights on the region's workspace,
    control-plane and audit logs through a diagnostic setting, `patch` auto-upgrades and node-image updates
    inside weekly maintenance windows, and autoscaling agent pools (each its own AgentPool, the system pool
    included, beside a one-node inline bootstrap pool that AKS needs at create and that is never changed)."""

    control_plane: azure_native.containerservice.ManagedCluster
    """The cluster resource itself (what in-cluster objects are deleted with)."""
    cluster_name: pulumi.Output[str]
    """Name of the cluster."""
    cluster_id: pulumi.Output[str]
    """ARM id of the cluster."""
    endpoint: pulumi.Output[str]
    """API server URL (the private FQDN for a private cluster)."""
    oidc_issuer_url: pulumi.Output[str]
    """OIDC issuer of the cluster's service-account tokens."""
    identity_principal_id: pulumi.Output[str]
    """Principal of the control-plane identity."""
    kubeconfig: pulumi.Output[str]
    """Kubeconfig authenticating through `kubelogin` with the Azure CLI login (secret)."""

    def __init__(self, name: str, args: AzureAksClusterArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:azure:AksCluster", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        system_pools = [pool_name for pool_name, pool in args.pools.items() if pool.system]
        if len(system_pools) != 1:
            raise ValueError(f"AKS needs exactly one system pool, got {system_pools}")
        system = system_pools[0]

        identity = azure_native.managedidentity.UserAssignedIdentity(
            f"{name}-identity",
            resource_name_=args.identity_name,
            resource_group_name=args.resource_group_name,
            location=args.location,
            tags=args.tags,
            opts=child,
        )
        grants = [
            assign_role(
                f"{name}-kms-crypto-user",
                self,
                scope=args.kms_key.id,
                principal_id=identity.principal_id,
                role=KEY_VAULT_CRYPTO_USER,
                subscription_id=args.subscription_id,
            ),
            # Joining the subnet is all a public cluster needs; a private one also links its private DNS
            # zone to the VNet, which needs the role on the VNet itself.
            assign_role(
                f"{name}-network-contributor",
                self,
                scope=args.vnet_id if args.private_cluster else args.subnet_id,
                principal_id=identity.principal_id,
                role=NETWORK_CONTRIBUTOR,
                subscription_id=args.subscription_id,
            ),
        ]
        cluster = azure_native.containerservice.ManagedCluster(
            f"{name}-cluster",
            resource_name_=args.cluster_name,
            resource_group_name=args.resource_group_name,
            location=args.location,
            dns_prefix=args.cluster_name,
            kubernetes_version=args.version,
            sku={"name": "Base", "tier": args.sku_tier},
            support_plan="KubernetesOfficial",
            identity={
                "type": azure_native.containerservice.ResourceIdentityType.USER_ASSIGNED,
                "user_assigned_identities": [identity.id],
            },
            aad_profile={
                "managed": True,
                "enable_azure_rbac": True,
                "tenant_id": args.tenant_id,
                "admin_group_object_ids": list(args.admin_group_object_ids),
            },
            disable_local_accounts=True,
            enable_rbac=True,
            api_server_access_profile=_api_server_access(args),
            oidc_issuer_profile={"enabled": True},
            security_profile={
                "workload_identity": {"enabled": True},
                "azure_key_vault_kms": {
                    "enabled": True,
                    # AKS KMS takes a versioned key id and does not follow new versions by itself
                    # (https://learn.microsoft.com/azure/aks/use-kms-etcd-encryption, "Rotate the existing keys").
                    # The key never auto-rotates (keyvault.rotation_policy), so this version changes only with a
                    # new `clouds.azure.kms_key_generation`: one step per `up`, re-encryption between (azure R8).
                    "key_id": args.kms_key.uri_with_version,
                    "key_vault_network_access": "Public",
                },
                "defender": {
                    "log_analytics_workspace_resource_id": args.workspace_id,
                    "security_monitoring": {"enabled": True},
                },
                "image_cleaner": {"enabled": True, "interval_hours": 168},
            },
            addon_profiles={
                "omsagent": {
                    "enabled": True,
                    "config": {"logAnalyticsWorkspaceResourceID": args.workspace_id, "useAADAuth": "true"},
                }
            },
            auto_upgrade_profile={"upgrade_channel": "patch", "node_os_upgrade_channel": "NodeImage"},
            network_profile={
                "network_plugin": "azure",
                "network_plugin_mode": "overlay",
                "network_dataplane": "cilium",
                "network_policy": "cilium",
                # Overlay networking: pods and services never take VNet addresses (settings keep every region
                # range clear of them); pod traffic leaving a node is SNATed to the node IP.
                "pod_cidr": catalog.CLUSTER_POD_CIDR,
                "service_cidr": catalog.CLUSTER_SERVICE_CIDR,
                "dns_service_ip": catalog.CLUSTER_DNS_SERVICE_IP,
                "load_balancer_sku": "standard",
                "outbound_type": "loadBalancer",
            },
            # The create-time System pool AKS requires, never changed afterwards: one node of the system pool's VM
            # size. Pools change through their own AgentPool resources only: a cluster PUT that carries agent pools
            # is refused for pools added separately ("not allowed through managed cluster operations") and puts
            # every pool into Scaling (pulumi-azure-native #579, #2719, #4264), and after a refresh the state holds
            # every live pool. So the whole list is ignored after creation (azure R2).
            agent_pool_profiles=[
                cast(
                    containerservice.ManagedClusterAgentPoolProfileArgsDict,
                    {"name": BOOTSTRAP_POOL, **_bootstrap_profile(args.pools[system], args)},
                )
            ],
            tags=args.tags,
            opts=pulumi.ResourceOptions(
                parent=self,
                protect=args.deletion_protection,
                # KMS validates the key with the identity's grant at create: it must have reached Key Vault.
                depends_on=[
                    wait_after(f"{name}-identity-rbac-wait", self, grants, AZURE_KEY_VAULT_RBAC, rerun_on_replace=True)
                ],
                ignore_changes=["agentPoolProfiles"],
            ),
        )
        # AKS runs one agent-pool operation at a time per cluster (409 OperationNotAllowed "Another agentpool
        # operation is in progress"): the pools are chained, the System pool first, then the untainted ones and the
        # optional (spot, GPU) ones last, so that what waits for the cluster's general-purpose nodes never waits
        # for them. Each pool's ARM name carries the fingerprint of what AKS cannot change in place (VM size, OS
        # disk, zones, priority): such a change is a new pool, created before the old one is deleted (AKS cordons
        # and drains a pool it deletes), which is how the system pool is rotated or resized too.
        previous: list[pulumi.Resource] = []
        ready: list[azure_native.containerservice.AgentPool] = []
        for base in sorted(args.pools, key=lambda p: (not args.pools[p].system, *_optional(args.pools[p]))):
            profile = _pool_profile(base, args.pools[base], args)
            agent_pool = azure_native.containerservice.AgentPool(
                f"{name}-pool-{base}",
                agent_pool_name=pool_name(base, profile),
                resource_name_=cluster.name,
                resource_group_name=args.resource_group_name,
                **profile,
                opts=pulumi.ResourceOptions(
                    parent=self,
                    depends_on=previous,
                    ignore_changes=["count"],
                    # azure-native deletes first when the name changes; the new pool must exist before the old
                    # one drains.
                    delete_before_replace=False,
                ),
            )
            previous = [agent_pool]
            if _optional(args.pools[base]) == (False, False) and not args.pools[base].system:
                ready = [agent_pool]
        windows: list[pulumi.Resource] = []
        for label, config_name in (
            ("upgrade-window", "aksManagedAutoUpgradeSchedule"),
            ("node-os-window", "aksManagedNodeOSUpgradeSchedule"),
        ):
            window = azure_native.containerservice.MaintenanceConfiguration(
                f"{name}-{label}",
                config_name=config_name,
                resource_name_=cluster.name,
                resource_group_name=args.resource_group_name,
                maintenance_window={
                    "schedule": {"weekly": {"day_of_week": args.maintenance_day, "interval_weeks": 1}},
                    "duration_hours": args.maintenance_hours,
                    "start_time": args.maintenance_start,
                    "utc_offset": "+00:00",
                },
                opts=pulumi.ResourceOptions(parent=self, depends_on=windows),  # one cluster write at a time
            )
            windows = [window]
        azure_native.monitor.DiagnosticSetting(
            f"{name}-control-plane-logs",
            name="control-plane-to-log-analytics",
            resource_uri=cluster.id,
            workspace_id=args.workspace_id,
            log_analytics_destination_type="Dedicated",
            logs=[{"category": category, "enabled": True} for category in CONTROL_PLANE_LOGS],
            opts=child,
        )
        rule = azure_native.monitor.DataCollectionRule(
            f"{name}-container-insights",
            data_collection_rule_name=f"MSCI-{args.location}-{args.cluster_name}",
            resource_group_name=args.resource_group_name,
            location=args.location,
            kind="Linux",
            description=f"Container Insights of {args.cluster_name}",
            data_sources={
                "extensions": [
                    {
                        "name": "ContainerInsightsExtension",
                        "extension_name": "ContainerInsights",
                        "streams": [CONTAINER_INSIGHTS_STREAM],
                        "extension_settings": {
                            "dataCollectionSettings": {
                                "interval": "1m",
                                "namespaceFilteringMode": "Off",
                                "enableContainerLogV2": True,
                            }
                        },
                    }
                ]
            },
            destinations={"log_analytics": [{"name": "workspace", "workspace_resource_id": args.workspace_id}]},
            data_flows=[{"streams": [CONTAINER_INSIGHTS_STREAM], "destinations": ["workspace"]}],
            tags=args.tags,
            opts=child,
        )
        azure_native.monitor.DataCollectionRuleAssociation(
            f"{name}-container-insights-link",
            association_name="ContainerInsightsExtension",
            resource_uri=cluster.id,
            data_collection_rule_id=rule.id,
            opts=child,
        )
        # No management lock: it would cover the agent pools, maintenance windows, diagnostic setting and the
        # deployer's grant, so a pool rotation or a grant change would fail with ScopeLocked (azure F7). The
        # cluster holds no data; Pulumi protect guards it.

        self.control_plane = cluster
        self.cluster_name = cluster.name
        self.cluster_id = cluster.id
        fqdn = cluster.private_fqdn if args.private_cluster else cluster.fqdn
        self.endpoint = fqdn.apply(lambda host: f"https://{host}:443")
        self.oidc_issuer_url = cluster.oidc_issuer_profile.apply(lambda p: (p.issuer_url or "") if p else "")
        self.identity_principal_id = identity.principal_id
        # Local accounts are off and Kubernetes authorization is Azure RBAC: without this grant the program's own
        # Kubernetes provider (the deployer's kubelogin token) could not install the workloads. Azure may take a few
        # minutes to apply a new grant inside the cluster.
        deployer_admin = assign_role(
            f"{name}-deployer-cluster-admin",
            self,
            scope=cluster.id,
            principal_id=args.deployer_object_id,
            role=AKS_RBAC_CLUSTER_ADMIN,
            subscription_id=args.subscription_id,
            principal_type=args.deployer_principal_type,
        )
        # Previews: the user kubeconfig (listClusterUserCredential) and read-only Kubernetes access under Azure RBAC
        # (https://learn.microsoft.com/azure/aks/manage-azure-rbac).
        for i, (viewer, principal_type) in enumerate(args.viewers):
            for label, role in (("cluster-user", AKS_CLUSTER_USER), ("rbac-reader", AKS_RBAC_READER)):
                assign_role(
                    f"{name}-viewer-{i}-{label}",
                    self,
                    scope=cluster.id,
                    principal_id=viewer,
                    role=role,
                    subscription_id=args.subscription_id,
                    principal_type=principal_type,
                )
        credentials = azure_native.containerservice.list_managed_cluster_user_credentials_output(
            resource_group_name=args.resource_group_name,
            resource_name=cluster.name,
            format="exec",
            opts=pulumi.InvokeOutputOptions(parent=self),
        )
        admin_ready = wait_after(f"{name}-deployer-cluster-admin-wait", self, [deployer_admin], AKS_RBAC)
        # Whatever uses the kubeconfig (the workloads' Kubernetes provider) waits for the deployer's grant to reach
        # the cluster's authorizer and for its general-purpose pools (the system pool is tainted for add-ons only).
        self.kubeconfig = pulumi.Output.secret(
            pulumi.Output.all(
                cluster.name, self.endpoint, credentials.kubeconfigs, admin_ready.id, *[p.id for p in ready]
            ).apply(lambda v: _kubeconfig(v[0], v[1], _certificate_authority(v[2])))
        )
        self.register_outputs(
            {
                "cluster_name": self.cluster_name,
                "endpoint": self.endpoint,
                "oidc_issuer_url": self.oidc_issuer_url,
                "kubeconfig": self.kubeconfig,
            }
        )


def _optional(pool: NodePool) -> tuple[bool, bool]:
    """(GPU, tainted otherwise): the sort key that puts general-purpose pools first and GPU pools last."""
    return pool.gpu, bool(pool.taints) or pool.capacity == "spot"


def _api_server_access(args: AzureAksClusterArgs) -> containerservice.ManagedClusterAPIServerAccessProfileArgsDict:
    if args.private_cluster:
        return {
            "enable_private_cluster": True,
            "enable_private_cluster_public_fqdn": False,
            "private_dns_zone": "system",
        }
    return {"enable_private_cluster": False, "authorized_ip_ranges": list(args.authorized_ip_ranges)}


def _bootstrap_profile(system: NodePool, args: AzureAksClusterArgs) -> dict[str, Any]:
    """The inline System pool: one node of the system pool's VM size, tainted for add-ons only (AKS requires
    2 vCPUs and 4 GB on System pools: https://learn.microsoft.com/azure/aks/use-system-pools#limitations)."""
    profile = _pool_profile(BOOTSTRAP_POOL, system, args)
    profile.update(min_count=1, count=1, max_count=1)
    return profile


def _pool_profile(pool_name: str, pool: NodePool, args: AzureAksClusterArgs) -> dict[str, Any]:
    """Agent-pool properties shared by the inline bootstrap pool and the AgentPool resources."""
    taints = [f"{t.key}={t.value}:{t.effect}" for t in pool.taints]
    if pool.system:
        taints.append(SYSTEM_TAINT)
    if pool.gpu:
        taints.append(GPU_TAINT)
    if pool.capacity == "spot":
        taints.append(SPOT_TAINT)
    profile: dict[str, Any] = {
        "mode": "System" if pool.system else "User",
        "type": "VirtualMachineScaleSets",
        "vm_size": pool.instance_types[0],
        "orchestrator_version": args.version,
        "os_type": "Linux",
        # Azure Linux everywhere but GPU pools, which keep the Ubuntu image with NVIDIA driver support.
        "os_sku": "Ubuntu" if pool.gpu else "AzureLinux",
        "os_disk_size_gb": pool.disk_gb,
        "vnet_subnet_id": args.subnet_id,
        "availability_zones": list(args.zones),
        "enable_auto_scaling": True,
        "min_count": pool.min_size,
        "count": pool.desired_size,
        "max_count": pool.max_size,
        "node_labels": {"platform/pool": pool_name, "platform/capacity": pool.capacity, **pool.labels},
        "node_taints": taints,
        "tags": args.tags,
    }
    if pool.capacity == "spot":
        # Evicted spot VMs are deleted (not deallocated): no quota or disk left behind; pay up to on-demand.
        profile.update(scale_set_priority="Spot", scale_set_eviction_policy="Delete", spot_max_price=-1)
    else:
        profile["upgrade_settings"] = {"max_surge": "33%"}
    return profile


def _certificate_authority(kubeconfigs: Sequence[Any]) -> str:
    """The cluster CA out of the first kubeconfig AKS returns (base64 YAML)."""
    if not kubeconfigs:
        return ""
    entry = kubeconfigs[0]
    value = entry["value"] if isinstance(entry, Mapping) else entry.value
    document = yaml.safe_load(base64.b64decode(value)) or {}
    clusters = document.get("clusters") or [{}]
    return str(clusters[0].get("cluster", {}).get("certificate-authority-data", ""))


def _kubeconfig(cluster_name: str, endpoint: str, ca_data: str) -> str:
    """Exec kubeconfig: `kubelogin` exchanges the caller's Azure CLI login for an Entra ID token (no
    static credentials; local accounts are disabled anyway)."""
    args = ["get-token", "--login", "azurecli", "--server-id", AKS_AAD_SERVER_ID]
    return exec_kubeconfig(cluster_name, endpoint, ca_data, "kubelogin", args=args, interactiveMode="Never")
