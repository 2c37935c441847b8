"""Table-driven tests of the physical-name helpers in components/lib/naming.py."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pulumi
import pytest

from components.lib.cognito_rules import RESERVED_DOMAIN_WORDS
from components.lib.naming import (
    REGION_CODES,
    RULES,
    SUFFIX,
    SUFFIX_LENGTH,
    SUFFIX_LETTERS,
    InvalidNameError,
    StackNames,
    filled,
    is_template,
    physical_name,
    region_code,
    stem,
    unique,
)

# --- region codes -------------------------------------------------------------------------------


@pytest.mark.parametrize(("region", "code"), [
    ("us-east-1", "use1"), ("us-west-2", "usw2"), ("eu-central-1", "euc1"), ("ap-southeast-2", "apse2"),
    ("eastus", "eus"), ("westus2", "wus2"), ("westeurope", "weu"), ("japaneast", "jpe"),
    ("us-central1", "usc1"), ("us-east1", "use1"), ("europe-west4", "euw4"), ("asia-northeast1", "asne1"),
], ids=str)
def test_region_code_of_known_regions(region: str, code: str) -> None:
    assert region_code(region) == code


@pytest.mark.parametrize(("region", "code"), [
    ("brazilsouth", "brazilsouth"),
    ("me-central-1", "mecentral1"),
    ("US-Gov-West-1", "usgovwest1"),
    ("northamerica-northeast2", "northamericanortheast2"),
    ("a_b.c d", "abcd"),
], ids=str)
def test_region_code_of_unknown_regions_drops_everything_but_lowercase_alphanumerics(region: str, code: str) -> None:
    assert region not in REGION_CODES
    assert region_code(region) == code


def test_region_codes_are_short_lowercase_alphanumerics() -> None:
    # The names below rely on codes of at most 5 characters to fit a 24-character storage account.
    assert all(code.isalnum() and code.islower() and 3 <= len(code) <= 5 for code in REGION_CODES.values())


# --- physical_name: length limits at the exact boundaries ---------------------------------------

# kind -> (shortest, longest) accepted length, written down independently of RULES.
LIMITS: dict[str, tuple[int, int]] = {
    "aws_s3_bucket": (3, 63),
    "gcp_service_account": (6, 30),
    "gcp_key_ring": (1, 63),
    "aws_rds_instance": (1, 63),
    "aws_eks_cluster": (1, 100),
    "aws_iam_role": (1, 64),
    "aws_kms_alias": (7, 250),  # "alias/" plus at least one character
    "aws_cognito_domain": (1, 63),
    "aws_sns_topic": (1, 256),
    "azure_resource_group": (1, 90),
    "azure_storage_account": (3, 24),
    "azure_key_vault": (3, 24),
    "azure_aks_cluster": (1, 63),
    "azure_postgres_server": (3, 63),
    "gcp_gke_cluster": (1, 40),
    "gcp_cloudsql_instance": (1, 84),
    "gcp_gcs_bucket": (3, 63),
    "gcp_label": (0, 63),
}


def sample(kind: str, length: int) -> str:
    """A name of `length` characters that only the length can make invalid for `kind`."""
    if kind == "aws_kms_alias":
        return "alias/" + "a" * (length - 6) if length > 6 else "a" * length
    return "a" * length


def test_every_kind_has_limits() -> None:
    assert set(LIMITS) == set(RULES)


@pytest.mark.parametrize(("kind", "length"), [
    pytest.param(kind, length, id=f"{kind}-{length}") for kind, (lo, hi) in LIMITS.items() for length in {lo, hi}
])
def test_name_at_the_limit_is_accepted(kind: str, length: int) -> None:
    name = sample(kind, length)
    assert len(name) == length
    assert physical_name(kind, name) == name
    assert RULES[kind].check(name) is None


@pytest.mark.parametrize("kind", list(LIMITS))
def test_name_one_over_the_limit_is_rejected(kind: str) -> None:
    name = sample(kind, LIMITS[kind][1] + 1)
    with pytest.raises(InvalidNameError, match=f"is {len(name)} characters; allowed: "):
        physical_name(kind, name)


@pytest.mark.parametrize("kind", [kind for kind, (lo, _) in LIMITS.items() if lo > 0 and kind != "aws_kms_alias"])
def test_name_one_under_the_limit_is_rejected(kind: str) -> None:
    name = sample(kind, LIMITS[kind][0] - 1)
    with pytest.raises(InvalidNameError, match=f"is {len(name)} characters; allowed: "):
        physical_name(kind, *([name] if name else []))


@pytest.mark.parametrize(("kind", "length", "message"), [
    ("azure_storage_account", 25,
     f"azure storage account name '{'a' * 25}' is 25 characters; allowed: 3-24 lowercase letters and digits"),
    ("aws_s3_bucket", 64,
     f"aws s3 bucket name '{'a' * 64}' is 64 characters; allowed: 3-63 lowercase letters, digits and hyphens"),
    ("gcp_gke_cluster", 41,
     f"gcp gke cluster name '{'a' * 41}' is 41 characters; allowed: 1-40 lowercase letters, digits, hyphens"),
], ids=["storage-25", "s3-64", "gke-41"])
def test_rejection_message_names_kind_name_and_what_is_allowed(kind: str, length: int, message: str) -> None:
    with pytest.raises(InvalidNameError) as err:
        physical_name(kind, "a" * length)
    assert str(err.value) == message
    assert isinstance(err.value, ValueError)


# --- physical_name: joining and characters ------------------------------------------------------


@pytest.mark.parametrize(("kind", "parts", "name"), [
    ("aws_s3_bucket", ("Acme", "PROD", "Data"), "acme-prod-data"),
    ("azure_storage_account", ("acme", "prod", "eus"), "acmeprodeus"),
    ("azure_storage_account", ("ACME", "Prod", "EUS"), "acmeprodeus"),
    ("gcp_gke_cluster", ("acme", "", "usc1"), "acme-usc1"),
    ("aws_kms_alias", ("alias/acme-prod", "use1", "eks"), "alias/acme-prod-use1-eks"),
    ("aws_iam_role", ("acme", "prod", "use1", "eks-nodes"), "acme-prod-use1-eks-nodes"),
    ("aws_eks_cluster", ("acme_x", "prod"), "acme_x-prod"),
    ("azure_resource_group", ("rg.acme", "(prod)"), "rg.acme-(prod)"),
    ("azure_aks_cluster", ("acme_aks", "1"), "acme_aks-1"),
    ("gcp_label", ("cost_center",), "cost_center"),
    ("gcp_label", (), ""),
], ids=lambda v: "-".join(v) if isinstance(v, tuple) else str(v))
def test_parts_are_lowercased_and_joined(kind: str, parts: tuple[str, ...], name: str) -> None:
    assert physical_name(kind, *parts) == name


@pytest.mark.parametrize(("kind", "name"), [
    ("aws_s3_bucket", "acme--prod"),
    ("aws_s3_bucket", "acme_prod"),
    ("aws_s3_bucket", "-acme"),
    ("aws_s3_bucket", "acme-"),
    ("aws_s3_bucket", "acme.prod"),
    ("aws_rds_instance", "1acme"),
    ("aws_rds_instance", "acme-"),
    ("aws_rds_instance", "acme--pg"),
    ("aws_eks_cluster", "-acme"),
    ("aws_iam_role", "acme prod"),
    ("aws_kms_alias", "acme-prod"),
    ("aws_kms_alias", "alias/acme prod"),
    ("azure_resource_group", "acme."),
    ("azure_storage_account", "acme-prod"),
    ("azure_storage_account", "acme_prod"),
    ("azure_key_vault", "1acme"),
    ("azure_key_vault", "acme-"),
    ("azure_key_vault", "acme--kv"),
    ("azure_aks_cluster", "_acme"),
    ("azure_postgres_server", "acme_pg"),
    ("gcp_gke_cluster", "1acme"),
    ("gcp_gke_cluster", "acme-"),
    ("gcp_cloudsql_instance", "acme.pg"),
    ("gcp_gcs_bucket", "acme--data"),
    ("gcp_label", "cost center"),
], ids=lambda v: str(v))
def test_invalid_characters_are_rejected(kind: str, name: str) -> None:
    expected = f"^{kind.replace('_', ' ')} name '.*' has invalid characters; allowed: "
    with pytest.raises(InvalidNameError, match=expected):
        physical_name(kind, name)


@pytest.mark.parametrize("parts", [("acme-", "prod"), ("acme", "-prod")], ids=["trailing", "leading"])
def test_double_hyphen_from_joining_is_rejected(parts: tuple[str, str]) -> None:
    with pytest.raises(InvalidNameError, match="'acme--prod' has invalid characters"):
        physical_name("aws_s3_bucket", *parts)


def test_unknown_kind_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        physical_name("aws_lambda_function", "acme")


# --- StackNames ---------------------------------------------------------------------------------

ACME = StackNames("acme", "prod")


@pytest.mark.parametrize(("method", "args", "kind", "name"), [
    ("eks_cluster", ("us-east-1",), "aws_eks_cluster", "acme-prod-use1"),
    ("rds_instance", ("us-east-1",), "aws_rds_instance", "acme-prod-pg-use1"),
    ("s3_bucket", ("data", "us-west-2"), "aws_s3_bucket", "acme-prod-data-usw2-?????"),
    ("iam_role", ("us-east-1", "eks-nodes"), "aws_iam_role", "acme-prod-use1-eks-nodes"),
    ("kms_alias", ("us-east-1", "eks"), "aws_kms_alias", "alias/acme-prod-use1-eks"),
    ("resource_group", ("eastus",), "azure_resource_group", "acme-prod-eus"),
    ("storage_account", ("eastus",), "azure_storage_account", "acmeprodeus?????"),
    ("key_vault", ("westus2",), "azure_key_vault", "acme-prod-wus2-?????"),
    ("geo_key_vault", ("westus2",), "azure_key_vault", "acme-prod-wus2-geo-?????"),
    ("kms_key_vault", ("westus2",), "azure_key_vault", "acme-prod-wus2-kms-?????"),
    ("aks_cluster", ("eastus",), "azure_aks_cluster", "acme-prod-eus"),
    ("postgres_server", ("eastus",), "azure_postgres_server", "acme-prod-pg-eus-?????"),
    ("gke_cluster", ("us-central1",), "gcp_gke_cluster", "acme-prod-usc1"),
    ("cloudsql_instance", ("us-central1",), "gcp_cloudsql_instance", "acme-prod-pg-usc1-?????"),
    ("gcs_bucket", ("backups", "us-east1"), "gcp_gcs_bucket", "acme-prod-backups-use1-?????"),
    ("gcp_service_account", ("us-central1", "nodes"), "gcp_service_account", "acme-prod-usc1-nodes"),
    ("key_ring", ("us-central1",), "gcp_key_ring", "acme-prod-usc1-?????"),
    ("cognito_domain", (), "aws_cognito_domain", "acme-prod-auth-?????"),
    ("cognito_domain", ("acme-login",), "aws_cognito_domain", "acme-login-?????"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_stack_names_follow_their_rule(method: str, args: tuple[str, ...], kind: str, name: str) -> None:
    made = getattr(ACME, method)(*args)
    assert made == name
    assert RULES[kind].check(made) is None


def test_stack_names_are_lowercased() -> None:
    names = StackNames("Acme", "Prod")
    assert (names.eks_cluster("us-east-1"), names.storage_account("eastus")) == ("acme-prod-use1", "acmeprodeus?????")


@pytest.mark.parametrize(("cloud", "region", "count"), [
    ("aws", "us-east-1", 4 + 2), ("azure", "eastus", 8), ("gcp", "us-central1", 4 + 2),
])
def test_for_region_lists_every_name_of_a_region(cloud: str, region: str, count: int) -> None:
    names = ACME.for_region(cloud, region, ["data", "backups"])
    assert len(names) == count  # kinds differ, so equal names (AKS, resource group, key vault) do not collide
    assert all(region_code(region) in name for name in names)


@pytest.mark.parametrize("region", sorted(REGION_CODES), ids=str)
@pytest.mark.parametrize("cloud", ["aws", "gcp"])
def test_longest_platform_name_fits_every_known_region(cloud: str, region: str) -> None:
    # Settings allow names of up to 8 characters and bucket names of up to 12: every combination must fit.
    names = StackNames("abcdefgh", "prod").for_region(cloud, region, ["abcdefghijkl", "data"])
    assert names


AZURE_CODES = sorted(r for r in REGION_CODES if r.isalnum())  # Azure's names have no hyphens


@pytest.mark.parametrize("region", AZURE_CODES, ids=str)
def test_four_characters_fit_every_known_azure_region(region: str) -> None:
    # With the stack-unique part, the geo vault `<name>-prod-<code>-geo-?????` of a 4-character code holds a
    # 4-character platform name and no more (24 characters, the Key Vault maximum).
    assert StackNames("abcd", "prod").for_region("azure", region, ["abcdefghijkl", "data"])


def test_five_characters_overflow_the_geo_vault_of_a_four_character_region_code() -> None:
    with pytest.raises(InvalidNameError, match=r"azure key vault name 'abcde-prod-wus2-geo-\?{5}' is 25 characters"):
        StackNames("abcde", "prod").for_region("azure", "westus2", ["data"])
    assert StackNames("abcde", "prod").for_region("azure", "eastus", ["data"])  # a 3-character code still fits


X17, X60 = "x" * 17, "x" * 60


@pytest.mark.parametrize(("platform", "cloud", "region", "message"), [
    pytest.param("acmecorp", "azure", "francecentral",
                 "azure storage account name 'acmecorpprodfrancecentral?????' is 30 characters", id="storage-account"),
    pytest.param("ab", "azure", "germanynorth",
                 "azure key vault name 'ab-prod-germanynorth-?????' is 26 characters", id="key-vault"),
    pytest.param("acmecorp", "gcp", f"me-central2-{X17}",
                 f"gcp gke cluster name 'acmecorp-prod-mecentral2{X17}' is 41 characters", id="gke-cluster"),
    pytest.param("acme", "aws", X60, f"aws rds instance name 'acme-prod-pg-{X60}' is 73 characters", id="rds-instance"),
])
def test_for_region_raises_on_the_first_too_long_name(platform: str, cloud: str, region: str, message: str) -> None:
    with pytest.raises(InvalidNameError) as err:
        StackNames(platform, "prod").for_region(cloud, region, ["data"])
    assert str(err.value).startswith(message + "; allowed: ")


# --- the stack-unique part ----------------------------------------------------------------------------------------


def test_the_suffix_template_is_as_long_as_the_suffix() -> None:
    assert len(SUFFIX) == SUFFIX_LENGTH == 5
    assert is_template("acmeprodeus?????") and not is_template("acme-prod-eus")


@pytest.mark.parametrize(("kind", "parts"), [
    ("azure_storage_account", ("abcdefghijklmnopqrs",)),  # 19 + 5 = 24
    ("azure_key_vault", ("abcd-prod-wus2-geo",)),  # 18 + 1 + 5 = 24
])
def test_a_template_is_checked_at_the_length_of_its_name(kind: str, parts: tuple[str, ...]) -> None:
    assert len(physical_name(kind, *parts, SUFFIX)) == 24
    with pytest.raises(InvalidNameError, match="is 25 characters"):
        physical_name(kind, "x" + parts[0], SUFFIX)


@pytest.mark.parametrize("kind", ["azure_storage_account", "azure_key_vault", "gcp_key_ring", "aws_s3_bucket"])
def test_the_suffix_passes_every_charset_check(kind: str) -> None:
    assert RULES[kind].check(physical_name(kind, "acme", SUFFIX)) is None


@pytest.mark.parametrize(("template", "key"), [
    ("flow-prod-pg-eus-?????", "flow-prod-pg-eus"),
    ("flowprodeus?????.blob.core.windows.net", "flowprodeus.blob.core.windows.net"),
    ("privatelink.eastus.azmk8s.io", "privatelink.eastus.azmk8s.io"),
], ids=str)
def test_stem_drops_the_stack_unique_part(template: str, key: str) -> None:
    assert stem(template) == key


def test_unique_refuses_a_name_without_the_part() -> None:
    with pytest.raises(ValueError, match="has no stack-unique part"):
        unique("acme-prod-eus", "ab12c")


def resolved(make: Callable[[], pulumi.Input[str]]) -> str | None:
    """The value of the known Output `make()` builds (or its plain string), on an event loop of its own."""

    async def wait() -> str | None:
        return await pulumi.Output.from_input(make()).future()

    return asyncio.run(wait())


@pytest.mark.parametrize(("name", "expected"), [
    ("flow-prod-pg-eus-?????.postgres.database.azure.com", "flow-prod-pg-eus-ab12c.postgres.database.azure.com"),
    ("flowprodeus?????", "flowprodeusab12c"),
], ids=str)
def test_unique_and_filled_put_the_suffix_in_place(name: str, expected: str) -> None:
    assert resolved(lambda: unique(name, "ab12c")) == expected
    assert resolved(lambda: filled(name, "ab12c")) == expected


def test_filled_leaves_a_plain_name_alone() -> None:
    assert filled("privatelink.eastus.azmk8s.io", "ab12c") == "privatelink.eastus.azmk8s.io"


def test_the_suffix_alphabet_never_spells_a_reserved_cognito_word() -> None:
    alphabet = set(SUFFIX_LETTERS) | set("0123456789")
    assert set(SUFFIX_LETTERS) == set("abcdefghijklmnopqrstuvwxyz") - {"w"} and len(SUFFIX_LETTERS) == 25
    for word in RESERVED_DOMAIN_WORDS:
        assert len(word) > SUFFIX_LENGTH or not set(word) <= alphabet, word
