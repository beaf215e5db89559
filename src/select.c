/*
 * select.c -- slp_select (Go's select over channel actions) and the
 * channel actions with a timeout, which are a select of one case.
 *
 * A case that can happen at once (a partner waits, on any thread) is done
 * by channel.c's own action, with the caller's block_trap set: so the
 * preference, schedule_all, callbacks and the cross-thread rules are the
 * plain action's, and if another thread took the partner between the look
 * and the action, the action fails (EBLOCKTRAP) instead of blocking on one
 * channel, and the select looks again.
 *
 * A select that has to wait parks its tasklet as a waiter
 * (SLP__WAIT_SELECT, timer.c; in the timer heap if it has a deadline, so
 * it is then not deadlocked) and puts a stub per case -- a slp__tasklet
 * that stands for it -- in each case's channel queue, so balances and
 * queues show it waiting everywhere at once.  The first partner that finds
 * a stub completes the select (slp__select_fire, under the lock), which
 * takes every stub out again.  Whatever else ends the wait (a deadline, a
 * kill or throw, the deadlock rules, the thread's end) goes through the
 * waiter's cancel, which takes them out too (slp__select_unlink).
 *
 * Only the selecting tasklet touches its own memory (the cases array): a
 * partner writes into the heap record below (in wasm another tasklet's
 * stack slice may lie where the caller's array is while it waits).
 */
#include <stdint.h>
#include <stdlib.h>

#include "internal.h"

#define NEVER SLP__NEVER

typedef struct slp__select {
    slp__tasklet *owner;
    int n;
    int fired;               /* case that happened, -1, or SLP_ETIMEDOUT */
    slp_select_case *cases;  /* the caller's cases, copied: partners write here */
    slp__tasklet stubs[];    /* n, then the n cases */
} slp__select;

static slp__select *sel_new(int n) {
    size_t per = sizeof(slp__tasklet) + sizeof(slp_select_case);
    slp__select *sel;
    if ((size_t)n > (SIZE_MAX - sizeof(slp__select)) / per) return NULL;
    sel = calloc(1, sizeof(slp__select) + (size_t)n * per);
    if (!sel) return NULL;
    sel->n = n;
    sel->cases = (slp_select_case *)(void *)(sel->stubs + n);
    return sel;
}

/* ------------------------------------------------- the partner's side */

slp__tasklet *slp__select_fire(slp__tasklet *s, int dir, void *value, int err,
                               void **out) {
    slp__select *sel = s->sel;
    slp__tasklet *t = sel->owner;
    int i = (int)(s - sel->stubs);
    if (dir > 0) { /* the partner sends: case i receives */
        sel->cases[i].value = value;
        sel->cases[i].err = err;
        t->xfer_value = value;
    } else if (out) {
        *out = s->xfer_value;
    }
    sel->fired = i;
    slp__wait_cancel(t); /* every stub out, s too; the deadline too */
    return t;
}

void slp__select_unlink(slp__tasklet *owner) {
    slp__select *sel = owner->sel;
    int i;
    for (i = 0; i < sel->n; i++)
        if (sel->stubs[i].chan) slp__channel_unlink(&sel->stubs[i]);
}

void slp__select_expired(slp__tasklet *owner) { owner->sel->fired = SLP_ETIMEDOUT; }

slp__tasklet *slp__select_neighbour(slp__tasklet *owner, int forward) {
    slp__select *sel = owner->sel;
    slp__tasklet *s;
    if (owner->waiting != SLP__WAIT_SELECT || !sel || sel->n != 1) return NULL;
    s = &sel->stubs[0];
    return forward ? s->next : s->prev;
}

/* ------------------------------------------------- the selecting side */

/* What the look at the cases found.  Lock held. */
enum { NONE = -1, BAD = -2, WAIT = -3 /* (sel_run's reported) */ };

/* The first case that can happen now: i if a partner waits in the other
 * direction, n + i if the channel is closing with no partner; NONE, or BAD
 * for a bad handle.  A partner whose thread died counts: the action then
 * fails with ENOTHREAD, as a plain one does (a stub behind it would mix
 * directions in one queue).  No out-parameter: an address-taken local in
 * sel_run would be C state in every waiter. */
