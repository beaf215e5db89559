/*
 * thread.c -- the registry of threads that have a scheduler, their birth
 * (on first use, or slp_thread_start) and their death (reference §5.4-5.6).
 *
 * A thread's struct is never freed while another thread could still reach
 * it: dead threads leave the registry under the lock, and their tasklets
 * lose the pointer (thread_id -1) in the same critical section.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

static slp__thread *registry; /* creation order */
static int next_id = 1;
static int shut_down;

slp__thread *slp__thread_first(void) { return registry; }

int slp__self_error(void) { return shut_down ? SLP_ENOTHREAD : SLP_ENOMEM; }

int slp__verbose(void) {
    static int cached = -1; /* threads may race to fill it: same value */
    int v = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (v < 0) {
        const char *e = getenv("SLP_VERBOSE");
        v = e && *e && *e != '0';
        __atomic_store_n(&cached, v, __ATOMIC_RELAXED);
    }
    return v;
}

/* A tasklet bound to th is on one of two lists: `bound`, or `ended` once
 * count_bound found it without a frame.  Only ended tasklets (with handles
 * held) can pile up, and count_bound runs at every turn of the JS pump: it
 * walks each of them once, not at every turn. */
static void list_push(slp__tasklet **head, slp__tasklet *t) {
    t->bprev = NULL;
    t->bnext = *head;
    if (*head) (*head)->bprev = t;
    *head = t;
}

static void list_unlink(slp__tasklet **head, slp__tasklet *t) {
    if (t->bprev)
        t->bprev->bnext = t->bnext;
    else
        *head = t->bnext;
    if (t->bnext) t->bnext->bprev = t->bprev;
    t->bnext = t->bprev = NULL;
}

void slp__bound_add(slp__thread *th, slp__tasklet *t) {
    t->thread = th;
    t->set_aside = 0;
    list_push(&th->bound, t);
    th->nbound++;
}

void slp__bound_del(slp__tasklet *t) {
    slp__thread *th = t->thread;
    if (!th) return;
    list_unlink(t->set_aside ? &th->ended : &th->bound, t);
    t->set_aside = 0;
    th->nbound--;
    t->thread = NULL;
}

void slp__bound_revive(slp__tasklet *t) {
    slp__thread *th = t->thread;
    if (!th || !t->set_aside) return;
    list_unlink(&th->ended, t);
    t->set_aside = 0;
    list_push(&th->bound, t);
}

/* Nothing on `ended` can run: no frame, in no queue (a frame comes back
 * only through slp__bound_revive). */
static void set_aside(slp__thread *th, slp__tasklet *t) {
    list_unlink(&th->bound, t);
    t->set_aside = 1;
    list_push(&th->ended, t);
}

/* A main tasklet for th: the thread's own stack, so alive and started.
 * Lock held. */
static slp__tasklet *main_alloc(slp__thread *th) {
    slp__tasklet *m = slp__tasklet_alloc(th);
    if (!m) return NULL;
    m->is_main = 1;
    m->has_frame = 1;
    m->started = 1;
    return m;
}

/* A new thread struct with its main tasklet, in the registry.  Lock held. */
static slp__thread *thread_new(void) {
    /* 64-aligned: its first line is what other threads write (internal.h). */
    slp__thread *th = aligned_alloc(64, sizeof *th);
    slp__tasklet *m;
    slp__thread **p;
    if (!th) return NULL;
    memset(th, 0, sizeof *th);
    th->id = next_id;
    if (slp__sync_thread_init(th) != 0) {
        free(th);
        return NULL;
    }
    m = main_alloc(th);
    if (!m) {
        slp__sync_thread_free(th);
        free(th);
        return NULL;
    }
    next_id++;
    th->main = th->current = m;
    slp__ring_append(th, m);
    th->state = SLP__TH_ALIVE;
    for (p = &registry; *p; p = &(*p)->reg_next) {}
    *p = th;
    slp__awake_adjust(1);
    return th;
}

static void registry_del(slp__thread *th) {
    slp__thread **p;
    for (p = &registry; *p; p = &(*p)->reg_next) {
        if (*p == th) {
            *p = th->reg_next;
            return;
        }
    }
}

/* Its usual case is also inline, as slp__self (internal.h): keep the two
 * in step. */
