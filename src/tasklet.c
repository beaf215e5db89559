/*
 * tasklet.c -- the tasklet object: life cycle (bind, setup, kill), queue
 * moves (insert, remove, run, switch), throw, bind_thread and queries.
 * Stackless's checks come in Stackless's order (reference §2.1), so the first
 * error a caller sees is the one Stackless would raise.
 */
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

#define LOCKED_GET(t, h) SLP__LOCKED_GET(t, h, SLP__HK_TASKLET)

slp__tasklet *slp__tasklet_alloc(slp__thread *th) {
    slp__tasklet *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->handle = slp__handle_alloc(t, SLP__HK_TASKLET);
    if (!t->handle) {
        free(t);
        return NULL;
    }
    slp__bound_add(th, t);
    return t;
}

static int is_current(const slp__tasklet *t) {
    return t->thread && t->thread->current == t;
}

void slp__tasklet_gc(slp__tasklet *t) {
    if (t->urefs || t->has_frame || t->in_ring || t->blocked || t->in_flight)
        return;
    if (t->thread && (t->thread->main == t || t->thread->current == t)) return;
    slp__bound_del(t);
    slp__ctx_free(t);
    slp__handle_free(t->handle);
    free(t);
}

/* Throw away t's suspended state without running it (Stackless's bind and
 * the death of an unfinished tasklet). */
void slp__tasklet_drop_frame(slp__tasklet *t) {
    if (!t->has_frame) return;
    if (t->started && slp__verbose())
        fprintf(stderr, "stackless: dropping unfinished tasklet %u\n",
                (unsigned)t->handle);
    slp__ctx_free(t);
    t->has_frame = 0;
    t->started = 0;
}

int slp_tasklet_new(slp_tasklet *out) {
    slp__thread *th = slp__thread_self();
    slp__tasklet *t;
    if (!out) return SLP_EINVAL;
    if (!th) return slp__self_error();
    slp__lock();
    t = slp__tasklet_alloc(th);
    if (t) t->urefs = 1;
    slp__unlock();
    if (!t) return SLP_ENOMEM;
    *out = t->handle;
    return 0;
}

int slp_tasklet_create(slp_tasklet *out, slp_func fn, void *arg) {
    int r;
    if (!out || !fn) return SLP_EINVAL;
    r = slp_tasklet_new(out);
    if (r == 0) r = slp_tasklet_bind(*out, fn, arg);
    if (r == 0) r = slp_tasklet_setup(*out);
    return r;
}

/* Nobody can reach t once its last reference goes: alive but paused (in no
 * queue, not running, not sitting in run()). */
static int unreachable_paused(const slp__tasklet *t) {
    return t->has_frame && !t->in_ring && !t->blocked && !t->waiting &&
           !is_current(t) && !t->is_watchdog && !t->is_main;
}

/* Stackless's tasklet dealloc (§5.4 point 5): a paused tasklet with C state
 * that loses its last reference is killed, so the code after its
 * suspension point (its cleanup) runs, up to 10 times while it stays alive
 * on this thread; one of another thread is killed there (pending).  One
 * that still lives after that is kept, as Stackless keeps it in
 * gc.garbage.  The caller's reference is held meanwhile, and dropped
 * after.  Errors raised into the caller meanwhile are lost, as in
 * Stackless's __del__. */
static int release_killing(slp_tasklet h, slp__thread *th) {
    slp__tasklet *t;
    int i;
    for (i = 0; i < 10; i++) {
        slp__thread *owner;
        slp__lock();
        t = slp__handle_get(h, SLP__HK_TASKLET);
        owner = t->has_frame ? t->thread : NULL;
        slp__unlock();
        if (!owner) break;
        if (owner != th) {
            slp_tasklet_kill(h, 1);
            break;
        }
        if (slp_tasklet_kill(h, 0) == SLP_ESWITCHTRAP) break;
    }
    slp__lock();
    t = slp__handle_get(h, SLP__HK_TASKLET);
    t->urefs--;
    if (t->urefs == 0 && unreachable_paused(t)) {
        if (t->started && slp__ctx_has_cstate(t)) {
            if (slp__verbose())
                fprintf(stderr, "stackless: tasklet %u with C state survived "
                        "its kills; kept\n", (unsigned)t->handle);
        } else {
            slp__tasklet_drop_frame(t);
        }
    }
    slp__tasklet_gc(t);
    return slp__unlock_ret(0);
}

