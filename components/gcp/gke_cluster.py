"""A regional GKE Standard cluster: private nodes, Workload Identity, KMS-encrypted secrets, managed node pools."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import pulumi
import pulumi_gcp as gcp

from ..lib.gke import MAX_SURGE
from ..lib.kubeconfig import exec_kubeconfig
from ..settings import catalog
from ..settings.models import GkeMaintenance, NodePool

SPOT_TAINT = "cloud.google.com/gke-spot"
NODE_ROLES = (
    "roles/container.defaultNodeServiceAccount",
    "roles/artifactregistry.reader",
)
"""The node service account's only roles: GKE's predefined least-privilege node role (logs, metrics, resource
metadata: "grant the Kubernetes Engine Default Node Service Account role (roles/container.defaultNodeServiceAccount)",
https://cloud.google.com/kubernetes-engine/docs/how-to/hardening-your-cluster#use_least_privilege_sa; it replaces the
four discrete logging/monitoring roles and follows what GKE nodes need as Google changes it), plus image pulls from
Artifact Registry, which that role does not include."""
LOGGING_COMPONENTS = ["SYSTEM_COMPONENTS", "WORKLOADS", "APISERVER", "CONTROLLER_MANAGER", "SCHEDULER"]
MONITORING_COMPONENTS = [
    "SYSTEM_COMPONENTS",
    "APISERVER",
    "SCHEDULER",
    "CONTROLLER_MANAGER",
    "STORAGE",
    "POD",
    "DEPLOYMENT",
    "STATEFULSET",
    "DAEMONSET",
    "HPA",
]
CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
"""Nodes get the broad scope; what they may do is bounded by the node service account's IAM roles."""
WINDOW_ANCHOR = "2026-01-03"
"""First day of the recurring window (a Saturday; fixed, so the plan never drifts): the RRULE picks the days."""
RRULE_DAYS = {"mon": "MO", "tue": "TU", "wed": "WE", "thu": "TH", "fri": "FR", "sat": "SA", "sun": "SU"}
_EFFECTS = {"NoSchedule": "NO_SCHEDULE", "PreferNoSchedule": "PREFER_NO_SCHEDULE", "NoExecute": "NO_EXECUTE"}


@dataclass(frozen=True)
class GcpGkeClusterArgs:
    """Inputs of GcpGkeCluster."""

    project: str
    """Project of the cluster and of the node service account."""
    region: str
    """Region of the (regional) cluster."""
    cluster_name: str
    """Physical cluster name."""
    version: str
    """Minimum Kubernetes minor version of the control plane; the release channel upgrades from there."""
    release_channel: str
    """GKE release channel (RAPID, REGULAR, STABLE)."""
    zones: Sequence[str]
    """Zones of the region the nodes spread over, pinned in settings (clouds.gcp.regions[].zones)."""
    pool_zones: Mapping[str, Sequence[str]]
    """Zones of single pools whose machine type some zones lack (clouds.gcp.regions[].pool_zones); a subset of
    `zones`. Pools not named use `zones`."""
    network: pulumi.Input[str]
    """VPC of the cluster."""
    subnetwork: pulumi.Input[str]
    """Node subnet (primary range) carrying the pod and service secondary ranges."""
    pods_range_name: str
    """Secondary range of the pods."""
    services_range_name: str
    """Secondary range of the services."""
    secrets_key_id: pulumi.Input[str]
    """Cloud KMS key for application-layer encryption of Kubernetes secrets."""
    pools: Mapping[str, NodePool]
    """Node pools by name."""
    private_endpoint: bool
    """Control plane reachable on its private endpoint only (prod)."""
    authorized_cidrs: Sequence[str]
    """Who reaches the API: the public allow-list, or with a private endpoint the in-network runner's ranges."""
    node_service_account_id: str
    """Account id of the node service account (6-30 characters, project-unique)."""
    deletion_protection: bool
    """Provider-side deletion protection and Pulumi protect (prod)."""
    labels: dict[str, str]
    """GCE labels of the cluster and the nodes."""
    maintenance: GkeMaintenance
    """When GKE may upgrade automatically (weekly window, exclusions)."""
    waits_for: Sequence[pulumi.Resource] = ()
    """What the cluster is created after besides its node grants: its GKE service agent's project role, propagated
    (GcpGkeServiceAgent.ready)."""


