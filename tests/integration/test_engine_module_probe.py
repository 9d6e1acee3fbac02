"""A module that no engine file names plugs into the real daemon.

tests/modules/probe/ is built only into qualflowd-test ($QF_TESTS): its
command, its own table (made by its own migration, versioned in
qf_schema), its event, its timer kind and its configuration section
(probe:), driven over the wire. The daemon users run,
qualflowd ($QF_BIN), does not have it, and opens the same database."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from qfharness import BIN, ROOT, Env, run, wait_for  # noqa: E402

TESTS = os.environ.get("QF_TESTS") or os.path.join(ROOT, "build", "release", "tests")
TEST_DAEMON = os.path.join(TESTS, "qualflowd-test")


def start_test_daemon(env):
    """qualflowd-test on env's configuration, answering ping (bounded wait)."""
    assert os.access(TEST_DAEMON, os.X_OK), "no test daemon at %s: build it first" % TEST_DAEMON
    log = open(os.path.join(env.dir, "daemon.log"), "ab")
    env.daemon = subprocess.Popen([TEST_DAEMON, "-c", env.conf],
                                  stdout=log, stderr=subprocess.STDOUT)
    env.procs.append(env.daemon)
    client = env.client()

    def answers():
        assert env.daemon.poll() is None, "qualflowd-test exited with %s" % env.daemon.returncode
        try:
            return client.call("ping", timeout=300)[0] == 200
        except TimeoutError:
            return False
    assert wait_for(answers, 20), "qualflowd-test did not answer within 20 s"
    return client


def stop_daemon(env):
    env.daemon.terminate()
    env.daemon.wait(timeout=30)


def test_probe_command_table_and_event():
    env = Env()
    try:
        c = start_test_daemon(env)
        status, body = c.call("probe.note", {"text": "hello from a module"}, role="review",
                              user="zhang")
        assert status == 200, body
        note = body["result"]
        assert note["text"] == "hello from a module", note
        assert note["author"] == "zhang", note
        # The row is there, read through the module's other command.
        status, body = c.call("probe.get", {"id": note["id"]}, role="review")
        assert status == 200, body
        assert body["result"] == note, (body, note)
        # Its event is in the log, committed with the row.
        status, body = c.call("events.list", {"topic": "probe.noted"})
        assert status == 200, body
        got = body["result"]["events"]
        assert len(got) == 1, got
        assert got[0]["subject"] == "probe/%d" % note["id"], got
        assert got[0]["payload"]["note"] == note, got
        # The command table's rules hold for it as for any module.
        status, body = c.call("probe.note", {"text": ""}, role="review")
        assert status == 400, body
        status, body = c.call("probe.note", {"text": "x"}, role="finance")
        assert status == 403, body
        status, body = c.call("probe.get", {"id": note["id"] + 1}, role="review")
        assert status == 404 and "no probe note" in body["error"]["message"], body
        c.close()
        # Its schema has its own version.
        assert env.sql("SELECT version FROM qf_schema WHERE module = 'probe'") == [(1,)]
    finally:
        env.close()


def test_reopening_applies_nothing_and_keeps_rows():
    env = Env()
    try:
        c = start_test_daemon(env)
        status, body = c.call("probe.note", {"text": "kept"}, role="review")
        assert status == 200, body
        c.close()
        stop_daemon(env)
        c = start_test_daemon(env)
        status, body = c.call("probe.get", {"id": body["result"]["id"]}, role="review")
        assert status == 200 and body["result"]["text"] == "kept", body
        c.close()
        log = open(os.path.join(env.dir, "daemon.log"), encoding="utf-8").read()
        assert log.count("applied migration 1 of module probe") == 1, log
    finally:
        env.close()


def test_probe_timer_kind_fires_once():
    env = Env()
    try:
        c = start_test_daemon(env)
        # A day already past: the kind is due_when_past, so it fires at once.
        status, body = c.call("probe.note", {"text": "remind me", "remind_on": "2020-01-01"},
                              role="review")
        assert status == 200, body
        note = body["result"]
        # A day far ahead: placed, pending, not fired.
        status, later = c.call("probe.note", {"text": "later", "remind_on": "2099-01-01"},
                               role="review")
        assert status == 200, later

        def reminded():
            return c.call("events.list", {"topic": "probe.reminded"})[1]["result"]["events"]
        assert wait_for(reminded, 10), "the probe.remind timer did not fire"
        got = reminded()
        assert len(got) == 1 and got[0]["subject"] == "probe/%d" % note["id"], got
        assert got[0]["payload"]["note"] == note, got
        c.close()
        # A restart fires nothing again; the future one is still pending.
        stop_daemon(env)
        c = start_test_daemon(env)
        assert c.call("ping")[0] == 200
        got = c.call("events.list", {"topic": "probe.reminded"})[1]["result"]["events"]
        assert len(got) == 1, got
        # No command shows a probe's timers: read the table.
        assert env.sql("SELECT state FROM timers WHERE subject = ? AND kind = 'probe.remind'",
                       "probe/%d" % later["result"]["id"]) == [("pending",)]
        c.close()
    finally:
        env.close()