int slp_tasklet_release(slp_tasklet h) {
    slp__tasklet *t;
    LOCKED_GET(t, h);
    if (t->urefs == 0) return slp__unlock_ret(SLP_EINVAL);
    if (t->urefs == 1 && unreachable_paused(t) && t->thread &&
        t->started && slp__ctx_has_cstate(t)) {
        slp__thread *th;
        slp__unlock();
        th = slp__thread_self();
        if (th) return release_killing(h, th);
        slp__lock();
    }
    t->urefs--;
    /* Nobody can reach a paused tasklet (or one whose thread died) any more:
     * drop it without running anything, as Stackless's collector does with
     * a tasklet that has no C state. */
    if (t->urefs == 0 && unreachable_paused(t)) slp__tasklet_drop_frame(t);
    slp__tasklet_gc(t);
    return slp__unlock_ret(0);
}

int slp_tasklet_retain(slp_tasklet h) {
    slp__tasklet *t;
    LOCKED_GET(t, h);
    t->urefs++; /* a main tasklet too: it then outlives its thread */
    return slp__unlock_ret(0);
}

static int do_bind(slp_tasklet h, slp_func fn, void *arg, int with_args) {
    slp__tasklet *t;
    LOCKED_GET(t, h);
    if (is_current(t)) return slp__unlock_ret(SLP_EBINDCURRENT);
    if (t->in_ring || t->blocked || t->waiting) return slp__unlock_ret(SLP_ESCHEDULED);
    if (slp__cstate(t)) return slp__unlock_ret(SLP_ECSTATE);
    if (t->is_main) return slp__unlock_ret(SLP_EUNBINDMAIN);
    if (with_args && !t->thread) return slp__unlock_ret(SLP_ENOTHREAD);
    if (with_args && !fn) { /* bind(None, args): the function bound before */
        if (!t->fn) return slp__unlock_ret(SLP_ENOTBOUND);
        fn = t->fn;
    }
    slp__tasklet_drop_frame(t);
    t->fn = fn;
    t->arg = arg;
    t->ended = t->death_kill = 0;
    t->started = 0; /* a new frame (wasm resumes a started one) */
    t->result = t->send_err = 0;
    slp__set_err(t, 0);
    t->xfer_value = NULL;
    if (with_args) {
        t->has_frame = 1;
        slp__bound_revive(t);
    }
    return slp__unlock_ret(0);
}

int slp_tasklet_bind(slp_tasklet t, slp_func fn, void *arg) {
    return do_bind(t, fn, arg, 0);
}

int slp_tasklet_bind_args(slp_tasklet t, slp_func fn, void *arg) {
    return do_bind(t, fn, arg, 1);
}

int slp_tasklet_setup(slp_tasklet h) {
    slp__tasklet *t;
    LOCKED_GET(t, h);
    if (t->has_frame && t->thread) return slp__unlock_ret(SLP_EALIVE);
    if (!t->fn) return slp__unlock_ret(SLP_ENOTBOUND);
    if (!t->thread) return slp__unlock_ret(SLP_ENOTHREAD);
    t->has_frame = 1;
    slp__bound_revive(t);
    t->ended = 0;
    t->started = 0; /* a new frame, also after the function ended */
    /* Stackless does not wake the owning thread here (reference §5.5). */
    slp__ring_append(t->thread, t);
    return slp__unlock_ret(0);
}

int slp_tasklet_insert(slp_tasklet h) {
    slp__thread *th = slp__thread_self();
    slp__tasklet *t;
    if (!th) return slp__self_error();
    LOCKED_GET(t, h);
    if (t->blocked || t->waiting) return slp__unlock_ret(SLP_EBLOCKED);
    if (t->in_ring) return slp__unlock_ret(0);
    if (!t->thread) return slp__unlock_ret(SLP_ETHREADINIT);
    if (!t->has_frame) return slp__unlock_ret(SLP_EDEAD);
    if (t->thread == th)
        slp__ring_append(th, t);
    else
        slp__remote_insert(t->thread, t, 0);
    return slp__unlock_ret(0);
}

