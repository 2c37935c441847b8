"""The platform API's own AWS identity on EKS (aws 23): an IAM role its service account gets through EKS Pod
Identity, allowed to read its region's connection secret and to log in to its region's RDS with IAM auth, and
nothing else.

- Trust: `pods.eks.amazonaws.com` with `sts:AssumeRole` and `sts:TagSession`, the EKS Pod Identity trust
  (https://docs.aws.amazon.com/eks/latest/userguide/pod-id-role.html), scoped with the session tags Pod Identity
  sets (`aws:RequestTag/eks-cluster-arn`, `kubernetes-namespace`, `kubernetes-service-account`:
  https://docs.aws.amazon.com/eks/latest/userguide/pod-id-abac.html) to this cluster's API service account, and
  to this account (`aws:SourceAccount`).
- Secrets Manager: `GetSecretValue` on the connection secret's ARN (and its in-region replica) only, and
  `kms:Decrypt` on the secrets' keys only when called through Secrets Manager (`kms:ViaService`).
- RDS IAM auth: `rds-db:connect` on `arn:aws:rds-db:<region>:<account>:dbuser:<DbiResourceId>/<user>`
  (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.IAMPolicy.html); the database
  user needs `GRANT rds_iam` inside PostgreSQL.
- The association waits for the cluster component (its eks-pod-identity-agent add-on among it), which hands the
  credentials to the pods.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from .policies import document, pod_identity_trust_policy


@dataclass(frozen=True)
class ApiIdentityArgs:
    """Inputs of AwsApiIdentity."""

    role_name: str
    """Physical name of the role (`<name>-<env>-<region code>-api`)."""
    region: str
    cluster_name: pulumi.Input[str]
    cluster_arn: pulumi.Input[str]
    namespace: str
    """The API's namespace (workloads.api.namespace)."""
    service_account: str
    """The API's service account (workloads.api.service_account)."""
    db_resource_id: pulumi.Input[str]
    """DbiResourceId of the region's RDS instance."""
    db_user: str
    """The PostgreSQL user the API logs in as (the one its connection secret names)."""
    secret_arns: Sequence[pulumi.Input[str]] = ()
    """The API's own connection secret: its ARN, and its replica's in this region where it has one."""
    secret_key_arns: Sequence[pulumi.Input[str]] = ()
    """The KMS keys those secrets are encrypted with."""
    waits_for: Sequence[pulumi.Resource] = ()
    """What holds the eks-pod-identity-agent add-on (the cluster component)."""
    tags: Mapping[str, str] = field(default_factory=dict)


class AwsApiIdentity(pulumi.ComponentResource):
    """The role and its Pod Identity association. Give it the region's provider through `opts.providers`."""

    role_arn: pulumi.Output[str]

    def __init__(self, name: str, args: ApiIdentityArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:aws:ApiIdentity", name, {}, opts)
        account = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self)).account_id
        role = aws.iam.Role(
            f"{name}-role",
            name=args.role_name,
            description=f"Pod Identity of {args.namespace}/{args.service_account} (platform API)",
            assume_role_policy=pulumi.Output.all(account, args.cluster_arn).apply(
                lambda v: pod_identity_trust_policy(v[0], v[1], args.namespace, args.service_account)
            ),
            tags=dict(args.tags),
            opts=pulumi.ResourceOptions(parent=self),
        )
        policy = aws.iam.RolePolicy(
            f"{name}-access",
            role=role.id,
            policy=pulumi.Output.all(
                account, args.db_resource_id, list(args.secret_arns), list(args.secret_key_arns)
            ).apply(lambda v: access_policy(args.region, v[0], v[1], args.db_user, v[2], v[3])),
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.eks.PodIdentityAssociation(
            f"{name}-association",
            cluster_name=args.cluster_name,
            namespace=args.namespace,
            service_account=args.service_account,
            role_arn=role.arn,
            tags=dict(args.tags),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy, *args.waits_for]),
        )
        self.role_arn = role.arn
        self.register_outputs({"role_arn": self.role_arn})


def access_policy(
    region: str, account: str, db_resource_id: str, db_user: str, secret_arns: list[str], key_arns: list[str]
) -> str:
    """Least privilege: rds-db:connect as one user of one instance, GetSecretValue on the given secrets,
    Decrypt on their keys through Secrets Manager only. No `*` resource anywhere."""
    statements: list[dict[str, object]] = [
        {
            "Sid": "RdsIamConnect",
            "Effect": "Allow",
            "Action": "rds-db:connect",
            "Resource": f"arn:aws:rds-db:{region}:{account}:dbuser:{db_resource_id}/{db_user}",
        }
    ]
    if secret_arns:
        statements.append(
            {
                "Sid": "ReadConnectionSecret",
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": sorted(set(secret_arns)),
            }
        )
    if key_arns:
        statements.append(
            {
                "Sid": "DecryptThroughSecretsManager",
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": sorted(set(key_arns)),
                "Condition": {"StringLike": {"kms:ViaService": "secretsmanager.*.amazonaws.com"}},
            }
        )
    return document(*statements)
