"""The whole stack's shape: component tree, exact children, explicit regional providers, protection,
no plain secrets, and input names the pinned pulumi-aws SDK knows."""

from __future__ import annotations

import json
import re
from collections import Counter

import pulumi_aws as aws
import pytest

from scripts.offline import Recording, Registration
from tests.conftest import stack_settings
from tests.sdk_checks import args_class, unknown_wire_keys

from .helpers import (
    ALL_REGIONS,
    AWS_PROVIDER,
    BUCKET,
    EKS,
    EXPECT,
    KEY_PURPOSES,
    KMS_KEY,
    NETWORK,
    PLATFORM,
    POSTGRES,
    REGION,
    STACKS,
    STATEFUL,
    VPN_GATEWAY,
    children_of,
    config_buckets,
    config_regions,
    descendants,
    in_cross_cloud_components,
    of_type,
    one,
    plain_secrets,
    platform_config,
    regions,
    token,
)

DNS_RESOLVER = "multicloud:aws:DnsResolver"
MESH_WATCH = "multicloud:aws:MeshWatch"
RUNNER = "multicloud:aws:DeployRunner"


def type_counts(resources: list[Registration]) -> Counter[str]:
    return Counter(r.type for r in resources)


ACCESS_LOG_BUCKET = "multicloud:aws:AccessLogBucket"


def expected_children(stack: str) -> dict[str, Counter[str]]:
    """The exact multiset of child types of each component type."""
    zones, nats = 3, EXPECT[stack].nats_per_region
    pools = len(platform_config(stack)["kubernetes"]["pools"]["aws"])
    return {
        REGION: Counter({
            KMS_KEY: 4, NETWORK: 1, EKS: 1, POSTGRES: 1, BUCKET: len(config_buckets(stack)),
            ACCESS_LOG_BUCKET: 1,  # the server access logs of the region's buckets (aws 24)
            token(aws.ec2.Eip): zones,  # ingress NLB, one per zone
            VPN_GATEWAY: 1,  # every region is in the stack's VPN mesh
            DNS_RESOLVER: 1,  # ... and resolves the other regions' private names
            MESH_WATCH: 1,  # ... and its tunnels log and alarm
        }),
        MESH_WATCH: Counter({
            token(aws.sns.Topic): 1, token(aws.sns.TopicSubscription): len(platform_config(stack)["budgets"]["notify"]),
            token(aws.cloudwatch.LogGroup): 1,
        }),
        VPN_GATEWAY: Counter({token(aws.ec2.VpnGateway): 1, token(aws.ec2.VpnGatewayRoutePropagation): zones}),
        KMS_KEY: Counter({token(aws.kms.Key): 1, token(aws.kms.Alias): 1}),
        NETWORK: Counter({
            token(aws.ec2.Vpc): 1, token(aws.ec2.DefaultSecurityGroup): 1, token(aws.ec2.InternetGateway): 1,
            token(aws.ec2.Subnet): 2 * zones, token(aws.ec2.RouteTable): 1 + zones, token(aws.ec2.Route): 1 + zones,
            token(aws.ec2.RouteTableAssociation): 2 * zones, token(aws.ec2.Eip): nats,
            token(aws.ec2.NatGateway): nats, token(aws.cloudwatch.LogGroup): 1, token(aws.iam.Role): 1,
            token(aws.iam.RolePolicy): 1, token(aws.ec2.FlowLog): 1,
        }),
        EKS: Counter({
            token(aws.eks.Cluster): 1, token(aws.cloudwatch.LogGroup): 1,
            # the API clients' group: the in-network runner's subnets on 443, one rule each (prod)
            token(aws.ec2.SecurityGroup): 1,
            **({token(aws.vpc.SecurityGroupIngressRule): zones} if stack == "prod" else {}),
            token(aws.iam.OpenIdConnectProvider): 1,
            # the configured deployer (deployer.aws.role_arn): its access entry + cluster-admin policy (aws FAIL 1)
            token(aws.eks.AccessEntry): 2, token(aws.eks.AccessPolicyAssociation): 2,  # + the previews' view entry
            token(aws.iam.Role): 5,  # cluster, nodes, vpc-cni (IRSA), ebs-csi (IRSA), cluster autoscaler (Pod Identity)
            token(aws.iam.RolePolicyAttachment): 5,  # cluster 1, nodes 2, vpc-cni 1, ebs-csi 1
            token(aws.iam.RolePolicy): 1, token(aws.eks.PodIdentityAssociation): 1,  # the autoscaler's (aws 7)
            token(aws.eks.NodeGroup): pools, token(aws.eks.Addon): 6,
            token(aws.ec2.LaunchTemplate): pools,  # one per node group: IMDSv2, encrypted root volume (aws 10)
            # dev: each node group sleeps outside office hours and wakes at their start
            **({token(aws.autoscaling.Schedule): 2 * pools} if stack == "dev" else {}),
        }),
        POSTGRES: Counter({
            token(aws.rds.SubnetGroup): 1, token(aws.ec2.SecurityGroup): 1, token(aws.rds.ParameterGroup): 1,
            token(aws.iam.Role): 1, token(aws.iam.RolePolicyAttachment): 1, token(aws.rds.Instance): 1,
            token(aws.cloudwatch.LogGroup): 2,  # the exported postgresql and upgrade logs, pre-created (aws 13)
            **({"random:index/randomId:RandomId": 1} if stack == "prod" else {}),  # the final snapshot's suffix
        }),
        BUCKET: Counter({token(t): 1 for t in (
            aws.s3.Bucket, aws.s3.BucketPublicAccessBlock, aws.s3.BucketOwnershipControls, aws.s3.BucketVersioning,
            aws.s3.BucketServerSideEncryptionConfiguration, aws.s3.BucketLifecycleConfiguration, aws.s3.BucketPolicy,
            aws.s3.BucketLogging,
        )}),
        ACCESS_LOG_BUCKET: Counter({token(t): 1 for t in (
            aws.s3.Bucket, aws.s3.BucketPublicAccessBlock, aws.s3.BucketOwnershipControls, aws.s3.BucketVersioning,
            aws.s3.BucketServerSideEncryptionConfiguration, aws.s3.BucketLifecycleConfiguration, aws.s3.BucketPolicy,
        )}),
    }


