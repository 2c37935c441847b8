"""Dated catalogue of what the clouds support. Update it when a version leaves support.

Checked 2026-11 against the EKS, AKS and GKE release calendars and the RDS, Azure Flexible Server
and Cloud SQL version lists: only versions all three clouds still support are listed. Kubernetes rechecked
2026-12-03 against the EKS release calendar (https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html):
1.34's standard support ended 2026-12-02, so it is gone (an upgrade_policy STANDARD cluster would be auto-upgraded
off it); 1.35 (EKS release 2026-01-27) stays in standard support until 2027-03-27, 1.36 beyond.
"""

from __future__ import annotations

import re

# Kubernetes minor versions supported (standard support) on EKS, AKS and GKE alike (EKS: 14 months of standard
# support from its EKS release, https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html).
KUBERNETES_VERSIONS: tuple[str, ...] = ("1.35", "1.36")
DEFAULT_KUBERNETES_VERSION = "1.35"

# PostgreSQL major versions offered by RDS, Azure Flexible Server and Cloud SQL alike.
POSTGRES_VERSIONS: tuple[str, ...] = ("14", "15", "16", "17")
DEFAULT_POSTGRES_VERSION = "16"

# prometheus-community/kube-prometheus-stack chart (Prometheus Operator, Prometheus, Alertmanager, exporters):
# 88.5.3 is the chart's newest release (Prometheus Operator v0.93.1, kubeVersion >=1.25; Chart.yaml and UPGRADE.md
# of https://github.com/prometheus-community/helm-charts/tree/main/charts/kube-prometheus-stack).
KUBE_PROMETHEUS_STACK_REPO = "https://prometheus-community.github.io/helm-charts"
KUBE_PROMETHEUS_STACK_VERSION = "88.5.3"

# kubernetes/autoscaler cluster-autoscaler chart (EKS only; AKS and GKE autoscale natively). Its README: "we recommend
# that users always use the latest Cluster Autoscaler release that corresponds to the minor version of Kubernetes that
# their cluster is running" (https://github.com/kubernetes/autoscaler/blob/master/cluster-autoscaler/README.md#releases).
# Chart 9.59.0 (2026-07-21) is the newest, appVersion 1.35.0 (no chart ships 1.36 yet); the image tag follows the
# cluster's minor from the table below (the newest patch of each minor, tags checked 2026-12-03), so a 1.36 cluster
# runs autoscaler 1.36.
CLUSTER_AUTOSCALER_REPO = "https://kubernetes.github.io/autoscaler"
CLUSTER_AUTOSCALER_CHART_VERSION = "9.59.0"
CLUSTER_AUTOSCALER_IMAGE_TAGS: dict[str, str] = {"1.35": "v1.35.2", "1.36": "v1.36.1"}
"""Cluster Autoscaler image tag per Kubernetes minor (one for every KUBERNETES_VERSIONS entry)."""

# NVIDIA k8s-device-plugin chart: advertises nvidia.com/gpu on EKS GPU nodes (the EKS AL2023 NVIDIA AMIs ship the
# driver but not the plugin, https://docs.aws.amazon.com/eks/latest/userguide/ml-eks-optimized-ami.html).
# v0.20.0 released 2026-08-19 (https://github.com/NVIDIA/k8s-device-plugin/releases).
NVIDIA_DEVICE_PLUGIN_REPO = "https://nvidia.github.io/k8s-device-plugin"
NVIDIA_DEVICE_PLUGIN_VERSION = "0.20.0"

# Logical name of each AWS region's S3 server-access-log bucket: named like the configured buckets, which can never
# take it (their names are 3-12 lowercase alphanumerics, no hyphen).
ACCESS_LOG_BUCKET = "access-logs"

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

CLOUDFLARE_MONITOR_INTERVAL_S: dict[str, tuple[int, int]] = {
    # The minimum follows the zone's plan: "Minimum time in seconds is 60 (Pro), 15 (Business), and 10 (Enterprise)"
    # (https://developers.cloudflare.com/learning-paths/load-balancing/setup/create-monitor). The limitations page's
    # "Non-Enterprise 15s (min), 3600s (max); Enterprise 10s (min), 3600s (max)"
    # (https://developers.cloudflare.com/load-balancing/reference/limitations/) is the floor a non-Enterprise zone can
    # reach, so below Business the stricter 60 s is taken: a 15 s monitor on a Free or Pro zone is refused at create
    # (crosscloud review, 2026-12-04). Free is not named; it is held to Pro's floor.
    "free": (60, 3600),
    "pro": (60, 3600),
    "business": (15, 3600),
    "enterprise": (10, 3600),
}
"""(minimum, maximum) load-balancer monitor interval per Cloudflare plan, in seconds."""
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

