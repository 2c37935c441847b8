"""After `up`: restart each Azure Flexible Server whose `wal_level` waits for a restart (azure R3).

The stack sets `wal_level=logical` on every Flexible Server (components/azure/postgres.py, SERVER_PARAMETERS) right
after the server is created. `wal_level` is a static parameter: "Static server parameters require a server restart
after changing the value assigned to them, for the change to take effect"
(https://learn.microsoft.com/dotnet/api/azure.resourcemanager.postgresql.flexibleservers.postgresqlflexibleserverconfigurationdata.isdynamicconfig),
and Microsoft's logical-replication prerequisites set `wal_level` to `logical`, then save and restart the server
for the change to apply (https://learn.microsoft.com/azure/postgresql/flexible-server/concepts-logical). Until
then `SHOW wal_level` says `replica` and the server cannot publish (a PostgreSQL publisher needs
`wal_level=logical`; a subscriber does not: https://www.postgresql.org/docs/16/logical-replication-config.html).

How a pending restart is known: the Configurations API (`GET .../flexibleServers/{server}/configurations/wal_level`,
https://learn.microsoft.com/rest/api/postgresql/configurations/get) returns `isConfigPendingRestart`, "Indicates if
the value assigned to the configuration (also known as server parameter) is pending a server restart for it to take
effect". The restart is `POST .../flexibleServers/{server}/restart`
(https://learn.microsoft.com/rest/api/postgresql/servers/restart), a long-running operation (202 Accepted) that the
SDK's poller waits out; `az postgres flexible-server restart --ids <id>` is the same call from the CLI.

Only a pending server is restarted, so a second `up` restarts nothing. The Azure SDK for Python
(azure-mgmt-postgresqlflexibleservers, azure-identity; requirements.txt) is imported on first use, behind the
`FlexibleServerApi` protocol so that tests inject a fake. Importing this module has no side effects.
"""

from __future__ import annotations

import importlib.util
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol

OUTPUT = "azure_postgres_servers"
"""Stack output (components/program.py): Azure region -> ARM id of its Flexible Server."""
PARAMETER = "wal_level"
"""The static server parameter whose pending value needs the restart."""
RESTART_TIMEOUT = 1800.0
"""Seconds the driver waits for one restart before calling it failed. UNVERIFIED: Microsoft documents no duration;
"The time required to complete a restart depends on the PostgreSQL recovery process"
(https://learn.microsoft.com/azure/postgresql/single-server/how-to-restart-server-portal)."""
SDK_MODULES = ("azure.identity", "azure.mgmt.postgresqlflexibleservers")
_ARM_ID = re.compile(
    r"/subscriptions/(?P<subscription>[^/]+)/resourceGroups/(?P<group>[^/]+)"
    r"/providers/Microsoft\.DBforPostgreSQL/flexibleServers/(?P<name>[^/]+)",
    re.IGNORECASE,  # ARM ids are case-insensitive
)


class RestartError(Exception):
    """A check or a restart that failed: one line naming the server."""


@dataclass(frozen=True)
class FlexibleServer:
    """One Flexible Server of the stack, from its ARM id."""

    region: str
    id: str
    subscription_id: str
    resource_group: str
    name: str

    @classmethod
    def from_id(cls, region: str, arm_id: Any) -> FlexibleServer:
        match = _ARM_ID.fullmatch(arm_id) if isinstance(arm_id, str) else None
        if match is None:
            raise RestartError(f"stack output {OUTPUT}[{region!r}] is not a Flexible Server id: {arm_id!r}")
        return cls(region, arm_id, match["subscription"], match["group"], match["name"])

    @property
    def label(self) -> str:
        return f"azure/{self.region} {self.name}"

    @property
    def az_restart(self) -> str:
        """The same restart from the Azure CLI."""
        return f"az postgres flexible-server restart --ids {self.id}"


def servers(outputs: Mapping[str, Any]) -> list[FlexibleServer]:
    """The stack's Flexible Servers from its outputs (plain values), in region order; none without Azure."""
    by_region = outputs.get(OUTPUT) or {}
    if not isinstance(by_region, Mapping):
        raise RestartError(f"stack output {OUTPUT} is not a region -> server id map: {by_region!r}")
    return [FlexibleServer.from_id(region, arm_id) for region, arm_id in sorted(by_region.items())]