static int look(slp__select *sel) {
    int i, found = NONE;
    for (i = 0; i < sel->n; i++) {
        slp__channel *c = slp__handle_get(sel->cases[i].ch, SLP__HK_CHANNEL);
        slp__tasklet *t;
        if (!c) return BAD;
        if (found != NONE) continue; /* every handle is checked */
        t = c->head;
        if (t && t->blocked == -sel->cases[i].dir)
            found = i;
        else if (c->closing)
            found = sel->n + i;
    }
    return found;
}

/* The channel callback for a select that is about to wait (or to fail
 * where a plain action would have blocked): one call per case from k on
 * (k: just that case if one, else all), in array order, as each case's
 * plain action reports a block: (ch, self, sending, willblock 1), a send's
 * value as tempval meanwhile.  Returns ECALLBACK inside a callback (the
 * plain action's check), EBADHANDLE if a callback released a case's
 * channel, else 0.  Lock held, released while each call runs. */
static int report(slp__thread *th, slp__select *sel, int k, int one) {
    slp__tasklet *self = th->current;
    int i;
    if (th->in_callback) return SLP_ECALLBACK;
    for (i = k; i < (one ? k + 1 : sel->n); i++) {
        slp_select_case *c = &sel->cases[i];
        void *old = self->xfer_value;
        if (!slp__handle_get(c->ch, SLP__HK_CHANNEL)) return SLP_EBADHANDLE;
        self->xfer_value = c->dir > 0 ? c->value : NULL;
        slp__chan_cb_call(th, c->ch, self, c->dir > 0, 1);
        self->xfer_value = old;
    }
    return 0;
}

/* Do case i, which looked ready, by channel.c's own action; the caller's
 * block_trap is on meanwhile.  EBLOCKTRAP: the partner went (look again). */
static int act(slp__thread *th, slp__select *sel, int i) {
    slp__tasklet *self = th->current;
    slp_select_case *c = &sel->cases[i];
    int old, r;
    slp__lock();
    old = self->block_trap;
    self->block_trap = 1;
    slp__unlock();
    if (c->dir < 0)
        r = slp_channel_receive(c->ch, &c->value);
    else
        r = slp_channel_send(c->ch, c->value);
    slp__lock();
    self->block_trap = (uint8_t)old;
    slp__unlock();
    c->err = 0;
    switch (r) {
    case 0:
        return i;
    case SLP_EBLOCKTRAP:   /* not done: the partner went */
    case SLP_EBADHANDLE:   /* the channel was released meanwhile */
    case SLP_ENOTHREAD:    /* the partner's thread died */
    case SLP_ESWITCHTRAP:  /* it would have switched */
    case SLP_ECALLBACK:    /* inside a channel callback */
        return r;
    default: /* done, with an error sent (send_throw) or thrown in */
        c->err = r;
        return r;
    }
}

