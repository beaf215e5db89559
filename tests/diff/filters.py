"""filters.py -- the documented differences, each by name with its reason.

EQUIVALENT: event pairs that differ in print but not in meaning (the trace
            comparison goes on past them).
CUTS:       where Stackless 3.7 itself goes wrong: the traces are compared
            up to that event only.
KNOWN:      the runtime's known divergences (KNOWN.md), by the first event
            that differs.  The program counts as that divergence.
Nothing is dropped silently: a difference no entry names fails the check.
"""
import re


def _ev(line):
    """'t0 send c0 5 = ok' -> ('t0', ['send', 'c0', '5'], 'ok'), else None."""
    if " = " not in line:
        return None
    left, res = line.split(" = ", 1)
    w = left.split()
    return w[0], w[1:], res


def same_op(a, b):
    ea, eb = _ev(a), _ev(b)
    return ea and eb and ea[:2] == eb[:2] and (ea, eb)


# (name, reason, match(py_line, c_line))
EQUIVALENT = [
    ("main-has-c-state",
     "Stackless's main tasklet always has C state (it is the interpreter's "
     "own stack), so bind/unbind of main fails with ECSTATE before the check "
     "the runtime reports (EUNBINDMAIN, ESCHEDULED); C has no C state natively",
     lambda a, b: bool(same_op(a, b)) and _ev(a)[1][0] in ("bind", "unbind")
     and _ev(a)[1][1] == "m" and _ev(a)[2] == "ECSTATE"
     and _ev(b)[2] in ("EUNBINDMAIN", "ESCHEDULED", "EBINDCURRENT")),
]


def _none_receive(line):
    e = _ev(line)
    return e is not None and e[1][0] == "recv" and e[2] == "None"


# (name, reason, predicate on a Stackless event line): compare up to it.
CUTS = [
    ("stackless-bug-none-after-deadlock",
     "Stackless 3.7 bug: after a channel action of a tasklet failed with "
     "Deadlock, its next receive returns None (a stale tempval) instead of "
     "the value or error waiting; programs only send 1..99, so None is "
     "always this bug",
     _none_receive),
]


def cut(py, c):
    """(py, c, name): both cut before the first event a CUTS entry names."""
    for i, line in enumerate(py):
        for name, _, pred in CUTS:
            if pred(line):
                return py[:i], c[:i], name
    return py, c, None


def _pair(py, c, i):
    a = py[i] if i < len(py) else "<end>"
    b = c[i] if i < len(c) else "<end>"
    return a, b


def _issue18_1(p, py, c, i):
    a, b = _pair(py, c, i)
    e = same_op(a, b)
    return (bool(e) and e[0][1][0] in ("bind", "unbind")
            and e[0][2] in ("ECSTATE", "ESCHEDULED") and e[1][2] == "ok"
            and " srun" in p) or (b.startswith("CRASH") and " srun" in p
                                  and ("bind " in p))


def _issue18_2(p, py, c, i):
    return _pair(py, c, i) == ("m schedr = ok", "m schedr = EDEADLOCK")


def _issue18_3(p, py, c, i):
    e = same_op(*_pair(py, c, i))
    return bool(e) and e[0][1][0] in ("sw", "run", "srun", "schedr", "sched", "send",
                                      "sendt", "recv") \
        and e[0][2].startswith(("EUSER-", "EEXIT")) and (e[1][2] == "ok" or e[1][2].isdigit())


def _issue18_4(p, py, c, i):
    e = same_op(*_pair(py, c, i))
    return bool(e) and e[0][2] in ("EDEADLOCK", "ENOSENDER", "ENORECEIVER") \
        and e[1][2] == "ESWITCHTRAP"


def _issue18_5(p, py, c, i):
    a, _ = _pair(py, c, i)
    return a.endswith(" schedr = ESWITCHTRAP")


def _issue18_6(p, py, c, i):
    e = same_op(*_pair(py, c, i))
    return bool(e) and e[0][1][0] == "recv" and e[0][2].isdigit() and e[1][2] == "None" \
        and any(l.endswith("= ESWITCHTRAP") and " throw" in l for l in py[:i])


def _sticky_kill(p, py, c, i):
    a, b = _pair(py, c, i)
    return b.endswith(" = EEXIT") and not a.endswith(" = EEXIT") and "kill" in p


def _nested_run(p, py, c, i):
    # A tasklet (not main) called run(): the first difference is where a
    # run() returns, or in who is queued when main's script is over.
    a, b = _pair(py, c, i)
    tasklet_run = any(l.startswith("S ") and " srun" in " " + l[1:].replace(";", " ")
                      for l in p.splitlines())
    at_run = any(x.endswith((" srun = ok", "srun = EUSER-1", "srun = EUSER-2", "srun = EUSER-3"))
                 or x.startswith("m done runcount") or x.endswith(" end")
                 or (x.startswith("t") and " a1 " in x)
                 for x in (a, b))
    return tasklet_run and at_run


# (name, reason, match(program, py, c, i)) -- the runtime's divergences, by
# the first event that differs; each with a minimal program in cases/.
# Empty: issue 18's divergences (the matchers above, kept for a campaign
# against an older runtime) are fixed, so the check is strict.  Name a new
# one here (and in KNOWN.md) only while its fix is under way.
KNOWN = [
]
FIXED = [  # issue 18's, fixed by cdiv and capi (merged into main)
    ("issue18.1-bind-inside-run", _issue18_1),
    ("issue18.2-schedule_remove-main", _issue18_2),
    ("issue18.3-revive-loses-error", _issue18_3),
    ("issue18.4-deadlock-before-switch_trap", _issue18_4),
    ("issue18.5-schedule_remove-switch_trap", _issue18_5),
    ("issue18.6-refused-throw-wipes-value", _issue18_6),
    ("issue18-sticky-kill", _sticky_kill),
    ("nested-run", _nested_run),
]


def classify(prog, py, c, i):
    for name, _, match in KNOWN:
        if match(prog, py, c, i):
            return name
    for name, match in FIXED:  # a regression still fails, but says which
        if match(prog, py, c, i):
            return "NEW (regression of %s?)" % name
    return None
