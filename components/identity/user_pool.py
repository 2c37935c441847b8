"""The platform's primary identity provider: a Cognito user pool with a hosted-UI app client, and Entra ID
(Azure AD) and Google federated into it. The IdPs' client secrets are read at deploy time from AWS Secrets
Manager and stay secret in the state; nothing secret comes from config."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, cast
from urllib.parse import urlsplit

import pulumi
import pulumi_aws as aws

from ..lib.cognito_rules import (  # noqa: F401  (re-exported: the component's own checks)
    ACCESS_TOKEN_RANGE,
    REFRESH_TOKEN_RANGE,
    check_domain_prefix,
    check_redirect_urls,
    check_token_lifetimes,
)
from ..lib.naming import StackNames, unique
from ..settings.models import PlatformSettings
from .idp_secrets import IdpSecret, idp_secrets, read_failure

IdpKind = Literal["azure_ad", "google"]

PROVIDER_NAMES: dict[IdpKind, str] = {"azure_ad": "AzureAD", "google": "Google"}
"""Cognito provider name of each federated IdP (a Google IdP must be called exactly `Google`)."""
OAUTH_SCOPES = ["openid", "email", "profile"]
"""Scopes of the hosted-UI client (never `aws.cognito.signin.user.admin`: no self-service user API)."""
TOKEN_UNITS: aws.cognito.UserPoolClientTokenValidityUnitsArgsDict = {
    "access_token": "seconds",
    "id_token": "seconds",
    "refresh_token": "seconds",
}
"""Units of the client's token validities: the settings hold seconds, so Cognito gets seconds."""
DISCOVERED_DETAILS: dict[IdpKind, tuple[str, ...]] = {
    "azure_ad": ("authorize_url", "token_url", "attributes_url", "jwks_uri", "attributes_url_add_attributes"),
    "google": (
        "attributes_url",
        "attributes_url_add_attributes",
        "authorize_url",
        "oidc_issuer",
        "token_request_method",
        "token_url",
    ),
}
"""provider_details keys Cognito fills in itself (OIDC discovery, Google's fixed endpoints): ignored, or every
update would strip them again."""


@dataclass(frozen=True)
class FederatedIdp:
    """One IdP federated into the pool."""

    kind: IdpKind
    """`azure_ad` (Entra ID over OIDC) or `google`."""
    client_id: str
    """OAuth client id registered at the IdP."""
    client_secret_name: str
    """Secrets Manager secret (name or ARN, in the provider's region) whose SecretString is the client secret."""
    tenant_id: pulumi.Input[str] | None = None
    """Entra ID tenant of the app registration (azure_ad only; required there)."""
    secret_region: str | None = None
    """Region the secret is read in, for the error naming it (None: the user pool's provider region)."""


@dataclass(frozen=True)
class SesEmail:
    """The pool's e-mail through Amazon SES (DEVELOPER): a verified identity of the pool's region and its FROM
    address. Cognito then sends as the service-linked role AWSServiceRoleForAmazonCognitoIdpEmailService, which it
    creates itself (the deployer needs iam:CreateServiceLinkedRole once), so the identity needs no sending
    authorization policy: that is only for COGNITO_DEFAULT with an SES FROM address
    (https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pool-settings-ses-authorization-to-send-email.html)."""

    source_arn: str
    """ARN of the verified SES identity (`arn:aws:ses:<pool region>:<account>:identity/<domain or address>`)."""
    from_address: str
    """FROM address: the identity's address or one of its domain."""


