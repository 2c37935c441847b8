"""Logical replication from the primary cloud's database to the other clouds' databases, after `up`.

The seed's SQL, made idempotent: `CREATE PUBLICATION ... FOR ALL TABLES` on the primary, and on every other
database `CREATE SUBSCRIPTION ... CONNECTION '<primary>' PUBLICATION ...` with its own replication slot.
A second run changes nothing; a changed primary connection is altered in place; a disabled subscription is
enabled again. Every database is reached and checked before anything changes (wal_level, the published tables
on each subscriber), so a bad connection string or a missing table changes nothing anywhere.

The schema is not replicated (PostgreSQL's logical replication carries rows, not DDL): the application's
migrations create the tables on every database, and the bootstrap refuses a subscriber that lacks one.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

PUBLICATION = "platform"
"""Publication on the primary (every table)."""
SLOT_PREFIX = "platform_"
"""Prefix of every subscription (and of its slot on the primary)."""
CONNECT_TIMEOUT = 10


class ReplicationError(Exception):
    """What keeps the bootstrap from running: one line per problem; nothing was changed."""

    def __init__(self, problems: Sequence[str]):
        super().__init__("\n".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class Database:
    """One database of the stack, as `<cloud>/<region>` and a libpq connection string (URI or key=value)."""

    key: str
    dsn: str

    @property
    def label(self) -> str:
        """Where the database is, without credentials (for messages)."""
        try:
            info = conninfo_to_dict(self.dsn)
        except psycopg.ProgrammingError:
            return f"{self.key} (unparsable connection string)"
        host, port, name = info.get("host", "localhost"), info.get("port", "5432"), info.get("dbname", "")
        return f"{self.key} ({host}:{port}/{name})"

    @property
    def subscription(self) -> str:
        """Name of this database's subscription and of its slot on the primary (`platform_azure_eastus`)."""
        return SLOT_PREFIX + re.sub(r"[^a-z0-9]+", "_", self.key.lower()).strip("_")


@dataclass(frozen=True)
class Change:
    """What the bootstrap did (or found already done) on one database."""

    key: str
    action: str
    """created, altered, enabled or unchanged."""
    what: str


@dataclass(frozen=True)
class SlotLag:
    """Replication progress of one subscription, read on the primary."""

    slot: str
    active: bool
    lag_bytes: int
    """WAL the subscriber has not confirmed yet."""
    lag_seconds: float | None
    """Replay lag of the walsender (None when the subscriber is idle and caught up, or not connected)."""


Connect = Callable[..., Any]


def bootstrap(
    primary: Database,
    subscribers: Sequence[Database],
    *,
    publisher_dsn: str | None = None,
    connect: Connect = psycopg.connect,
) -> list[Change]:
    """Publish every table on `primary` and subscribe each of `subscribers` to it. `publisher_dsn` is how the
    subscribers reach the primary (over the mesh), when that differs from how this process does."""
    with ExitStack() as stack:
        source = stack.enter_context(_connected(primary, connect))
        targets = [(db, stack.enter_context(_connected(db, connect))) for db in subscribers]
        _check_publisher(primary, source)
        tables = _tables(source)  # what FOR ALL TABLES publishes, read before anything is created
        problems = [line for db, conn in targets for line in _missing_tables(db, conn, tables)]
        if problems:
            raise ReplicationError(problems)
        changes = [_publish(primary, source)]
        conninfo = publisher_dsn or primary.dsn
        changes += [_subscribe(db, conn, conninfo) for db, conn in targets]
        return changes


def lag(primary: Database, *, connect: Connect = psycopg.connect) -> list[SlotLag]:
    """Progress of every platform subscription, from the primary's replication slots."""
    query = """
        SELECT s.slot_name, s.active,
               COALESCE(pg_wal_lsn_diff(pg_current_wal_lsn(), s.confirmed_flush_lsn), 0)::bigint,
               EXTRACT(EPOCH FROM r.replay_lag)::float8
        FROM pg_replication_slots s
        LEFT JOIN pg_stat_replication r ON r.pid = s.active_pid
        WHERE s.slot_type = 'logical' AND s.slot_name LIKE %s
        ORDER BY s.slot_name
    """
    with _connected(primary, connect) as conn:
        rows = conn.execute(query, (SLOT_PREFIX.replace("_", r"\_") + "%",)).fetchall()
    return [SlotLag(slot, bool(active), int(size), seconds) for slot, active, size, seconds in rows]


