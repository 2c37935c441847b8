"""The preflight before `up`: the clouds asked, through their CLIs, for what no resource of the stack can create
(Azure resource providers, GCP bootstrap APIs, AWS Elastic IP quota), and `up` refused in one line per problem."""

from __future__ import annotations

import pytest

from components.settings import load_settings
from scripts import preflight
from scripts.compute_needs import machines, summary
from scripts.deploy_check import Graph, eips_by_region
from tests.conftest import FakeClouds, record_stack, recorded_stack, stack_config, stack_settings

OTHER_STACK = {"platform": "flow", "environment": "dev"}  # prod's account also holds dev's addresses


@pytest.fixture(scope="module")
def prod() -> Graph:
    return Graph.from_recording(recorded_stack("prod"))


def check(graph: Graph, clouds: FakeClouds) -> list[str]:
    return preflight.check("prod", stack_settings("prod"), graph, clouds)


def test_a_ready_account_passes_and_each_cloud_is_asked_about_its_own_scope(prod: Graph) -> None:
    clouds = FakeClouds()
    assert check(prod, clouds) == []
    settings = stack_settings("prod")
    asked = {" ".join(c[:3]): c for c in clouds.calls}
    assert asked["az provider list"][asked["az provider list"].index("--subscription") + 1] == (
        settings.clouds.azure.subscription_id
    )
    assert asked["gcloud services list"][asked["gcloud services list"].index("--project") + 1] == (
        settings.clouds.gcp.project
    )
    quota_regions = {c[c.index("--region") + 1] for c in clouds.calls if c[1] == "service-quotas"}
    assert quota_regions == set(eips_by_region(prod)) == {"us-east-1", "us-west-2"}
    quotas = [c for c in clouds.calls if c[1] == "service-quotas"]
    codes = {(c[c.index("--quota-code") + 1], c[c.index("--region") + 1]) for c in quotas}
    # the Elastic IPs, and the node groups' on-demand and spot vCPUs of the standard families, in each region
    assert codes == {(code, region) for code in ("L-0263D0A3", "L-1216C47A", "L-34B43A08") for region in quota_regions}


def test_an_unregistered_resource_provider_is_named_with_the_command_that_registers_it(prod: Graph) -> None:
    (line,) = check(prod, FakeClouds(unregistered=("Microsoft.DBforPostgreSQL",)))
    subscription = stack_settings("prod").clouds.azure.subscription_id
    assert "resource provider Microsoft.DBforPostgreSQL is not registered" in line
    assert f"az provider register --namespace Microsoft.DBforPostgreSQL --subscription {subscription}" in line


def test_a_disabled_bootstrap_api_is_named_with_the_command_that_enables_it(prod: Graph) -> None:
    (line,) = check(prod, FakeClouds(disabled=("serviceusage.googleapis.com",)))
    assert "gcloud services enable serviceusage.googleapis.com --project flow-prod-platform" in line


def test_the_default_eip_quota_is_too_small_for_prod(prod: Graph) -> None:
    """Prod allocates 6 Elastic IPs per region (aws 3): the default quota of 5 is refused in each region."""
    lines = check(prod, FakeClouds(eip_quota=5.0))
    assert len(lines) == 2
    assert all("needs 6 Elastic IPs" in line and "--desired-value 6" in line for line in lines)


def test_addresses_held_by_other_stacks_count_and_the_stacks_own_do_not(prod: Graph) -> None:
    others = [{**OTHER_STACK, "Name": f"dev-{i}"} for i in range(3)]
    own = [{"platform": "flow", "environment": "prod"} for _ in range(6)]
    assert check(prod, FakeClouds(eip_quota=8.0, held=others)) != []  # 3 + 6 > 8
    assert check(prod, FakeClouds(eip_quota=9.0, held=others + own)) == []  # a second up: its own 6 are not extra
    (line, _) = check(prod, FakeClouds(eip_quota=8.0, held=others + own))
    assert "3 are held by others" in line and "--desired-value 9" in line


def test_a_missing_or_failing_cli_is_one_line_saying_what_could_not_be_checked(prod: Graph) -> None:
    lines = check(
        prod,
        FakeClouds(
            missing=("az",), fail={"gcloud": (1, "ERROR: (gcloud) You do not currently have an active account")}
        ),
    )
    assert len(lines) == 2
    assert lines[0].startswith("preflight prod: az not found, needed to check the resource providers")
    assert "active account" in lines[1] and "exit 1" in lines[1]


def test_a_stack_without_azure_and_gcp_asks_only_aws() -> None:
    overrides = {"clouds": {"azure": {"enabled": False}, "gcp": {"enabled": False}}, "identity": {"trusts": []}}
    recording = record_stack("dev", **overrides)
    settings = load_settings("dev", stack_config("dev", **overrides))
    clouds = FakeClouds(missing=("az", "gcloud"))
    assert preflight.check("dev", settings, Graph.from_recording(recording), clouds) == []
    assert {c[0] for c in clouds.calls} == {"aws"}


