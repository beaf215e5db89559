/*
 * preempt.c -- slp_run and its watchdogs, pre-emption by ticks, atomic
 * (reference §1 run, §6; Stackless's PyStackless_RunWatchdogEx and
 * interrupt_timeout_return).
 *
 * th->watchdogs is the stack of tasklets inside slp_run (innermost last);
 * th->interrupt_wd is Stackless's slot 0: the outermost run with a
 * timeout, the one an interrupt wakes.  Ticks are counted only while it
 * exists, by its own thread only, so counting needs no lock.
 */
#include <stdlib.h>

#include "internal.h"

static void preempt_end(slp__thread *th) {
    th->interrupt_wd = NULL;
    th->runflags = 0;
    th->interval = 0;
    __atomic_fetch_add(&slp__hooks, -SLP__HOOK_PREEMPT, __ATOMIC_RELAXED);
}

/* Leave the watchdog stack, from self up (Stackless's check_watchdog and
 * pop loop): the deeper callers popped here are put back in the queue
 * unless somebody queued them already, so each of their runs returns in
 * its turn.  Lock held. */
static void watchdogs_pop(slp__thread *th, slp__tasklet *self) {
    int i, at = -1;
    for (i = th->nwatchdogs - 1; i >= 0; i--) {
        if (th->watchdogs[i] == self) {
            at = i;
            break;
        }
    }
    if (at < 0) return; /* popped already, by an outer run */
    for (i = th->nwatchdogs - 1; i >= at; i--) {
        slp__tasklet *p = th->watchdogs[i];
        if (p != self && !p->in_ring && !p->blocked) slp__ring_append(th, p);
        if (p == th->interrupt_wd) preempt_end(th);
    }
    th->nwatchdogs = at;
}

int slp_run_watchdog(long timeout, int flags, slp_tasklet *interrupted) {
    slp__thread *th = slp__thread_self();
    slp__tasklet *self, *victim = NULL;
    int err, interrupt;
    if (interrupted) *interrupted = 0;
    if (!th) return slp__self_error();
    if (timeout < 0 || (flags & ~15)) return SLP_EINVAL;
    slp__lock();
    self = th->current;
    if (th->runcount <= 1 && self->in_ring && !slp__has_waits(th)) {
        /* nothing else to run, nor to wait for (timer.c) */
        slp__unlock();
        return 0;
    }
    if (th->switch_trap) {
        slp__unlock();
        return SLP_ESWITCHTRAP;
    }
    if (th->nwatchdogs == th->capwatchdogs) {
        int cap = th->capwatchdogs ? th->capwatchdogs * 2 : 4;
        slp__tasklet **w = realloc(th->watchdogs, (size_t)cap * sizeof *w);
        if (!w) {
            slp__unlock();
            return SLP_ENOMEM;
        }
        th->watchdogs = w;
        th->capwatchdogs = cap;
    }
    th->watchdogs[th->nwatchdogs++] = self;
    self->is_watchdog = 1;
    /* Only the outermost timed run pre-empts; the flags go with it. */
    interrupt = timeout > 0 && !th->interrupt_wd;
    if (interrupt) {
        th->interrupt_wd = self;
        th->runflags = flags;
        th->interval = timeout;
        th->watermark = th->ticks + timeout;
        __atomic_fetch_add(&slp__hooks, SLP__HOOK_PREEMPT, __ATOMIC_RELAXED);
    }
    if (self->in_ring) slp__ring_remove(th, self);
    if (!th->head && slp__has_waits(th))
        err = slp__block(th, self); /* only waiters: wait for them */
    else
        err = slp__switch_to(th, th->head ? th->head : self);
    slp__lock();
    th = self->thread;
    if (th) {
        if (th->interrupt_wd == self || (interrupt && th->interrupted)) {
            victim = th->interrupted;
            th->interrupted = NULL;
        }
        watchdogs_pop(th, self);
        if (th->interrupt_wd == self) preempt_end(th);
        /* Hard: the victim leaves the queue and is handed to the caller;
         * soft: it stays queued (the watchdog only ran first). */
        if (victim && !err && !(flags & SLP_RUN_SOFT)) {
            if (victim->in_ring) slp__ring_remove(th, victim);
            victim->urefs++;
            if (interrupted) *interrupted = victim->handle;
            else victim->urefs--;
        }
    }
    self->is_watchdog = 0;
    slp__unlock();
    return err;
}

int slp_run(void) { return slp_run_watchdog(0, 0, NULL); }

