"""AwsEksCluster: endpoint exposure per stack, KMS-encrypted secrets, audit logs, access entries,
protection, OIDC/IRSA, node groups from config, least-privilege node role, add-ons, secret kubeconfig."""

from __future__ import annotations

import json
from ipaddress import IPv4Network

import pulumi_aws as aws
import pytest
from pulumi.runtime.rpc import is_rpc_secret, unwrap_rpc_secret

from components.aws.eks_cluster import graviton
from scripts.offline import Recording, Registration
from tests.conftest import stack_settings

from .helpers import (
    ALL_REGIONS,
    EKS,
    EXPECT,
    NETWORK,
    STACKS,
    assert_uses_key,
    depends_on,
    deps_of_type,
    named,
    of_type,
    one,
    one_of,
    platform_config,
    policy,
    regions,
)

WORKER_POLICY = "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy"
ECR_PULL_POLICY = "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly"
CNI_POLICY = "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"
ADDONS = {"vpc-cni", "kube-proxy", "coredns", "eks-pod-identity-agent", "aws-ebs-csi-driver", "metrics-server"}


def eks(rec: Recording, region: str) -> Registration:
    return one_of(rec, EKS, regions(rec)[region])


def cluster(rec: Recording, region: str) -> Registration:
    return one_of(rec, aws.eks.Cluster, eks(rec, region))


def private_subnets(rec: Recording, region: str) -> list[Registration]:
    net = one_of(rec, NETWORK, regions(rec)[region])
    return sorted((s for s in of_type(rec, aws.ec2.Subnet, net) if "-private-" in s.name), key=lambda s: s.urn)


def role_trusting(rec: Recording, component: Registration, service: str) -> Registration:
    """The component's role that `service` (e.g. ec2.amazonaws.com) may assume."""
    return one(r for r in of_type(rec, aws.iam.Role, component)
               if policy(r.inputs["assumeRolePolicy"])["Statement"][0]["Principal"].get("Service") == service)


def attached_policies(rec: Recording, component: Registration, role: Registration) -> set[str]:
    """Managed policy ARNs attached to `role`."""
    return {a.inputs["policyArn"] for a in of_type(rec, aws.iam.RolePolicyAttachment, component)
            if deps_of_type(rec, a, aws.iam.Role) == [role]}


def pools(stack: str) -> dict[str, dict]:
    pools: dict[str, dict] = platform_config(stack)["kubernetes"]["pools"]["aws"]
    return pools