def s_pipeline(c, command, prefix, failing_at, count):
    """Sends `count` notes at once, texts `prefix`0, `prefix`1..., the one at
    `failing_at` refused after its change (args.fail); returns
    {text: (status, body)}."""
    sent = {}
    for i in range(count):
        args = {"text": "%s%d" % (prefix, i)}
        if i == failing_at:
            args["fail"] = "after-write"
        sent[c.send(command, args, role="review")] = args["text"]
    got = {}
    while len(got) < count:
        rid, status, body = c.recv(10000)
        got[sent[rid]] = (status, body)
    return got


def test_a_command_failing_after_a_change_is_never_committed():
    """probe.note runs without a savepoint (it checks first); when it fails
    after its change all the same, its batch is rolled back: its client
    gets its own refusal, the batch's others are told that nothing was
    changed, and no half of anything is committed. probe.note_guarded asks
    for a savepoint: its failure undoes it alone."""
    env = Env()
    try:
        c = start_test_daemon(env)
        for command, prefix in (("probe.note", "u"), ("probe.note_guarded", "g")):
            got = s_pipeline(c, command, prefix, 20, 40)
            status, body = got.pop(prefix + "20")
            assert status == 409 and "args.fail" in body["error"]["message"], body
            kept = {t for (t,) in env.sql("SELECT text FROM probe_notes")}
            assert prefix + "20" not in kept, kept
            events = c.call("events.list", {"topic": "probe.noted", "limit": 1000})[1]
            noted = {e["payload"]["note"]["text"] for e in events["result"]["events"]}
            assert prefix + "20" not in noted, noted
            for text, (status, body) in got.items():
                if status == 200:
                    assert text in kept and text in noted, (text, body)
                else:
                    assert command == "probe.note" and status == 500, (command, text, body)
                    assert "nothing was changed" in body["error"]["message"], body
                    assert text not in kept, text
        log = open(os.path.join(env.dir, "daemon.log"), encoding="utf-8").read()
        assert log.count("command probe.note failed after it had changed rows") == 1, log
        assert "probe.note_guarded failed after" not in log, log
        c.close()
    finally:
        env.close()


def test_qualflowd_has_no_probe():
    env = Env()
    try:
        c = start_test_daemon(env)
        assert c.call("probe.note", {"text": "before", "remind_on": "2099-01-01"},
                      role="review")[0] == 200
        c.close()
        stop_daemon(env)
        # The daemon users run opens the same database (the probe's schema
        # row is ignored) and knows no probe command.
        env.start_daemon()
        c = env.client()
        status, body = c.call("probe.note", {"text": "x"}, role="review")
        assert status == 400 and 'unknown command "probe.note"' in body["error"]["message"], body
        assert c.call("ping")[0] == 200
        # Its pending timer, of a kind this daemon does not know, waits.
        assert env.sql("SELECT state FROM timers WHERE kind = 'probe.remind'") == [("pending",)]
        c.close()
    finally:
        env.close()


def test_probe_configuration_section():
    """The module's own section, probe:, is read into its own struct by
    the test daemon, which the module's command obeys; the daemon users run
    does not know the section and says so."""
    extra = "probe:\n  max_note_bytes: 5\n"
    env = Env(extra=extra)
    try:
        c = start_test_daemon(env)
        status, body = c.call("probe.note", {"text": "hello world"}, role="review")
        assert status == 400, body
        assert body["error"]["field"] == "args.text", body
        assert "probe.max_note_bytes allows 5" in body["error"]["message"], body
        assert c.call("probe.note", {"text": "hi"}, role="review")[0] == 200
        c.close()
        stop_daemon(env)
        # The reference of each daemon lists exactly the keys it reads.
        ref = subprocess.run([TEST_DAEMON, "--config-reference"], capture_output=True,
                             text=True, timeout=30)
        assert ref.returncode == 0 and "| `probe.max_note_bytes` |" in ref.stdout, ref
        assert "| `policy.renewal_lead_days` |" in ref.stdout, ref
        release = os.path.join(BIN, "qualflowd")
        ref = subprocess.run([release, "--config-reference"], capture_output=True, text=True,
                             timeout=30)
        assert ref.returncode == 0 and "probe" not in ref.stdout, ref
        # qualflowd refuses the file, naming the section and the line.
        check = subprocess.run([release, "--check-config", env.conf],
                               capture_output=True, text=True, timeout=30)
        assert check.returncode != 0, check
        assert '"probe"' in check.stderr and "expected a section" in check.stderr, check
        # And an out-of-range value is refused by the test daemon at load.
        bad = Env(extra="probe:\n  max_note_bytes: 500\n")
        try:
            check = subprocess.run([TEST_DAEMON, "--check-config", bad.conf],
                                   capture_output=True, text=True, timeout=30)
            assert check.returncode != 0, check
            assert "probe.max_note_bytes" in check.stderr and "1 to 200" in check.stderr, check
        finally:
            bad.close()
    finally:
        env.close()


if __name__ == "__main__":
    run("engine_module_probe", [test_probe_command_table_and_event,
                         test_reopening_applies_nothing_and_keeps_rows,
                         test_probe_timer_kind_fires_once,
                         test_qualflowd_has_no_probe,
                         test_probe_configuration_section,
                         test_a_command_failing_after_a_change_is_never_committed])
