"""Pydantic models of one stack's configuration (`multicloud-platform:platform`).

Field defaults are the secure, production-grade ones; `ENVIRONMENT_DEFAULTS` relaxes a few for
`dev`. Cross-field rules live in `rules.py`; loading and error formatting in `loader.py`.
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from ipaddress import IPv4Network
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..lib.aks_pools import BOOTSTRAP_POOL, MAX_BASE_LENGTH
from ..lib.gcs_locations import default_pair
from ..lib.naming import StackNames
from ..lib.private_dns import DnsPlan, plan_dns
from ..lib.tunnels import MeshPlan, plan_mesh
from . import catalog
from .durations import Duration
from .fields import (
    Cidr,
    Clock,
    CodeConnectionArn,
    DnsZone,
    GithubRepository,
    Guid,
    IamRoleArn,
    IsoDate,
    KubernetesName,
    LabelKey,
    LabelValue,
    RecordName,
    ServiceAccountEmail,
    shown,
)

Cloud = Literal["aws", "azure", "gcp"]
CLOUDS: tuple[Cloud, ...] = ("aws", "azure", "gcp")
Environment = Literal["dev", "prod"]


class Model(BaseModel):
    """Strict base: unknown keys are errors (a typo must not silently fall back to a default), and every value must
    be of its field's YAML type (no `"yes"` for true, no `10.0` for 10, no number for a text)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def _version_string(value: Any, what: str, supported: tuple[str, ...]) -> Any:
    """YAML reads `1.30` as the float 1.3: insist on a quoted version for Kubernetes."""
    if isinstance(value, float):
        raise ValueError(f"write the {what} version as a quoted string; supported: {', '.join(supported)}")
    return str(value) if isinstance(value, int) else value


# --- clouds -------------------------------------------------------------------------------------

# RFC 1918: the only ranges a region network may use (not loopback, link-local, benchmarking...).
PRIVATE_RANGES = (IPv4Network("10.0.0.0/8"), IPv4Network("172.16.0.0/12"), IPv4Network("192.168.0.0/16"))


class Region(Model):
    """One region of one cloud and its private address space."""

    name: str = Field(
        description="Cloud region name, e.g. us-east-1, eastus, us-central1 (one of the cloud's regions).",
        min_length=2,
        max_length=40,
    )
    cidr: Cidr = Field(description="Private CIDR of the region's network (/16 to /20).")
    weight: float = Field(
        1.0,
        ge=0.0,
        le=1.0,
        description="Origin weight of this region's ingress in its own Cloudflare pool (one pool per region: the "
        "weight splits traffic among that region's addresses only); 0 drains the region, its pool left out of "
        "steering.",
    )

    @field_validator("cidr")
    @classmethod
    def _private_and_sized(cls, cidr: IPv4Network) -> IPv4Network:
        if not any(cidr.subnet_of(private) for private in PRIVATE_RANGES):
            raise ValueError(f"{cidr} is not a private range; allowed: 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16")
        if not 16 <= cidr.prefixlen <= 20:
            raise ValueError(f"{cidr} is a /{cidr.prefixlen}; allowed: /16 to /20 (room for 3 AZs of subnets)")
        return cidr


class CloudSettings(Model):
    """Whether and where one cloud runs."""

    enabled: bool = Field(True, description="Provision this cloud.")
    role: Literal["primary", "secondary", "tertiary"] = Field(description="Failover order of the cloud.")
    regions: list[Region] = Field(min_length=1, description="Regions, the first is the cloud's primary region.")


class GcpRegionSettings(Region):
    """A GCP region: its address space and the zones GKE places nodes in, pinned here rather than read live (a zone
    reported DOWN, or a new zone, must never become a zone change of a running cluster: gcp review 7)."""

    zones: list[str] = Field(
        default_factory=list,
        description="GKE node zones of the region (2-4 of its zones, e.g. us-central1-a); empty: the first "
        "network.availability_zones zones of the region in components/settings/catalog.py GCP_ZONES.",
    )
    pool_zones: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Node zones of single pools, by kubernetes.pools.gcp name, for machine types offered in some "
        "zones only (L4 GPUs, C2): a subset of the region's node zones; pools not named here use them all.",
    )

    def node_zones(self, count: int) -> list[str]:
        """The cluster's node zones: the pinned ones, else the first `count` of the catalog's."""
        return list(self.zones) or list(catalog.GCP_ZONES.get(self.name, ())[:count])

    def pool_node_zones(self, pool: str, count: int) -> list[str]:
        """The node zones of one pool: its own if pinned, else the cluster's."""
        return list(self.pool_zones.get(pool) or self.node_zones(count))


def _regions(*specs: tuple[str, str, float], cls: type[Region] = Region) -> list[Any]:
    return [cls(name=name, cidr=IPv4Network(cidr), weight=weight) for name, cidr, weight in specs]


class AwsSettings(CloudSettings):
    """AWS: regions only; credentials come from the environment, never from config."""

    role: Literal["primary", "secondary", "tertiary"] = Field("primary", description="Failover order of the cloud.")
    regions: list[Region] = Field(
        default_factory=lambda: _regions(("us-east-1", "10.10.0.0/16", 1.0), ("us-west-2", "10.11.0.0/16", 0.8)),
        min_length=1,
        description="Regions, the first is the cloud's primary region.",
    )


class AzureSettings(CloudSettings):
    """Azure: the subscription to deploy into."""

    role: Literal["primary", "secondary", "tertiary"] = Field("secondary", description="Failover order of the cloud.")
    regions: list[Region] = Field(
        default_factory=lambda: _regions(("eastus", "10.20.0.0/16", 0.7), ("westus2", "10.21.0.0/16", 0.6)),
        min_length=1,
        description="Regions, the first is the cloud's primary region.",
    )
    subscription_id: Guid | None = Field(
        None, description="Subscription id (defaults to azure-native:subscriptionId)."
    )
    admin_group_object_ids: list[Guid] = Field(
        default_factory=list,
        description="Entra ID group object ids granted cluster-admin on AKS (Entra ID only, local accounts off; "
        "required in prod).",
    )
    kms_key_generation: int = Field(
        1,
        ge=1,
        le=999,
        description="Generation of the AKS KMS key (it never auto-rotates): raise it by one to rotate, then "
        "re-encrypt the cluster's secrets before the next raise (docs/DEPLOY_CHECK.md).",
    )


class AwsDeployer(Model):
    """The AWS principal that deploys: an IAM role (the runner's role, or the role operators assume)."""

    role_arn: IamRoleArn = Field(description="IAM role ARN, arn:aws:iam::<12-digit account>:role/<name>.")

    @property
    def account_id(self) -> str:
        """The 12-digit account of the role: the only account this stack's AWS providers may act in."""
        return self.role_arn.split(":")[4]


class AzureDeployer(Model):
    """The Entra ID principal that deploys: a group of operators or the pipeline's service principal."""

    object_id: Guid = Field(description="Entra ID object id of the principal (not its application/client id).")
    principal_type: Literal["ServicePrincipal", "Group", "User"] = Field(
        description="Entra ID type of the principal; role assignments name it."
    )


class GcpDeployer(Model):
    """The Google Cloud principal that deploys: a service account."""

    service_account: ServiceAccountEmail = Field(
        description="Service account e-mail, <name>@<project>.iam.gserviceaccount.com."
    )