# Flexible Server compute: Burstable B-series, General Purpose D-series, Memory Optimized E-series,
# https://learn.microsoft.com/azure/postgresql/flexible-server/concepts-compute
AZURE_POSTGRES_SKU = re.compile(
    r"B_Standard_B\d+[a-z]*(?:_v\d+)?|GP_Standard_D\d+[a-z]*(?:_v\d+)?|MO_Standard_E\d+(?:-\d+)?[a-z]*(?:_v\d+)?"
)
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

# --- regions (checked 2026-11 against each cloud's region list) -------------------------------------------------
# AWS commercial regions, https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html
# (GovCloud and China are other partitions, with other ARNs and endpoints: not supported by this program).
AWS_REGIONS: frozenset[str] = frozenset({
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "ca-west-1", "mx-central-1", "sa-east-1",
    "eu-central-1", "eu-central-2", "eu-west-1", "eu-west-2", "eu-west-3", "eu-south-1", "eu-south-2", "eu-north-1",
    "il-central-1", "me-south-1", "me-central-1", "af-south-1", "ap-east-1", "ap-east-2", "ap-south-1", "ap-south-2",
    "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-6",
    "ap-southeast-7", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
})
# Azure public-cloud regions by programmatic name, https://learn.microsoft.com/azure/reliability/regions-list
AZURE_REGIONS: frozenset[str] = frozenset({
    "eastus", "eastus2", "centralus", "northcentralus", "southcentralus", "westcentralus", "westus", "westus2",
    "westus3", "canadacentral", "canadaeast", "brazilsouth", "brazilsoutheast", "mexicocentral", "chilecentral",
    "northeurope", "westeurope", "uksouth", "ukwest", "francecentral", "francesouth", "germanywestcentral",
    "germanynorth", "switzerlandnorth", "switzerlandwest", "norwayeast", "norwaywest", "swedencentral",
    "swedensouth", "polandcentral", "italynorth", "spaincentral", "austriaeast", "belgiumcentral", "denmarkeast",
    "israelcentral", "qatarcentral", "uaenorth", "uaecentral", "southafricanorth", "southafricawest",
    "centralindia", "southindia", "westindia", "jioindiawest", "jioindiacentral", "eastasia", "southeastasia",
    "japaneast", "japanwest", "koreacentral", "koreasouth", "australiaeast", "australiasoutheast",
    "australiacentral", "australiacentral2", "newzealandnorth", "indonesiacentral", "malaysiawest",
})
# Google Cloud regions, https://cloud.google.com/compute/docs/regions-zones
GCP_REGIONS: frozenset[str] = frozenset({
    "us-central1", "us-east1", "us-east4", "us-east5", "us-south1", "us-west1", "us-west2", "us-west3", "us-west4",
    "northamerica-northeast1", "northamerica-northeast2", "northamerica-south1", "southamerica-east1",
    "southamerica-west1", "europe-west1", "europe-west2", "europe-west3", "europe-west4", "europe-west6",
    "europe-west8", "europe-west9", "europe-west10", "europe-west12", "europe-central2", "europe-north1",
    "europe-north2", "europe-southwest1", "me-west1", "me-central1", "me-central2", "africa-south1", "asia-east1",
    "asia-east2", "asia-northeast1", "asia-northeast2", "asia-northeast3", "asia-south1", "asia-south2",
    "asia-southeast1", "asia-southeast2", "australia-southeast1", "australia-southeast2",
})
# Zones of the GCP regions the stacks and tests use (a region's zone letters are not always a-c: us-east1 has no
# -a), https://cloud.google.com/compute/docs/regions-zones#available. The GKE node zones default to the first ones
# here; any other region names its zones in clouds.gcp.regions[].zones. Static: a live zone list would plan a zone
# change on a running cluster whenever a zone reports DOWN (gcp review 7).
GCP_ZONES: dict[str, tuple[str, ...]] = {
    "us-central1": ("us-central1-a", "us-central1-b", "us-central1-c", "us-central1-f"),
    "us-east1": ("us-east1-b", "us-east1-c", "us-east1-d"),
    "us-east4": ("us-east4-a", "us-east4-b", "us-east4-c"),
    "us-west1": ("us-west1-a", "us-west1-b", "us-west1-c"),
    "europe-west1": ("europe-west1-b", "europe-west1-c", "europe-west1-d"),
    "northamerica-northeast1": ("northamerica-northeast1-a", "northamerica-northeast1-b", "northamerica-northeast1-c"),
    "asia-southeast1": ("asia-southeast1-a", "asia-southeast1-b", "asia-southeast1-c"),
}
GCP_ZONE = re.compile(r"(?P<region>[a-z]+-[a-z]+\d+)-(?P<letter>[a-z])")
"""A zone name: the region, a hyphen, one letter (`us-central1-a`)."""
REGIONS: dict[str, frozenset[str]] = {"aws": AWS_REGIONS, "azure": AZURE_REGIONS, "gcp": GCP_REGIONS}