# --- the control plane ----------------------------------------------------------------------------


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_api_endpoint_is_private_in_prod_and_allow_listed_in_dev(recorded, stack, region):
    vpc = cluster(recorded(stack), region).inputs["vpcConfig"]
    assert vpc["endpointPrivateAccess"] is True
    assert vpc["endpointPublicAccess"] is EXPECT[stack].public_endpoint
    if EXPECT[stack].public_endpoint:
        assert vpc["publicAccessCidrs"] == platform_config(stack)["kubernetes"]["public_access_cidrs"]
        assert "0.0.0.0/0" not in vpc["publicAccessCidrs"]
    else:
        assert not vpc.get("publicAccessCidrs")


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_cluster_runs_in_the_private_subnets_of_its_region(recorded, stack, region):
    rec = recorded(stack)
    the_cluster = cluster(rec, region)
    assert sorted(deps_of_type(rec, the_cluster, aws.ec2.Subnet), key=lambda s: s.urn) == private_subnets(rec, region)
    assert len(the_cluster.inputs["vpcConfig"]["subnetIds"]) == 3


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_service_range_is_named_and_clear_of_every_region_of_the_mesh(recorded, stack, region):
    network = cluster(recorded(stack), region).inputs["kubernetesNetworkConfig"]
    assert network == {"ipFamily": "ipv4", "serviceIpv4Cidr": "172.21.0.0/16"}
    regions = [r.cidr for c in stack_settings(stack).clouds.enabled().values() for r in c.regions]
    assert len(regions) == (6 if stack == "prod" else 3)
    assert not any(IPv4Network(network["serviceIpv4Cidr"]).overlaps(r) for r in regions)


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_secrets_are_encrypted_with_the_regions_eks_key(recorded, stack, region):
    rec = recorded(stack)
    the_cluster = cluster(rec, region)
    encryption = the_cluster.inputs["encryptionConfig"]
    assert encryption["resources"] == ["secrets"]
    assert_uses_key(rec, the_cluster, encryption["provider"]["keyArn"], regions(rec)[region], "eks")


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_all_control_plane_logs_go_to_an_encrypted_group_with_configured_retention(recorded, stack, region):
    rec = recorded(stack)
    the_cluster = cluster(rec, region)
    assert sorted(the_cluster.inputs["enabledClusterLogTypes"]) == sorted(
        ["api", "audit", "authenticator", "controllerManager", "scheduler"])
    group = one_of(rec, aws.cloudwatch.LogGroup, eks(rec, region))
    assert group.inputs["name"] == f"/aws/eks/{the_cluster.inputs['name']}/cluster"
    assert group.inputs["retentionInDays"] == EXPECT[stack].log_retention_days
    assert_uses_key(rec, group, group.inputs["kmsKeyId"], regions(rec)[region], "logs")
    assert deps_of_type(rec, the_cluster, aws.cloudwatch.LogGroup) == [group]  # exists before EKS creates it


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_access_entries_only_no_creator_admin(recorded, stack, region):
    access = cluster(recorded(stack), region).inputs["accessConfig"]
    assert access == {"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": False}


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_deletion_protection_and_protect_in_prod_only(recorded, stack, region):
    the_cluster = cluster(recorded(stack), region)
    assert the_cluster.inputs["deletionProtection"] is EXPECT[stack].protect
    assert the_cluster.protect is EXPECT[stack].protect


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_version_comes_from_config(recorded, stack, region):
    rec = recorded(stack)
    version = platform_config(stack)["kubernetes"]["version"]
    assert cluster(rec, region).inputs["version"] == version
    assert {g.inputs["version"] for g in of_type(rec, aws.eks.NodeGroup, eks(rec, region))} == {version}


# --- OIDC and IRSA --------------------------------------------------------------------------------


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_oidc_provider_trusts_the_cluster_issuer_for_sts(recorded, stack, region):
    rec = recorded(stack)
    oidc = one_of(rec, aws.iam.OpenIdConnectProvider, eks(rec, region))
    assert oidc.inputs["clientIdLists"] == ["sts.amazonaws.com"]
    assert oidc.inputs["url"].startswith("https://oidc.eks.")
    assert deps_of_type(rec, oidc, aws.eks.Cluster) == [cluster(rec, region)]


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_oidc_url_is_the_issuer_the_cluster_reports(recorded, stack, region):
    rec = recorded(stack)
    issuer = cluster(rec, region).outputs["identities"][0]["oidcs"][0]["issuer"]
    assert issuer.startswith(f"https://oidc.eks.{region}.amazonaws.com/")
    assert one_of(rec, aws.iam.OpenIdConnectProvider, eks(rec, region)).inputs["url"] == issuer