class PreviewPrincipals(Model):
    """The read-only identities the PR workflow's previews run as, granted read access inside every cluster (the
    diff of the in-cluster objects): never the deployer."""

    aws: AwsDeployer | None = Field(None, description="The preview IAM role (vars.AWS_PREVIEW_ROLE_ARN).")
    azure: AzureDeployer | None = Field(None, description="The preview Entra principal (vars.AZURE_CLIENT_ID's).")
    gcp: GcpDeployer | None = Field(None, description="The preview service account (vars.GCP_SERVICE_ACCOUNT).")


class RunnerSettings(Model):
    """The in-network runner: AWS CodeBuild hosting the repository's GitHub Actions jobs in the primary AWS region's
    private subnets (components/aws/runner.py, docs/DEPLOY.md)."""

    repository: GithubRepository = Field(description="The GitHub repository whose workflow jobs run on it.")
    connection_arn: CodeConnectionArn = Field(
        description="The CodeConnections connection to GitHub (created and authorized once in the console, in the "
        "primary AWS region: a connection starts PENDING until its handshake; the preflight checks it is AVAILABLE)."
    )
    compute_type: Literal["BUILD_GENERAL1_SMALL", "BUILD_GENERAL1_MEDIUM", "BUILD_GENERAL1_LARGE"] = Field(
        "BUILD_GENERAL1_MEDIUM", description="CodeBuild compute type of each job (MEDIUM: 4 vCPU, 7 GB)."
    )
    # https://docs.aws.amazon.com/codebuild/latest/APIReference/API_CreateProject.html#CodeBuild-CreateProject-request-timeoutInMinutes
    timeout_minutes: int = Field(
        300,
        ge=5,
        le=2160,
        description="A build's time limit in minutes (CodeBuild allows 5-2160): above the jobs' own 240, so a job's "
        "timeout, never CodeBuild's kill, ends a run that takes too long; a prod up takes about an hour.",
    )


class DeployerSettings(Model):
    """Who deploys and from where (docs/DEPLOY.md): grants and access entries key on these principals, never on
    the caller of the run."""

    position: Literal["outside", "in-network"] = Field(
        description="outside: from the internet (egress_cidrs); in-network: the runner in the primary AWS region's "
        "private subnets."
    )
    egress_cidrs: list[Cidr] = Field(
        default_factory=list,
        description="Public CIDRs an outside deployer comes from (required when outside and any cluster API is "
        "public).",
    )
    aws: AwsDeployer | None = Field(None, description="The AWS deployer (required with AWS enabled).")
    azure: AzureDeployer | None = Field(None, description="The Azure deployer (required with Azure enabled).")
    gcp: GcpDeployer | None = Field(None, description="The Google Cloud deployer (required with GCP enabled).")
    preview: PreviewPrincipals | None = Field(
        None,
        description="The PR workflow's read-only preview principals: EKS view, AKS RBAC Reader and cluster user, "
        "GKE container viewer in every cluster (docs/DEPLOY.md).",
    )
    runner: RunnerSettings | None = Field(
        None,
        description="The in-network runners (required in-network with AWS enabled); their jobs assume the deployer "
        "through OIDC. Without AWS none is built: bring an in-network runner of your own.",
    )


# https://cloud.google.com/resource-manager/docs/creating-managing-projects#before_you_begin
GCP_PROJECT_ID = r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$"


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _weekend() -> list[Weekday]:
    return ["sat", "sun"]


class GkeMaintenanceExclusion(Model):
    """A period without automatic GKE upgrades (a release, a sales event), from 00:00 UTC on `start` to 00:00 UTC on
    `end`. https://cloud.google.com/kubernetes-engine/docs/concepts/maintenance-windows-and-exclusions"""

    name: str = Field(
        pattern=r"^[a-z0-9][a-z0-9-]{0,62}$", description="Name of the exclusion: 1-63 of a-z 0-9 -, unique."
    )
    start: IsoDate = Field(description="First day without upgrades (UTC date, YYYY-MM-DD).")
    end: IsoDate = Field(description="Day upgrades may resume (UTC date, after start; exclusive).")
    scope: Literal["NO_UPGRADES", "NO_MINOR_UPGRADES", "NO_MINOR_OR_NODE_UPGRADES"] = Field(
        "NO_UPGRADES",
        description="What is held back: NO_UPGRADES (at most 30 days, patches too), NO_MINOR_UPGRADES or "
        "NO_MINOR_OR_NODE_UPGRADES (until the minor's end of support).",
    )


class GkeMaintenance(Model):
    """When GKE may upgrade the control plane and the nodes automatically: a weekly window (UTC) and exclusions.
    GKE needs at least 48 hours of availability in any 32 days, in windows of at least 4 hours
    (https://cloud.google.com/kubernetes-engine/docs/how-to/maintenance-windows-and-exclusions)."""

    days: list[Weekday] = Field(
        default_factory=_weekend, min_length=1, description="Days the window opens (UTC), each once."
    )
    start: Clock = Field("02:00", description="Start of the window (HH:MM, UTC).")
    hours: int = Field(
        8, ge=4, le=24, description="Length of the window in hours (4-24; days x hours x 4 must reach 48)."
    )
    exclusions: list[GkeMaintenanceExclusion] = Field(
        default_factory=list,
        max_length=20,  # "A cluster can have up to 20 maintenance exclusions at a time" (pulumi-gcp Cluster docs)
        description="Periods without automatic upgrades (at most 20).",
    )


class GcpSettings(CloudSettings):
    """GCP: the project to deploy into."""

    role: Literal["primary", "secondary", "tertiary"] = Field("tertiary", description="Failover order of the cloud.")
    regions: list[GcpRegionSettings] = Field(  # type: ignore[assignment]
        default_factory=lambda: _regions(
            ("us-central1", "10.30.0.0/16", 0.5), ("us-east1", "10.31.0.0/16", 0.5), cls=GcpRegionSettings
        ),
        min_length=1,
        description="Regions, the first is the cloud's primary region.",
    )
    project: str | None = Field(
        None,
        pattern=GCP_PROJECT_ID,
        description="Project id (defaults to gcp:project): 6-30 lowercase letters, digits and hyphens, from a letter.",
    )
    release_channel: Literal["RAPID", "REGULAR", "STABLE"] = Field(
        "REGULAR", description="GKE release channel (automatic control-plane and node upgrades)."
    )
    key_rotation_days: int = Field(
        90,
        ge=2,  # Cloud KMS requires a rotation period above one day
        le=365,
        description="Rotation period of the Cloud KMS keys (GKE secrets, Cloud SQL, GCS, Secret Manager).",
    )
    soft_delete_days: int = Field(
        7, ge=7, le=90, description="GCS soft-delete retention: deleted objects stay restorable this long."
    )
    billing_account: str | None = Field(
        None,
        pattern=r"^[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$",
        description="Cloud Billing account of the project (the GCP budget lives there; required in prod).",
    )
    backups_retention_days: int = Field(
        7,
        ge=1,
        le=3650,
        description="Retention policy of the GCP backups buckets (where the other clouds' copies land): objects can "
        "be neither deleted nor replaced for this many days, by anyone (GCS then allows no object versioning).",
    )
    backups_retention_locked: bool = Field(
        False,
        description="Lock that retention policy (Bucket Lock): irreversible, it can then never be shortened or "
        "removed, and the bucket not deleted before its objects age out.",
    )
    backups_dual_region: list[str] | None = Field(
        None,
        max_length=2,
        description="The two regions the primary GCP region's backups bucket (the DR sink the other clouds' copies "
        "land in) keeps its objects in: a configurable dual-region of one multi-region including clouds.gcp.regions[0] "
        "(e.g. [us-central1, us-east4]; US regions only, and not us-central1 + us-east1, which pair only as the "
        "predefined NAM4), its CMEK key in that multi-region's Cloud KMS location (us), turbo replication. Unset: in "
        "prod clouds.gcp.regions[0] with regions[1] when they pair, else with us-east4 (or us-central1); dev: none. "
        "[]: a single-region bucket (refused in prod).",
    )
    maintenance: GkeMaintenance = Field(
        default_factory=GkeMaintenance,
        description="GKE maintenance window and exclusions (default: Saturday and Sunday 02:00-10:00 UTC).",
    )


