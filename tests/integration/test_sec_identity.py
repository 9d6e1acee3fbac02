"""Who a peer is, with security.curve on (PROTOCOL.md 1.1): the daemon
takes the authenticated public key from a connection and nothing else,
and reads the certificate's name, roles and groups from its own copy of
security.clients_dir.

Each test is an attack that worked before: handshake metadata chosen by
the peer (a raw CURVE peer, rawcurve.py, says what libzmq's API will not:
property names without "X-"), a worker session taken over by reusing its
routing id, a group created by HELLO with a role's name, idempotency keys
shared between clients (with CURVE and without), and revocation by
renaming, moving or downgrading a certificate file.
"""
import json
import os
import subprocess
import sys
import time

import zmq

sys.path.insert(0, os.path.dirname(__file__))
import qfconfig  # noqa: E402
from qfharness import BIN, GOOD, SIG, Env, run, states, wait_for  # noqa: E402
from rawcurve import HandshakeRefused, RawCurvePeer, cert_keys  # noqa: E402


class CurveEnv(Env):
    """An Env with CURVE on: the server's certificate, and client
    certificates made with `qualflow keygen NAME --dir keys/clients ...`
    whose secret halves are moved to keys/secret."""

    def __init__(self, certs, overrides=None):
        super().__init__(overrides)
        self.keys = os.path.join(self.dir, "keys")
        self.clients = os.path.join(self.keys, "clients")
        self.secret = os.path.join(self.keys, "secret")
        os.makedirs(self.secret)
        self.keygen("server", self.keys)
        for name, args in certs.items():
            self.add_cert(name, *args)
        qfconfig.edit(self.conf, {"curve": "true",
                                  "server_secret": self.keys + "/server.key_secret",
                                  "server_public": self.keys + "/server.key",
                                  "clients_dir": self.clients,
                                  "certificate": self.secret + "/ops.key_secret"})
        self.server_public = cert_keys(self.keys + "/server.key")[0]

    def start_daemon(self):
        """Starts qualflowd and waits until it answers ops, up to 20 s."""
        super().start_daemon(wait=False)
        s = self.socket("command", "ops")
        try:
            deadline = time.time() + 20
            while time.time() < deadline:
                s.send_multipart([SIG, b"REQUEST", b"up", b"ping", b'{"role":"admin"}'])
                if s.poll(300):
                    s.recv_multipart()
                    return
                assert self.daemon.poll() is None, "qualflowd exited: %s" % self.daemon.returncode
            raise RuntimeError("qualflowd did not answer within 20 s")
        finally:
            s.close(linger=0)

    def keygen(self, name, directory, *args):
        subprocess.run([os.path.join(BIN, "qualflow"), "keygen", name, "--dir", directory]
                       + list(args), check=True, stdout=subprocess.DEVNULL)

    def add_cert(self, name, *args):
        self.keygen(name, self.clients, *args)
        os.rename(os.path.join(self.clients, name + ".key_secret"),
                  os.path.join(self.secret, name + ".key_secret"))

    def keypair(self, name):
        return cert_keys(os.path.join(self.secret, name + ".key_secret"))

    def socket(self, kind, cert, routing_id=None):
        """A pyzmq DEALER on the command or worker socket, as `cert`."""
        s = self.ctx.socket(zmq.DEALER)
        s.setsockopt(zmq.LINGER, 0)
        s.setsockopt(zmq.SNDTIMEO, 5000)  # as qfharness.dealer, but CURVE before connect
        public, secret = self.keypair(cert)
        s.curve_serverkey = zmq.utils.z85.encode(self.server_public)
        s.curve_publickey = zmq.utils.z85.encode(public)
        s.curve_secretkey = zmq.utils.z85.encode(secret)
        if routing_id:
            s.setsockopt(zmq.ROUTING_ID, routing_id)
        s.connect(self.endpoint(kind))
        return s

    def raw(self, kind, cert, properties):
        """A raw CURVE peer as `cert` that sends `properties` in its handshake."""
        public, secret = self.keypair(cert)
        return RawCurvePeer(self.endpoint(kind), self.server_public, public, secret,
                            [("Socket-Type", "DEALER")] + properties)

    def cli(self, cert, *args, timeout=3000):
        return subprocess.run([os.path.join(BIN, "qualflow"), "-c", self.conf, "--cert",
                               os.path.join(self.secret, cert + ".key_secret"), "--timeout",
                               str(timeout)] + list(args), capture_output=True, text=True)


