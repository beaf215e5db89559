/*
 * scheduler.c -- a run queue per thread, the switch, and the rules for what
 * runs when the current tasklet leaves the queue (Stackless's
 * slp_schedule_task / schedule_task_block, reference §3).
 *
 * The run queue is a ring through tasklet.next/prev; th->head is Stackless's
 * "current" position: appending puts a tasklet just before it, i.e. at the end
 * as seen by the running tasklet.
 */
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

/* Threads that could still wake a sleeper: live threads not asleep (nor
 * joining) plus outside holds (a JavaScript event loop).  Lock held.
 * On a cache line of its own: a cross-thread round trip writes it twice
 * per side (asleep, woken), and its neighbours in .bss (slp__hooks,
 * slp__chan_cb) are read at every switch and channel action of every
 * thread, which each write made a cache miss. */
static struct {
    _Alignas(64) int n; /* (the alignment makes the struct a whole line) */
} awake_line;
#define awake (awake_line.n)
static slp_error_handler error_handler;

/* ---------------------------------------------------------------- ring */

void slp__ring_append(slp__thread *th, slp__tasklet *t) {
    slp__tasklet *h = th->head;
    if (!h) {
        t->next = t->prev = t;
        th->head = t;
    } else {
        t->next = h;
        t->prev = h->prev;
        h->prev->next = t;
        h->prev = t;
    }
    t->in_ring = 1;
    th->runcount++;
    SLP__HINT_STORE(&th->ring_seq, th->ring_seq + 1);
}

void slp__ring_insert_after(slp__thread *th, slp__tasklet *pos,
                            slp__tasklet *t) {
    t->prev = pos;
    t->next = pos->next;
    pos->next->prev = t;
    pos->next = t;
    t->in_ring = 1;
    th->runcount++;
    SLP__HINT_STORE(&th->ring_seq, th->ring_seq + 1);
}

void slp__ring_remove(slp__thread *th, slp__tasklet *t) {
    if (t->next == t) {
        th->head = NULL;
    } else {
        t->prev->next = t->next;
        t->next->prev = t->prev;
        if (th->head == t) th->head = t->next;
    }
    t->next = t->prev = NULL;
    t->in_ring = 0;
    th->runcount--;
}

/* ------------------------------------------------------------ awake count */

int slp__awake_adjust(int delta) {
    slp__thread *th;
    awake += delta;
    if (awake > 0) return awake;
    /* Nobody left who could wake a sleeper: each one's blocking call fails
     * with the deadlock error instead of sleeping forever. */
    for (th = slp__thread_first(); th; th = th->reg_next) {
        if (th->state == SLP__TH_ALIVE && th->sleeping) {
            th->deadlocked = 1;
            slp__thread_wake(th);
        }
    }
    return awake;
}

int slp_external_hold(int delta) {
    int n;
    slp__thread_self();
    slp__lock();
    n = slp__awake_adjust(delta);
    slp__unlock();
    return n;
}

/* ---------------------------------------------------------------- switch */

/* The variant's resume and suspend are called directly.  Asyncify needs
 * them to stay functions of their own (resume is named on its remove-list;
 * suspend, which starts the unwind, is re-entered from its top when the
 * tasklet is rewound: inlined, it would make its caller re-run instead):
 * switch_asyncify.c marks them noinline, the pass runs before any wasm-opt
 * inlining, and asyncify_run.cmake stops the build if either is missing.
 * (They were called through volatile pointers: a call_indirect each, which
 * cost a schedule() round trip 2-3x under Wasmtime.) */

/* Out of line, for the callers that switch seldom. */
int slp__switch_to(slp__thread *th, slp__tasklet *next) {
    return slp__switch(th, next);
}

static slp__tasklet *watchdog_or_main(slp__thread *th) {
    return th->nwatchdogs ? th->watchdogs[th->nwatchdogs - 1] : th->main;
}

/* W is "floating": alive, neither queued nor blocked nor waiting (sitting
 * in run(), or paused by schedule_remove/switch). */
static int floating(const slp__tasklet *w) {
    return w->has_frame && !w->in_ring && !w->blocked && !w->waiting;
}

