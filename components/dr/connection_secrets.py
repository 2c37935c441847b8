"""The connection secret of every database of the stack, kept in every cloud's secret store (the seed's key
manager): a workload fails over to another cloud's database with credentials from its own cloud.

- AWS Secrets Manager in the primary AWS region, encrypted with that region's database key (KMS), replicated to
  every other AWS region of the stack under that region's database key (aws 20: losing the primary region loses
  no AWS copy);
- Azure Key Vault of the primary Azure region (RBAC, purge protection; Key Vault encrypts with its HSM keys);
- GCP Secret Manager, replicated to the primary GCP region only, encrypted with that region's secrets key (CMEK).

Each secret is JSON `{engine, host, port, dbname, username, password | password_secret, sslmode}`, a secret in
Pulumi's state. The RDS master password is rotated by RDS itself and never leaves AWS: its entry names the
managed secret's ARN instead (`password_secret`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumi_azure_native as azure_native
import pulumi_gcp as gcp

from ..lib.naming import SUFFIX, unique
from ..regional import PostgresConnection
from ..secret_expiry import expires_at


@dataclass(frozen=True)
class AwsStore:
    kms_key_arn: pulumi.Input[str]
    """KMS key of the secrets."""
    recovery_window_days: int = 30
    """Days a deleted secret stays restorable (0 would delete at once)."""
    replicas: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Other AWS region -> the KMS key (CMK) of that region the secret's replica there is encrypted with. Secrets
    Manager keeps each replica in sync with the primary (https://docs.aws.amazon.com/secretsmanager/latest/userguide/
    replicate-secrets.html); replicating needs kms:Decrypt on the primary's key and kms:GenerateDataKey and
    kms:Encrypt on each replica's key (API_ReplicateSecretToRegions), which the keys' root-account statement
    delegates to the deployer's IAM."""


@dataclass(frozen=True)
class AzureStore:
    vault_name: pulumi.Input[str]
    resource_group_name: pulumi.Input[str]
    vault_access: Sequence[pulumi.Resource] = ()
    """What secret writes wait for: the vault's data-plane grant and its propagation (AzureKeyVault)."""


@dataclass(frozen=True)
class GcpStore:
    project: str
    location: str
    """Region of the secrets' only replica (the key's region)."""
    kms_key_id: pulumi.Input[str]


@dataclass(frozen=True)
class ConnectionSecretsArgs:
    """Inputs of ConnectionSecrets."""

    databases: Mapping[str, PostgresConnection]
    """`<cloud>/<region>` -> how to reach that database."""
    name_prefix: str
    """`<name>-<environment>`."""
    suffix: pulumi.Input[str]
    """The stack-unique part (`Platform.unique`): Secrets Manager keeps a deleted secret's name for its recovery
    window, so the AWS secrets' names end in it (lib/naming.py)."""
    aws: AwsStore | None = None
    azure: AzureStore | None = None
    gcp: GcpStore | None = None
    protect: bool = False
    """Pulumi `protect` on the secrets (prod), as on every other secret the stack keeps."""
    tags: dict[str, str] = field(default_factory=dict)


class ConnectionSecrets(pulumi.ComponentResource):
    """One secret per (database, store). Give it the primary regions' providers through `opts.providers`."""

    aws_secret_arns: dict[str, pulumi.Output[str]]
    """Database key -> Secrets Manager secret ARN."""
    azure_secret_ids: dict[str, pulumi.Output[str]]
    """Database key -> Key Vault secret id."""
    gcp_secret_ids: dict[str, pulumi.Output[str]]
    """Database key -> Secret Manager secret id."""

    def __init__(self, name: str, args: ConnectionSecretsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:dr:ConnectionSecrets", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        kept = pulumi.ResourceOptions(parent=self, protect=args.protect)
        self.aws_secret_arns, self.azure_secret_ids, self.gcp_secret_ids = {}, {}, {}
        azure_expiry = expires_at(f"{name}-azure-expiry", self) if args.azure and args.databases else None
        for key, connection in args.databases.items():
            slug = re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-")
            document = connection_document(connection)
            if args.aws:
                secret = aws.secretsmanager.Secret(
                    f"{name}-aws-{slug}",
                    # A deleted secret keeps its name for the recovery window ("You can't create this secret
                    # because a secret with this name is already scheduled for deletion"; the window is never 0:
                    # https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DeleteSecret.html): the name
                    # ends in the stack-unique part, after a hyphen and five characters, never six ("Do not end your
                    # secret name with a hyphen followed by six characters",
                    # https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html).
                    name=unique(f"{args.name_prefix}/postgres/{key}-{SUFFIX}", args.suffix),
                    description=f"Connection to the {key} PostgreSQL of {args.name_prefix}",
                    kms_key_id=args.aws.kms_key_arn,
                    recovery_window_in_days=args.aws.recovery_window_days,
                    replicas=[
                        aws.secretsmanager.SecretReplicaArgs(region=region, kms_key_id=key)
                        for region, key in args.aws.replicas.items()
                    ]
                    or None,
                    tags={**args.tags, "database": slug},
                    opts=kept,
                )
                aws.secretsmanager.SecretVersion(
                    f"{name}-aws-{slug}-version", secret_id=secret.id, secret_string=document, opts=child
                )
                self.aws_secret_arns[key] = secret.arn
            if args.azure:
                vault_secret = azure_native.keyvault.Secret(
                    f"{name}-azure-{slug}",
                    secret_name=f"postgres-{slug}",
                    vault_name=args.azure.vault_name,
                    resource_group_name=args.azure.resource_group_name,
                    properties={
                        "value": document,
                        "content_type": "application/json",
                        "attributes": {"expires": azure_expiry},  # azure R16
                    },
                    tags={**args.tags, "database": slug},
                    opts=pulumi.ResourceOptions.merge(
                        kept, pulumi.ResourceOptions(depends_on=list(args.azure.vault_access))
                    ),
                )
                self.azure_secret_ids[key] = vault_secret.id
            if args.gcp:
                gcp_secret = gcp.secretmanager.Secret(
                    f"{name}-gcp-{slug}",
                    project=args.gcp.project,
                    secret_id=f"{args.name_prefix}-postgres-{slug}",
                    replication={
                        "user_managed": {
                            "replicas": [
                                {
                                    "location": args.gcp.location,
                                    "customer_managed_encryption": {"kms_key_name": args.gcp.kms_key_id},
                                }
                            ]
                        }
                    },
                    labels={**args.tags, "database": slug},
                    opts=kept,
                )
                gcp.secretmanager.SecretVersion(
                    f"{name}-gcp-{slug}-version", secret=gcp_secret.id, secret_data=document, opts=child
                )
                self.gcp_secret_ids[key] = gcp_secret.id
        self.register_outputs({"aws": self.aws_secret_arns, "azure": self.azure_secret_ids, "gcp": self.gcp_secret_ids})


def connection_document(connection: PostgresConnection) -> pulumi.Output[str]:
    """The secret's JSON, always a secret output (it carries a password or the name of the one that does)."""
    return pulumi.Output.secret(
        pulumi.Output.all(connection.host, connection.password, connection.password_secret).apply(
            lambda values: json.dumps(
                {
                    "engine": "postgres",
                    "host": values[0],
                    "port": connection.port,
                    "dbname": connection.database,
                    "username": connection.username,
                    **({"password": values[1]} if values[1] is not None else {"password_secret": values[2]}),
                    "sslmode": "require",
                },
                sort_keys=True,
            )
        )
    )