@dataclass(frozen=True)
class CognitoUserPoolArgs:
    """Inputs of CognitoUserPool."""

    pool_name: str
    """Physical name of the user pool."""
    domain_prefix: str
    """Hosted-UI domain prefix template (`https://<prefix>.auth.<region>.amazoncognito.com`; global per region, so it
    ends in the stack-unique part: `StackNames.cognito_domain`)."""
    callback_urls: Sequence[str]
    """OAuth redirect URLs of the hosted-UI client (https only)."""
    logout_urls: Sequence[str]
    """Sign-out redirect URLs of the hosted-UI client (https only)."""
    token_lifetime: int
    """Access and ID token validity in seconds (300-86400)."""
    refresh_lifetime: int
    """Refresh token validity in seconds (3600-315360000)."""
    deletion_protection: bool
    """API-level deletion protection and Pulumi protect on the pool (prod)."""
    mfa_required: bool
    """MFA `ON` for every local user (prod) instead of `OPTIONAL`; Cognito fixes `ON` at pool creation."""
    threat_protection: bool
    """Plus feature plan with threat protection (advanced security) ENFORCED, and password-reuse prevention."""
    tags: Mapping[str, str]
    """Tags of the user pool."""
    suffix: pulumi.Input[str]
    """The stack-unique part the domain prefix takes (`Platform.suffix`)."""
    federated: Sequence[FederatedIdp] = field(default_factory=list)
    """IdPs federated into the pool, offered on the hosted UI next to local (COGNITO) users."""
    email: SesEmail | None = None
    """Send through SES (aws 16a; prod); None keeps Cognito's daily-capped default sender (COGNITO_DEFAULT, dev)."""


def user_pool_args(
    settings: PlatformSettings, azure_tenant_id: pulumi.Input[str] | None, suffix: pulumi.Input[str]
) -> CognitoUserPoolArgs:
    """CognitoUserPoolArgs from the stack settings. `azure_tenant_id` serves an azure_ad provider without its own
    `tenant_id` (the Azure subscription's tenant, e.g. `authorization.get_client_config_output().tenant_id`);
    `suffix` is the stack-unique part of the domain prefix (`Platform.suffix`).

    Callback URLs default to `https://<edge hostname>.<zone>/oauth2/callback`; logout URLs are the callback
    URLs' origins (`https://<host>/`)."""
    identity = settings.identity
    host = settings.edge.fqdn
    callbacks = identity.callback_urls or [f"https://{host}/oauth2/callback"]
    origins = dict.fromkeys(f"https://{urlsplit(url).netloc}/" for url in callbacks)
    federated = [
        FederatedIdp(
            kind=secret.kind,
            client_id=identity.providers[secret.kind].client_id,
            client_secret_name=secret.name,
            tenant_id=(identity.providers[secret.kind].tenant_id or azure_tenant_id)
            if secret.kind == "azure_ad"
            else None,
            secret_region=secret.region,
        )
        for secret in idp_secrets(settings)
    ]
    return CognitoUserPoolArgs(
        pool_name=f"{settings.name}-{settings.environment}-users",
        domain_prefix=StackNames(settings.name, settings.environment).cognito_domain(identity.domain_prefix),
        callback_urls=callbacks,
        logout_urls=list(origins),
        token_lifetime=identity.token_lifetime,
        refresh_lifetime=identity.refresh_lifetime,
        deletion_protection=settings.deletion_protection,
        mfa_required=settings.is_prod,
        threat_protection=settings.is_prod,
        tags=settings.tags(),
        federated=federated,
        suffix=suffix,
        email=SesEmail(identity.email.source_arn, identity.email.from_address) if identity.email else None,
    )