class GcpGkeCluster(pulumi.ComponentResource):
    """Regional GKE Standard: VPC-native on the region's subnet, private nodes (private endpoint in prod,
    allow-listed public endpoint in dev, no Google-wide access), Workload Identity, a release channel,
    shielded nodes, Dataplane V2, application-layer secrets encryption with Cloud KMS, system/workload/
    control-plane logging and monitoring with managed Prometheus, no client certificates, and separately
    managed node pools (auto-repair, auto-upgrade, surge upgrades, GKE_METADATA, secure boot) running as a
    least-privilege service account. The default node pool is removed after creation."""

    control_plane: gcp.container.Cluster
    """The cluster resource itself (what in-cluster objects are deleted with)."""
    cluster_name: pulumi.Output[str]
    """Name of the cluster."""
    endpoint: pulumi.Output[str]
    """API server URL (`https://<ip>`; the private IP in prod)."""
    oidc_issuer_url: pulumi.Output[str]
    """OIDC issuer of the cluster's service-account tokens."""
    workload_pool: str
    """Workload Identity pool (`<project>.svc.id.goog`)."""
    node_service_account_email: pulumi.Output[str]
    """Email of the nodes' service account."""
    kubeconfig: pulumi.Output[str]
    """Kubeconfig using `gke-gcloud-auth-plugin` (secret)."""

    def __init__(self, name: str, args: GcpGkeClusterArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:gcp:GkeCluster", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        node_sa = gcp.serviceaccount.Account(
            f"{name}-node-sa",
            account_id=args.node_service_account_id,
            project=args.project,
            display_name=f"GKE nodes of {args.cluster_name}",
            description="Least-privilege node identity: logs, metrics, image pulls; no workload access.",
            opts=child,
        )
        grants = [
            gcp.projects.IAMMember(
                f"{name}-node-sa-{role.removeprefix('roles/').replace('.', '-').lower()}",
                project=args.project,
                role=role,
                member=node_sa.member,
                opts=child,
            )
            for role in NODE_ROLES
        ]
        self.workload_pool = f"{args.project}.svc.id.goog"
        # Public endpoint: the allow-list; private endpoint: the in-network runner's ranges, arriving over the VPN
        # mesh (https://cloud.google.com/kubernetes-engine/docs/concepts/network-isolation#authorized_networks).
        authorized: gcp.container.ClusterMasterAuthorizedNetworksConfigArgsDict = {
            "gcp_public_cidrs_access_enabled": False,
            # Without it the list binds only the public endpoint: every internal address reaches the private one
            # (https://cloud.google.com/kubernetes-engine/docs/how-to/authorized-networks).
            "private_endpoint_enforcement_enabled": args.private_endpoint,
            "cidr_blocks": [
                {"cidr_block": cidr, "display_name": f"allow-listed-{i}"}
                for i, cidr in enumerate(args.authorized_cidrs)
            ],
        }
        cluster = gcp.container.Cluster(
            f"{name}-cluster",
            name=args.cluster_name,
            project=args.project,
            location=args.region,
            # Pinned in settings, never read live: a zone reported DOWN, or a new zone, must not plan a zone change
            # of a running cluster (gcp review 7); moving zones is a deliberate settings edit.
            node_locations=list(args.zones),
            min_master_version=args.version,
            release_channel={"channel": args.release_channel},
            network=args.network,
            subnetwork=args.subnetwork,
            networking_mode="VPC_NATIVE",
            ip_allocation_policy={
                "cluster_secondary_range_name": args.pods_range_name,
                "services_secondary_range_name": args.services_range_name,
            },
            datapath_provider="ADVANCED_DATAPATH",
            private_cluster_config={
                "enable_private_nodes": True,
                "enable_private_endpoint": args.private_endpoint,
                # The mesh's tunnels end in one region of the global VPC: the private endpoint answers clients from
                # every region (https://cloud.google.com/kubernetes-engine/docs/how-to/latest/network-isolation).
                "master_global_access_config": {"enabled": args.private_endpoint},
            },
            master_authorized_networks_config=authorized,
            master_auth={"client_certificate_config": {"issue_client_certificate": False}},
            enable_legacy_abac=False,
            workload_identity_config={"workload_pool": self.workload_pool},
            enable_shielded_nodes=True,
            database_encryption={"state": "ENCRYPTED", "key_name": args.secrets_key_id},
            logging_config={"enable_components": LOGGING_COMPONENTS},
            monitoring_config={
                "enable_components": MONITORING_COMPONENTS,
                "managed_prometheus": {"enabled": True},
            },
            # VULNERABILITY_BASIC is deprecated ("Basic vulnerability scanning is no longer supported"):
            # https://cloud.google.com/kubernetes-engine/docs/deprecations/posture-management-deprecation
            security_posture_config={"mode": "BASIC", "vulnerability_mode": "VULNERABILITY_DISABLED"},
            # Release-channel upgrades of the control plane and the pools only inside the window, never in an
            # exclusion (gcp review 9).
            maintenance_policy=maintenance_policy(args.maintenance),
            # GKE always creates a default pool; it is deleted right away, but while it lives it runs with the
            # same least-privilege identity and metadata protection as the managed pools.
            remove_default_node_pool=True,
            initial_node_count=1,
            node_config=_node_config(node_sa.email, args.labels),
            deletion_protection=args.deletion_protection,
            resource_labels=args.labels,
            # The API reports the first node pool's config as the cluster's node config once the default
            # pool is gone: ignore it rather than replace the cluster.
            opts=pulumi.ResourceOptions(
                parent=self,
                protect=args.deletion_protection,
                depends_on=[*grants, *args.waits_for],
                ignore_changes=["nodeConfig"],
            ),
        )
        # The cluster has no node once its default pool is gone: what runs in it waits for the general-purpose pools
        # (never for the optional spot or GPU ones, whose capacity may be slow or short).
        general: list[pulumi.Output[str]] = []
        for pool_name, pool in args.pools.items():
            node_pool = self._node_pool(name, pool_name, pool, cluster, node_sa, grants, args)
            if not (pool.gpu or pool.taints or pool.capacity == "spot"):
                general.append(node_pool.id)

        self.control_plane = cluster
        self.cluster_name = cluster.name
        self.endpoint = cluster.endpoint.apply(lambda ip: f"https://{ip}")
        self.oidc_issuer_url = cluster.name.apply(
            lambda cluster_name: (
                f"https://container.googleapis.com/v1/projects/{args.project}"
                f"/locations/{args.region}/clusters/{cluster_name}"
            )
        )
        self.node_service_account_email = node_sa.email
        ca_certificate = cluster.master_auth.apply(lambda auth: auth.cluster_ca_certificate or "")
        self.kubeconfig = pulumi.Output.secret(
            pulumi.Output.all(cluster.name, cluster.endpoint, ca_certificate, *general).apply(
                lambda v: _kubeconfig(v[0], v[1], v[2])
            )
        )
        self.register_outputs(
            {
                "cluster_name": self.cluster_name,
                "endpoint": self.endpoint,
                "oidc_issuer_url": self.oidc_issuer_url,
                "node_service_account_email": self.node_service_account_email,
                "kubeconfig": self.kubeconfig,
            }
        )

    def _node_pool(
        self,
        name: str,
        pool_name: str,
        pool: NodePool,
        cluster: gcp.container.Cluster,
        node_sa: gcp.serviceaccount.Account,
        grants: Sequence[pulumi.Resource],
        args: GcpGkeClusterArgs,
    ) -> gcp.container.NodePool:
        spot = pool.capacity == "spot"
        taints: list[gcp.container.NodePoolNodeConfigTaintArgsDict] = [
            {"key": t.key, "value": t.value, "effect": _EFFECTS[t.effect]} for t in pool.taints
        ]
        if spot:
            taints.append({"key": SPOT_TAINT, "value": "true", "effect": "NO_SCHEDULE"})
        node_config: gcp.container.NodePoolNodeConfigArgsDict = {
            **_node_config(node_sa.email, args.labels),
            "machine_type": pool.instance_types[0],
            "disk_size_gb": pool.disk_gb,
            "spot": spot,
            "labels": {"platform/pool": pool_name, "platform/capacity": pool.capacity, **pool.labels},
            "taints": taints,
        }
        if pool.gpu:
            # GKE taints GPU nodes nvidia.com/gpu itself and installs the driver named here.
            accelerator, count = catalog.GKE_GPU_MACHINES[pool.instance_types[0]]
            node_config["guest_accelerators"] = [
                {
                    "type": accelerator,
                    "count": count,
                    "gpu_driver_installation_config": {"gpu_driver_version": "LATEST"},
                }
            ]
        # A pool of a machine type some zones lack (L4 GPUs, C2) runs in its own zones only: GKE otherwise creates it
        # in every cluster zone and fails where the type is missing (node_locations "The list of zones in which the
        # node pool's nodes should be located", https://cloud.google.com/compute/docs/gpus/gpu-regions-zones).
        zones = list(args.pool_zones.get(pool_name) or args.zones)
        return gcp.container.NodePool(
            f"{name}-pool-{pool_name}",
            name=pool_name,
            project=args.project,
            location=args.region,
            cluster=cluster.id,
            node_locations=zones,
            # Per zone at creation; the autoscaler owns the live size within the configured totals.
            initial_node_count=math.ceil(pool.desired_size / len(zones)),
            autoscaling={
                "total_min_node_count": pool.min_size,
                "total_max_node_count": pool.max_size,
                "location_policy": "ANY" if spot else "BALANCED",
            },
            management={"auto_repair": True, "auto_upgrade": True},
            upgrade_settings={"strategy": "SURGE", "max_surge": MAX_SURGE, "max_unavailable": 0},
            node_config=node_config,
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(grants), ignore_changes=["initialNodeCount"]),
        )