class Clouds(Model):
    """The three clouds; the seed's layout is AWS primary, Azure secondary, GCP tertiary."""

    aws: AwsSettings = Field(default_factory=AwsSettings, description="Amazon Web Services.")
    azure: AzureSettings = Field(default_factory=AzureSettings, description="Microsoft Azure.")
    gcp: GcpSettings = Field(default_factory=GcpSettings, description="Google Cloud.")

    def enabled(self) -> dict[Cloud, CloudSettings]:
        """The enabled clouds, in failover order (primary first)."""
        order = {"primary": 0, "secondary": 1, "tertiary": 2}
        clouds: dict[Cloud, CloudSettings] = {c: getattr(self, c) for c in CLOUDS if getattr(self, c).enabled}
        return dict(sorted(clouds.items(), key=lambda item: order[item[1].role]))


# --- network ------------------------------------------------------------------------------------


class NetworkSettings(Model):
    """Per-region network shape."""

    availability_zones: int = Field(3, ge=2, le=3, description="Zones to spread subnets over.")
    nat: Literal["per_az", "single"] = Field(
        "per_az", description="NAT gateway per zone (HA) or one (cheap). dev: single."
    )
    flow_log_retention_days: int = Field(
        365, description="Flow-log retention in days (a CloudWatch Logs value). dev: 30."
    )

    log_daily_cap_gb: float = Field(
        20,
        gt=0,
        le=10000,
        description="Daily ingestion cap in GB of each Azure region's Log Analytics workspace; once reached, "
        "ingestion stops until the daily reset (https://learn.microsoft.com/azure/azure-monitor/logs/daily-cap). "
        "dev: 2.",
    )

    @field_validator("flow_log_retention_days")
    @classmethod
    def _cloudwatch_value(cls, days: int) -> int:
        if days not in catalog.CLOUDWATCH_RETENTION_DAYS:
            raise ValueError(
                f"{days} is not a CloudWatch Logs retention; "
                f"allowed: {', '.join(map(str, catalog.CLOUDWATCH_RETENTION_DAYS))}"
            )
        return days


# --- kubernetes ---------------------------------------------------------------------------------


class Taint(Model):
    """A node taint."""

    key: LabelKey = Field(description="Taint key (a Kubernetes label key).")
    value: LabelValue = Field("true", description="Taint value (a Kubernetes label value).")
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"] = Field("NoSchedule", description="Taint effect.")


class NodePool(Model):
    """One node pool; the cloud decides the spelling (node group, agent pool, node pool)."""

    instance_types: list[str] = Field(
        min_length=1, description="Instance/VM/machine types; only AWS takes more than one."
    )
    min_size: int = Field(ge=0, description="Autoscaling minimum.")
    desired_size: int = Field(ge=0, description="Initial size.")
    max_size: int = Field(ge=1, le=1000, description="Autoscaling maximum.")
    capacity: Literal["on-demand", "spot"] = Field("on-demand", description="Spot/preemptible pools are tainted.")
    gpu: bool = Field(False, description="GPU pool: tainted nvidia.com/gpu and may scale from zero.")
    system: bool = Field(False, description="Runs cluster add-ons (AKS system pool).")
    disk_gb: int = Field(100, ge=20, le=2048, description="Node disk size in GiB.")
    labels: dict[LabelKey, LabelValue] = Field(default_factory=dict, description="Extra node labels.")
    taints: list[Taint] = Field(default_factory=list, description="Extra node taints.")


def _pool(types: str, lo: int, want: int, hi: int, **extra: Any) -> NodePool:
    return NodePool(instance_types=types.split(","), min_size=lo, desired_size=want, max_size=hi, **extra)


# AKS agent pools allow 1-12 lowercase alphanumerics starting with a letter: the strictest of the three.
POOL_NAME = re.compile(r"[a-z][a-z0-9]{0,11}")


class ClusterPools(Model):
    """Node pools per cloud, keyed by pool name (seed sizes)."""

    @field_validator("aws", "azure", "gcp")
    @classmethod
    def _pool_names(cls, pools: dict[str, NodePool]) -> dict[str, NodePool]:
        bad = [name for name in pools if not POOL_NAME.fullmatch(name)]
        if bad:
            raise ValueError(
                f"pool name {bad[0]!r} is invalid; allowed: 1-12 lowercase letters and digits, starting with a letter"
            )
        return pools

    @field_validator("azure")
    @classmethod
    def _aks_pool_names(cls, pools: dict[str, NodePool]) -> dict[str, NodePool]:
        # The AKS pool's ARM name is the configured one plus a fingerprint of what AKS cannot change in place, so
        # a new VM size or disk is a new pool created beside the old one (components/azure/aks_cluster.py).
        long = [name for name in pools if len(name) > MAX_BASE_LENGTH or name == BOOTSTRAP_POOL]
        if long:
            raise ValueError(
                f"AKS pool name {long[0]!r}: at most {MAX_BASE_LENGTH} characters and not {BOOTSTRAP_POOL!r} (AKS "
                "pool names take 12; the rest is the pool's fingerprint)"
            )
        return pools

    aws: dict[str, NodePool] = Field(
        default_factory=lambda: {
            "general": _pool("m5.large", 2, 3, 10),
            "gpu": _pool("p3.2xlarge", 0, 0, 5, gpu=True),  # GPU pools start empty (scale up on demand)
            "spot": _pool("m5.large,m5a.large,m6i.large", 0, 2, 10, capacity="spot"),
        },
        description="EKS managed node groups.",
    )
    azure: dict[str, NodePool] = Field(
        default_factory=lambda: {
            "system": _pool("Standard_D4s_v3", 2, 3, 10, system=True),
            "user": _pool("Standard_D8s_v3", 1, 2, 20),
            "spot": _pool("Standard_D8s_v3", 0, 1, 10, capacity="spot"),
        },
        description="AKS agent pools (exactly one system pool).",
    )
    gcp: dict[str, NodePool] = Field(
        default_factory=lambda: {
            "default": _pool("e2-standard-4", 2, 3, 10),
            "compute": _pool("c2-standard-8", 1, 2, 15),
            "spot": _pool("e2-standard-4", 0, 1, 10, capacity="spot"),
        },
        description="GKE node pools.",
    )


# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns
IAM_PRINCIPAL_ARN = re.compile(r"arn:aws:iam::\d{12}:(role|user)/[\w+=,.@/-]{1,512}")


class KubernetesSettings(Model):
    """Cluster settings shared by EKS, AKS and GKE."""

    version: str = Field(
        catalog.DEFAULT_KUBERNETES_VERSION,
        description=f"Kubernetes minor version; one of {', '.join(catalog.KUBERNETES_VERSIONS)}.",
    )
    public_endpoint: bool = Field(False, description="Expose the API server publicly (allow-listed). dev: true.")
    public_access_cidrs: list[Cidr] = Field(
        default_factory=list,
        description="Public CIDRs allowed to reach a public API endpoint (together less than the internet).",
    )
    admin_role_arns: list[str] = Field(
        default_factory=list, description="IAM principals granted cluster-admin through EKS access entries."
    )

    @field_validator("admin_role_arns")
    @classmethod
    def _arns(cls, arns: list[str]) -> list[str]:
        bad = [arn for arn in arns if not IAM_PRINCIPAL_ARN.fullmatch(arn)]
        if bad:
            raise ValueError(
                f"{shown(bad[0])} is not an IAM role or user ARN; allowed: arn:aws:iam::<12-digit account>:role/<name>"
            )
        return arns
    pools: ClusterPools = Field(default_factory=ClusterPools, description="Node pools per cloud.")

    @field_validator("version", mode="before")
    @classmethod
    def _quoted(cls, value: Any) -> Any:
        return _version_string(value, "Kubernetes", catalog.KUBERNETES_VERSIONS)

    @field_validator("version")
    @classmethod
    def _supported(cls, version: str) -> str:
        if version not in catalog.KUBERNETES_VERSIONS:
            raise ValueError(
                f"Kubernetes {version} is not supported on all three clouds; "
                f"supported: {', '.join(catalog.KUBERNETES_VERSIONS)}"
            )
        return version


# --- postgres -----------------------------------------------------------------------------------


class PostgresTiers(Model):
    """Instance size per cloud."""

    aws: str = Field("db.r6g.large", description="RDS instance class.")
    azure: str = Field("GP_Standard_D4s_v3", description="Flexible Server SKU as <tier>_<size>: B_, GP_ or MO_.")
    gcp: str = Field("db-custom-4-16384", description=f"Cloud SQL tier: {catalog.CLOUDSQL_TIER_HELP}.")

    @field_validator("aws")
    @classmethod
    def _rds(cls, tier: str) -> str:
        if not catalog.RDS_INSTANCE_CLASS.fullmatch(tier):
            raise ValueError(f"'{tier}' is not an RDS instance class; allowed: db.<family>.<size>, e.g. db.r6g.large")
        return tier

    @field_validator("azure")
    @classmethod
    def _flexible(cls, tier: str) -> str:
        if not catalog.AZURE_POSTGRES_SKU.fullmatch(tier):
            raise ValueError(
                f"'{tier}' is not a Flexible Server SKU; allowed: B_|GP_|MO_Standard_<size>, e.g. GP_Standard_D4s_v3"
            )
        return tier

    @field_validator("gcp")
    @classmethod
    def _cloudsql(cls, tier: str) -> str:
        if not catalog.CLOUDSQL_POSTGRES_TIER.fullmatch(tier):
            reason = (
                " (db-standard-*/db-n1-* tiers are MySQL-only)" if tier.startswith(("db-standard", "db-n1")) else ""
            )
            raise ValueError(
                f"'{tier}' is not a Cloud SQL for PostgreSQL tier{reason}; allowed: {catalog.CLOUDSQL_TIER_HELP}"
            )
        return tier


class PostgresSettings(Model):
    """Managed PostgreSQL in every enabled cloud."""

    version: str = Field(
        catalog.DEFAULT_POSTGRES_VERSION,
        description=f"PostgreSQL major version; one of {', '.join(catalog.POSTGRES_VERSIONS)}.",
    )
    tier: PostgresTiers = Field(default_factory=PostgresTiers, description="Instance size per cloud.")
    ha: bool = Field(True, description="Multi-AZ / zone-redundant / regional. dev: false.")
    storage_gb: int = Field(256, ge=20, le=16384, description="Allocated storage in GiB.")
    max_storage_gb: int = Field(1024, ge=20, le=65536, description="Storage autoscaling ceiling in GiB.")
    backup_retention_days: int = Field(7, ge=1, le=35, description="Automated backup retention. dev: 3.")
    pitr: bool = Field(True, description="Point-in-time recovery (WAL archiving).")
    backup_window: str = Field(
        "03:00-04:00",
        pattern=r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$",
        description="Daily backup window, UTC (HH:MM-HH:MM, at least 30 minutes, clear of the maintenance window).",
    )
    maintenance_window: str = Field(
        "sun:04:30-sun:05:30",
        pattern=r"^(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d-(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):[0-5]\d$",
        description="Weekly maintenance window, UTC (ddd:HH:MM-ddd:HH:MM, at least 30 minutes).",
    )
    database: str = Field(
        "app", pattern=r"^[a-z][a-z0-9_]{0,62}$", description="Application database name: a-z, then a-z, 0-9, _."
    )

    @field_validator("version", mode="before")
    @classmethod
    def _quoted(cls, value: Any) -> Any:
        return _version_string(value, "PostgreSQL", catalog.POSTGRES_VERSIONS)

    @field_validator("version")
    @classmethod
    def _supported(cls, version: str) -> str:
        if version not in catalog.POSTGRES_VERSIONS:
            raise ValueError(
                f"PostgreSQL {version} is not supported on all three clouds; "
                f"supported: {', '.join(catalog.POSTGRES_VERSIONS)}"
            )
        return version


# --- buckets ------------------------------------------------------------------------------------


BUCKET_NAME_PATTERN = r"^[a-z][a-z0-9]{2,11}$"  # 3-12: Azure containers need 3 or more


class BucketSettings(Model):
    """One object-storage bucket, created in every region of every enabled cloud."""

    name: str = Field(pattern=BUCKET_NAME_PATTERN, description="Short logical name (3-12 lowercase alphanumerics).")
    noncurrent_version_days: int = Field(90, ge=1, le=3650, description="Days to keep noncurrent object versions.")
    cool_after_days: int | None = Field(
        None, ge=30, le=3650, description="Move objects to a cool tier after this many days."
    )
    abort_incomplete_upload_days: int = Field(
        7, ge=1, le=365, description="Abort incomplete multipart uploads after this many days."
    )


# --- cross-cloud VPN mesh -----------------------------------------------------------------------


class BgpAsns(Model):
    """Private BGP ASN of each cloud, shared by its regions (no transit through another cloud between them)."""

    aws: int = Field(64512, description="Amazon-side ASN of the AWS virtual private gateways.")
    azure: int = Field(65010, description="ASN of the Azure VPN gateways (65515-65520 are reserved by Azure).")
    gcp: int = Field(65020, description="ASN of the GCP Cloud Routers.")

    @field_validator("aws", "azure", "gcp")
    @classmethod
    def _private(cls, asn: int) -> int:
        if not 64512 <= asn <= 65534:
            raise ValueError(f"{asn} is not a private 2-byte ASN; allowed: 64512 to 65534")
        return asn