int slp_tasklet_remove(slp_tasklet h) {
    slp__tasklet *t;
    LOCKED_GET(t, h);
    if (!t->thread) return slp__unlock_ret(0);
    if (t->blocked || t->waiting) return slp__unlock_ret(SLP_EREMOVEBLOCKED);
    if (is_current(t)) return slp__unlock_ret(SLP_EREMOVECURRENT);
    if (t->in_ring) slp__ring_remove(t->thread, t);
    return slp__unlock_ret(0);
}

/* Checks shared by run and switch, in Stackless's order. */
static int runnable_check(const slp__tasklet *t) {
    if (!t->thread && t->has_frame) return SLP_ENOTHREAD;
    if (t->blocked || t->waiting) return SLP_EBLOCKED;
    if (!t->has_frame) return SLP_EDEAD;
    return 0;
}

int slp_tasklet_run(slp_tasklet h) {
    slp__thread *th = slp__thread_self();
    slp__tasklet *t, *self;
    int r;
    if (!th) return slp__self_error();
    LOCKED_GET(t, h);
    if ((r = runnable_check(t)) != 0) return slp__unlock_ret(r);
    if (t->thread != th) {
        /* No switch here: it runs over there, first if that thread idles. */
        slp__remote_insert(t->thread, t, 1);
        return slp__unlock_ret(0);
    }
    self = th->current;
    if (t == self) return slp__unlock_ret(0);
    if (th->switch_trap) return slp__unlock_ret(SLP_ESWITCHTRAP);
    if (!t->in_ring) slp__ring_append(th, t);
    return slp__switch_to(th, t);
}

int slp_tasklet_switch(slp_tasklet h) {
    slp__thread *th = slp__thread_self();
    slp__tasklet *t, *self;
    int r;
    if (!th) return slp__self_error();
    LOCKED_GET(t, h);
    if (!t->thread && t->has_frame) return slp__unlock_ret(SLP_ENOTHREAD);
    if (t->thread && t->thread != th) return slp__unlock_ret(SLP_EOTHERTHREAD);
    if ((r = runnable_check(t)) != 0) return slp__unlock_ret(r);
    self = th->current;
    if (t == self) return slp__unlock_ret(0);
    if (th->switch_trap) return slp__unlock_ret(SLP_ESWITCHTRAP);
    if (!t->in_ring) slp__ring_append(th, t);
    slp__ring_remove(th, self); /* the caller is paused */
    return slp__switch_to(th, t);
}

/* throw / kill (reference §2.1 throw and kill, §5.4, §5.5).  A kill is a
 * throw of SLP_EEXIT, raised once: the tasklet may handle it and go on. */
static int deliver(slp_tasklet h, int err, void *value, int pending, int kill) {
    slp__thread *th = slp__thread_self();
    slp__tasklet *t, *self;
    slp__thread *owner;
    if (!th) return slp__self_error();
    LOCKED_GET(t, h);
    owner = t->thread;
    if (!owner) {
        /* Its thread died: only kill() ends it, by dropping its frame
         * first; any throw, SLP_EEXIT included, finds no thread and
         * changes nothing (test_miscell _test_kill_without_thread_state). */
        if (kill && t->has_frame) {
            t->ended = 1;
            slp__tasklet_drop_frame(t);
        }
        if (err != SLP_EEXIT || t->has_frame) return slp__unlock_ret(SLP_ENOTHREAD);
        if (t->blocked) slp__channel_unlink(t);
        slp__tasklet_gc(t);
        return slp__unlock_ret(0);
    }
    if (!t->has_frame) return slp__unlock_ret(err == SLP_EEXIT ? 0 : SLP_ETHROWDEAD);
    self = th->current;
    if (t == self) { /* raised at once in the caller */
        if (err != SLP_EEXIT) t->xfer_value = value;
        return slp__unlock_ret(err);
    }
    /* A refused throw changes nothing (the target's send value stays). */
    if (owner == th && !pending && th->switch_trap)
        return slp__unlock_ret(SLP_ESWITCHTRAP);
    /* A kill keeps the transfer slot: a value already handed to t is still
     * there for its receive to return beside SLP_EEXIT (so it can be freed).
     * A later throw replaces an earlier pending one, kill or not. */
    if (err != SLP_EEXIT) t->xfer_value = value;
    slp__set_err(t, err);
    if (owner != th) {
        if (t == owner->current && t->in_ring)
            return slp__unlock_ret(0); /* running there: seen at its next switch */
        slp__unpark(t);
        slp__remote_insert(owner, t, 0);
        return slp__unlock_ret(0);
    }
    slp__unpark(t);
    if (!t->in_ring) slp__ring_append(th, t);
    if (pending) return slp__unlock_ret(0);
    return slp__switch_to(th, t);
}

int slp_tasklet_kill(slp_tasklet t, int pending) {
    return deliver(t, SLP_EEXIT, NULL, pending, 1);
}

int slp_tasklet_throw(slp_tasklet t, int err, void *value, int pending) {
    if (err >= 0) return SLP_EINVAL;
    return deliver(t, err, value, pending, 0);
}

int slp_tasklet_bind_thread(slp_tasklet h, int thread_id) {
    slp__thread *th = slp__thread_self();
    slp__thread *target;
    slp__tasklet *t;
    if (!th) return slp__self_error();
    LOCKED_GET(t, h);
    target = (thread_id == 0 || thread_id == -1) ? th : NULL;
    if (target && t->thread == target) return slp__unlock_ret(0);
    if (t->in_ring || t->waiting || is_current(t)) return slp__unlock_ret(SLP_ERUNNABLE);
    if (t->is_main || slp__cstate(t)) return slp__unlock_ret(SLP_ECSTATE);
    if (thread_id < -1) return slp__unlock_ret(SLP_EBADTHREAD);
    if (!target) target = slp__thread_find(thread_id);
    if (!target) return slp__unlock_ret(SLP_EBADTHREAD);
    if (t->thread == target) return slp__unlock_ret(0);
    slp__bound_del(t);
    slp__bound_add(target, t);
    return slp__unlock_ret(0);
}

/* ------------------------------------------------------------- queries */

#define QUERY(name, expr)                                                     \
    int slp_tasklet_##name(slp_tasklet h) {                                   \
        slp__tasklet *t;                                                      \
        int r;                                                                \
        LOCKED_GET(t, h);                                                     \
        r = (expr);                                                           \
        return slp__unlock_ret(r);                                                 \
    }

QUERY(alive, t->has_frame && t->thread != NULL)
QUERY(paused, t->has_frame && t->thread && !t->in_ring && !t->blocked &&
                  !t->waiting && !is_current(t))
QUERY(scheduled, t->in_ring || t->blocked != 0 || t->waiting)
QUERY(is_main, t->is_main && t->thread && t->thread->main == t)
QUERY(is_current, is_current(t))
QUERY(restorable, !slp__cstate(t) && !t->is_main)
QUERY(blocked, t->blocked < 0   ? SLP_BLOCKED_RECEIVING
               : t->blocked > 0 ? SLP_BLOCKED_SENDING
                                : 0)
QUERY(thread_id, t->thread ? t->thread->id : -1)
QUERY(result, t->result)

QUERY(block_trap, t->block_trap)
QUERY(atomic, t->atomic)                 /* set in preempt.c */
QUERY(ignore_nesting, t->ignore_nesting)

int slp_tasklet_set_block_trap(slp_tasklet h, int on) {
    slp__tasklet *t;
    int old;
    LOCKED_GET(t, h);
    old = t->block_trap;
    t->block_trap = on != 0;
    return slp__unlock_ret(old);
}

/* The same slot as slp_tasklet_tempval (tasklet_attr.c). */
void *slp_tasklet_value(slp_tasklet h) { return slp_tasklet_tempval(h); }
