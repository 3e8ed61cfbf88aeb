"""What scripts/tokio-suite and scripts/websocket-suites share: build a suite's test binaries with cargo, run one,
read each test's outcome, and say what kind of ws-test failure a difference is."""

import json
import os
import re
import subprocess
import tempfile
import time
from collections import defaultdict, namedtuple

WORKSPACE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNTIME = os.path.join(WORKSPACE, "runtime")

TEST_LINE = re.compile(r"^test (\S+)(?: - should panic)? \.\.\. (ok|FAILED|ignored)")

# The kinds of a difference, in the order the reports list them.
KINDS = ["same", "leak", "task panic", "deadlock", "virtual timeout", "blocking", "known", "other", "ignored"]


def write_if_changed(path, text):
    """Leaves an unchanged file alone, so that a second run rebuilds only what changed."""
    if os.path.exists(path) and open(path).read() == text:
        return
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as out:
        out.write(text)


def build_tests(root, target_dir, cargo_arguments, key):
    """Builds every test binary under `root`, keeping going past targets that do not compile. `key` names a binary
    from its compiler-artifact message. Returns (binaries by key, first error lines by target name)."""
    env = dict(os.environ, CARGO_TARGET_DIR=target_dir)
    result = subprocess.run(
        ["cargo", "build", "--tests", "--keep-going", "--message-format=json", *cargo_arguments],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )
    binaries, errors = {}, defaultdict(list)
    for line in result.stdout.splitlines():
        try:
            message = json.loads(line)
        except json.JSONDecodeError:
            continue
        target = message.get("target", {}).get("name")
        if message.get("reason") == "compiler-artifact" and message.get("executable") and message["profile"]["test"]:
            binaries[key(message)] = message["executable"]
        if message.get("reason") == "compiler-message" and message["message"]["level"] == "error":
            errors[target].append(message["message"]["rendered"].splitlines()[0])
    if not binaries and result.returncode != 0:
        errors["(build)"].append(result.stderr[-3000:])
    return binaries, errors


# One run of a test binary: each test's outcome, what each failing test printed, how the binary ended, and how long
# it took in real time.
Run = namedtuple("Run", ["outcomes", "failures", "ended", "seconds"])


def run(binary, timeout, cwd=None, environment=None):
    """Runs a test binary on two threads, with `environment` added to this process's."""
    env = dict(os.environ)
    env.pop("WS_TEST_TIMEOUT", None)
    env.update(environment or {})
    start = time.monotonic()
    # Output goes to a file, not a pipe: a test's child process that outlives it (process_issue_7144 leaves stuck
    # `strace` processes behind when its SIGINT comes early) would hold a pipe open, and reading it would never end.
    with tempfile.TemporaryFile(mode="w+") as log:
        try:
            result = subprocess.run(
                [binary, "--test-threads=2"], stdout=log, stderr=subprocess.STDOUT, timeout=timeout, env=env, cwd=cwd
            )
            ended = f"exit code {result.returncode}"
        except subprocess.TimeoutExpired:
            ended = "hung"
        log.seek(0)
        output = log.read()
    outcomes = {}
    for line in output.splitlines():
        match = TEST_LINE.match(line)
        if match:
            outcomes[match.group(1)] = match.group(2)
    failures = {}
    for match in re.finditer(r"^---- (\S+) stdout ----\n(.*?)(?=^---- |^failures:|\Z)", output, re.M | re.S):
        failures[match.group(1)] = match.group(2)
    if ended == "hung" or (ended != "exit code 0" and not outcomes):
        failures["(binary)"] = f"{ended}\n{output[-2000:]}"
    return Run(outcomes, failures, ended, time.monotonic() - start)


def classify(qualified, text, known):
    """The kind of a test that failed with ws-test and not without: which guard said so, by its message."""
    if qualified in known:
        return "known"
    for needle, kind in [
        ("leaked", "leak"),
        ("spawned task panicked", "task panic"),
        ("deadlocked", "deadlock"),
        ("ran past its virtual_timeout", "virtual timeout"),
        ("event loop blocked", "blocking"),
    ]:
        if needle in text:
            return kind
    return "other"


def compare(qualified_prefix, plain, swapped, failures, known):
    """Counts of each kind for one binary's tests, and the differences as (test, change, kind, message)."""
    counts, differences = defaultdict(int), []
    for test, outcome in sorted(plain.items()):
        after = swapped.get(test, "missing")
        if outcome == "ignored":
            counts["ignored"] += 1
        elif after == outcome:
            counts["same"] += 1
        else:
            qualified = f"{qualified_prefix}::{test}"
            text = failures.get(test, failures.get("(binary)", ""))
            kind = classify(qualified, text, known) if after in ("FAILED", "missing") else "other"
            counts[kind] += 1
            first_line = next((line for line in text.splitlines() if line.startswith("test `")), "")
            differences.append((qualified, f"{outcome} -> {after}", kind, known.get(qualified, first_line)))
    return counts, differences


def table(title, rows, totals, differences):
    """The report: a row per file or binary, a total, and every difference with its message or reason."""
    lines = [title, "", "| file | " + " | ".join(KINDS) + " | note |", "|---|" + "---|" * (len(KINDS) + 1)]
    for name, note, counts in rows:
        lines.append(f"| {name} | " + " | ".join(str(counts.get(kind, 0)) for kind in KINDS) + f" | {note} |")
    lines.append("| **all** | " + " | ".join(f"**{totals.get(kind, 0)}**" for kind in KINDS) + " | |")
    lines += ["", "| test | outcome (as shipped -> swapped) | kind | message or reason |", "|---|---|---|---|"]
    for qualified, change, kind, text in differences:
        lines.append(f"| {qualified} | {change} | {kind} | {text.replace('|', '/')[:200]} |")
    return "\n".join(lines) + "\n"
