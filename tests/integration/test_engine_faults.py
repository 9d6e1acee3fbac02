"""Fault injection with real processes: kill -9 of the daemon under load,
kill -9 of worker instances mid-processing, a worker stopped with SIGSTOP.

While the load of qualifications runs, contracts flow too (§6.3): they are
submitted for review (contract.review_requested to the sales, finance and
legal groups) and signed (contract.signed: the finance worker makes the
receivables). Each test ends by checking that every contract got one
counted report per department and was approved, that each group
acknowledged every contract event, that each signed contract has one
receivable per instalment (asked again, none is made twice), and, in the
database file once the daemon stopped, that the log holds each contract
event exactly as often as it was caused.

QF_CYCLES sets the number of kill cycles (50 in make test, 500 in make soak).
"""
import os
import random
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from qfharness import (GOOD, Env, ask, event_records, qualifications, run,  # noqa: E402
                       states, wait_for)

CYCLES = int(os.environ.get("QF_CYCLES", "50"))
SEED = int(os.environ.get("QF_SEED", str(int(time.time()))))
GROUPS = ("legal", "finance", "technical", "sales")  # the groups with a worker here
# §6.3: the groups that review a contract; finance also makes the receivables.
CONTRACT_GROUPS = ("sales", "finance", "legal")
TERMS = (("full", 1), ("split-30-70", 2), ("three-stage", 3))
SELLER = "li.lei"
CLERK = "qian"
CREDIT_CODE = "91350100M000100Y43"


def day(offset):
    """The date `offset` days from now in Hefei (UTC+8), YYYY-MM-DD."""
    return time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600 + offset * 86400))


class Contract:
    """One contract of a Contracts flow: its step and the ids so far."""

    def __init__(self, n, sign):
        self.n = n
        self.sign = sign  # taken on to signing (else it stays approved)
        self.term, self.instalments = TERMS[n % len(TERMS)]
        self.step = 0
        self.qid = self.pid = self.cid = None
        self.busy = False  # a request of it is in flight
        self.poll_at = 0.0  # a wait step asks again from this time
        self.submitted = self.signed = False  # the daemon answered that step
        self.created = None  # what the clerk's payment.receivables made