@pytest.mark.parametrize("stack", STACKS)
def test_one_platform_with_one_provider_and_region_per_configured_region(recorded, stack):
    rec = recorded(stack)
    platform = one(rec.of_type(PLATFORM))
    assert platform.name == f"flow-{stack}"
    aws_children = [c for c in children_of(rec, platform) if c.type in (AWS_PROVIDER, REGION)]
    assert type_counts(aws_children) == Counter(
        {AWS_PROVIDER: EXPECT[stack].region_count, REGION: EXPECT[stack].region_count})
    assert set(regions(rec)) == set(config_regions(stack))
    assert len(config_regions(stack)) == EXPECT[stack].region_count


@pytest.mark.parametrize("stack", STACKS)
def test_every_aws_provider_is_pinned_to_the_deployers_account_and_tags_by_default(recorded, stack):
    """aws review 22: wrong-account credentials fail (allowedAccountIds = the account of deployer.aws.role_arn);
    the stack's tags are the providers' default tags. Provider inputs reach the engine as JSON text."""
    rec = recorded(stack)
    account = platform_config(stack)["deployer"]["aws"]["role_arn"].split(":")[4]
    tags = stack_settings(stack).tags()
    providers = rec.of_type(AWS_PROVIDER)
    assert len(providers) == EXPECT[stack].region_count
    for provider in providers:
        assert json.loads(provider.inputs["allowedAccountIds"]) == [account], provider.name
        assert json.loads(provider.inputs["defaultTags"]) == {"tags": tags}, provider.name
    assert not [r.name for r in rec.resources if r.custom and r.type.startswith("aws:") and not r.provider]


