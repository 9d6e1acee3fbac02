"""Random hostile input against a real daemon: every command name the daemon
knows, with arguments of random types, sizes and encodings, plus random
frames on the worker socket. The daemon must answer every request with a
protocol status, never crash, and leave a database that passes
integrity_check. Bounded in count and time; QF_SEED repeats a run."""
import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from qfharness import SIG, Env, event_records, run, states  # noqa: E402

SEED = int(os.environ.get("QF_SEED", str(int(time.time()))))
COMMANDS = ["ping", "status", "qual.add", "qual.get", "qual.list", "qual.submit", "qual.renew",
            "qual.rectify", "qual.report", "qual.reject", "review.report", "review.decide",
            "renewal.remind", "renewal.list", "policy.record", "policy.apply", "policy.lift",
            "policy.list", "candidate.add", "candidate.evaluate", "candidate.decide",
            "candidate.track", "candidate.acquire", "candidate.show", "candidate.list",
            "custody.archive", "custody.show", "loan.request", "loan.approve", "loan.refuse",
            "loan.lend", "loan.return", "loan.list", "events.list", "groups.list", "groups.seek",
            "dlq.list", "dlq.show", "dlq.retry", "dlq.drop", "feedback.add", "case.show",
            "case.list", "case.acknowledge", "case.findings", "case.tell", "case.close",
            "report.feedback", "callback.open", "callback.record", "callback.show",
            "callback.list", "no.such.command"]
KEYS = ["id", "qualification_id", "candidate_id", "loan_id", "policy_id", "group", "seq", "time",
        "cert_no", "authority", "category", "scope", "issued", "expires", "name", "state",
        "limit", "after", "after_id", "round", "department", "verdict", "findings", "reason",
        "custodian", "location", "acquired", "borrower", "purpose", "due", "description",
        "effective", "decision", "via", "agency", "progress", "blocker", "lead_days",
        "expiring_days", "sellable", "acquisition_cost", "expected_revenue", "topic", "note",
        "industry", "source", "legality", "market_demand", "potential_value", "report",
        "customer_id", "text", "severity", "outcome", "apology", "channel", "period",
        "contract_id", "interval_days", "reached", "score", "said", "problems", "on"]
TEMPLATES = {
    "qual.add": {"cert_no": "D234000001", "authority": "安徽省住房和城乡建设厅",
                 "category": "construction-general", "scope": "建筑工程施工总承包二级",
                 "issued": "2025-01-01", "expires": "2030-01-01", "acquisition_cost": 1,
                 "expected_revenue": 2},
    "qual.submit": {"id": 1}, "qual.renew": {"id": 1, "expires": "2031-01-01"},
    "qual.rectify": {"id": 2, "scope": "s"}, "qual.reject": {"id": 3, "reason": "r"},
    "review.report": {"qualification_id": 1, "round": 1, "department": "legal",
                      "verdict": "pass", "findings": []},
    "review.decide": {"qualification_id": 1, "round": 1, "department": "finance",
                      "verdict": "pass"},
    "renewal.remind": {"qualification_id": 1, "lead_days": 30},
    "policy.record": {"category": "construction-general", "description": "d",
                      "effective": "2026-01-01"},
    "policy.apply": {"policy_id": 1}, "policy.lift": {"policy_id": 1},
    "candidate.add": {"name": "n", "category": "construction-general", "industry": "i",
                      "authority": "安徽省住房和城乡建设厅", "source": "s"},
    "candidate.evaluate": {"candidate_id": 1, "legality": "l", "market_demand": "m",
                           "potential_value": "v", "report": "r"},
    "candidate.decide": {"candidate_id": 1, "decision": "acquire"},
    "feedback.add": {"customer_id": 1, "category": "slow-response", "text": "t",
                     "severity": "high"},
    "case.tell": {"id": 1, "outcome": "o", "apology": "a", "channel": "phone"},
    "case.findings": {"id": 1, "text": "t"}, "report.feedback": {"period": "2026Q1"},
    "callback.open": {"contract_id": 1, "interval_days": 30},
    "callback.record": {"id": 1, "reached": "yes", "score": 3, "said": "s",
                        "problems": "service:slow-response:t; technical:x:y"},
    "custody.archive": {"qualification_id": 1, "custodian": "c", "location": "l",
                        "acquired": "2025-01-01"},
    "loan.request": {"qualification_id": 1, "borrower": "b", "purpose": "p",
                     "due": "2030-01-01"},
    "groups.seek": {"group": "legal", "seq": 1}, "dlq.retry": {"group": "legal", "seq": 1},
}
ROLES = ["admin", "sales", "review", "legal", "finance", "technical", "management", "leader",
         "logistics", "market", "renewal", "hr", "aftersales", "integration", "nobody"]