class VpnSettings(Model):
    """Site-to-site IPsec tunnels with BGP between every pair of enabled clouds."""

    enabled: bool = Field(True, description="Build the VPN mesh between the enabled clouds.")
    scope: Literal["primary", "all"] = Field(
        "all",
        description="Connect the primary regions only, or every region of each cloud to every region of the "
        "others (prod: a region keeps private paths when a peer region is lost). dev: primary.",
    )
    asns: BgpAsns = Field(default_factory=BgpAsns, description="BGP ASNs per cloud.")
    azure_gateway_sku: Literal["VpnGw1AZ", "VpnGw2AZ", "VpnGw3AZ", "VpnGw4AZ", "VpnGw5AZ"] = Field(
        "VpnGw2AZ", description="Zone-redundant SKU of the Azure VPN gateways. dev: VpnGw1AZ."
    )
    pinned: dict[str, Cidr] = Field(
        default_factory=dict,
        description="Inside /30s pinned by tunnel key (`<cloud>-<cloud>/<region>/<region>/<tunnel>`, as the "
        "offline plan lists them), e.g. to keep the addresses of adopted tunnels; the rest are allocated.",
    )


# --- disaster recovery, edge, identity, budgets -------------------------------------------------


class DataSyncSettings(Model):
    """Copies of the other clouds' buckets in the backup cloud (GCP Storage Transfer jobs, federated, no keys)."""

    enabled: bool = Field(True, description="Pull the AWS and Azure buckets into GCP on a schedule.")
    buckets: list[str] | None = Field(None, description="Logical buckets copied from every region (default: all).")
    interval: Duration = Field(3600, description="Time between transfer runs (Storage Transfer: at least 1h).")
    start_date: IsoDate = Field("2026-12-01", description="First run (UTC date, YYYY-MM-DD).")
    azure_source_ranges: list[Cidr] = Field(
        default_factory=list,
        description="Public ranges Storage Transfer reaches Azure from (Google publishes them), added to the storage "
        "accounts' firewall; empty: the Azure containers are not copied (their firewall would refuse the jobs).",
    )


class DrSettings(Model):
    """Disaster-recovery objectives and the health checks that drive failover."""

    strategy: Literal["active-active", "active-passive", "pilot-light"] = Field(
        "active-active", description="Failover strategy."
    )
    rpo: Duration = Field(900, description="Recovery point objective.")
    rto: Duration = Field(300, description="Recovery time objective.")
    replication_lag_threshold: Duration = Field(30, description="Async replication lag that alerts.")
    health_check_interval: Duration = Field(
        60,
        description="Load-balancer health-check interval: at least the Cloudflare plan's minimum (60s on Free and "
        "Pro, 15s on Business, 10s on Enterprise: edge.cloudflare_plan), at most 1h.",
    )
    failure_threshold: int = Field(3, ge=1, le=10, description="Consecutive failed checks before an origin is down.")
    recovery_threshold: int = Field(2, ge=1, le=10, description="Consecutive good checks before an origin is up.")
    sync: DataSyncSettings = Field(default_factory=DataSyncSettings, description="Cross-cloud bucket copies.")


# The seed's geo steering: ENAM -> AWS, Azure; WE -> Azure, AWS; APAC -> GCP, AWS.
SEED_GEO_STEERING: dict[str, list[Cloud]] = {
    "ENAM": ["aws", "azure"],
    "WNAM": ["aws", "azure"],
    "WEU": ["azure", "aws"],
    "EEU": ["azure", "aws"],
    "SEAS": ["gcp", "aws"],
    "NEAS": ["gcp", "aws"],
    "SAS": ["gcp", "aws"],
    "OC": ["gcp", "aws"],
}


CLOUDFLARE_ID = r"^[0-9a-f]{32}$"


class EdgeSettings(Model):
    """Cloudflare load balancer in front of the clusters (API token from CLOUDFLARE_API_TOKEN, never config)."""

    enabled: bool = Field(True, description="Build the Cloudflare monitor, pools, load balancer and DNS record.")
    cloudflare_plan: Literal["free", "pro", "business", "enterprise"] = Field(
        "free",
        description="The Cloudflare plan of the zone: it bounds dr.health_check_interval (minimum 60s on Free and "
        "Pro, 15s on Business, 10s on Enterprise: "
        "https://developers.cloudflare.com/learning-paths/load-balancing/setup/create-monitor).",
    )
    account_id: str = Field(
        "0" * 32, pattern=CLOUDFLARE_ID, description="Cloudflare account id (pools and monitors are account-level)."
    )
    zone_id: str = Field("0" * 32, pattern=CLOUDFLARE_ID, description="Cloudflare zone id of `zone`.")
    zone: DnsZone = Field("example.com", description="Cloudflare zone name (prod: your zone, not example.com).")
    hostname: RecordName = Field("api", description="Record in the zone that serves the platform (@: the apex).")
    steering: Literal["geo", "dynamic_latency", "random", "off"] = Field(
        "geo",
        description="Steering policy (no `proximity`: it needs each pool's coordinates, which the pools do not set).",
    )
    session_affinity: Literal["none", "cookie", "ip_cookie"] = Field("none", description="Session affinity.")
    health_path: str = Field(
        "/health",
        pattern=r"^/[A-Za-z0-9._~!$&'()*+,;=:@%/-]{0,200}$",
        description="Monitor path: / then URL path characters (no spaces).",
    )
    health_timeout: Duration = Field(5, description="Monitor timeout (below the check interval).")
    health_check_regions: int = Field(
        1,
        ge=1,
        le=13,
        description="Cloudflare regions probing each pool: its own, then the nearest (components/lib/edge_geo.py). "
        "A self-serve Load Balancing subscription includes 1 region and can buy up to 8; more (and all 13) are "
        "Enterprise only (https://github.com/cloudflare/cloudflare-docs/issues/31421): raise it to what the "
        "account has bought (3 gives a majority that survives one region's bad path).",
    )
    region_pools: dict[str, list[Cloud]] = Field(
        default_factory=lambda: {region: list(clouds) for region, clouds in SEED_GEO_STEERING.items()},
        description="Geo steering: Cloudflare region code -> clouds in order; each cloud's regions are its pools, "
        "listed nearest that Cloudflare region first (components/lib/edge_geo.py).",
    )
    fallback: Cloud | None = Field(None, description="Fallback pool (defaults to the primary cloud).")

    @property
    def fqdn(self) -> str:
        """The hostname the edge serves (`@` is the zone apex)."""
        return self.zone if self.hostname == "@" else f"{self.hostname}.{self.zone}"

    def geo_pools(self, enabled: list[Cloud]) -> dict[str, list[Cloud]]:
        """Geo steering restricted to the enabled clouds (regions left with no cloud are dropped)."""
        pools = {region: [c for c in clouds if c in enabled] for region, clouds in self.region_pools.items()}
        return {region: clouds for region, clouds in pools.items() if clouds}

    @field_validator("region_pools")
    @classmethod
    def _known_regions(cls, pools: dict[str, list[Cloud]]) -> dict[str, list[Cloud]]:
        unknown = sorted(set(pools) - set(catalog.CLOUDFLARE_REGIONS))
        if unknown:
            raise ValueError(
                f"unknown Cloudflare region {shown(unknown[0])}; allowed: {', '.join(catalog.CLOUDFLARE_REGIONS)}"
            )
        for region, clouds in pools.items():
            if not clouds or len(set(clouds)) < len(clouds):
                raise ValueError(f"{region} lists {clouds or 'no cloud'}; allowed: one or more clouds, each once")
        return pools


