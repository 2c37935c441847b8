"""aws 23: the platform API's Pod Identity role on EKS, as the recorded stacks build it: one per AWS region, for the
API's namespace and service account, trusted by EKS Pod Identity for that cluster only, allowed to read its own
connection secret (and decrypt it through Secrets Manager) and to log in to its own RDS as one user: no `*`."""

from __future__ import annotations

import json

import pytest

from components.lib.naming import region_code
from tests.aws.helpers import descendants, one
from tests.conftest import stack_settings

STACKS = ("dev", "prod")


def identities(rec, stack):
    s = stack_settings(stack)
    return {
        region.name: one(
            r
            for r in rec.of_type("multicloud:aws:ApiIdentity")
            if r.name.endswith(f"-aws-{region_code(region.name)}-api-identity")
        )
        for region in s.clouds.aws.regions
    }


@pytest.mark.parametrize("stack", STACKS)
def test_every_eks_cluster_associates_the_api_service_account_with_its_own_role(recorded, stack):
    rec, s = recorded(stack), stack_settings(stack)
    found = identities(rec, stack)
    assert len(rec.of_type("multicloud:aws:ApiIdentity")) == len(s.clouds.aws.regions)
    for region, component in found.items():
        children = descendants(rec, component)
        association = one(r for r in children if r.type == "aws:eks/podIdentityAssociation:PodIdentityAssociation")
        role = one(r for r in children if r.type == "aws:iam/role:Role")
        cluster = one(r for r in rec.of_type("aws:eks/cluster:Cluster") if f"-{region_code(region)}-" in r.name)
        assert association.inputs["namespace"] == s.workloads.api.namespace
        assert association.inputs["serviceAccount"] == s.workloads.api.service_account
        assert association.inputs["clusterName"] == cluster.outputs["name"]
        assert association.inputs["roleArn"] == role.outputs["arn"]
        # created after the cluster component (its eks-pod-identity-agent add-on) and the role's permissions
        eks = one(r for r in rec.of_type("multicloud:aws:EksCluster") if f"-{region_code(region)}-" in r.name)
        agent = one(
            r
            for r in descendants(rec, eks)
            if r.type == "aws:eks/addon:Addon" and r.inputs["addonName"] == "eks-pod-identity-agent"
        )
        policy = one(r for r in children if r.type == "aws:iam/rolePolicy:RolePolicy")
        assert agent.urn in association.dependencies and policy.urn in association.dependencies
        trust = json.loads(role.inputs["assumeRolePolicy"])
        (statement,) = trust["Statement"]
        assert statement["Principal"] == {"Service": "pods.eks.amazonaws.com"}
        assert statement["Action"] == ["sts:AssumeRole", "sts:TagSession"]
        tags = statement["Condition"]["StringEquals"]
        assert tags["aws:RequestTag/eks-cluster-arn"] == cluster.outputs["arn"]
        assert tags["aws:RequestTag/kubernetes-namespace"] == s.workloads.api.namespace
        assert tags["aws:RequestTag/kubernetes-service-account"] == s.workloads.api.service_account


@pytest.mark.parametrize("stack", STACKS)
def test_the_api_role_reads_only_its_own_secret_and_connects_only_as_its_db_user(recorded, stack):
    rec, s = recorded(stack), stack_settings(stack)
    secrets = {
        r.inputs["name"].rsplit("/postgres/", 1)[1].rsplit("-", 1)[0]: r.outputs["arn"]  # less the stack suffix
        for r in rec.of_type("aws:secretsmanager/secret:Secret")
        if "/postgres/" in r.inputs["name"]
    }
    primary = s.clouds.aws.regions[0].name
    rds_keys = {
        region.name: one(
            r for r in rec.of_type("aws:kms/key:Key") if r.name.endswith(f"{region_code(region.name)}-kms-rds-key")
        ).outputs["arn"]
        for region in s.clouds.aws.regions
    }
    for region, component in identities(rec, stack).items():
        instance = one(
            r for r in rec.of_type("aws:rds/instance:Instance") if f"-{region_code(region)}-" in r.name
        )
        policy = one(r for r in descendants(rec, component) if r.type == "aws:iam/rolePolicy:RolePolicy")
        statements = {st["Sid"]: st for st in json.loads(policy.inputs["policy"])["Statement"]}
        assert set(statements) == {"RdsIamConnect", "ReadConnectionSecret", "DecryptThroughSecretsManager"}
        for statement in statements.values():
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            assert resources and all("*" not in r for r in resources), statement
            assert statement["Effect"] == "Allow" and isinstance(statement["Action"], str)
        connect = statements["RdsIamConnect"]
        assert connect["Action"] == "rds-db:connect"
        account = instance.outputs["arn"].split(":")[4]
        assert connect["Resource"] == (
            f"arn:aws:rds-db:{region}:{account}:dbuser:{instance.outputs['resourceId']}/{instance.inputs['username']}"
        )
        own = secrets[f"aws/{region}"]
        read = statements["ReadConnectionSecret"]
        assert read["Action"] == "secretsmanager:GetSecretValue"
        expected = {own} if region == primary else {own, own.replace(f":{primary}:", f":{region}:")}
        assert set(read["Resource"]) == expected  # not the other databases' secrets
        assert not set(read["Resource"]) & {arn for key, arn in secrets.items() if key != f"aws/{region}"}
        decrypt = statements["DecryptThroughSecretsManager"]
        assert decrypt["Action"] == "kms:Decrypt"
        assert set(decrypt["Resource"]) == {rds_keys[primary], rds_keys[region]}
        assert decrypt["Condition"] == {"StringLike": {"kms:ViaService": "secretsmanager.*.amazonaws.com"}}