# A role each business command allows, so that most requests reach the
# argument checks and the handlers; every other command takes admin.
ROLE_OF = {"qual.add": "review", "qual.submit": "review", "qual.renew": "review",
           "qual.rectify": "review", "qual.reject": "management", "review.report": "legal",
           "review.decide": "finance", "renewal.remind": "renewal", "policy.record": "legal",
           "policy.apply": "legal", "policy.lift": "management", "candidate.add": "market",
           "candidate.evaluate": "market", "candidate.decide": "management",
           "candidate.track": "review", "candidate.acquire": "review",
           "custody.archive": "logistics", "loan.request": "sales", "loan.approve": "leader",
           "loan.refuse": "leader", "loan.lend": "logistics", "loan.return": "logistics",
           "feedback.add": "integration", "case.show": "aftersales", "case.list": "aftersales",
           "case.acknowledge": "aftersales", "case.findings": "aftersales",
           "case.tell": "aftersales", "case.close": "aftersales",
           "report.feedback": "management", "callback.open": "aftersales",
           "callback.record": "aftersales", "callback.show": "aftersales",
           "callback.list": "aftersales"}


def value(rng, depth=0):
    kind = rng.randrange(12)
    if kind == 0:
        return rng.randrange(-5, 5)
    if kind == 1:
        return rng.choice([0, 1, 2, 3, 2 ** 62, -2 ** 63, 10 ** 30])
    if kind == 2:
        return rng.choice(["2026-02-29", "2024-02-29", "2030-01-01", "1899-12-31", "2026-13-01",
                           "", "x", "2026-1-1"])
    if kind == 3:
        return "'; DROP TABLE qualifications; --" * rng.randrange(1, 3)
    if kind == 4:
        return "资质" * rng.randrange(0, 3000)
    if kind == 5:
        return rng.random() * 1e16 - 1e15
    if kind == 6:
        return None
    if kind == 7:
        return rng.choice([True, False])
    if kind == 8 and depth < 3:
        return [value(rng, depth + 1) for _ in range(rng.randrange(4))]
    if kind == 9 and depth < 3:
        return {rng.choice(KEYS): value(rng, depth + 1) for _ in range(rng.randrange(4))}
    if kind == 10:
        return rng.choice(["legal", "finance", "technical", "pass", "fail", "acquire", "agency",
                           "construction-general", "approved", "open", "bench-a"])
    return "\u0000" if rng.random() < 0.1 else "x" * rng.randrange(0, 70)


def test_random_requests_and_frames():
    rng = random.Random(SEED)
    env = Env()
    try:
        env.start_daemon()
        c = env.client()
        w = env.ctx.socket(__import__("zmq").DEALER)
        w.setsockopt(__import__("zmq").LINGER, 0)
        w.connect(env.endpoint("worker"))
        deadline = time.time() + 60
        statuses = {}
        for i in range(1500):
            assert time.time() < deadline, "too slow: %d requests in 60 s" % i
            command = rng.choice(COMMANDS)
            args = {rng.choice(KEYS): value(rng) for _ in range(rng.randrange(6))}
            if i % 2 and command in TEMPLATES:
                # A valid request with one field changed reaches the handlers.
                args = dict(TEMPLATES[command])
                args[rng.choice(list(args))] = value(rng)
            role = ROLE_OF.get(command, "admin") if rng.random() < 0.6 else rng.choice(ROLES)
            body = {"role": role, "args": args}
            if rng.random() < 0.05:
                body = value(rng)
            raw = json.dumps(body, ensure_ascii=rng.random() < 0.5).encode("utf-8", "surrogatepass")
            if rng.random() < 0.03:
                raw = raw[: rng.randrange(len(raw) + 1)]      # truncated JSON
            c.sock.send_multipart([SIG, b"REQUEST", str(i).encode(), command.encode(), raw])
            rid, status, reply = c.recv(10000)
            assert rid == str(i).encode(), (rid, i)
            assert status in (200, 400, 403, 404, 409, 413), (command, args, status, reply)
            assert ("result" in reply) == (status == 200), reply
            statuses[status] = statuses.get(status, 0) + 1
            if rng.random() < 0.2:
                frames = [SIG, rng.choice([b"HELLO", b"ACK", b"NACK", b"EXTEND", b"HEARTBEAT",
                                            b"BYE", b"DELIVER", b"NOPE"])]
                frames += [json.dumps(value(rng)).encode()[:200] for _ in range(rng.randrange(5))]
                w.send_multipart(frames)
                while w.poll(0):
                    w.recv_multipart()
        print("# seed %d: statuses %s" % (SEED, dict(sorted(statuses.items()))))
        assert env.daemon.poll() is None, "the daemon died"
        assert c.call("ping")[0] == 200
        assert env.sql("PRAGMA integrity_check")[0][0] == "ok"  # the file itself
        n_q = len(states(env))
        n_e = len(event_records(env, "qualification.created"))
        assert n_q == n_e, "%d qualifications, %d created events" % (n_q, n_e)
    finally:
        env.close()


if __name__ == "__main__":
    run("engine_fuzz", [test_random_requests_and_frames])
