"""What a plain `pulumi destroy` (not only the driver's guarded one) does to each stack."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from scripts.offline import Recording, Registration

DATA_TYPES = {
    "aws:rds/instance:Instance", "aws:s3/bucket:Bucket", "aws:kms/key:Key", "aws:secretsmanager/secret:Secret",
    "azure-native:dbforpostgresql:Server", "azure-native:storage:StorageAccount", "azure-native:keyvault:Vault",
    "gcp:sql/databaseInstance:DatabaseInstance", "gcp:storage/bucket:Bucket", "gcp:kms/keyRing:KeyRing",
    "gcp:kms/cryptoKey:CryptoKey",
}
"""The stateful resource types whose loss is data loss."""

RETAINED_UNPROTECTED = {"azure-native:keyvault:Key"}
"""Retained on delete in every stack without `protect`: a Key Vault key changes only by replacement (ARM never
updates a key, azure R7), which `protect` would refuse; the old key stays in the vault for what it wrapped, and a dev
destroy takes it with the vault."""

RETAINED_PROJECT_GRANTS = {"multicloud:gcp:GkeServiceAgent$gcp:projects/iAMMember:IAMMember"}
"""Retained on delete in every stack without `protect` (by component and type, from the URN): the GKE service agent's
project role belongs to the project, not the stack; GKE grants it itself when the API is enabled and other clusters
of the project run on it, so a destroy must not take it (components/gcp/gke_agent.py)."""

CLUSTER_TYPES = {
    "aws:eks/cluster:Cluster", "azure-native:containerservice:ManagedCluster", "gcp:container/cluster:Cluster",
}


def _retained_on_purpose(resource: Registration) -> bool:
    return resource.type in RETAINED_UNPROTECTED or resource.urn.split("::")[2] in RETAINED_PROJECT_GRANTS


def test_prod_data_is_protected_and_retained_on_delete(recorded: Callable[[str], Recording]) -> None:
    prod = recorded("prod")
    data = [r for r in prod.resources if r.type in DATA_TYPES]
    assert {r.type for r in data} == DATA_TYPES  # every stateful type is in the prod plan
    assert [r.urn for r in data if not (r.protect and r.retain_on_delete)] == []
    # retained means protected: nothing unprotected is silently left behind
    unprotected = [r for r in prod.resources if r.retain_on_delete and not r.protect]
    assert [r.urn for r in unprotected if not _retained_on_purpose(r)] == []


def test_dev_retains_nothing_but_its_keys(recorded: Callable[[str], Recording]) -> None:
    retained = [r for r in recorded("dev").resources if r.retain_on_delete]
    assert retained and [r.urn for r in retained if not _retained_on_purpose(r)] == []
    # the project's GKE agent role is kept in dev too: the project's other clusters run on it
    assert any(r.urn.split("::")[2] in RETAINED_PROJECT_GRANTS for r in retained)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_in_cluster_object_is_deleted_with_its_own_cluster(
    recorded: Callable[[str], Recording], stack: str
) -> None:
    recording = recorded(stack)
    by_urn = {r.urn: r for r in recording.resources}
    in_cluster = [r for r in recording.resources if r.custom and r.type.startswith("kubernetes:")]
    assert len(in_cluster) > 10
    cluster_of_provider: dict[str, set[str]] = {}
    for resource in in_cluster:
        cluster = by_urn.get(resource.deleted_with)
        assert cluster is not None and cluster.type in CLUSTER_TYPES, resource.urn
        cluster_of_provider.setdefault(resource.provider.rsplit("::", 1)[0], set()).add(cluster.urn)
    # one cluster per Kubernetes provider, and a different one for each: each object goes with its own cluster
    assert all(len(clusters) == 1 for clusters in cluster_of_provider.values())
    clusters = [next(iter(c)) for c in cluster_of_provider.values()]
    assert len(set(clusters)) == len(clusters) == sum(r.type in CLUSTER_TYPES for r in recording.resources)
