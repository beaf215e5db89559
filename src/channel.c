/*
 * channel.c -- Stackless channels (reference §4).
 *
 * Invariants:
 *   - every tasklet in a channel's queue waits in the same direction, and
 *     balance = (number of waiting senders) - (number of waiting receivers);
 *   - a blocked tasklet is in exactly one channel queue and in no run ring;
 *   - a channel is freed when no user reference and no waiter is left.
 * A matched action hands the value over directly and makes the partner
 * runnable; across threads the acting side never switches (§5.2).
 */
#include <stdlib.h>

#include "internal.h"

#define LOCKED_GET(c, h) SLP__LOCKED_GET(c, h, SLP__HK_CHANNEL)

static void channel_gc(slp__channel *c) {
    if (c->urefs || c->head) return;
    slp__handle_free(c->handle);
    free(c);
}

int slp_channel_new(slp_channel *out) {
    slp__channel *c;
    if (!out) return SLP_EINVAL;
    if (!slp__thread_self()) return slp__self_error();
    c = calloc(1, sizeof *c);
    if (!c) return SLP_ENOMEM;
    c->urefs = 1;
    c->preference = -1;
    slp__lock();
    c->handle = slp__handle_alloc(c, SLP__HK_CHANNEL);
    slp__unlock();
    if (!c->handle) {
        free(c);
        return SLP_ENOMEM;
    }
    *out = c->handle;
    return 0;
}

int slp_channel_release(slp_channel h) {
    slp__channel *c;
    LOCKED_GET(c, h);
    if (c->urefs == 0) return slp__unlock_ret(SLP_EINVAL);
    c->urefs--;
    channel_gc(c);
    return slp__unlock_ret(0);
}

int slp_channel_retain(slp_channel h) {
    slp__channel *c;
    LOCKED_GET(c, h);
    c->urefs++;
    return slp__unlock_ret(0);
}

static void enqueue(slp__channel *c, slp__tasklet *t, int dir) {
    t->next = NULL;
    t->prev = c->tail;
    if (c->tail)
        c->tail->next = t;
    else
        c->head = t;
    c->tail = t;
    c->balance += dir;
    t->blocked = (int8_t)dir;
    t->chan = c;
}

static void dequeue(slp__channel *c, slp__tasklet *t) {
    if (t->prev)
        t->prev->next = t->next;
    else
        c->head = t->next;
    if (t->next)
        t->next->prev = t->prev;
    else
        c->tail = t->prev;
    c->balance -= t->blocked;
    t->next = t->prev = NULL;
    t->blocked = 0;
    t->chan = NULL;
}

void slp__channel_enqueue(slp__channel *c, slp__tasklet *t, int dir) {
    enqueue(c, t, dir);
}

void slp__channel_unlink(slp__tasklet *t) {
    slp__channel *c = t->chan;
    if (!c) return;
    dequeue(c, t);
    channel_gc(c);
}

/* The channel callback before an action whose partner (if any) is on this
 * thread; a channel action inside a callback fails.  Lock held; returns
 * non-zero (th->act_result set) to fail the action. */
static __attribute__((noinline)) int
chan_cb_before(slp__thread *th, slp_channel h, int dir, void *value) {
    slp__channel *c = slp__handle_get(h, SLP__HK_CHANNEL);
    slp__tasklet *self = th->current, *t = c->head;
    int cando = t && t->blocked == -dir;
    void *old;
    th->act_result = SLP_ECALLBACK;
    if (th->in_callback) return 1;
    if (cando && t->thread != th) return 0; /* called after the action */
    /* Meanwhile the sender's tempval is the value it sends. */
    old = self->xfer_value;
    self->xfer_value = dir > 0 ? value : NULL;
    slp__chan_cb_call(th, h, self, dir > 0, !cando);
    self->xfer_value = old;
    return 0;
}

/* What action_prepare decided: done (no switch), a hand-over switch begun
 * (SWITCHED), blocked with the switch begun (BLOCKED), blocked and not
 * switching after all (UNBLOCKED: the switch hook chose the caller), or
 * blocked with the choice left to slp__block (BLOCK: lock held). */