/* Undo self's block: it is running again (reference §3.3 rule 3). */
static void undo_block(slp__thread *th, slp__tasklet *self) {
    slp__unpark(self); /* a channel, or a sleep or fd wait (timer.c) */
    if (!self->in_ring) slp__ring_append(th, self);
    th->head = self;
    th->current = self;
}

/* self's block fails with err: undone, so every tasklet is as it was. */
static slp__tasklet *refuse(slp__thread *th, slp__tasklet *self, int err) {
    undo_block(th, self);
    slp__unlock();
    th->block_err = err;
    return NULL;
}

/* §3.3 rule 1: revive the watchdog W -- which may be self (main or a
 * run() caller in schedule_remove with nothing else to run: it just goes
 * on, no switch).  Reviving another tasklet is a switch, which the trap
 * refuses; and W gets the error self blocked with (a send_throw), as
 * Stackless passes a bomb in tempval. */
static slp__tasklet *revive(slp__thread *th, slp__tasklet *self,
                            slp__tasklet *w) {
    if (w != self) {
        if (th->switch_trap) return refuse(th, self, SLP_ESWITCHTRAP);
        if (self->blocked > 0 && self->send_err) {
            slp__set_err(w, self->send_err);
            w->xfer_value = self->xfer_value;
        }
    }
    slp__ring_append(th, w);
    return w;
}

/* Nothing can run here: wait for a wake from another thread if the
 * thread is counted asleep (th->sleeping), else for a timer or an fd
 * (timer.c).  Lock held; released meanwhile. */
static inline __attribute__((always_inline)) void idle_wait(slp__thread *th) {
    if (th->sleeping) {
        while (th->sleeping) slp__thread_sleep(th, th->wake_seq);
    } else if (!th->head && slp__has_waits(th)) {
        slp__waits_idle(th);
    }
}

/* A partner on another thread usually answers within microseconds, and
 * slp__thread_sleep spins that long before it sleeps: spin here first, so
 * that only a real sleep costs idle() its two switches.  1: woken
 * meanwhile (and not asked to stop), lock held.  2: the waker handed self
 * the thread (slp__thread_wake cleared th->spinner: self is queued alone,
 * nothing else to decide), so it runs on as slp__switch to itself would,
 * without a round of the lock: lock released.  0: not woken, lock held.
 * Lock held on entry. */
static int spin_for_wake(slp__thread *th, slp__tasklet *self) {
    uint32_t seen = th->wake_seq;
    __atomic_store_n(&th->spinner, self, __ATOMIC_RELAXED);
    slp__unlock();
    slp__thread_spin(th, seen);
    /* (The waker cleared spinner with release: all it wrote before is seen
     * here.) */
    if (!__atomic_load_n(&th->spinner, __ATOMIC_ACQUIRE) &&
        !__atomic_load_n(&self->xfer_err, __ATOMIC_ACQUIRE) &&
        !__atomic_load_n(&th->stop_requested, __ATOMIC_RELAXED))
        return 2;
    slp__lock();
    __atomic_store_n(&th->spinner, NULL, __ATOMIC_RELAXED);
    /* (A wake clears sleeping under the lock; a bare bump of the word does not.) */
    return !th->sleeping && !__atomic_load_n(&th->stop_requested, __ATOMIC_RELAXED);
}

/* self must wait until something can run here (idle_wait).  Main waits
 * where it is, on its thread's own stack.  Any other tasklet is suspended
 * first and its thread waits in its loop, on main's stack (loop_idle): so
 * a thread ended from outside meanwhile (slp_thread_stop: a terminated
 * Web Worker) leaves it soft where it blocked, thread_id -1, revivable
 * with bind_thread (seed: "Soft-switched tasklets simply stop"); waiting
 * on its own stack, it would be lost with the thread.  0: self runs here
 * again and decides anew, lock held.  1: its thread died meanwhile and it
 * was revived on another one, where it runs now, or a waker handed it the
 * thread (spin_for_wake): lock released, and th->block_err (its thread's,
 * touched by nobody else) is the result of its blocking call. */
