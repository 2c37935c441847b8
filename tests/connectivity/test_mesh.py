"""The VPN mesh of the recorded stacks: tunnels per cloud pair, BGP addressing that agrees on both sides of every
tunnel, one secret pre-shared key per tunnel shared by exactly its two ends, IKEv2, and the regions' providers."""

from __future__ import annotations

from collections import Counter
from ipaddress import IPv4Network

import pulumi_aws as aws
import pulumi_azure_native as azure_native
import pulumi_gcp as gcp
import pytest
from pulumi.runtime import rpc

from components.lib.naming import region_code
from components.lib.tunnels import TUNNELS_PER_LEG
from scripts.offline import Recording, Registration
from tests.aws.helpers import children_of, descendants, one, token
from tests.conftest import stack_settings as settings

STACKS = ("dev", "prod")
MESH = "multicloud:connectivity:VpnMesh"
LEGS = {
    ("aws", "azure"): "multicloud:connectivity:AwsAzureLeg",
    ("aws", "gcp"): "multicloud:connectivity:AwsGcpLeg",
    ("azure", "gcp"): "multicloud:connectivity:AzureGcpLeg",
}
az = azure_native.network


def legs(rec: Recording, pair: tuple[str, str]) -> list[Registration]:
    return rec.of_type(LEGS[pair])


def child(rec: Recording, leg: Registration, suffix: str) -> Registration:
    return one(r for r in children_of(rec, leg) if r.name == f"{leg.name}-{suffix}")


def plain(value):
    return rpc.unwrap_rpc_secret(value) if rpc.is_rpc_secret(value) else value


def aws_tunnel(connection: Registration, side: int) -> dict[str, str]:
    """Inside /30, both inside addresses and the outside address of tunnel `side` (1, 2) of a VPN connection."""
    return {
        "cidr": connection.inputs[f"tunnel{side}InsideCidr"],
        "aws": connection.outputs[f"tunnel{side}VgwInsideAddress"],
        "peer": connection.outputs[f"tunnel{side}CgwInsideAddress"],
        "outside": connection.outputs[f"tunnel{side}Address"],
        "psk": plain(connection.inputs[f"tunnel{side}PresharedKey"]),
    }


def gateway(rec: Recording, cloud: str, region: str) -> Registration:
    """The region's VPN gateway resource (VGW, virtual network gateway, HA VPN gateway)."""
    kind = {"aws": aws.ec2.VpnGateway, "azure": az.VirtualNetworkGateway, "gcp": gcp.compute.HaVpnGateway}[cloud]
    found = [r for r in rec.of_type(token(kind)) if r.name.startswith(f"flow-{rec.stack}-{cloud}-")]
    return one(r for r in found if region_of(rec, r) == region)


def region_of(rec: Recording, resource: Registration) -> str:
    provider = rec.by_urn()[resource.provider_urn]
    return str(provider.inputs.get("region") or provider.inputs.get("location"))


@pytest.mark.parametrize("stack", STACKS)
def test_every_pair_of_connected_regions_has_one_leg_with_its_tunnels(recorded, stack):
    rec, plan = recorded(stack), settings(stack).mesh_plan()
    mesh = one(rec.of_type(MESH))
    assert Counter(c.type for c in children_of(rec, mesh)) == Counter(LEGS[leg.pair] for leg in plan.legs)
    regions = {c: len(s.regions) for c, s in settings(stack).clouds.enabled().items()}
    legs_per_pair = {pair: regions[pair[0]] * regions[pair[1]] if stack == "prod" else 1 for pair in LEGS}
    for pair, count in legs_per_pair.items():
        assert len(legs(rec, pair)) == count, pair
    tunnels = {
        ("aws", "azure"): 2 * len(rec.of_type(token(aws.ec2.VpnConnection))) - 2 * 2 * len(legs(rec, ("aws", "gcp"))),
        ("aws", "gcp"): sum(
            len([r for r in children_of(rec, leg) if r.type == token(gcp.compute.VPNTunnel)])
            for leg in legs(rec, ("aws", "gcp"))
        ),
        ("azure", "gcp"): sum(
            len([r for r in children_of(rec, leg) if r.type == token(gcp.compute.VPNTunnel)])
            for leg in legs(rec, ("azure", "gcp"))
        ),
    }
    assert tunnels == {pair: TUNNELS_PER_LEG[pair] * legs_per_pair[pair] for pair in LEGS}
    if stack == "prod":  # the bar: 4+ tunnels per cloud pair
        assert min(tunnels.values()) >= 4


