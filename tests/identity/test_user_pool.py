"""CognitoUserPool: the primary IdP (strong pool, prod deletion protection), the hosted-UI client's OAuth and
token settings, Azure AD and Google federated with their client secrets read from Secrets Manager and kept
secret, and the explicit AWS provider."""

from __future__ import annotations

import dataclasses
from functools import cache

import pulumi
import pulumi_aws as aws
import pytest
from pulumi.runtime import rpc

from components.identity.user_pool import (
    CognitoUserPool,
    CognitoUserPoolArgs,
    FederatedIdp,
    check_domain_prefix,
    check_redirect_urls,
    check_token_lifetimes,
    user_pool_args,
)
from components.settings import SettingsError, load_settings
from components.settings.models import PlatformSettings
from policies.rules.common import TAG_PATHS
from scripts.offline import Recording, Registration, record
from scripts.policy_check import check
from tests.aws.helpers import descendants, one, plain_secrets
from tests.conftest import stack_config
from tests.sdk_checks import args_class, unknown_wire_keys

COMPONENT = "multicloud:identity:CognitoUserPool"
TENANT = "72f988bf-0000-4000-8000-000000000001"
UNIQUE = "ab12c"
"""The stack-unique suffix the component gets (the platform's RandomString)."""
STACKS = ("dev", "prod")
PROVIDER = "aws-primary"


@cache
def settings(stack: str) -> PlatformSettings:
    return load_settings(stack, stack_config(stack))


def program_for(stack: str):
    def program() -> None:
        provider = aws.Provider(PROVIDER, region="us-east-1", allowed_account_ids=["123456789012"])  # as the platform's
        pool = CognitoUserPool(
            "identity-users",
            user_pool_args(settings(stack), TENANT, UNIQUE),
            pulumi.ResourceOptions(providers=[provider]),
        )
        for output in ("user_pool_id", "user_pool_arn", "issuer_url", "client_id", "hosted_ui_domain"):
            pulumi.export(output, getattr(pool, output))

    return program


@cache
def recording(stack: str) -> Recording:
    return record(stack, {}, program_for(stack), "multicloud-platform")


def component(stack: str) -> Registration:
    return one(recording(stack).of_type(COMPONENT))


def child(stack: str, resource_type: type, suffix: str = "") -> Registration:
    return one(
        r
        for r in descendants(recording(stack), component(stack))
        if r.type == resource_type.pulumi_type and r.name.endswith(suffix)  # type: ignore[attr-defined]
    )


def client(stack: str) -> Registration:
    return child(stack, aws.cognito.UserPoolClient)


def idp(stack: str, kind: str) -> Registration:
    return child(stack, aws.cognito.IdentityProvider, f"-idp-{kind}")


@pytest.mark.parametrize("stack", STACKS)
def test_children_are_the_pool_domain_idps_and_one_client_on_the_callers_provider(stack):
    rec = recording(stack)
    provider = one(r for r in rec.resources if r.type == "pulumi:providers:aws")
    children = descendants(rec, component(stack))
    assert sorted(r.type for r in children) == sorted(
        [
            aws.cognito.UserPool.pulumi_type,
            aws.cognito.UserPoolDomain.pulumi_type,
            aws.cognito.IdentityProvider.pulumi_type,
            aws.cognito.IdentityProvider.pulumi_type,
            aws.cognito.UserPoolClient.pulumi_type,
        ]
    )
    for resource in children:
        assert resource.parent == component(stack).urn
        assert resource.provider_urn == provider.urn, resource.name


@pytest.mark.parametrize("stack", STACKS)
def test_client_token_validity_comes_from_the_settings_with_explicit_units(stack):
    inputs = client(stack).inputs
    identity = settings(stack).identity
    assert (identity.token_lifetime, identity.refresh_lifetime) == (3600, 86400)
    assert inputs["accessTokenValidity"] == inputs["idTokenValidity"] == 3600
    assert inputs["refreshTokenValidity"] == 86400
    assert inputs["tokenValidityUnits"] == {"accessToken": "seconds", "idToken": "seconds", "refreshToken": "seconds"}


@pytest.mark.parametrize("stack", STACKS)
def test_client_is_a_public_code_flow_client_of_the_hosted_ui(stack):
    inputs = client(stack).inputs
    s = settings(stack)
    callback = f"https://{s.edge.hostname}.{s.edge.zone}/oauth2/callback"
    assert inputs["generateSecret"] is False  # PKCE public client: no secret to distribute
    assert inputs["allowedOauthFlowsUserPoolClient"] is True
    assert inputs["allowedOauthFlows"] == ["code"]
    assert sorted(inputs["allowedOauthScopes"]) == ["email", "openid", "profile"]
    assert inputs["callbackUrls"] == [callback] and inputs["defaultRedirectUri"] == callback
    assert inputs["logoutUrls"] == [f"https://{s.edge.hostname}.{s.edge.zone}/"]
    assert inputs["preventUserExistenceErrors"] == "ENABLED"
    assert inputs["enableTokenRevocation"] is True
    assert sorted(inputs["explicitAuthFlows"]) == ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"]
    assert inputs["userPoolId"] == recording(stack).outputs["user_pool_id"]


