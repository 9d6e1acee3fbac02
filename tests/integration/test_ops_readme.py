"""The README says what the code does.

The tour ("A five-minute tour") runs as written: every `$ bin/qualflow ...`
command of its sh blocks, in order, against a real daemon and the four
workers (test clock at the time the README shows), must exit 0 (1 where its
comment says "refused") and print the lines shown under it. A shown line
matches a printed line when they are equal with runs of spaces taken as
one and "..." standing for any text; "..." on a line of its own stands for
lines left out; the shown lines must appear in order. Comments ("  # ...")
are not part of a line. A read (show, list, events) whose lines do not show
yet is run again for a while, as the README's "a moment later" says.

The CLI reference table names every command of `qualflow --help`, and,
unless its row ends in "…", every option of the command's --help.
"""
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from qfharness import BIN, ROOT, Clock, Env, ask, ms, run  # noqa: E402

README = os.path.join(ROOT, "README.md")
# The time of the events the tour shows, to the millisecond.
TOUR_TIME, TOUR_MS = "2026-11-26T23:21:40", 553
READ_WORDS = ("show", "list", "events", "report", "status", "groups")
RETRY_S = 30


def section(title):
    """The README's text from the heading `## title` to the next one."""
    text = open(README, encoding="utf-8").read()
    start = text.index("\n## %s\n" % title)
    end = text.find("\n## ", start + 1)
    return text[start:end if end > 0 else len(text)]


def strip_comment(line):
    return re.sub(r"\s+#\s.*$", "", line).rstrip()


def tour_steps():
    """The tour's commands in order: (command line, its comment, the lines
    shown under it)."""
    steps = []
    for block in re.findall(r"```sh\n(.*?)```", section("A five-minute tour"), re.S):
        lines = block.splitlines()
        i = 0
        while i < len(lines):
            line = lines[i]
            if not line.startswith("$ "):
                if steps:
                    steps[-1][2].append(strip_comment(line))
                i += 1
                continue
            command = line[2:]
            while command.rstrip().endswith("\\") and i + 1 < len(lines):
                i += 1
                command = command.rstrip()[:-1] + " " + lines[i].strip()
            comment = re.search(r"\s#\s(.*)$", command)
            steps.append((strip_comment(command), comment.group(1) if comment else "", []))
            i += 1
    return steps


def pattern(shown):
    """A regular expression matching a printed line against a shown one."""
    parts = [re.escape(p) for p in " ".join(shown.split()).split("...")]
    return re.compile("^" + ".*".join(parts) + "$")


def unmatched(shown_lines, printed):
    """The first shown line not found in order in `printed`, or None."""
    lines = [" ".join(line.split()) for line in printed.splitlines()]
    at = 0
    for shown in shown_lines:
        if shown.strip() in ("", "..."):
            continue
        p = pattern(shown)
        while at < len(lines) and not p.match(lines[at]):
            at += 1
        if at == len(lines):
            return shown
        at += 1
    return None


def cli_argv(env, words):
    assert words[0] == "bin/qualflow", words
    return [os.path.join(BIN, "qualflow"), "-c", env.conf] + words[1:]