@pytest.mark.parametrize("stack", STACKS)
def test_every_component_has_exactly_its_expected_children(recorded, stack):
    rec = recorded(stack)
    primary = regions(rec)[next(iter(config_regions(stack)))]
    for component_type, expected in expected_children(stack).items():
        components = rec.of_type(component_type)
        assert components, f"no {component_type}"
        for component in components:
            # prod deploys in-network: the runner is in its primary region
            runner = Counter({RUNNER: 2}) if component is primary and stack == "prod" else Counter()  # deploy, preview
            assert type_counts(children_of(rec, component)) == expected + runner, component.name


def primary_private_subnets(rec: Recording) -> list[Registration]:
    primary = regions(rec)[next(iter(config_regions("prod")))]
    network = one(c for c in rec.resources if c.name == f"{primary.name}-network")
    return [s for s in children_of(rec, network) if s.type == token(aws.ec2.Subnet) and "private" in s.name]


def test_the_runners_run_their_workflows_queued_jobs_in_the_primary_private_subnets(recorded):
    """prod deploys in-network (issue 14): CodeBuild hosts the GitHub Actions jobs inside the primary VPC, one runner
    per workflow (deploy, pr). A runner's own role can run the build and nothing else: its jobs assume the deployer
    or the preview role through OIDC in their environment, so a workflow file naming itself `deploy` gains nothing."""
    rec = recorded("prod")
    deployer = platform_config("prod")["deployer"]
    runners = rec.of_type(RUNNER)
    primary = regions(rec)[next(iter(config_regions("prod")))]
    assert sorted(r.name for r in runners) == [f"{primary.name}-preview-runner", f"{primary.name}-runner"]
    private = sorted(f"{s.name}-id" for s in primary_private_subnets(rec))
    for runner in runners:
        assert runner.parent == primary.urn
        workflow = {"runner": "deploy", "preview-runner": "pr"}[runner.name.removeprefix(f"{primary.name}-")]
        parts = children_of(rec, runner)
        (project,) = [r for r in parts if r.type == token(aws.codebuild.Project)]
        (role,) = [r for r in parts if r.type == token(aws.iam.Role)]
        (policy,) = [r for r in parts if r.type == token(aws.iam.RolePolicy)]
        assert sorted(project.inputs["vpcConfig"]["subnets"]) == private
        assert project.inputs["serviceRole"] == role.outputs["arn"] != deployer["aws"]["role_arn"]
        assert policy.urn in project.dependencies  # CodeBuild checks the role when the project is created
        trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]
        assert trust["Principal"] == {"Service": "codebuild.amazonaws.com"}
        assert trust["Condition"]["ArnLike"]["aws:SourceArn"].endswith(f":project/{project.inputs['name']}")
        actions = {a for st in json.loads(policy.inputs["policy"])["Statement"] for a in _list(st["Action"])}
        assert not {a for a in actions if a.startswith(("iam:", "sts:", "eks:", "s3:", "kms:"))}  # no deploy rights
        connection = deployer["runner"]["connection_arn"]
        assert project.inputs["source"]["auth"] == {"type": "CODECONNECTIONS", "resource": connection}
        (webhook,) = [r for r in parts if r.type == token(aws.codebuild.Webhook)]
        assert policy.urn in webhook.dependencies  # the connection is used as the project's role at CreateWebhook
        assert webhook.inputs["filterGroups"] == [
            {
                "filters": [
                    {"type": "EVENT", "pattern": "WORKFLOW_JOB_QUEUED"},
                    {"type": "WORKFLOW_NAME", "pattern": f"^{workflow}$"},
                ]
            }
        ]
        (group,) = [r for r in parts if r.type == token(aws.ec2.SecurityGroup)]
        assert "ingress" not in group.inputs and group.inputs["egress"] == [
            {"protocol": "tcp", "fromPort": port, "toPort": port, "cidrBlocks": ["0.0.0.0/0"]} for port in (443, 80)
        ]
    assert of_type(recorded("dev"), aws.codebuild.Project) == []  # dev deploys from outside: no runner