def test_the_runners_need_an_available_connection(prod: Graph) -> None:
    """A new connection stays PENDING until its console handshake, and CodeBuild cannot create a webhook on it."""
    (line,) = check(prod, FakeClouds(connection="PENDING"))
    assert "connection arn:aws:codeconnections:us-east-1:" in line and "is PENDING, not AVAILABLE" in line


def test_budgets_need_their_cost_allocation_tag_active(prod: Graph) -> None:
    """aws 15: the budgets filter on the environment tag, which counts only once activated in Billing."""
    (line,) = check(prod, FakeClouds(cost_tag="Inactive"))
    assert "cost-allocation tag environment is Inactive" in line
    assert "TagKey=environment,Status=Active" in line


def test_each_missing_idp_client_secret_is_one_line_with_the_command_that_creates_it(prod: Graph) -> None:
    """aws 16b: the program reads the IdPs' client secrets at preview; a fresh account lacks them. One line per
    secret, naming its key, with the create command whose value comes from a file (never the command line)."""
    clouds = FakeClouds(secrets={"platform/identity/azure-ad": "missing", "platform/identity/google": "missing"})
    lines = check(prod, clouds)
    assert [line.split(": ")[1] for line in lines] == [
        "identity.providers.azure_ad.client_secret_name",
        "identity.providers.google.client_secret_name",
    ]
    for line, name in zip(lines, ("azure-ad", "google"), strict=True):
        assert f"secret platform/identity/{name} in us-east-1 does not exist" in line
        assert f"aws secretsmanager create-secret --name platform/identity/{name} --region us-east-1 " in line
        assert "--secret-string file://<file holding the" in line and line.endswith("#identity-provider-secrets)")
    asked = [c for c in clouds.calls if c[1] == "secretsmanager"]
    assert {c[2] for c in asked} == {"describe-secret"}, "metadata only: never get-secret-value"


def test_an_idp_secret_without_a_value_or_scheduled_for_deletion_is_refused(prod: Graph) -> None:
    states = {"platform/identity/azure-ad": "empty", "platform/identity/google": "deleted"}
    empty, deleted = check(prod, FakeClouds(secrets=states))
    assert "has no current value: aws secretsmanager put-secret-value --secret-id platform/identity/azure-ad" in empty
    assert "scheduled for deletion: aws secretsmanager restore-secret --secret-id platform/identity/google" in deleted


def test_the_nodes_started_at_create_are_counted_per_region_with_the_gke_default_pool_apart(prod: Graph) -> None:
    """Pools at their initial size (GKE's per zone, EKS's desired size), AKS's bootstrap pool, the GKE default pool a
    cluster removes; GPU pools start at 0 and start nothing."""
    assert summary(machines(prod)) == [
        "aws us-east-1: 3 x m5.large, 2 x m5.large|m5a.large|m6i.large spot",
        "aws us-west-2: 3 x m5.large, 2 x m5.large|m5a.large|m6i.large spot",
        "azure eastus: 4 x Standard_D4s_v3, 2 x Standard_D8s_v3, 1 x Standard_D8s_v3 spot",
        "azure westus2: 4 x Standard_D4s_v3, 2 x Standard_D8s_v3, 1 x Standard_D8s_v3 spot",
        "gcp us-central1: 3 x c2-standard-8, 3 x e2-medium (default pool, removed), 3 x e2-standard-4, "
        "3 x e2-standard-4 spot",
        "gcp us-east1: 3 x c2-standard-8, 3 x e2-medium (default pool, removed), 3 x e2-standard-4, "
        "3 x e2-standard-4 spot",
    ]


def test_azure_vcpus_above_a_family_or_the_spot_limit_are_refused_per_region(prod: Graph) -> None:
    """Prod's on-demand nodes hold 32 DSv3 vCPUs per region (bootstrap 1 + system 3 x 4, user 2 x 8), its spot pool
    8 low-priority vCPUs: a fresh subscription's limits refuse both."""
    lines = check(prod, FakeClouds(limits={"standardDSv3Family": 10, "lowPriorityCores": 3}))
    family = [line for line in lines if "standardDSv3Family" in line]
    spot = [line for line in lines if "lowPriorityCores" in line]
    assert len(lines) == 4 and len(family) == len(spot) == 2
    assert all("starts 32 vCPUs" in line and "at least 32" in line for line in family)
    assert all("starts 8 vCPUs" in line for line in spot)
    assert {line.split(": ", 1)[1].split(" ", 1)[0] for line in lines} == {"eastus", "westus2"}