def irsa_role(rec: Recording, region: str, service_account: str) -> Registration:
    """The cluster's role whose trust policy admits exactly `kube-system/<service_account>`."""
    component = eks(rec, region)
    issuer = one_of(rec, aws.iam.OpenIdConnectProvider, component).inputs["url"].removeprefix("https://")

    def subject(role: Registration) -> str | None:
        statement = policy(role.inputs["assumeRolePolicy"])["Statement"][0]
        return statement.get("Condition", {}).get("StringEquals", {}).get(f"{issuer}:sub")

    return one(r for r in of_type(rec, aws.iam.Role, component)
               if subject(r) == f"system:serviceaccount:kube-system:{service_account}")


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_node_role_has_only_worker_and_ecr_pull_policies(recorded, stack, region):
    rec = recorded(stack)
    component = eks(rec, region)
    node_role = role_trusting(rec, component, "ec2.amazonaws.com")
    assert attached_policies(rec, component, node_role) == {WORKER_POLICY, ECR_PULL_POLICY}
    inline = [r.name for r in of_type(rec, aws.iam.RolePolicy, component)]
    assert all(n.endswith("-autoscaler-policy") for n in inline), "inline policies only on the autoscaler's role"


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_cni_policy_is_on_an_irsa_role_for_aws_node_only(recorded, stack, region):
    rec = recorded(stack)
    component = eks(rec, region)
    cni_role = irsa_role(rec, region, "aws-node")
    assert attached_policies(rec, component, cni_role) == {CNI_POLICY}
    cni_attachments = [a for a in of_type(rec, aws.iam.RolePolicyAttachment, component)
                       if a.inputs["policyArn"] == CNI_POLICY]
    assert [deps_of_type(rec, a, aws.iam.Role) for a in cni_attachments] == [[cni_role]]
    (statement,) = policy(cni_role.inputs["assumeRolePolicy"])["Statement"]
    issuer = one_of(rec, aws.iam.OpenIdConnectProvider, component).inputs["url"].removeprefix("https://")
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Principal"]["Federated"].endswith(f":oidc-provider/{issuer}")
    assert statement["Condition"]["StringEquals"][f"{issuer}:aud"] == "sts.amazonaws.com"
    vpc_cni = named(rec, aws.eks.Addon, "-addon-vpc-cni", component)
    assert deps_of_type(rec, vpc_cni, aws.iam.Role) == [cni_role]
    assert vpc_cni.inputs["serviceAccountRoleArn"]


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_core_addons_are_installed(recorded, stack, region):
    rec = recorded(stack)
    component = eks(rec, region)
    addons = of_type(rec, aws.eks.Addon, component)
    assert sorted(a.inputs["addonName"] for a in addons) == sorted(ADDONS)
    assert {a.inputs["clusterName"] for a in addons} == {cluster(rec, region).inputs["name"]}
    ebs = one(a for a in addons if a.inputs["addonName"] == "aws-ebs-csi-driver")
    assert deps_of_type(rec, ebs, aws.iam.Role) == [irsa_role(rec, region, "ebs-csi-controller-sa")]


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_nodes_wait_for_the_cni_and_deployments_wait_for_nodes(recorded, stack, region):
    """No self-managed add-ons are bootstrapped: nodes only turn Ready once the VPC CNI runs."""
    rec = recorded(stack)
    component = eks(rec, region)
    addons = {a.inputs["addonName"]: a for a in of_type(rec, aws.eks.Addon, component)}
    node_groups = of_type(rec, aws.eks.NodeGroup, component)
    for group in node_groups:
        assert {"vpc-cni", "kube-proxy"} <= {a.inputs["addonName"] for a in deps_of_type(rec, group, aws.eks.Addon)}
    general = [g for g in node_groups if not g.inputs["taints"]]
    optional = [g for g in node_groups if g.inputs["taints"]]  # spot and GPU: capacity may be short or slow
    assert general
    for deployment in ("coredns", "aws-ebs-csi-driver", "metrics-server"):
        # on the general-purpose nodes, never held back by an optional group (aws 4)
        assert all(depends_on(addons[deployment], group) for group in general), deployment
        assert not any(depends_on(addons[deployment], group) for group in optional), deployment
    assert not deps_of_type(rec, addons["vpc-cni"], aws.eks.NodeGroup)
    # What runs in the cluster waits for its nodes and its core add-ons (aws 4).
    (provider,) = [p for p in rec.of_type("pulumi:providers:kubernetes") if depends_on(p, cluster(rec, region))]
    for needed in (*general, addons["coredns"], addons["aws-ebs-csi-driver"], addons["metrics-server"]):
        assert depends_on(provider, needed), needed.name
    for group in node_groups:  # and each group's role has its policies before the group starts (aws 6)
        roles = of_type(rec, aws.iam.Role, component)
        role = one(r for r in roles if r.outputs.get("arn") == group.inputs["nodeRoleArn"])
        policies = of_type(rec, aws.iam.RolePolicyAttachment, component)
        attachments = [a for a in policies if a.inputs["role"] == role.outputs["name"]]
        assert attachments and all(depends_on(group, a) for a in attachments), group.name