# --- instance types (checked 2026-11; node pools and database tiers) ----------------------------------------------
# EC2 families EKS managed node groups run on (current generation), https://aws.amazon.com/ec2/instance-types/
EC2_FAMILIES: frozenset[str] = frozenset({
    "t3", "t3a", "t4g", "m5", "m5a", "m5ad", "m5d", "m5dn", "m5n", "m5zn", "m6a", "m6g", "m6gd", "m6i", "m6id",
    "m6idn", "m6in", "m7a", "m7g", "m7gd", "m7i", "m7i-flex", "m8g", "m8gd", "m8i", "c5", "c5a", "c5ad", "c5d", "c5n",
    "c6a", "c6g", "c6gd", "c6gn", "c6i", "c6id", "c6in", "c7a", "c7g", "c7gd", "c7gn", "c7i", "c7i-flex", "c8g",
    "r5", "r5a", "r5ad", "r5b", "r5d", "r5dn", "r5n", "r6a", "r6g", "r6gd", "r6i", "r6id", "r6idn", "r6in", "r7a",
    "r7g", "r7gd", "r7i", "r7iz", "r8g", "x2gd", "x2idn", "x2iedn", "z1d", "i3", "i3en", "i4g", "i4i", "d3", "d3en",
    "p3", "p3dn", "p4d", "p4de", "p5", "p5e", "p5en", "g4dn", "g4ad", "g5", "g5g", "g6", "g6e", "gr6", "inf2", "trn1",
})
# EC2 families with NVIDIA GPUs (what the nvidia.com/gpu taint and the device plugin are for),
# https://docs.aws.amazon.com/ec2/latest/instancetypes/ac.html
EC2_GPU_FAMILIES: frozenset[str] = frozenset({
    "p3", "p3dn", "p4d", "p4de", "p5", "p5e", "p5en", "g4dn", "g5", "g5g", "g6", "g6e", "gr6",
})
EC2_INSTANCE_TYPE = re.compile(
    r"(?P<family>[a-z]+\d+[a-z]*(?:-flex)?)\.(?P<size>nano|micro|small|medium|large|\d*xlarge|metal(?:-\d+xl)?)"
)
# RDS for PostgreSQL instance classes, https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.DBInstanceClass.Support.html
RDS_FAMILIES: frozenset[str] = frozenset({
    "t3", "t4g", "m5", "m5d", "m6g", "m6gd", "m6i", "m6id", "m6idn", "m6in", "m7g", "m7i", "m8g", "r5", "r5b", "r5d",
    "r6g", "r6gd", "r6i", "r6id", "r6idn", "r6in", "r7g", "r7i", "r8g", "x2g",
})
RDS_INSTANCE_CLASS = re.compile(r"db\.(?P<family>[a-z]+\d+[a-z]*)\.(?P<size>micro|small|medium|large|\d*xlarge)")
# Azure VM sizes `Standard_<family><vCPUs>[-<constrained>]<features>[_<accelerator>][_v<version>]`,
# https://learn.microsoft.com/azure/virtual-machines/vm-naming-conventions
AZURE_VM_SIZE = re.compile(
    r"Standard_(?P<family>[A-Z]{1,3})(?P<vcpus>\d+)(?:-\d+)?[a-z]*(?:_[A-Z][A-Z0-9]*)?(?:_v\d+)?"
)
AZURE_VM_FAMILIES: frozenset[str] = frozenset({
    "B", "D", "DC", "E", "EC", "F", "FX", "L", "M", "NC", "ND", "NG", "NV", "HB", "HC", "HX",
})
# NVIDIA GPU families (NVv4 is AMD, and NG is AMD Radeon: not for nvidia.com/gpu pools),
# https://learn.microsoft.com/azure/virtual-machines/sizes/overview#gpu-accelerated
AZURE_GPU_FAMILIES: frozenset[str] = frozenset({"NC", "ND", "NV"})
# GCE machine types: `<family>-<kind>-<vCPUs>`, e2-micro/small/medium, or `<family>-custom-<vCPUs>-<MiB>`,
# https://cloud.google.com/compute/docs/machine-resource
GCE_MACHINE_TYPE = re.compile(
    r"(?P<family>[a-z]\d[a-z]?)-(?:(?:micro|small|medium)|custom-\d+-\d+(?:-ext)?|"
    r"(?:standard|highmem|highcpu|highgpu|megagpu|ultragpu|edgegpu|ultramem|megamem|hypermem)-\d+(?:g|-lssd|-metal)?)"
)
GCE_FAMILIES: frozenset[str] = frozenset({
    "e2", "n1", "n2", "n2d", "n4", "c2", "c2d", "c3", "c3d", "c4", "c4a", "c4d", "t2a", "t2d", "m1", "m2", "m3",
    "m4", "a2", "a3", "a4", "g2", "h3", "z3",
})