slp__thread *slp__thread_self(void) {
    slp__thread *th = slp__tls_get();
    if (th) {
        /* Every call of the API starts here, holding nothing: where a
         * thread asked to stop does so. */
        if (__atomic_load_n(&th->stop_requested, __ATOMIC_RELAXED)) slp__thread_park(th);
        return th->state == SLP__TH_ALIVE ? th : NULL;
    }
    slp__lock();
    th = shut_down ? NULL : thread_new();
    slp__unlock();
    if (!th) return NULL;
    slp__tls_set(th);
    if (slp__ctx_thread_init(th) != 0) return NULL;
    slp__sched_cb_main(th);
    return th;
}

slp__thread *slp__thread_find(int id) {
    slp__thread *th;
    for (th = registry; th; th = th->reg_next)
        if (th->id == id && th->state == SLP__TH_ALIVE) return th;
    return NULL;
}

int slp_thread_id(void) {
    slp__thread *th = slp__thread_self();
    return th ? th->id : SLP_ENOTHREAD;
}

int slp_getthreads(int *ids, int max) {
    slp__thread *th, *first = NULL;
    int total = 0, n = 0;
    slp__thread_self();
    slp__lock();
    for (th = registry; th; th = th->reg_next)
        if (th->state == SLP__TH_ALIVE) total++;
    /* The first thread first, then the others newest first (as Stackless
     * lists its thread states): the k-th later thread goes to total - k. */
    for (th = registry; th; th = th->reg_next) {
        int pos;
        if (th->state != SLP__TH_ALIVE) continue;
        pos = first ? total - n : 0;
        if (!first) first = th;
        n++;
        if (ids && pos < max) ids[pos] = th->id;
    }
    slp__unlock();
    return total;
}

int slp_get_thread_info(int id, slp_tasklet *main, slp_tasklet *current,
                        int *runcount) {
    slp__thread *self = slp__thread_self(), *th;
    if (!self) return SLP_ENOTHREAD;
    slp__lock();
    th = id == -1 ? self : slp__thread_find(id);
    if (!th) {
        slp__unlock();
        return SLP_EBADTHREAD;
    }
    if (main) *main = th->main->handle;
    if (current) *current = th->runcount ? th->current->handle : 0;
    if (runcount) *runcount = th->runcount;
    slp__unlock();
    return 0;
}

const volatile uint32_t *slp_thread_wake_word(void) {
    slp__thread *th = slp__thread_self();
    if (!th) return NULL;
    /* Anybody may wait on it from now on: every wake must notify. */
    slp__lock();
    th->word_shared = 1;
    slp__unlock();
    return &th->wake_seq;
}

int slp_thread_set_nonblocking(int flag) {
    slp__thread *th = slp__thread_self();
    int old;
    if (!th) return slp__self_error();
    slp__lock();
    old = th->nonblocking;
    th->nonblocking = flag != 0;
    slp__unlock();
    return old;
}

int slp_thread_idle(int begin) {
    slp__thread *th = slp__thread_self();
    int r;
    if (!th) return slp__self_error();
    slp__lock();
    if (begin) {
        slp__wakes_flush(th);
        r = th->runcount > 1 || th->deadlocked;
        if (!r && !th->sleeping) {
            th->sleeping = 1;
            slp__awake_adjust(-1); /* at 0 this wakes every sleeper, us too */
        }
    } else {
        if (th->sleeping) {
            th->sleeping = 0;
            slp__awake_adjust(1);
        }
        r = th->deadlocked;
        th->deadlocked = 0;
    }
    slp__unlock();
    return r;
}

/* This thread's live tasklets other than main; only those queued or
 * blocked (that another thread could make run) if waiting_only. */
static int count_bound(int waiting_only) {
    slp__thread *th = slp__thread_self();
    slp__tasklet *t, *next;
    int n = 0;
    if (!th) return slp__self_error();
    slp__lock();
    for (t = th->bound; t; t = next) {
        next = t->bnext;
        if (t == th->main) continue;
        if (!t->has_frame) {
            if (!t->in_ring && !t->blocked && !t->waiting) set_aside(th, t);
            continue;
        }
        if (!waiting_only || t->blocked || t->in_ring || t->waiting) n++;
    }
    slp__unlock();
    return n;
}

