"""gen.py -- random single-thread Stackless programs from a seed.

A program is a few lines of text that both interpreters read (interp.py on
Stackless Python's `stackless`, interp.c on stackless.h):

    C <preference> <schedule_all>     a channel (c0, c1, ... in order)
    T run <script>                    a tasklet, tasklet(body)(script): queued
    T new                             a tasklet with no function (for bind)
    S <op>; <op>; ...                 script 0, 1, ... (what a tasklet runs)
    M <op>; <op>; ...                 main's own script

Ops (t = t0.. or m for main, c = c0.., k = a user error number):
    send c v | sendt c k | recv c           channel actions (sendt = send_throw)
    sched | schedr | srun                   schedule, schedule_remove, nested run()
    kill t | killp t | throw t k | throwp t k   (p = pending)
    ins t | rem t | run t | sw t            insert, remove, run, switch
    bind t s | unbind t                     bind(body, (s,)) / bind(None)
    close c | open c | pref c p | sa c f    channel settings
    trap d | btrap t f                      switch_trap(d), t.block_trap = f
    st t | bal c                            print a tasklet's state / a balance
    raise k                                 end the tasklet with uncaught error k

Only Random.random() is used, so a seed gives the same program on every
Python version (3.7 for Stackless, the system's for the suite).
"""
import random
import sys

OPS = [  # (op, weight)
    ("send", 10), ("sendt", 2), ("recv", 10), ("sched", 5), ("schedr", 2),
    ("srun", 2), ("kill", 2), ("killp", 1), ("throw", 2), ("throwp", 1),
    ("ins", 3), ("rem", 2), ("run", 3), ("sw", 2), ("bind", 1), ("unbind", 1),
    ("close", 1), ("open", 1), ("pref", 1), ("sa", 1), ("trap", 1), ("btrap", 1),
    ("st", 2), ("bal", 1), ("raise", 1),
]
TOTAL = sum(w for _, w in OPS)


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)

    def n(self, k):  # 0 <= n < k
        return int(self.r.random() * k)

    def op(self, ntask, nchan, nscript, main):
        x = self.n(TOTAL)
        for name, w in OPS:
            if x < w:
                break
            x -= w
        t = lambda: "m" if self.n(ntask + 1) == ntask else "t%d" % self.n(ntask)
        c = lambda: "c%d" % self.n(nchan)
        if main and name == "raise":
            name = "st"
        if name in ("bind", "unbind"):
            # Not main: Stackless 3.7 lets a tasklet bind the paused main
            # (schedule_remove) and then exits silently with no output.
            t = lambda: "t%d" % self.n(ntask)
        if name == "send":
            return "send %s %d" % (c(), 1 + self.n(99))
        if name == "sendt":
            return "sendt %s %d" % (c(), 1 + self.n(3))
        if name in ("recv", "close", "open", "bal"):
            return "%s %s" % (name, c())
        if name in ("sched", "schedr", "srun"):
            return name
        if name in ("kill", "killp", "ins", "rem", "run", "sw", "unbind", "st"):
            return "%s %s" % (name, t())
        if name in ("throw", "throwp"):
            return "%s %s %d" % (name, t(), 1 + self.n(3))
        if name == "bind":
            return "bind %s %d" % (t(), self.n(nscript))
        if name == "pref":
            return "pref %s %d" % (c(), self.n(3) - 1)
        if name == "sa":
            return "sa %s %d" % (c(), self.n(2))
        if name == "trap":
            return "trap %d" % (1 if self.n(2) else -1)
        if name == "btrap":
            return "btrap %s %d" % (t(), self.n(2))
        if name == "raise":
            return "raise %d" % (1 + self.n(3))
        raise AssertionError(name)

    def program(self):
        nchan = 1 + self.n(3)
        ntask = 1 + self.n(4)
        nscript = 1 + self.n(ntask + 1)
        lines = []
        for _ in range(nchan):
            lines.append("C %d %d" % (self.n(3) - 1, 1 if self.n(5) == 0 else 0))
        for _ in range(ntask):
            if self.n(6) == 0:
                lines.append("T new")
            else:
                lines.append("T run %d" % self.n(nscript))
        for _ in range(nscript):
            ops = [self.op(ntask, nchan, nscript, False) for _ in range(1 + self.n(6))]
            lines.append("S " + "; ".join(ops))
        ops = [self.op(ntask, nchan, nscript, True) for _ in range(self.n(7))]
        if self.n(3):
            ops.append("srun")
        lines.append("M " + "; ".join(ops))
        return "\n".join(lines) + "\n"


def program(seed):
    return Gen(seed).program()


if __name__ == "__main__":
    for s in sys.argv[1:]:
        sys.stdout.write("# seed %s\n" % s + program(int(s)))