def prometheus_lines(lags: Sequence[SlotLag], subscribers: Sequence[Database]) -> list[str]:
    """The slots in the text exposition format (for the node exporter's textfile collector), labelled like the
    replication alerts expect: lag seconds (an idle, caught-up slot has none and counts as 0), lag bytes, and
    whether the subscriber is connected (a broken subscription shows as inactive, not as zero lag)."""
    by_slot = {db.subscription: db.key for db in subscribers}
    series: dict[str, list[str]] = {
        "platform_postgres_replication_lag_seconds": [],
        "platform_postgres_replication_lag_bytes": [],
        "platform_postgres_replication_slot_active": [],
    }
    for slot in lags:
        cloud, _, region = by_slot.get(slot.slot, "unknown/unknown").partition("/")
        labels = f'{{cloud="{cloud}",region="{region}",subscription="{slot.slot}"}}'
        seconds = slot.lag_seconds if slot.lag_seconds is not None else 0.0
        series["platform_postgres_replication_lag_seconds"].append(f"{labels} {seconds:g}")
        series["platform_postgres_replication_lag_bytes"].append(f"{labels} {slot.lag_bytes}")
        series["platform_postgres_replication_slot_active"].append(f"{labels} {int(slot.active)}")
    lines = []
    for metric, samples in series.items():
        lines.append(f"# TYPE {metric} gauge")
        lines += [f"{metric}{sample}" for sample in samples]
    return lines


# --- steps ------------------------------------------------------------------------------------------------


@contextmanager
def _connected(db: Database, connect: Connect) -> Iterator[Any]:
    """An autocommit connection (CREATE SUBSCRIPTION refuses to run in a transaction), or a one-line error."""
    try:
        conn = connect(db.dsn, autocommit=True, connect_timeout=CONNECT_TIMEOUT)
    except psycopg.ProgrammingError:  # the string does not parse; libpq's message may quote it (and its password)
        raise ReplicationError([f"{db.key}: invalid connection string (not a libpq URI or key=value list)"]) from None
    except psycopg.OperationalError as err:
        raise ReplicationError([f"{db.label}: cannot connect: {_first_line(err)}"]) from None
    try:
        yield conn
    finally:
        conn.close()


AZURE_WAL_LEVEL_REMEDY = (
    "Flexible Server applies wal_level=logical (set by the stack) only at a restart: `python -m scripts.deploy up "
    "--stack <stack>` restarts a server where it is pending (prod: add --yes-restart-prod; a short outage), or "
    "`az postgres flexible-server restart --ids <its id in the stack output azure_postgres_servers>`"
)
"""What to do when an Azure publisher still runs with the default wal_level (azure R3, scripts/postgres_restart.py)."""


def _check_publisher(db: Database, conn: Any) -> None:
    """The publisher runs with wal_level=logical (what it runs with, not what is configured: a static parameter)."""
    (level,) = conn.execute("SHOW wal_level").fetchone()
    if level != "logical":
        remedy = (
            AZURE_WAL_LEVEL_REMEDY
            if db.key.startswith("azure/")
            else "RDS rds.logical_replication=1, Flexible Server wal_level=logical, Cloud SQL "
            "cloudsql.logical_decoding=on"
        )
        raise ReplicationError([f"{db.label}: wal_level is {level}; logical replication needs logical ({remedy})"])


def _publish(db: Database, conn: Any) -> Change:
    found = conn.execute("SELECT puballtables FROM pg_publication WHERE pubname = %s", (PUBLICATION,)).fetchone()
    if found is None:
        conn.execute(sql.SQL("CREATE PUBLICATION {} FOR ALL TABLES").format(sql.Identifier(PUBLICATION)))
        return Change(db.key, "created", f"publication {PUBLICATION} for all tables")
    if not found[0]:
        raise ReplicationError([f"{db.label}: publication {PUBLICATION} exists but does not publish all tables"])
    return Change(db.key, "unchanged", f"publication {PUBLICATION} for all tables")