class FlexibleServerApi(Protocol):
    """What the restart step asks of Azure (the real one: AzureFlexibleServers)."""

    def pending_restart(self, server: FlexibleServer, parameter: str) -> bool:
        """Whether `parameter`'s value waits for a restart (`isConfigPendingRestart`)."""
        ...

    def restart(self, server: FlexibleServer) -> None:
        """Restart the server; return once the restart has completed."""
        ...


def sdk_problem() -> str | None:
    """Why the real API cannot run here (the SDK is missing), or None; checked before `up` starts."""
    missing = [m for m in SDK_MODULES if _find_spec(m) is None]
    if not missing:
        return None
    return (
        f"the Azure SDK for the Flexible Server restart after up is not installed ({', '.join(missing)}): "
        "venv/bin/pip install -r requirements.txt, or pass --no-restart"
    )


def _find_spec(module: str) -> Any:
    try:
        return importlib.util.find_spec(module)
    except ModuleNotFoundError:  # a missing parent package
        return None


@dataclass
class AzureFlexibleServers:
    """FlexibleServerApi through the Azure SDK for Python, imported on first use; one client per subscription.
    Credentials: DefaultAzureCredential (a service principal's or workload identity's environment, else the
    `az login` of this machine: https://learn.microsoft.com/python/api/azure-identity/azure.identity.defaultazurecredential)
    without its managed-identity step: prod deploys from an AWS CodeBuild runner, where an answer at the instance
    metadata address would end the chain before the CLI login (Azure/azure-sdk-for-python#20554); the restart is an
    action on the server, within the deployer's Contributor (or Owner) role."""

    timeout: float = RESTART_TIMEOUT
    _clients: dict[str, Any] = field(default_factory=dict)
    _credential: Any = None

    def _client(self, subscription_id: str) -> Any:
        if subscription_id not in self._clients:
            from azure.identity import DefaultAzureCredential
            from azure.mgmt.postgresqlflexibleservers import PostgreSQLManagementClient

            if self._credential is None:
                self._credential = DefaultAzureCredential(exclude_managed_identity_credential=True)
            self._clients[subscription_id] = PostgreSQLManagementClient(self._credential, subscription_id)
        return self._clients[subscription_id]

    def pending_restart(self, server: FlexibleServer, parameter: str) -> bool:
        client = self._client(server.subscription_id)
        configuration = client.configurations.get(server.resource_group, server.name, parameter)
        return bool(configuration.is_config_pending_restart)

    def restart(self, server: FlexibleServer) -> None:
        poller = self._client(server.subscription_id).servers.begin_restart(server.resource_group, server.name)
        poller.result(timeout=self.timeout)
        if not poller.done():
            raise RestartError(f"still restarting after {self.timeout:.0f} s (status {poller.status()})")


@dataclass(frozen=True)
class Outcome:
    """What the step did: the servers it restarted, and those it left pending (prod without consent)."""

    restarted: list[FlexibleServer]
    held: list[FlexibleServer]


def restart_pending(
    found: Sequence[FlexibleServer],
    api: FlexibleServerApi,
    *,
    allowed: bool,
    line: Callable[[str], None],
    clock: Callable[[], float] = time.monotonic,
) -> Outcome:
    """Ask every server whether `wal_level` waits for a restart, then restart those that do, one at a time, each
    waited for, when `allowed` (else they are held). One line per server; the first failure raises RestartError
    (one line) and restarts nothing after it."""
    pending = [s for s in found if _call(s, f"reading {PARAMETER}", partial(api.pending_restart, s, PARAMETER))]
    for server in found:
        if server not in pending:
            line(f"  {server.label}: unchanged ({PARAMETER} is not pending a restart)")
    if not allowed:
        for server in pending:
            line(f"  {server.label}: {PARAMETER} pending a restart; not restarted (prod: pass --yes-restart-prod)")
        return Outcome([], list(pending))
    if pending:
        line(f"  restarting {len(pending)} server(s) one at a time: a short outage each (connections drop)")
    for server in pending:
        started = clock()
        _call(server, "restart", partial(api.restart, server))
        line(f"  {server.label}: restarted in {clock() - started:.0f} s ({PARAMETER} was pending a restart)")
    return Outcome(list(pending), [])


def _call(server: FlexibleServer, what: str, call: Callable[[], Any]) -> Any:
    try:
        return call()
    except RestartError as failed:
        raise RestartError(f"{server.label}: {what} failed: {failed}") from None
    except Exception as failed:  # the SDK's errors (HttpResponseError, ClientAuthenticationError, ...), one line
        text = (str(failed).strip().splitlines() or [type(failed).__name__])[0]
        raise RestartError(f"{server.label}: {what} failed: {text}") from None
