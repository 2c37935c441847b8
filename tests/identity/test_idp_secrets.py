"""The federated IdPs' client secrets (aws 16b): which secrets a stack reads, the preview role's least-privilege
read on them as docs/DEPLOY.md documents it (the preview role is not built by this program), and the one-line error
of a secret that cannot be read."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from components.identity.idp_secrets import IdpSecret, idp_secrets, preview_read_policy, read_failure
from components.settings import load_settings
from tests.conftest import stack_config, stack_settings

DEPLOY_MD = Path(__file__).resolve().parents[2] / "docs" / "DEPLOY.md"
ACCOUNT = "210987654321"
SECRETS = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}"


def documented_policy() -> dict:
    """The ```json block of DEPLOY.md's "Identity-provider secrets" section."""
    section = DEPLOY_MD.read_text().split("## Identity-provider secrets\n", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```json\n(.*?)\n```", section, re.S)
    return json.loads(block)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_documented_preview_policy_is_what_the_stack_needs(stack):
    """DEPLOY.md's JSON parses and is exactly the policy built from the stack's secrets (`<account>` left open)."""
    assert documented_policy() == json.loads(preview_read_policy(idp_secrets(stack_settings(stack)), "<account>"))


def test_the_preview_read_is_getsecretvalue_on_the_two_secrets_and_decrypt_through_secrets_manager_only():
    policy = json.loads(preview_read_policy(idp_secrets(stack_settings("prod")), ACCOUNT))
    read, decrypt = policy["Statement"]
    arns = [f"{SECRETS}:secret:platform/identity/{n}-??????" for n in ("azure-ad", "google")]
    actions = ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"]
    assert read == {"Sid": "ReadIdpClientSecrets", "Effect": "Allow", "Action": actions, "Resource": arns}
    assert decrypt["Action"] == "kms:Decrypt" and decrypt["Resource"] == f"arn:aws:kms:us-east-1:{ACCOUNT}:key/*"
    assert decrypt["Condition"] == {
        "StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"},
        "StringLike": {"kms:EncryptionContext:SecretARN": arns},
    }
    assert all(re.fullmatch(r"[A-Za-z0-9]+", s["Sid"]) for s in policy["Statement"])


@pytest.mark.parametrize(
    ("name", "region", "pattern"),
    [
        ("platform/identity/google", "us-east-1", f"{SECRETS}:secret:platform/identity/google-??????"),
        (f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:idp/google-AbC123", "eu-west-1",
         f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:idp/google-AbC123"),  # a full ARN as written
        (f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:idp/google", "eu-west-1",
         f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:idp/google-??????"),  # a partial ARN gets the suffix
    ],
)  # fmt: skip
def test_a_secret_named_by_arn_is_read_in_the_arns_region_and_granted_by_its_arn(name, region, pattern):
    providers = {"azure_ad": {"client_secret_name": "a"}, "google": {"client_secret_name": name}}
    settings = load_settings("dev", stack_config("dev", identity={"providers": providers}))
    secret = next(s for s in idp_secrets(settings) if s.kind == "google")
    assert secret.region == region and secret.arn_pattern(ACCOUNT) == pattern


def test_a_read_failure_names_the_key_the_cause_and_the_bootstrap_but_no_value():
    secret = IdpSecret("google", "platform/identity/google", "us-east-1")
    line = read_failure(secret, Exception("invoke ... AccessDeniedException: User: arn:... is not authorized"))
    assert line.startswith("identity.providers.google.client_secret_name: cannot read Secrets Manager secret ")
    assert "(AccessDeniedException)" in line and line.endswith("docs/DEPLOY.md#identity-provider-secrets")
