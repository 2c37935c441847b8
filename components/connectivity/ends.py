"""What each cloud's region contributes to the VPN mesh (its gateway and BGP identity), as plain records."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi


@dataclass(frozen=True)
class AwsEnd:
    """An AWS region's virtual private gateway."""

    region: str
    """AWS region."""
    gateway_id: pulumi.Input[str]
    """Virtual private gateway id."""
    asn: int
    """Amazon-side ASN."""
    alarm_topic_arn: pulumi.Input[str] | None = None
    """SNS topic of the per-tunnel TunnelState alarms (None: no alarms)."""
    tunnel_log_group_arn: pulumi.Input[str] | None = None
    """CloudWatch log group of the tunnels' IKE and BGP logs (None: no tunnel logs)."""
    cidr: str = ""
    """The region's VPC CIDR (the one prefix its gateway should advertise to the peers)."""


@dataclass(frozen=True)
class AzureEnd:
    """An Azure region's active-active VPN gateway."""

    region: str
    """Azure region (location)."""
    gateway_id: pulumi.Input[str]
    """ARM id of the virtual network gateway."""
    public_ips: Sequence[pulumi.Input[str]]
    """Public IPs of instance 0 and instance 1."""
    ip_configuration_ids: Sequence[pulumi.Input[str]]
    """ARM ids of the gateway's IP configurations of instance 0 and instance 1."""
    asn: int
    """BGP ASN of the gateway."""
    resource_group_name: pulumi.Input[str]
    """Resource group of the region (local network gateways and connections go there)."""
    name_prefix: str
    """Physical name prefix of the region."""
    cidr: str = ""
    """The region's VNet CIDR (the one prefix its gateway should advertise to the peers)."""


@dataclass(frozen=True)
class GcpEnd:
    """A GCP region's HA VPN gateway and Cloud Router."""

    region: str
    """GCP region."""
    project: str
    """Project of the region."""
    gateway_id: pulumi.Input[str]
    """HA VPN gateway id."""
    interface_ips: Sequence[pulumi.Input[str]]
    """Public IPs of interface 0 and interface 1."""
    router_name: pulumi.Input[str]
    """Cloud Router of the region (runs the BGP sessions)."""
    asn: int
    """ASN of the Cloud Router."""
    advertised_cidr: str
    """The region's whole CIDR, advertised to every peer (nodes, pods, services and private services)."""
    name_prefix: str
    """Physical name prefix of the region."""
    extra_advertised: tuple[str, ...] = ()
    """Further ranges advertised to every peer (Cloud DNS's forwarder range when the region forwards DNS)."""