class Trust(Model):
    """Workloads of `source` may act in each of `targets` as one Kubernetes service account."""

    source: Cloud = Field(description="Cloud whose cluster's workloads are trusted.")
    targets: list[Cloud] = Field(min_length=1, description="Clouds that accept them.")
    namespace: KubernetesName = Field("platform", description="Kubernetes namespace of the service account.")
    service_account: KubernetesName = Field("api", description="Kubernetes service account name.")
    access: Literal["read-backups", "write-backups"] = Field("read-backups", description="What the trust grants.")


FEDERATED_PROVIDERS: tuple[Literal["azure_ad", "google"], ...] = ("azure_ad", "google")


class FederatedProvider(Model):
    """An OIDC/social identity provider federated into the Cognito user pool. Its client secret is read at
    deploy time from the AWS Secrets Manager secret `client_secret_name` (never from config)."""

    client_id: str = Field("platform-client", min_length=1, description="OAuth client id registered at the IdP.")
    client_secret_name: str = Field(
        min_length=1, description="Secrets Manager secret (name or ARN, primary AWS region) holding the client secret."
    )
    tenant_id: Guid | None = Field(
        None, description="Entra ID tenant id (azure_ad only; defaults to the Azure subscription's tenant)."
    )


class CognitoEmail(Model):
    """How Cognito sends the pool's e-mail (invitations, verification codes, password resets) through Amazon SES
    (`email_sending_account` DEVELOPER) instead of its built-in, daily-capped sender: "For typical production
    environments, the default email limit is below the required delivery volume"
    (https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-email.html). The identity is verified in
    SES outside this program (domain DKIM records in the sender's DNS, SES production access out of the sandbox:
    both manual, one-time steps)."""

    source_arn: str = Field(
        pattern=r"^arn:aws:ses:[a-z]{2}(-[a-z]+)+-\d:\d{12}:identity/[^\s/]+$",
        description="ARN of the verified SES identity (domain or address) Cognito sends from, in the user pool's "
        "region (the primary AWS region): arn:aws:ses:<region>:<account>:identity/<domain or address>.",
    )
    from_address: str = Field(
        pattern=r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$",
        description="FROM address of the e-mails: the identity's address, or an address of its domain.",
    )


class IdentitySettings(Model):
    """Federated identity across clouds."""

    primary: Literal["aws_cognito"] = Field("aws_cognito", description="Primary identity provider.")
    federated_providers: list[Literal["azure_ad", "google"]] = Field(
        default_factory=lambda: list(FEDERATED_PROVIDERS), description="Federated IdPs."
    )
    token_lifetime: Duration = Field(3600, description="Access/ID token lifetime.")
    refresh_lifetime: Duration = Field(86400, description="Refresh token lifetime.")
    providers: dict[Literal["azure_ad", "google"], FederatedProvider] = Field(
        default_factory=lambda: {
            p: FederatedProvider(client_secret_name=f"platform/identity/{p.replace('_', '-')}")
            for p in FEDERATED_PROVIDERS
        },
        description="Client registration of each federated provider.",
    )
    domain_prefix: str | None = Field(
        None,
        # 63 characters at most (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-cognito-userpooldomain.html)
        # less `-` and the stack-unique part (lib/naming.py SUFFIX_LENGTH).
        pattern=r"^[a-z0-9](?:[a-z0-9-]{0,55}[a-z0-9])?$",
        description="Cognito hosted-UI domain prefix, 1-57 characters, before `-` and the stack-unique part "
        "(defaults to <name>-<environment>-auth).",
    )
    callback_urls: list[str] = Field(
        default_factory=list,
        description="OAuth callback URLs of the hosted-UI client (default https://<edge hostname>/oauth2/callback).",
    )
    trusts: list[Trust] = Field(default_factory=list, description="Cross-cloud workload trusts.")
    email: CognitoEmail | None = Field(
        None,
        description="Cognito's e-mail through an SES identity (required in prod; without it Cognito uses its "
        "daily-capped default sender, allowed in dev).",
    )


# Kubernetes quantities the workload settings take: CPU in cores or millicores, memory in binary units.
CPU_QUANTITY = r"^(\d{1,6}m|\d{1,3}(\.\d{1,3})?)$"
MEMORY_QUANTITY = r"^\d{1,7}(Ki|Mi|Gi)$"
# `registry/repo:tag`, `registry/repo@sha256:<digest>` or both (the registry may carry a port).
IMAGE = re.compile(
    r"(?P<repo>[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*)"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(?P<digest>sha256:[0-9a-f]{64}))?"
)


# Namespaces the API may not take: Kubernetes' own, and the one the platform's monitoring creates.
MONITORING_NAMESPACE = "monitoring"
RESERVED_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease", MONITORING_NAMESPACE)


class ContainerResources(Model):
    """Requests and limits of one container."""

    cpu_request: str = Field("250m", pattern=CPU_QUANTITY, description="CPU request, e.g. 0.5 or 250m.")
    memory_request: str = Field("512Mi", pattern=MEMORY_QUANTITY, description="Memory request, e.g. 512Mi.")
    cpu_limit: str = Field("500m", pattern=CPU_QUANTITY, description="CPU limit, e.g. 1 or 500m.")
    memory_limit: str = Field("1Gi", pattern=MEMORY_QUANTITY, description="Memory limit, e.g. 1Gi (Ki, Mi, Gi).")


class ApiWorkloadSettings(Model):
    """The platform API, deployed in every cluster (seed shape: 3 replicas, 250m/512Mi, 500m/1Gi)."""

    image: str = Field(
        "ghcr.io/flow/platform-api:1.4.2",
        description="Container image pinned by tag or digest (prod: by digest); never `latest`.",
    )
    replicas: int = Field(3, ge=1, le=100, description="Minimum replicas (HPA floor).")
    max_replicas: int = Field(10, ge=1, le=500, description="HPA ceiling.")
    cpu_utilization: int = Field(70, ge=10, le=100, description="HPA target average CPU utilisation (%).")
    resources: ContainerResources = Field(default_factory=ContainerResources, description="Requests and limits.")
    namespace: KubernetesName = Field(
        "platform", description="Namespace of the API (not kube-*, default or the monitoring namespace)."
    )
    service_account: KubernetesName = Field("api", description="Service account the trusts name.")

    @field_validator("namespace")
    @classmethod
    def _own_namespace(cls, namespace: str) -> str:
        if namespace in RESERVED_NAMESPACES or namespace.startswith("kube-"):
            raise ValueError(
                f"{namespace} is a namespace the cluster or the platform owns; allowed: a namespace of the API's own"
            )
        return namespace
    tls_secret: str = Field(
        "api-tls",
        pattern=r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$",
        description="kubernetes.io/tls Secret in the namespace with the origin certificate of the edge hostname.",
    )

    @field_validator("image")
    @classmethod
    def _pinned(cls, image: str) -> str:
        match = IMAGE.fullmatch(image)
        if not match:
            raise ValueError(
                f"{image!r} is not an image reference; allowed: registry/repo:tag or registry/repo@sha256:..."
            )
        if not match["digest"] and match["tag"] in (None, "latest"):
            raise ValueError(f"{image!r} is not pinned; allowed: a version tag other than latest, or @sha256:<digest>")
        return image

    @property
    def pinned_by_digest(self) -> bool:
        """The image names its digest (what prod requires)."""
        match = IMAGE.fullmatch(self.image)
        return bool(match and match["digest"])