@pytest.mark.parametrize("stack", STACKS)
def test_client_offers_cognito_and_both_federated_providers_after_they_exist(stack):
    registration = client(stack)
    assert registration.inputs["supportedIdentityProviders"] == ["COGNITO", "AzureAD", "Google"]
    for kind in ("azure-ad", "google"):
        assert idp(stack, kind).urn in registration.dependencies


@pytest.mark.parametrize("stack", STACKS)
def test_azure_ad_is_an_oidc_provider_on_the_tenant_v2_issuer(stack):
    inputs = idp(stack, "azure-ad").inputs
    configured = settings(stack).identity.providers["azure_ad"]
    assert inputs["providerType"] == "OIDC" and inputs["providerName"] == "AzureAD"
    assert inputs["userPoolId"] == recording(stack).outputs["user_pool_id"]
    details = rpc.unwrap_rpc_secret(inputs["providerDetails"])
    assert details["oidc_issuer"] == f"https://login.microsoftonline.com/{TENANT}/v2.0"
    assert details["authorize_scopes"] == "openid email profile"
    assert details["attributes_request_method"] == "GET"
    assert details["client_id"] == configured.client_id
    assert inputs["attributeMapping"]["email"] == "email"


@pytest.mark.parametrize("stack", STACKS)
def test_google_is_the_google_provider_type(stack):
    inputs = idp(stack, "google").inputs
    assert inputs["providerType"] == "Google" and inputs["providerName"] == "Google"
    details = rpc.unwrap_rpc_secret(inputs["providerDetails"])
    assert details["client_id"] == settings(stack).identity.providers["google"].client_id
    assert details["authorize_scopes"] == "openid email profile"


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("kind", ["azure_ad", "google"])
def test_client_secret_is_read_from_secrets_manager_and_recorded_as_secret(stack, kind):
    inputs = idp(stack, kind.replace("_", "-")).inputs
    assert rpc.is_rpc_secret(inputs["providerDetails"]), "the details hold the client secret"
    details = rpc.unwrap_rpc_secret(inputs["providerDetails"])
    secret_name = settings(stack).identity.providers[kind].client_secret_name
    # The mock's getSecretVersion answers `mock-secret-of-<secret id>`: the value came from that invoke.
    assert details["client_secret"] == f"mock-secret-of-{secret_name}"


@pytest.mark.parametrize("stack", STACKS)
def test_no_secret_is_recorded_in_plain_text(stack):
    # `tokenValidityUnits.accessToken` only names a unit ("seconds"); every other secret-looking key counts.
    for resource in descendants(recording(stack), component(stack)):
        found = [p for p in plain_secrets(resource.inputs) if not p.startswith("tokenValidityUnits.")]
        assert found == [], resource.name


@pytest.mark.parametrize("stack", STACKS)
def test_pool_is_locked_down_and_deletion_protected_in_prod_only(stack):
    pool = child(stack, aws.cognito.UserPool)
    inputs, prod = pool.inputs, stack == "prod"
    assert inputs["deletionProtection"] == ("ACTIVE" if prod else "INACTIVE")
    assert pool.protect is prod
    assert inputs["mfaConfiguration"] == ("ON" if prod else "OPTIONAL")
    assert inputs["softwareTokenMfaConfiguration"] == {"enabled": True}
    assert inputs["userPoolTier"] == ("PLUS" if prod else "ESSENTIALS")
    assert inputs.get("userPoolAddOns") == ({"advancedSecurityMode": "ENFORCED"} if prod else None)
    password = inputs["passwordPolicy"]
    assert password["minimumLength"] >= 14
    assert all(
        password[k] is True for k in ("requireLowercase", "requireUppercase", "requireNumbers", "requireSymbols")
    )
    assert inputs["usernameAttributes"] == ["email"] and inputs["autoVerifiedAttributes"] == ["email"]
    assert inputs["accountRecoverySetting"] == {"recoveryMechanisms": [{"name": "verified_email", "priority": 1}]}
    assert inputs["adminCreateUserConfig"] == {"allowAdminCreateUserOnly": True}
    assert inputs["name"] == f"flow-{stack}-users"