def _list(value):
    return value if isinstance(value, list) else [value]


@pytest.mark.parametrize("stack", STACKS)
def test_the_preview_role_can_read_every_eks_cluster_and_nothing_more(recorded, stack):
    """issue 14: the PR workflow's previews diff the in-cluster objects, so their role views every cluster."""
    rec = recorded(stack)
    role = platform_config(stack)["deployer"]["preview"]["aws"]["role_arn"]
    for cluster in of_type(rec, aws.eks.Cluster):
        mine = [a for a in of_type(rec, aws.eks.AccessPolicyAssociation) if a.inputs["principalArn"] == role
                and a.inputs["clusterName"] == cluster.inputs["name"]]
        assert [a.inputs["policyArn"] for a in mine] == [
            "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"
        ], cluster.name


@pytest.mark.parametrize("stack", STACKS)
def test_eks_apis_admit_exactly_the_runner_subnets(recorded, stack):
    rec = recorded(stack)
    rules = of_type(rec, aws.vpc.SecurityGroupIngressRule)
    api_rules = [r for r in rules if "-eks-api-client-" in r.name]
    if stack == "dev":
        assert api_rules == []  # a public, allow-listed API: nothing private to admit
        return
    runner_subnets = {s.inputs["cidrBlock"] for s in primary_private_subnets(rec)}
    for cluster in of_type(rec, aws.eks.Cluster):
        (group_id,) = cluster.inputs["vpcConfig"]["securityGroupIds"]
        admitted = {r.inputs["cidrIpv4"] for r in api_rules if r.inputs["securityGroupId"] == group_id}
        assert admitted == runner_subnets, cluster.name
        assert all(r.inputs["fromPort"] == r.inputs["toPort"] == 443 for r in api_rules)


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_each_region_has_its_components(recorded, stack, region):
    rec = recorded(stack)
    component = regions(rec)[region]
    kms_names = sorted(c.name for c in children_of(rec, component) if c.type == KMS_KEY)
    assert kms_names == sorted(f"{component.name}-kms-{purpose}" for purpose in KEY_PURPOSES)
    bucket_names = sorted(c.name for c in children_of(rec, component) if c.type == BUCKET)
    assert bucket_names == sorted(f"{component.name}-bucket-{b}" for b in config_buckets(stack))
    nats = [r for r in descendants(rec, component) if r.type == token(aws.ec2.NatGateway)]
    assert len(nats) == EXPECT[stack].nats_per_region


@pytest.mark.parametrize("stack", STACKS)
def test_only_the_platform_is_parented_to_the_stack_and_custom_resources_to_components(recorded, stack):
    rec = recorded(stack)
    by_urn = rec.by_urn()
    stack_children = [r for r in rec.resources if r.parent not in by_urn]
    assert [r.type for r in stack_children] == [PLATFORM]
    for resource in rec.resources:
        if resource.custom:
            parent = by_urn[resource.parent]
            assert not parent.custom and parent.type.startswith("multicloud:"), resource.name


@pytest.mark.parametrize("stack", STACKS)
def test_child_names_start_with_their_component_name(recorded, stack):
    rec = recorded(stack)
    by_urn = rec.by_urn()
    for resource in rec.resources:
        if resource.parent in by_urn:
            assert resource.name.startswith(f"{by_urn[resource.parent].name}-"), resource.name


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_every_aws_resource_uses_the_explicit_provider_of_its_region(recorded, stack, region):
    rec = recorded(stack)
    by_urn = rec.by_urn()
    component = regions(rec)[region]
    provider = one(r for r in rec.of_type(AWS_PROVIDER) if r.name == component.name)
    assert provider.inputs["region"] == region
    assert provider.parent == one(rec.of_type(PLATFORM)).urn
    custom = [r for r in descendants(rec, component) if r.custom and r.type.startswith("aws:")]
    assert custom
    for resource in custom:
        assert resource.provider_urn == provider.urn, f"{resource.name} uses {resource.provider or 'the default'}"
        assert by_urn[resource.provider_urn].inputs["region"] == region


