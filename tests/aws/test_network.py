"""AwsNetwork: VPC from config, private/public subnets per zone, NAT and IGW routing, flow logs,
a locked-down default security group."""

from __future__ import annotations

import re
from collections import Counter
from ipaddress import IPv4Network

import pulumi_aws as aws
import pytest

from scripts.offline import Recording, Registration

from .helpers import (
    ALL_REGIONS,
    EXPECT,
    NETWORK,
    assert_uses_key,
    config_regions,
    deps_of_type,
    of_type,
    one,
    one_of,
    policy,
    regions,
)


def network(rec: Recording, region: str) -> Registration:
    return one_of(rec, NETWORK, regions(rec)[region])


def subnets(rec: Recording, net: Registration, kind: str) -> list[Registration]:
    """The network's `public` or `private` subnets, in zone order."""
    pattern = re.compile(rf"-{kind}-\d+$")
    return sorted((s for s in of_type(rec, aws.ec2.Subnet, net) if pattern.search(s.name)), key=lambda s: s.name)


def route_table_of(rec: Recording, net: Registration, subnet: Registration) -> Registration:
    """The route table associated with `subnet` (exactly one association per subnet)."""
    association = one(a for a in of_type(rec, aws.ec2.RouteTableAssociation, net)
                      if deps_of_type(rec, a, aws.ec2.Subnet) == [subnet])
    return one(deps_of_type(rec, association, aws.ec2.RouteTable))


def default_route(rec: Recording, net: Registration, table: Registration) -> Registration:
    """The 0.0.0.0/0 route of `table`."""
    return one(r for r in of_type(rec, aws.ec2.Route, net)
               if deps_of_type(rec, r, aws.ec2.RouteTable) == [table]
               and r.inputs["destinationCidrBlock"] == "0.0.0.0/0")


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_vpc_uses_the_configured_cidr_with_dns(recorded, stack, region):
    rec = recorded(stack)
    vpc = one_of(rec, aws.ec2.Vpc, network(rec, region))
    assert vpc.inputs["cidrBlock"] == str(config_regions(stack)[region])
    assert vpc.inputs["enableDnsHostnames"] is True
    assert vpc.inputs["enableDnsSupport"] is True


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_three_private_and_three_public_subnets_inside_the_vpc_without_overlap(recorded, stack, region):
    rec = recorded(stack)
    net = network(rec, region)
    vpc = one_of(rec, aws.ec2.Vpc, net)
    private, public = subnets(rec, net, "private"), subnets(rec, net, "public")
    assert len(private) == 3 and len(public) == 3
    assert len(of_type(rec, aws.ec2.Subnet, net)) == 6
    cidrs = [IPv4Network(s.inputs["cidrBlock"]) for s in private + public]
    vpc_cidr = IPv4Network(vpc.inputs["cidrBlock"])
    assert all(c.subnet_of(vpc_cidr) for c in cidrs), cidrs
    assert not any(a.overlaps(b) for i, a in enumerate(cidrs) for b in cidrs[i + 1:]), cidrs
    for group in (private, public):
        assert len({s.inputs["availabilityZone"] for s in group}) == 3
        assert all(vpc.urn in s.dependencies for s in group)


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_subnets_use_availability_zones_never_an_opted_in_local_zone(recorded, stack, region):
    """aws review 11: the mocked account opted into a Local Zone that sorts first; the lookup filters on
    opt-in-status so the subnets land in the region's first three AZs."""
    rec = recorded(stack)
    net = network(rec, region)
    zones = {s.inputs["availabilityZone"] for s in of_type(rec, aws.ec2.Subnet, net)}
    assert zones == {f"{region}{z}" for z in "abc"}