@pytest.mark.parametrize("stack", STACKS)
def test_prod_sends_through_the_configured_ses_identity_and_dev_keeps_cognitos_sender(stack):
    """aws 16(a): DEVELOPER sending from the stack file's verified SES identity in prod; dev stays on
    COGNITO_DEFAULT (no emailConfiguration); the policy pack flags the default on a prod pool."""
    pool = child(stack, aws.cognito.UserPool)
    email = settings(stack).identity.email
    if stack == "prod":
        assert email is not None and email.source_arn.startswith("arn:aws:ses:us-east-1:")
        assert pool.inputs["emailConfiguration"] == {
            "emailSendingAccount": "DEVELOPER",
            "sourceArn": email.source_arn,
            "fromEmailAddress": email.from_address,
        }
    else:
        assert email is None and "emailConfiguration" not in pool.inputs


def test_the_policy_pack_refuses_cognitos_default_sender_on_a_prod_pool():
    def program() -> None:
        provider = aws.Provider(PROVIDER, region="us-east-1", allowed_account_ids=["123456789012"])
        args = dataclasses.replace(user_pool_args(settings("prod"), TENANT, UNIQUE), email=None)
        CognitoUserPool("identity-users", args, pulumi.ResourceOptions(providers=[provider]))

    rec = record("prod", {}, program, "multicloud-platform")
    pool = one(r for r in rec.resources if r.type == aws.cognito.UserPool.pulumi_type)
    assert "emailConfiguration" not in pool.inputs
    found = [v for v in check(rec, "prod").violations if v.resource_urn == pool.urn]
    assert [(v.policy, v.level) for v in found] == [("aws-cognito-ses-email", "mandatory")]
    assert "COGNITO_DEFAULT" in found[0].message
    assert [v for v in check(rec, "dev").violations if v.policy == "aws-cognito-ses-email"] == []


@pytest.mark.parametrize("stack", STACKS)
def test_pool_carries_the_required_tags(stack):
    pool = child(stack, aws.cognito.UserPool)
    tags = pool.inputs[TAG_PATHS[pool.type]]
    assert {"owner", "environment", "cost-center"} <= set(tags)
    assert tags["environment"] == stack


@pytest.mark.parametrize("stack", STACKS)
def test_hosted_ui_domain_and_outputs(stack):
    domain = child(stack, aws.cognito.UserPoolDomain)
    out = recording(stack).outputs
    assert domain.inputs["domain"] == f"flow-{stack}-auth-{UNIQUE}"
    assert domain.inputs["userPoolId"] == out["user_pool_id"]
    assert out["issuer_url"] == f"https://cognito-idp.us-east-1.amazonaws.com/{out['user_pool_id']}"
    assert out["hosted_ui_domain"] == f"https://flow-{stack}-auth-{UNIQUE}.auth.us-east-1.amazoncognito.com"
    assert out["user_pool_arn"].endswith(f":userpool/{out['user_pool_id']}")
    assert out["client_id"] and out["client_id"] != out["user_pool_id"]


@pytest.mark.parametrize("stack", STACKS)
def test_inputs_use_only_property_names_of_the_pinned_sdk(stack):
    unknown = [
        f"{r.name}: {key}"
        for r in recording(stack).resources
        if r.custom
        for key in unknown_wire_keys(args_class(r.type), r.inputs)
    ]
    assert unknown == []


@pytest.mark.parametrize("stack", STACKS)
def test_policy_pack_finds_nothing_on_the_user_pool(stack):
    mine = {r.urn for r in descendants(recording(stack), component(stack))}
    assert [v for v in check(recording(stack), stack).violations if v.urn in mine] == []


# --- the settings mapping and validation ------------------------------------------------------------


def test_a_providers_own_tenant_wins_over_the_subscriptions():
    s = load_settings(
        "prod",
        stack_config(
            "prod",
            identity={
                "providers": {
                    "azure_ad": {
                        "client_id": "c",
                        "client_secret_name": "n",
                        "tenant_id": "11111111-2222-3333-4444-555555555555",
                    },
                    "google": {"client_id": "g", "client_secret_name": "m"},
                }
            },
        ),
    )
    (azure,) = (p for p in user_pool_args(s, TENANT, UNIQUE).federated if p.kind == "azure_ad")
    assert azure.tenant_id == "11111111-2222-3333-4444-555555555555"
    assert azure.client_secret_name == "n"


def test_configured_callback_urls_and_prefix_are_used():
    s = load_settings(
        "prod",
        stack_config(
            "prod",
            identity={
                "callback_urls": ["https://app.example.com/cb", "https://admin.example.com/auth/cb"],
                "domain_prefix": "flow-login",
            },
        ),
    )
    args = user_pool_args(s, TENANT, UNIQUE)
    assert args.callback_urls == ["https://app.example.com/cb", "https://admin.example.com/auth/cb"]
    assert args.logout_urls == ["https://app.example.com/", "https://admin.example.com/"]
    assert args.domain_prefix == "flow-login-?????"  # the stack-unique part follows (lib/naming.py SUFFIX)