def instance_type_problem(cloud: str, instance_type: str) -> str | None:
    """Why `instance_type` is not a node type of `cloud`, or None."""
    if cloud == "aws":
        match = EC2_INSTANCE_TYPE.fullmatch(instance_type)
        if not match or match["family"] not in EC2_FAMILIES:
            return "is not an EC2 instance type; allowed: <family>.<size> of a current family, e.g. m6i.large"
    elif cloud == "azure":
        match = AZURE_VM_SIZE.fullmatch(instance_type)
        if not match or match["family"] not in AZURE_VM_FAMILIES:
            return "is not an Azure VM size; allowed: Standard_<family><vCPUs>..., e.g. Standard_D4s_v5"
    else:
        match = GCE_MACHINE_TYPE.fullmatch(instance_type)
        if not match or match["family"] not in GCE_FAMILIES:
            return "is not a Compute Engine machine type; allowed: <family>-<kind>-<vCPUs>, e.g. e2-standard-4"
    return None


def has_gpu(cloud: str, instance_type: str) -> bool:
    """`instance_type` has NVIDIA GPUs attached."""
    if cloud == "aws":
        match = EC2_INSTANCE_TYPE.fullmatch(instance_type)
        return bool(match and match["family"] in EC2_GPU_FAMILIES)
    if cloud == "azure":
        match = AZURE_VM_SIZE.fullmatch(instance_type)
        return bool(match and match["family"] in AZURE_GPU_FAMILIES)
    return instance_type in GKE_GPU_MACHINES


_EC2_SIZE_VCPUS = {"nano": 2, "micro": 2, "small": 2, "medium": 2, "large": 2, "xlarge": 4}


def vcpus(cloud: str, instance_type: str) -> int | None:
    """vCPUs of a node type as its name tells them (an upper estimate for shared-core sizes), or None."""
    if cloud == "aws":
        match = EC2_INSTANCE_TYPE.fullmatch(instance_type)
        if not match or match["size"].startswith("metal"):
            return None
        size = match["size"]
        return _EC2_SIZE_VCPUS.get(size) or int(size.removesuffix("xlarge")) * 4
    if cloud == "azure":
        match = AZURE_VM_SIZE.fullmatch(instance_type)
        return int(match["vcpus"]) if match else None
    match = re.fullmatch(r"[a-z]\d[a-z]?-(?:custom-(\d+)-\d+(?:-ext)?|[a-z]+-(\d+)(?:g|-lssd|-metal)?)", instance_type)
    if match:
        return int(match[1] or match[2])
    return 2 if GCE_MACHINE_TYPE.fullmatch(instance_type) else None
