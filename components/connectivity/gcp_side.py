"""The GCP half of a mesh leg: one Cloud VPN tunnel and its BGP session on the region's Cloud Router."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_gcp as gcp

from .ends import GcpEnd
from .ipsec import GCP_PHASE1, GCP_PHASE2

BFD_MODE = "DISABLED"
"""BFD on the HA VPN BGP sessions: unsupported by Cloud Router on HA VPN, and by the AWS and Azure VPN gateways."""


def gcp_tunnel(
    name: str,
    end: GcpEnd,
    peer: str,
    number: int,
    interfaces: tuple[int, int],
    external_gateway_id: pulumi.Input[str],
    psk: pulumi.Input[str],
    bgp: tuple[pulumi.Input[str], pulumi.Input[str], int],
    labels: dict[str, str],
    opts: pulumi.ResourceOptions,
    import_policy: pulumi.Input[str] | None = None,
) -> None:
    """A Cloud VPN tunnel from HA VPN interface `interfaces[0]` to the external gateway's interface `interfaces[1]`
    (`<name>-tunnel-<n>`), and its BGP session on the region's Cloud Router: `bgp` is (own address, peer address,
    peer ASN). The router advertises the region's whole CIDR and imports only what `import_policy` accepts."""
    local_ip, peer_ip, peer_asn = bgp
    tunnel = gcp.compute.VPNTunnel(
        f"{name}-tunnel-{number}",
        name=f"{end.name_prefix}-{peer}-{number}",
        project=end.project,
        region=end.region,
        vpn_gateway=end.gateway_id,
        vpn_gateway_interface=interfaces[0],
        peer_external_gateway=external_gateway_id,
        peer_external_gateway_interface=interfaces[1],
        shared_secret=psk,
        router=end.router_name,
        ike_version=2,
        cipher_suite=gcp_cipher_suite(),
        labels=labels,
        opts=opts,
    )
    interface = gcp.compute.RouterInterface(
        f"{name}-bgp-if-{number}",
        name=f"{peer}-{number}",
        project=end.project,
        region=end.region,
        router=end.router_name,
        ip_range=pulumi.Output.from_input(local_ip).apply(lambda address: f"{address}/30"),
        vpn_tunnel=tunnel.name,
        opts=opts,
    )
    gcp.compute.RouterPeer(
        f"{name}-bgp-peer-{number}",
        name=f"{peer}-{number}",
        project=end.project,
        region=end.region,
        router=end.router_name,
        interface=interface.name,
        peer_ip_address=peer_ip,
        peer_asn=peer_asn,
        advertised_route_priority=100,
        advertise_mode="CUSTOM",
        advertised_ip_ranges=[{"range": cidr} for cidr in (end.advertised_cidr, *end.extra_advertised)],
        import_policies=[import_policy] if import_policy is not None else None,
        # No BFD, on purpose (gcp review 20): Cloud Router supports BFD only on Interconnect VLAN attachments, "BFD is
        # not supported in BGP sessions that are configured for HA VPN tunnels"
        # (https://cloud.google.com/network-connectivity/docs/router/concepts/bfd#bfd-limitations), and neither peer
        # runs it on a VPN (AWS offers BFD on Direct Connect only, Azure on ExpressRoute only). Written out so the
        # plan shows the decision; failure detection is the BGP hold time (BGP_KEEPALIVE_SECONDS) and IPsec DPD.
        bfd={"session_initialization_mode": BFD_MODE},
        opts=opts,
    )


def gcp_import_policy(name: str, end: GcpEnd, peer: str, peer_cidr: str, opts: pulumi.ResourceOptions) -> Any:
    """The IMPORT route policy of the BGP sessions to one peer region (`<name>-import`, named `<peer>-import` on the
    region's Cloud Router): it accepts the peer region's own CIDR and drops every other prefix, so routes the peer's
    gateway re-advertises from a third cloud (AWS VGWs and Azure VPN gateways pass on what they learn) are never
    installed and no cloud carries GCP's traffic to another. Terms are evaluated by priority; CEL syntax as in
    https://cloud.google.com/sdk/gcloud/reference/compute/routers/add-route-policy-term"""
    return gcp.compute.RouterRoutePolicy(
        f"{name}-import",
        name=f"{peer}-import",
        project=end.project,
        region=end.region,
        router=end.router_name,
        type="ROUTE_POLICY_TYPE_IMPORT",
        terms=[
            {
                "priority": 1,
                "match": {"expression": f"destination == '{peer_cidr}'"},
                "actions": [{"expression": "accept()"}],
            },
            {
                "priority": 2,
                "match": {"expression": f"destination != '{peer_cidr}'"},
                "actions": [{"expression": "drop()"}],
            },
        ],
        opts=opts,
    )


def gcp_cipher_suite() -> Any:
    """The cipher suite of every Cloud VPN tunnel (`cipher_suite` of gcp.compute.VPNTunnel)."""
    return gcp.compute.VPNTunnelCipherSuiteArgs(
        phase1=gcp.compute.VPNTunnelCipherSuitePhase1Args(**GCP_PHASE1),
        phase2=gcp.compute.VPNTunnelCipherSuitePhase2Args(**GCP_PHASE2),
    )