@pytest.mark.parametrize("stack", STACKS)
def test_every_custom_resource_but_the_providers_belongs_to_a_region_or_a_cross_cloud_component(recorded, stack):
    rec = recorded(stack)
    in_regions = {r.urn for c in regions(rec).values() for r in descendants(rec, c)}
    cross_cloud = in_cross_cloud_components(rec)
    outside = [r.name for r in rec.resources if r.type.startswith("aws:") and r.urn not in in_regions | cross_cloud]
    assert outside == []


@pytest.mark.parametrize("stack", STACKS)
def test_stateful_resources_are_protected_in_prod_only(recorded, stack):
    rec = recorded(stack)
    for resource_type in STATEFUL:
        resources = of_type(rec, resource_type)
        assert resources, token(resource_type)
        assert {r.name: r.protect for r in resources} == {r.name: EXPECT[stack].protect for r in resources}
    if stack == "dev":
        assert [r.name for r in rec.resources if r.protect] == []


@pytest.mark.parametrize("stack", STACKS)
def test_no_secret_appears_unwrapped(recorded, stack):
    rec = recorded(stack)
    aws_resources = [r for r in rec.resources if r.type.startswith("aws:")]
    # A secret version names its secret by `secretId` (the secret's ARN): a reference, not material.
    version = token(aws.secretsmanager.SecretVersion)
    leaks = [
        f"{r.name}: {path}"
        for r in aws_resources
        for path in plain_secrets(r.inputs)
        if not (r.type == version and path == "secretId" and r.inputs[path].startswith("arn:aws:secretsmanager:"))
    ]
    assert leaks == []
    pem = [r.name for r in rec.resources if "PRIVATE KEY-----" in str(r.public_inputs())]
    assert pem == []


def test_secret_scan_flags_plain_values_and_accepts_wrapped_ones():
    wrapped = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": "hunter2"}
    assert list(plain_secrets({"masterPassword": "hunter2", "nested": [{"clientSecret": "x"}]})) == [
        "masterPassword", "nested.[0].clientSecret"]
    assert list(plain_secrets({"masterPassword": wrapped, "manageMasterUserPassword": True})) == []


@pytest.mark.parametrize("stack", STACKS)
def test_inputs_use_only_property_names_of_the_pinned_sdk(recorded, stack):
    rec = recorded(stack)
    unknown = [f"{r.name}: {key}" for r in rec.resources if r.custom and r.type.startswith(("aws:", AWS_PROVIDER))
               for key in unknown_wire_keys(args_class(r.type), r.inputs)]
    assert unknown == []


def test_wire_name_check_catches_a_misspelt_nested_property():
    vpc_config = {"subnetIds": ["a"], "endpointPublicAcess": False}
    rules = [{"id": "x", "status": "Enabled", "noncurrentVersionExpiration": {"noncurrent_days": 3}}]
    assert list(unknown_wire_keys(aws.eks.ClusterArgs, {"vpcConfig": vpc_config})) == ["vpcConfig.endpointPublicAcess"]
    assert list(unknown_wire_keys(aws.s3.BucketLifecycleConfigurationArgs, {"bucket": "b", "rules": rules})) == [
        "rules.[0].noncurrentVersionExpiration.noncurrent_days"]


REGIONAL_ARN = re.compile(r"^arn:aws:(?:kms|logs|eks|rds|ec2):([a-z0-9-]+):")


def test_mock_outputs_are_in_the_resources_own_region(recorded):
    rec = recorded("prod")
    for region, component in regions(rec).items():
        for resource in descendants(rec, component):
            for value in map(str, _strings(resource.inputs)):
                match = REGIONAL_ARN.match(value)
                assert not match or match.group(1) == region, f"{resource.name}: {value}"
            zone = resource.inputs.get("availabilityZone")
            assert zone is None or zone.startswith(region), f"{resource.name}: {zone}"


def _strings(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value
