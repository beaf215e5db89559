/*
 * timer.c -- tasklets that wait for time or for a file descriptor, parked
 * outside the run queue so that the rest of their thread runs on
 * (stacklesslib's sleep and its event loop, built into the scheduler).
 *
 * Each thread keeps a binary heap of sleepers ordered by (deadline, seq):
 * seq counts the sleeps of the thread, so equal deadlines wake in the
 * order they slept.  fd waiters sit in a list in the order they waited;
 * one with a timeout is in the heap too.  Due waiters are queued at the
 * end of the run queue: at each switch while the thread has any (the
 * SLP__HOOK_WAITS hook: a clock read; the fds are polled, without
 * waiting, at most once a millisecond), and when nothing else is left to
 * run, where the scheduler waits for the nearest deadline, a ready fd or
 * another thread's wake in one call (slp__waits_idle, poll_*.c).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

#define NEVER SLP__NEVER
#define FD_POLL_EVERY_NS 1000000u /* switch hook: poll the fds this often */

/* Out of line: its timespec is address-taken, and inlined into slp_sleep it
 * would sit in the sleeper's frame, giving every sleeping tasklet C state in
 * wasm (a shadow-stack slice), so a sleeper stopped with its thread could not
 * be revived by bind_thread(). */
__attribute__((noinline)) uint64_t slp__now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t slp__deadline_after(uint64_t ns) {
    uint64_t now = slp__now_ns();
    return ns >= NEVER - now ? NEVER - 1 : now + ns;
}

/* ------------------------------------------------------------- the heap */

static int before(const struct slp__timer *a, const struct slp__timer *b) {
    return a->deadline < b->deadline ||
           (a->deadline == b->deadline && a->seq < b->seq);
}

static void place(slp__thread *th, int i, struct slp__timer e) {
    th->timers[i] = e;
    e.t->timer_pos = i + 1;
}

static void sift_up(slp__thread *th, int i) {
    struct slp__timer e = th->timers[i];
    while (i > 0) {
        int p = (i - 1) / 2;
        if (!before(&e, &th->timers[p])) break;
        place(th, i, th->timers[p]);
        i = p;
    }
    place(th, i, e);
}

static void sift_down(slp__thread *th, int i) {
    struct slp__timer e = th->timers[i];
    for (;;) {
        int c = 2 * i + 1;
        if (c >= th->ntimers) break;
        if (c + 1 < th->ntimers && before(&th->timers[c + 1], &th->timers[c])) c++;
        if (!before(&th->timers[c], &e)) break;
        place(th, i, th->timers[c]);
        i = c;
    }
    place(th, i, e);
}

int slp__timer_reserve(slp__thread *th) {
    if (th->ntimers == th->captimers) {
        int cap = th->captimers ? 2 * th->captimers : 16;
        struct slp__timer *n = realloc(th->timers, (size_t)cap * sizeof *n);
        if (!n) return SLP_ENOMEM;
        th->timers = n;
        th->captimers = cap;
    }
    return 0;
}

static void heap_push(slp__thread *th, slp__tasklet *t, uint64_t deadline) {
    struct slp__timer e;
    e.deadline = deadline;
    e.seq = th->timer_seq++;
    e.t = t;
    th->timers[th->ntimers] = e;
    SLP__HINT_STORE(&th->ntimers, th->ntimers + 1);
    sift_up(th, th->ntimers - 1);
}

static void heap_remove(slp__thread *th, int i) {
    int last = th->ntimers - 1;
    th->timers[i].t->timer_pos = 0;
    SLP__HINT_STORE(&th->ntimers, last);
    if (i == last) return;
    place(th, i, th->timers[last]);
    if (i > 0 && before(&th->timers[i], &th->timers[(i - 1) / 2]))
        sift_up(th, i);
    else
        sift_down(th, i);
}

/* ------------------------------------------------------------ fd list */