int slp_thread_waiting(void) { return count_bound(1); }
int slp_thread_pending(void) { return count_bound(0); }

/* ----------------------------------------------------------------- death */

/* Kill pending: the tasklet's blocking call returns SLP_EEXIT when it runs
 * again (reference §5.5).  Lock held. */
static void kill_pending(slp__thread *th, slp__tasklet *t) {
    if (!t || !t->has_frame || t->ended) return;
    slp__set_err(t, SLP_EEXIT);
    if (t == th->current && t->in_ring) return; /* running: seen at its next switch */
    slp__unpark(t);
    slp__remote_insert(th, t, 0);
}

/* The thread's main has ended: a fresh main takes its place in the ring
 * for the killing that follows, as Stackless's slp_kill_tasks_with_stacks
 * runs under a new main (test_shutdown TestThreadShutdown).  The old main
 * is not alive any more; it lives on while someone holds it.  Lock held. */
static void temporary_main(slp__thread *th) {
    slp__tasklet *old = th->main, *m = main_alloc(th);
    if (!m) return; /* no memory: the old main does the killing */
    slp__ring_insert_after(th, old, m);
    slp__ring_remove(th, old);
    th->main = th->current = th->head = m;
    old->has_frame = 0;
    old->ended = 1;
    slp__tasklet_gc(old);
}

/* The first tasklet of th with C state not killed yet; its handle, or 0.
 * Lock held. */
static slp_tasklet next_cstate(slp__thread *th) {
    slp__tasklet *t;
    for (t = th->bound; t; t = t->bnext) {
        if (t == th->main || !t->has_frame || t->death_kill) continue;
        if (t->started && slp__cstate(t)) {
            t->death_kill = 1;
            if (t->in_ring) slp__ring_remove(th, t);
            return t->handle;
        }
    }
    return 0;
}

/* The calling thread kills its tasklets that have C state (§5.4), each
 * once, one after the other, with a kill() from its main (a temporary one
 * if its own has ended): each runs on this thread until it ends, or blocks
 * or yields again (then it stays so, with C state, never collected).  The
 * others are taken off the run queue first: queued tasklets never run. */
static void kill_cstate(slp__thread *th, int main_ended) {
    slp__tasklet *t;
    slp_tasklet h;
    slp__lock();
    for (t = th->bound; t; t = t->bnext)
        if (t != th->main && t->in_ring && t != th->current) slp__ring_remove(th, t);
    h = next_cstate(th);
    if (h && main_ended) {
        temporary_main(th);
        slp__unlock();
        slp__sched_cb_main(th); /* (None, main), as for every new main */
        slp__lock();
    }
    while (h) {
        slp__unlock();
        if (slp__verbose())
            fprintf(stderr, "stackless: killing tasklet %u with C state\n",
                    (unsigned)h);
        slp_tasklet_kill(h, 0); /* its errors are not main's: Stackless clears them */
        slp__lock();
        h = next_cstate(th);
    }
    slp__unlock();
}

/* Every tasklet of th loses its thread; th leaves the registry.  Lock held. */
static void orphan_all(slp__thread *th) {
    slp__tasklet *m = th->main, *cur = th->current;
    while (th->ended) slp__bound_revive(th->ended); /* they lose it too */
    while (th->bound) {
        slp__tasklet *t = th->bound;
        if (t->in_ring) slp__ring_remove(th, t);
        if (t->waiting) slp__wait_cancel(t); /* soft: it just stops */
        if (t == cur && t != m && t != th->loop_sleeper) {
            /* Stopped while it ran (slp_thread_stop): what it was doing
             * lived on that thread, so it cannot go on.  Its stack is
             * forgotten, not freed: a parked OS thread may still sit on it.
             * (The loop_sleeper is not running: its thread stopped while
             * it waited for it, in the loop; it stays soft.) */
            slp__channel_unlink(t);
            memset(&t->ctx, 0, sizeof t->ctx);
            t->has_frame = 0;
            t->started = 0;
        }
        if (t->started && t->has_frame && t != m && slp__verbose())
            fprintf(stderr, "stackless: tasklet %u stops with its thread\n",
                    (unsigned)t->handle);
        slp__bound_del(t); /* thread_id -1; blocked ones stay in their channel */
        if (t == m) continue;
        /* Nobody can reach it any more (no handle, no channel): drop it. */
        if (!t->urefs && !t->blocked) slp__tasklet_drop_frame(t);
        slp__tasklet_gc(t);
    }
    slp__waits_free(th);
    th->state = SLP__TH_DEAD;
    th->current = th->head = NULL;
    m->has_frame = 0;
    m->ended = 1;
    th->main = NULL;
    slp__tasklet_gc(m);
    if (th->sleeping) th->sleeping = 0;
    else slp__awake_adjust(-1);
    slp__preempt_thread_end(th);
}