class Contracts:
    """Contracts that flow while a fault test runs its load (§6.3): each
    from a qualification of its own, added, submitted and approved, through
    a proposal made, sent and accepted, to a contract drafted and
    submitted for review (contract.review_requested to the sales, finance
    and legal groups), then three in four signed (contract.signed: the
    finance worker makes the receivables) and their receivables asked for
    once more by a finance clerk, as a retry would (payment.receivables,
    which must make none twice). A step that changes something carries an
    idempotency key and, when the daemon died before answering it, is sent
    again with the same key, so no step is done twice; a wait step asks
    again until the record moved on. At most `active` contracts are on
    their way at once; with `hold` set to a step, none takes that step."""

    STEPS = ("qual.add", "qual.submit", "qual.approved", "proposal.create", "proposal.send",
             "proposal.accept", "contract.draft", "contract.submit", "contract.approved",
             "contract.sign", "payment.receivables", "done")

    def __init__(self, env, active=6):
        self.env = env
        self.active = active
        self.hold = None
        self.starting = True  # new contracts start while True
        self.all = []
        c = env.client()
        try:
            status, body = c.call("customer.add", {"name": "合肥建工集团", "credit_code": CREDIT_CODE},
                                  role="sales", user=SELLER, key="faults-customer")
        finally:
            c.close()
        assert status == 200, body
        self.customer = body["result"]["id"]

    def _request(self, k):
        """(command, args, role, user, key) of contract k's step."""
        step = self.STEPS[k.step]
        key = "k%d-%s" % (k.n, step)
        if step == "qual.add":
            return step, dict(GOOD, name="k-%d" % k.n, cert_no="D234%06d" % k.n), "review", \
                SELLER, key
        if step == "qual.submit":
            return step, {"id": k.qid}, "review", SELLER, key
        if step == "qual.approved":
            return "qual.get", {"id": k.qid}, "admin", None, None
        if step == "proposal.create":
            return step, {"customer_id": self.customer, "lines": "%d:200000" % k.qid,
                          "steps": "survey,transfer", "services": "callback",
                          "delivery": day(120)}, "sales", SELLER, key
        if step in ("proposal.send", "proposal.accept"):
            return step, {"id": k.pid}, "sales", SELLER, key
        if step == "contract.draft":
            amounts = [200000 // k.instalments] * k.instalments
            amounts[-1] += 200000 - sum(amounts)
            schedule = ",".join("%s:%d" % (day(10 * (i + 1)), a) for i, a in enumerate(amounts))
            return step, {"proposal_id": k.pid, "payment_term": k.term, "schedule": schedule}, \
                "sales", SELLER, key
        if step == "contract.submit":
            return step, {"id": k.cid}, "sales", SELLER, key
        if step == "contract.approved":
            return "contract.show", {"id": k.cid}, "sales", SELLER, None
        if step == "contract.sign":
            return step, {"id": k.cid, "copy": "sha256:%064x" % k.n}, "sales", SELLER, key
        # No key: payment.receivables must itself make nothing twice.
        return step, {"contract_id": k.cid}, "finance", CLERK, None

    def send(self, client):
        """Sends the next step of each contract that has none in flight:
        [(request id, contract)]."""
        now = time.time()
        while self.starting and sum(k.step < len(self.STEPS) - 1 for k in self.all) < self.active:
            self.all.append(Contract(len(self.all), sign=len(self.all) % 4 != 3))
        sent = []
        for k in self.all:
            step = self.STEPS[k.step]
            if k.busy or step == "done" or step == self.hold or k.poll_at > now:
                continue
            command, args, role, user, key = self._request(k)
            sent.append((client.send(command, args, role=role, key=key, user=user), k))
            k.busy = True
        return sent

    def lost(self, k):
        """Contract k's request got no answer (the daemon died): sent again."""
        k.busy = False

    def answer(self, k, status, body):
        """Contract k's request was answered: its next step, or an error."""
        k.busy = False
        step = self.STEPS[k.step]
        assert status == 200, "contract %d, %s: %s %s" % (k.n, step, status, body)
        result = body["result"]
        if step in ("qual.approved", "contract.approved"):
            if result["state"] == "in_review":
                k.poll_at = time.time() + 0.2
                return
            assert result["state"] == "approved", "contract %d, %s: %s" % (k.n, step, result)
        elif step == "qual.add":
            k.qid = result["id"]
        elif step == "proposal.create":
            k.pid = result["id"]
        elif step == "contract.draft":
            k.cid = result["id"]
        elif step == "contract.submit":
            k.submitted = True
        elif step == "contract.sign":
            k.signed = True
        elif step == "payment.receivables":
            assert len(result["items"]) == k.instalments, result
            k.created = result["created"]
        k.step += 1
        if step == "contract.approved" and not k.sign:
            k.step = len(self.STEPS) - 1

    def at(self, step):
        """The contracts whose next step is `step`."""
        return [k for k in self.all if self.STEPS[k.step] == step]

    def run(self, client, until, timeout):
        """Runs the flow alone until `until()` holds, then reads the answers
        still due; False after `timeout` s."""
        deadline = time.time() + timeout
        pending = {}
        try:
            while pending or (not until() and time.time() < deadline):
                if not until() and time.time() < deadline:
                    for rid, k in self.send(client):
                        pending[rid] = k
                if not pending:
                    time.sleep(0.02)
                    continue
                rid, status, body = client.recv(2000)
                k = pending.pop(rid, None)
                if k:
                    self.answer(k, status, body)
        finally:
            for k in pending.values():
                self.lost(k)
        return until()

    def finish(self, timeout):
        """Starts no more and takes every contract to its end."""
        self.starting = False
        self.hold = None
        c = self.env.client()
        try:
            done = self.run(c, lambda: all(self.STEPS[k.step] == "done" for k in self.all),
                            timeout)
        finally:
            c.close()
        assert done, "contracts not at their end after %d s: %s; groups %s" % (
            timeout, [(k.n, self.STEPS[k.step]) for k in self.all if self.STEPS[k.step] != "done"],
            ask(self.env, "groups.list"))


def next_reply(client, timeout, alive=None):
    """The next reply within `timeout` ms (else TimeoutError), and at once
    TimeoutError when `alive()` says the daemon is gone and nothing it
    answered is left to read."""
    deadline = time.time() + timeout / 1000
    while True:
        try:
            return client.recv(50 if alive else timeout)
        except TimeoutError:
            if alive is None or not alive() or time.time() >= deadline:
                raise


def drive(client, prefix, seconds, window=16, flow=None, alive=None):
    """Adds and submits qualifications for `seconds`, pipelined, and moves
    the contracts of `flow` on meanwhile; stops waiting for replies once
    `alive()` says the daemon is gone. Returns the names whose qual.add
    was answered ok and the ids whose qual.submit was."""
    added, submitted = {}, set()
    pending = {}
    n = 0
    end = time.time() + seconds
    try:
        while time.time() < end or pending:
            while time.time() < end and len(pending) < window:
                name = "%s-%d" % (prefix, n)
                n += 1
                rid = client.send("qual.add", dict(GOOD, name=name), role="review")
                pending[rid] = ("add", name)
            if flow and time.time() < end:
                for rid, k in flow.send(client):
                    pending[rid] = ("contract", k)
            rid, status, body = next_reply(client, 1000 if time.time() < end else 300, alive)
            kind, what = pending.pop(rid, (None, None))
            if kind == "contract":
                flow.answer(what, status, body)
                continue
            if status != 200 or kind is None:
                continue
            if kind == "add":
                qid = body["result"]["id"]
                added[what] = qid
                pending[client.send("qual.submit", {"id": qid}, role="review")] = ("submit", qid)
            else:
                submitted.add(what)
    except TimeoutError:
        pass  # the daemon died with requests in flight
    for kind, what in pending.values():
        if kind == "contract":
            flow.lost(what)
    return added, submitted


def check_database(env, added, submitted, flow):
    """The database as kill -9 left it, read before a daemon opens it again
    (and recovers it): with no daemon, no command can show it."""
    rows = dict(env.sql("SELECT name, id FROM qualifications"))
    missing = [n for n in added if n not in rows]
    assert not missing, "answered adds missing after kill -9: %s" % missing[:5]
    states = dict(env.sql("SELECT id, state FROM qualifications"))
    lost = [i for i in submitted if states.get(i) == "draft"]
    assert not lost, "answered submits lost: %s" % lost[:5]
    n_created = env.sql("SELECT count(*) FROM events WHERE topic='qualification.created'")[0][0]
    assert n_created == len(rows), "%d created events for %d rows" % (n_created, len(rows))
    n_requested = env.sql(
        "SELECT count(*) FROM events WHERE topic='qualification.review_requested'")[0][0]
    n_submitted = env.sql("SELECT count(*) FROM qualifications WHERE round > 0")[0][0]
    assert n_requested == n_submitted, "%d review events for %d submits" % (n_requested, n_submitted)
    check_contract_tables(env, flow)
    ok = env.sql("PRAGMA integrity_check")[0][0]
    assert ok == "ok", ok


def contract_event_counts(env):
    """{topic: events in the log} of the contract topics, from the file."""
    return dict(env.sql("SELECT topic, count(*) FROM events WHERE topic LIKE 'contract.%' OR "
                        "topic = 'receivable.created' GROUP BY topic"))


def check_contract_tables(env, flow):
    """The contract tables as kill -9 left them: every step the daemon
    answered is there, and every change has its event (committed in its
    transaction), no more and no fewer."""
    states = dict(env.sql("SELECT id, state FROM contracts"))
    for k in flow.all:
        assert not k.submitted or states.get(k.cid) in ("in_review", "approved", "signed"), \
            "contract %d: answered submit lost (%s)" % (k.n, states.get(k.cid))
        assert not k.signed or states.get(k.cid) == "signed", \
            "contract %d: answered signing lost (%s)" % (k.n, states.get(k.cid))

    def count(*wanted):
        return sum(s in wanted for s in states.values())
    reports = env.sql("SELECT count(*) FROM contract_reports")[0][0]
    receivables = env.sql("SELECT count(*) FROM receivables")[0][0]
    expected = {"contract.drafted": len(states),
                "contract.review_requested": count("in_review", "approved", "signed"),
                "contract.reported": reports,
                "contract.approved": count("approved", "signed"),
                "contract.signed": count("signed"),
                "receivable.created": receivables}
    got = contract_event_counts(env)
    assert got == {t: n for t, n in expected.items() if n}, \
        "contract events %s for the tables' %s" % (got, expected)
    short = env.sql("SELECT id FROM contracts c WHERE state IN ('approved', 'signed') AND "
                    "(SELECT count(*) FROM contract_reports r WHERE r.contract_id = c.id AND "
                    "counted = 1 AND verdict = 'pass') != 3")
    assert not short, "approved without three counted passes: %s" % short
    # A contract's receivables are made in one transaction: all or none.
    made = dict(env.sql("SELECT contract_id, count(*) FROM receivables GROUP BY contract_id"))
    for k in flow.all:
        if k.cid in made:
            assert states[k.cid] == "signed" and made[k.cid] == k.instalments, \
                "contract %d (%s): %d receivables of %d instalments" % (
                    k.n, states[k.cid], made[k.cid], k.instalments)


def in_review(env):
    return list(states(env).values()).count("in_review")


def positions(env):
    """{group: position} and the last seq, as groups.list shows them."""
    listed = ask(env, "groups.list")
    return {g["name"]: g["position"] for g in listed["groups"]}, listed["last_seq"]


def wait_all_reviewed(env, timeout):
    assert wait_for(lambda: in_review(env) == 0, timeout, 0.2), \
        "%d qualifications still in review" % in_review(env)

    def caught_up():
        floors, last = positions(env)
        return all(floors.get(d) == last for d in GROUPS)
    assert wait_for(caught_up, timeout, 0.2), "groups behind: %s of %s" % positions(env)


def check_exactly_once(env):
    records = qualifications(env)
    submitted = [q["id"] for q in records if q["round"] > 0]
    approved = [q["id"] for q in records if q["state"] == "approved"]
    assert len(approved) == len(submitted), (len(approved), len(submitted))
    # Every qualification's reviews at once (a qual.get each would take
    # longer than the test), and the results, which no command shows.
    per = env.sql("SELECT qualification_id, count(*) FROM reviews GROUP BY qualification_id "
                  "HAVING count(*) != 3")
    assert not per, "qualifications without exactly 3 reviews: %s" % per[:5]
    n_requested = len(event_records(env, "qualification.review_requested"))
    n_results = env.sql("SELECT count(*) FROM results r JOIN events e ON e.id = r.event_id "
                        "WHERE e.topic = 'qualification.review_requested'")[0][0]
    assert n_results == 3 * n_requested, "%d results for %d review events" % (n_results, n_requested)
    log = open(os.path.join(env.dir, "daemon.log"), errors="replace").read()
    assert "already reported" not in log, "a result was applied twice"
    refused = [line for line in log.splitlines() if "refused" in line and "result of event" in line]
    assert not refused, "results refused (the event goes again): %s" % refused[:3]


def check_contracts(env, flow):
    """Every contract of the flow at its end: one counted pass per
    department, approved, and when signed one receivable per instalment,
    made once (asked again, as a redelivered contract.signed would, none
    is made); every contract event acknowledged by each of its groups,
    with its result recorded once."""
    signed = [k for k in flow.all if k.sign]
    assert signed and len(signed) < len(flow.all), "no contract flowed: %d" % len(flow.all)
    for k in flow.all:
        shown = ask(env, "contract.show", {"id": k.cid}, role="management")
        assert shown["state"] == ("signed" if k.sign else "approved"), (k.n, shown["state"])
        reports = sorted((r["department"], r["verdict"], r["counted"], r["version"])
                         for r in shown["reports"])
        assert reports == [(d, "pass", 1, 1) for d in sorted(CONTRACT_GROUPS)], (k.n, reports)
        made = [(r["instalment"], r["amount"]) for r in shown["receivables"]]
        if not k.sign:
            assert made == [], (k.n, made)
            continue
        assert [i for i, _ in made] == list(range(1, k.instalments + 1)) and \
            sum(a for _, a in made) == 200000, (k.n, k.term, made)
        again = ask(env, "payment.receivables", {"contract_id": k.cid}, role="finance")
        assert again["created"] == 0 and len(again["items"]) == k.instalments, (k.n, again)
    # The clerk's retries (payment.receivables) and the worker's result
    # made them once between them.
    assert all(k.created in (0, k.instalments) for k in signed), \
        [(k.n, k.created) for k in signed]
    listed = ask(env, "groups.list")
    for g in listed["groups"]:
        if g["name"] in CONTRACT_GROUPS:
            assert (g["position"], g["in_flight"], g["waiting"], g["dead_letters"]) == \
                (listed["last_seq"], 0, 0, 0), "group %s: %s (last seq %d)" % (
                    g["name"], g, listed["last_seq"])
    # Each contract event's result, once per group that handles it: the
    # results table, which no command shows.
    for topic, groups in (("contract.review_requested", CONTRACT_GROUPS),
                          ("contract.signed", ("finance",))):
        seqs = [e["seq"] for e in event_records(env, topic)]
        rows = env.sql("SELECT e.seq, r.group_name FROM results r JOIN events e ON "
                       "e.id = r.event_id WHERE e.topic = ?", topic)
        assert sorted(rows) == sorted((s, g) for s in seqs for g in groups), \
            "%s: results %s for events %s" % (topic, sorted(rows)[:6], seqs[:6])


def check_contract_log(env, flow):
    """The log in the database file once the daemon stopped: each contract
    event as often as the flow caused it."""
    env.kill_daemon(signal.SIGTERM)
    n = len(flow.all)
    signed = [k for k in flow.all if k.sign]
    expected = {"contract.drafted": n, "contract.review_requested": n,
                "contract.reported": 3 * n, "contract.approved": n,
                "contract.signed": len(signed),
                "receivable.created": sum(k.instalments for k in signed)}
    got = contract_event_counts(env)
    assert got == expected, "contract events in the log %s, caused %s" % (got, expected)
    print("# %d contracts, %d signed: %s" % (n, len(signed), got))


def test_kill9_daemon_under_load():
    rng = random.Random(SEED)
    env = Env()
    try:
        env.start_daemon()
        for d in GROUPS:
            env.start_worker(d)
        flow = Contracts(env, active=10)
        added, submitted = {}, set()
        for cycle in range(CYCLES):
            c = env.client()
            # Kill at a random moment while requests are in flight.
            killer_at = time.time() + rng.uniform(0.02, 0.25)
            a, s = {}, set()
            pid = env.daemon.pid

            def kill_later():
                delay = killer_at - time.time()
                if delay > 0:
                    time.sleep(delay)
                os.kill(pid, signal.SIGKILL)
            import threading
            t = threading.Thread(target=kill_later)
            t.start()
            a, s = drive(c, "c%d" % cycle, 0.4, flow=flow,
                         alive=lambda: env.daemon.poll() is None)
            t.join()
            env.daemon.wait(timeout=30)
            c.close()
            added.update(a)
            submitted |= s
            check_database(env, added, submitted, flow)
            env.start_daemon()
        print("# %d kill -9 cycles (seed %d): %d adds and %d submits answered ok; contracts "
              "%d submitted, %d signed" % (CYCLES, SEED, len(added), len(submitted),
                                           sum(k.submitted for k in flow.all),
                                           sum(k.signed for k in flow.all)))
        flow.finish(60)
        wait_all_reviewed(env, 120)
        check_exactly_once(env)
        check_contracts(env, flow)
        check_contract_log(env, flow)
    finally:
        env.close()


def held(env, instance):
    """Events delivered to worker `instance` and not acknowledged, as
    status shows them."""
    return sum(w["in_flight"] for w in ask(env, "status")["workers"] if w["instance"] == instance)


def test_kill9_workers_mid_processing():
    rng = random.Random(SEED + 1)
    env = Env()
    try:
        env.start_daemon()
        instances = (("legal", 0), ("legal", 1), ("finance", 0), ("finance", 1), ("sales", 0),
                     ("sales", 1), ("technical", 0))

        def instance(key):
            return "%s-%s" % (key[0], "ab"[key[1]])

        def start(key):
            return env.start_worker(key[0], "--instance", instance(key))
        workers = {key: start(key) for key in instances}
        flow = Contracts(env)
        c = env.client()
        kills = 0
        frozen = {g: 0 for g in CONTRACT_GROUPS}  # events held by the frozen ones killed
        for cycle in range(CYCLES):
            drive(c, "w%d" % cycle, rng.uniform(0.02, 0.1), window=8, flow=flow)
            if cycle % 5 == 4:
                # Each fifth cycle, both instances of a contract department
                # in turn are stopped, contracts are submitted, and they are
                # killed with the contract events in their hands (delivered,
                # not acknowledged: mid-processing for sure).
                group = CONTRACT_GROUPS[cycle // 5 % len(CONTRACT_GROUPS)]
                keys = [(group, 0), (group, 1)]
                flow.hold = "contract.submit"
                flow.run(c, lambda: flow.at("contract.submit"), 3)
                for key in keys:
                    workers[key].send_signal(signal.SIGSTOP)
                flow.hold = None
                # Within three heartbeats, before the daemon gives up on them.
                flow.run(c, lambda: sum(held(env, instance(k)) for k in keys) > 0, 0.4)
                frozen[group] += sum(held(env, instance(k)) for k in keys)
            else:
                keys = [rng.choice(list(workers))]
            for key in keys:
                workers[key].kill()
                workers[key].wait()
                kills += 1
                workers[key] = start(key)
        print("# %d worker kills (seed %d), %d qualifications; contracts %d submitted, %d "
              "signed; events in the hands of frozen instances killed: %s" % (
                  kills, SEED, len(states(env)), sum(k.submitted for k in flow.all),
                  sum(k.signed for k in flow.all), frozen))
        # The sales group takes contract events only.
        assert CYCLES < 5 or frozen["sales"] > 0, \
            "no sales instance was killed holding a contract event"
        flow.finish(60)
        wait_all_reviewed(env, 120)
        check_exactly_once(env)
        check_contracts(env, flow)
        check_contract_log(env, flow)
    finally:
        env.close()


def test_sigstop_worker_memory_bounded():
    seconds = int(os.environ.get("QF_STOP_SECONDS", "30"))
    env = Env()
    try:
        env.start_daemon(release=True)
        legal = env.start_worker("legal")
        for name in GROUPS[1:]:
            env.start_worker(name)
        c = env.client()
        # Contracts drafted before legal stops are submitted while it is
        # stopped: their review waits in legal's backlog.
        flow = Contracts(env)
        flow.hold = "contract.submit"
        assert flow.run(c, lambda: len(flow.at("contract.submit")) == flow.active, 60), \
            [flow.STEPS[k.step] for k in flow.all]
        flow.starting = False
        time.sleep(0.5)
        legal.send_signal(signal.SIGSTOP)
        flow.hold = None
        samples = []
        end = time.time() + seconds
        while time.time() < end:
            drive(c, "s%d" % len(samples), 0.5, window=8, flow=flow)
            samples.append(env.rss_kib(env.daemon.pid))
            time.sleep(0.5)
        n = len(states(env))
        floors, last = positions(env)
        backlog = last - floors["legal"]
        print("# legal stopped %d s: %d qualifications, legal %d events behind; daemon RSS "
              "%.1f MiB at 5 s, %.1f MiB peak, %.1f MiB at the end" % (
                  seconds, n, backlog, samples[min(4, len(samples) - 1)] / 1024,
                  max(samples) / 1024, samples[-1] / 1024))
        assert backlog > 100, "the stopped worker was not behind"
        assert len(flow.at("contract.approved")) == flow.active, \
            "contracts got past legal while it was stopped: %s" % [
                flow.STEPS[k.step] for k in flow.all]
        growth = (samples[-1] - samples[min(4, len(samples) - 1)]) / 1024
        assert growth < 32, "daemon memory grew %.1f MiB while a worker was stopped" % growth
        legal.send_signal(signal.SIGCONT)
        flow.finish(60)
        wait_all_reviewed(env, 120)
        check_exactly_once(env)
        check_contracts(env, flow)
        check_contract_log(env, flow)
    finally:
        env.close()


def test_kill9_finance_contract_changed_meanwhile():
    """The finance worker killed with contract.signed events to come: while
    it is down one contract is delivered and one cancelled. Started again,
    it makes the receivables of the delivered one and of the one still
    signed, none for the cancelled one (nothing is owed: its result is
    recorded, not refused), and no contract event is dead-lettered."""
    # Short backoffs: a refused result would be dead-lettered within a second.
    env = Env({"backoff_initial_ms": 100, "backoff_max_ms": 200})
    try:
        env.start_daemon()
        workers = {name: env.start_worker(name) for name in GROUPS}
        flow = Contracts(env, active=3)
        flow.hold = "contract.sign"
        c = env.client()
        assert flow.run(c, lambda: len(flow.at("contract.sign")) == 3, 60), \
            [flow.STEPS[k.step] for k in flow.all]
        flow.starting = False
        workers["finance"].kill()
        workers["finance"].wait()
        # Signed with finance down (no clerk asks for the receivables).
        flow.hold = "payment.receivables"
        assert flow.run(c, lambda: len(flow.at("payment.receivables")) == 3, 20)
        delivered, cancelled, signed = flow.all
        # Delivered once handed over (§6.3 execution): the certificate is
        # archived, then processed and handed over by its teams.
        status, body = c.call("custody.archive", {
            "qualification_id": delivered.qid, "custodian": "王芳", "location": "A-3",
            "acquired": "2026-01-05"}, role="logistics", user="wang.fang")
        assert status == 200, body
        status, body = c.call("handover.list", {"contract_id": delivered.cid}, role="sales")
        assert status == 200 and len(body["result"]["items"]) == 2, body
        for task in body["result"]["items"]:
            status, done = c.call("handover.done", {"id": task["id"]}, role=task["team"],
                                  user="staff")
            assert status == 200, done
        status, body = c.call("contract.deliver", {"id": delivered.cid}, role="sales", user=SELLER)
        assert status == 200, body
        status, body = c.call("contract.cancel", {"id": cancelled.cid, "reason": "客户撤回"},
                              role="supervisor", user="boss")
        assert status == 200, body
        workers["finance"] = env.start_worker("finance")

        def finance():
            return next(g for g in ask(env, "groups.list")["groups"] if g["name"] == "finance")
        assert wait_for(lambda: finance()["lag"] == 0, 20), finance()
        assert (finance()["dead_letters"], finance()["waiting"]) == (0, 0), finance()
        made = {k.n: len(ask(env, "contract.show", {"id": k.cid}, role="management")["receivables"])
                for k in flow.all}
        assert made == {delivered.n: delivered.instalments, cancelled.n: 0,
                        signed.n: signed.instalments}, made
        # The finance group's result of each contract.signed is recorded.
        rows = env.sql("SELECT count(*) FROM results r JOIN events e ON e.id = r.event_id "
                       "WHERE e.topic = 'contract.signed' AND r.group_name = 'finance'")[0][0]
        assert rows == 3, rows
        # A person asking for a cancelled contract's receivables is refused, saying why.
        status, body = c.call("payment.receivables", {"contract_id": cancelled.cid},
                              role="finance", user=CLERK)
        assert status == 409 and "cancelled" in body["error"]["message"], (status, body)
        c.close()
    finally:
        env.close()


if __name__ == "__main__":
    run("engine_faults", [test_kill9_daemon_under_load, test_kill9_workers_mid_processing,
                          test_sigstop_worker_memory_bounded,
                          test_kill9_finance_contract_changed_meanwhile])