class MonitoringSettings(Model):
    """A Prometheus stack in every cluster and one central Prometheus federating them."""

    enabled: bool = Field(True, description="Install kube-prometheus-stack and the central federation.")
    chart_version: str = Field(
        catalog.KUBE_PROMETHEUS_STACK_VERSION,
        pattern=r"^\d+\.\d+\.\d+$",
        description="Pinned prometheus-community/kube-prometheus-stack chart version, e.g. 88.5.3.",
    )
    retention: Duration = Field(15 * 86400, description="Local TSDB retention of each cluster's Prometheus.")
    central_retention: Duration = Field(30 * 86400, description="TSDB retention of the central Prometheus.")
    scrape_interval: Duration = Field(30, description="Interval of the central federation scrapes.")
    storage_gb: int = Field(50, ge=10, le=4096, description="Persistent volume of each Prometheus.")


class WorkloadSettings(Model):
    """What runs in every cluster."""

    enabled: bool = Field(True, description="Deploy the API and monitoring into every cluster.")
    api: ApiWorkloadSettings = Field(default_factory=ApiWorkloadSettings, description="The platform API.")
    monitoring: MonitoringSettings = Field(default_factory=MonitoringSettings, description="Prometheus.")


class OfficeHours(Model):
    """When non-production node pools run (AWS node groups scale to zero outside these hours)."""

    enabled: bool = Field(False, description="Scale the node pools to zero outside office hours. dev: true.")
    start: Clock = Field("08:00", description="Start of the day (HH:MM, before end).")
    end: Clock = Field("18:00", description="End of the day (HH:MM).")
    weekdays: str = Field(
        "1-5",
        pattern=r"^[0-6](-[0-6])?(,[0-6](-[0-6])?)*$",
        description="Cron days of week, 0 = Sunday: a list of days and ascending ranges, e.g. 1-5.",
    )
    time_zone: str = Field("UTC", min_length=1, description="IANA time zone of the hours, e.g. Europe/Berlin.")

    @field_validator("weekdays")
    @classmethod
    def _ascending(cls, weekdays: str) -> str:
        for part in weekdays.split(","):
            first, _, last = part.partition("-")
            if last and first >= last:
                raise ValueError(f"range {part} runs backwards; allowed: ascending ranges such as 1-5")
        return weekdays

    @field_validator("time_zone")
    @classmethod
    def _iana(cls, zone: str) -> str:
        if zone not in _time_zones():
            raise ValueError(f"{shown(zone)} is not an IANA time zone; allowed: e.g. UTC, Europe/Berlin")
        return zone


@functools.cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
# Budgets are money: positive, at most 100 million USD, in whole cents.
Money = Annotated[float, Field(gt=0, le=100_000_000, allow_inf_nan=False)]
ROLE_SHARES: dict[str, float] = {"primary": 0.5, "secondary": 0.3, "tertiary": 0.2}
"""Default split of the budgets over the clouds, by role (renormalised over the enabled clouds)."""


class BudgetSettings(Model):
    """Spend limits in USD (the seed's thresholds; GCP's budget counts its share in the billing account's currency),
    split over the clouds, and who hears about them."""

    daily: Money = Field(1000, description="Daily budget.")
    monthly: Money = Field(25000, description="Monthly budget.")
    emergency: Money = Field(5000, description="Daily spend that pages on-call.")
    notify: list[str] = Field(
        default_factory=list,
        description="E-mail addresses for budget alerts (required in prod; at most 5 with GCP enabled).",
    )
    shares: dict[Cloud, Annotated[float, Field(ge=0, le=1)]] | None = Field(
        None, description="Share of each enabled cloud in the budgets (default by role: 0.5 / 0.3 / 0.2)."
    )
    start_month: str | None = Field(
        None,
        pattern=r"^20\d\d-(0[1-9]|1[0-2])$",
        description="First month of the Azure budget (YYYY-MM; default: the month of the first deploy).",
    )
    office_hours: OfficeHours = Field(default_factory=OfficeHours, description="Off-hours scale-down (non-prod).")

    @field_validator("notify")
    @classmethod
    def _emails(cls, addresses: list[str]) -> list[str]:
        bad = [a for a in addresses if not re.fullmatch(EMAIL, a) or len(a) > 254]
        if bad:
            raise ValueError(f"{shown(bad[0])} is not an e-mail address")
        twice = [a for i, a in enumerate(addresses) if a in addresses[:i]]
        if twice:
            raise ValueError(f"{twice[0]} is listed twice; allowed: each address once")
        return addresses

    @field_validator("daily", "monthly", "emergency")
    @classmethod
    def _cents(cls, amount: float) -> float:
        if round(amount, 2) != amount:
            raise ValueError(f"{amount!r} has fractions of a cent; allowed: at most 2 decimals")
        return amount


# --- cross-cloud DNS and mesh observability ----------------------------------------------------


class PrivateDnsSettings(Model):
    """Private names that resolve across clouds: resolver endpoints in every region of the VPN mesh and forwarding
    of the names each region hosts (components/lib/private_dns.py)."""

    enabled: bool = Field(
        True,
        description="Build the resolver endpoints and forwarding rules. Off only when no private name crosses clouds "
        "(the Azure Flexible Server names in the other clouds' connection secrets need it).",
    )
    resolver_cidrs: dict[str, Cidr] = Field(
        default_factory=dict,
        description="Resolver range by `<cloud>/<region>`: an Azure /27 (inbound and outbound /28 subnets) or a GCP "
        "/28 (the DNS subnet), inside the region's CIDR and clear of its other subnets; default: the /27 after "
        "GatewaySubnet (Azure), the last /28 of the reserved quarter (GCP). AWS endpoints take fixed addresses in "
        "reservations at the top of the private subnets.",
    )


class MeshAlertSettings(Model):
    """Tunnel and BGP alarms in every cloud and a Cloudflare pool-health notification."""

    enabled: bool = Field(True, description="Build the mesh and edge alarms.")
    notify: list[str] | None = Field(
        None, description="E-mail addresses the alarms go to (default: budgets.notify)."
    )

    @field_validator("notify")
    @classmethod
    def _emails(cls, addresses: list[str] | None) -> list[str] | None:
        return None if addresses is None else BudgetSettings._emails(addresses)


# --- the stack ----------------------------------------------------------------------------------

# What `dev` relaxes (merged under the stack file's own values). Everything else keeps the secure default.
ENVIRONMENT_DEFAULTS: dict[str, dict[str, Any]] = {
    "dev": {
        "deletion_protection": False,
        "network": {"nat": "single", "flow_log_retention_days": 30, "log_daily_cap_gb": 2},
        "kubernetes": {"public_endpoint": True},
        "postgres": {"ha": False, "backup_retention_days": 3, "storage_gb": 50, "max_storage_gb": 200},
        "vpn": {"scope": "primary", "azure_gateway_sku": "VpnGw1AZ"},
        "budgets": {"office_hours": {"enabled": True}},
    },
    "prod": {},
}