def maintenance_policy(m: GkeMaintenance) -> gcp.container.ClusterMaintenancePolicyArgsDict:
    """The cluster's maintenance policy: a weekly recurring window in RFC 3339 "Zulu" times with an RFC 5545 RRULE
    (other formats come back in UTC and diff forever, per the provider), and the exclusions, each from 00:00 UTC on
    its start day to 00:00 UTC on its end day."""
    start = datetime.fromisoformat(f"{WINDOW_ANCHOR}T{m.start}:00")
    end = start + timedelta(hours=m.hours)
    zulu = "%Y-%m-%dT%H:%M:%SZ"
    return {
        "recurring_window": {
            "start_time": start.strftime(zulu),
            "end_time": end.strftime(zulu),
            "recurrence": f"FREQ=WEEKLY;BYDAY={','.join(RRULE_DAYS[d] for d in m.days)}",
        },
        "maintenance_exclusions": [
            {
                "exclusion_name": e.name,
                "start_time": f"{e.start}T00:00:00Z",
                "end_time": f"{e.end}T00:00:00Z",
                "exclusion_options": {"scope": e.scope},
            }
            for e in m.exclusions
        ],
    }


def _node_config(
    service_account: pulumi.Input[str], labels: dict[str, str]
) -> gcp.container.NodePoolNodeConfigArgsDict:
    """Node settings every pool shares: least-privilege identity, GKE metadata server, shielded VM."""
    return {
        "service_account": service_account,
        "oauth_scopes": [CLOUD_PLATFORM_SCOPE],
        "workload_metadata_config": {"mode": "GKE_METADATA"},
        "shielded_instance_config": {"enable_secure_boot": True, "enable_integrity_monitoring": True},
        "image_type": "COS_CONTAINERD",
        "disk_type": "pd-balanced",
        "metadata": {"disable-legacy-endpoints": "true"},
        "resource_labels": labels,
    }


def _kubeconfig(cluster_name: str, endpoint: str, ca_data: str) -> str:
    """Kubeconfig authenticating with gke-gcloud-auth-plugin (the caller's gcloud credentials)."""
    hint = "Install gke-gcloud-auth-plugin: gcloud components install gke-gcloud-auth-plugin"
    return exec_kubeconfig(
        cluster_name,
        f"https://{endpoint}",
        ca_data,
        "gke-gcloud-auth-plugin",
        installHint=hint,
        provideClusterInfo=True,
    )