enum { ACT_DONE, ACT_SWITCHED, ACT_BLOCKED, ACT_UNBLOCKED, ACT_BLOCK };

/* The bookkeeping of one send (dir +1) or receive (dir -1) up to its
 * switch, with the lock held on return only for ACT_BLOCK.  Results go
 * through the thread (act_result, act_next), not through pointers to
 * locals: this half never switches, so it is kept out of line, and the
 * half that does (whose code is on the path Asyncify unwinds and rewinds,
 * and whose locals it saves, at every switch) keeps only the switch's
 * second half (slp__switch_away). */
static __attribute__((noinline)) int
action_prepare(slp__thread *th, slp_channel h, int dir, void *value, int err, void **out) {
    slp__channel *c;
    slp__tasklet *self, *t;
    int result = 0;
    slp__lock();
    c = slp__handle_get(h, SLP__HK_CHANNEL);
    th->act_result = SLP_EBADHANDLE;
    if (!c) goto done;
    self = th->current;
    t = c->head;
    if (slp__chan_cb) {
        if (chan_cb_before(th, h, dir, value) != 0) goto done;
        c = slp__handle_get(h, SLP__HK_CHANNEL); /* the callback may release it */
        th->act_result = SLP_EBADHANDLE;
        if (!c) goto done;
        t = c->head;
    }
    if (t && t->blocked == -dir) {
        slp__thread *owner = t->thread;
        int run_partner, sched_all = c->schedule_all;
        th->act_result = SLP_ENOTHREAD; /* §5.2: the channel is unchanged */
        if (!owner) goto done;
        /* Same thread: who runs next depends on the preference (§4.2). */
        run_partner = !sched_all &&
                      (dir > 0 ? c->preference < 0 : c->preference > 0);
        th->act_result = SLP_ESWITCHTRAP;
        if (owner == th && (run_partner || sched_all) && th->switch_trap) goto done;
        if (__builtin_expect(t->sel != NULL, 0)) {
            /* A select's stub (select.c): from here on its owner is the partner. */
            if (dir < 0) result = t->send_err;
            t = slp__select_fire(t, dir, value, err, out);
        } else {
            dequeue(c, t);
            if (dir > 0) {
                t->xfer_value = value;
                if (err) slp__set_err(t, err); /* else it is 0: nothing pending */
            } else {
                if (out) *out = t->xfer_value;
                result = t->send_err;
                t->send_err = 0;
                t->xfer_value = NULL;
            }
            channel_gc(c);
        }
        th->act_result = result;
        if (owner != th) { /* over there, at the end of its queue */
            slp__ring_append(owner, t);
            slp__thread_wake_by(owner);
            /* The callback comes after a cross-thread action. */
            if (slp__chan_cb) slp__chan_cb_call(th, h, self, dir > 0, 0);
            goto done;
        }
        if (run_partner) {
            slp__ring_insert_after(th, self, t);
            th->act_next = t;
            /* A pending soft interrupt does not disturb this handover: it
             * moves on to the partner (Stackless's NO_SOFT_IRQ). */
            slp__soft_irq_pass(self, t);
        } else {
            slp__ring_append(th, t);
            if (!sched_all) goto done;
            th->act_next = self->next;
        }
        result = slp__switch_begin(th, th->act_next); /* unlocks */
        if (result == SLP__SWITCHED) return ACT_SWITCHED;
        if (result) th->act_result = result;
        return ACT_DONE;
    }
    /* Nobody waiting: block.  (switch_trap is slp__block's: a block that
     * would deadlock fails with EDEADLOCK, there being no switch.) */
    th->act_result = self->xfer_err  ? slp__take_result(self) /* thrown in */
                     : self->block_trap ? SLP_EBLOCKTRAP
                     : c->closing  ? SLP_ECLOSED : 0;
    if (th->act_result) goto done;
    self->xfer_value = dir > 0 ? value : NULL;
    if (dir > 0) self->send_err = err;
    slp__ring_remove(th, self);
    enqueue(c, self, dir);
    if (!slp__block_fast(th, self)) return ACT_BLOCK;
    th->act_result = slp__switch_begin(th, th->head); /* unlocks */
    return th->act_result == SLP__SWITCHED ? ACT_BLOCKED : ACT_UNBLOCKED;
done:
    slp__unlock();
    return ACT_DONE;
}