class PlatformSettings(Model):
    """The whole platform one stack provisions."""

    name: str = Field(
        pattern=r"^[a-z][a-z0-9]{1,7}$", description="Prefix of every physical name (2-8 lowercase alphanumerics)."
    )
    environment: Environment = Field(description="dev or prod; defaults to the stack name.")
    owner: str = Field(
        "platform-team", pattern=r"^[a-z0-9_-]{1,63}$", description="Owner tag: 1-63 of a-z 0-9 _ -."
    )
    cost_center: str = Field(
        "platform", pattern=r"^[a-z0-9_-]{1,63}$", description="Cost-center tag: 1-63 of a-z 0-9 _ -."
    )
    deletion_protection: bool = Field(
        True, description="API-level deletion protection and Pulumi protect on stateful resources. dev: false."
    )
    clouds: Clouds = Field(default_factory=Clouds, description="Clouds and regions.")
    network: NetworkSettings = Field(default_factory=NetworkSettings, description="Network shape.")
    kubernetes: KubernetesSettings = Field(default_factory=KubernetesSettings, description="Kubernetes clusters.")
    deployer: DeployerSettings | None = Field(
        None, description="Who deploys, from where (required in prod; docs/DEPLOY.md)."
    )
    postgres: PostgresSettings = Field(default_factory=PostgresSettings, description="Managed PostgreSQL.")
    buckets: list[BucketSettings] = Field(
        default_factory=lambda: [BucketSettings(name="data"), BucketSettings(name="backups", cool_after_days=30)],
        description="Buckets created in every region of every enabled cloud; a bare name takes the defaults.",
    )
    vpn: VpnSettings = Field(default_factory=VpnSettings, description="Cross-cloud VPN mesh with BGP.")
    dr: DrSettings = Field(default_factory=DrSettings, description="Disaster recovery.")
    edge: EdgeSettings = Field(default_factory=EdgeSettings, description="Cloudflare edge.")
    identity: IdentitySettings = Field(default_factory=IdentitySettings, description="Identity federation.")
    budgets: BudgetSettings = Field(default_factory=BudgetSettings, description="Budgets.")
    workloads: WorkloadSettings = Field(default_factory=WorkloadSettings, description="Workloads and monitoring.")
    dns: PrivateDnsSettings = Field(default_factory=PrivateDnsSettings, description="Cross-cloud private DNS.")
    mesh_alerts: MeshAlertSettings = Field(
        default_factory=MeshAlertSettings, description="Tunnel, BGP and pool-health alarms."
    )

    @field_validator("buckets", mode="before")
    @classmethod
    def _bucket_shorthand(cls, value: Any) -> Any:
        """`- data` in a stack file means `- {name: data}`."""
        return [{"name": b} if isinstance(b, str) else b for b in value] if isinstance(value, list) else value

    @model_validator(mode="before")
    @classmethod
    def _environment_defaults(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        profile = ENVIRONMENT_DEFAULTS.get(str(data.get("environment")), {})
        return deep_merge(profile, data)

    @property
    def is_prod(self) -> bool:
        """Production stack."""
        return self.environment == "prod"

    def backups_pair(self) -> list[str]:
        """The DR sink's dual-region (empty: a single region): clouds.gcp.backups_dual_region, else in prod the primary
        GCP region with the second one when they pair, else with the first of gcs_locations.PARTNERS that does; dev:
        none."""
        gcp = self.clouds.gcp
        if gcp.backups_dual_region is not None:
            return list(gcp.backups_dual_region)
        return default_pair([r.name for r in gcp.regions]) if self.is_prod else []

    def mesh_plan(self) -> MeshPlan:
        """The VPN mesh of the enabled clouds (legs, tunnel /30s, ASNs); raises TunnelPlanError when a pin
        cannot work. Empty when the mesh is off or only one cloud is enabled."""
        enabled = self.clouds.enabled()
        if not self.vpn.enabled or len(enabled) < 2:
            return MeshPlan(legs=())
        return plan_mesh(
            {cloud: [r.name for r in c.regions] for cloud, c in enabled.items()},
            scope=self.vpn.scope,
            asns={cloud: getattr(self.vpn.asns, cloud) for cloud in enabled},
            pinned=self.vpn.pinned,
        )

    def dns_plan(self) -> DnsPlan:
        """Resolvers and forwarded names of the regions in the VPN mesh (empty when DNS or the mesh is off)."""
        mesh = self.mesh_plan()
        if not self.dns.enabled or not mesh.legs:
            return DnsPlan(resolvers={}, names=())
        return plan_dns(
            {
                cloud: [(r.name, r.cidr) for r in c.regions if mesh.legs_of(cloud, r.name)]
                for cloud, c in self.clouds.enabled().items()
            },
            names=StackNames(self.name, self.environment),
            zones=self.network.availability_zones,
            private_endpoints=not self.kubernetes.public_endpoint,
            blocks=self.dns.resolver_cidrs,
        )

    def alert_emails(self) -> list[str]:
        """Where the mesh and edge alarms go (`mesh_alerts.notify`, else `budgets.notify`)."""
        notify = self.mesh_alerts.notify
        return list(notify) if notify is not None else list(self.budgets.notify)

    def federated_providers(self) -> list[Literal["azure_ad", "google"]]:
        """The identity providers federated into Cognito. The built-in list drops Entra ID when Azure is off and no
        tenant is configured; a list the stack writes is taken as written."""
        identity = self.identity
        if "federated_providers" in identity.model_fields_set:
            return list(identity.federated_providers)
        azure_ad = identity.providers.get("azure_ad")
        has_tenant = self.clouds.azure.enabled or bool(azure_ad and azure_ad.tenant_id)
        return [p for p in identity.federated_providers if p != "azure_ad" or has_tenant]

    def synced_buckets(self) -> list[str]:
        """The buckets copied into GCP's backups bucket; none when the sync is off or cannot run (GCP disabled, no
        other cloud, no backups bucket: the rules reject that only when `dr.sync.enabled` is written out)."""
        enabled, names = self.clouds.enabled(), [b.name for b in self.buckets]
        if not self.dr.sync.enabled or "gcp" not in enabled or len(enabled) < 2 or "backups" not in names:
            return []
        return list(self.dr.sync.buckets) if self.dr.sync.buckets is not None else names

    def budget_shares(self) -> dict[Cloud, float]:
        """Each enabled cloud's share of the budgets (the configured shares, else by role)."""
        enabled = self.clouds.enabled()
        if self.budgets.shares is not None:
            return {cloud: self.budgets.shares.get(cloud, 0.0) for cloud in enabled}
        weights = {cloud: ROLE_SHARES[c.role] for cloud, c in enabled.items()}
        total = sum(weights.values())
        return {cloud: weight / total for cloud, weight in weights.items()}

    def tags(self) -> dict[str, str]:
        """Tags/labels every resource carries (valid as GCP labels too)."""
        return {
            "platform": self.name,
            "environment": self.environment,
            "owner": self.owner,
            "cost-center": self.cost_center,
            "managed-by": "pulumi",
        }


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """`override` on top of `base`, recursively for nested mappings."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged
