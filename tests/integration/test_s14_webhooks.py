"""Issue 14, webhooks to other systems (Standard Webhooks 1.0): the
qualflow-notify worker sends each routed event to its endpoints, signed,
and a real receiver on 127.0.0.1 verifies every request with the
reference library (notify_servers.py). Covered: signatures, also during a
secret's rotation; the retry schedule on the test clock and the
exhaustion event; an endpoint disabled and enabled again; replay and the
test message through the CLI; a slow endpoint that holds back no other;
kill -9 of the worker mid-send and of the daemon, after which every
message has arrived at least once with its one webhook-id; with CURVE,
the worker's certificate needs the role notify."""
import base64
import contextlib
import json
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from notify_servers import WebhookReceiver  # noqa: E402
from qfharness import GOOD, Clock, Env, ask, cli, event_records, run, wait_for  # noqa: E402
from test_sec_identity import CurveEnv, add_qual, request  # noqa: E402

SECRET = "whsec_" + base64.b64encode(b"qualflow webhook secret, 32 b.").decode()
OLD = "whsec_" + base64.b64encode(b"the secret being rotated out!!!").decode()
SHIPPED_TOPICS = ("topics: [incident.opened, risk.high, notify.exhausted, notify.endpoint_disabled, "
                  "notify.escalated]")


def notify_yaml(receiver, endpoints):
    """notify_endpoints `endpoints` ({name: extra keys}), each at the
    receiver's path of its name, and one route of qualification.created
    to all, as YAML to append to a configuration."""
    lines = ["notify_endpoints:"]
    for name, keys in endpoints.items():
        lines += ["  - name: %s" % name, "    url: %s" % receiver.url(name)]
        keys = dict({"secret": SECRET}, **keys)
        lines += ["    %s: %s" % (k, json.dumps(v)) for k, v in keys.items()]
    lines += ["notify_routes:", "  - name: quals", "    topics: [qualification.created]",
              "    endpoints: [%s]" % ", ".join(endpoints)]
    return "\n" + "\n".join(lines) + "\n"


def take_routed_topics(conf):
    """The notify group of the configuration `conf` takes qualification.created."""
    with open(conf, encoding="utf-8") as f:
        text = f.read()
    assert SHIPPED_TOPICS in text, "the notify group of config/qualflow.yaml changed"
    with open(conf, "w", encoding="utf-8") as f:
        f.write(text.replace(SHIPPED_TOPICS, "topics: [qualification.created]"))


def setup(receiver, endpoints, overrides=None):
    """An Env with the endpoints of notify_yaml, the notify group taking
    their topic."""
    env = Env(overrides, notify_yaml(receiver, endpoints))
    take_routed_topics(env.conf)
    return env


class Served:
    """A running daemon and notify worker (`worker`, its process) whose
    endpoints are paths of `receiver`, each holding SECRET; with a test
    clock, `clock` and its `start` (ms), which the receiver goes by too."""


@contextlib.contextmanager
def served(endpoints, overrides=None, clock=False):
    s = Served()
    s.receiver = WebhookReceiver()
    s.env = None
    try:
        s.env = setup(s.receiver, endpoints, overrides)
        for name in endpoints:
            s.receiver.hold(name, [SECRET])
        if clock:
            s.clock = Clock(s.env, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()))
            s.receiver.clock_path = s.clock.path
            with open(s.clock.path) as f:
                s.start = int(f.read())
        s.env.start_daemon()
        s.worker = s.env.start_worker("notify")
        yield s
    finally:
        if s.env:
            s.env.close()
        s.receiver.close()


def add_quals(env, count, first=1):
    c = env.client()
    try:
        for n in range(first, first + count):
            status, body = c.call("qual.add", dict(GOOD, cert_no="D234%06d" % n), role="review")
            assert status == 200, body
    finally:
        c.close()


def msg_ids(env, endpoint):
    """The msg ids the events of qualification.created make for `endpoint`."""
    return ["msg_%s_%s" % (e["id"], endpoint)
            for e in event_records(env, "qualification.created")]


def log(env, msg_id):
    """The message with its attempt_log; an empty record while it is not
    on record yet (the worker has not handed it in)."""
    c = env.client()
    try:
        status, body = c.call("notify.log", {"msg_id": msg_id})
    finally:
        c.close()
    assert status in (200, 404), body
    return body["result"] if status == 200 else {"state": None, "attempt_log": []}


def sent(env, ids):
    return all(log(env, m)["state"] == "sent" for m in ids)


def test_signed_verified_and_rotated():
    with served({
        "plain": {},
        # In the overlap both keys sign: a receiver with either verifies.
        "rotating": {"previous_secret": OLD, "previous_until": "2099-01-01 00:00"},
        # After it, only the new one.
        "rotated": {"previous_secret": OLD, "previous_until": "2020-01-01 00:00"},
    }) as s:
        env, receiver = s.env, s.receiver
        receiver.hold("rotating", [SECRET, OLD])
        add_quals(env, 3)
        for path in ("plain", "rotating", "rotated"):
            assert wait_for(lambda: len(receiver.requests(path)) >= 3, 20), \
                (path, receiver.requests(path))
            got = receiver.requests(path)
            assert all(r["verified"] for r in got), got
            assert sorted(r["id"] for r in got) == sorted(msg_ids(env, path)), got
            parts = got[0]["signature"].split(" ")
            assert len(parts) == (2 if path == "rotating" else 1), got[0]["signature"]
            assert all(p.startswith("v1,") for p in parts), parts
        events = {e["id"]: e for e in event_records(env, "qualification.created")}
        for r in receiver.requests("plain"):
            body = json.loads(r["body"])
            event = events[r["id"].split("_")[1]]
            assert body["type"] == "qualification.created" and body["data"] == event["payload"]
            assert body["timestamp"].endswith("Z"), body
        # The verifier can say no: another key, or the body changed.
        r = receiver.requests("plain")[0]
        headers = {"webhook-id": r["id"], "webhook-timestamp": r["timestamp"],
                   "webhook-signature": r["signature"]}
        now = int(time.time() * 1000)
        assert not receiver.verifier.verify(OLD, headers, r["body"], now)["ok"]
        assert not receiver.verifier.verify(SECRET, headers, r["body"] + " ", now)["ok"]
        assert receiver.verifier.verify(SECRET, headers, r["body"], now)["ok"]
        ids = msg_ids(env, "plain")
        assert wait_for(lambda: sent(env, ids), 10)
        attempts = log(env, ids[0])["attempt_log"]
        assert len(attempts) == 1 and attempts[0]["status"] == 200, attempts
        rows = {e["name"]: e for e in ask(env, "notify.endpoints")["items"]}
        assert rows["plain"]["sent"] == 3 and rows["plain"]["state"] == "enabled", rows
        assert rows["rotating"]["rotating"] and not rows["rotated"]["rotating"], rows