def test_tour_runs_as_written():
    steps = tour_steps()
    assert len(steps) > 10, "no tour found in the README"
    env = Env()
    follower = None
    try:
        clock = Clock(env, TOUR_TIME)
        with open(clock.path, "w") as f:
            f.write(str(ms(TOUR_TIME) + TOUR_MS))
        env.start_daemon()
        for w in ("legal", "finance", "technical", "renewal"):
            env.start_worker(w)
        cli_env = dict(os.environ, COLUMNS="10000")
        for command, comment, shown in steps:
            words = command.split()
            if command == "kill %1":
                assert follower, "kill %1 without a background command"
                follower.send_signal(signal.SIGTERM)
                assert follower.wait(timeout=10) == 0, "events --follow did not stop cleanly"
                follower_out.close()
                check_follow(os.path.join(env.dir, "follow.out"), follow_start)
                follower = None
                continue
            if words[-1] == "&":
                assert words[1:3] == ["events", "--follow"], command
                follow_start = last_seq(env)
                follower_out = open(os.path.join(env.dir, "follow.out"), "w")
                follower = subprocess.Popen(cli_argv(env, words[:-1]), stdout=follower_out,
                                            stderr=subprocess.STDOUT, env=cli_env)
                continue
            refused = "refused" in comment
            is_read = any(w in READ_WORDS for w in words[1:4])
            deadline = time.time() + (RETRY_S if is_read else 0)
            while True:
                p = subprocess.run(cli_argv(env, words), capture_output=True, text=True,
                                   env=cli_env, timeout=30)
                printed = p.stdout + p.stderr
                missing = unmatched(shown, printed)
                ok = (p.returncode != 0) == refused and missing is None
                if ok or time.time() >= deadline:
                    break
                time.sleep(0.2)
            assert (p.returncode != 0) == refused, \
                "'%s' exited %d:\n%s" % (command, p.returncode, printed)
            assert missing is None, \
                "'%s' does not print the README's line\n  %s\nit printed:\n%s" % (
                    command, missing, printed)
    finally:
        if follower:
            follower.kill()
            follower.wait()
        env.close()


def last_seq(env):
    return ask(env, "events.list", {"limit": 1})["last_seq"]


def check_follow(path, start):
    """`events --follow` printed its header, the ten events before the end
    of the log when it started (as the README says), then every later one,
    in order and once."""
    rows = [line.split() for line in open(path, encoding="utf-8").read().splitlines()]
    assert rows and rows[0][:2] == ["SEQ", "TIME"], rows[:2]
    seqs = [int(r[0]) for r in rows[1:] if r and r[0].isdigit()]
    assert seqs and seqs[0] == max(1, start - 9), (start, seqs)
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), seqs
    assert seqs[-1] > start, "no event after the start was printed: %s" % seqs


def cli_help(*words):
    p = subprocess.run([os.path.join(BIN, "qualflow")] + list(words) + ["--help"],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, (words, p.stderr)
    return p.stdout


def test_cli_reference_names_every_command_and_option():
    commands = []
    in_commands = False
    for line in cli_help().splitlines():
        if line == "commands:":
            in_commands = True
        elif in_commands and line.startswith("  "):
            commands.append(line[2:20].strip())
        elif in_commands:
            break
    assert len(commands) > 20, commands
    # Each row's first cell: the commands it covers and the options it names.
    rows = []
    for line in section("CLI reference").splitlines():
        if not line.startswith("| `"):
            continue
        cell = line.split(" | ")[0][2:].replace("\\|", "\x00")
        covered = set()
        for segment in re.findall(r"`([^`]*)`", cell):
            words = segment.split()
            if not words or words[0].startswith("-"):
                continue
            if len(words) > 1 and re.match(r"^[a-z][a-z\x00]*$", words[1]):
                covered.update(words[0] + " " + n for n in words[1].split("\x00"))
            else:
                covered.add(words[0])
        rows.append((covered, set(re.findall(r"--[a-z-]+", cell)), cell.rstrip().endswith("…`")))
    problems = []
    for command in commands:
        mine = [r for r in rows if command in r[0]]
        if not mine:
            problems.append("%s: not in the table" % command)
            continue
        if any(elided for _, _, elided in mine):
            continue
        named = set().union(*(options for _, options, _ in mine))
        help_text = cli_help(*command.split())
        if "\noptions:\n" not in help_text:
            continue
        block = help_text.split("\noptions:\n")[1].split("\n\n")[0]
        for line in block.splitlines():
            for option in re.findall(r"--[a-z-]+", line[:28]):
                if option not in named:
                    problems.append("%s: option %s not in the table" % (command, option))
    assert not problems, "README CLI reference: " + "; ".join(problems)


if __name__ == "__main__":
    run("ops_readme", [test_tour_runs_as_written,
                       test_cli_reference_names_every_command_and_option])