@pytest.mark.parametrize("stack", STACKS)
def test_aws_azure_bgp_and_keys_agree_on_both_sides(recorded, stack):
    rec, plan = recorded(stack), settings(stack).mesh_plan()
    for leg in (leg for leg in plan.legs if leg.pair == ("aws", "azure")):
        component = one(
            c
            for c in legs(rec, leg.pair)
            if c.name.endswith(f"-aws-{code(leg.regions[0])}-azure-{code(leg.regions[1])}")
        )
        vng = gateway(rec, "azure", leg.regions[1])
        apipa = [set(p["customBgpIpAddresses"]) for p in vng.inputs["bgpSettings"]["bgpPeeringAddresses"]]
        vpn_ips = [
            pip.outputs["ipAddress"]
            for pip in sorted(
                (r for r in descendants(rec, rec.by_urn()[vng.parent]) if r.type == token(az.PublicIPAddress)),
                key=lambda r: r.name,
            )
        ]
        for instance in (0, 1):
            cgw = child(rec, component, f"vpn-{instance}-cgw")
            assert cgw.inputs["ipAddress"] == vpn_ips[instance], "AWS connection n goes to Azure instance n"
            assert cgw.inputs["bgpAsn"] == str(plan.asns[("azure", leg.regions[1])])
            connection = child(rec, component, f"vpn-{instance}")
            assert connection.inputs["vpnGatewayId"] == gateway(rec, "aws", leg.regions[0]).id
            assert connection.inputs["customerGatewayId"] == cgw.id
        for tunnel in leg.tunnels:
            connection = child(rec, component, f"vpn-{tunnel.number // 2}")
            side = aws_tunnel(connection, tunnel.number % 2 + 1)
            assert side["cidr"] == str(tunnel.inside_cidr)
            assert (side["aws"], side["peer"]) == (str(tunnel.address("aws")), str(tunnel.address("azure")))
            lng = child(rec, component, f"lng-{tunnel.number}")
            assert lng.inputs["gatewayIpAddress"] == side["outside"]
            assert lng.inputs["bgpSettings"] == {
                "asn": plan.asns[("aws", leg.regions[0])],
                "bgpPeeringAddress": side["aws"],
            }
            azure_connection = child(rec, component, f"conn-{tunnel.number}")
            custom = {c["customBgpIpAddress"] for c in azure_connection.inputs["gatewayCustomBgpIpAddresses"]}
            assert side["peer"] in custom and side["peer"] in apipa[tunnel.azure_instance]
            assert plain(azure_connection.inputs["sharedKey"]) == side["psk"]
            assert azure_connection.inputs["localNetworkGateway2"]["id"] == lng.id
            assert azure_connection.inputs["virtualNetworkGateway1"]["id"] == vng.id


@pytest.mark.parametrize("stack", STACKS)
def test_aws_gcp_router_peers_take_their_addresses_from_the_aws_tunnels(recorded, stack):
    rec, plan = recorded(stack), settings(stack).mesh_plan()
    for leg in (leg for leg in plan.legs if leg.pair == ("aws", "gcp")):
        component = one(
            c for c in legs(rec, leg.pair) if c.name.endswith(f"-aws-{code(leg.regions[0])}-gcp-{code(leg.regions[1])}")
        )
        havpn = gateway(rec, "gcp", leg.regions[1])
        interfaces = [i["ipAddress"] for i in havpn.outputs["vpnInterfaces"]]
        external = child(rec, component, "peer")
        assert external.inputs["redundancyType"] == "FOUR_IPS_REDUNDANCY"
        for interface in (0, 1):
            cgw = child(rec, component, f"vpn-{interface}-cgw")
            assert cgw.inputs["ipAddress"] == interfaces[interface]
            assert cgw.inputs["bgpAsn"] == str(plan.asns[("gcp", leg.regions[1])])
        for tunnel in leg.tunnels:
            n = tunnel.number
            side = aws_tunnel(child(rec, component, f"vpn-{n // 2}"), n % 2 + 1)
            assert side["cidr"] == str(tunnel.inside_cidr)
            assert external.inputs["interfaces"][n] == {"id": n, "ipAddress": side["outside"]}
            vpn_tunnel = child(rec, component, f"tunnel-{n}")
            assert (vpn_tunnel.inputs["vpnGatewayInterface"], vpn_tunnel.inputs["peerExternalGatewayInterface"]) == (
                n // 2,
                n,
            )
            assert vpn_tunnel.inputs["vpnGateway"] == havpn.id
            assert plain(vpn_tunnel.inputs["sharedSecret"]) == side["psk"]
            interface = child(rec, component, f"bgp-if-{n}")
            assert interface.inputs["ipRange"] == f"{side['peer']}/30"
            assert interface.inputs["vpnTunnel"] == vpn_tunnel.outputs["name"]
            peer = child(rec, component, f"bgp-peer-{n}")
            assert peer.inputs["peerIpAddress"] == side["aws"] == str(tunnel.address("aws"))
            assert peer.inputs["peerAsn"] == plan.asns[("aws", leg.regions[0])]
            assert peer.inputs["interface"] == interface.outputs["name"]
            assert IPv4Network(peer.inputs["advertisedIpRanges"][0]["range"]) == region_cidr(
                stack, "gcp", leg.regions[1]
            )


