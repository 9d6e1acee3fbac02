"""The engine's event log: retention deletes old events only once every
group is past them, idempotency keys expire on their own clock, and
sequence numbers are never reused; a database of the previous schema is
upgraded at start, and the log says so."""
import os
import signal
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qfharness import (GOOD, Clock, Env, Worker, ask, event_records, group, run,  # noqa: E402
                       start_all, states, wait_for)


def test_retention_deletes_old_events_every_group_is_past():
    env = Env({"retention_days": "1"})
    try:
        clock = Clock(env, "2026-06-01T02:00:00")
        start_all(env)
        c = env.client()
        first = c.call("qual.add", GOOD, role="review", key="order-1")
        assert first[0] == 200
        for _ in range(4):
            assert c.call("qual.add", GOOD, role="review")[0] == 200
        # Every group (with its worker) moves past the events it does not take.
        assert wait_for(lambda: all(g["position"] >= 5
                                    for g in ask(env, "groups.list")["groups"]), 10)
        clock.set("2026-06-02T01:59:00")     # less than a day: nothing goes
        time.sleep(0.5)
        assert len(event_records(env)) == 5
        assert c.call("qual.add", GOOD, role="review", key="order-1") == first, \
            "the key was forgotten early"
        # A group that has not processed them holds them back.
        slow = Worker(env, "slow", "slow-1", topics=["qualification.created"], window=10)
        held = [slow.next_delivery(5000) for _ in range(5)]
        clock.set("2026-06-03T02:01:30")     # two days later
        # Idempotency keys go after daemon.idempotency_hours (24), events or not.
        # No command shows the idempotency keys kept or the results recorded.
        assert wait_for(lambda: env.sql("SELECT count(*) FROM idempotency")[0][0] == 0, 10)
        assert len(event_records(env)) == 5, "events of a lagging group went"
        for d in held:    # each with a result, recorded against its event
            slow.ack(d, {"command": "ping"})
        assert wait_for(lambda: env.sql("SELECT count(*) FROM results WHERE group_name='slow'")[0][0]
                        == 5, 10)
        # Once the acks are committed, the next retention pass (a minute on) may go.
        assert wait_for(lambda: group(env, "slow")["position"] >= 5, 10)
        clock.set("2026-06-03T02:03:00")
        assert wait_for(lambda: event_records(env) == [], 10)
        status = c.call("status")[1]["result"]
        assert status["last_seq"] == 5 and status["first_seq"] == 0, status
        assert env.sql("SELECT count(*) FROM results")[0][0] == 0, "results outlived their events"
        # The forgotten key runs its command again.
        status, again = c.call("qual.add", GOOD, role="review", key="order-1")
        assert status == 200 and again["result"]["id"] != first[1]["result"]["id"], again
        assert event_records(env)[0]["seq"] == 6, "a sequence number was reused"
        assert len(states(env)) == 6, "state was deleted"
        assert "retention: deleted 5 events" in open(os.path.join(env.dir, "daemon.log")).read()
    finally:
        env.close()


def test_an_older_schema_is_upgraded_and_says_so():
    """A log of schema 14 (with its index on time) is upgraded by migration
    15 at start: the daemon says that it upgrades, and each migration's
    time; the events stay, the index goes, seeks by time still find them.
    A new database and an upgraded one say nothing of upgrading."""
    env = Env()
    path = os.path.join(env.dir, "daemon.log")

    def log_since(start):
        with open(path, "rb") as f:
            return f.read()[start:].decode("utf-8")
    try:
        env.start_daemon()
        c = env.client()
        for _ in range(3):
            assert c.call("qual.add", GOOD, role="review")[0] == 200
        c.close()
        env.kill_daemon(signal.SIGTERM)
        new = log_since(0)
        assert "applied migration 15 in " in new and "upgrading" not in new, new
        con = sqlite3.connect(env.db)
        con.execute("CREATE INDEX events_time ON events (time)")
        con.execute("PRAGMA user_version = 14")
        con.commit()
        con.close()
        start = os.path.getsize(path)
        env.start_daemon()
        log = log_since(start)
        assert log.count("upgrading its schema") == 1, log
        assert "upgrading its schema from version 14 to 15" in log, log
        assert log.count("applied migration 15 in ") == 1, log
        assert "applied migration 14 in" not in log, log
        assert env.sql("SELECT name FROM sqlite_master WHERE name = 'events_time'") == []
        assert env.sql("PRAGMA user_version") == [(15,)]
        c = env.client()
        first = event_records(env)[0]
        status, body = c.call("groups.seek", {"group": "legal", "time": first["time"]})
        assert status == 200 and body["result"]["next_seq"] == first["seq"], body
        c.close()
        env.kill_daemon(signal.SIGTERM)
        start = os.path.getsize(path)
        env.start_daemon()
        log = log_since(start)
        assert "upgrading" not in log and "applied migration" not in log, log
    finally:
        env.close()


if __name__ == "__main__":
    run("engine_retention", [
        test_retention_deletes_old_events_every_group_is_past,
        test_an_older_schema_is_upgraded_and_says_so,
    ])