# --- node groups ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_node_groups_match_the_configured_pools(recorded, stack, region):
    rec = recorded(stack)
    component = eks(rec, region)
    groups = {g.inputs["nodeGroupNamePrefix"].rstrip("-"): g for g in of_type(rec, aws.eks.NodeGroup, component)}
    # by prefix, so that a replacement (new instance types...) is created before the old group goes (aws 5)
    assert all("nodeGroupName" not in g.inputs for g in groups.values())
    assert set(groups) == set(pools(stack))
    node_role = role_trusting(rec, component, "ec2.amazonaws.com")
    for name, pool in pools(stack).items():
        group = groups[name]
        assert group.inputs["instanceTypes"] == pool["instance_types"], name
        assert group.inputs["scalingConfig"] == {
            "minSize": pool["min_size"], "desiredSize": pool["desired_size"], "maxSize": pool["max_size"]}, name
        assert group.inputs["capacityType"] == ("SPOT" if pool.get("capacity") == "spot" else "ON_DEMAND"), name
        assert deps_of_type(rec, group, aws.iam.Role) == [node_role], name
        assert sorted(deps_of_type(rec, group, aws.ec2.Subnet), key=lambda s: s.urn) == private_subnets(rec, region)


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_spot_pool_is_spot_and_tainted(recorded, stack, region):
    rec = recorded(stack)
    spot = named(rec, aws.eks.NodeGroup, "-pool-spot", eks(rec, region))
    assert spot.inputs["capacityType"] == "SPOT"
    assert {"key": "aws.amazon.com/spot", "value": "true", "effect": "NO_SCHEDULE"} in spot.inputs["taints"]


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_gpu_pool_scales_from_zero_on_nvidia_nodes_with_a_gpu_taint(recorded, stack, region):
    rec = recorded(stack)
    gpu = named(rec, aws.eks.NodeGroup, "-pool-gpu", eks(rec, region))
    assert gpu.inputs["scalingConfig"]["minSize"] == 0
    assert gpu.inputs["amiType"] == "AL2023_x86_64_NVIDIA"
    assert {"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"} in gpu.inputs["taints"]


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_general_pool_is_on_demand_untainted_standard_nodes(recorded, stack, region):
    rec = recorded(stack)
    general = named(rec, aws.eks.NodeGroup, "-pool-general", eks(rec, region))
    assert general.inputs["capacityType"] == "ON_DEMAND"
    assert general.inputs["taints"] == []
    assert general.inputs["amiType"] == "AL2023_x86_64_STANDARD"


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_nodes_launch_with_imdsv2_and_an_encrypted_root_volume(recorded, stack, region):
    """aws review 10: each group launches through its own template, IMDSv2 only with hop limit 1, a gp3 root
    volume of the pool's size encrypted with the region's eks key, the stack's tags on what a launch creates."""
    rec = recorded(stack)
    component = eks(rec, region)
    templates = of_type(rec, aws.ec2.LaunchTemplate, component)
    groups = of_type(rec, aws.eks.NodeGroup, component)
    assert len(templates) == len(groups) == len(pools(stack))
    tags = cluster(rec, region).inputs["tags"]
    for group in groups:
        pool_name = group.inputs["nodeGroupNamePrefix"].rstrip("-")
        (template,) = deps_of_type(rec, group, aws.ec2.LaunchTemplate)
        assert template.inputs["namePrefix"] == f"{cluster(rec, region).inputs['name']}-{pool_name}-"
        # EKS refuses diskSize beside a launch template; the version follows the template's updates
        assert "diskSize" not in group.inputs
        assert group.inputs["launchTemplate"] == {"id": template.id, "version": str(template.outputs["latestVersion"])}
        assert template.inputs["metadataOptions"] == {
            "httpEndpoint": "enabled", "httpTokens": "required", "httpPutResponseHopLimit": 1}
        (root,) = template.inputs["blockDeviceMappings"]
        assert root["deviceName"] == "/dev/xvda"
        ebs = root["ebs"]
        assert (ebs["volumeType"], ebs["volumeSize"], ebs["encrypted"]) == (
            "gp3", pools(stack)[pool_name].get("disk_gb", 100), "true")
        assert_uses_key(rec, template, ebs["kmsKeyId"], regions(rec)[region], "eks")
        assert {s["resourceType"] for s in template.inputs["tagSpecifications"]} == {
            "instance", "volume", "network-interface"}
        for spec in template.inputs["tagSpecifications"]:
            assert spec["tags"].items() >= tags.items()
        assert "imageId" not in template.inputs and "instanceType" not in template.inputs  # EKS picks them
        # the desired size stays the autoscaler's; the prefix keeps create-before-replace possible
        assert "scalingConfig.desiredSize" in group.ignore_changes