static int fd_reserve(slp__thread *th) {
    if (th->nfdwaits == th->capfdwaits) {
        int cap = th->capfdwaits ? 2 * th->capfdwaits : 8;
        slp__tasklet **n = realloc(th->fdwaits, (size_t)cap * sizeof *n);
        if (!n) return SLP_ENOMEM;
        th->fdwaits = n;
        th->capfdwaits = cap;
    }
    return 0;
}

static void fd_remove(slp__thread *th, slp__tasklet *t) {
    int i;
    for (i = 0; i < th->nfdwaits; i++) {
        if (th->fdwaits[i] != t) continue;
        memmove(&th->fdwaits[i], &th->fdwaits[i + 1],
                (size_t)(th->nfdwaits - i - 1) * sizeof *th->fdwaits);
        SLP__HINT_STORE(&th->nfdwaits, th->nfdwaits - 1);
        return;
    }
}

/* -------------------------------------------------------------- waiting */

/* The switch hook is on while the thread has waiters. */
static void hook_update(slp__thread *th, int had) {
    int has = slp__has_waits(th);
    if (has != had)
        __atomic_fetch_add(&slp__hooks, has ? SLP__HOOK_WAITS : -SLP__HOOK_WAITS,
                           __ATOMIC_RELAXED);
}

static void unwait(slp__thread *th, slp__tasklet *t) {
    if (t->timer_pos) heap_remove(th, t->timer_pos - 1);
    if (t->waiting == SLP__WAIT_FD) fd_remove(th, t);
    if (t->waiting == SLP__WAIT_SELECT) slp__select_unlink(t); /* its stubs */
    t->waiting = 0;
}

void slp__wait_cancel(slp__tasklet *t) {
    slp__thread *th = t->thread;
    int had = slp__has_waits(th);
    unwait(th, t);
    hook_update(th, had);
}

/* t's wait is over: it runs when its turn in the queue comes. */
static void wake(slp__thread *th, slp__tasklet *t) {
    unwait(th, t);
    slp__ring_append(th, t);
}

void slp__waits_poll(slp__thread *th, int fds_too) {
    int had = slp__has_waits(th), i;
    uint64_t now;
    if (!had) return;
    now = slp__now_ns();
    while (th->ntimers && th->timers[0].deadline <= now) {
        slp__tasklet *t = th->timers[0].t;
        if (t->waiting == SLP__WAIT_FD) t->wait_revents = 0; /* timed out */
        if (t->waiting == SLP__WAIT_SELECT) slp__select_expired(t);
        wake(th, t);
    }
    if (th->nfdwaits && fds_too &&
        (fds_too == 1 || now - th->fd_polled >= FD_POLL_EVERY_NS)) {
        th->fd_polled = now;
        slp__poll_wait(th, th->wake_seq, 0); /* (0: do not wait) */
    }
    for (i = 0; i < th->nfdwaits;) {
        slp__tasklet *t = th->fdwaits[i];
        if (t->wait_revents)
            wake(th, t); /* (the list moved up) */
        else
            i++;
    }
    hook_update(th, had);
}

void slp__waits_idle(slp__thread *th) {
    uint64_t deadline = th->ntimers ? th->timers[0].deadline : NEVER;
    if (deadline > slp__now_ns() || th->nfdwaits)
        slp__poll_wait(th, th->wake_seq, deadline);
    slp__waits_poll(th, 0);
}

void slp__waits_free(slp__thread *th) {
    int had = slp__has_waits(th);
    while (th->ntimers) unwait(th, th->timers[0].t);
    while (th->nfdwaits) unwait(th, th->fdwaits[0]);
    hook_update(th, had);
    free(th->timers);
    free(th->fdwaits);
    th->timers = NULL;
    th->fdwaits = NULL;
    th->captimers = th->capfdwaits = 0;
    slp__poll_thread_free(th);
}

/* ------------------------------------------ slp_sleep, slp_wait_fd, select.c */

