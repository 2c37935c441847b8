"""One leg of the VPN mesh: an Azure region and a GCP region, two tunnels with BGP over APIPA addresses."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from ..lib.naming import region_code
from ..lib.tunnels import Leg
from .azure_side import azure_connection
from .ends import AzureEnd, GcpEnd
from .gcp_side import gcp_import_policy, gcp_tunnel
from .ipsec import pre_shared_key


@dataclass(frozen=True)
class AzureGcpLegArgs:
    """Inputs of AzureGcpLeg."""

    leg: Leg
    """The leg's tunnels and their inside /30s (from the mesh plan)."""
    azure: AzureEnd
    """The Azure region's gateway."""
    gcp: GcpEnd
    """The GCP region's HA VPN gateway and Cloud Router."""
    tags: dict[str, str]
    """Tags (Azure) and labels (GCP) of every resource."""


class AzureGcpLeg(pulumi.ComponentResource):
    """HA VPN interface n to Azure gateway instance n (Google's topology for an active-active Azure gateway, one
    peer with two IPs: TWO_IPS_REDUNDANCY), the BGP session of each tunnel on Azure custom APIPA addresses; on
    Azure one local network gateway per HA VPN interface and one IKEv2 connection each. Each tunnel has its own
    generated pre-shared key. Give it the Azure and the GCP region's providers through `opts.providers`."""

    tunnel_keys: list[str]
    """Mesh keys of the leg's tunnels."""

    def __init__(self, name: str, args: AzureGcpLegArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("multicloud:connectivity:AzureGcpLeg", name, {}, opts)
        child = pulumi.ResourceOptions(parent=self)
        tunnels, azure, end = args.leg.tunnels, args.azure, args.gcp
        psks = {t.number: pre_shared_key(f"{name}-psk-{t.number}", child) for t in tunnels}
        azure_peer, gcp_peer = f"azure-{region_code(azure.region)}", f"gcp-{region_code(end.region)}"
        external = gcp.compute.ExternalVpnGateway(
            f"{name}-peer",
            name=f"{end.name_prefix}-{azure_peer}",
            project=end.project,
            redundancy_type="TWO_IPS_REDUNDANCY",
            interfaces=[{"id": i, "ip_address": azure.public_ips[i]} for i in (0, 1)],
            description=f"Azure {azure.region}: the two instances of the active-active VPN gateway",
            labels=args.tags,
            opts=child,
        )
        # Both Azure instances need an address on every connection: each tunnel's on its own instance.
        by_instance = [next(t for t in tunnels if t.azure_instance == i).address("azure") for i in (0, 1)]
        policy = gcp_import_policy(name, end, azure_peer, azure.cidr, child)
        for tunnel in tunnels:
            n, azure_ip, gcp_ip = tunnel.number, str(tunnel.address("azure")), str(tunnel.address("gcp"))
            gcp_tunnel(
                name,
                end,
                azure_peer,
                n,
                (n, n),
                external.id,
                psks[n],
                (gcp_ip, azure_ip, azure.asn),
                args.tags,
                child,
                import_policy=policy.name,
            )
            azure_connection(
                name,
                azure,
                gcp_peer,
                n,
                end.interface_ips[n],
                (end.asn, gcp_ip),
                by_instance,
                psks[n],
                args.tags,
                child,
            )
        self.tunnel_keys = [t.key for t in tunnels]
        self.register_outputs({"tunnels": self.tunnel_keys})
