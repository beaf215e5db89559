#!/usr/bin/env python3
"""diff.py -- the differential test of the runtime against Stackless 3.7.

    diff.py check C_INTERP           the suite's step: the goldens' programs
                                     (seeds and cases/*.prog) on the C side,
                                     compared with Stackless's recorded traces
    diff.py campaign [FROM [COUNT]]  random programs on both sides now
                                     ($STACKLESS_PYTHON, $C_INTERP); each new
                                     difference is shrunk and saved in cases/
    diff.py record [COUNT]           re-record golden.txt.gz with Stackless
    diff.py show SEED|FILE           a program and both traces side by side
    diff.py shrink SEED|FILE [NAME]  shrink a differing program (into
                                     cases/NAME.prog)

A difference is a failure unless it is one of filters.py's named entries
(each with its reason; KNOWN.md lists the runtime's known divergences).
"""
import gzip
import hashlib
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import filters  # noqa: E402
import gen  # noqa: E402

GOLDEN = os.path.join(HERE, "golden.txt.gz")
CASES = os.path.join(HERE, "cases")
ROOT = os.path.dirname(os.path.dirname(HERE))
DEFAULT_C = os.path.join(ROOT, "build", "native", "tests", "diff", "slp_diff_interp")


def digest(text):
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def cases():
    out = []
    if os.path.isdir(CASES):
        for f in sorted(os.listdir(CASES)):
            if f.endswith(".prog"):
                with open(os.path.join(CASES, f)) as fh:
                    out.append(("case " + f[:-5], fh.read()))
    return out


def seeds(first, count):
    return [("seed %d" % s, gen.program(s)) for s in range(first, first + count)]


def run_batch(cmd, progs):
    """Run an interpreter over (name, text) programs: {name: [lines]}."""
    batch = "".join("# %s\n%s" % (n, t) for n, t in progs)
    out = subprocess.run(cmd, input=batch.encode(), stdout=subprocess.PIPE,
                         check=True, timeout=60 + 6 * len(progs)).stdout.decode()
    traces, cur = {}, None
    for line in out.splitlines():
        if line.startswith("@@ "):
            cur = traces.setdefault(line[3:], [])
        elif cur is not None:
            cur.append(line)
    return traces


def python_cmd():
    py = os.environ.get("STACKLESS_PYTHON")
    if not py:
        sys.exit("diff.py: set STACKLESS_PYTHON to a Stackless 3.7 python")
    return [py, "-S", os.path.join(HERE, "interp.py")]


def c_cmd(path=None):
    path = path or os.environ.get("C_INTERP") or DEFAULT_C
    if not os.path.exists(path):
        sys.exit("diff.py: no C interpreter at %s (build tests/diff, or set C_INTERP)" % path)
    return [path]


def compare(prog, py, c):
    """None if equal (after filters), else (verdict, index, py line, c line).
    verdict is the name of a known divergence or 'NEW'."""
    py, c, _ = filters.cut(py, c)
    i = 0
    while i < min(len(py), len(c)):
        if py[i] != c[i] and not any(m(py[i], c[i]) for _, _, m in filters.EQUIVALENT):
            break
        i += 1
    if i == len(py) == len(c):
        return None
    a = py[i] if i < len(py) else "<end>"
    b = c[i] if i < len(c) else "<end>"
    return (filters.classify(prog, py, c, i) or "NEW", i, a, b)


def side_by_side(prog, py, c):
    out = [prog.rstrip(), "%-44s | %s" % ("Stackless 3.7", "stackless.h")]
    for i in range(min(max(len(py), len(c)), 60)):
        a = py[i] if i < len(py) else ""
        b = c[i] if i < len(c) else ""
        out.append("%-44s %s %s" % (a, "|" if a == b else "X", b))
    return "\n".join(out)


# ------------------------------------------------------------ golden file
def read_golden():
    progs, traces, cur = {}, {}, None
    with gzip.open(GOLDEN, "rt") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("@@ "):
                name, h = line[3:].rsplit(" ", 1)
                progs[name] = h
                cur = traces.setdefault(name, [])
            else:
                cur.append(line)
    return progs, traces


def cmd_record(count=3000):
    progs = seeds(0, int(count)) + cases()
    traces = run_batch(python_cmd(), progs)
    with gzip.GzipFile(GOLDEN, "wb", mtime=0) as f:
        for name, text in progs:
            f.write(("@@ %s %s\n" % (name, digest(text))).encode())
            f.write("".join(l + "\n" for l in traces[name]).encode())
    print("recorded %d programs into %s" % (len(progs), GOLDEN))


def cmd_check(c_interp=None):
    hashes, golden = read_golden()
    progs = []
    bycase = dict(cases())
    for name, h in hashes.items():
        text = gen.program(int(name[5:])) if name.startswith("seed ") else bycase.get(name)
        if text is None or digest(text) != h:
            sys.exit("diff.py: golden.txt.gz is out of date for %s (the generator or "
                     "the case changed): re-record with `diff.py record`" % name)
        progs.append((name, text))
    missing = set(bycase) - set(hashes)
    if missing:
        sys.exit("diff.py: cases without a golden trace (run `diff.py record`): %s"
                 % " ".join(sorted(missing)))
    traces = run_batch(c_cmd(c_interp), progs)
    return report(progs, golden, traces)


