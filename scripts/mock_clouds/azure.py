"""Mock outputs and invokes of the Azure resources the platform uses (pulumi-azure-native 3 wire names).

Ids are ARM ids built the way ARM builds them (`/subscriptions/<sub>/resourceGroups/<rg>/providers/...`,
extension resources under their scope), so references between resources read like the real ones.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Mapping
from typing import Any

import yaml

from .common import public_ip, token_of

SUBSCRIPTION_ID = "5ddb513c-f4e4-4213-afdc-fb2d2eadbb88"  # the subscription of the example stack files
"""The subscription of the committed stack files."""
TENANT_ID = "72f988bf-0000-4000-8000-000000000001"
DEPLOYER_OBJECT_ID = "3f2b9c1e-0000-4000-8000-000000000003"
DEPLOYER_CLIENT_ID = "5a1b2c3d-0000-4000-8000-000000000002"
CA_DATA = base64.b64encode(b"-----BEGIN CERTIFICATE-----\nMIIMOCKAKSCA\n-----END CERTIFICATE-----\n").decode()

_SUB = f"/subscriptions/{SUBSCRIPTION_ID}"
_RG = _SUB + "/resourceGroups/{resourceGroupName}"
_PROVIDERS = _RG + "/providers"
# Type token -> ARM id template over the resource's wire inputs (`{scope}`-style extension resources too).
ARM_IDS: dict[str, str] = {
    "azure-native:resources:ResourceGroup": _RG,
    "azure-native:operationalinsights:Workspace": _PROVIDERS
    + "/Microsoft.OperationalInsights/workspaces/{workspaceName}",
    "azure-native:network:NetworkSecurityGroup": _PROVIDERS
    + "/Microsoft.Network/networkSecurityGroups/{networkSecurityGroupName}",
    "azure-native:network:VirtualNetwork": _PROVIDERS + "/Microsoft.Network/virtualNetworks/{virtualNetworkName}",
    "azure-native:network:Subnet": _PROVIDERS
    + "/Microsoft.Network/virtualNetworks/{virtualNetworkName}/subnets/{subnetName}",
    "azure-native:keyvault:Vault": _PROVIDERS + "/Microsoft.KeyVault/vaults/{vaultName}",
    "azure-native:keyvault:Key": _PROVIDERS + "/Microsoft.KeyVault/vaults/{vaultName}/keys/{keyName}",
    "azure-native:keyvault:Secret": _PROVIDERS + "/Microsoft.KeyVault/vaults/{vaultName}/secrets/{secretName}",
    "azure-native:managedidentity:UserAssignedIdentity": _PROVIDERS
    + "/Microsoft.ManagedIdentity/userAssignedIdentities/{resourceName}",
    "azure-native:managedidentity:FederatedIdentityCredential": _PROVIDERS
    + "/Microsoft.ManagedIdentity/userAssignedIdentities/{resourceName}"
    + "/federatedIdentityCredentials/{federatedIdentityCredentialResourceName}",
    "azure-native:containerservice:ManagedCluster": _PROVIDERS
    + "/Microsoft.ContainerService/managedClusters/{resourceName}",
    "azure-native:containerservice:AgentPool": _PROVIDERS
    + "/Microsoft.ContainerService/managedClusters/{resourceName}/agentPools/{agentPoolName}",
    "azure-native:containerservice:MaintenanceConfiguration": _PROVIDERS
    + "/Microsoft.ContainerService/managedClusters/{resourceName}/maintenanceConfigurations/{configName}",
    "azure-native:monitor:DataCollectionRule": _PROVIDERS
    + "/Microsoft.Insights/dataCollectionRules/{dataCollectionRuleName}",
    "azure-native:monitor:DataCollectionRuleAssociation": "{resourceUri}"
    + "/providers/Microsoft.Insights/dataCollectionRuleAssociations/{associationName}",
    "azure-native:monitor:DiagnosticSetting": "{resourceUri}/providers/Microsoft.Insights/diagnosticSettings/{name}",
    "azure-native:dbforpostgresql:Server": _PROVIDERS + "/Microsoft.DBforPostgreSQL/flexibleServers/{serverName}",
    "azure-native:dbforpostgresql:Configuration": _PROVIDERS
    + "/Microsoft.DBforPostgreSQL/flexibleServers/{serverName}/configurations/{configurationName}",
    "azure-native:dbforpostgresql:Database": _PROVIDERS
    + "/Microsoft.DBforPostgreSQL/flexibleServers/{serverName}/databases/{databaseName}",
    "azure-native:privatedns:PrivateZone": _PROVIDERS + "/Microsoft.Network/privateDnsZones/{privateZoneName}",
    "azure-native:privatedns:VirtualNetworkLink": _PROVIDERS
    + "/Microsoft.Network/privateDnsZones/{privateZoneName}/virtualNetworkLinks/{virtualNetworkLinkName}",
    "azure-native:storage:StorageAccount": _PROVIDERS + "/Microsoft.Storage/storageAccounts/{accountName}",
    "azure-native:storage:BlobServiceProperties": _PROVIDERS
    + "/Microsoft.Storage/storageAccounts/{accountName}/blobServices/default",
    "azure-native:storage:BlobContainer": _PROVIDERS
    + "/Microsoft.Storage/storageAccounts/{accountName}/blobServices/default/containers/{containerName}",
    "azure-native:storage:ManagementPolicy": _PROVIDERS
    + "/Microsoft.Storage/storageAccounts/{accountName}/managementPolicies/default",
    "azure-native:network:PrivateEndpoint": _PROVIDERS + "/Microsoft.Network/privateEndpoints/{privateEndpointName}",
    "azure-native:network:PrivateDnsZoneGroup": _PROVIDERS
    + "/Microsoft.Network/privateEndpoints/{privateEndpointName}/privateDnsZoneGroups/{privateDnsZoneGroupName}",
    "azure-native:network:PublicIPAddress": _PROVIDERS
    + "/Microsoft.Network/publicIPAddresses/{publicIpAddressName}",
    "azure-native:network:VirtualNetworkGateway": _PROVIDERS
    + "/Microsoft.Network/virtualNetworkGateways/{virtualNetworkGatewayName}",
    "azure-native:network:LocalNetworkGateway": _PROVIDERS
    + "/Microsoft.Network/localNetworkGateways/{localNetworkGatewayName}",
    "azure-native:network:VirtualNetworkGatewayConnection": _PROVIDERS
    + "/Microsoft.Network/connections/{virtualNetworkGatewayConnectionName}",
    "azure-native:authorization:RoleAssignment": "{scope}/providers/Microsoft.Authorization/roleAssignments/{__guid}",
    "azure-native:authorization:ManagementLockByScope": "{scope}/providers/Microsoft.Authorization/locks/{lockName}",
}


def mock_uuid(*parts: str) -> str:
    """A stable UUID per input (principal ids, client ids, role-assignment names)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(parts)))