def test_the_zone_mock_answers_like_the_api():
    from scripts.mock_clouds.aws import INVOKES

    lookup = INVOKES["aws:index/getAvailabilityZones:getAvailabilityZones"]
    assert lookup("us-west-2", {"state": "available"})["names"][0] == "us-west-2-lax-1a"
    only_azs = lookup("us-west-2", {"filters": [{"name": "opt-in-status", "values": ["opt-in-not-required"]}]})
    assert only_azs["names"] == ["us-west-2a", "us-west-2b", "us-west-2c"]


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_no_subnet_maps_public_ips(recorded, stack, region):
    rec = recorded(stack)
    net = network(rec, region)
    assert [s.inputs["mapPublicIpOnLaunch"] for s in subnets(rec, net, "public")] == [False] * 3
    assert all(s.inputs.get("mapPublicIpOnLaunch") in (None, False) for s in subnets(rec, net, "private"))


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_public_subnets_route_to_the_internet_gateway(recorded, stack, region):
    rec = recorded(stack)
    net = network(rec, region)
    igw = one_of(rec, aws.ec2.InternetGateway, net)
    for subnet in subnets(rec, net, "public"):
        route = default_route(rec, net, route_table_of(rec, net, subnet))
        assert route.inputs.get("gatewayId") and "natGatewayId" not in route.inputs, subnet.name
        assert deps_of_type(rec, route, aws.ec2.InternetGateway) == [igw]


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_private_subnets_route_to_a_nat_in_a_public_subnet(recorded, stack, region):
    rec = recorded(stack)
    net = network(rec, region)
    public = subnets(rec, net, "public")
    nats = of_type(rec, aws.ec2.NatGateway, net)
    assert len(nats) == EXPECT[stack].nats_per_region
    nat_of: dict[str, Registration] = {}
    for subnet in subnets(rec, net, "private"):
        table = route_table_of(rec, net, subnet)
        assert table not in [route_table_of(rec, net, p) for p in public]
        route = default_route(rec, net, table)
        assert route.inputs.get("natGatewayId") and "gatewayId" not in route.inputs, subnet.name
        nat_of[subnet.name] = one(deps_of_type(rec, route, aws.ec2.NatGateway))
    for nat in nats:
        (nat_subnet,) = deps_of_type(rec, nat, aws.ec2.Subnet)
        assert nat_subnet in public
        assert len(deps_of_type(rec, nat, aws.ec2.Eip)) == 1
    # prod: one NAT per zone, each serving the private subnet of its own zone; dev: one NAT serves all.
    assert Counter(n.name for n in nat_of.values()) == {n.name: 3 // len(nats) for n in nats}
    if len(nats) == 3:
        for subnet in subnets(rec, net, "private"):
            (nat_subnet,) = deps_of_type(rec, nat_of[subnet.name], aws.ec2.Subnet)
            assert nat_subnet.inputs["availabilityZone"] == subnet.inputs["availabilityZone"]


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_flow_logs_capture_all_traffic_to_an_encrypted_log_group_with_configured_retention(recorded, stack, region):
    rec = recorded(stack)
    net = network(rec, region)
    flow_log = one_of(rec, aws.ec2.FlowLog, net)
    group = one_of(rec, aws.cloudwatch.LogGroup, net)
    assert flow_log.inputs["trafficType"] == "ALL"
    assert flow_log.inputs["logDestinationType"] == "cloud-watch-logs"
    assert deps_of_type(rec, flow_log, aws.cloudwatch.LogGroup) == [group]
    assert deps_of_type(rec, flow_log, aws.ec2.Vpc) == [one_of(rec, aws.ec2.Vpc, net)]
    assert group.inputs["retentionInDays"] == EXPECT[stack].log_retention_days
    assert_uses_key(rec, group, group.inputs["kmsKeyId"], regions(rec)[region], "logs")


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_flow_log_role_is_assumable_by_the_flow_log_service_only_and_writes_its_group(recorded, stack, region):
    """aws review 12: the trust carries the confused-deputy conditions (this account, flow logs of this region),
    and the policy has the five actions the flow-log doc requires, the writes on this group only."""
    rec = recorded(stack)
    net = network(rec, region)
    role = one_of(rec, aws.iam.Role, net)
    (statement,) = policy(role.inputs["assumeRolePolicy"])["Statement"]
    assert statement["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "123456789012"},
        "ArnLike": {"aws:SourceArn": f"arn:aws:ec2:{region}:123456789012:vpc-flow-log/*"},
    }
    write = one_of(rec, aws.iam.RolePolicy, net)
    statements = {s["Sid"]: s for s in policy(write.inputs["policy"])["Statement"]}
    assert set(statements) == {"WriteFlowLogs", "FindLogGroups"}
    allow = statements["WriteFlowLogs"]
    group_name = one_of(rec, aws.cloudwatch.LogGroup, net).inputs["name"]
    assert all(group_name in resource for resource in allow["Resource"])
    assert "*" not in allow["Resource"]
    actions = {a for s in statements.values() for a in s["Action"]}
    assert actions == {"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups",
                       "logs:DescribeLogStreams"}
    assert statements["FindLogGroups"]["Resource"] == f"arn:aws:logs:{region}:123456789012:log-group:*"
    assert all(s["Effect"] == "Allow" for s in statements.values())


@pytest.mark.parametrize(("stack", "region"), ALL_REGIONS)
def test_default_security_group_has_no_rules(recorded, stack, region):
    rec = recorded(stack)
    net = network(rec, region)
    group = one_of(rec, aws.ec2.DefaultSecurityGroup, net)
    assert group.inputs["ingress"] == []
    assert group.inputs["egress"] == []
    assert deps_of_type(rec, group, aws.ec2.Vpc) == [one_of(rec, aws.ec2.Vpc, net)]
