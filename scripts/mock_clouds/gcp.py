"""Mock outputs and invokes of the GCP resources the platform uses (pulumi-gcp 10 wire names).

Ids and self links have the shapes the Google APIs return (`projects/<p>/locations/<r>/keyRings/<k>`,
`https://www.googleapis.com/compute/v1/projects/<p>/regions/<r>/subnetworks/<s>`...). Private addresses are
taken from the ranges the program itself declared: a cluster's private endpoint from its subnet, a Cloud SQL
private IP from its peered private-services range.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from ipaddress import IPv4Network
from typing import Any

from .common import token_of

PROJECT = "mock-project"
PROJECT_NUMBER = "483920175316"
COMPUTE = "https://www.googleapis.com/compute/v1"
CA_CERTIFICATE = base64.b64encode(b"-----BEGIN CERTIFICATE-----\nMIIEMOCKGKE\n-----END CERTIFICATE-----\n").decode()
ZONES = {
    "us-central1": ["us-central1-a", "us-central1-b", "us-central1-c", "us-central1-f"],
    "us-east1": ["us-east1-b", "us-east1-c", "us-east1-d"],
    "us-east4": ["us-east4-a", "us-east4-b", "us-east4-c"],
    "us-west1": ["us-west1-a", "us-west1-b", "us-west1-c"],
    "europe-west1": ["europe-west1-b", "europe-west1-c", "europe-west1-d"],
}
_SERVICE_AGENTS = {
    "sqladmin.googleapis.com": "gcp-sa-cloud-sql",
    "secretmanager.googleapis.com": "gcp-sa-secretmanager",
    "container.googleapis.com": "container-engine-robot",
}

# Ranges the program declared in this process, so addresses land where the real ones would.
_SUBNETS: dict[str, IPv4Network] = {}
"""Subnetwork id and self link -> primary range."""
_PEERED_RANGES: dict[str, IPv4Network] = {}
"""Global address (VPC_PEERING) name -> range."""


def _ip(token: str, first: int) -> str:
    """A stable public-looking IPv4 address per resource."""
    return f"{first}.{int(token[0:2], 16)}.{int(token[2:4], 16)}.{int(token[4:6], 16) or 1}"


def outputs(resource_type: str, physical: str, region: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Computed outputs of one GCP resource in `region`."""
    region = region or "us-central1"
    project = str(inputs.get("project") or PROJECT)
    token = token_of(resource_type, physical)
    out: dict[str, Any] = {}
    if resource_type == "gcp:compute/network:Network":
        path = f"projects/{project}/global/networks/{physical}"
        out.update(__id=path, name=physical, selfLink=f"{COMPUTE}/{path}", numericId=str(int(token, 16)))
    elif resource_type == "gcp:compute/subnetwork:Subnetwork":
        path = f"projects/{project}/regions/{region}/subnetworks/{physical}"
        primary = IPv4Network(str(inputs.get("ipCidrRange", "10.0.0.0/24")))
        _SUBNETS[path] = _SUBNETS[f"{COMPUTE}/{path}"] = primary
        out.update(
            __id=path, name=physical, region=region, selfLink=f"{COMPUTE}/{path}", gatewayAddress=str(primary[1])
        )
    elif resource_type == "gcp:compute/router:Router":
        path = f"projects/{project}/regions/{region}/routers/{physical}"
        out.update(__id=path, name=physical, region=region, selfLink=f"{COMPUTE}/{path}")
    elif resource_type == "gcp:compute/routerNat:RouterNat":
        out.update(__id=f"{project}/{region}/{inputs.get('router', '')}/{physical}", name=physical, region=region)
    elif resource_type == "gcp:compute/globalAddress:GlobalAddress":
        path = f"projects/{project}/global/addresses/{physical}"
        if inputs.get("purpose") == "VPC_PEERING" and inputs.get("address"):
            _PEERED_RANGES[physical] = IPv4Network(f"{inputs['address']}/{int(inputs.get('prefixLength', 24))}")
        out.update(__id=path, name=physical, selfLink=f"{COMPUTE}/{path}")
    elif resource_type == "gcp:compute/address:Address":
        path = f"projects/{project}/regions/{region}/addresses/{physical}"
        out.update(__id=path, name=physical, address=_ip(token, 35), selfLink=f"{COMPUTE}/{path}")
    elif resource_type == "gcp:compute/haVpnGateway:HaVpnGateway":
        path = f"projects/{project}/regions/{region}/vpnGateways/{physical}"
        interfaces = [{"id": i, "ipAddress": _ip(token_of(path, str(i)), 35)} for i in (0, 1)]
        out.update(__id=path, name=physical, selfLink=f"{COMPUTE}/{path}", vpnInterfaces=interfaces)
    elif resource_type == "gcp:compute/externalVpnGateway:ExternalVpnGateway":
        path = f"projects/{project}/global/externalVpnGateways/{physical}"
        out.update(__id=path, name=physical, selfLink=f"{COMPUTE}/{path}")
    elif resource_type == "gcp:compute/vPNTunnel:VPNTunnel":
        path = f"projects/{project}/regions/{region}/vpnTunnels/{physical}"
        out.update(__id=path, name=physical, selfLink=f"{COMPUTE}/{path}", tunnelId=str(int(token, 16)))
    elif resource_type in ("gcp:compute/routerInterface:RouterInterface", "gcp:compute/routerPeer:RouterPeer"):
        out.update(__id=f"{project}/{region}/{inputs.get('router', '')}/{physical}", name=physical)
    elif resource_type == "gcp:servicenetworking/connection:Connection":
        out.update(
            __id=f"{inputs.get('network', '')}:{inputs.get('service', '')}",
            peering="servicenetworking-googleapis-com",
        )
    elif resource_type == "gcp:container/cluster:Cluster":
        out.update(_cluster(project, region, physical, token, inputs))
    elif resource_type == "gcp:container/nodePool:NodePool":
        cluster = str(inputs.get("cluster", ""))
        out.update(
            __id=f"{cluster}/nodePools/{physical}",
            instanceGroupUrls=[
                f"{COMPUTE}/projects/{project}/zones/{zone}/instanceGroupManagers/gke-{physical}-{token[:8]}-grp"
                for zone in ZONES.get(region, [f"{region}-a", f"{region}-b", f"{region}-c"])[:3]
            ],
            version="1.35.1-gke.1000000",
        )
    elif resource_type == "gcp:sql/databaseInstance:DatabaseInstance":
        out.update(_sql_instance(project, region, physical, token, inputs))
    elif resource_type == "gcp:sql/database:Database":
        out.update(__id=f"projects/{project}/instances/{inputs.get('instance', '')}/databases/{physical}")
    elif resource_type == "gcp:sql/user:User":
        out.update(__id=f"{physical}//{inputs.get('instance', '')}")
    elif resource_type == "gcp:storage/bucket:Bucket":
        out.update(
            __id=physical,
            name=physical,
            url=f"gs://{physical}",
            selfLink=f"https://www.googleapis.com/storage/v1/b/{physical}",
            projectNumber=PROJECT_NUMBER,
        )
    elif resource_type == "gcp:kms/keyRing:KeyRing":
        location = str(inputs.get("location") or region)
        out.update(__id=f"projects/{project}/locations/{location}/keyRings/{physical}", name=physical)
    elif resource_type == "gcp:kms/cryptoKey:CryptoKey":
        out.update(__id=f"{inputs.get('keyRing', '')}/cryptoKeys/{physical}", name=physical)
    elif resource_type == "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember":
        out.update(
            __id=f"{inputs.get('cryptoKeyId', '')}/{inputs.get('role', '')}/{inputs.get('member', '')}",
            etag=f"BwY{token[:10]}=",
        )
    elif resource_type == "gcp:projects/iAMMember:IAMMember":
        out.update(__id=f"{project}/{inputs.get('role', '')}/{inputs.get('member', '')}", etag=f"BwY{token[:10]}=")
    elif resource_type == "gcp:serviceaccount/account:Account":
        email = f"{inputs.get('accountId', physical)}@{project}.iam.gserviceaccount.com"
        out.update(
            __id=f"projects/{project}/serviceAccounts/{email}",
            email=email,
            member=f"serviceAccount:{email}",
            name=f"projects/{project}/serviceAccounts/{email}",
            uniqueId=str(int(token, 16)),
        )
    elif resource_type == "gcp:iam/workloadIdentityPool:WorkloadIdentityPool":
        pool = str(inputs.get("workloadIdentityPoolId", physical))
        out.update(
            __id=f"projects/{project}/locations/global/workloadIdentityPools/{pool}",
            name=f"projects/{PROJECT_NUMBER}/locations/global/workloadIdentityPools/{pool}",
            state="ACTIVE",
        )
    elif resource_type == "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider":
        path = (
            f"locations/global/workloadIdentityPools/{inputs.get('workloadIdentityPoolId', '')}"
            f"/providers/{inputs.get('workloadIdentityPoolProviderId', physical)}"
        )
        out.update(__id=f"projects/{project}/{path}", name=f"projects/{PROJECT_NUMBER}/{path}", state="ACTIVE")
    elif resource_type in ("gcp:serviceaccount/iAMMember:IAMMember", "gcp:storage/bucketIAMMember:BucketIAMMember"):
        scope = inputs.get("serviceAccountId") or f"b/{inputs.get('bucket', '')}"
        out.update(__id=f"{scope}/{inputs.get('role', '')}/{inputs.get('member', '')}", etag=f"BwY{token[:10]}=")
    elif resource_type == "gcp:projects/serviceIdentity:ServiceIdentity":
        service = str(inputs.get("service", ""))
        agent = _SERVICE_AGENTS.get(service, f"gcp-sa-{service.split('.')[0]}")
        email = f"service-{PROJECT_NUMBER}@{agent}.iam.gserviceaccount.com"
        out.update(__id=f"projects/{project}/services/{service}", email=email, member=f"serviceAccount:{email}")
    elif resource_type == "gcp:secretmanager/secret:Secret":
        secret_id = str(inputs.get("secretId", physical))
        out.update(
            __id=f"projects/{project}/secrets/{secret_id}", name=f"projects/{PROJECT_NUMBER}/secrets/{secret_id}"
        )
    elif resource_type == "gcp:secretmanager/secretVersion:SecretVersion":
        name = f"{inputs.get('secret', '')}/versions/1".replace(f"projects/{project}/", f"projects/{PROJECT_NUMBER}/")
        out.update(__id=name, name=name, version="1")
    return out