def test_a_federated_provider_without_a_registration_is_a_config_error():
    config = stack_config("prod", identity={"providers": {"azure_ad": {"client_secret_name": "n"}}})
    with pytest.raises(SettingsError) as raised:
        load_settings("prod", config)
    assert raised.value.problems == [
        "Pulumi.prod.yaml: multicloud-platform:platform.identity.providers.google: missing while federated_providers "
        "lists google; allowed: its client_id and client_secret_name"
    ]


def test_only_the_configured_federated_providers_are_built():
    s = load_settings("prod", stack_config("prod", identity={"federated_providers": ["google"]}))
    assert [p.kind for p in user_pool_args(s, TENANT, UNIQUE).federated] == ["google"]


@pytest.mark.parametrize(
    ("token", "refresh", "message"),
    [
        (3600, 86400, None),
        (299, 86400, "token lifetime"),
        (86401, 172800, "token lifetime"),
        (3600, 3599, "refresh lifetime"),
        (3600, 315360001, "refresh lifetime"),
        (7200, 3600, "refresh lifetime"),
        (86400, 86400, "must exceed"),
    ],
)
def test_token_lifetimes_within_cognitos_bounds(token, refresh, message):
    if message is None:
        check_token_lifetimes(token, refresh)
    else:
        with pytest.raises(ValueError, match=message):
            check_token_lifetimes(token, refresh)


@pytest.mark.parametrize(("prefix", "ok"), [("flow-prod-auth", True), ("flow-aws-auth", False), ("mycognito", False)])
def test_domain_prefix_reserved_words(prefix, ok):
    if ok:
        assert check_domain_prefix(prefix) == prefix
    else:
        with pytest.raises(ValueError, match="reserved word"):
            check_domain_prefix(prefix)


@pytest.mark.parametrize(
    ("urls", "ok"),
    [
        (["https://api.example.com/oauth2/callback"], True),
        (["http://api.example.com/cb"], False),
        (["https://api.example.com/cb#frag"], False),
        (["/relative"], False),
        ([], False),
    ],
)
def test_redirect_urls_are_absolute_https(urls, ok):
    if ok:
        assert check_redirect_urls(urls, "callback") == urls
    else:
        with pytest.raises(ValueError):
            check_redirect_urls(urls, "callback")


def test_azure_ad_without_a_tenant_is_refused():
    args = CognitoUserPoolArgs(
        pool_name="p",
        domain_prefix="flow-x-?????",
        suffix="ab12c",
        callback_urls=["https://a.example.com/cb"],
        logout_urls=["https://a.example.com/"],
        token_lifetime=3600,
        refresh_lifetime=86400,
        deletion_protection=False,
        mfa_required=False,
        threat_protection=False,
        tags={},
        federated=[FederatedIdp(kind="azure_ad", client_id="c", client_secret_name="n")],
    )

    def program() -> None:
        CognitoUserPool("pool", args)

    with pytest.raises(Exception, match="tenant id"):
        record("dev", {}, program, "multicloud-platform")


@pytest.mark.parametrize("preview", [False, True], ids=["up", "preview"])
def test_a_missing_client_secret_stops_the_run_with_one_line_naming_it(monkeypatch, preview):
    """aws 16b: the invoke runs at preview too. A secret not bootstrapped yet is a RunError (the language host prints
    it without a traceback) naming the key, the secret, its region, the create command and the docs section."""
    from scripts.offline import RealisticMocks

    answer = RealisticMocks.call

    def not_found(self, args):  # the provider's answer: the invoke returns failures, it does not raise
        if args.token != "aws:secretsmanager/getSecretVersion:getSecretVersion":
            return answer(self, args)
        return {}, [(
            "secretId",
            "operation error Secrets Manager: GetSecretValue, https response error StatusCode: 400, "
            "ResourceNotFoundException: Secrets Manager can't find the specified secret.",
        )]

    monkeypatch.setattr(RealisticMocks, "call", not_found)
    with pytest.raises(pulumi.RunError) as raised:
        record("dev", {}, program_for("dev"), "multicloud-platform", preview=preview)
    message = str(raised.value)
    assert "\n" not in message and "Traceback" not in message
    assert message.startswith("identity.providers.")
    assert "client_secret_name: cannot read Secrets Manager secret platform/identity/" in message
    assert " in us-east-1 (ResourceNotFoundException)" in message
    assert "aws secretsmanager create-secret --name platform/identity/" in message
    assert "--secret-string file://<file holding the" in message
    assert message.endswith("docs/DEPLOY.md#identity-provider-secrets")
