#!/usr/bin/python3
"""The one writer of the daemon's test configuration, for the shell harness
(lib.sh calls its command line) and the Python one (qfharness.Env imports it).

A test configuration is config/qualflow.yaml with the database and the three
ipc endpoints inside the test's own directory, a heartbeat of 200 ms so that
liveness shows within a test, and the test's overrides. An override names a
key that is in the file ("window", or "delivery.window" where a name could
be in two sections) and must match exactly one line: a key that is not there
fails the test at once instead of leaving the daemon on its default.

    qfconfig.py write DIR [KEY=VALUE...]   writes DIR/qualflow.yaml, prints its path
    qfconfig.py set FILE KEY=VALUE...      changes keys of an existing file
    qfconfig.py add FILE SECTION.KEY=VALUE adds a key the file does not have
"""
import os
import re
import sys

ROOT = os.environ.get("QF_ROOT") or os.path.abspath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SHIPPED = os.path.join(ROOT, "config", "qualflow.yaml")


def defaults(directory):
    """What every test configuration changes: nothing outside `directory`."""
    return {
        "database": os.path.join(directory, "qualflow.db"),
        "command_endpoint": "ipc://%s/command.sock" % directory,
        "event_endpoint": "ipc://%s/events.sock" % directory,
        "worker_endpoint": "ipc://%s/worker.sock" % directory,
        "heartbeat_ms": "200",
    }


def _key_pattern(key):
    """A regex for the line of `key` ("name" or "section.name") in a file
    of top-level sections with two-space keys."""
    if "." in key:
        section, name = key.split(".", 1)
        return r"(?m)^(%s:[^\n]*\n(?:(?: [^\n]*|#[^\n]*|[ \t]*)\n)*?  %s:)[^\n]*$" % (
            re.escape(section), re.escape(name))
    return r"(?m)^(  %s:)[^\n]*$" % re.escape(key)


def apply(text, overrides):
    """`text` with each key's value replaced; a key must be there exactly once."""
    for key, value in overrides.items():
        text, n = re.subn(_key_pattern(key), lambda m, v=str(value): m.group(1) + " " + v, text)
        if n != 1:
            raise KeyError("configuration key %s found %d times in the test configuration, "
                           "not once: name it as SECTION.KEY or check config/qualflow.yaml"
                           % (key, n))
    return text


def add(text, key, value):
    """`text` with a new key SECTION.NAME at the start of its section."""
    section, name = key.split(".", 1)
    if re.search(_key_pattern(key), text):
        raise KeyError("configuration key %s is there already: set it instead" % key)
    text, n = re.subn(r"(?m)^(%s:[^\n]*)$" % re.escape(section),
                      lambda m: "%s\n  %s: %s" % (m.group(1), name, value), text, count=1)
    if n != 1:
        raise KeyError("no section %s in the test configuration" % section)
    return text


def write(directory, overrides=None, extra=""):
    """Writes DIR/qualflow.yaml: the shipped file, the test defaults, the
    overrides, and `extra` (YAML appended as it is); returns its path."""
    values = defaults(directory)
    values.update(overrides or {})
    with open(SHIPPED, encoding="utf-8") as f:
        text = apply(f.read(), values)
    path = os.path.join(directory, "qualflow.yaml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text + extra)
    return path


def edit(path, overrides=None, additions=None):
    """Changes keys of an existing configuration file (and adds new ones)."""
    with open(path, encoding="utf-8") as f:
        text = apply(f.read(), overrides or {})
    for key, value in (additions or {}).items():
        text = add(text, key, value)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def _pairs(args):
    out = {}
    for arg in args:
        key, sep, value = arg.partition("=")
        if not sep or not key:
            raise SystemExit("qfconfig: %r is not KEY=VALUE" % arg)
        out[key] = value
    return out


def main(argv):
    if len(argv) >= 2 and argv[0] == "write":
        print(write(argv[1], _pairs(argv[2:])))
    elif len(argv) >= 3 and argv[0] == "set":
        edit(argv[1], _pairs(argv[2:]))
    elif len(argv) >= 3 and argv[0] == "add":
        edit(argv[1], additions=_pairs(argv[2:]))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except KeyError as e:
        raise SystemExit("qfconfig: %s" % e.args[0])