def request(sock, command, args=None, role="admin", user=None, key=None, timeout=5.0):
    """Sends a REQUEST on a socket (pyzmq or raw) and returns (status, body)."""
    body = {"role": role, "args": args or {}}
    if user:
        body["user"] = user
    if key:
        body["idempotency_key"] = key
    request.next_id = getattr(request, "next_id", 0) + 1
    rid = str(request.next_id).encode()
    frames = [SIG, b"REQUEST", rid, command.encode(), json.dumps(body).encode()]
    if isinstance(sock, RawCurvePeer):
        sock.send(frames)
        reply = sock.recv(timeout)
    else:
        sock.send_multipart(frames)
        reply = sock.recv_multipart() if sock.poll(int(timeout * 1000)) else None
    assert reply is not None, "no reply to %s" % command
    assert reply[2] == rid, reply
    return int(reply[3]), json.loads(reply[4])


def worker_recv(sock, want, timeout=5.0):
    """The next worker message of type `want` (frames after the type),
    answering HEARTBEATs; None on timeout."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if isinstance(sock, RawCurvePeer):
            msg = sock.recv(deadline - time.time())
        else:
            msg = sock.recv_multipart() if sock.poll(int((deadline - time.time()) * 1000) + 1) \
                else None
        if msg is None:
            return None
        if msg[1] == b"HEARTBEAT":
            worker_send(sock, b"HEARTBEAT")
            continue
        if msg[1] == want:
            return msg[2:]
        if want != b"ERROR" and msg[1] == b"ERROR":
            raise AssertionError("ERROR instead of %s: %r" % (want.decode(), msg))
    return None


def worker_send(sock, *frames):
    frames = [SIG] + [f if isinstance(f, bytes) else str(f).encode() for f in frames]
    if isinstance(sock, RawCurvePeer):
        sock.send(frames)
    else:
        sock.send_multipart(frames)


def hello(sock, group, instance, topics=None):
    body = {"group": group, "instance": instance}
    if topics:
        body["topics"] = topics
    worker_send(sock, b"HELLO", json.dumps(body).encode())


def answer(sock, command, args=None, role="admin"):
    """The result of a command that must succeed (status 200)."""
    status, body = request(sock, command, args, role=role)
    assert status == 200, "%s: %s %s" % (command, status, body)
    return body["result"]


def qual_count(env):
    """How many qualifications qual.list shows, asked as ops."""
    ops = env.socket("command", "ops")
    try:
        return len(answer(ops, "qual.list", {"limit": 1000})["items"])
    finally:
        ops.close(linger=0)


def add_qual(c, cert_no, role="review", **extra):
    status, body = request(c, "qual.add", dict(GOOD, cert_no=cert_no), role=role, **extra)
    assert status == 200, body
    return body["result"]


def test_handshake_metadata_grants_nothing():
    # A certificate without roles, or without groups, whose holder puts
    # roles="*" or groups="*" into its own CURVE handshake: ZeroMQ merges
    # that into every message's properties where the ZAP reply has none.
    env = CurveEnv({"ops": ("--roles", "*", "--groups", "*"),
                    "wlegal": ("--groups", "legal"),
                    "alice": ("--roles", "sales")})
    try:
        env.start_daemon()
        peer = env.raw("command", "wlegal", [("roles", "*"), ("name", "ops")])
        status, body = request(peer, "qual.add", dict(GOOD), role="review")
        assert status == 403, "a certificate without roles added a qualification: %s" % body
        assert 'certificate "wlegal" may act as: no role' in body["error"]["message"], body
        status, body = request(peer, "groups.seek", {"group": "legal", "seq": 1})
        assert status == 403, "a certificate without roles ran groups.seek: %s" % body
        peer.close()
        assert qual_count(env) == 0
        # The raw peer is a good client otherwise: its own role works.
        peer = env.raw("command", "alice", [("roles", "*"), ("groups", "*")])
        assert request(peer, "ping", role="sales")[0] == 200
        assert request(peer, "ping", role="management")[0] == 403
        peer.close()
        # alice has no groups: groups="*" in her handshake joins none.
        worker = env.raw("worker", "alice", [("groups", "*"), ("roles", "*")])
        hello(worker, "legal", "legal-evil")
        error = worker_recv(worker, b"ERROR")
        assert error is not None and error[0] == b"403", \
            "a certificate without groups joined group legal: %r" % (error,)
        assert b'certificate "alice" may join groups: none' in error[2], error
        worker.close()
        # A peer whose key is not in the directory gets no session at all.
        env.keygen("stranger", env.secret, "--roles", "*")
        try:
            env.raw("command", "stranger", [("roles", "*")])
            raise AssertionError("a stranger's handshake succeeded")
        except HandshakeRefused:
            pass
    finally:
        env.close()


def test_a_session_belongs_to_the_key_that_said_hello():
    # A worker sets its routing id, says HELLO, gets a DELIVER and goes
    # away; another certificate connects with the same routing id. Long
    # heartbeats keep the first session alive meanwhile.
    env = CurveEnv({"ops": ("--roles", "*", "--groups", "*"),
                    "legal1": ("--roles", "legal", "--groups", "legal"),
                    "mallory": ("--roles", "legal", "--groups", "finance")},
                   {"heartbeat_ms": "60000"})
    try:
        env.start_daemon()
        c = env.socket("command", "ops")
        qid = add_qual(c, "D234000101")["id"]
        assert request(c, "qual.submit", {"id": qid}, role="review")[0] == 200
        rid = b"legal-worker-1"
        first = env.socket("worker", "legal1", rid)
        hello(first, "legal", "legal-1")
        assert worker_recv(first, b"WELCOME") is not None
        deliver = worker_recv(first, b"DELIVER")
        assert deliver is not None, "legal got no DELIVER"
        seq, event_id = deliver[0], deliver[1]
        payload = json.loads(deliver[7])
        first.close(linger=0)

        # Until the daemon's ROUTER has dropped the first connection it
        # ignores a second one with the same routing id, and that second
        # connection stays ignored for its whole life (libzmq consumes its
        # routing id and never looks at it again). So each probe comes
        # from a fresh connection until one is answered.
        error = None
        thief = None
        deadline = time.time() + 15
        while error is None and time.time() < deadline:
            if thief is not None:
                thief.close(linger=0)
            thief = env.socket("worker", "mallory", rid)
            worker_send(thief, b"ACK", b"999999", b"probe", b"{}")
            error = worker_recv(thief, b"ERROR", 0.5)
        assert error is not None, "no answer on the reused routing id"
        probe = error
        report = {"command": "review.report",
                  "args": {"qualification_id": qid, "round": payload["round"],
                           "department": "legal", "verdict": "pass"}}
        worker_send(thief, b"ACK", seq, event_id, json.dumps(report).encode())
        error = worker_recv(thief, b"ERROR", 3)
        if error is None or error[0] != b"403":
            recorded = wait_for(lambda: answer(c, "qual.get", {"id": qid})["reviews"] != [], 5)
            raise AssertionError("mallory's ACK on legal1's routing id was %s (%r)" % (
                "recorded as legal's review" if recorded else "accepted", error))
        assert probe[0] == b"403", "the session answered another certificate: %r" % (probe,)
        assert b'belongs to a session of certificate "legal1"' in probe[2], probe
        # ACKS too: had it counted, the owner would not get the event again below.
        for kind in (b"NACK", b"EXTEND", b"ACKS"):
            frames = ([kind, seq] if kind == b"ACKS" else
                      [kind, seq, event_id] + ([b"0", b"stolen"] if kind == b"NACK" else []))
            worker_send(thief, *frames)
            error = worker_recv(thief, b"ERROR")
            assert error is not None and error[0] == b"403", "%s: %r" % (kind, error)
        worker_send(thief, b"HEARTBEAT")
        assert worker_recv(thief, b"ERROR")[0] == b"403"
        hello(thief, "finance", "finance-1")
        error = worker_recv(thief, b"ERROR")
        assert error is not None and error[0] == b"403", "HELLO over a live session: %r" % (error,)
        worker_send(thief, b"BYE")
        assert worker_recv(thief, b"ERROR")[0] == b"403"
        assert answer(c, "qual.get", {"id": qid})["reviews"] == [], "the thief's review counts"
        status, body = request(c, "status")
        workers = [(w["group"], w["instance"]) for w in body["result"]["workers"]]
        assert workers == [("legal", "legal-1")], workers
        thief.close(linger=0)

        # The owner comes back on its routing id and finishes its work.
        again = env.socket("worker", "legal1", rid)
        deadline = time.time() + 15
        welcome = None
        while welcome is None and time.time() < deadline:
            hello(again, "legal", "legal-1")
            welcome = worker_recv(again, b"WELCOME", 0.5)
        assert welcome is not None, "the owner could not take its session back"
        deliver = worker_recv(again, b"DELIVER")
        assert deliver is not None and deliver[0] == seq, deliver
        worker_send(again, b"ACK", seq, event_id, json.dumps(report).encode())
        reviewers = lambda: [r["reviewer"] for r in answer(c, "qual.get", {"id": qid})["reviews"]]
        assert wait_for(lambda: reviewers() == ["legal/legal-1"], 10), reviewers()
        again.close(linger=0)
    finally:
        env.close()


def test_a_group_named_after_a_role_gets_no_role():
    # A certificate allowed every group creates group "management" by
    # HELLO and reports a qual.reject, which only management may run.
    env = CurveEnv({"ops": ("--roles", "*", "--groups", "*"),
                    "anyone": ("--roles", "sales", "--groups", "*")})
    try:
        env.start_daemon()
        c = env.socket("command", "ops")
        worker = env.socket("worker", "anyone")
        hello(worker, "management", "m-1", ["qualification.created"])
        assert worker_recv(worker, b"WELCOME") is not None
        qid = add_qual(c, "D234000201")["id"]
        deliver = worker_recv(worker, b"DELIVER")
        assert deliver is not None
        result = {"command": "qual.reject", "args": {"id": qid, "reason": "as management"}}
        worker_send(worker, b"ACK", deliver[0], deliver[1], json.dumps(result).encode())
        error = worker_recv(worker, b"ERROR", 3)
        state = lambda: answer(c, "qual.get", {"id": qid})["state"]
        if error is None:
            rejected = wait_for(lambda: state() == "rejected", 5)
            raise AssertionError("the result was %s" % (
                "run: a group named management rejected the qualification" if rejected
                else "accepted"))
        assert error[0] == b"403" and b"group management has no role" in error[2], error
        assert state() == "draft", state()
        # An ack without a result is still an ack.
        deliver = worker_recv(worker, b"DELIVER", 10)
        assert deliver is not None, "the refused result was not delivered again"
        worker_send(worker, b"ACK", deliver[0], deliver[1], b"{}")
        position = lambda: next(g["position"] for g in answer(c, "groups.list")["groups"]
                                if g["name"] == "management")
        assert wait_for(lambda: position() >= int(deliver[0]), 10)
        worker.close(linger=0)
    finally:
        env.close()


def test_idempotency_keys_are_each_senders_own_with_curve():
    env = CurveEnv({"ops": ("--roles", "*", "--groups", "*"),
                    "mallory": ("--roles", "review"),
                    "alice": ("--roles", "review")})
    try:
        env.start_daemon()
        mallory, alice = env.socket("command", "mallory"), env.socket("command", "alice")
        theirs = add_qual(mallory, "D234000301", key="add-1")
        # Alice's request with the same key, even claiming to be mallory,
        # is hers: it runs, and her retry gets her own reply back.
        mine = add_qual(alice, "D234000302", key="add-1", user="mallory")
        assert mine["cert_no"] == "D234000302", "alice got mallory's reply: %s" % mine
        assert mine["created_by"] == "alice", mine
        assert add_qual(alice, "D234000302", key="add-1") == mine
        assert add_qual(mallory, "D234000301", key="add-1") == theirs
        assert qual_count(env) == 2
    finally:
        env.close()


def test_idempotency_keys_are_each_users_own_without_curve():
    env = Env()
    try:
        env.start_daemon()
        c = env.client()
        mallory = add_qual_plain(c, "D234000401", "mallory")
        alice = add_qual_plain(c, "D234000402", "alice")
        assert alice["cert_no"] == "D234000402", "alice got mallory's reply: %s" % alice
        assert add_qual_plain(c, "D234000402", "alice") == alice
        assert add_qual_plain(c, "D234000401", "mallory") == mallory
        assert len(states(env)) == 2
        # No command shows whose idempotency keys are kept.
        assert sorted(r[0] for r in env.sql("SELECT owner FROM idempotency")) == \
            ["user:alice", "user:mallory"]
    finally:
        env.close()


def add_qual_plain(c, cert_no, user):
    """qual.add with key "add-1" as a declared user, on a plain client."""
    status, body = c.call("qual.add", dict(GOOD, cert_no=cert_no), role="review", key="add-1",
                          user=user)
    assert status == 200, body
    return body["result"]


class BobEnv(CurveEnv):
    """CURVE with bob, who may act in sales and management."""

    def __init__(self):
        super().__init__({"ops": ("--roles", "*", "--groups", "*"),
                          "bob": ("--roles", "sales management")})
        self.bob = os.path.join(self.clients, "bob.key")

    def answers(self, role="management"):
        """(exit code, stderr) of `qualflow --cert bob --as ROLE ping`."""
        r = self.cli("bob", "--as", role, "ping")
        return r.returncode, r.stderr


def test_revocation_by_rename():
    env = BobEnv()
    try:
        env.start_daemon()
        assert env.answers()[0] == 0, env.answers()
        live = env.socket("command", "bob")
        assert request(live, "ping", role="management")[0] == 200
        # Renamed: no longer a NAME.key. New connections are refused, and
        # the live one from its next message on.
        os.rename(env.bob, env.bob + ".revoked")
        rc, err = env.answers()
        assert rc != 0 and "no answer" in err, "bob.key.revoked still lets bob in: %s" % err
        assert wait_for(lambda: request(live, "ping", role="management")[0] == 403, 10), \
            "the live connection of a revoked certificate still acts"
        status, body = request(live, "ping", role="management")
        assert "revoked" in body["error"]["message"], body
        os.rename(env.bob + ".revoked", env.bob)
        assert env.answers()[0] == 0
        assert wait_for(lambda: request(live, "ping", role="management")[0] == 200, 10)
        live.close(linger=0)
    finally:
        env.close()


def test_a_revoked_worker_loses_its_session():
    # Long heartbeats: the worker says nothing after its HELLO, so only
    # the revocation can end its session.
    env = CurveEnv({"ops": ("--roles", "*", "--groups", "*"),
                    "w1": ("--groups", "legal")}, {"heartbeat_ms": "60000"})
    try:
        env.start_daemon()
        worker = env.socket("worker", "w1")
        hello(worker, "legal", "legal-w1")
        assert worker_recv(worker, b"WELCOME") is not None
        w1 = os.path.join(env.clients, "w1.key")
        os.rename(w1, w1 + ".revoked")
        error = worker_recv(worker, b"ERROR", 10)
        assert error is not None, "a revoked worker kept its session"
        assert error[0] == b"403" and b"revoked" in error[2], error
        c = env.socket("command", "ops")
        status, body = request(c, "status")
        assert body["result"]["workers"] == [], body["result"]["workers"]
        worker.close(linger=0)
    finally:
        env.close()


def test_revocation_by_move_into_a_subfolder():
    env = BobEnv()
    try:
        env.start_daemon()
        assert env.answers()[0] == 0, env.answers()
        os.mkdir(os.path.join(env.clients, "old"))
        os.rename(env.bob, os.path.join(env.clients, "old", "bob.key"))
        rc, err = env.answers()
        assert rc != 0 and "no answer" in err, "a certificate in a subfolder lets bob in: %s" % err
        os.rename(os.path.join(env.clients, "old", "bob.key"), env.bob)
        assert env.answers()[0] == 0
    finally:
        env.close()


def test_revocation_by_downgrade_with_cp_p():
    env = BobEnv()
    try:
        env.start_daemon()
        assert env.answers()[0] == 0, env.answers()
        # The same certificate without management: same size, and cp -p
        # keeps the old modification time.
        down = os.path.join(env.dir, "bob.down")
        text = open(env.bob, encoding="utf-8").read()
        assert 'roles = "sales management"' in text, text
        with open(down, "w", encoding="utf-8") as f:
            f.write(text.replace('roles = "sales management"', 'roles = "sales           "'))
        st = os.stat(env.bob)
        os.utime(down, ns=(st.st_atime_ns, st.st_mtime_ns))
        subprocess.run(["cp", "-p", down, env.bob], check=True)
        now = os.stat(env.bob)
        assert (now.st_size, now.st_mtime_ns) == (st.st_size, st.st_mtime_ns)
        rc, err = env.answers()
        assert rc != 0 and "may act as: sales" in err, \
            "the downgraded certificate still acts as management: %s %s" % (rc, err)
        assert env.answers("sales")[0] == 0
    finally:
        env.close()


if __name__ == "__main__":
    run("sec_identity", [test_handshake_metadata_grants_nothing,
                     test_a_session_belongs_to_the_key_that_said_hello,
                     test_a_group_named_after_a_role_gets_no_role,
                     test_idempotency_keys_are_each_senders_own_with_curve,
                     test_idempotency_keys_are_each_users_own_without_curve,
                     test_revocation_by_rename, test_a_revoked_worker_loses_its_session,
                     test_revocation_by_move_into_a_subfolder,
                     test_revocation_by_downgrade_with_cp_p])