/* The select itself, on sel's copy of the cases. */
static int sel_run(slp__thread *th, slp__select *sel, uint64_t timeout_ns) {
    uint64_t deadline = timeout_ns == SLP_FOREVER ? NEVER
                        : timeout_ns == 0       ? 0
                                                : slp__deadline_after(timeout_ns);
    slp__tasklet *self = th->current;
    /* What the channel callback was told (NONE: nothing; WAIT: the wait;
     * n + i: closed case i, as look gives it).  It runs without the lock,
     * so the cases are looked at again after it, as a plain action looks
     * at its channel again, and what it was told is not told twice. */
    int reported = NONE;
    sel->owner = self;
    for (;;) {
        int i, r, fired;
        slp__lock();
        i = look(sel);
        if (i == BAD) return slp__unlock_ret(SLP_EBADHANDLE);
        if (i >= sel->n) { /* closed: the case happens, with the error */
            if (slp__chan_cb && reported != i) {
                /* The plain action reports its block, then fails. */
                r = report(th, sel, i - sel->n, 1);
                if (r) return slp__unlock_ret(r);
                reported = i;
                slp__unlock();
                continue;
            }
            sel->cases[i - sel->n].err = SLP_ECLOSED;
            return slp__unlock_ret(SLP_ECLOSED);
        }
        if (i >= 0) {
            slp__unlock();
            r = act(th, sel, i);
            if (r == SLP_EBLOCKTRAP) continue;
            return r;
        }
        /* Nothing ready: wait, as a blocking action would. */
        if (deadline != NEVER && (deadline == 0 || slp__now_ns() >= deadline))
            return slp__unlock_ret(SLP_ETIMEDOUT);
        if (slp__chan_cb && reported != WAIT) {
            r = report(th, sel, 0, 0);
            if (r) return slp__unlock_ret(r);
            reported = WAIT;
            slp__unlock();
            continue;
        }
        if (self->xfer_err) return slp__unlock_ret(slp__take_result(self));
        if (self->block_trap) return slp__unlock_ret(SLP_EBLOCKTRAP);
        if (deadline != NEVER && slp__timer_reserve(th))
            return slp__unlock_ret(SLP_ENOMEM);
        for (i = 0; i < sel->n; i++) {
            slp__tasklet *s = &sel->stubs[i];
            slp_select_case *c = &sel->cases[i];
            s->handle = self->handle;
            s->thread = th;
            s->sel = sel;
            s->xfer_value = c->dir > 0 ? c->value : NULL;
            slp__channel_enqueue(slp__handle_get(c->ch, SLP__HK_CHANNEL), s, c->dir);
        }
        sel->fired = -1;
        self->sel = sel;
        slp__wait_park(th, self, SLP__WAIT_SELECT, deadline);
        r = slp__block(th, self);
        slp__lock();
        /* Still waiting: revived without an outcome (main, when the last
         * tasklet of its thread ended); it looks again below. */
        if (self->waiting == SLP__WAIT_SELECT) slp__wait_cancel(self);
        self->sel = NULL;
        fired = sel->fired;
        slp__unlock();
        if (fired >= 0) {
            if (r) sel->cases[fired].err = r; /* thrown in after it happened */
            r = sel->cases[fired].err;
            return r ? r : fired;
        }
        if (r) return r;
        if (fired == SLP_ETIMEDOUT) return SLP_ETIMEDOUT;
        /* No outcome, no error (revived, or its thread died and it was
         * bound to another): select again, with what is left of the time;
         * a new wait is reported again. */
        th = self->thread;
        reported = NONE;
    }
}

int slp_select(slp_select_case *cases, int n, uint64_t timeout_ns) {
    slp__thread *th = slp__self();
    slp__select *sel;
    int i, j, r;
    if (!th) return slp__self_error();
    if (!cases || n <= 0) return SLP_EINVAL;
    for (i = 0; i < n; i++) {
        int dir = cases[i].dir;
        if (dir != SLP_SELECT_SEND && dir != SLP_SELECT_RECEIVE) return SLP_EINVAL;
        /* A queue holds one direction: not both on one channel. */
        for (j = 0; j < i; j++)
            if (cases[j].ch == cases[i].ch && cases[j].dir != dir) return SLP_EINVAL;
    }
    sel = sel_new(n);
    if (!sel) return SLP_ENOMEM;
    for (i = 0; i < n; i++) {
        sel->cases[i] = cases[i];
        sel->cases[i].err = 0;
        if (cases[i].dir < 0) sel->cases[i].value = NULL;
    }
    r = sel_run(th, sel, timeout_ns);
    for (i = 0; i < n; i++) {
        if (cases[i].dir < 0 && (r == i || sel->cases[i].err))
            cases[i].value = sel->cases[i].value;
        cases[i].err = sel->cases[i].err;
    }
    free(sel);
    return r;
}

/* One case, in the heap: no local of the caller's frame is address-taken
 * (a tasklet waiting here keeps no C state of its own in wasm). */
static int single(int dir, slp_channel ch, void *value, void **out,
                  uint64_t timeout_ns) {
    slp__thread *th = slp__self();
    slp__select *sel;
    int r;
    if (!th) return slp__self_error();
    sel = sel_new(1);
    if (!sel) return SLP_ENOMEM;
    sel->cases[0].ch = ch;
    sel->cases[0].dir = dir;
    sel->cases[0].value = value;
    r = sel_run(th, sel, timeout_ns);
    if (out && (r == 0 || sel->cases[0].err)) *out = sel->cases[0].value;
    free(sel);
    return r > 0 ? 0 : r;
}

int slp_channel_send_timeout(slp_channel ch, void *value, uint64_t timeout_ns) {
    return single(SLP_SELECT_SEND, ch, value, NULL, timeout_ns);
}

int slp_channel_receive_timeout(slp_channel ch, void **value, uint64_t timeout_ns) {
    return single(SLP_SELECT_RECEIVE, ch, NULL, value, timeout_ns);
}
