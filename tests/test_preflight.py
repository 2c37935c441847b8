"""The preflight before `up`: the clouds asked, through their CLIs, for what no resource of the stack can create
(Azure resource providers, GCP bootstrap APIs, AWS Elastic IP quota), and `up` refused in one line per problem."""

from __future__ import annotations

import pytest

from components.settings import load_settings
from scripts import preflight
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
    assert all("L-0263D0A3" in c for c in clouds.calls if c[1] == "service-quotas")


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