static int idle(slp__thread *th, slp__tasklet *self) {
    if (self->is_main || !slp__have_threads) { /* nobody can end it from outside */
        idle_wait(th);
        return 0;
    }
    /* (No spin: straight to the sleep, without a round of the lock.) */
    if (th->sleeping && slp__thread_spins()) {
        int r = spin_for_wake(th, self);
        if (r == 2) {
            th->block_err = 0; /* its blocking call's result: it was not thrown into */
            return 1;
        }
        if (r) return 0;
    }
    th->loop_sleeper = self;
    __atomic_store_n(&self->in_flight, 1, __ATOMIC_RELAXED);
    slp__unlock();
    slp__ctx_suspend(th, self);
    slp__lock();
    if (self->thread == th) return 0;
    th->block_err = slp__take_result(self);
    slp__unlock();
    return 1;
}

/* The loop's half of idle(): sleeper is suspended, the thread waits here.
 * Then the head runs at once if nothing else has to be decided (as
 * slp__block_slow would switch to it); else sleeper runs again and
 * decides (a deadlock alarm with nothing queued, something thrown into
 * it, a switch_trap, the switch hooks).  A stop request parks the thread
 * here, holding nothing: sleeper stays suspended.  No lock on entry or
 * exit. */
static inline __attribute__((always_inline)) void
loop_idle(slp__thread *th, slp__tasklet *sleeper) {
    slp__lock();
    if (!__atomic_load_n(&th->stop_requested, __ATOMIC_RELAXED)) idle_wait(th);
    if (__atomic_load_n(&th->stop_requested, __ATOMIC_RELAXED)) {
        slp__unlock();
        slp__thread_park(th);
    }
    th->loop_sleeper = NULL;
    if (th->head && !th->switch_trap && !sleeper->xfer_err && !slp__hooked()) {
        th->deadlocked = 0; /* something runs: no deadlock */
        th->current = th->head;
    }
    slp__unlock();
}

/* The slow half of slp__block: nothing else is queued here, or the
 * switch_trap is set.  Decides whom to switch to (returned), or fails
 * (NULL, th->block_err set, lock released), or sleeps until another thread
 * queues something.  Kept out of line: every local of a function that
 * switches is saved at each switch (Asyncify), so the switching path stays
 * small; and no address-taken local there, or every blocked tasklet would
 * hold a shadow-stack slice. */
__attribute__((noinline)) slp__tasklet *
slp__block_slow(slp__thread *th, slp__tasklet *self) {
    if (th->wakes_owed) slp__wakes_flush(th); /* before it may sleep */
    for (;;) {
        slp__tasklet *w;
        if (self->xfer_err) {
            /* Thrown in while it ran (from another thread) or while it was
             * deciding: raised here instead of blocking. */
            undo_block(th, self);
            return self;
        }
        if (th->head) {
            /* self has left the ring: this is a switch (§1 switch_trap) --
             * unless the head is self, queued again by another thread's
             * wake while it waited here (its value already handed over):
             * Stackless's thread block then goes on in self, no switch. */
            if (th->switch_trap && th->head != self)
                return refuse(th, self, SLP_ESWITCHTRAP);
            return th->head;
        }
        /* Tasklets wait for time or fds (timer.c): the thread is not
         * deadlocked, and a run() or main waits for them too, as they
         * would rejoin the queue by themselves. */
        if (slp__has_waits(th)) {
            /* Whatever the wait brings runs after a switch (even self's
             * own wake: it left the ring): refused now, not once the
             * time has passed. */
            if (th->switch_trap) return refuse(th, self, SLP_ESWITCHTRAP);
            if (!th->nonblocking) {
                if (idle(th, self)) return NULL;
                continue;
            }
            slp__waits_poll(th, 1); /* may not wait: only what is due */
            if (th->head) continue;
        }
        w = watchdog_or_main(th);
        if (floating(w) && !(th->runflags & SLP_RUN_THREADBLOCK))
            return revive(th, self, w);
        if (awake <= 1 && !slp__has_waits(th)) {
            /* Nobody could wake this thread: with threadblock, the first
             * thread still revives its watchdog (Stackless's rule 3).
             * Deadlock comes before switch_trap: failing is no switch. */
            if (floating(w) && th == slp__thread_first()) return revive(th, self, w);
            return refuse(th, self, SLP_EDEADLOCK);
        }
        if (th->nonblocking) {
            /* This thread may not sleep: the call main (or the innermost
             * run) waits in fails with EWOULDBLOCK, so control goes back to
             * the event loop; a tasklet that blocked stays blocked. */
            if (w == self) return refuse(th, self, SLP_EWOULDBLOCK);
            if (th->switch_trap) return refuse(th, self, SLP_ESWITCHTRAP);
            slp__unpark(w);
            slp__set_err(w, SLP_EWOULDBLOCK);
            slp__ring_append(th, w);
            return w;
        }
        /* Sleep until another thread queues something here. */
        th->sleeping = 1;
        awake--;
        if (idle(th, self)) return NULL;
        if (th->deadlocked) {
            th->deadlocked = 0;
            if (!th->head) return refuse(th, self, SLP_EDEADLOCK);
        }
    }
}

