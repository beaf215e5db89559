"""interp.py -- run gen.py's programs on Stackless Python 3.7, print traces.

    $STACKLESS_PYTHON interp.py < batch      (batch: programs, each after a
                                             "# name" line; see gen.py)

Each program runs in a forked child; its trace follows a line "@@ name".
interp.c is the same interpreter on stackless.h: keep the two in step (every
event line, every skip).  Errors print as the names of stackless.h's table,
found by Stackless's message (read from the header itself).
"""
import os
import re
import signal
import sys

import stackless

HERE = os.path.dirname(os.path.abspath(__file__))
BUDGET = 300  # ops per program: bind can restart scripts for ever


def load_messages():
    text = open(os.path.join(HERE, "..", "..", "include", "stackless.h")).read()
    out = {}
    for m in re.finditer(r'XX\((\w+),\s*-?\d+,[\s\\]*((?:"[^"]*"[\s\\]*)+)\)', text):
        msg = "".join(re.findall(r'"([^"]*)"', m.group(2)))
        out[msg] = m.group(1)
    return out


MESSAGES = load_messages()


class UErr(Exception):
    """User error k: SLP_EUSER - k on the C side."""


def ename(e):
    if isinstance(e, TaskletExit):
        return "EEXIT"
    if isinstance(e, UErr):
        return "EUSER-%d" % e.args[0]
    msg = str(e)
    return MESSAGES.get(msg) or "PY:%s:%s" % (type(e).__name__, msg)


class Program:
    def __init__(self, text):
        self.chans, self.tasks, self.scripts, self.main = [], [], [], []
        self.log = []
        self.budget = BUDGET
        for line in text.splitlines():
            w = line.split()
            if not w or w[0].startswith("#"):
                continue
            if w[0] == "C":
                ch = stackless.channel()
                ch.preference = int(w[1])
                ch.schedule_all = bool(int(w[2]))
                self.chans.append(ch)
            elif w[0] == "T":
                self.tasks.append(w[1:])
            elif w[0] in "SM":
                ops = [o.split() for o in line[1:].split(";") if o.strip()]
                (self.scripts.append(ops) if w[0] == "S" else self.main.extend(ops))
        self.names = {stackless.main: "m"}
        made = []
        for i, spec in enumerate(self.tasks):
            t = stackless.tasklet()
            self.names[t] = "t%d" % i
            if spec[0] == "run":
                t.bind(self.body)
                t.setup(int(spec[1]))  # stackless.tasklet(f)(s)
            made.append(t)
        self.tasks = made

    def me(self):
        return self.names[stackless.current]

    def t(self, word):
        return stackless.main if word == "m" else self.tasks[int(word[1:])]

    def c(self, word):
        return self.chans[int(word[1:])]

    def state(self, t):
        return "a%d p%d b%d s%d" % (t.alive, t.paused, t.blocked != 0, t.scheduled)

    def op(self, o):
        k = o[0]
        if k == "send":
            self.c(o[1]).send(int(o[2]))
        elif k == "sendt":
            self.c(o[1]).send_throw(UErr(int(o[2])))
        elif k == "recv":
            return str(self.c(o[1]).receive())
        elif k == "sched":
            stackless.schedule()
        elif k == "schedr":
            stackless.schedule_remove()
        elif k == "srun":
            stackless.run()
        elif k in ("kill", "killp"):
            self.t(o[1]).kill(pending=(k == "killp"))
        elif k in ("throw", "throwp"):
            self.t(o[1]).throw(UErr(int(o[2])), pending=(k == "throwp"))
        elif k == "ins":
            self.t(o[1]).insert()
        elif k == "rem":
            self.t(o[1]).remove()
        elif k == "run":
            self.t(o[1]).run()
        elif k == "sw":
            t = self.t(o[1])
            if t is stackless.current:
                # Stackless 3.7 bug: switch() to the current tasklet loses
                # its frame (the tasklet never resumes).  Kept out.
                return "skip"
            t.switch()
        elif k == "bind":
            self.t(o[1]).bind(self.body, (int(o[2]),))
        elif k == "unbind":
            self.t(o[1]).bind(None)
        elif k == "close":
            self.c(o[1]).close()
        elif k == "open":
            self.c(o[1]).open()
        elif k == "pref":
            self.c(o[1]).preference = int(o[2])
        elif k == "sa":
            self.c(o[1]).schedule_all = bool(int(o[2]))
        elif k == "trap":
            return str(stackless.switch_trap(int(o[1])))
        elif k == "btrap":
            self.t(o[1]).block_trap = bool(int(o[2]))
        elif k == "st":
            return self.state(self.t(o[1]))
        elif k == "bal":
            ch = self.c(o[1])
            return "%d %d" % (ch.balance, ch.closing)
        else:
            raise AssertionError(k)
        return "ok"

    def script(self, ops):
        """Run ops; return the error number of a `raise`, else None."""
        for o in ops:
            self.budget -= 1
            if self.budget < 0:
                self.log.append(self.me() + " budget")
                return None
            if o[0] == "raise":
                return int(o[1])
            try:
                r = self.op(o)
            except BaseException as e:
                r = ename(e)
            self.log.append("%s %s = %s" % (self.me(), " ".join(o), r))
            if r == "EEXIT":
                return None  # killed: end (C's killed tasklets cannot go on)
        return None

    def body(self, sid):
        me = self.me()
        self.log.append("%s start %d" % (me, sid))
        k = self.script(self.scripts[sid])
        # Stackless 3.7 bug: a tasklet that ends with switch_trap set aborts
        # the interpreter.  Both interpreters clear it here (and say so).
        n = stackless.switch_trap(0)
        if n:
            stackless.switch_trap(-n)
            self.log.append("%s trap reset" % me)
        if k is not None:
            self.log.append("%s raise %d" % (me, k))
            raise UErr(k)
        self.log.append("%s end" % me)

    def run(self):
        self.script(self.main)
        self.log.append("m done runcount %d" % stackless.runcount)
        for t in self.tasks:
            self.log.append("%s %s" % (self.names[t], self.state(t)))
        for i, ch in enumerate(self.chans):
            self.log.append("c%d %d %d" % (i, ch.balance, ch.closing))


def run_one(text):
    signal.alarm(5)
    p = None
    try:
        p = Program(text)
        p.run()
    except BaseException as e:
        (p.log if p else []).append("m uncaught %s" % ename(e))
    sys.stdout.write("".join(l + "\n" for l in (p.log if p else ["m setup failed"])))
    sys.stdout.flush()
    os._exit(0)  # no shutdown: it would kill (and run) what is left


def batches(stream):
    name, lines = None, []
    for line in stream:
        if line.startswith("# "):
            if name is not None:
                yield name, "".join(lines)
            name, lines = line[2:].strip(), []
        else:
            lines.append(line)
    if name is not None:
        yield name, "".join(lines)


def main():
    for name, text in batches(sys.stdin):
        sys.stdout.write("@@ %s\n" % name)
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            run_one(text)
        _, status = os.waitpid(pid, 0)
        if status:
            sys.stdout.write("CRASH %d\n" % status)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
