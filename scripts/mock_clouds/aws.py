"""Mock outputs and invokes of the AWS resources the platform uses (pulumi-aws 7 wire names)."""

from __future__ import annotations

from collections.abc import Mapping
from ipaddress import IPv4Network
from typing import Any

from .common import public_ip, token_of

ACCOUNT_ID = "123456789012"


def outputs(resource_type: str, physical: str, region: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Computed outputs of one AWS resource in `region`."""
    region = region or "us-east-1"
    service = resource_type.split(":")[1].split("/")[0]
    out: dict[str, Any] = {"arn": f"arn:aws:{service}:{region}:{ACCOUNT_ID}:{physical}", "region": region}
    token = token_of(resource_type, physical)
    if resource_type == "aws:eks/cluster:Cluster":
        out.update(
            endpoint=f"https://{token.upper()}.gr7.{region}.eks.amazonaws.com",
            identities=[{"oidcs": [{"issuer": f"https://oidc.eks.{region}.amazonaws.com/id/{token.upper()}"}]}],
            certificateAuthority={"data": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t"},
            status="ACTIVE",
        )
    elif resource_type == "aws:secretsmanager/secret:Secret":
        # A secret's id is its ARN (the name plus a random 6-character suffix).
        arn = f"arn:aws:secretsmanager:{region}:{ACCOUNT_ID}:secret:{inputs.get('name', physical)}-{token[:6]}"
        out.update(arn=arn, __id=arn)
    elif resource_type == "aws:eks/nodeGroup:NodeGroup":
        # The managed node group's Auto Scaling group (EKS names it eks-<group>-<uuid>).
        name = inputs.get("nodeGroupName") or f"{inputs.get('nodeGroupNamePrefix', physical + '-')}{token[:8]}"
        group = f"eks-{name}-{token}"
        out.update(nodeGroupName=name)
        out.update(resources=[{"autoscalingGroups": [{"name": group}]}])
    elif resource_type == "aws:rds/instance:Instance":
        address = f"{physical}.c{token[:8]}.{region}.rds.amazonaws.com"
        out.update(
            address=address,
            port=5432,
            endpoint=f"{address}:5432",
            resourceId=f"db-{token.upper()}",  # the DbiResourceId (IAM-auth ARNs name it)
            masterUserSecrets=[
                {
                    "secretArn": f"arn:aws:secretsmanager:{region}:{ACCOUNT_ID}:secret:rds!db-{token}",
                    "secretStatus": "active",
                    "kmsKeyId": inputs.get("kmsKeyId", ""),
                }
            ],
        )
    elif resource_type == "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter":
        # The accepter's id is the peering connection's own id.
        out.update(acceptStatus="active", __id=str(inputs.get("vpcPeeringConnectionId", physical)))
    elif resource_type == "aws:s3/bucket:Bucket":
        out.update(arn=f"arn:aws:s3:::{physical}", bucket=physical, __id=physical)
    elif resource_type == "aws:kms/key:Key":
        out.update(
            keyId=f"{token}-0000-4000-8000-000000000000",
            arn=f"arn:aws:kms:{region}:{ACCOUNT_ID}:key/{token}-0000-4000-8000-000000000000",
        )
    elif resource_type == "aws:iam/role:Role":
        out.update(arn=f"arn:aws:iam::{ACCOUNT_ID}:role/{physical}", name=physical, __id=physical)
    elif resource_type == "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
        issuer = str(inputs.get("url", "")).removeprefix("https://")
        out.update(arn=f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{issuer}")
    elif resource_type == "aws:iam/rolePolicy:RolePolicy":
        out.update(__id=f"{inputs.get('role', '')}:{inputs.get('name', physical)}")
    elif resource_type == "aws:cognito/userPool:UserPool":
        pool_id = f"{region}_{token[:9]}"
        out.update(
            __id=pool_id,
            arn=f"arn:aws:cognito-idp:{region}:{ACCOUNT_ID}:userpool/{pool_id}",
            endpoint=f"cognito-idp.{region}.amazonaws.com/{pool_id}",
            estimatedNumberOfUsers=0,
        )
    elif resource_type == "aws:cognito/userPoolClient:UserPoolClient":
        out.update(__id=(token * 3)[:26], clientSecret="")
    elif resource_type == "aws:cognito/userPoolDomain:UserPoolDomain":
        out.update(
            __id=str(inputs.get("domain", physical)),
            awsAccountId=ACCOUNT_ID,
            cloudfrontDistribution=f"d{token}.cloudfront.net",
            cloudfrontDistributionZoneId="Z2FDTNDATAQYW2",
        )
    elif resource_type == "aws:cognito/identityProvider:IdentityProvider":
        out.update(__id=f"{inputs.get('userPoolId', '')}:{inputs.get('providerName', physical)}")
    elif resource_type == "aws:ec2/eip:Eip":
        out.update(allocationId=f"eipalloc-{token}", publicIp=public_ip(token, 52))
    elif resource_type == "aws:ec2/vpnGateway:VpnGateway":
        out.update(__id=f"vgw-{token}", arn=f"arn:aws:ec2:{region}:{ACCOUNT_ID}:vpn-gateway/vgw-{token}")
    elif resource_type == "aws:ec2/customerGateway:CustomerGateway":
        out.update(__id=f"cgw-{token}", arn=f"arn:aws:ec2:{region}:{ACCOUNT_ID}:customer-gateway/cgw-{token}")
    elif resource_type == "aws:ec2/vpnConnection:VpnConnection":
        out.update(_vpn_connection(token, inputs))
    elif resource_type == "aws:ec2/launchTemplate:LaunchTemplate":
        template_id = f"lt-0{token}abcd"
        out.update(
            __id=template_id,
            arn=f"arn:aws:ec2:{region}:{ACCOUNT_ID}:launch-template/{template_id}",
            latestVersion=1,
            defaultVersion=1,
            name=f"{inputs.get('namePrefix', '')}{token[:8]}",
        )
    elif resource_type == "aws:cloudwatch/logGroup:LogGroup":
        out.update(arn=f"arn:aws:logs:{region}:{ACCOUNT_ID}:log-group:{physical}")
    elif resource_type == "aws:rds/subnetGroup:SubnetGroup" or resource_type == "aws:rds/parameterGroup:ParameterGroup":
        out.update(name=physical, __id=physical)
    return out


def _vpn_connection(token: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """AWS's answer for a VPN connection: two outside IPs and, from each tunnel's inside /30, the AWS side
    (first host) and the customer side (second host)."""
    out: dict[str, Any] = {"__id": f"vpn-{token}"}
    for n in (1, 2):
        out[f"tunnel{n}Address"] = public_ip(f"{token}{n}", 3)
        cidr = inputs.get(f"tunnel{n}InsideCidr")
        if cidr:
            aws_side, customer_side = list(IPv4Network(str(cidr)).hosts())
            out[f"tunnel{n}VgwInsideAddress"], out[f"tunnel{n}CgwInsideAddress"] = str(aws_side), str(customer_side)
    return out


def _zones(region: str, args: Mapping[str, Any]) -> dict[str, Any]:
    """DescribeAvailabilityZones of an account that opted into a Local Zone of the region: by name that zone comes
    first (`us-east-1-lax-1a` < `us-east-1a`); the `opt-in-status` and `state` filters apply as in the API."""
    zones = [(f"{region}-lax-1a", f"{region}-lax1-az1", "opted-in")]
    zones += [(f"{region}{zone}", f"{region}-az{i}", "opt-in-not-required") for i, zone in enumerate("abc", 1)]
    for flt in args.get("filters") or []:
        if flt.get("name") == "opt-in-status":
            zones = [z for z in zones if z[2] in flt.get("values", [])]
    return {"names": [z[0] for z in zones], "zoneIds": [z[1] for z in zones]}


INVOKES = {
    "aws:index/getAvailabilityZones:getAvailabilityZones": lambda region, args: _zones(region, args),
    "aws:index/getCallerIdentity:getCallerIdentity": lambda region, args: {
        "accountId": ACCOUNT_ID,
        "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/ci",
        "userId": "AIDAMOCK",
    },
    "aws:eks/getAddonVersion:getAddonVersion": lambda region, args: {
        "addonName": args.get("addonName"),
        "kubernetesVersion": args.get("kubernetesVersion"),
        "version": f"v1.0.0-eksbuild.{str(args.get('kubernetesVersion', '')).replace('.', '')}",
        "id": args.get("addonName"),
    },
    "aws:index/getPartition:getPartition": lambda region, args: {"partition": "aws", "dnsSuffix": "amazonaws.com"},
    "aws:secretsmanager/getSecretVersion:getSecretVersion": lambda region, args: {
        "arn": f"arn:aws:secretsmanager:{region}:{ACCOUNT_ID}:secret:{args.get('secretId')}-AbCdEf",
        "id": f"{args.get('secretId')}|AWSCURRENT",
        "secretId": args.get("secretId"),
        "secretString": f"mock-secret-of-{args.get('secretId')}",
        "versionId": "EXAMPLE1-90ab-cdef-fedc-ba987SECRET1",
        "versionStage": "AWSCURRENT",
        "versionStages": ["AWSCURRENT"],
        "region": region,
    },
}
