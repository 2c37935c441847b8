"""The federated IdPs' client secrets: the Secrets Manager secrets the program reads (at preview too) and nobody
but the operator creates. Pure: which secrets a stack needs, the command that bootstraps one, the message when one
cannot be read, and the least-privilege read the PR workflow's preview role needs on them (aws 16b).

- Reading a secret is an invoke (`aws.secretsmanager.get_secret_version_output`), which a preview runs, so the
  secrets must exist before the first preview, and the preview role (read-only otherwise) needs
  `secretsmanager:GetSecretValue` on them.
- The role's grant names each secret's ARN with `-??????`: Secrets Manager appends a hyphen and six random characters
  to the name, and the wildcard of exactly six matches this secret and not a longer name sharing its prefix
  (https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_examples.html, "Secret ARN" and the
  examples' `-??????`; https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_iam-permissions.html).
- A secret encrypted with a customer managed key also needs `kms:Decrypt` on that key ("If the secret is encrypted
  using a customer-managed key instead of the AWS managed key aws/secretsmanager, then you also need kms:Decrypt
  permissions for that key": https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html).
  The grant allows Decrypt only when Secrets Manager calls KMS for the caller (`kms:ViaService` =
  `secretsmanager.<region>.amazonaws.com`: https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service)
  and only for these secrets' data keys: Secrets Manager's encryption context carries the secret's ARN as
  `SecretARN` (https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html, "Secrets
  Manager encryption context"), so `kms:EncryptionContext:SecretARN` pins the statement to these two whichever
  key of the region encrypts them. With the default key aws/secretsmanager the statement is unused and harmless.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ..aws.policies import document
from ..settings.models import PlatformSettings

DOCS = "docs/DEPLOY.md#identity-provider-secrets"
"""Where the bootstrap of the secrets and the preview role's grant are written down."""

SECRET_ARN = re.compile(
    r"^arn:aws[a-z-]*:secretsmanager:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):secret:(?P<rest>.+)$"
)
RANDOM_SUFFIX = "-??????"
"""The six random characters Secrets Manager appends to a secret's name in its ARN, as an IAM wildcard."""


@dataclass(frozen=True)
class IdpSecret:
    """One federated IdP's client secret as the stack reads it."""

    kind: Literal["azure_ad", "google"]
    """`azure_ad` or `google`."""
    name: str
    """`identity.providers.<kind>.client_secret_name`: a secret name, or an ARN."""
    region: str
    """Where it is read: the ARN's region, else the primary AWS region (the user pool's provider)."""

    @property
    def key_path(self) -> str:
        """The stack-file key naming the secret."""
        return f"identity.providers.{self.kind}.client_secret_name"

    def arn_pattern(self, account: str) -> str:
        """The ARN an IAM policy grants: an ARN given in config as written (a full ARN already ends in the random
        suffix; a partial one gets it), a name as `arn:aws:secretsmanager:<region>:<account>:secret:<name>-??????`."""
        match = SECRET_ARN.match(self.name)
        if match is None:
            return f"arn:aws:secretsmanager:{self.region}:{account}:secret:{self.name}{RANDOM_SUFFIX}"
        return self.name if re.search(r"-[A-Za-z0-9]{6}$", match["rest"]) else f"{self.name}{RANDOM_SUFFIX}"

    def create_command(self) -> str:
        """The bootstrap command: the value comes from a file the operator writes (never the command line, shell
        history or a log; the AWS CLI reads `file://` parameters:
        https://docs.aws.amazon.com/cli/latest/userguide/cli-usage-parameters-file.html)."""
        name = SECRET_ARN.match(self.name)
        secret = name["rest"] if name else self.name
        return (
            f"aws secretsmanager create-secret --name {secret} --region {self.region} "
            f"--secret-string file://<file holding the {self.kind} client secret>"
        )


def idp_secrets(settings: PlatformSettings) -> list[IdpSecret]:
    """The client secrets the stack reads: one per federated IdP (none without AWS, which hosts the user pool)."""
    if not settings.clouds.aws.enabled:
        return []
    primary = settings.clouds.aws.regions[0].name
    secrets = []
    for kind in settings.federated_providers():
        name = settings.identity.providers[kind].client_secret_name
        match = SECRET_ARN.match(name)
        secrets.append(IdpSecret(kind, name, match["region"] if match else primary))
    return secrets


def read_failure(secret: IdpSecret, error: object) -> str:
    """The one-line error of a secret the program cannot read (instead of the invoke's traceback). The AWS error
    code is kept (ResourceNotFoundException: bootstrap it; AccessDeniedException: grant the reader); nothing of
    the secret's value is ever in the error."""
    codes = re.findall(r"\b([A-Z][A-Za-z]+(?:Exception|Error))\b", str(error))
    cause = next((c for c in codes if c not in ("Exception", "RunError")), "the invoke failed")
    return (
        f"{secret.key_path}: cannot read Secrets Manager secret {secret.name} in {secret.region} ({cause}). "
        f"Create it before the first preview ({secret.create_command()}) and let whoever previews read it "
        f"(secretsmanager:GetSecretValue, kms:Decrypt through Secrets Manager): {DOCS}"
    )


def preview_read_policy(secrets: Sequence[IdpSecret], account: str) -> str:
    """The policy the PR workflow's preview role needs on top of read-only access: GetSecretValue (and the metadata
    read DescribeSecret, which the driver's preflight asks) on exactly these secrets, and Decrypt of their data keys
    only through Secrets Manager of their region (module docstring)."""
    if not secrets:
        raise ValueError("no identity-provider secret to grant")
    arns: dict[str, list[str]] = {s.region: [] for s in secrets}
    for s in secrets:
        arns[s.region].append(s.arn_pattern(account))
    statements: list[dict[str, object]] = [
        {
            "Sid": "ReadIdpClientSecrets",
            "Effect": "Allow",
            # DescribeSecret (metadata only) lets the same role run the driver's preflight (scripts/preflight.py).
            "Action": ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
            "Resource": sorted(a for group in arns.values() for a in group),
        }
    ]
    for region, group in sorted(arns.items()):
        statements.append(
            {
                "Sid": "DecryptIdpClientSecrets" + "".join(p.capitalize() for p in region.split("-")),
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": f"arn:aws:kms:{region}:{account}:key/*",
                "Condition": {
                    "StringEquals": {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"},
                    "StringLike": {"kms:EncryptionContext:SecretARN": sorted(group)},
                },
            }
        )
    return document(*statements)
