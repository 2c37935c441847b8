"""The replication bootstrap against three real PostgreSQL servers on loopback (the dev stack's databases:
aws/us-east-1 the primary, azure/eastus and gcp/us-central1 subscribing): rows written on the primary appear on
both subscribers, a second run changes nothing, the lag of each slot is reported, and a database that cannot be
used stops everything before any change."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from scripts import deploy
from scripts.replication import Database, ReplicationError, bootstrap, lag, prometheus_lines
from tests.replication.servers import PASSWORD, Server, start

GCP_LABELS = '{cloud="gcp",region="us-central1",subscription="platform_gcp_us_central1"}'
SCHEMA = "CREATE TABLE orders (id bigint PRIMARY KEY, item text NOT NULL, cloud text NOT NULL)"


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, Server]]:
    root = Path(tempfile.mkdtemp(prefix="pg-replication-"))
    root.chmod(0o755)  # the servers run as `postgres` when the tests run as root
    started: dict[str, Server] = {}
    try:
        started["aws/us-east-1"] = start(root, "primary", wal_level="logical")
        started["azure/eastus"] = start(root, "azure")
        started["gcp/us-central1"] = start(root, "gcp")
        for server in started.values():
            with psycopg.connect(server.dsn(), autocommit=True) as conn:
                conn.execute(SCHEMA)
        yield started
    finally:
        for server in started.values():
            server.stop()
        shutil.rmtree(root, ignore_errors=True)


def dbs(servers: dict[str, Server], **overrides: str) -> tuple[Database, list[Database]]:
    primary, *subscribers = (Database(key, overrides.get(key, s.dsn())) for key, s in servers.items())
    return primary, subscribers


def rows(dsn: str) -> list[tuple]:
    with psycopg.connect(dsn) as conn:
        return conn.execute("SELECT id, item, cloud FROM orders ORDER BY id").fetchall()


def wait_for(check, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "replication did not catch up in time"
        time.sleep(0.2)


def publications(dsn: str) -> list[str]:
    with psycopg.connect(dsn) as conn:
        return [name for (name,) in conn.execute("SELECT pubname FROM pg_publication").fetchall()]


def subscriptions(dsn: str) -> list[str]:
    with psycopg.connect(dsn) as conn:
        return [name for (name,) in conn.execute("SELECT subname FROM pg_subscription").fetchall()]


# The failure cases run first: each must leave every server untouched.


def test_an_unreachable_subscriber_stops_the_run_before_any_change(servers):
    dead = servers["azure/eastus"].dsn().replace(f":{servers['azure/eastus'].port}/", ":1/")
    primary, subscribers = dbs(servers, **{"azure/eastus": dead})
    with pytest.raises(ReplicationError) as err:
        bootstrap(primary, subscribers)
    (line,) = err.value.problems
    assert line.startswith("azure/eastus (127.0.0.1:1/platform): cannot connect:")
    assert PASSWORD not in line  # never a credential in a message
    assert publications(servers["aws/us-east-1"].dsn()) == []


def test_a_wrong_password_and_an_unparsable_string_are_named(servers):
    primary, subscribers = dbs(servers, **{"gcp/us-central1": servers["gcp/us-central1"].dsn(password="wrong")})
    with pytest.raises(ReplicationError) as err:
        bootstrap(primary, subscribers)
    assert "gcp/us-central1" in err.value.problems[0] and "password authentication failed" in err.value.problems[0]
    primary, subscribers = dbs(servers, **{"azure/eastus": "host=127.0.0.1 port"})
    with pytest.raises(ReplicationError) as err:
        bootstrap(primary, subscribers)
    assert err.value.problems[0].startswith("azure/eastus: invalid connection string")
    # libpq's own message would quote the bad part, here the password: it is never shown
    leaky = "postgresql://postgres:p%zzsecret@127.0.0.1:5432/platform"
    primary, subscribers = dbs(servers, **{"azure/eastus": leaky})
    with pytest.raises(ReplicationError) as err:
        bootstrap(primary, subscribers)
    assert "zzsecret" not in str(err.value) and "invalid connection string" in str(err.value)
    assert publications(servers["aws/us-east-1"].dsn()) == []


def test_a_subscriber_missing_a_published_table_stops_the_run(servers):
    with psycopg.connect(servers["aws/us-east-1"].dsn(), autocommit=True) as conn:
        conn.execute("CREATE DATABASE extra")
    with psycopg.connect(servers["aws/us-east-1"].dsn("extra"), autocommit=True) as conn:
        conn.execute("CREATE TABLE invoices (id bigint PRIMARY KEY)")
    primary = Database("aws/us-east-1", servers["aws/us-east-1"].dsn("extra"))
    _, subscribers = dbs(servers)
    with pytest.raises(ReplicationError) as err:
        bootstrap(primary, subscribers)
    assert err.value.problems == [
        f"azure/eastus (127.0.0.1:{servers['azure/eastus'].port}/platform): missing published table(s) "
        "public.invoices; run the migrations there first",
        f"gcp/us-central1 (127.0.0.1:{servers['gcp/us-central1'].port}/platform): missing published table(s) "
        "public.invoices; run the migrations there first",
    ]
    assert subscriptions(servers["azure/eastus"].dsn()) == subscriptions(servers["gcp/us-central1"].dsn()) == []
    assert publications(primary.dsn) == []  # checked before the primary is touched


def test_a_primary_without_logical_wal_is_refused(servers):
    """What the server runs with (`SHOW wal_level` on a real server started with the default), and for an Azure
    publisher the remedy: the driver's restart after up, or the az command (azure R3)."""
    not_logical = Database("aws/us-east-1", servers["azure/eastus"].dsn())
    with pytest.raises(ReplicationError) as err:
        bootstrap(not_logical, [Database("gcp/us-central1", servers["gcp/us-central1"].dsn())])
    assert "wal_level is replica; logical replication needs logical" in err.value.problems[0]
    azure = Database("azure/eastus", servers["azure/eastus"].dsn())
    with pytest.raises(ReplicationError) as err:
        bootstrap(azure, [Database("gcp/us-central1", servers["gcp/us-central1"].dsn())])
    (problem,) = err.value.problems
    assert problem.startswith("azure/eastus (127.0.0.1:") and "wal_level is replica" in problem
    assert "`python -m scripts.deploy up --stack <stack>` restarts a server where it is pending" in problem
    assert "`az postgres flexible-server restart --ids " in problem


