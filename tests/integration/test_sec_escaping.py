"""Strings a peer chose are shown as stored, never obeyed.

A worker's NACK reason and the unknown key of a HELLO are logged by the
daemon: a newline in them must not start a line that looks like one of the
daemon's own, and an escape sequence must not reach the terminal that shows
the log. A qualification's name with a bidirectional control (U+202E, which
shows what follows right to left) or an escape sequence is printed by the
CLI escaped, in key: value lines, in tables and, as a JSON \\u escape that
reads back as the same name, with --json.
"""
import json
import os
import re
import select
import signal
import subprocess
import sys

import zmq

sys.path.insert(0, os.path.dirname(__file__))
from qfharness import BIN, GOOD, Env, Worker, cli, run, wait_for  # noqa: E402

# A line of the daemon's log: time, program, level, text.
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z qualflowd (DEBUG|INFO|WARN|ERROR) ")
FORGED_NACK = "\n2026-12-01T08:00:00.000Z qualflowd ERROR forged by a nack \x1b[31mred"
FORGED_KEY = "\nX qualflowd ERROR forged by a key\x1b[2J"
RLO = "\u202e"


def log_text(env):
    with open(os.path.join(env.dir, "daemon.log"), encoding="utf-8", errors="replace") as f:
        return f.read()


def test_peer_strings_cannot_forge_log_lines():
    env = Env()
    try:
        env.start_daemon()
        c = env.client()
        status, body = c.call("qual.add", GOOD, role="review")
        assert status == 200, body
        assert c.call("qual.submit", {"id": body["result"]["id"]}, role="review")[0] == 200

        # A HELLO whose unknown key carries a newline and an escape sequence.
        hello = env.ctx.socket(zmq.DEALER)
        hello.setsockopt(zmq.LINGER, 0)
        hello.connect(env.endpoint("worker"))
        hello.send_multipart([b"QFLOW/1", b"HELLO",
                              json.dumps({"group": "legal", "instance": "w-1",
                                          FORGED_KEY: 1}).encode()])
        assert hello.poll(5000), "no answer to the HELLO"
        reply = hello.recv_multipart()
        assert reply[1] == b"ERROR" and reply[2] == b"400", reply
        hello.close()

        # A NACK whose reason does the same.
        w = Worker(env, "legal", "w-2")
        d = w.next_delivery(10000)
        assert d, "nothing delivered to the legal group"
        w.nack(d, delay=60000, reason=FORGED_NACK)
        assert wait_for(lambda: "forged by a nack" in log_text(env), 10), log_text(env)[-2000:]
        w.close()

        text = log_text(env)
        lines = text.splitlines()
        odd = [line for line in lines if not LOG_LINE.match(line)]
        assert not odd, "lines the daemon did not write: %r" % odd
        # A perfect forgery has the form of a line: each quote stays inside
        # the daemon's own line about it.
        forged = [line for line in lines if "forged by" in line and
                  "failed in w-2" not in line and "unknown key" not in line]
        assert not forged, "forged lines: %r" % forged
        assert "\x1b" not in text, "an escape sequence reached the log"
        assert "\\n2026-12-01T08:00:00.000Z qualflowd ERROR forged by a nack \\x1b[31mred" in text
        assert "\\nX qualflowd ERROR forged by a key\\x1b[2J" in text, text[-2000:]
    finally:
        env.close()


def test_cli_escapes_bidi_and_control_characters():
    env = Env()
    try:
        env.start_daemon()
        name = "report" + RLO + "fdp.exe \x1b[31mred"
        out = cli(env, "--as", "review", "qual", "add", "--name", name,
                  "--cert-no", GOOD["cert_no"], "--authority", GOOD["authority"],
                  "--category", GOOD["category"], "--scope", GOOD["scope"],
                  "--issued", GOOD["issued"], "--expires", GOOD["expires"])
        # key: value lines and a table (whose payload column is JSON, where
        # jansson writes ESC as \u001B).
        for label, text, shown in (
                ("qual add", out, "name: report\\u202efdp.exe \\x1b[31mred"),
                ("qual show", cli(env, "--as", "review", "qual", "show", "1"),
                 "name: report\\u202efdp.exe \\x1b[31mred"),
                ("events", cli(env, "events"), '"name":"report\\u202efdp.exe \\u001B[31mred"')):
            assert RLO not in text and "\x1b" not in text, "%s printed it raw: %r" % (label, text)
            assert shown in text, "%s: %r" % (label, text)
        # JSON: the same name to a parser, escaped for the eye.
        out = cli(env, "--json", "--as", "review", "qual", "show", "1")
        assert RLO not in out and "\x1b" not in out, out
        assert "\\u202e" in out, out
        assert json.loads(out)["name"] == name, out
        # Followed events too: the last one, the qualification's creation.
        follow = subprocess.Popen([os.path.join(BIN, "qualflow"), "-c", env.conf, "--json",
                                   "events", "--follow", "--limit", "1"],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        try:
            ready, _, _ = select.select([follow.stdout], [], [], 10)
            assert ready, "events --follow --json printed nothing in 10 s"
            line = follow.stdout.readline().decode("utf-8")
        finally:
            follow.send_signal(signal.SIGINT)
            follow.wait(timeout=10)
        assert RLO not in line and "\x1b" not in line and "\\u202e" in line, line
        assert json.loads(line)["payload"]["name"] == name, line
    finally:
        env.close()


if __name__ == "__main__":
    run("sec_escaping", [test_peer_strings_cannot_forge_log_lines,
                          test_cli_escapes_bidi_and_control_characters])