@pytest.mark.parametrize("stack", STACKS)
def test_azure_gcp_tunnels_use_apipa_addresses_on_both_sides(recorded, stack):
    rec, plan = recorded(stack), settings(stack).mesh_plan()
    for leg in (leg for leg in plan.legs if leg.pair == ("azure", "gcp")):
        component = one(
            c
            for c in legs(rec, leg.pair)
            if c.name.endswith(f"-azure-{code(leg.regions[0])}-gcp-{code(leg.regions[1])}")
        )
        vng = gateway(rec, "azure", leg.regions[0])
        apipa = [set(p["customBgpIpAddresses"]) for p in vng.inputs["bgpSettings"]["bgpPeeringAddresses"]]
        interfaces = [i["ipAddress"] for i in gateway(rec, "gcp", leg.regions[1]).outputs["vpnInterfaces"]]
        assert child(rec, component, "peer").inputs["redundancyType"] == "TWO_IPS_REDUNDANCY"
        for tunnel in leg.tunnels:
            n, azure_ip, gcp_ip = tunnel.number, str(tunnel.address("azure")), str(tunnel.address("gcp"))
            assert azure_ip in apipa[n]
            assert child(rec, component, f"bgp-if-{n}").inputs["ipRange"] == f"{gcp_ip}/30"
            peer = child(rec, component, f"bgp-peer-{n}")
            assert (peer.inputs["peerIpAddress"], peer.inputs["peerAsn"]) == (
                azure_ip,
                plan.asns[("azure", leg.regions[0])],
            )
            lng = child(rec, component, f"lng-{n}")
            assert lng.inputs["gatewayIpAddress"] == interfaces[n]
            assert lng.inputs["bgpSettings"] == {"asn": plan.asns[("gcp", leg.regions[1])], "bgpPeeringAddress": gcp_ip}
            connection = child(rec, component, f"conn-{n}")
            assert azure_ip in {c["customBgpIpAddress"] for c in connection.inputs["gatewayCustomBgpIpAddresses"]}
            psk = plain(connection.inputs["sharedKey"])
            assert psk == plain(child(rec, component, f"tunnel-{n}").inputs["sharedSecret"])


@pytest.mark.parametrize("stack", STACKS)
def test_every_pre_shared_key_is_secret_and_unique_to_its_tunnel(recorded, stack):
    rec = recorded(stack)
    mesh = one(rec.of_type(MESH))
    keys = []
    for resource in descendants(rec, mesh):
        for name, value in resource.inputs.items():
            if name in ("sharedKey", "sharedSecret", "tunnel1PresharedKey", "tunnel2PresharedKey"):
                assert rpc.is_rpc_secret(value), f"{resource.name}.{name} is not secret"
                keys.append(plain(value))
    tunnels = sum(len(leg.tunnels) for leg in settings(stack).mesh_plan().legs)
    assert len(keys) == 2 * tunnels, "each tunnel's key goes to exactly its two ends"
    assert all(count == 2 for count in Counter(keys).values())
    assert all(len(k) == 48 for k in keys)
    for password in (r for r in descendants(rec, mesh) if r.type == "random:index/randomPassword:RandomPassword"):
        assert (password.inputs["length"], password.inputs["special"], password.inputs["numeric"]) == (48, False, False)


@pytest.mark.parametrize("stack", STACKS)
def test_every_tunnel_negotiates_ikev2_only(recorded, stack):
    rec = recorded(stack)
    for connection in rec.of_type(token(aws.ec2.VpnConnection)):
        assert (connection.inputs["tunnel1IkeVersions"], connection.inputs["tunnel2IkeVersions"]) == (["ikev2"],) * 2
        assert connection.inputs["staticRoutesOnly"] is False
    for connection in rec.of_type(token(az.VirtualNetworkGatewayConnection)):
        assert connection.inputs["connectionProtocol"] == "IKEv2" and connection.inputs["enableBgp"] is True
        assert connection.inputs["ipsecPolicies"][0]["ipsecEncryption"] == "GCMAES256"
    for tunnel in rec.of_type(token(gcp.compute.VPNTunnel)):
        assert tunnel.inputs["ikeVersion"] == 2
        assert tunnel.inputs["cipherSuite"]["phase2"]["encryptions"] == ["AES-GCM-16-256"]


