"""One IPsec/IKE profile for every tunnel of the mesh, spelled the way each cloud's API spells it.

IKEv2 only; phase 1 AES-256-CBC with SHA2-256 (integrity and PRF) and DH group 14 (MODP 2048); phase 2
AES-256-GCM with PFS group 14: the MUST algorithms of RFC 8247, offered by AWS, Azure and Cloud VPN alike.
Phase-2 SAs rekey hourly (AWS's default, set explicitly on Azure, whose default is 27,000 s).
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_random as random

PSK_LENGTH = 48
"""Pre-shared keys: 48 random letters (AWS accepts 8-64 of [A-Za-z0-9._], not starting with 0)."""

AWS_TUNNEL_OPTIONS: dict[str, Any] = {
    "ike_versions": ["ikev2"],
    "phase1_encryption_algorithms": ["AES256"],
    "phase1_integrity_algorithms": ["SHA2-256"],
    "phase1_dh_group_numbers": [14],
    "phase1_lifetime_seconds": 28800,
    "phase2_encryption_algorithms": ["AES256-GCM-16"],
    "phase2_integrity_algorithms": ["SHA2-256"],
    "phase2_dh_group_numbers": [14],
    "phase2_lifetime_seconds": 3600,
    "startup_action": "start",
    "dpd_timeout_action": "restart",
}
"""Options of each AWS tunnel (`tunnel1_<option>`, `tunnel2_<option>` on aws.ec2.VpnConnection)."""

AZURE_IPSEC_POLICY: dict[str, Any] = {
    "ike_encryption": "AES256",
    "ike_integrity": "SHA256",
    "dh_group": "DHGroup14",
    "ipsec_encryption": "GCMAES256",
    "ipsec_integrity": "GCMAES256",
    "pfs_group": "PFS2048",
    "sa_life_time_seconds": 3600,
    "sa_data_size_kilobytes": 102400000,
}
"""The custom IPsec policy of every Azure connection (GCM needs the same algorithm as integrity)."""

GCP_PHASE1: dict[str, Any] = {
    "encryptions": ["AES-CBC-256"],
    "integrities": ["HMAC-SHA2-256-128"],
    "prves": ["PRF-HMAC-SHA2-256"],
    "dhs": ["Group-14"],
}
GCP_PHASE2: dict[str, Any] = {"encryptions": ["AES-GCM-16-256"], "pfs": ["Group-14"]}


def pre_shared_key(name: str, opts: pulumi.ResourceOptions) -> pulumi.Output[str]:
    """A generated pre-shared key for one tunnel (a RandomPassword child named `name`). Marked secret here too, not
    only by the engine from the provider's schema, so it is secret wherever it flows (the mock runtime included)."""
    password = random.RandomPassword(name, length=PSK_LENGTH, special=False, numeric=False, opts=opts)
    key: pulumi.Output[str] = pulumi.Output.secret(password.result)
    return key


def aws_tunnel_args(options: dict[str, Any]) -> dict[str, Any]:
    """`options` for both tunnels of an AWS VPN connection (`tunnel1_...` and `tunnel2_...` keyword args)."""
    return {f"tunnel{n}_{key}": value for n in (1, 2) for key, value in options.items()}