void slp__wait_park(slp__thread *th, slp__tasklet *t, int kind, uint64_t deadline) {
    int had = slp__has_waits(th);
    if (t->in_ring) slp__ring_remove(th, t);
    t->waiting = (uint8_t)kind;
    if (kind == SLP__WAIT_FD) {
        th->fdwaits[th->nfdwaits] = t;
        SLP__HINT_STORE(&th->nfdwaits, th->nfdwaits + 1);
    }
    if (deadline != NEVER) heap_push(th, t, deadline);
    hook_update(th, had);
}

/* A sleep of SLP_FOREVER ends early (js_await.c: its promise settled): t
 * runs again as if its time had come, and th is woken (its wake word
 * changes).  No-op if t does not sleep.  Lock held. */
void slp__sleep_end(slp__tasklet *t) {
    slp__thread *th = t->thread;
    int had;
    if (!th || t->waiting != SLP__WAIT_SLEEP) return;
    had = slp__has_waits(th);
    wake(th, t);
    hook_update(th, had);
    slp__thread_wake(th);
}

/* ------------------------------------------------------------ public API */

static int sleep_until(uint64_t deadline) {
    slp__thread *th = slp__self();
    slp__tasklet *self;
    if (!th) return slp__self_error();
    slp__lock();
    self = th->current;
    if (deadline != NEVER && slp__timer_reserve(th)) return slp__unlock_ret(SLP_ENOMEM);
    slp__wait_park(th, self, SLP__WAIT_SLEEP, deadline);
    return slp__block(th, self);
}

/* Forever: in no timer, so it waits as a block on a channel does -- only a
 * kill or a throw (maybe from another thread) ends it, and with nothing
 * else to come that is a deadlock, not a wait without end. */
int slp_sleep(uint64_t ns) {
    return sleep_until(ns == SLP_FOREVER ? NEVER : slp__deadline_after(ns));
}

/* A JS tasklet awaits a promise (wasm/js_bridge.c): its settle handler ends
 * the sleep (slp__sleep_end), and the event loop keeps the thread going
 * meanwhile.  In the heap with no due time, so the thread counts as
 * waiting for time: never deadlocked while a promise may still settle. */
int slp__sleep_await(void) { return sleep_until(SLP__NOT_DUE); }

int slp_wait_fd(int fd, int events, uint64_t timeout_ns) {
    slp__thread *th = slp__self();
    slp__tasklet *self;
    uint64_t deadline;
    int err;
    if (!th) return slp__self_error();
    if (!slp__poll_fds) return SLP_ENOTSUP;
    if (fd < 0 || !events || (events & ~(SLP_FD_READ | SLP_FD_WRITE)))
        return SLP_EINVAL;
    deadline = timeout_ns == SLP_FOREVER ? NEVER : slp__deadline_after(timeout_ns);
    slp__lock();
    self = th->current;
    if (fd_reserve(th) || (deadline != NEVER && slp__timer_reserve(th)))
        return slp__unlock_ret(SLP_ENOMEM);
    self->wait_fd = fd;
    self->wait_events = (short)events;
    self->wait_revents = 0;
    slp__wait_park(th, self, SLP__WAIT_FD, deadline);
    err = slp__block(th, self);
    if (err) return err;
    /* Only this tasklet writes its wait fields now: no lock. */
    return self->wait_revents ? self->wait_revents : SLP_ETIMEDOUT;
}

int64_t slp_timer_next(void) {
    slp__thread *th = slp__thread_self();
    int64_t r = -1;
    if (!th) return slp__self_error();
    slp__lock();
    if (th->ntimers && th->timers[0].deadline < SLP__NOT_DUE) {
        uint64_t d = th->timers[0].deadline, now = slp__now_ns();
        r = d <= now ? 0 : d - now > INT64_MAX ? INT64_MAX : (int64_t)(d - now);
    }
    slp__unlock();
    return r;
}

int slp_tasklet_waiting(slp_tasklet h) {
    slp__tasklet *t;
    int r;
    slp__lock();
    t = slp__handle_get(h, SLP__HK_TASKLET);
    r = t ? t->waiting : SLP_EBADHANDLE;
    slp__unlock();
    return r;
}
