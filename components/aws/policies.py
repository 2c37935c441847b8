"""IAM policy documents as JSON (built locally: `aws.iam.get_policy_document` would be a provider call)."""

from __future__ import annotations

import json
from typing import Any


def assume_role_policy(service: str, *actions: str) -> str:
    """Trust policy letting one AWS service principal assume a role."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": service}, "Action": list(actions) or ["sts:AssumeRole"]}
            ],
        }
    )


def service_trust_policy(service: str, *, source_account: str, source_arn: str) -> str:
    """Trust policy letting one AWS service principal assume a role only on behalf of this account's resources
    matching `source_arn` (the confused-deputy conditions aws:SourceAccount and aws:SourceArn,
    https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html)."""
    return document(
        {
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": source_account},
                "ArnLike": {"aws:SourceArn": source_arn},
            },
        }
    )


def irsa_trust_policy(provider_arn: str, issuer_url: str, namespace: str, service_account: str) -> str:
    """Trust policy for one Kubernetes service account through the cluster's OIDC provider (IRSA)."""
    issuer = issuer_url.removeprefix("https://")
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": provider_arn},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {
                        "StringEquals": {
                            f"{issuer}:sub": f"system:serviceaccount:{namespace}:{service_account}",
                            f"{issuer}:aud": "sts.amazonaws.com",
                        }
                    },
                }
            ],
        }
    )


def pod_identity_trust_policy(account: str, cluster_arn: str, namespace: str, service_account: str) -> str:
    """EKS Pod Identity's trust (https://docs.aws.amazon.com/eks/latest/userguide/pod-id-role.html), for one service
    account of one cluster of this account, by the session tags Pod Identity sets
    (https://docs.aws.amazon.com/eks/latest/userguide/pod-id-abac.html)."""
    return document(
        {
            "Sid": "EksPodIdentity",
            "Effect": "Allow",
            "Principal": {"Service": "pods.eks.amazonaws.com"},
            "Action": ["sts:AssumeRole", "sts:TagSession"],
            "Condition": {
                "StringEquals": {
                    "aws:SourceAccount": account,
                    "aws:RequestTag/eks-cluster-arn": cluster_arn,
                    "aws:RequestTag/kubernetes-namespace": namespace,
                    "aws:RequestTag/kubernetes-service-account": service_account,
                }
            },
        }
    )


def document(*statements: dict[str, Any]) -> str:
    """A policy document of the given statements."""
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def google_identity_trust_policy(subject: str) -> str:
    """Trust policy letting only one Google service account (its unique numeric `sub`, as a GCP service agent
    presents it) assume a role with its Google-issued identity token."""
    return document(
        {
            "Effect": "Allow",
            "Principal": {"Federated": "accounts.google.com"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {"accounts.google.com:sub": subject}},
        }
    )