void slp__thread_wake(slp__thread *th) {
    if (th->sleeping) {
        th->sleeping = 0; /* counted awake now, before it even runs */
        awake++;
    }
    /* th's tasklet spinning for this wake is queued alone, and nothing else
     * is to be decided over there (as slp__block_slow and slp__switch would
     * with the lock): it may run on without taking the lock (spin_for_wake). */
    if (__atomic_load_n(&th->spinner, __ATOMIC_RELAXED) == th->head && th->head && th->head->next == th->head &&
        !th->switch_trap && !th->deadlocked && !slp__hooked())
        /* (Release: its spin may end at another thread's bump of wake_seq
         * and see this store before ours; what it was handed comes with it.) */
        __atomic_store_n(&th->spinner, NULL, __ATOMIC_RELEASE);
    /* Sequentially consistent: slp__sync_wake then looks whether th waits
     * in the kernel, and th announces that before its last look here; and
     * the spinner reads th->spinner and what was handed after it. */
    __atomic_fetch_add(&th->wake_seq, 1, __ATOMIC_SEQ_CST);
    slp__sync_wake(th);
}

/* atomic across threads.  Stackless's atomic keeps the GIL, so no other
 * thread runs until it is cleared (reference §6); here threads run in
 * parallel, and what atomic holds back is the wakes: a thread woken by a
 * cross-thread action of an atomic tasklet is woken when atomic is
 * cleared, or when the caller's thread switches, sleeps or waits.  So the
 * actions reach an idle thread together, in their order (test_thread
 * testRunOrder: t2.insert(); t3.insert(); t1.run() runs t1 first). */
void slp__thread_wake_by(slp__thread *th) {
    slp__thread *me = slp__tls;
    if (me && me != th && me->current && me->current->atomic) {
        th->wake_deferred = 1;
        if (!me->wakes_owed) {
            me->wakes_owed = 1;
            __atomic_fetch_add(&slp__hooks, SLP__HOOK_DEFER, __ATOMIC_RELAXED);
        }
        return;
    }
    slp__thread_wake(th);
}

void slp__wakes_flush(slp__thread *me) {
    slp__thread *th;
    if (!me->wakes_owed) return;
    me->wakes_owed = 0;
    __atomic_fetch_add(&slp__hooks, -SLP__HOOK_DEFER, __ATOMIC_RELAXED);
    for (th = slp__thread_first(); th; th = th->reg_next) {
        if (th->wake_deferred) {
            th->wake_deferred = 0;
            if (th->state == SLP__TH_ALIVE) slp__thread_wake(th);
        }
    }
}

void slp__remote_insert(slp__thread *th, slp__tasklet *t, int first) {
    if (!t->in_ring) {
        if (first && th->sleeping) {
            /* An idle thread runs it first. */
            slp__ring_append(th, t);
            th->head = t;
        } else if (first && th->current && th->current->in_ring) {
            slp__ring_insert_after(th, th->current, t);
        } else {
            slp__ring_append(th, t);
        }
    }
    slp__thread_wake_by(th);
}