int slp_thread_exit(void) {
    slp__thread *th = slp__tls_get();
    if (!th) return 0;
    if (th->state != SLP__TH_ALIVE) { /* after slp_shutdown: only tidy up */
        slp__tls_set(NULL);
        slp__ctx_thread_free(th);
        return 0;
    }
    if (th->current != th->main) return SLP_EINVAL;
    kill_cstate(th, 1);
    slp__lock();
    slp__wakes_flush(th);
    orphan_all(th);
    slp__unlock();
    slp__tls_set(NULL);
    slp__ctx_thread_free(th);
    if (!th->started_by_runtime) { /* nobody will join it */
        slp__lock();
        registry_del(th);
        slp__unlock();
        slp__sync_thread_free(th);
        free(th->watchdogs);
        free(th);
    }
    return 0;
}

/* Thread id, other than self, with the lock held; NULL (unlocked) if there
 * is no such live thread. */
static slp__thread *other_locked(slp__thread *self, int id) {
    slp__thread *th;
    slp__lock();
    th = slp__thread_find(id);
    if (th && th != self) return th;
    slp__unlock();
    return NULL;
}

int slp_thread_stop(int id) {
    slp__thread *self = slp__thread_self(), *th;
    if (!slp__have_threads) return SLP_ENOTSUP;
    if (!self) return SLP_ENOTHREAD;
    if (!(th = other_locked(self, id))) return SLP_EBADTHREAD;
    __atomic_store_n(&th->stop_requested, 1, __ATOMIC_RELAXED);
    slp__thread_wake(th); /* a sleeper stops at once */
    slp__unlock();
    return 0;
}

int slp_thread_stopped(int id) {
    slp__thread *self = slp__thread_self(), *th;
    int r;
    if (!self) return SLP_ENOTHREAD;
    if (!(th = other_locked(self, id))) return SLP_EBADTHREAD;
    r = (int)__atomic_load_n(&th->parked, __ATOMIC_ACQUIRE);
    slp__unlock();
    return r;
}

int slp_thread_mark_dead(int id) {
    slp__thread *self = slp__thread_self(), *th;
    if (!self) return SLP_ENOTHREAD;
    if (!(th = other_locked(self, id))) return SLP_EBADTHREAD;
    orphan_all(th);
    slp__unlock();
    /* Its switch buffers stay: the thread may have died in the middle of a
     * switch, and a soft tasklet revived elsewhere never needs them. */
    return 0;
}

/* ------------------------------------------------------- runtime threads */

void slp__thread_main(slp__thread *th) {
    slp__tls_set(th);
    if (slp__ctx_thread_init(th) == 0) {
        slp__sched_cb_main(th);
        th->start_result = th->start_fn(th->start_arg);
    } else {
        th->start_result = SLP_ENOMEM;
    }
    slp_thread_exit();
}

int slp_thread_start(int *id, slp_func fn, void *arg) {
    slp__thread *th;
    if (!slp__have_threads) return SLP_ENOTSUP;
    if (!fn) return SLP_EINVAL;
    if (!slp__thread_self()) return SLP_ENOTHREAD;
    slp__lock();
    th = thread_new(); /* registered before it runs: a partner already */
    if (th) {
        th->started_by_runtime = 1;
        th->start_fn = fn;
        th->start_arg = arg;
    }
    slp__unlock();
    if (!th) return SLP_ENOMEM;
    if (slp__os_thread_start(th) != 0) {
        slp__lock();
        orphan_all(th);
        registry_del(th);
        slp__unlock();
        slp__sync_thread_free(th);
        free(th);
        return SLP_ETHREAD;
    }
    if (id) *id = th->id;
    return 0;
}