/* th ends (or was terminated) with a timed run or held-back wakes still
 * active: the hooks they keep on would slow every thread.  Lock held. */
void slp__preempt_thread_end(slp__thread *th) {
    if (th->interrupt_wd) preempt_end(th);
    th->interrupted = NULL;
    slp__wakes_flush(th);
}

/* The interrupt (Stackless's interrupt_timeout_return).  No lock. */
__attribute__((noinline)) int slp__tick(slp__thread *th) {
    slp__tasklet *self, *w;
    if (++th->ticks <= th->watermark) return 0;
    slp__lock();
    self = th->current;
    w = th->interrupt_wd;
    if (!w || w == self) {
        slp__unlock();
        return 0;
    }
    /* Soft, atomic, inside a callback or under switch_trap: not now.  The
     * flag makes a soft interrupt happen at the next switch, and a hard one
     * when atomic is cleared. */
    if ((th->runflags & SLP_RUN_SOFT) || self->atomic || th->switch_trap) {
        th->watermark = th->ticks + th->interval;
        self->pending_irq = 1;
        slp__unlock();
        return 0;
    }
    self->pending_irq = 0;
    th->interrupted = self;
    if (!w->in_ring) slp__ring_append(th, w);
    return slp__switch_to(th, w);
}

int slp_tick(void) {
    slp__thread *th = slp__self();
    if (!th) return slp__self_error();
    if (__builtin_expect(th->interrupt_wd == NULL, 1)) return 0;
    return slp__tick(th);
}

/* At a switch while a timed run is active (lock held).  The switch is a
 * tick: one that is due interrupts self here, the watchdog running instead
 * of next, if self stays queued (schedule, run, a channel handover; not a
 * block: then it is only counted).  A soft interrupt pending on self runs
 * the watchdog first (Stackless's slp_schedule_soft_irq).  Each real
 * switch starts a new timeslice unless the timeout is total. */
slp__tasklet *slp__preempt_at_switch(slp__thread *th, slp__tasklet *self,
                                     slp__tasklet *next) {
    slp__tasklet *w = th->interrupt_wd;
    if (++th->ticks > th->watermark && self != w) {
        if ((th->runflags & SLP_RUN_SOFT) || self->atomic || th->switch_trap) {
            th->watermark = th->ticks + th->interval;
            self->pending_irq = 1;
        } else if (self->in_ring && next != w && !w->in_ring && !w->blocked) {
            self->pending_irq = 0;
            th->interrupted = self;
            slp__ring_append(th, w);
            next = w;
        }
    }
    if (self->pending_irq && (th->runflags & SLP_RUN_SOFT)) {
        self->pending_irq = 0;
        if (!w->in_ring && !w->blocked && self != w && next != w &&
            next->in_ring) {
            th->interrupted = next;
            slp__ring_insert_after(th, next->prev, w); /* just before next */
            next = w;
        }
    }
    if (next != self && !(th->runflags & SLP_RUN_TOTALTIMEOUT))
        th->watermark = th->ticks + th->interval;
    return next;
}

/* ------------------------------------------------------------- atomic */

#define LOCKED_GET(t, h) SLP__LOCKED_GET(t, h, SLP__HK_TASKLET)

/* Clearing atomic (or setting ignore_nesting) on the running tasklet with a
 * hard interrupt pending: it comes at the next tick (slp_check_pending_irq).
 * Lock held. */
static void pending_irq_check(slp__tasklet *t) {
    slp__thread *th = t->thread;
    if (!t->pending_irq || !th || th->current != t || th != slp__tls) return;
    if (th->runflags & SLP_RUN_SOFT) return;
    if (t->atomic) return;
    th->watermark = th->ticks;
    t->pending_irq = 0;
}

/* set_atomic and set_ignore_nesting: the old flag back.  Clearing atomic
 * on the running tasklet also lets go of the wakes it held back. */
static int set_flag(slp_tasklet h, int on, int atomic) {
    slp__tasklet *t;
    uint8_t *flag;
    int old;
    LOCKED_GET(t, h);
    flag = atomic ? &t->atomic : &t->ignore_nesting;
    old = *flag;
    *flag = on != 0;
    pending_irq_check(t);
    if (atomic && !on && t->thread && t->thread == slp__tls &&
        t->thread->current == t)
        slp__wakes_flush(t->thread);
    return slp__unlock_ret(old);
}

int slp_tasklet_set_atomic(slp_tasklet h, int on) { return set_flag(h, on, 1); }

int slp_tasklet_set_ignore_nesting(slp_tasklet h, int on) {
    return set_flag(h, on, 0);
}