# --- outputs --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_kubeconfig_stack_output_is_secret(recorded, stack, region):
    rec = recorded(stack)
    kubeconfigs = rec.outputs["aws_kubeconfigs"]
    assert is_rpc_secret(kubeconfigs)
    assert not is_rpc_secret(rec.outputs["aws_clusters"])  # the check tells secret from plain outputs
    config = json.loads(unwrap_rpc_secret(kubeconfigs)[region])
    name = cluster(rec, region).inputs["name"]
    assert config["current-context"] == name
    (user,) = config["users"]
    assert user["user"]["exec"]["args"] == ["eks", "get-token", "--cluster-name", name, "--region", region]
    assert "token" not in user["user"], "no static credentials in the kubeconfig"


@pytest.mark.parametrize("stack", STACKS)
def test_one_cluster_per_region(recorded, stack):
    rec = recorded(stack)
    names = [c.inputs["name"] for c in of_type(rec, aws.eks.Cluster)]
    assert len(names) == EXPECT[stack].region_count == len(set(names))


@pytest.mark.parametrize(
    ("instance_type", "arm"),
    [
        ("m6g.large", True), ("m6gd.large", True), ("c6gn.xlarge", True), ("c7gn.large", True),
        ("im4gn.large", True), ("is4gen.large", True), ("x2gd.large", True), ("t4g.small", True),
        ("g5g.xlarge", True), ("r8g.large", True), ("m5.large", False), ("m5a.large", False), ("m6i.large", False),
        ("c5n.large", False), ("g5.xlarge", False), ("p3.2xlarge", False), ("inf2.xlarge", False),
        ("m7i-flex.large", False),
    ],
)
def test_graviton_families_are_told_from_x86_ones(instance_type, arm):
    """aws 21: EKS refuses an AMI of the wrong architecture at CreateNodegroup."""
    assert graviton(instance_type) is arm


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_configured_deployer_is_cluster_admin_before_the_kubeconfig(recorded, stack: str) -> None:
    """aws FAIL 1 / ecosystem F1: the stack file's deployer role (never the caller) gets an access entry and the
    cluster-scope AmazonEKSClusterAdminPolicy; the bootstrap creator flag stays off (flipping it replaces)."""
    from components.settings import PLATFORM_KEY, read_stack_config
    from tests.conftest import ROOT

    role = read_stack_config(ROOT, stack)[PLATFORM_KEY]["deployer"]["aws"]["role_arn"]
    rec = recorded(stack)
    entries = [r for r in rec.of_type("aws:eks/accessEntry:AccessEntry") if r.name.endswith("-eks-deployer")]
    assocs = [r for r in rec.of_type("aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
              if r.name.endswith("-eks-deployer-policy")]
    regions = len(rec.of_type("aws:eks/cluster:Cluster"))
    assert len(entries) == len(assocs) == regions >= 1
    assert {e.inputs["principalArn"] for e in entries} == {a.inputs["principalArn"] for a in assocs} == {role}
    assert {a.inputs["policyArn"] for a in assocs} == {
        "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
    }
    assert all(a.inputs["accessScope"] == {"type": "cluster"} for a in assocs)
    for cluster in rec.of_type("aws:eks/cluster:Cluster"):
        assert cluster.inputs["accessConfig"]["bootstrapClusterCreatorAdminPermissions"] is False


@pytest.mark.parametrize("stack", STACKS)
def test_every_addon_is_pinned_to_the_default_version_of_the_configured_kubernetes_minor(recorded, stack):
    """aws 17: without addon_version EKS picks one at creation and never moves it when kubernetes.version is bumped;
    the version EKS answers for the configured minor follows the bump (and only it)."""
    from scripts import mock_clouds

    version = stack_settings(stack).kubernetes.version
    addons = of_type(recorded(stack), aws.eks.Addon)
    assert addons
    for addon in addons:
        expected = mock_clouds.invoke(
            "aws:eks/getAddonVersion:getAddonVersion",
            "us-east-1",
            {"addonName": addon.inputs["addonName"], "kubernetesVersion": version, "mostRecent": False},
        )["version"]
        assert addon.inputs["addonVersion"] == expected, addon.name


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_autoscaler_role_is_bound_by_pod_identity_after_the_agent_with_a_tag_scoped_policy(recorded, stack, region):
    rec = recorded(stack)
    component = eks(rec, region)
    name = cluster(rec, region).inputs["name"]
    association = one_of(rec, aws.eks.PodIdentityAssociation, component)
    assert (association.inputs["namespace"], association.inputs["serviceAccount"]) == (
        "kube-system", "cluster-autoscaler")
    agent = one(a for a in of_type(rec, aws.eks.Addon, component) if a.inputs["addonName"] == "eks-pod-identity-agent")
    assert depends_on(association, agent)
    role = role_trusting(rec, component, "pods.eks.amazonaws.com")
    trust = policy(role.inputs["assumeRolePolicy"])["Statement"][0]
    assert set(trust["Action"]) == {"sts:AssumeRole", "sts:TagSession"}
    inline = one(r for r in of_type(rec, aws.iam.RolePolicy, component) if r.name.endswith("-autoscaler-policy"))
    statements = {s["Sid"]: s for s in policy(inline.inputs["policy"])["Statement"]}
    writes = statements["ScaleOwnGroups"]
    assert set(writes["Action"]) == {
        "autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"}
    # Only this cluster's managed groups: EKS tags their Auto Scaling groups eks:cluster-name=<cluster>.
    assert writes["Condition"] == {"StringEquals": {"aws:ResourceTag/eks:cluster-name": name}}
    assert all(a.split(":")[1].startswith(("Describe", "Get")) for a in statements["Describe"]["Action"])


def test_office_hours_cap_the_autoscaler_at_night_and_restore_the_pool_bounds_in_the_morning(recorded):
    """The autoscaler stays within the ASG's min and max: the sleep action lowers the max too, so it cannot wake a
    sleeping group; the wake action restores the pool's bounds."""
    rec = recorded("dev")
    schedules = of_type(rec, aws.autoscaling.Schedule, eks(rec, "us-east-1"))
    assert schedules
    for sleep in (s for s in schedules if s.name.endswith("-sleep")):
        assert sleep.inputs["maxSize"] == sleep.inputs["minSize"] == sleep.inputs["desiredCapacity"]
    for wake in (s for s in schedules if s.name.endswith("-wake")):
        assert wake.inputs["maxSize"] >= wake.inputs["desiredCapacity"] >= wake.inputs["minSize"]
