"""Dated catalogue of what the clouds support. Update it when a version leaves support.

Checked 2026-11 against the EKS, AKS and GKE release calendars and the RDS, Azure Flexible Server
and Cloud SQL version lists: only versions all three clouds still support are listed.
"""

from __future__ import annotations

import re

# Kubernetes minor versions supported (standard support) on EKS, AKS and GKE alike.
KUBERNETES_VERSIONS: tuple[str, ...] = ("1.34", "1.35", "1.36")
DEFAULT_KUBERNETES_VERSION = "1.35"

# PostgreSQL major versions offered by RDS, Azure Flexible Server and Cloud SQL alike.
POSTGRES_VERSIONS: tuple[str, ...] = ("14", "15", "16", "17")
DEFAULT_POSTGRES_VERSION = "16"

# prometheus-community/kube-prometheus-stack chart (Prometheus Operator, Prometheus, Alertmanager, exporters).
KUBE_PROMETHEUS_STACK_REPO = "https://prometheus-community.github.io/helm-charts"
KUBE_PROMETHEUS_STACK_VERSION = "79.5.0"

# CloudWatch Logs accepts only these retention periods (days).
CLOUDWATCH_RETENTION_DAYS: tuple[int, ...] = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)

# Cloudflare load-balancer region codes usable in geo steering.
CLOUDFLARE_REGIONS: tuple[str, ...] = (
    "WNAM",
    "ENAM",
    "WEU",
    "EEU",
    "NSAM",
    "SSAM",
    "OC",
    "ME",
    "NAF",
    "SAF",
    "SAS",
    "SEAS",
    "NEAS",
)

RDS_INSTANCE_CLASS = re.compile(r"db\.[a-z0-9]+\.[a-z0-9]+")
AZURE_POSTGRES_SKU = re.compile(r"(B|GP|MO)_Standard_[A-Za-z0-9_]+")
AZURE_POSTGRES_TIERS = {"B": "Burstable", "GP": "GeneralPurpose", "MO": "MemoryOptimized"}
# Cloud SQL for PostgreSQL: shared-core or custom machine types; db-standard-*/db-n1-* are MySQL-only.
CLOUDSQL_POSTGRES_TIER = re.compile(r"db-f1-micro|db-g1-small|db-custom-(\d+)-(\d+)|db-perf-optimized-N-(\d+)")
CLOUDSQL_TIER_HELP = (
    "db-custom-<vCPUs>-<MiB> (e.g. db-custom-4-16384), db-perf-optimized-N-<vCPUs>, db-f1-micro, db-g1-small"
)

# Azure region pairs: where geo-redundant backups of a region's databases are stored (prod).
AZURE_PAIRED_REGIONS = {
    "eastus": "westus",
    "westus": "eastus",
    "eastus2": "centralus",
    "centralus": "eastus2",
    "westus2": "westcentralus",
    "westcentralus": "westus2",
    "westus3": "eastus",
    "northcentralus": "southcentralus",
    "southcentralus": "northcentralus",
    "northeurope": "westeurope",
    "westeurope": "northeurope",
    "uksouth": "ukwest",
    "ukwest": "uksouth",
    "francecentral": "francesouth",
    "germanywestcentral": "germanynorth",
    "swedencentral": "swedensouth",
    "southeastasia": "eastasia",
    "eastasia": "southeastasia",
    "japaneast": "japanwest",
    "japanwest": "japaneast",
    "australiaeast": "australiasoutheast",
    "australiasoutheast": "australiaeast",
    "canadacentral": "canadaeast",
    "canadaeast": "canadacentral",
}

# GKE machine types with attached GPUs: machine type -> (accelerator type, count). GPU pools on GCP use these.
GKE_GPU_MACHINES: dict[str, tuple[str, int]] = {
    **{f"g2-standard-{n}": ("nvidia-l4", 1) for n in (4, 8, 12, 16, 32)},
    "g2-standard-24": ("nvidia-l4", 2),
    "g2-standard-48": ("nvidia-l4", 4),
    "g2-standard-96": ("nvidia-l4", 8),
    **{f"a2-highgpu-{n}g": ("nvidia-tesla-a100", n) for n in (1, 2, 4, 8)},
}
# Addresses inside the clusters that no network may use: AKS overlay pods (SNATed to the node IP when they leave it)
# and the Kubernetes services of AKS and EKS (virtual, answered on each node). Every region reaches the others (its
# own cloud's over peering or the shared VPC, the other clouds' over the VPN mesh), so a region range overlapping one
# of these would be captured inside those clusters.
CLUSTER_POD_CIDR = "172.20.0.0/16"
CLUSTER_SERVICE_CIDR = "172.21.0.0/16"
CLUSTER_DNS_SERVICE_IP = "172.21.0.10"

# ASNs an Azure VPN gateway may not use (Azure's own BGP infrastructure).
AZURE_RESERVED_ASNS: tuple[int, ...] = tuple(range(65515, 65521))

# VPN gateway quotas: connections one AWS virtual private gateway takes; S2S tunnels per Azure gateway SKU.
AWS_VPN_CONNECTIONS_PER_VGW = 10
AZURE_VPN_TUNNELS: dict[str, int] = {"VpnGw1AZ": 30, "VpnGw2AZ": 30, "VpnGw3AZ": 30, "VpnGw4AZ": 100, "VpnGw5AZ": 100}
# Azure VPN gateway SKUs that exist only in Generation1 (VpnGw4AZ/5AZ only in Generation2; 2AZ/3AZ in both).
AZURE_GENERATION1_SKUS = ("VpnGw1AZ",)

# Cloudflare's IPv4 ranges (https://www.cloudflare.com/ips-v4/, unchanged since 2023; checked 2026-11): the only
# clients the clusters' ingress load balancers and network policies admit from the internet.
CLOUDFLARE_IPV4_RANGES: tuple[str, ...] = (
    "173.245.48.0/20",
    "103.21.244.0/22",
    "103.22.200.0/22",
    "103.31.4.0/22",
    "141.101.64.0/18",
    "108.162.192.0/18",
    "190.93.240.0/20",
    "188.114.96.0/20",
    "197.234.240.0/22",
    "198.41.128.0/17",
    "162.158.0.0/15",
    "104.16.0.0/13",
    "104.24.0.0/14",
    "172.64.0.0/13",
    "131.0.72.0/22",
)