def report(progs, py, c, shrink=False):
    known, new = {}, []
    for name, text in progs:
        d = compare(text, py[name], c.get(name, ["<no trace>"]))
        if d is None:
            if name.startswith("case ") and any(name[5:].startswith(k[0])
                                                for k in filters.KNOWN):
                print("  %s: now the same as Stackless" % name)
            continue
        if d[0].startswith("NEW"):
            new.append((name, text, d))
        else:
            known.setdefault(d[0], []).append(name)
    same = len(progs) - len(new) - sum(len(v) for v in known.values())
    print("%d programs: %d same, %d known divergences, %d new differences"
          % (len(progs), same, len(progs) - same - len(new), len(new)))
    for k in sorted(known):
        print("  known %-28s %5d  (e.g. %s)" % (k, len(known[k]), known[k][0]))
    for name, text, d in new[:20]:
        print("%s difference in %s at event %d:\n  Stackless: %s\n  runtime:   %s"
              % (d[0], name, d[1], d[2], d[3]))
    if new and not shrink:
        name, text, d = new[0]
        print("first one in full:\n" + side_by_side(text, py[name], c.get(name, [])))
    return new


def cmd_campaign(first=None, count=None):
    first = int(first if first is not None else 100000)
    count = int(count if count is not None else 20000)
    pycmd, ccmd = python_cmd(), c_cmd()
    step = 2000
    found = 0
    for s in range(first, first + count, step):
        progs = seeds(s, min(step, first + count - s))
        new = report(progs, run_batch(pycmd, progs), run_batch(ccmd, progs), shrink=True)
        for name, text, d in new:
            small = shrink(text, pycmd, ccmd)
            path = os.path.join(CASES, "new-%s.prog" % name.split()[1])
            os.makedirs(CASES, exist_ok=True)
            with open(path, "w") as f:
                f.write(small)
            found += 1
            print("shrunk %s into %s:" % (name, path))
            tr = run_batch(pycmd, [("x", small)])["x"], run_batch(ccmd, [("x", small)])["x"]
            print(side_by_side(small, *tr))
    print("campaign over seeds %d..%d: %d new differences" % (first, first + count - 1, found))
    return found


# ------------------------------------------------------------------ shrink
def _refs(lines, kind):
    """Indexes of kind ('T', 'C', 'S') lines, and the text that uses them."""
    idx = [i for i, l in enumerate(lines) if l.startswith(kind + " ") or l == kind]
    ops = " ".join(l[1:] for l in lines if l[:1] in "SM").replace(";", " ").split()
    if kind == "S":
        used = [l.split()[2] for l in lines if l.startswith("T run")]
        used += [ops[j + 2] for j, w in enumerate(ops[:-2]) if w == "bind"]
        return idx, set(used)
    return idx, set(w for w in ops if w[:1] == kind.lower() or w == "m")


def variants(text):
    """Smaller programs: the last tasklet, channel or script gone if unused,
    one op less, one tasklet not started, a channel's settings reset."""
    lines = text.splitlines()
    for kind, prefix in (("T", "t"), ("C", "c"), ("S", "")):
        idx, used = _refs(lines, kind)
        if len(idx) > 1 and (prefix + str(len(idx) - 1)) not in used:
            yield "\n".join(lines[:idx[-1]] + lines[idx[-1] + 1:]) + "\n"
    for i, line in enumerate(lines):
        if line[:1] in "SM":
            ops = [o.strip() for o in line[1:].split(";") if o.strip()]
            for j in range(len(ops)):
                new = lines[:]
                new[i] = line[0] + " " + "; ".join(ops[:j] + ops[j + 1:])
                yield "\n".join(new) + "\n"
        elif line.startswith("T run"):
            new = lines[:]
            new[i] = "T new"
            yield "\n".join(new) + "\n"
        elif line.startswith("C ") and line != "C -1 0":
            new = lines[:]
            new[i] = "C -1 0"
            yield "\n".join(new) + "\n"


def shrink(text, pycmd, ccmd):
    def verdict(t, py, c):
        d = compare(t, py, c)
        return d[0] if d else None
    goal = verdict(text, run_batch(pycmd, [("x", text)])["x"], run_batch(ccmd, [("x", text)])["x"])
    if goal is None:
        return text  # no difference to keep
    while True:
        cands = [("v%d" % i, v) for i, v in enumerate(variants(text))]
        if not cands:
            return text
        py, c = run_batch(pycmd, cands), run_batch(ccmd, cands)
        for n, v in cands:
            if verdict(v, py[n], c[n]) == goal:
                text = v
                break
        else:
            return text


def load(arg):
    if os.path.exists(arg):
        with open(arg) as f:
            return f.read()
    return gen.program(int(arg))


def main(argv):
    if not argv:
        sys.exit(__doc__)
    cmd, args = argv[0], argv[1:]
    if cmd == "check":
        return 1 if cmd_check(*args) else 0
    if cmd == "record":
        cmd_record(*args)
        return 0
    if cmd == "campaign":
        return 1 if cmd_campaign(*args) else 0
    if cmd in ("show", "shrink"):
        text = load(args[0])
        pycmd, ccmd = python_cmd(), c_cmd()
        if cmd == "shrink":
            text = shrink(text, pycmd, ccmd)
            if len(args) > 1:  # keep it as a regression case
                os.makedirs(CASES, exist_ok=True)
                with open(os.path.join(CASES, args[1] + ".prog"), "w") as f:
                    f.write(text)
        py, c = run_batch(pycmd, [("x", text)])["x"], run_batch(ccmd, [("x", text)])["x"]
        print(side_by_side(text, py, c))
        d = compare(text, py, c)
        print("verdict:", d and d[0] or "same")
        return 0
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