int slp_thread_join(int id, int *result) {
    slp__thread *self = slp__tls_get(), *th;
    int counted;
    if (!slp__have_threads) return SLP_ENOTSUP;
    slp__lock();
    for (th = registry; th; th = th->reg_next)
        if (th->id == id && th->started_by_runtime && th != self) break;
    if (!th || th->joining) {
        slp__unlock();
        return SLP_EBADTHREAD;
    }
    th->joining = 1;
    if (self) slp__wakes_flush(self); /* it waits: atomic holds nothing back */
    /* A joiner that will wait cannot wake anybody meanwhile (after shutdown
     * nobody counts; a thread already gone is joined at once). */
    counted = self && self->state == SLP__TH_ALIVE && !shut_down &&
              th->state == SLP__TH_ALIVE;
    if (counted) slp__awake_adjust(-1);
    slp__unlock();
    slp__os_thread_join(th);
    slp__lock();
    if (counted) slp__awake_adjust(1);
    registry_del(th);
    slp__unlock();
    if (result) *result = th->start_result;
    /* Stopped while a tasklet waited for it in its loop: that tasklet,
     * revived elsewhere, reads its result from this struct once
     * (scheduler.c: idle).  Kept: a stop is rare, and it is small. */
    if (th->loop_sleeper) return 0;
    slp__sync_thread_free(th);
    free(th->watchdogs);
    free(th);
    return 0;
}

/* --------------------------------------------------------------- shutdown */

static void unbind_one(void *obj, void *ud) {
    slp__tasklet *t = obj;
    SLP__UNUSED(ud);
    if (t->thread && t->thread->state == SLP__TH_ALIVE) {
        if (t->in_ring && t->thread->current != t) slp__ring_remove(t->thread, t);
        if (t->waiting) slp__wait_cancel(t);
        slp__bound_del(t);
    }
}

int slp_shutdown(void) {
    slp__thread *self = slp__thread_self(), *th;
    int others = 0, i;
    if (!self) return SLP_ENOTHREAD;
    kill_cstate(self, 0);
    slp__lock();
    for (th = registry; th; th = th->reg_next) {
        if (th == self || th->state != SLP__TH_ALIVE) continue;
        for (i = 0; i < th->nwatchdogs; i++) kill_pending(th, th->watchdogs[i]);
        kill_pending(th, th->main);
        kill_pending(th, th->current);
        slp__thread_wake(th);
        others++;
    }
    slp__unlock();
    for (i = 0; i < others; i++) { /* let them unwind, ~1 ms each */
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    slp__lock();
    shut_down = 1;
    slp__handle_each(SLP__HK_TASKLET, unbind_one, NULL);
    for (th = registry; th; th = th->reg_next) th->state = SLP__TH_DEAD;
    slp__unlock();
    return 0;
}

/* ----------------------------------------------------------- introspection */

typedef struct {
    slp_tasklet_info *out;
    int max, n;
} snap_ud;

static void snap_one(void *obj, void *ud) {
    slp__tasklet *t = obj;
    snap_ud *s = ud;
    if (s->n < s->max) {
        slp_tasklet_info *i = &s->out[s->n];
        i->handle = t->handle;
        i->thread_id = t->thread ? t->thread->id : -1;
        i->channel = t->chan ? t->chan->handle : 0;
        if (!t->has_frame) i->state = SLP_STATE_DEAD;
        else if (!t->thread) i->state = SLP_STATE_NOTHREAD;
        else if (t->thread->current == t && t->in_ring) i->state = SLP_STATE_RUNNING;
        else if (t->blocked > 0) i->state = SLP_STATE_BLOCKED_SEND;
        else if (t->blocked < 0) i->state = SLP_STATE_BLOCKED_RECV;
        else if (t->waiting) i->state = SLP_STATE_WAITING;
        else if (t->in_ring) i->state = SLP_STATE_RUNNABLE;
        else i->state = SLP_STATE_PAUSED;
    }
    s->n++;
}

int slp_snapshot(slp_tasklet_info *out, int max) {
    snap_ud s;
    s.out = out;
    s.max = out ? max : 0;
    s.n = 0;
    slp__lock();
    slp__handle_each(SLP__HK_TASKLET, snap_one, &s);
    slp__unlock();
    return s.n;
}