def test_retry_schedule_and_exhaustion():
    with served({"down": {}}, {"notify.retry_schedule": "[0, 5, 300]"}, clock=True) as s:
        env, receiver, clock, start = s.env, s.receiver, s.clock, s.start
        receiver.behave("down", status=503)
        add_quals(env, 1)
        (msg,) = msg_ids(env, "down")
        assert wait_for(lambda: len(log(env, msg)["attempt_log"]) == 1, 20)
        record = log(env, msg)
        assert record["state"] == "pending" and record["next_at"] == start + 5000, record
        time.sleep(1.0)     # the clock stands still: nothing is due
        assert len(receiver.requests("down")) == 1
        clock.set_ms(start + 5000)
        assert wait_for(lambda: len(log(env, msg)["attempt_log"]) == 2, 20)
        assert log(env, msg)["next_at"] == start + 5000 + 300000
        clock.set_ms(start + 5000 + 299000)
        time.sleep(1.0)
        assert len(log(env, msg)["attempt_log"]) == 2, "sent before its time"
        clock.set_ms(start + 5000 + 300000)
        assert wait_for(lambda: log(env, msg)["state"] == "failed", 20), log(env, msg)
        attempts = log(env, msg)["attempt_log"]
        assert [a["status"] for a in attempts] == [503, 503, 503], attempts
        assert [a["at"] for a in attempts] == [start, start + 5000, start + 305000], attempts
        got = receiver.requests("down")
        assert len(got) == 3 and all(r["verified"] for r in got), got
        assert {r["id"] for r in got} == {msg}, "the webhook-id changed between attempts"
        assert [int(r["timestamp"]) for r in got] == [start // 1000, start // 1000 + 5,
                                                      start // 1000 + 305], got
        exhausted = [e["payload"] for e in event_records(env, "notify.exhausted")]
        assert len(exhausted) == 1 and exhausted[0]["msg_id"] == msg, exhausted
        assert exhausted[0]["attempts"] == 3 and exhausted[0]["last_status"] == 503, exhausted


def test_endpoint_disabled_then_enabled():
    with served({"flaky": {}},
                {"notify.retry_schedule": "[0, 30, 60, 60]", "notify.disable_after_s": "60"},
                clock=True) as s:
        env, receiver, clock, start = s.env, s.receiver, s.clock, s.start
        receiver.behave("flaky", reset=True)
        add_quals(env, 1)
        (msg,) = msg_ids(env, "flaky")
        assert wait_for(lambda: len(log(env, msg)["attempt_log"]) == 1, 20)
        first = log(env, msg)["attempt_log"][0]
        assert first["status"] == 0 and first["error"], first    # reset: no answer
        clock.set_ms(start + 30000)
        assert wait_for(lambda: len(log(env, msg)["attempt_log"]) == 2, 20)
        endpoint = ask(env, "notify.endpoints")["items"][0]
        assert endpoint["state"] == "enabled" and endpoint["failing_since"] == start, endpoint
        clock.set_ms(start + 90000)     # failing for 90 s >= 60: disabled
        assert wait_for(lambda: ask(env, "notify.endpoints")["items"][0]["state"] == "disabled",
                        20)
        disabled = [e["payload"] for e in event_records(env, "notify.endpoint_disabled")]
        assert len(disabled) == 1 and disabled[0]["endpoint"] == "flaky", disabled
        assert log(env, msg)["state"] == "pending"
        # Disabled, it gets nothing, however long: new messages wait.
        add_quals(env, 1, first=2)
        clock.set_ms(start + 400000)
        time.sleep(1.5)
        assert len(receiver.requests("flaky")) == 3, receiver.requests("flaky")
        status, body = env.client().call("notify.replay", {"msg_id": msg})
        assert status == 409 and "enable" in body["error"]["message"], body
        # Enabled again (and answering), both go.
        receiver.behave("flaky", status=204)
        cli(env, "notify", "enable", "flaky")
        ids = msg_ids(env, "flaky")
        assert wait_for(lambda: sent(env, ids), 20), [log(env, m) for m in ids]
        assert ask(env, "notify.endpoints")["items"][0]["failing_since"] is None


def test_replay_and_test_message():
    with served({"crm": {}}) as s:
        env, receiver = s.env, s.receiver
        add_quals(env, 1)
        (msg,) = msg_ids(env, "crm")
        assert wait_for(lambda: sent(env, [msg]), 20)
        out = cli(env, "notify", "replay", msg)
        assert msg in out and "pending" in out, out
        assert wait_for(lambda: len(receiver.requests("crm")) == 2, 20)
        assert wait_for(lambda: sent(env, [msg]), 20)
        got = receiver.requests("crm")
        assert [r["id"] for r in got] == [msg, msg] and all(r["verified"] for r in got), got
        assert len(log(env, msg)["attempt_log"]) == 2
        assert "ATTEMPT" in cli(env, "notify", "log", msg)
        test = json.loads(cli(env, "--json", "notify", "test", "crm"))
        assert wait_for(lambda: len(receiver.requests("crm")) == 3, 20)
        last = receiver.requests("crm")[-1]
        assert last["verified"] and last["id"] == test["msg_id"], last
        assert json.loads(last["body"])["type"] == "notify.test"
        assert "crm" in cli(env, "notify", "endpoints")


def test_slow_endpoint_does_not_hold_back_a_fast_one():
    delay = 3.0
    # Four requests in flight at most, two to one endpoint: without that
    # share the slow endpoint's messages would take every slot.
    with served({"slow": {}, "fast": {}},
                {"notify.concurrency": "4", "notify.endpoint_concurrency": "2"}) as s:
        env, receiver = s.env, s.receiver
        receiver.behave("slow", delay=delay)
        add_quals(env, 6)
        assert wait_for(lambda: len(receiver.requests("fast")) == 6, 20)
        assert wait_for(lambda: len(receiver.requests("slow")) >= 2, 20)
        fast = [r["at"] for r in receiver.requests("fast")]
        first = min(r["at"] for r in receiver.requests("slow"))
        # Every fast request arrived while the first slow one was still
        # waiting for its answer: nothing queued behind it.
        assert max(fast) < first + delay, (fast, first)
        assert wait_for(lambda: len(receiver.requests("slow")) == 6, 30)
        slow = sorted(r["at"] for r in receiver.requests("slow"))
        # The slow ones went two at a time, each pair after the last answer.
        assert len([a for a in slow if a < first + delay * 0.9]) == 2, slow
        ids = msg_ids(env, "slow") + msg_ids(env, "fast")
        assert wait_for(lambda: sent(env, ids), 20)


def test_rate_limit():
    with served({"limited": {"rate_per_second": 2}, "free": {}}) as s:
        env, receiver = s.env, s.receiver
        add_quals(env, 6)
        assert wait_for(lambda: len(receiver.requests("limited")) == 6, 20)
        limited = sorted(r["at"] for r in receiver.requests("limited"))
        # Two a second: six take three seconds of the worker's clock, so the
        # first and the last are more than a second apart.
        assert limited[-1] - limited[0] > 1.0, limited
        free = sorted(r["at"] for r in receiver.requests("free"))
        assert len(free) == 6 and free[-1] < limited[-1], (free, limited)
        assert wait_for(lambda: sent(env, msg_ids(env, "limited")), 20)


def test_kill_9_worker_mid_send_and_daemon_loses_nothing():
    count = 12
    with served({"hook": {}}, {"notify.timeout_ms": "3000", "notify.lease_ms": "3000"}) as s:
        env, receiver = s.env, s.receiver
        receiver.behave("hook", delay=1.0)
        add_quals(env, count // 2)
        # Mid-send: requests have arrived, their answers not yet.
        assert wait_for(lambda: len(receiver.requests("hook")) >= 1, 20)
        in_flight = {r["id"] for r in receiver.requests("hook")}
        s.worker.send_signal(signal.SIGKILL)
        s.worker.wait(timeout=10)
        assert not [m for m in msg_ids(env, "hook") if log(env, m)["state"] == "sent"], \
            "answered before the kill: nothing was mid-send"
        add_quals(env, count // 2, first=count // 2 + 1)
        env.start_worker("notify")
        assert wait_for(lambda: len(receiver.requests("hook")) >= count // 2 + 1, 20)
        env.kill_daemon(signal.SIGKILL)
        env.start_daemon()
        ids = msg_ids(env, "hook")
        assert len(ids) == count, ids
        assert wait_for(lambda: sent(env, ids), 60), [log(env, m)["state"] for m in ids]
        got = receiver.requests("hook")
        assert all(r["verified"] for r in got), [r for r in got if not r["verified"]]
        assert {r["id"] for r in got} == set(ids), "a message was lost or an id changed"
        again = [r["id"] for r in got if r["id"] in in_flight]
        assert len(again) >= 2 * len(in_flight), ("what was in flight at the kill was not "
                                                 "sent again with its id", in_flight, again)
        assert not ask(env, "notify.log", {"state": "failed"})["items"]


def test_with_curve_the_worker_needs_the_notify_role():
    receiver = WebhookReceiver()
    receiver.hold("crm", [SECRET])
    env = CurveEnv({"ops": ("--roles", "admin"), "rev": ("--roles", "review"),
                    "notify-1": ("--roles", "notify", "--groups", "notify"),
                    "group-only": ("--groups", "notify")})
    try:
        with open(env.conf, "a", encoding="utf-8") as f:
            f.write(notify_yaml(receiver, {"crm": {}}))
        take_routed_topics(env.conf)
        env.start_daemon()
        # Without the role notify the worker joins its group and hands
        # messages in, but may not ask for them: nothing goes out.
        wrong = env.start_worker("notify", "--cert", env.secret + "/group-only.key_secret")
        c = env.socket("command", "rev")
        add_qual(c, "D234000001")
        ops = env.socket("command", "ops")
        assert wait_for(lambda: len(request(ops, "notify.log")[1]["result"]["items"]) == 1, 20)
        time.sleep(1.0)
        assert receiver.requests("crm") == []
        wrong.terminate()
        wrong.wait(timeout=10)
        env.start_worker("notify", "--cert", env.secret + "/notify-1.key_secret")
        add_qual(c, "D234000002")
        assert wait_for(lambda: len(receiver.requests("crm")) == 2, 20), receiver.requests("crm")
        assert all(r["verified"] for r in receiver.requests("crm"))
        c.close()
        ops.close()
    finally:
        env.close()
        receiver.close()


if __name__ == "__main__":
    run("s14_webhooks", [test_signed_verified_and_rotated, test_retry_schedule_and_exhaustion,
                         test_endpoint_disabled_then_enabled, test_replay_and_test_message,
                         test_slow_endpoint_does_not_hold_back_a_fast_one, test_rate_limit,
                         test_kill_9_worker_mid_send_and_daemon_loses_nothing,
                         test_with_curve_the_worker_needs_the_notify_role])