def arm_id(resource_type: str, inputs: Mapping[str, Any], physical: str) -> str | None:
    """The ARM id of a resource from its inputs, or None for a type this module does not know."""
    template = ARM_IDS.get(resource_type)
    if template is None:
        return None
    values = {key: str(value) for key, value in inputs.items() if isinstance(value, str | int)}
    values["__guid"] = mock_uuid(resource_type, str(inputs.get("scope")), str(inputs.get("principalId")), physical)
    values.setdefault("resourceGroupName", "rg")
    return template.format_map(_Missing(values, physical))


class _Missing(dict[str, str]):
    """format_map values that fall back to the logical name for an input the program did not set."""

    def __init__(self, values: dict[str, str], physical: str):
        super().__init__(values)
        self.physical = physical

    def __missing__(self, key: str) -> str:
        return self.physical


def outputs(resource_type: str, physical: str, region: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Computed outputs of one azure-native resource in `region`."""
    region = str(inputs.get("location") or region or "eastus")
    token = token_of(resource_type, physical)
    resource_id = arm_id(resource_type, inputs, physical)
    if resource_id is None:
        return {}
    out: dict[str, Any] = {"__id": resource_id, "id": resource_id, "name": resource_id.rsplit("/", 1)[-1]}
    identity = inputs.get("identity")
    if isinstance(identity, Mapping) and isinstance(identity.get("userAssignedIdentities"), list):
        # Inputs list the identity ids; ARM answers with a map id -> {principalId, clientId}.
        out["identity"] = {
            **identity,
            "userAssignedIdentities": {
                i: {"principalId": mock_uuid(i, "principal"), "clientId": mock_uuid(i, "client")}
                for i in identity["userAssignedIdentities"]
            },
        }
    if resource_type == "azure-native:resources:ResourceGroup":
        out.update(location=region)
    elif resource_type == "azure-native:managedidentity:UserAssignedIdentity":
        out.update(
            principalId=mock_uuid(resource_id, "principal"),
            clientId=mock_uuid(resource_id, "client"),
            tenantId=TENANT_ID,
        )
    elif resource_type == "azure-native:keyvault:Vault":
        out.update(properties={**inputs.get("properties", {}), "vaultUri": f"https://{out['name']}.vault.azure.net/"})
    elif resource_type == "azure-native:keyvault:Key":
        uri = f"https://{inputs.get('vaultName')}.vault.azure.net/keys/{out['name']}"
        out.update(keyUri=uri, keyUriWithVersion=f"{uri}/{token}{token[:8]}{token[:12]}")
    elif resource_type == "azure-native:keyvault:Secret":
        uri = f"https://{inputs.get('vaultName')}.vault.azure.net/secrets/{out['name']}"
        out.update(properties={"secretUri": uri, "secretUriWithVersion": f"{uri}/{token}"})
    elif resource_type == "azure-native:containerservice:ManagedCluster":
        prefix = f"{inputs.get('dnsPrefix', out['name'])}-{token[:8]}"
        access = inputs.get("apiServerAccessProfile") or {}
        private = bool(access.get("enablePrivateCluster"))
        out.update(
            fqdn="" if private else f"{prefix}.hcp.{region}.azmk8s.io",
            privateFQDN=f"{prefix}.{token}.privatelink.{region}.azmk8s.io" if private else "",
            azurePortalFQDN=f"{prefix}.portal.hcp.{region}.azmk8s.io",
            currentKubernetesVersion=f"{inputs.get('kubernetesVersion', '')}.3",
            nodeResourceGroup=f"MC_{inputs.get('resourceGroupName')}_{out['name']}_{region}",
            oidcIssuerProfile={
                "enabled": True,
                "issuerURL": f"https://{region}.oic.prod-aks.azure.com/{TENANT_ID}/{mock_uuid(resource_id, 'oidc')}/",
            },
            identityProfile={
                "kubeletidentity": {
                    "objectId": mock_uuid(resource_id, "kubelet"),
                    "clientId": mock_uuid(resource_id, "kubelet-client"),
                }
            },
            provisioningState="Succeeded",
        )
    elif resource_type == "azure-native:dbforpostgresql:Server":
        out.update(fullyQualifiedDomainName=f"{out['name']}.postgres.database.azure.com", state="Ready")
    elif resource_type == "azure-native:storage:StorageAccount":
        services = ("blob", "dfs", "file", "queue", "table", "web")
        out.update(primaryEndpoints={s: f"https://{out['name']}.{s}.core.windows.net/" for s in services})
    elif resource_type == "azure-native:network:PublicIPAddress":
        out.update(ipAddress=public_ip(token, 20), provisioningState="Succeeded")
    elif resource_type == "azure-native:operationalinsights:Workspace":
        out.update(customerId=mock_uuid(resource_id, "customer"))
    return out


def _user_credentials(region: str, args: Mapping[str, Any]) -> dict[str, Any]:
    """What AKS returns for `listClusterUserCredential?format=exec`: one base64 kubeconfig using kubelogin."""
    name = str(args.get("resourceName"))
    server = f"https://{name}-{token_of('credentials', name)[:8]}.hcp.{region}.azmk8s.io:443"
    kubeconfig = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": name, "cluster": {"server": server, "certificate-authority-data": CA_DATA}}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": f"clusterUser_{name}"}}],
        "current-context": name,
        "users": [
            {
                "name": f"clusterUser_{name}",
                "user": {"exec": {"command": "kubelogin", "args": ["get-token", "--login", "devicecode"]}},
            }
        ],
    }
    value = base64.b64encode(yaml.safe_dump(kubeconfig).encode()).decode()
    return {"kubeconfigs": [{"name": "clusterUser", "value": value}]}


INVOKES = {
    "azure-native:authorization:getClientConfig": lambda region, args: {
        "clientId": DEPLOYER_CLIENT_ID,
        "objectId": DEPLOYER_OBJECT_ID,
        "subscriptionId": SUBSCRIPTION_ID,
        "tenantId": TENANT_ID,
    },
    "azure-native:containerservice:listManagedClusterUserCredentials": _user_credentials,
}