/* ------------------------------------------------------------------ loop */


__attribute__((noinline)) void slp__loop(slp__thread *th) {
    for (;;) {
        /* Only this thread writes its current (under the lock): no lock
         * needed to read it here. */
        slp__tasklet *t = th->current;
        if (t == th->main) return;
        while (__atomic_load_n(&t->in_flight, __ATOMIC_ACQUIRE))
            slp__cpu_relax();
        slp__ctx_resume(th, t);
        if (t->ended) {
            slp__tasklet_ended(th, t);
        } else {
            __atomic_store_n(&t->in_flight, 0, __ATOMIC_RELEASE);
            /* (Only this thread writes it: no lock to read it.) */
            if (th->loop_sleeper == t) loop_idle(th, t);
        }
    }
}

/* What runs around a non-main tasklet's function.  The prologue returns an
 * error thrown in before it ever ran (then the function is skipped); the
 * epilogue runs in the dying tasklet, the error handler included. */
int slp__tasklet_prologue(slp__tasklet *t) {
    int r;
    slp__lock();
    r = slp__take_result(t);
    slp__unlock();
    return r;
}

void slp__tasklet_epilogue(slp__tasklet *t, int r) {
    if (r < 0 && r != SLP_EEXIT && error_handler) {
        slp_error_handler h = error_handler;
        r = h(t->handle, r);
    }
    t->result = r;
    t->ended = 1;
}

void slp__tasklet_body(slp__tasklet *t) {
    int r = slp__tasklet_prologue(t);
    if (r == 0) r = t->fn(t->arg);
    slp__tasklet_epilogue(t, r);
}

__attribute__((noinline)) void slp__tasklet_ended(slp__thread *th, slp__tasklet *t) {
    int bomb = (t->result < 0 && t->result != SLP_EEXIT) ? t->result : 0;
    slp__tasklet *w;
    slp__lock();
    if (t->in_ring) slp__ring_remove(th, t);
    /* Ended while suspending (its state could not be kept: ENOMEM,
     * ESTACKDEPTH): it may sit in a channel or wait, never resumable. */
    slp__unpark(t);
    __atomic_store_n(&t->in_flight, 0, __ATOMIC_RELAXED);
    t->has_frame = 0;
    slp__ctx_free(t);
    w = watchdog_or_main(th);
    if (!bomb && !th->head && slp__has_waits(th) && !th->nonblocking) {
        /* Nothing runnable, but tasklets wait for time or fds: wait for
         * them (or for another thread) as slp__block_slow does. */
        while (!th->head && slp__has_waits(th)) slp__waits_idle(th);
    }
    if (bomb) {
        /* An uncaught error goes to the watchdog or main at once, out of
         * queue order, and surfaces from whatever call it waits in. */
        slp__unpark(w);
        slp__set_err(w, bomb);
        if (!w->in_ring) slp__ring_append(th, w);
        th->head = w;
        th->current = w;
    } else if (th->head) {
        th->current = th->head;
    } else if (slp__has_waits(th) && !w->in_ring) {
        /* A thread that may not block, with tasklets waiting for time:
         * back to its event loop (slp_timer_next says when to come back). */
        slp__unpark(w);
        slp__set_err(w, SLP_EWOULDBLOCK);
        slp__ring_append(th, w);
        th->current = w;
    } else {
        if (w->blocked) {
            int recv = w->blocked < 0;
            slp__channel_unlink(w);
            slp__set_err(w, recv ? SLP_ENOSENDER : SLP_ENORECEIVER);
        } else if (w->waiting) {
            slp__wait_cancel(w); /* a select: it looks again (select.c) */
        }
        if (!w->in_ring) slp__ring_append(th, w);
        th->current = w;
    }
    if (slp__hooked()) { /* t is still current for the callback */
        slp__tasklet *next = th->current;
        th->current = t;
        next = slp__switch_hook(th, t, next);
        th->current = th->head = next;
    }
    slp__tasklet_gc(t);
    slp__unlock();
}

/* ---------------------------------------------------------- public calls */