def test_an_azure_size_not_offered_to_the_subscription_is_named(prod: Graph) -> None:
    lines = check(prod, FakeClouds(unoffered=("Standard_D8s_v3",)))
    assert len(lines) == 2 and all("VM size Standard_D8s_v3 is not offered" in line for line in lines)


def test_gce_cpus_disks_and_all_regions_are_compared_with_the_projects_limits(prod: Graph) -> None:
    """Per region: E2 pools 2 x 3 x 4 vCPUs in CPUS (spot too, without preemptible quota), C2 3 x 8 in C2_CPUS,
    9 boot disks of 100 GB pd-balanced in SSD_TOTAL_GB; 48 vCPUs per region in CPUS_ALL_REGIONS."""
    limits = {"PREEMPTIBLE_CPUS": 0, "CPUS": 20, "C2_CPUS": 24, "SSD_TOTAL_GB": 500, "CPUS_ALL_REGIONS": 32}
    lines = check(prod, FakeClouds(limits=limits))
    cpus = [line for line in lines if " of CPUS " in line]
    disks = [line for line in lines if "SSD_TOTAL_GB" in line]
    assert len(cpus) == len(disks) == 2 and not any("C2_CPUS" in line for line in lines)  # 24 fits 24
    assert all("holding 24 of CPUS" in line for line in cpus) and all("holding 900 of SSD" in line for line in disks)
    [everywhere] = [line for line in lines if "CPUS_ALL_REGIONS" in line]
    assert "96 vCPUs across regions" in everywhere and len(lines) == 5
    # with preemptible quota, spot nodes leave CPUS alone
    with_preemptible = check(prod, FakeClouds(limits={**limits, "PREEMPTIBLE_CPUS": 24}))
    assert not [line for line in with_preemptible if " of CPUS " in line]


def test_the_gke_default_pool_is_a_peak_of_its_own(prod: Graph) -> None:
    """The clusters' e2-medium default pools (3 x 2 vCPUs) are gone before the pools start: 12 CPUS, not 18."""
    lines = check(prod, FakeClouds(limits={"CPUS": 11}))
    assert len(lines) == 2 and all("holding 12 of CPUS" in line for line in lines)


def test_a_machine_type_missing_from_a_pools_zone_is_named(prod: Graph) -> None:
    (line,) = check(prod, FakeClouds(unoffered=("c2-standard-8@us-east1-b",)))
    assert "machine type c2-standard-8 is not offered in us-east1-b" in line and "gke-pool-compute" in line


def test_ec2_vcpus_above_the_family_quota_are_refused_with_the_increase_command(prod: Graph) -> None:
    """Prod's general groups start 3 x m5.large (6 vCPUs) per region, its spot groups 2 at the largest of their
    types (4 vCPUs); a quota of 5 standard on-demand vCPUs refuses the first in both regions."""
    lines = check(prod, FakeClouds(limits={"L-1216C47A": 5, "L-34B43A08": 4}))
    assert len(lines) == 2
    assert all("start 6 vCPUs under EC2 quota L-1216C47A" in line and "--desired-value 6" in line for line in lines)
    assert {line.split(": ", 1)[1].split("'", 1)[0] for line in lines} == {"us-east-1", "us-west-2"}


def test_ec2_quota_codes_follow_the_instance_family() -> None:
    assert preflight.ec2_quota_codes("m6i.large") == preflight.ec2_quota_codes("im4gn.large") == (
        "L-1216C47A", "L-34B43A08"
    )
    assert preflight.ec2_quota_codes("p3.2xlarge") == ("L-417A185B", "L-7212CCBC")
    assert preflight.ec2_quota_codes("g5.xlarge") == preflight.ec2_quota_codes("vt1.3xlarge")
    assert preflight.ec2_quota_codes("inf2.xlarge") is None and preflight.ec2_quota_codes("x2idn.large") is None


def test_an_azure_size_restricted_in_a_zone_of_its_pools_is_named_with_the_pool(prod: Graph) -> None:
    """AKS pools pin zones 1-3; a size the subscription may not use in zone 2 fails those pools there."""
    lines = check(prod, FakeClouds(zone_restricted={"Standard_NC4as_T4_v3": ["2"]}))
    assert len(lines) == 2  # the GPU pool of each region, though it starts with no node
    assert all("Standard_NC4as_T4_v3" in line and "zone(s) 2" in line and "aks-pool-gpu" in line for line in lines)


def test_a_pool_that_starts_empty_still_needs_its_type_offered_where_it_runs(prod: Graph) -> None:
    (line,) = check(prod, FakeClouds(unoffered=("g2-standard-8@us-east1-c",)))
    assert "machine type g2-standard-8 is not offered in us-east1-c" in line and "use1-gke-pool-gpu" in line


def test_a_family_the_usage_list_does_not_name_is_not_refused_as_a_zero_limit(prod: Graph) -> None:
    assert check(prod, FakeClouds(unlisted=("standardDSv3Family",))) == []
