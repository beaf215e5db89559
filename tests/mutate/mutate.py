#!/usr/bin/env python3
"""mutate.py -- the mutation check of the C runtime (issue 16).

Plants each mutant of c_mutants.py alone in a copy of the tree (never in
the working files), builds the native test program there and runs the
native C suite on it.  A mutant is CAUGHT when a test fails (or times
out), SURVIVED when every test passes, STALE when its line is gone or no
longer unique (the list needs mending), INVALID when it does not compile.

  tests/mutate/mutate.py [--only ID,ID] [--build DIR] [--jobs N]

Exit status 0 when at least --target (default 90) percent of the applied
mutants are caught, no unexpected mutant survives (a survivor must be
named in c_mutants.py with its reason), none is invalid and at most a
quarter are stale.
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from c_mutants import MUTANTS  # noqa: E402

# What the native build needs (a copy of these is mutated).
TREE = ["CMakeLists.txt", "cmake", "include", "src", "tests", "examples", "bench", "wasm"]


REPORT = []


def log(msg):
    print(msg, flush=True)
    REPORT.append(msg)


def copy_tree(dst):
    if os.path.isdir(dst):
        shutil.rmtree(dst)
    os.makedirs(dst)
    for name in TREE:
        src = os.path.join(ROOT, name)
        if os.path.isdir(src):
            # Fresh times (shutil.copy): make must never trust an object
            # built from an earlier run's mutant.
            shutil.copytree(src, os.path.join(dst, name), copy_function=shutil.copy,
                            ignore=shutil.ignore_patterns("node_modules", "mutate"))
        elif os.path.exists(src):
            shutil.copy(src, os.path.join(dst, name))


def find_line(lines, m):
    """Index of the line m changes, or an error string (stale)."""
    start = 0
    if m.get("after"):
        hits = [i for i, l in enumerate(lines) if m["after"] in l]
        if len(hits) != 1:
            return "'after' text found on %d lines: %r" % (len(hits), m["after"])
        start = hits[0] + 1
        for i in range(start, len(lines)):
            if m["line"] in lines[i]:
                return i
        return "line not found after the 'after' line: %r" % m["line"]
    hits = [i for i, l in enumerate(lines) if m["line"] in l]
    if len(hits) != 1:
        return "line found %d times: %r" % (len(hits), m["line"])
    return hits[0]


def mutate_text(text, m):
    """The mutated file text, or an error string (stale)."""
    lines = text.split("\n")
    i = find_line(lines, m)
    if isinstance(i, str):
        return None, i
    if "swap" in m:
        for j in range(i + 1, min(i + 9, len(lines))):
            if m["swap"] in lines[j]:
                lines[i], lines[j] = lines[j], lines[i]
                m["_lines"] = [i + 1, j + 1]
                return "\n".join(lines), None
        return None, "swap partner not found within 8 lines: %r" % m["swap"]
    if m["old"] not in lines[i]:
        return None, "%r is not on the line any more" % m["old"]
    # Dropping a whole statement leaves ";" (an if/else around it stays
    # valid); dropping part of an expression leaves nothing.
    new = m["new"] if m["new"] or not m["old"].endswith(";") else ";"
    lines[i] = lines[i].replace(m["old"], new, 1)
    m["_lines"] = [i + 1]
    return "\n".join(lines), None


def run(cmd, cwd, timeout):
    try:
        p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=timeout)
        return p.returncode, p.stdout.decode(errors="replace")
    except subprocess.TimeoutExpired:
        return -1, "timeout"


def list_tests(bdir, regex):
    """The native suite as ctest knows it: name, command, directory, timeout."""
    cmd = ["ctest", "--show-only=json-v1", "-L", "native"] + (["-R", regex] if regex else [])
    rc, out = run(cmd, bdir, 120)
    if rc != 0:
        sys.exit("mutate: ctest --show-only failed:\n" + out)
    tests = []
    for t in json.loads(out[out.index("{"):])["tests"]:
        props = {p["name"]: p["value"] for p in t.get("properties", [])}
        tests.append(dict(name=t["name"], cmd=t["command"],
                          cwd=props.get("WORKING_DIRECTORY", bdir),
                          timeout=float(props.get("TIMEOUT", 60)),
                          skip=int(props.get("SKIP_RETURN_CODE", -1000))))
    return tests


def kill(p):
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    p.wait()


def run_tests(tests, jobs, timeout_of, first_failure=True):
    """Runs the tests jobs at a time, each in its own process group.  With
    first_failure, stops at the first failing (or timed-out) test and kills
    the others: (name, "failed"|"timeout"|None, {name: seconds})."""
    queue = list(tests)
    running = {}  # Popen -> (test, start)
    times = {}
    failed = None
    try:
        while queue or running:
            while queue and len(running) < jobs:
                t = queue.pop(0)
                p = subprocess.Popen(t["cmd"], cwd=t["cwd"], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
                running[p] = (t, time.time())
            time.sleep(0.005)
            for p, (t, t0) in list(running.items()):
                rc = p.poll()
                dt = time.time() - t0
                if rc is None and dt < timeout_of(t):
                    continue
                if rc is None:
                    kill(p)
                    how = "timeout"
                else:
                    how = None if rc in (0, t["skip"]) else "failed"
                del running[p]
                times[t["name"]] = dt
                if how and not failed:
                    failed = (t["name"], how)
                    if first_failure:
                        return failed + (times,)
    finally:
        for p in running:
            kill(p)
    return (failed or (None, None)) + (times,)


def source_digest():
    h = hashlib.sha256()
    for d in ("src", "include", "tests", "examples"):
        for base, dirs, files in sorted(os.walk(os.path.join(ROOT, d))):
            dirs[:] = sorted(x for x in dirs if x not in ("mutate", "node_modules", "browser"))
            for f in sorted(files):
                with open(os.path.join(base, f), "rb") as fh:
                    h.update(f.encode() + b"\0" + fh.read())
    return h.hexdigest()


def coverage_map(tree, build, tests_regex, jobs):
    """Which lines of src/ each native test runs: {test: {file: [line]}} and
    {file: [executable line]}, from a --coverage build of the unmutated
    tree, one test at a time.  A mutant then runs only the tests that run
    its line (a test that never runs it cannot tell it apart).  Cached
    under build/mutate/coverage.json until src/, include/ or tests/ change."""
    cache = os.path.join(build, "coverage.json")
    digest = source_digest() + tests_regex
    if os.path.exists(cache):
        with open(cache) as f:
            c = json.load(f)
        if c.get("digest") == digest:
            return c["tests"], c["lines"]
    cdir = os.path.join(build, "cov")
    t0 = time.time()
    rc, out = run(["cmake", "-S", tree, "-B", cdir, "-DCMAKE_BUILD_TYPE=Debug",
                   "-DCMAKE_C_FLAGS=--coverage -fprofile-update=atomic"], ROOT, 600)
    if rc == 0:
        rc, out = run(["cmake", "--build", cdir, "-j%d" % jobs], ROOT, 900)
    if rc != 0:
        log(out)
        sys.exit("mutate: the coverage build failed")
    objdir = os.path.join(cdir, "CMakeFiles", "stackless.dir", "src")
    per_test, executable = {}, {}
    for t in list_tests(cdir, tests_regex):
        for base, _, files in os.walk(cdir):
            for f in files:
                if f.endswith(".gcda"):
                    os.remove(os.path.join(base, f))
        run_tests([t], 1, lambda t: t["timeout"], first_failure=False)
        gcdas = sorted(os.path.join(objdir, f) for f in os.listdir(objdir) if f.endswith(".gcda"))
        hit = {}
        if gcdas:
            rc, out = run(["gcov", "--json-format", "--stdout"] + gcdas, objdir, 300)
            for line in out.splitlines():
                if not line.startswith("{"):
                    continue
                for fr in json.loads(line)["files"]:
                    name = os.path.basename(fr["file"])
                    ex = executable.setdefault(name, set())
                    for ln in fr["lines"]:
                        ex.add(ln["line_number"])
                        if ln["count"] > 0:
                            hit.setdefault(name, set()).add(ln["line_number"])
        per_test[t["name"]] = {k: sorted(v) for k, v in hit.items()}
    lines = {k: sorted(v) for k, v in executable.items()}
    with open(cache, "w") as f:
        json.dump(dict(digest=digest, tests=per_test, lines=lines), f)
    log("mutate: coverage of each test measured (%.0f s)" % (time.time() - t0))
    return per_test, lines


def check_regress(args, mutants, fresh=True):
    """Each regress_ test alone fails on the bug it was written for."""
    tree = os.path.join(args.build, "tree")
    bdir = os.path.join(args.build, "native")
    build = ["cmake", "--build", bdir, "-j%d" % args.jobs]
    if fresh:
        copy_tree(tree)
        rc, out = run(["cmake", "-S", tree, "-B", bdir, "-DCMAKE_BUILD_TYPE=RelWithDebInfo"], ROOT, 600)
        if rc != 0 or run(build, ROOT, 900)[0] != 0:
            sys.exit("mutate: the unmutated tree does not build")
    t0 = time.time()
    log("")
    log("mutate: each regression test against its own bug alone")
    tests = {t["name"]: t for t in list_tests(bdir, "regress_")}
    named = set()
    ok = True
    for m in mutants:
        want = ["native." + n for n in m["regress"].split(",")]
        named.update(want)
        path = os.path.join(tree, "src", m["file"])
        with open(os.path.join(ROOT, "src", m["file"])) as f:
            original = f.read()
        text, err = mutate_text(original, m)
        if err:
            log("  STALE     %-28s %s" % (m["id"], err)); ok = False
            continue
        try:
            with open(path, "w") as f:
                f.write(text)
            if run(build, ROOT, 900)[0] != 0:
                log("  INVALID   %-28s" % m["id"]); ok = False
                continue
            for w in want:
                if w not in tests:
                    log("  MISSING   %-28s no test %s" % (m["id"], w)); ok = False
                    continue
                name, how, _ = run_tests([tests[w]], 1, lambda t: args.test_timeout)
                if name:
                    log("  fails     %-44s on %s (%s)" % (w, m["id"], how))
                else:
                    log("  PASSES    %-44s on %s: it no longer guards its bug" % (w, m["id"])); ok = False
        finally:
            with open(path, "w") as f:
                f.write(original)
    run(build, ROOT, 900)
    for t in sorted(set(tests) - named):
        log("  UNNAMED   %s: no mutant names it (add regress= to its bug's mutant)" % t); ok = False
    log("mutate --regress: %s (%.0f s)" % ("every regression test fails on its bug" if ok else "FAIL",
                                           time.time() - t0))
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="", help="comma-separated mutant ids")
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "mutate"))
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--target", type=float, default=90.0)
    ap.add_argument("--tests", default="", help="only the tests matching this regex (ctest -R)")
    ap.add_argument("--all-tests", action="store_true",
                    help="run every test on each mutant, not only those that run its line")
    ap.add_argument("--regress", action="store_true",
                    help="check that each regression test (tests/test_regress.c) fails on its "
                         "bug: only the mutants with regress=, each against its test(s) alone")
    ap.add_argument("--test-timeout", type=float, default=10,
                    help="seconds per test at least (else 5 times its unmutated time): "
                         "a mutant that hangs a test is caught by it")
    args = ap.parse_args()
    only = set(filter(None, args.only.split(",")))
    mutants = [m for m in MUTANTS if (not only or m["id"] in only) and (not args.regress or m.get("regress"))]
    if args.regress:
        return check_regress(args, mutants)
    ids = [m["id"] for m in MUTANTS]
    assert len(ids) == len(set(ids)), "duplicate mutant ids"

    tree = os.path.join(args.build, "tree")
    bdir = os.path.join(args.build, "native")
    t0 = time.time()
    log("mutate: copying the tree to %s" % tree)
    copy_tree(tree)
    rc, out = run(["cmake", "-S", tree, "-B", bdir, "-DCMAKE_BUILD_TYPE=RelWithDebInfo"], ROOT, 600)
    if rc != 0:
        log(out)
        sys.exit("mutate: configure failed")
    build = ["cmake", "--build", bdir, "-j%d" % args.jobs]
    rc, out = run(build, ROOT, 900)
    if rc != 0:
        log(out)
        sys.exit("mutate: the unmutated tree does not build")
    tests = list_tests(bdir, args.tests)
    # Twice the cores: a mutant that hangs tests mostly leaves them asleep.
    slots = 2 * args.jobs
    name, how, base = run_tests(tests, slots, lambda t: t["timeout"])
    if name:
        sys.exit("mutate: the native suite fails without any mutant: %s (%s)" % (name, how))
    log("mutate: baseline builds and passes, %d tests (%.0f s)" % (len(tests), time.time() - t0))
    timeout_of = lambda t: max(args.test_timeout, 5 * base.get(t["name"], 1))
    per_test, executable = ({}, {}) if args.all_tests else \
        coverage_map(tree, args.build, args.tests, args.jobs)
    # The tests that caught each mutant last time go first.
    killers_path = os.path.join(args.build, "killers.json")
    killers = {}
    if os.path.exists(killers_path):
        with open(killers_path) as f:
            killers = json.load(f)

    results = {"caught": [], "survived": [], "stale": [], "invalid": []}
    for m in mutants:
        path = os.path.join(tree, "src", m["file"])
        with open(os.path.join(ROOT, "src", m["file"])) as f:
            original = f.read()
        text, err = mutate_text(original, m)
        if err:
            results["stale"].append((m, err))
            log("  STALE     %-28s %s: %s" % (m["id"], m["file"], err))
            continue
        chosen = tests
        if not args.all_tests:
            ex = set(executable.get(m["file"], []))
            if any(ln in ex for ln in m["_lines"]):
                chosen = [t for t in tests
                          if t["name"] not in per_test or  # measured nothing: run it
                          any(ln in per_test[t["name"]].get(m["file"], []) for ln in m["_lines"])]
            # else: a declaration or data line, not code gcov sees: every test
        first = killers.get(m["id"])
        chosen = sorted(chosen, key=lambda t: (t["name"] != first, base.get(t["name"], 0)))
        t1 = time.time()
        try:
            with open(path, "w") as f:
                f.write(text)
            rc, out = run(build, ROOT, 900)
            if rc != 0:
                results["invalid"].append((m, out[-2000:]))
                log("  INVALID   %-28s does not compile" % m["id"])
                continue
            name, how, _ = run_tests(chosen, slots, timeout_of) if chosen else (None, None, {})
        finally:
            with open(path, "w") as f:
                f.write(original)
        dt = time.time() - t1
        if name:
            killers[m["id"]] = name
            first = name + (" (timeout)" if how == "timeout" else "")
            results["caught"].append((m, first))
            note = "  (listed as a survivor: unmark it)" if m.get("survives") else ""
            log("  caught    %-28s by %s (%.0f s, %d tests chosen)%s" % (m["id"], first, dt, len(chosen), note))
        else:
            results["survived"].append((m, None))
            tag = "survived" if m.get("survives") else "SURVIVED"
            log("  %s  %-28s %s: %s (%d tests ran%s)" % (tag, m["id"], m["file"], m["why"], len(chosen),
                                                         "" if chosen else ": none runs its line"))
    with open(killers_path, "w") as f:
        json.dump(killers, f, indent=1)
    # The tree's build keeps the last mutant's object files: the next run
    # rebuilds them from the restored sources (cmake sees the new mtime).

    applied = len(results["caught"]) + len(results["survived"])
    caught = len(results["caught"])
    share = 100.0 * caught / applied if applied else 0.0
    unexpected = [m for m, _ in results["survived"] if not m.get("survives")]
    log("")
    log("mutate: %d of %d applied mutants caught (%.1f%%), %d survived, %d stale, %d invalid; %.0f s"
        % (caught, applied, share, len(results["survived"]), len(results["stale"]),
           len(results["invalid"]), time.time() - t0))
    for m, _ in results["survived"]:
        log("  survivor %s: %s -- %s" % (m["id"], m["why"],
                                         m.get("survives") or "NOT EXPLAINED: add a test or a reason"))
    for m, err in results["stale"]:
        log("  stale %s (%s): %s -- mend its entry in tests/mutate/c_mutants.py" % (m["id"], m["file"], err))
    for m, out in results["invalid"]:
        log("  invalid %s:\n%s" % (m["id"], out))
    ok = True
    if not only and not args.tests:
        ok = check_regress(args, [m for m in MUTANTS if m.get("regress")], fresh=False) == 0
    with open(os.path.join(args.build, "report.txt"), "w") as f:
        f.write("\n".join(REPORT) + "\n")
    if only:
        return 0
    if share < args.target:
        log("mutate: FAIL: below the target of %.0f%%" % args.target); ok = False
    if unexpected:
        log("mutate: FAIL: unexplained survivors: %s" % ", ".join(m["id"] for m in unexpected)); ok = False
    if results["invalid"]:
        log("mutate: FAIL: invalid mutants"); ok = False
    if len(results["stale"]) * 4 > len(mutants):
        log("mutate: FAIL: more than a quarter of the mutants are stale"); ok = False
    with open(os.path.join(args.build, "report.txt"), "w") as f:
        f.write("\n".join(REPORT) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