# The bootstrap itself, in order.


def test_rows_written_on_the_primary_appear_on_every_subscriber(servers):
    primary, subscribers = dbs(servers)
    with psycopg.connect(primary.dsn, autocommit=True) as conn:
        conn.execute("INSERT INTO orders VALUES (1, 'before the bootstrap', 'aws')")
    changes = bootstrap(primary, subscribers)
    assert [(c.key, c.action, c.what) for c in changes] == [
        ("aws/us-east-1", "created", "publication platform for all tables"),
        ("azure/eastus", "created", "subscription platform_azure_eastus"),
        ("gcp/us-central1", "created", "subscription platform_gcp_us_central1"),
    ]
    with psycopg.connect(primary.dsn, autocommit=True) as conn:
        conn.execute("INSERT INTO orders VALUES (2, 'after the bootstrap', 'aws')")
    expected = rows(primary.dsn)
    for subscriber in subscribers:
        wait_for(lambda s=subscriber: rows(s.dsn) == expected)  # the initial copy and the stream


def test_a_second_run_changes_nothing(servers):
    primary, subscribers = dbs(servers)
    before = {s.key: rows(s.dsn) for s in subscribers}
    changes = bootstrap(primary, subscribers)
    assert {c.action for c in changes} == {"unchanged"}
    assert {s.key: rows(s.dsn) for s in subscribers} == before  # nothing copied twice
    assert subscriptions(servers["azure/eastus"].dsn()) == ["platform_azure_eastus"]


def test_a_disabled_subscription_is_enabled_again(servers):
    azure = servers["azure/eastus"].dsn()
    with psycopg.connect(azure, autocommit=True) as conn:
        conn.execute("ALTER SUBSCRIPTION platform_azure_eastus DISABLE")
    primary, subscribers = dbs(servers)
    actions = {c.key: c.action for c in bootstrap(primary, subscribers)}
    assert actions == {"aws/us-east-1": "unchanged", "azure/eastus": "enabled", "gcp/us-central1": "unchanged"}


