"""Physical names that respect each cloud's length and charset rules.

Every physical name the platform creates is built here, so config validation and the components
agree: a name that would be rejected by a cloud is rejected by `pulumi up` before any cloud call.

Names in a global namespace (S3 and GCS buckets, storage accounts, Key Vaults, Flexible Servers, Cognito domain
prefixes) and names a cloud keeps reserved after deletion (KMS key rings, workload identity pools, purge-protected
vaults, Cloud SQL instances, Secrets Manager secrets) end with the stack's unique part: a random suffix created once
per stack (`Platform.unique`), so nobody can pre-create them and a destroyed stack's successor never meets its old
names. The pure plans (settings, DNS, reachability) work on *templates* holding `SUFFIX` in its place; `unique` fills a
template with the suffix (an Output) for the resources.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pulumi

SUFFIX_LENGTH = 5
"""Characters of the stack-unique part, lowercase letters and digits (`SUFFIX_LETTERS`). The tightest name
holding it sets the length: the geo Key Vault `flow-prod-wus2-geo-?????` is 24 characters, the Key Vault maximum
(https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules#microsoftkeyvault); storage
accounts take 3-24 (same page, Microsoft.Storage), workload identity pool ids 4-32
(https://cloud.google.com/iam/docs/reference/rest/v1/projects.locations.workloadIdentityPools/create), Cognito
domain prefixes 1-63 (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-cognito-userpooldomain.html)."""
SUFFIX_LETTERS = "abcdefghijklmnopqrstuvxyz"
"""The suffix's letters (beside the digits): no `w`, so it can never spell `aws`, the one word Cognito refuses in a
domain prefix that fits in it (`amazon` and `cognito` are longer; lib/cognito_rules.py). 35^5, about 5e7 values."""
SUFFIX = "?" * SUFFIX_LENGTH
"""The stack-unique part in a name template: as long as the real part, so a template's length is the name's."""
_STAND_IN = "a" * SUFFIX_LENGTH
"""What the charset checks see in its place: a run of the suffix's own characters."""


@dataclass(frozen=True)
class NameRule:
    """What one kind of cloud resource accepts as a name."""

    min_len: int
    max_len: int
    pattern: str
    separator: str
    allowed: str

    def check(self, name: str) -> str | None:
        """Return why `name` (or a template: `SUFFIX` stands for the stack-unique part) breaks this rule, or None
        when it is valid."""
        if not self.min_len <= len(name) <= self.max_len:
            return f"is {len(name)} characters; allowed: {self.allowed}"
        name = name.replace(SUFFIX, _STAND_IN)
        if not re.fullmatch(self.pattern, name) or "--" in name:
            return f"has invalid characters; allowed: {self.allowed}"
        return None


_DNS = r"[a-z0-9]([a-z0-9-]*[a-z0-9])?"
_LETTER_DNS = r"[a-z]([a-z0-9-]*[a-z0-9])?"

RULES: dict[str, NameRule] = {
    "aws_s3_bucket": NameRule(3, 63, _DNS, "-", "3-63 lowercase letters, digits and hyphens"),
    "aws_rds_instance": NameRule(1, 63, _LETTER_DNS, "-", "1-63 letters, digits, hyphens; starts with a letter"),
    "aws_eks_cluster": NameRule(1, 100, r"[a-z0-9][a-z0-9_-]*", "-", "1-100 letters, digits, hyphens, underscores"),
    "aws_iam_role": NameRule(1, 64, r"[a-z0-9+=,.@_-]+", "-", "1-64 characters"),
    "aws_kms_alias": NameRule(1, 250, r"alias/[a-z0-9/_-]+", "-", "alias/ then letters, digits, / _ -"),
    # https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html (Name)
    "aws_sns_topic": NameRule(1, 256, r"[a-z0-9_-]+", "-", "1-256 letters, digits, hyphens, underscores"),
    "aws_cognito_domain": NameRule(1, 63, _DNS, "-", "1-63 lowercase letters, digits, hyphens"),
    "azure_resource_group": NameRule(1, 90, r"[a-z0-9._()-]*[a-z0-9_()-]", "-", "1-90 characters, not ending in a dot"),
    "azure_storage_account": NameRule(3, 24, r"[a-z0-9]+", "", "3-24 lowercase letters and digits"),
    "azure_key_vault": NameRule(3, 24, r"[a-z]([a-z0-9-]*[a-z0-9])?", "-", "3-24 letters, digits, hyphens"),
    "azure_aks_cluster": NameRule(1, 63, r"[a-z0-9]([a-z0-9_-]*[a-z0-9])?", "-", "1-63 letters, digits, - _"),
    "azure_postgres_server": NameRule(3, 63, _DNS, "-", "3-63 lowercase letters, digits, hyphens"),
    "gcp_gke_cluster": NameRule(1, 40, _LETTER_DNS, "-", "1-40 lowercase letters, digits, hyphens"),
    "gcp_cloudsql_instance": NameRule(1, 84, _LETTER_DNS, "-", "1-84 lowercase letters, digits, hyphens"),
    "gcp_gcs_bucket": NameRule(3, 63, _DNS, "-", "3-63 lowercase letters, digits, hyphens"),
    "gcp_service_account": NameRule(6, 30, _LETTER_DNS, "-", "6-30 lowercase letters, digits, hyphens"),
    "gcp_key_ring": NameRule(1, 63, r"[a-z0-9_-]+", "-", "1-63 letters, digits, - _"),
    "gcp_label": NameRule(0, 63, r"[a-z0-9_-]*", "-", "0-63 lowercase letters, digits, - _"),
}

# Short codes keep names inside the tightest limits (Azure storage accounts: 24 characters).
REGION_CODES: dict[str, str] = {
    "us-east-1": "use1",
    "us-east-2": "use2",
    "us-west-1": "usw1",
    "us-west-2": "usw2",
    "eu-west-1": "euw1",
    "eu-west-2": "euw2",
    "eu-central-1": "euc1",
    "ap-southeast-1": "apse1",
    "ap-southeast-2": "apse2",
    "ap-northeast-1": "apne1",
    "eastus": "eus",
    "eastus2": "eus2",
    "westus": "wus",
    "westus2": "wus2",
    "westus3": "wus3",
    "centralus": "cus",
    "westeurope": "weu",
    "northeurope": "neu",
    "uksouth": "uks",
    "southeastasia": "sea",
    "japaneast": "jpe",
    "westcentralus": "wcus",
    "southcentralus": "scus",
    "northcentralus": "ncus",
    "ukwest": "ukw",
    "southafricanorth": "san",
    "qatarcentral": "qac",
    "australiaeast": "aue",
    "australiasoutheast": "ause",
    "canadacentral": "cac",
    "canadaeast": "cae",
    "us-central1": "usc1",
    "us-east1": "use1",
    "us-east4": "use4",
    "us-west1": "usw1",
    "europe-west1": "euw1",
    "europe-west4": "euw4",
    "asia-southeast1": "asse1",
    "asia-northeast1": "asne1",
}


class InvalidNameError(ValueError):
    """A physical name a cloud would reject."""


def region_code(region: str) -> str:
    """Short, stable code of a cloud region (`us-east-1` -> `use1`); unknown regions lose their hyphens."""
    return REGION_CODES.get(region, re.sub(r"[^a-z0-9]", "", region.lower()))


def physical_name(kind: str, *parts: str) -> str:
    """Join `parts` into a valid physical name of `kind`, or raise InvalidNameError saying why not (a part may be
    `SUFFIX`: the result is then a template, checked at the length the name will have)."""
    rule = RULES[kind]
    name = rule.separator.join(p.lower() for p in parts if p)
    problem = rule.check(name)
    if problem:
        raise InvalidNameError(f"{kind.replace('_', ' ')} name '{name}' {problem}")
    return name


def is_template(name: str) -> bool:
    """`name` holds the stack-unique part (`SUFFIX`)."""
    return SUFFIX in name


def unique(template: str, suffix: pulumi.Input[str]) -> pulumi.Output[str]:
    """The physical name of a template: `SUFFIX` replaced by the stack's unique part (so the resource named by it
    depends on the stack-unique resource)."""
    head, mark, tail = template.partition(SUFFIX)
    if not mark:
        raise ValueError(f"'{template}' has no stack-unique part")
    return pulumi.Output.concat(head, suffix, tail)


def filled(name: str, suffix: pulumi.Input[str]) -> pulumi.Input[str]:
    """`name` with its stack-unique part filled in when it is a template (a domain of the DNS plan that names a
    storage account or server), else `name` itself."""
    return unique(name, suffix) if is_template(name) else name


def stem(template: str) -> str:
    """A template without its stack-unique part and the separator before it (`flow-prod-pg-eus-?????` ->
    `flow-prod-pg-eus`): a stable key for logical names, which never depend on an Output."""
    return re.sub(rf"-?{re.escape(SUFFIX)}", "", template)


@dataclass(frozen=True)
class StackNames:
    """The physical names of one stack (`<platform>-<environment>-...`), one method per resource kind."""

    platform: str
    environment: str

    def _name(self, kind: str, *parts: str) -> str:
        return physical_name(kind, self.platform, self.environment, *parts)

    def prefix(self, region: str) -> str:
        """`<platform>-<environment>-<region code>`: prefix of account-global names (IAM roles)."""
        return f"{self.platform}-{self.environment}-{region_code(region)}"

    def eks_cluster(self, region: str) -> str:
        """EKS cluster name."""
        return self._name("aws_eks_cluster", region_code(region))

    def rds_instance(self, region: str) -> str:
        """RDS instance identifier."""
        return self._name("aws_rds_instance", "pg", region_code(region))

    def s3_bucket(self, bucket: str, region: str) -> str:
        """S3 bucket name template (global namespace)."""
        return self._name("aws_s3_bucket", bucket, region_code(region), SUFFIX)

    def iam_role(self, region: str, purpose: str) -> str:
        """IAM role name (account-global, so region-qualified)."""
        return self._name("aws_iam_role", region_code(region), purpose)

    def sns_topic(self, purpose: str) -> str:
        """SNS topic name (unique per account and region)."""
        return self._name("aws_sns_topic", purpose)

    def kms_alias(self, region: str, purpose: str) -> str:
        """KMS alias name."""
        return physical_name("aws_kms_alias", f"alias/{self.platform}-{self.environment}", region_code(region), purpose)

    def cognito_domain(self, prefix: str | None = None) -> str:
        """Cognito hosted-UI domain prefix template (global per region): `prefix`, by default
        `<platform>-<environment>-auth`, then the stack-unique part."""
        return physical_name("aws_cognito_domain", prefix or f"{self.platform}-{self.environment}-auth", SUFFIX)

    def resource_group(self, region: str) -> str:
        """Azure resource group name."""
        return self._name("azure_resource_group", region_code(region))

    def ingress_resource_group(self, region: str) -> str:
        """Azure resource group holding only the region's ingress public IP (the AKS identity manages it)."""
        return self._name("azure_resource_group", region_code(region), "ingress")

    def aks_node_resource_group(self, region: str) -> str:
        """The resource group AKS creates for a cluster's nodes: `MC_<group>_<cluster>_<location>` unless set
        (https://learn.microsoft.com/azure/aks/faq#why-are-two-resource-groups-created-with-aks)."""
        return f"MC_{self.resource_group(region)}_{self.aks_cluster(region)}_{region}"

    def storage_account(self, region: str) -> str:
        """Azure storage account name template (global namespace, no separators)."""
        return physical_name("azure_storage_account", self.platform, self.environment, region_code(region), SUFFIX)

    def key_vault(self, region: str) -> str:
        """Azure Key Vault name template (global namespace; purge protection reserves it after deletion)."""
        return self._name("azure_key_vault", region_code(region), SUFFIX)

    def geo_key_vault(self, region: str) -> str:
        """Azure Key Vault name template in the paired region, holding the geo-backup key of `region`'s database."""
        return self._name("azure_key_vault", region_code(region), "geo", SUFFIX)

    def kms_key_vault(self, region: str) -> str:
        """Azure Key Vault name template holding only `region`'s AKS KMS key (public: KMS `Public` mode needs it)."""
        return self._name("azure_key_vault", region_code(region), "kms", SUFFIX)

    def aks_cluster(self, region: str) -> str:
        """AKS cluster name."""
        return self._name("azure_aks_cluster", region_code(region))

    def postgres_server(self, region: str) -> str:
        """Azure Flexible Server name template (global DNS namespace)."""
        return self._name("azure_postgres_server", "pg", region_code(region), SUFFIX)

    def gke_cluster(self, region: str) -> str:
        """GKE cluster name."""
        return self._name("gcp_gke_cluster", region_code(region))

    def cloudsql_instance(self, region: str) -> str:
        """Cloud SQL instance name template (a deleted instance's name stays taken for up to a week)."""
        return self._name("gcp_cloudsql_instance", "pg", region_code(region), SUFFIX)

    def gcp_service_account(self, region: str, purpose: str) -> str:
        """GCP service account id (project-global, so region-qualified)."""
        return physical_name("gcp_service_account", self.prefix(region), purpose)

    def key_ring(self, region: str) -> str:
        """Cloud KMS key ring name template (key rings are never deleted: a successor stack takes a new one; the
        keys live inside it)."""
        return physical_name("gcp_key_ring", self.prefix(region), SUFFIX)

    def gcs_bucket(self, bucket: str, region: str) -> str:
        """GCS bucket name template (global namespace)."""
        return self._name("gcp_gcs_bucket", bucket, region_code(region), SUFFIX)

    def for_region(self, cloud: str, region: str, buckets: list[str]) -> list[str]:
        """Every physical name (or template) one cloud region creates (raises InvalidNameError on the first bad
        one)."""
        if cloud == "aws":
            return [
                self.eks_cluster(region),
                self.rds_instance(region),
                self.iam_role(region, "rds-monitoring"),
                self.kms_alias(region, "eks"),
                *(self.s3_bucket(b, region) for b in buckets),
            ]
        if cloud == "azure":
            return [
                self.resource_group(region),
                self.ingress_resource_group(region),
                self.storage_account(region),
                self.key_vault(region),
                self.geo_key_vault(region),
                self.kms_key_vault(region),
                self.aks_cluster(region),
                self.postgres_server(region),
            ]
        return [
            self.gke_cluster(region),
            self.cloudsql_instance(region),
            self.gcp_service_account(region, "nodes"),
            self.key_ring(region),
            *(self.gcs_bucket(b, region) for b in buckets),
        ]