/* Inline in each public call: see slp__switch. */
static inline __attribute__((always_inline)) int
action(slp_channel h, int dir, void *value, int err, void **out) {
    slp__thread *th = slp__self();
    slp__tasklet *self;
    int r, result;
    if (!th) return slp__self_error();
    self = th->current;
    switch (action_prepare(th, h, dir, value, err, out)) {
    case ACT_DONE:
        return th->act_result;
    case ACT_SWITCHED:
        result = th->act_result;
        r = slp__switch_away(th, self);
        return r ? r : result;
    case ACT_BLOCKED:
        r = slp__switch_away(th, self);
        break;
    case ACT_UNBLOCKED:
        r = th->act_result;
        break;
    default: /* ACT_BLOCK */
        r = slp__block(th, self);
        break;
    }
    if (dir > 0) {
        self->send_err = 0;
    } else if (out) {
        *out = self->xfer_value; /* the value, or the one sent with an error */
    }
    return r;
}

int slp_channel_send(slp_channel ch, void *value) {
    return action(ch, 1, value, 0, NULL);
}

int slp_channel_send_throw(slp_channel ch, int err, void *value) {
    if (err >= 0) return SLP_EINVAL;
    return action(ch, 1, value, err, NULL);
}

int slp_channel_receive(slp_channel ch, void **value) {
    /* value goes straight through: a local here would be an address-taken
     * local, i.e. a shadow-stack slice ("C state") in every blocked
     * receiver of the wasm build. */
    return action(ch, -1, NULL, 0, value);
}

#define CHANNEL_GET(name, expr)                                               \
    int slp_channel_##name(slp_channel h) {                                   \
        slp__channel *c;                                                      \
        int r;                                                                \
        LOCKED_GET(c, h);                                                     \
        r = (expr);                                                           \
        return slp__unlock_ret(r);                                            \
    }

int slp_channel_balance(slp_channel h) {
    slp__channel *c;
    int r = SLP_BALANCE_BADHANDLE;
    slp__lock();
    c = slp__handle_get(h, SLP__HK_CHANNEL);
    if (c) r = c->balance;
    slp__unlock();
    return r;
}

CHANNEL_GET(preference, c->preference)
CHANNEL_GET(schedule_all, c->schedule_all)
CHANNEL_GET(closing, c->closing)
CHANNEL_GET(closed, c->closing && c->balance == 0)

int slp_channel_set_preference(slp_channel h, int preference) {
    slp__channel *c;
    int old;
    LOCKED_GET(c, h);
    old = c->preference;
    c->preference = (int8_t)((preference > 0) - (preference < 0));
    return slp__unlock_ret(old);
}

int slp_channel_set_schedule_all(slp_channel h, int flag) {
    slp__channel *c;
    int old;
    LOCKED_GET(c, h);
    old = c->schedule_all;
    c->schedule_all = flag != 0;
    return slp__unlock_ret(old);
}

static int set_closing(slp_channel h, int closing) {
    slp__channel *c;
    LOCKED_GET(c, h);
    c->closing = (uint8_t)closing;
    return slp__unlock_ret(0);
}

int slp_channel_close(slp_channel ch) { return set_closing(ch, 1); }
int slp_channel_open(slp_channel ch) { return set_closing(ch, 0); }

slp_tasklet slp_channel_queue(slp_channel h) {
    slp__channel *c;
    slp_tasklet r = 0;
    slp__lock();
    c = slp__handle_get(h, SLP__HK_CHANNEL);
    if (c && c->head) r = c->head->handle;
    slp__unlock();
    return r;
}