def test_the_lag_of_every_slot_is_reported_and_drains(servers):
    primary, subscribers = dbs(servers)
    with psycopg.connect(primary.dsn, autocommit=True) as conn:
        conn.execute("INSERT INTO orders SELECT g, 'bulk', 'aws' FROM generate_series(100, 2099) g")

    def drained() -> bool:
        slots = lag(primary)
        return [s.slot for s in slots] == ["platform_azure_eastus", "platform_gcp_us_central1"] and all(
            s.active and s.lag_bytes == 0 for s in slots
        )

    wait_for(drained)
    assert all(len(rows(s.dsn)) == len(rows(primary.dsn)) for s in subscribers)
    lines = prometheus_lines(lag(primary), subscribers)
    assert lines[0] == "# TYPE platform_postgres_replication_lag_seconds gauge"
    assert lines[1].startswith(
        'platform_postgres_replication_lag_seconds{cloud="azure",region="eastus",subscription="platform_azure_eastus"} '
    )
    active = f"platform_postgres_replication_slot_active{GCP_LABELS} 1"
    assert active in lines and len(lines) == 9


def test_a_stopped_subscriber_shows_as_an_inactive_slot_not_as_zero_lag(servers):
    primary, subscribers = dbs(servers)
    with psycopg.connect(servers["gcp/us-central1"].dsn(), autocommit=True) as conn:
        conn.execute("ALTER SUBSCRIPTION platform_gcp_us_central1 DISABLE")
    wait_for(lambda: {s.slot: s.active for s in lag(primary)}.get("platform_gcp_us_central1") is False)
    lines = prometheus_lines(lag(primary), subscribers)
    assert (
        f"platform_postgres_replication_slot_active{GCP_LABELS} 0"
        in lines
    )
    assert {c.key: c.action for c in bootstrap(primary, subscribers)}["gcp/us-central1"] == "enabled"


def test_the_subscription_check_needs_no_superuser(servers):
    # The clouds' admin users are not superusers: pg_subscription.subconninfo is closed to them, the columns the
    # bootstrap reads are not.
    with psycopg.connect(servers["azure/eastus"].dsn(), autocommit=True) as conn:
        conn.execute("CREATE ROLE cloud_admin LOGIN PASSWORD 'admin-pass' NOSUPERUSER")
    admin = servers["azure/eastus"].dsn().replace(f"postgres:{PASSWORD}@", "cloud_admin:admin-pass@")
    with psycopg.connect(admin) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("SELECT subconninfo FROM pg_subscription").fetchall()
    with psycopg.connect(admin) as conn:
        (row,) = conn.execute(
            "SELECT s.subenabled, s.subpublications, obj_description(s.oid, 'pg_subscription') FROM pg_subscription s"
        ).fetchall()
    assert row[0] is True and row[1] == ["platform"] and row[2].startswith("platform:conninfo:sha256:")


def test_a_changed_primary_connection_is_altered_in_place(servers):
    primary, subscribers = dbs(servers)
    other = primary.dsn + "?application_name=platform-replication"
    changes = {c.key: c.action for c in bootstrap(primary, subscribers, publisher_dsn=other)}
    assert changes == {"aws/us-east-1": "unchanged", "azure/eastus": "altered", "gcp/us-central1": "altered"}
    assert {c.action for c in bootstrap(primary, subscribers, publisher_dsn=other)} == {"unchanged"}
    back = {c.key: c.action for c in bootstrap(primary, subscribers)}  # and back, for the tests below
    assert back == {"aws/us-east-1": "unchanged", "azure/eastus": "altered", "gcp/us-central1": "altered"}


def test_the_replicate_command_runs_on_the_dev_stack(servers, tmp_path, capsys):
    dsns = tmp_path / "dsns.json"
    dsns.write_text(json.dumps({key: s.dsn() for key, s in servers.items()}))
    os.chmod(dsns, 0o600)
    prom = tmp_path / "lag.prom"
    assert deploy.main(["replicate", "--stack", "dev", "--dsn-file", str(dsns), "--prometheus", str(prom)]) == 0
    out = capsys.readouterr().out
    assert out.count("unchanged") == 3 and "platform_gcp_us_central1" in out
    assert "replication-test-password" not in out
    assert "platform_postgres_replication_lag_seconds{" in prom.read_text()


def test_the_replicate_command_names_a_missing_database_and_changes_nothing(servers, tmp_path, capsys):
    dsns = tmp_path / "dsns.json"
    dsns.write_text(json.dumps({"aws/us-east-1": servers["aws/us-east-1"].dsn()}))
    assert deploy.main(["replicate", "--stack", "dev", "--dsn-file", str(dsns)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "replicate: no connection string for azure/eastus",
        "replicate: no connection string for gcp/us-central1",
        "stack dev: nothing was changed",
    ]