def _cluster(project: str, region: str, name: str, token: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    path = f"projects/{project}/locations/{region}/clusters/{name}"
    private = dict(inputs.get("privateClusterConfig") or {})
    subnet = _SUBNETS.get(str(inputs.get("subnetwork", "")))
    private_endpoint = str(subnet[2]) if subnet else f"10.{int(token[:2], 16)}.0.2"
    public_endpoint = _ip(token, 34)
    private.update(privateEndpoint=private_endpoint, publicEndpoint=public_endpoint)
    return {
        "__id": path,
        "name": name,
        "location": region,
        "selfLink": f"https://container.googleapis.com/v1/{path}",
        "endpoint": private_endpoint if private.get("enablePrivateEndpoint") else public_endpoint,
        "privateClusterConfig": private,
        "masterAuth": {**dict(inputs.get("masterAuth") or {}), "clusterCaCertificate": CA_CERTIFICATE},
        "masterVersion": "1.35.1-gke.1000000",
        "labelFingerprint": token[:8],
    }


def _sql_instance(project: str, region: str, name: str, token: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    settings = dict(inputs.get("settings") or {})
    ip_configuration = dict(settings.get("ipConfiguration") or {})
    peered = _PEERED_RANGES.get(str(ip_configuration.get("allocatedIpRange", "")))
    private_ip = str(peered[3]) if peered else f"10.{int(token[:2], 16)}.{int(token[2:4], 16)}.3"
    return {
        "__id": name,
        "name": name,
        "region": region,
        "connectionName": f"{project}:{region}:{name}",
        "privateIpAddress": private_ip,
        "firstIpAddress": private_ip,
        "publicIpAddress": "",
        "ipAddresses": [{"ipAddress": private_ip, "type": "PRIVATE"}],
        "selfLink": f"https://sqladmin.googleapis.com/sql/v1beta4/projects/{project}/instances/{name}",
        "serviceAccountEmailAddress": f"p{PROJECT_NUMBER}-{token[:6]}@gcp-sa-cloud-sql.iam.gserviceaccount.com",
        "dnsName": f"{token}.{region}.sql.goog.",
    }


INVOKES = {
    "gcp:storage/getTransferProjectServiceAccount:getTransferProjectServiceAccount": lambda region, args: {
        "email": f"project-{PROJECT_NUMBER}@storage-transfer-service.iam.gserviceaccount.com",
        "member": f"serviceAccount:project-{PROJECT_NUMBER}@storage-transfer-service.iam.gserviceaccount.com",
        "subjectId": "108347590213845762093",
        "project": args.get("project") or PROJECT,
        "id": args.get("project") or PROJECT,
    },
    "gcp:organizations/getProject:getProject": lambda region, args: {
        "projectId": args.get("projectId") or PROJECT,
        "number": PROJECT_NUMBER,
        "name": args.get("projectId") or PROJECT,
        "id": f"projects/{args.get('projectId') or PROJECT}",
    },
    "gcp:compute/getZones:getZones": lambda region, args: {
        "names": ZONES.get(str(args.get("region") or region), [f"{args.get('region') or region}-{z}" for z in "abc"]),
        "project": args.get("project") or PROJECT,
        "region": args.get("region") or region,
        "id": f"projects/{args.get('project') or PROJECT}/regions/{args.get('region') or region}",
    },
    "gcp:storage/getProjectServiceAccount:getProjectServiceAccount": lambda region, args: {
        "emailAddress": f"service-{PROJECT_NUMBER}@gs-project-accounts.iam.gserviceaccount.com",
        "member": f"serviceAccount:service-{PROJECT_NUMBER}@gs-project-accounts.iam.gserviceaccount.com",
        "project": args.get("project") or PROJECT,
        "id": f"service-{PROJECT_NUMBER}@gs-project-accounts.iam.gserviceaccount.com",
    },
}