static int trap(slp__thread *th, slp__tasklet *next) {
    return th->switch_trap && next != th->current;
}

/* schedule() by a tasklet alone in its ring, seen alone before and with
 * nothing appended since nor thrown in: a poll that needs no lock.  (On a
 * thread that waits for another one, that is every call, and both threads
 * would otherwise fight for the global lock.) */
static int poll_alone(slp__thread *th) {
    slp__tasklet *self = th->current;
    return self == th->poll_self && self->in_ring &&
           SLP__HINT_LOAD(&th->ring_seq) == th->poll_seq && !slp__has_waits(th) &&
           !__atomic_load_n(&self->xfer_err, __ATOMIC_ACQUIRE);
}

int slp_schedule(void) {
    slp__thread *th = slp__self();
    slp__tasklet *self, *next;
    if (!th) return slp__self_error();
    /* (With a timed run even a lone schedule() is a tick: see below.) */
    if (!th->interrupt_wd && poll_alone(th)) {
        slp__idle_poll();
        return 0;
    }
    th->poll_self = NULL;
    slp__lock();
    if (slp__has_waits(th)) slp__waits_poll(th, 2); /* due ones queue first */
    self = th->current;
    next = self->in_ring ? self->next : th->head;
    if (!next) next = self;
    if (trap(th, next)) {
        slp__unlock();
        return SLP_ESWITCHTRAP;
    }
    if (next == self && !th->interrupt_wd) {
        /* Alone: the caller is polling (often, on a thread that waits for
         * another one).  One critical section, not two: a throw that comes
         * in during the poll is seen at the next call instead. */
        int err;
        th->head = self;
        err = slp__take_result(self);
        if (!err && self->in_ring) {
            th->poll_self = self;
            th->poll_seq = th->ring_seq;
        }
        slp__unlock();
        slp__idle_poll();
        return err;
    }
    return slp__switch(th, next);
}

int slp_schedule_remove(void) {
    slp__thread *th = slp__thread_self();
    slp__tasklet *self;
    if (!th) return slp__self_error();
    slp__lock();
    self = th->current;
    /* switch_trap: slp__block refuses a switch to another tasklet */
    if (self->in_ring) slp__ring_remove(th, self);
    return slp__block(th, self);
}

/* schedule(retval) and schedule_remove(retval): the value goes through the
 * caller's tempval, which whoever resumes it may change. */
static int schedule_value(int remove, void *retval, void **out) {
    slp__thread *th = slp__thread_self();
    slp__tasklet *self;
    int err;
    if (!th) return slp__self_error();
    slp__lock();
    self = th->current;
    self->xfer_value = retval;
    slp__unlock();
    err = remove ? slp_schedule_remove() : slp_schedule();
    if (out) {
        slp__lock();
        *out = self->xfer_value;
        slp__unlock();
    }
    return err;
}

int slp_schedule_value(void *retval, void **out) {
    return schedule_value(0, retval, out);
}

int slp_schedule_remove_value(void *retval, void **out) {
    return schedule_value(1, retval, out);
}

slp_tasklet slp_getcurrent(void) {
    slp__thread *th = slp__thread_self();
    slp_tasklet h;
    if (!th) return 0;
    slp__lock();
    h = th->current->handle;
    slp__unlock();
    return h;
}

slp_tasklet slp_getmain(void) {
    slp__thread *th = slp__thread_self();
    return th ? th->main->handle : 0;
}

int slp_getruncount(void) {
    slp__thread *th = slp__thread_self();
    int n;
    if (!th) return slp__self_error();
    slp__lock();
    n = th->runcount;
    slp__unlock();
    return n;
}

int slp_switch_trap(int delta) {
    slp__thread *th = slp__thread_self();
    int old;
    if (!th) return slp__self_error();
    slp__lock();
    old = th->switch_trap - th->in_callback; /* a callback's own trap */
    th->switch_trap += delta;
    slp__unlock();
    return old;
}

slp_error_handler slp_set_error_handler(slp_error_handler handler) {
    slp_error_handler old;
    slp__lock();
    old = error_handler;
    error_handler = handler;
    slp__unlock();
    return old;
}