def _tables(conn: Any) -> list[tuple[str, str]]:
    """The primary's ordinary tables outside the system schemas: what `FOR ALL TABLES` publishes."""
    rows = conn.execute(
        """
        SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND c.relpersistence = 'p' AND NOT c.relispartition
          AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%%'
        ORDER BY 1, 2
        """
    ).fetchall()
    return [(schema, table) for schema, table in rows]


def _missing_tables(db: Database, conn: Any, tables: Sequence[tuple[str, str]]) -> Iterator[str]:
    present = {
        (schema, table)
        for schema, table in conn.execute(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'"
        ).fetchall()
    }
    missing = [f"{schema}.{table}" for schema, table in tables if (schema, table) not in present]
    if missing:
        yield f"{db.label}: missing published table(s) {', '.join(missing)}; run the migrations there first"


def _subscribe(db: Database, conn: Any, conninfo: str) -> Change:
    """Create the subscription, or bring an existing one back to the publication, connection and enabled state.
    `subconninfo` is readable by superusers only (not the clouds' admin users): the connection in use is known by
    its fingerprint in the subscription's comment."""
    name, fingerprint = db.subscription, conninfo_fingerprint(conninfo)
    found = conn.execute(
        """
        SELECT s.subenabled, s.subpublications, obj_description(s.oid, 'pg_subscription')
        FROM pg_subscription s JOIN pg_database d ON d.oid = s.subdbid
        WHERE s.subname = %s AND d.datname = current_database()
        """,
        (name,),
    ).fetchone()
    subscription = sql.Identifier(name)
    if found is None:
        create = "CREATE SUBSCRIPTION {} CONNECTION {} PUBLICATION {} WITH (slot_name = {}, copy_data = true)"
        conn.execute(
            sql.SQL(create).format(subscription, sql.Literal(conninfo), sql.Identifier(PUBLICATION), sql.Literal(name))
        )
        conn.execute(sql.SQL("COMMENT ON SUBSCRIPTION {} IS {}").format(subscription, sql.Literal(fingerprint)))
        return Change(db.key, "created", f"subscription {name}")
    enabled, publications, comment = found
    actions = []
    if comment != fingerprint:
        conn.execute(sql.SQL("ALTER SUBSCRIPTION {} CONNECTION {}").format(subscription, sql.Literal(conninfo)))
        conn.execute(sql.SQL("COMMENT ON SUBSCRIPTION {} IS {}").format(subscription, sql.Literal(fingerprint)))
        actions.append("altered")
    if list(publications) != [PUBLICATION]:
        publication = sql.Identifier(PUBLICATION)
        conn.execute(sql.SQL("ALTER SUBSCRIPTION {} SET PUBLICATION {}").format(subscription, publication))
        actions.append("altered")
    if not enabled:
        conn.execute(sql.SQL("ALTER SUBSCRIPTION {} ENABLE").format(subscription))
        actions.append("enabled")
    return Change(db.key, "+".join(dict.fromkeys(actions)) or "unchanged", f"subscription {name}")


def conninfo_fingerprint(conninfo: str) -> str:
    """What the subscription's comment records of its connection: a hash, never the string (it holds a password)."""
    return "platform:conninfo:sha256:" + hashlib.sha256(conninfo.encode()).hexdigest()


def _first_line(err: Exception) -> str:
    return (str(err).strip().splitlines() or [type(err).__name__])[0]


def databases(keys: Sequence[str], dsns: Mapping[str, str]) -> list[Database]:
    """The stack's databases in `keys` order, from a `<cloud>/<region>` -> connection string mapping; every key
    must be there."""
    missing = [k for k in keys if k not in dsns]
    if missing:
        raise ReplicationError([f"no connection string for {k}" for k in missing])
    return [Database(k, dsns[k]) for k in keys]