@pytest.mark.parametrize("stack", STACKS)
def test_gcp_bgp_sessions_detect_failure_by_the_shortest_hold_time_without_bfd(recorded, stack):
    """HA VPN has no BFD (Cloud Router supports it on Interconnect only; AWS and Azure VPN gateways not at all): every
    GCP BGP peer says so explicitly, and the routers keep the minimum keepalive (20 s, hold 60 s)."""
    rec = recorded(stack)
    peers = rec.of_type(token(gcp.compute.RouterPeer))
    assert peers
    assert all(p.inputs["bfd"] == {"sessionInitializationMode": "DISABLED"} for p in peers)
    routers = [r for r in rec.of_type(token(gcp.compute.Router)) if r.inputs.get("bgp")]
    assert routers and all(r.inputs["bgp"]["keepaliveInterval"] == 20 for r in routers)


@pytest.mark.parametrize("stack", STACKS)
def test_every_leg_resource_uses_the_explicit_provider_of_its_own_regions(recorded, stack):
    rec, by_urn = recorded(stack), recorded(stack).by_urn()
    for leg in settings(stack).mesh_plan().legs:
        component = one(
            c
            for c in legs(rec, leg.pair)
            if c.name.endswith(f"-{leg.pair[0]}-{code(leg.regions[0])}-{leg.pair[1]}-{code(leg.regions[1])}")
        )
        for resource in children_of(rec, component):
            cloud = {"aws": "aws", "azure-native": "azure", "gcp": "gcp", "random": "random"}[
                resource.type.split(":")[0]
            ]
            if cloud == "random":
                continue
            provider = by_urn[resource.provider_urn]
            assert provider.type == f"pulumi:providers:{resource.type.split(':')[0]}"
            assert region_of(rec, resource) == leg.region(cloud), resource.name


@pytest.mark.parametrize("stack", STACKS)
def test_the_region_gateways_carry_the_plans_asns_and_route_into_the_private_networks(recorded, stack):
    rec, s = recorded(stack), settings(stack)
    plan = s.mesh_plan()
    for (cloud, region), asn in plan.asns.items():
        if cloud == "aws":
            assert gateway(rec, cloud, region).inputs["amazonSideAsn"] == str(asn)
        elif cloud == "azure":
            vng = gateway(rec, cloud, region)
            assert vng.inputs["activeActive"] is True and vng.inputs["bgpSettings"]["asn"] == asn
            assert vng.inputs["sku"]["name"] == s.vpn.azure_gateway_sku
            assert [set(p["customBgpIpAddresses"]) for p in vng.inputs["bgpSettings"]["bgpPeeringAddresses"]] == [
                set(a) for a in plan.azure_bgp_addresses(region)
            ]
        else:
            router = one(r for r in rec.of_type(token(gcp.compute.Router)) if region_of(rec, r) == region)
            assert router.inputs["bgp"]["asn"] == asn
            # One rule on the platform's global VPC admits the other clouds.
            firewall = one(r for r in rec.of_type(token(gcp.compute.Firewall)) if r.name.endswith("-network-peers"))
            own = {str(r.cidr) for r in s.clouds.gcp.regions}
            expected = {str(r.cidr) for c in s.clouds.enabled().values() for r in c.regions} - own
            assert set(firewall.inputs["sourceRanges"]) == expected
            assert {a["protocol"]: a.get("ports") for a in firewall.inputs["allows"]} == {
                "tcp": ["443", "5432"],
                "icmp": None,
            }
    propagations = rec.of_type(token(aws.ec2.VpnGatewayRoutePropagation))
    private_tables = {r.id for r in rec.of_type(token(aws.ec2.RouteTable)) if "-private-" in r.name}
    assert {p.inputs["routeTableId"] for p in propagations} == private_tables
    assert len(propagations) == len(private_tables)


def code(region: str) -> str:
    return region_code(region)


def region_cidr(stack: str, cloud: str, region: str) -> IPv4Network:
    return next(r.cidr for r in getattr(settings(stack).clouds, cloud).regions if r.name == region)