class CognitoUserPool(pulumi.ComponentResource):
    """A Cognito user pool (e-mail as username, strong passwords, TOTP MFA, verified-e-mail recovery, no
    self sign-up), its hosted-UI domain, the federated IdPs and one hosted-UI app client.

    The client is a public OAuth client (no client secret) for the authorization-code flow with PKCE: the
    hosted UI's callers are browsers and CLIs that cannot keep a secret, and a generated client secret would be
    a static credential to distribute and rotate. Implicit and client-credentials flows are not allowed, local
    sign-in is SRP only, and refresh tokens can be revoked. Give it the primary region's `aws.Provider`
    through `opts.providers`."""

    user_pool_id: pulumi.Output[str]
    """Id of the user pool (`<region>_<id>`)."""
    user_pool_arn: pulumi.Output[str]
    """ARN of the user pool."""
    issuer_url: pulumi.Output[str]
    """OIDC issuer of the pool's tokens (`https://cognito-idp.<region>.amazonaws.com/<pool id>`)."""
    client_id: pulumi.Output[str]
    """Id of the hosted-UI app client (public: there is no client secret)."""
    hosted_ui_domain: pulumi.Output[str]
    """Base URL of the hosted UI (`https://<prefix>.auth.<region>.amazoncognito.com`)."""
    provider_names: list[pulumi.Output[str]]
    """Cognito names of the federated IdPs (`identity_provider` parameter of the authorize endpoint)."""

    def __init__(self, name: str, args: CognitoUserPoolArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:identity:CognitoUserPool", name, {}, opts)
        check_token_lifetimes(args.token_lifetime, args.refresh_lifetime)
        check_domain_prefix(args.domain_prefix)
        callback_urls = check_redirect_urls(args.callback_urls, "callback")
        logout_urls = check_redirect_urls(args.logout_urls, "logout")
        kinds = [idp.kind for idp in args.federated]
        if len(set(kinds)) != len(kinds):
            raise ValueError(f"federated identity providers are listed twice: {kinds}")
        child = pulumi.ResourceOptions(parent=self)

        pool = aws.cognito.UserPool(
            f"{name}-pool",
            name=args.pool_name,
            username_attributes=["email"],
            username_configuration={"case_sensitive": False},
            auto_verified_attributes=["email"],
            user_attribute_update_settings={"attributes_require_verification_before_updates": ["email"]},
            admin_create_user_config={"allow_admin_create_user_only": True},
            password_policy={
                "minimum_length": 14,
                "require_lowercase": True,
                "require_uppercase": True,
                "require_numbers": True,
                "require_symbols": True,
                "temporary_password_validity_days": 1,
                **({"password_history_size": 24} if args.threat_protection else {}),
            },
            mfa_configuration="ON" if args.mfa_required else "OPTIONAL",
            software_token_mfa_configuration={"enabled": True},
            account_recovery_setting={"recovery_mechanisms": [{"name": "verified_email", "priority": 1}]},
            user_pool_tier="PLUS" if args.threat_protection else "ESSENTIALS",
            user_pool_add_ons={"advanced_security_mode": "ENFORCED"} if args.threat_protection else None,
            deletion_protection="ACTIVE" if args.deletion_protection else "INACTIVE",
            email_configuration=(
                {
                    "email_sending_account": "DEVELOPER",
                    "source_arn": args.email.source_arn,
                    "from_email_address": args.email.from_address,
                }
                if args.email
                else None
            ),
            tags=dict(args.tags),
            opts=pulumi.ResourceOptions(parent=self, protect=args.deletion_protection),
        )
        domain = aws.cognito.UserPoolDomain(
            f"{name}-domain",
            # The filled prefix is checked too (the suffix has no `w`, so it never spells `aws`: lib/naming.py).
            domain=unique(args.domain_prefix, args.suffix).apply(check_domain_prefix),
            user_pool_id=pool.id,
            managed_login_version=1,
            opts=child,
        )
        idps = [self._identity_provider(name, pool, idp) for idp in args.federated]
        supported: list[pulumi.Input[str]] = ["COGNITO", *(idp.provider_name for idp in idps)]
        client = aws.cognito.UserPoolClient(
            f"{name}-hosted-ui-client",
            name=f"{args.pool_name}-hosted-ui",
            user_pool_id=pool.id,
            generate_secret=False,
            allowed_oauth_flows_user_pool_client=True,
            allowed_oauth_flows=["code"],
            allowed_oauth_scopes=OAUTH_SCOPES,
            supported_identity_providers=supported,
            callback_urls=callback_urls,
            default_redirect_uri=callback_urls[0],
            logout_urls=logout_urls,
            explicit_auth_flows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            access_token_validity=args.token_lifetime,
            id_token_validity=args.token_lifetime,
            refresh_token_validity=args.refresh_lifetime,
            token_validity_units=TOKEN_UNITS,
            prevent_user_existence_errors="ENABLED",
            enable_token_revocation=True,
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(idps)),
        )

        self.user_pool_id = pool.id
        self.user_pool_arn = pool.arn
        self.issuer_url = pool.endpoint.apply(lambda endpoint: f"https://{endpoint}")
        self.client_id = client.id
        self.hosted_ui_domain = pulumi.Output.concat(
            "https://", domain.domain, ".auth.", pool.region, ".amazoncognito.com"
        )
        self.provider_names = [idp.provider_name for idp in idps]
        self.register_outputs(
            {
                "user_pool_id": self.user_pool_id,
                "user_pool_arn": self.user_pool_arn,
                "issuer_url": self.issuer_url,
                "client_id": self.client_id,
                "hosted_ui_domain": self.hosted_ui_domain,
            }
        )

    def _identity_provider(
        self, name: str, pool: aws.cognito.UserPool, idp: FederatedIdp
    ) -> aws.cognito.IdentityProvider:
        """The IdP registration; its client secret read from Secrets Manager at deploy time, kept secret."""
        client_secret = self._client_secret(idp)
        scopes = " ".join(OAUTH_SCOPES)
        details: dict[str, pulumi.Input[str]]
        if idp.kind == "azure_ad":
            if idp.tenant_id is None:
                raise ValueError("the azure_ad identity provider needs a tenant id")
            details = {
                "client_id": idp.client_id,
                "client_secret": client_secret,
                "attributes_request_method": "GET",
                "oidc_issuer": pulumi.Output.concat("https://login.microsoftonline.com/", idp.tenant_id, "/v2.0"),
                "authorize_scopes": scopes,
            }
            provider_type = "OIDC"
            mapping = {"email": "email", "name": "name", "username": "sub"}
        else:
            details = {"client_id": idp.client_id, "client_secret": client_secret, "authorize_scopes": scopes}
            provider_type = "Google"
            mapping = {"email": "email", "email_verified": "email_verified", "name": "name", "username": "sub"}
        return aws.cognito.IdentityProvider(
            f"{name}-idp-{idp.kind.replace('_', '-')}",
            user_pool_id=pool.id,
            provider_name=PROVIDER_NAMES[idp.kind],
            provider_type=provider_type,
            provider_details=details,
            attribute_mapping=mapping,
            # The provider reads the details back (client secret included): keep them secret in the state.
            opts=pulumi.ResourceOptions(
                parent=self,
                additional_secret_outputs=["provider_details"],
                ignore_changes=[f'providerDetails["{key}"]' for key in DISCOVERED_DETAILS[idp.kind]],
            ),
        )

    def _client_secret(self, idp: FederatedIdp) -> pulumi.Output[str]:
        """The IdP's client secret (secret in the state), read with an invoke that `preview` runs too. A secret that
        is missing or unreadable stops the run with one line naming its key, the secret and the bootstrap
        (`pulumi.RunError`, which the language host prints without a traceback) instead of the invoke's trace."""
        version = aws.secretsmanager.get_secret_version_output(
            secret_id=idp.client_secret_name, opts=pulumi.InvokeOutputOptions(parent=self)
        )
        where = IdpSecret(idp.kind, idp.client_secret_name, idp.secret_region or "the user pool's region")

        async def read() -> str:
            try:
                return cast(str, await version.secret_string.future())
            except Exception as err:  # the invoke's error, reported as one line
                raise pulumi.RunError(read_failure(where, err)) from None

        return cast(pulumi.Output[str], pulumi.Output.secret(pulumi.Output.from_input(read())))
