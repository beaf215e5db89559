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
import os
import re
import shutil
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
                return "\n".join(lines), None
        return None, "swap partner not found within 8 lines: %r" % m["swap"]
    if m["old"] not in lines[i]:
        return None, "%r is not on the line any more" % m["old"]
    # Dropping a whole statement leaves ";" (an if/else around it stays
    # valid); dropping part of an expression leaves nothing.
    new = m["new"] if m["new"] or not m["old"].endswith(";") else ";"
    lines[i] = lines[i].replace(m["old"], new, 1)
    return "\n".join(lines), None


def run(cmd, cwd, timeout):
    try:
        p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=timeout)
        return p.returncode, p.stdout.decode(errors="replace")
    except subprocess.TimeoutExpired:
        return -1, "timeout"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="", help="comma-separated mutant ids")
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "mutate"))
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--target", type=float, default=90.0)
    ap.add_argument("--tests", default="", help="only the tests matching this regex (ctest -R)")
    ap.add_argument("--test-timeout", type=int, default=30,
                    help="seconds per test: a mutant that hangs a test is caught by it")
    args = ap.parse_args()
    only = set(filter(None, args.only.split(",")))
    mutants = [m for m in MUTANTS if not only or m["id"] in only]
    ids = [m["id"] for m in MUTANTS]
    assert len(ids) == len(set(ids)), "duplicate mutant ids"

    tree = os.path.join(args.build, "tree")
    bdir = os.path.join(args.build, "native")
    t0 = time.time()
    log("mutate: copying the tree to %s" % tree)
    copy_tree(tree)
    rc, out = run(["cmake", "-S", tree, "-B", bdir, "-DCMAKE_BUILD_TYPE=RelWithDebInfo",
                   "-DSLP_TEST_TIMEOUT=%d" % args.test_timeout], ROOT, 600)
    if rc != 0:
        log(out)
        sys.exit("mutate: configure failed")
    build = ["cmake", "--build", bdir, "-j%d" % args.jobs]
    # Twice the cores: a mutant that hangs tests mostly leaves them asleep.
    ctest = ["ctest", "-j%d" % (2 * args.jobs), "--stop-on-failure", "-L", "native"] + (["-R", args.tests] if args.tests else [])
    rc, out = run(build, ROOT, 900)
    if rc != 0:
        log(out)
        sys.exit("mutate: the unmutated tree does not build")
    rc, out = run(ctest, bdir, 1800)
    if rc != 0:
        log(out)
        sys.exit("mutate: the native suite fails without any mutant")
    log("mutate: baseline builds and passes (%.0f s)" % (time.time() - t0))

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
        t1 = time.time()
        try:
            with open(path, "w") as f:
                f.write(text)
            rc, out = run(build, ROOT, 900)
            if rc != 0:
                results["invalid"].append((m, out[-2000:]))
                log("  INVALID   %-28s does not compile" % m["id"])
                continue
            rc, out = run(ctest, bdir, 1800)
        finally:
            with open(path, "w") as f:
                f.write(original)
        dt = time.time() - t1
        if rc != 0:
            failed = [mt.group(1) + (" (timeout)" if mt.group(2) == "Timeout" else "")
                      for mt in re.finditer(r"Test +#\d+: (\S+) \.*\*\*\*(Failed|Timeout|Exception)", out)]
            first = failed[0] if failed else "(ctest %d)" % rc
            results["caught"].append((m, first))
            note = "  (listed as a survivor: unmark it)" if m.get("survives") else ""
            log("  caught    %-28s by %s (%.0f s)%s" % (m["id"], first, dt, note))
        else:
            results["survived"].append((m, None))
            tag = "survived" if m.get("survives") else "SURVIVED"
            log("  %s  %-28s %s: %s" % (tag, m["id"], m["file"], m["why"]))
    # The tree's build keeps the last mutant's object files: rebuild clean
    # next time from the restored sources (cmake sees the new mtime).

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
    with open(os.path.join(args.build, "report.txt"), "w") as f:
        f.write("\n".join(REPORT) + "\n")
    ok = True
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
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
