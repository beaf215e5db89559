/*
 * callbacks.c -- the schedule and channel callbacks (reference §1
 * set_schedule_callback / set_channel_callback), and the switch hook that
 * runs them.
 *
 * The hot paths pay one load of slp__hooks and a branch; everything here
 * is out of line.  The functions that call user code are on Asyncify's
 * remove-list (wasm/asyncify.cmake): a callback never switches, so none of
 * this is saved at a switch -- which is also why a switch inside a
 * callback is refused (the callback's thread has its switch_trap raised
 * while it runs, hidden from slp_switch_trap).
 */
#include <stdio.h>

#include "internal.h"

int slp__hooks;
/* Set under the lock, read with or without it: relaxed atomics. */
static slp_schedule_callback sched_cb;
slp_channel_callback slp__chan_cb;
#define LOAD(p) __atomic_load_n(&(p), __ATOMIC_RELAXED)
#define STORE(p, v) __atomic_store_n(&(p), (v), __ATOMIC_RELAXED)

static void report(const char *what, int err) {
    fprintf(stderr, "stackless: error in %s callback: %s (%s)\n", what,
            slp_strerror(err), slp_err_name(err));
}

/* Lock held; released while user code runs.  While it runs, other calls
 * see the caller's own state (prev is still current, Stackless's order). */
static void enter(slp__thread *th) {
    th->in_callback++;
    th->switch_trap++;
    slp__unlock();
}

static void leave(slp__thread *th) {
    slp__lock();
    th->switch_trap--;
    th->in_callback--;
}

static void sched_cb_call(slp__thread *th, slp_schedule_callback cb,
                          slp__tasklet *prev, slp__tasklet *next) {
    slp_tasklet p = prev ? prev->handle : 0, n = next->handle;
    int r;
    enter(th);
    r = cb(p, n);
    leave(th);
    if (r) report("scheduling", r);
}

slp__tasklet *slp__switch_hook(slp__thread *th, slp__tasklet *self,
                               slp__tasklet *next) {
    slp_schedule_callback cb;
    if (slp__has_waits(th)) slp__waits_poll(th, 2); /* timer.c: due ones queue */
    if (th->interrupt_wd) next = slp__preempt_at_switch(th, self, next);
    if (th->wakes_owed && next != self) slp__wakes_flush(th);
    cb = LOAD(sched_cb);
    if (cb && next != self && !th->in_callback) {
        sched_cb_call(th, cb, self, next);
        /* Another thread may have removed next from this run queue while
         * the lock was free: the switch was decided, it runs once more. */
        if (!next->in_ring) slp__ring_append(th, next);
    }
    return next;
}

void slp__sched_cb_main(slp__thread *th) {
    slp_schedule_callback cb = LOAD(sched_cb);
    if (!cb) return;
    slp__lock();
    sched_cb_call(th, cb, NULL, th->main);
    slp__unlock();
}

/* Kept by the linker even in programs without channels: it is named on
 * Asyncify's remove-list, which warns about names it cannot find. */
__attribute__((used)) void
slp__chan_cb_call(slp__thread *th, slp_channel ch, slp__tasklet *t,
                  int sending, int willblock) {
    slp_channel_callback cb = LOAD(slp__chan_cb);
    int r;
    if (!cb) return;
    enter(th);
    r = cb(ch, t->handle, sending, willblock);
    leave(th);
    if (r) report("channel", r);
}

slp_schedule_callback slp_set_schedule_callback(slp_schedule_callback cb) {
    slp_schedule_callback old;
    slp__lock();
    old = sched_cb;
    STORE(sched_cb, cb);
    if (!old != !cb)
        __atomic_fetch_add(&slp__hooks, cb ? SLP__HOOK_SCHED_CB : -SLP__HOOK_SCHED_CB,
                           __ATOMIC_RELAXED);
    slp__unlock();
    return old;
}

slp_schedule_callback slp_get_schedule_callback(void) {
    return LOAD(sched_cb);
}

slp_channel_callback slp_set_channel_callback(slp_channel_callback cb) {
    slp_channel_callback old;
    slp__lock();
    old = slp__chan_cb;
    STORE(slp__chan_cb, cb);
    slp__unlock();
    return old;
}

slp_channel_callback slp_get_channel_callback(void) {
    return LOAD(slp__chan_cb);
}
