/* test_select.c -- slp_select and the channel actions with a timeout
 * (stackless.h SELECT): which case happens, values and errors, the
 * preference after the hand-over, waiting on every channel at once,
 * deadlines, deadlock exactness, closed channels, kill/throw, and partners
 * on other threads.  Orders only: a deadline that passes is short and met
 * by nobody, or the partner comes later by scheduling order; a deadline
 * that is met is long (60 s) and the partner comes by scheduling order;
 * other threads are waited for by state (balance, waiting), never time. */
#include <stdint.h>
#include <time.h>

#include "test.h"

#define MS 1000000ull
#define LONG (60000 * MS) /* never reached: a deadline that is met */

static slp_channel ca, cb, cc;

static const char *ename(int r) { return r ? slp_err_name(r) : "ok"; }

static void new_channels(void) {
    ASSERT_OK(slp_channel_new(&ca));
    ASSERT_OK(slp_channel_new(&cb));
    ASSERT_OK(slp_channel_new(&cc));
}

static void release_channels(void) {
    ASSERT_OK(slp_channel_release(ca));
    ASSERT_OK(slp_channel_release(cb));
    ASSERT_OK(slp_channel_release(cc));
}

/* One plain action by a named tasklet. */
typedef struct {
    slp_channel *ch;
    intptr_t v;
    const char *name;
} act_t;

static int send_one(void *arg) {
    act_t *a = arg;
    int r = slp_channel_send(*a->ch, (void *)a->v);
    EV("%s:sent:%s", a->name, ename(r));
    return 0;
}

static int recv_one(void *arg) {
    act_t *a = arg;
    void *v = NULL;
    int r = slp_channel_receive(*a->ch, &v);
    EV("%s:got:%d:%s", a->name, (int)(intptr_t)v, ename(r));
    return 0;
}

static slp_select_case two(slp_channel ch, int dir, intptr_t v) {
    slp_select_case c;
    c.ch = ch;
    c.dir = dir;
    c.value = (void *)v;
    c.err = 0;
    return c;
}

/* ------------------------------------------------------ ready cases */

/* Both cases ready: the first in array order happens, the other partner
 * stays blocked.  A receive from a waiting sender (preference -1): the
 * receiver goes on, the sender runs in its turn. */
TEST(select_first_ready_case_in_array_order) {
    act_t a = {&ca, 1, "A"}, b = {&cb, 2, "B"};
    slp_select_case cs[2];
    void *v = NULL;
    new_channels();
    spawn(send_one, &a);
    spawn(send_one, &b);
    ASSERT_OK(slp_schedule()); /* both block */
    ASSERT_EQ(slp_channel_balance(ca), 1);
    ASSERT_EQ(slp_channel_balance(cb), 1);
    cs[0] = two(cb, SLP_SELECT_RECEIVE, 0);
    cs[1] = two(ca, SLP_SELECT_RECEIVE, 0);
    ASSERT_EQ(slp_select(cs, 2, SLP_FOREVER), 0);
    EV("main:%d", (int)(intptr_t)cs[0].value);
    ASSERT_EQ((intptr_t)cs[1].value, 0);
    ASSERT_EQ(cs[0].err, 0);
    ASSERT_EQ(cs[1].err, 0);
    ASSERT_EQ(slp_channel_balance(cb), 0);
    ASSERT_EQ(slp_channel_balance(ca), 1);
    ASSERT_OK(slp_run());
    ASSERT_OK(slp_channel_receive(ca, &v));
    ASSERT_OK(slp_run());
    ASSERT_LOG("main:2 B:sent:ok A:sent:ok");
    release_channels();
}

/* A send case to a waiting receiver: preference -1 (the receiver runs at
 * once, before the select returns), then preference 1 (the sender goes
 * on), as for a plain send. */
TEST(select_send_case_follows_preference) {
    act_t r1 = {&cb, 0, "R1"}, r2 = {&cb, 0, "R2"};
    slp_select_case cs[2];
    new_channels();
    spawn(recv_one, &r1);
    ASSERT_OK(slp_schedule());
    cs[0] = two(ca, SLP_SELECT_RECEIVE, 0);
    cs[1] = two(cb, SLP_SELECT_SEND, 5);
    ASSERT_EQ(slp_select(cs, 2, SLP_FOREVER), 1);
    EV("main");
    ASSERT_EQ(slp_channel_set_preference(cb, 1), -1);
    spawn(recv_one, &r2);
    ASSERT_OK(slp_schedule());
    cs[1] = two(cb, SLP_SELECT_SEND, 6);
    ASSERT_EQ(slp_select(cs, 2, SLP_FOREVER), 1);
    EV("main");
    ASSERT_OK(slp_run());
    ASSERT_LOG("R1:got:5:ok main main R2:got:6:ok");
    ASSERT_EQ(slp_channel_balance(ca), 0);
    release_channels();
}

/* Timeout 0 is Go's default case: nothing ready, nothing happens, no
 * switch; a ready case still happens. */
TEST(select_default_case) {
    act_t a = {&ca, 3, "A"};
    slp_select_case cs[2];
    new_channels();
    cs[0] = two(ca, SLP_SELECT_RECEIVE, 0);
    cs[1] = two(cb, SLP_SELECT_SEND, 1);
    spawn(named, "X");
    ASSERT_ERR(slp_select(cs, 2, 0), SLP_ETIMEDOUT);
    EV("main");
    ASSERT_EQ(slp_channel_balance(ca), 0);
    ASSERT_EQ(slp_channel_balance(cb), 0);
    ASSERT_EQ(slp_tasklet_waiting(slp_getcurrent()), 0);
    ASSERT_EQ(slp_timer_next(), -1);
    ASSERT_OK(slp_run());
    spawn(send_one, &a);
    ASSERT_OK(slp_schedule());
    ASSERT_EQ(slp_select(cs, 2, 0), 0);
    ASSERT_EQ((intptr_t)cs[0].value, 3);
    ASSERT_ERR(slp_channel_send_timeout(cb, (void *)1, 0), SLP_ETIMEDOUT);
    ASSERT_ERR(slp_channel_receive_timeout(cb, NULL, 0), SLP_ETIMEDOUT);
    ASSERT_OK(slp_run());
    ASSERT_LOG("main X A:sent:ok");
    release_channels();
}

/* ---------------------------------------------------------- waiting */

static slp_select_case tcs[3];
static int tn;
static uint64_t ttimeout;

/* Selects over tcs[0..tn) with ttimeout, logs the result. */
static int selector(void *arg) {
    int r = slp_select(tcs, tn, ttimeout);
    if (r >= 0)
        EV("%s:%d:%d", (const char *)arg, r, (int)(intptr_t)tcs[r].value);
    else
        EV("%s:%s", (const char *)arg, ename(r));
    return 0;
}

static void wait_recv_a_send_b(uint64_t timeout) {
    tcs[0] = two(ca, SLP_SELECT_RECEIVE, 0);
    tcs[1] = two(cb, SLP_SELECT_SEND, 7);
    tn = 2;
    ttimeout = timeout;
}

/* A waiting select is in every channel at once; a receiver-preferring
 * send to one of them runs it at once, and it leaves the other. */
TEST(select_waits_on_every_channel) {
    slp_tasklet t;
    slp_tasklet_info info[8];
    int n, i, seen = 0;
    new_channels();
    wait_recv_a_send_b(SLP_FOREVER);
    t = spawn(selector, "T");
    ASSERT_OK(slp_schedule());
    ASSERT_EQ(slp_channel_balance(ca), -1);
    ASSERT_EQ(slp_channel_balance(cb), 1);
    ASSERT_EQ(slp_channel_queue(ca), t);
    ASSERT_EQ(slp_channel_queue(cb), t);
    ASSERT_EQ(slp_tasklet_waiting(t), SLP_WAITING_SELECT);
    ASSERT_EQ(slp_tasklet_blocked(t), 0);
    ASSERT_EQ(slp_tasklet_scheduled(t), 1);
    ASSERT_EQ(slp_tasklet_paused(t), 0);
    ASSERT_EQ(slp_timer_next(), -1); /* no deadline */
    ASSERT_ERR(slp_tasklet_insert(t), SLP_EBLOCKED);
    ASSERT_ERR(slp_tasklet_remove(t), SLP_EREMOVEBLOCKED);
    ASSERT_ERR(slp_tasklet_bind_thread(t, 99), SLP_ERUNNABLE);
    n = slp_snapshot(info, 8);
    for (i = 0; i < n && i < 8; i++)
        if (info[i].handle == t) {
            ASSERT_EQ(info[i].state, SLP_STATE_WAITING);
            seen = 1;
        }
    ASSERT(seen);
    ASSERT_OK(slp_channel_send(ca, (void *)3));
    EV("main");
    ASSERT_EQ(slp_channel_balance(ca), 0);
    ASSERT_EQ(slp_channel_balance(cb), 0);
    ASSERT_EQ(slp_tasklet_waiting(t), 0);
    ASSERT_LOG("T:0:3 main");
    release_channels();
}

/* The partner takes the send case: it gets the value, the select returns
 * 1 when its turn comes (receiver side, preference -1: main goes on). */
TEST(select_partner_takes_send_case) {
    void *v = NULL;
    new_channels();
    wait_recv_a_send_b(SLP_FOREVER);
    spawn(selector, "T");
    ASSERT_OK(slp_schedule());
    ASSERT_OK(slp_channel_receive(cb, &v));
    EV("main:%d", (int)(intptr_t)v);
    ASSERT_EQ(slp_channel_balance(ca), 0);
    ASSERT_OK(slp_run());
    ASSERT_LOG("main:7 T:1:7");
    release_channels();
}

static slp_select_case scs[1];

static int send_selector(void *arg) {
    int r = slp_select(scs, 1, SLP_FOREVER);
    EV("%s:%s", (const char *)arg, r >= 0 ? "0" : ename(r));
    return 0;
}

static slp_select_case s1cs[1], s2cs[2];

static int select_s1(void *arg) {
    int r = slp_select(s1cs, 1, SLP_FOREVER);
    EV("%s:%d:%d", (const char *)arg, r, (int)(intptr_t)s1cs[0].value);
    return 0;
}

static int select_s2(void *arg) {
    int r = slp_select(s2cs, 2, LONG);
    EV("%s:%d:%d", (const char *)arg, r, r >= 0 ? (int)(intptr_t)s2cs[r].value : 0);
    return 0;
}

/* Selects and a plain receiver wait in one channel in the order they
 * came (FIFO); with preference 1 the sender goes on first, the select's
 * owner runs in its turn. */
TEST(select_waiters_fifo_and_preference) {
    act_t r = {&ca, 0, "R"};
    new_channels();
    s1cs[0] = two(ca, SLP_SELECT_RECEIVE, 0);
    s2cs[0] = two(cb, SLP_SELECT_RECEIVE, 0);
    s2cs[1] = two(ca, SLP_SELECT_RECEIVE, 0);
    spawn(select_s1, "S1");
    spawn(recv_one, &r);
    spawn(select_s2, "S2");
    ASSERT_OK(slp_schedule());
    ASSERT_EQ(slp_channel_balance(ca), -3);
    ASSERT_EQ(slp_channel_balance(cb), -1);
    ASSERT_OK(slp_channel_send(ca, (void *)1));
    ASSERT_OK(slp_channel_send(ca, (void *)2));
    ASSERT_EQ(slp_channel_set_preference(ca, 1), -1);
    ASSERT_OK(slp_channel_send(ca, (void *)3));
    EV("main");
    ASSERT_EQ(slp_channel_balance(cb), 0);
    ASSERT_EQ(slp_timer_next(), -1);
    ASSERT_OK(slp_run());
    ASSERT_LOG("S1:0:1 R:got:2:ok main S2:1:3");
    release_channels();
}

/* A select meets a select: one waits (send), the other finds it ready. */
TEST(select_meets_select) {
    new_channels();
    scs[0] = two(ca, SLP_SELECT_SEND, 11);
    tcs[0] = two(cb, SLP_SELECT_RECEIVE, 0);
    tcs[1] = two(ca, SLP_SELECT_RECEIVE, 0);
    tn = 2;
    ttimeout = SLP_FOREVER;
    spawn(send_selector, "S");
    spawn(selector, "R");
    ASSERT_OK(slp_run());
    ASSERT_LOG("R:1:11 S:0");
    ASSERT_EQ(slp_channel_balance(ca), 0);
    ASSERT_EQ(slp_channel_balance(cb), 0);
    release_channels();
}

static int throw_once(void *arg) {
    int r;
    (void)arg;
    r = slp_channel_send_throw(cb, SLP_EUSER - 2, (void *)12);
    EV("P:%s", ename(r));
    return 0;
}

/* An error sent with send_throw to a receive case (waiting, then ready):
 * the select returns it and the case holds it, with the value. */
TEST(select_send_throw_to_receive_case) {
    slp_select_case cs[2];
    new_channels();
    tcs[0] = two(cb, SLP_SELECT_RECEIVE, 0);
    tcs[1] = two(ca, SLP_SELECT_RECEIVE, 0);
    tn = 2;
    ttimeout = SLP_FOREVER;
    spawn(selector, "T");
    ASSERT_OK(slp_schedule());
    ASSERT_OK(slp_channel_send_throw(ca, SLP_EUSER - 1, (void *)6));
    ASSERT_LOG("T:SLP_EUSER");
    ASSERT_EQ(tcs[1].err, SLP_EUSER - 1);
    ASSERT_EQ((intptr_t)tcs[1].value, 6);
    ASSERT_EQ(tcs[0].err, 0);
    spawn(throw_once, NULL);
    ASSERT_OK(slp_schedule());
    cs[0] = two(ca, SLP_SELECT_RECEIVE, 0);
    cs[1] = two(cb, SLP_SELECT_RECEIVE, 0);
    cs[0].err = 55; /* out only */
    ASSERT_ERR(slp_select(cs, 2, 0), SLP_EUSER - 2);
    ASSERT_EQ(cs[0].err, 0);
    ASSERT_EQ(cs[1].err, SLP_EUSER - 2);
    ASSERT_EQ((intptr_t)cs[1].value, 12);
    ASSERT_OK(slp_run());
    ASSERT_LOG("T:SLP_EUSER P:ok");
    release_channels();
}

TEST(select_arguments) {
    slp_select_case cs[2];
    slp_channel gone;
    new_channels();
    cs[0] = two(ca, SLP_SELECT_RECEIVE, 0);
    cs[1] = two(ca, SLP_SELECT_SEND, 1);
    ASSERT_ERR(slp_select(cs, 0, 0), SLP_EINVAL);
    ASSERT_ERR(slp_select(NULL, 1, 0), SLP_EINVAL);
    ASSERT_ERR(slp_select(cs, 2, 0), SLP_EINVAL); /* both ways on one */
    cs[1] = two(cb, 0, 1);
    ASSERT_ERR(slp_select(cs, 2, 0), SLP_EINVAL);
    ASSERT_OK(slp_channel_new(&gone));
    ASSERT_OK(slp_channel_release(gone));
    cs[1] = two(gone, SLP_SELECT_SEND, 1);
    ASSERT_ERR(slp_select(cs, 2, SLP_FOREVER), SLP_EBADHANDLE);
    ASSERT_ERR(slp_channel_receive_timeout(gone, NULL, 0), SLP_EBADHANDLE);
    /* one channel twice in one direction is fine */
    cs[1] = two(ca, SLP_SELECT_RECEIVE, 0);
    ASSERT_ERR(slp_select(cs, 2, 0), SLP_ETIMEDOUT);
    release_channels();
}

/* -------------------------------------------------------- deadlines */

/* A deadline that passes: the select times out, leaves every channel,
 * and run() waited for it (not a deadlock). */
TEST(select_deadline_expires) {
    void *v = (void *)99;
    new_channels();
    wait_recv_a_send_b(MS);
    spawn(selector, "T");
    ASSERT_OK(slp_run());
    ASSERT_LOG("T:SLP_ETIMEDOUT");
    ASSERT_EQ(slp_channel_balance(ca), 0);
    ASSERT_EQ(slp_channel_balance(cb), 0);
    ASSERT_EQ(slp_timer_next(), -1);
    /* nothing was left behind in either channel */
    ASSERT_ERR(slp_channel_receive_timeout(cb, &v, 0), SLP_ETIMEDOUT);
    ASSERT_EQ((intptr_t)v, 99);
    ASSERT_ERR(slp_channel_send_timeout(ca, v, 0), SLP_ETIMEDOUT);
    release_channels();
}

static int timed_receiver(void *arg) {
    void *v = NULL;
    int r = slp_channel_receive_timeout(ca, &v, (uint64_t)(uintptr_t)arg * MS);
    EV("T:%d:%s", (int)(intptr_t)v, ename(r));
    return 0;
}

/* A deadline that is met: the partner comes (by scheduling order) while
 * the receiver waits; the deadline is gone afterwards. */
TEST(select_deadline_met) {
    act_t p = {&ca, 9, "P"};
    new_channels();
    spawn(timed_receiver, (void *)(uintptr_t)60000);
    spawn(send_one, &p);
    ASSERT_OK(slp_run());
    ASSERT_LOG("T:9:ok P:sent:ok");
    ASSERT_EQ(slp_timer_next(), -1);
    ASSERT_EQ(slp_channel_balance(ca), 0);
    release_channels();
}

static int late_sender(void *arg) {
    void *v;
    int r;
    (void)arg;
    ASSERT_OK(slp_channel_receive(cc, &v)); /* main says when */
    r = slp_channel_send_timeout(ca, (void *)5, 0);
    EV("P:%s", ename(r));
    return 0;
}

/* The deadline passes before the partner comes (it comes later by
 * scheduling order): the receiver is gone from the channel by then. */
TEST(select_deadline_passes_before_partner) {
    new_channels();
    spawn(timed_receiver, (void *)(uintptr_t)1);
    spawn(late_sender, NULL);
    ASSERT_OK(slp_run()); /* waits for the receiver's deadline */
    ASSERT_OK(slp_channel_send(cc, NULL));
    ASSERT_OK(slp_run());
    ASSERT_LOG("T:0:SLP_ETIMEDOUT P:SLP_ETIMEDOUT");
    ASSERT_EQ(slp_channel_balance(ca), 0);
    release_channels();
}

static int timed_sender(void *arg) {
    int r = slp_channel_send_timeout(ca, (void *)5, (uint64_t)(uintptr_t)arg * MS);
    EV("S:%s", ename(r));
    return 0;
}

/* A timed send that expires: the value stays with the sender. */
TEST(select_timed_send_keeps_value) {
    void *v = NULL;
    new_channels();
    spawn(timed_sender, (void *)(uintptr_t)1);
    ASSERT_OK(slp_run());
    ASSERT_LOG("S:SLP_ETIMEDOUT");
    ASSERT_EQ(slp_channel_balance(ca), 0);
    ASSERT_ERR(slp_channel_receive_timeout(ca, &v, 0), SLP_ETIMEDOUT);
    ASSERT_EQ((intptr_t)v, 0);
    spawn(timed_sender, (void *)(uintptr_t)60000);
    ASSERT_OK(slp_schedule());
    ASSERT_EQ(slp_channel_balance(ca), 1);
    ASSERT_OK(slp_channel_receive_timeout(ca, &v, 0));
    ASSERT_EQ((intptr_t)v, 5);
    ASSERT_OK(slp_run());
    ASSERT_LOG("S:SLP_ETIMEDOUT S:ok");
    ASSERT_EQ(slp_timer_next(), -1);
    release_channels();
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The only duration asserted: a timeout is never early. */
TEST(select_timeout_lower_bound) {
    slp_select_case cs[1];
    uint64_t t0;
    new_channels();
    t0 = now_ns();
    ASSERT_ERR(slp_channel_receive_timeout(ca, NULL, 20 * MS), SLP_ETIMEDOUT);
    ASSERT(now_ns() - t0 >= 20 * MS);
    cs[0] = two(cb, SLP_SELECT_SEND, 1);
    t0 = now_ns();
    ASSERT_ERR(slp_select(cs, 1, 15 * MS), SLP_ETIMEDOUT);
    ASSERT(now_ns() - t0 >= 15 * MS);
    release_channels();
}

/* ------------------------------------------------------------ deadlock */

static int timeout_then_send(void *arg) {
    int r;
    (void)arg;
    r = slp_channel_receive_timeout(ca, NULL, MS);
    EV("T:%s", ename(r));
    ASSERT_OK(slp_channel_send(cb, (void *)4));
    return 0;
}

/* A select with a deadline is not deadlocked, and others blocking wait for
 * it; one without a deadline and nobody else is (EDEADLOCK, undone). */
TEST(select_deadlock_exact) {
    slp_select_case cs[2];
    slp_tasklet t;
    void *v = NULL;
    new_channels();
    cs[0] = two(ca, SLP_SELECT_RECEIVE, 0);
    cs[1] = two(cb, SLP_SELECT_SEND, 1);
    ASSERT_ERR(slp_select(cs, 2, SLP_FOREVER), SLP_EDEADLOCK);
    ASSERT_EQ(slp_channel_balance(ca), 0);
    ASSERT_EQ(slp_channel_balance(cb), 0);
    ASSERT_EQ(slp_tasklet_waiting(slp_getcurrent()), 0);
    ASSERT_ERR(slp_channel_receive_timeout(ca, &v, SLP_FOREVER), SLP_EDEADLOCK);
    ASSERT_ERR(slp_channel_receive_timeout(ca, &v, MS), SLP_ETIMEDOUT);
    /* main blocks on cb while T waits with a deadline: no deadlock */
    spawn(timeout_then_send, NULL);
    ASSERT_OK(slp_channel_receive(cb, &v));
    EV("main:%d", (int)(intptr_t)v);
    ASSERT_OK(slp_run());
    /* a tasklet selecting forever is blocked: main alone deadlocks */
    wait_recv_a_send_b(SLP_FOREVER);
    t = spawn(selector, "S");
    ASSERT_OK(slp_run()); /* S waits, run() returns */
    ASSERT_EQ(slp_tasklet_waiting(t), SLP_WAITING_SELECT);
    ASSERT_ERR(slp_channel_receive(cc, &v), SLP_EDEADLOCK);
    ASSERT_OK(slp_tasklet_kill(t, 0));
    ASSERT_LOG("T:SLP_ETIMEDOUT main:4 S:SLP_EEXIT");
    ASSERT_EQ(slp_channel_balance(ca), 0);
    ASSERT_EQ(slp_channel_balance(cb), 0);
    release_channels();
}

/* main selects forever; the last other tasklet ends: main looks again and
 * nobody can come: EDEADLOCK (where a receive gives ENOSENDER). */
TEST(select_main_when_last_tasklet_ends) {
    slp_select_case cs[1];
    new_channels();
    spawn(named, "X");
    cs[0] = two(ca, SLP_SELECT_RECEIVE, 0);
    ASSERT_ERR(slp_select(cs, 1, SLP_FOREVER), SLP_EDEADLOCK);
    ASSERT_LOG("X");
    ASSERT_EQ(slp_channel_balance(ca), 0);
    release_channels();
}

/* A thread that may not sleep: a select with a deadline and nothing else
 * to run gives EWOULDBLOCK (back to the event loop), undone. */
TEST(select_nonblocking_thread) {
    slp_select_case cs[1];
    new_channels();
    ASSERT_EQ(slp_thread_set_nonblocking(1), 0);
    cs[0] = two(ca, SLP_SELECT_RECEIVE, 0);
    ASSERT_ERR(slp_select(cs, 1, LONG), SLP_EWOULDBLOCK);
    ASSERT_EQ(slp_channel_balance(ca), 0);
    ASSERT_EQ(slp_timer_next(), -1);
    slp_thread_set_nonblocking(0);
    release_channels();
}

/* ------------------------------------------------------ closed channels */

TEST(select_closed_channel) {
    act_t a = {&cb, 2, "A"}, b = {&ca, 3, "B"};
    slp_select_case cs[2];
    slp_tasklet t;
    new_channels();
    ASSERT_OK(slp_channel_close(ca));
    cs[0] = two(ca, SLP_SELECT_RECEIVE, 77);
    cs[1] = two(cb, SLP_SELECT_RECEIVE, 0);
    ASSERT_ERR(slp_select(cs, 2, SLP_FOREVER), SLP_ECLOSED);
    ASSERT_EQ(cs[0].err, SLP_ECLOSED);
    ASSERT(cs[0].value == NULL);
    ASSERT_EQ(cs[1].err, 0);
    ASSERT_ERR(slp_channel_receive_timeout(ca, NULL, LONG), SLP_ECLOSED);
    ASSERT_ERR(slp_channel_send_timeout(ca, NULL, LONG), SLP_ECLOSED);
    /* array order decides between a closed case and a ready one */
    spawn(send_one, &a);
    ASSERT_OK(slp_schedule());
    ASSERT_ERR(slp_select(cs, 2, 0), SLP_ECLOSED);
    cs[0] = two(cb, SLP_SELECT_RECEIVE, 0);
    cs[1] = two(ca, SLP_SELECT_RECEIVE, 0);
    ASSERT_EQ(slp_select(cs, 2, 0), 0);
    ASSERT_EQ((intptr_t)cs[0].value, 2);
    ASSERT_OK(slp_run());
    /* closing with a partner waiting: that partner still completes */
    ASSERT_OK(slp_channel_open(ca));
    spawn(send_one, &b);
    ASSERT_OK(slp_schedule());
    ASSERT_OK(slp_channel_close(ca));
    cs[0] = two(ca, SLP_SELECT_RECEIVE, 0);
    ASSERT_EQ(slp_select(cs, 1, 0), 0);
    ASSERT_EQ((intptr_t)cs[0].value, 3);
    ASSERT_OK(slp_run());
    /* close() wakes no waiting select (as no blocked tasklet) */
    ASSERT_OK(slp_channel_open(ca));
    tcs[0] = two(ca, SLP_SELECT_RECEIVE, 0);
    tn = 1;
    ttimeout = SLP_FOREVER;
    t = spawn(selector, "T");
    ASSERT_OK(slp_schedule());
    ASSERT_OK(slp_channel_close(ca));
    ASSERT_EQ(slp_tasklet_waiting(t), SLP_WAITING_SELECT);
    ASSERT_EQ(slp_channel_closed(ca), 0);
    ASSERT_OK(slp_tasklet_kill(t, 0));
    ASSERT_EQ(slp_channel_closed(ca), 1);
    ASSERT_LOG("A:sent:ok B:sent:ok T:SLP_EEXIT");
    release_channels();
}

/* ------------------------------------------------------- kill, throw */

TEST(select_kill_and_throw) {
    slp_tasklet t;
    new_channels();
    wait_recv_a_send_b(LONG);
    t = spawn(selector, "T");
    ASSERT_OK(slp_schedule());
    ASSERT_EQ(slp_channel_balance(ca), -1);
    ASSERT_EQ(slp_channel_balance(cb), 1);
    ASSERT(slp_timer_next() > 0);
    ASSERT_OK(slp_tasklet_kill(t, 0));
    ASSERT_EQ(slp_channel_balance(ca), 0);
    ASSERT_EQ(slp_channel_balance(cb), 0);
    ASSERT_EQ(slp_timer_next(), -1);
    ASSERT_EQ(slp_tasklet_alive(t), 0);
    wait_recv_a_send_b(SLP_FOREVER);
    t = spawn(selector, "U");
    ASSERT_OK(slp_schedule());
    ASSERT_OK(slp_tasklet_throw(t, SLP_EUSER, NULL, 1));
    ASSERT_EQ(slp_channel_balance(ca), 0);
    ASSERT_EQ(slp_channel_balance(cb), 0);
    ASSERT_EQ(slp_tasklet_waiting(t), 0);
    ASSERT_EQ(slp_getruncount(), 2);
    EV("main");
    ASSERT_OK(slp_run());
    ASSERT_LOG("T:SLP_EEXIT main U:SLP_EUSER");
    release_channels();
}

/* ------------------------------------------------------- other threads */

static volatile int xr;
static void *volatile xv;
static slp_select_case xcs[2];

/* Another thread's main selects on ca and cb. */
static int thread_selects(void *arg) {
    (void)arg;
    xr = slp_select(xcs, 2, SLP_FOREVER);
    return 0;
}

static void wait_balance(slp_channel ch, int want) {
    while (slp_channel_balance(ch) != want) nap_ms(1);
}

/* A select waiting on another thread: a send from here does its receive
 * case (it leaves the other channel); a receive here does its send case. */
TEST(select_partner_on_other_thread) {
    int id;
    void *v = NULL;
    new_channels();
    xcs[0] = two(ca, SLP_SELECT_RECEIVE, 0);
    xcs[1] = two(cb, SLP_SELECT_RECEIVE, 0);
    ASSERT_OK(slp_thread_start(&id, thread_selects, NULL));
    wait_balance(ca, -1);
    wait_balance(cb, -1);
    ASSERT_OK(slp_channel_send(cb, (void *)21));
    ASSERT_OK(slp_thread_join(id, NULL));
    ASSERT_EQ(xr, 1);
    ASSERT_EQ((intptr_t)xcs[1].value, 21);
    ASSERT_EQ(slp_channel_balance(ca), 0);
    xcs[0] = two(ca, SLP_SELECT_RECEIVE, 0);
    xcs[1] = two(cb, SLP_SELECT_SEND, 22);
    ASSERT_OK(slp_thread_start(&id, thread_selects, NULL));
    wait_balance(cb, 1);
    ASSERT_OK(slp_channel_receive(cb, &v));
    ASSERT_OK(slp_thread_join(id, NULL));
    ASSERT_EQ(xr, 1);
    ASSERT_EQ((intptr_t)v, 22);
    ASSERT_EQ(slp_channel_balance(ca), 0);
    release_channels();
}

static int thread_timed(void *arg) {
    void *v = NULL;
    (void)arg;
    /* met by the other thread */
    ASSERT_OK(slp_channel_receive_timeout(ca, &v, LONG));
    xv = v;
    /* and one that passes: this thread waits in its timer meanwhile */
    xr = slp_channel_receive_timeout(cb, &v, MS);
    return 0;
}

TEST(select_timeout_other_thread) {
    int id;
    new_channels();
    ASSERT_OK(slp_thread_start(&id, thread_timed, NULL));
    wait_balance(ca, -1);
    ASSERT_OK(slp_channel_send(ca, (void *)31));
    ASSERT_OK(slp_thread_join(id, NULL));
    ASSERT_EQ((intptr_t)xv, 31);
    ASSERT_ERR(xr, SLP_ETIMEDOUT);
    ASSERT_EQ(slp_channel_balance(cb), 0);
    ASSERT_ERR(slp_channel_send_timeout(cb, NULL, 0), SLP_ETIMEDOUT);
    release_channels();
}

static volatile slp_tasklet xt;

static int thread_select_killed(void *arg) {
    (void)arg;
    xt = slp_getcurrent();
    xr = slp_select(xcs, 2, SLP_FOREVER);
    return 0;
}

/* kill from another thread unlinks the select from every channel. */
TEST(select_kill_from_other_thread) {
    int id;
    new_channels();
    xcs[0] = two(ca, SLP_SELECT_RECEIVE, 0);
    xcs[1] = two(cb, SLP_SELECT_SEND, 1);
    xt = 0;
    ASSERT_OK(slp_thread_start(&id, thread_select_killed, NULL));
    wait_balance(cb, 1);
    ASSERT_EQ(slp_tasklet_waiting(xt), SLP_WAITING_SELECT);
    ASSERT_OK(slp_tasklet_kill(xt, 1));
    ASSERT_OK(slp_thread_join(id, NULL));
    ASSERT_ERR(xr, SLP_EEXIT);
    ASSERT_EQ(slp_channel_balance(ca), 0);
    ASSERT_EQ(slp_channel_balance(cb), 0);
    release_channels();
}

/* Many values across threads, both sides selecting, and timed actions
 * racing: every value arrives exactly once, none is lost or doubled, and
 * a timed-out send kept its value (sent == received). */
#define RACE_N 300
static volatile int race_sent;

static int race_sender(void *arg) {
    slp_select_case cs[2];
    int i, r, sent = 0;
    (void)arg;
    for (i = 1; i <= RACE_N; i++) {
        cs[0] = two(ca, SLP_SELECT_SEND, i);
        cs[1] = two(cb, SLP_SELECT_SEND, i);
        r = slp_select(cs, 2, SLP_FOREVER);
        ASSERT(r == 0 || r == 1);
        sent += i;
    }
    for (i = 1; i <= RACE_N; i++) {
        r = slp_channel_send_timeout(cc, (void *)(intptr_t)i, (uint64_t)(i % 3) * 100000u);
        if (r == 0) sent += i;
        else ASSERT_ERR(r, SLP_ETIMEDOUT);
    }
    ASSERT_OK(slp_channel_send(cc, (void *)(intptr_t)-1)); /* the end */
    race_sent = sent;
    return 0;
}

TEST(select_cross_thread_race) {
    slp_select_case cs[2];
    int id, i, r, got = 0, n[2] = {0, 0};
    void *v;
    new_channels();
    ASSERT_OK(slp_thread_start(&id, race_sender, NULL));
    for (i = 1; i <= RACE_N; i++) {
        cs[0] = two(cb, SLP_SELECT_RECEIVE, 0);
        cs[1] = two(ca, SLP_SELECT_RECEIVE, 0);
        r = slp_select(cs, 2, i % 2 ? SLP_FOREVER : LONG);
        ASSERT(r == 0 || r == 1);
        ASSERT_EQ((intptr_t)cs[r].value, i);
        n[r]++;
        got += i;
    }
    for (;;) {
        r = slp_channel_receive_timeout(cc, &v, 50000);
        if (r == SLP_ETIMEDOUT) continue;
        ASSERT_OK(r);
        if ((intptr_t)v < 0) break;
        got += (int)(intptr_t)v;
    }
    ASSERT_OK(slp_thread_join(id, NULL));
    ASSERT_EQ(got, race_sent);
    ASSERT_EQ(n[0] + n[1], RACE_N);
    ASSERT_EQ(slp_channel_balance(ca), 0);
    ASSERT_EQ(slp_channel_balance(cb), 0);
    ASSERT_EQ(slp_channel_balance(cc), 0);
    release_channels();
}

/* A partner left in the channel by a thread that died: the case is chosen
 * and fails with ENOTHREAD, as a plain send does; nothing changes. */
static void *dead_slot; /* (a static slot: the receiver stays soft in wasm) */
static slp_tasklet dead_t;

static int dead_receiver(void *arg) {
    (void)arg;
    return slp_channel_receive(ca, &dead_slot);
}

static int thread_leaves_receiver(void *arg) {
    (void)arg;
    ASSERT_OK(slp_tasklet_create(&dead_t, dead_receiver, NULL));
    ASSERT_OK(slp_schedule());
    return 0; /* the thread ends; the receiver stays in ca */
}

TEST(select_partner_thread_died) {
    slp_select_case cs[2];
    int id;
    new_channels();
    ASSERT_OK(slp_thread_start(&id, thread_leaves_receiver, NULL));
    ASSERT_OK(slp_thread_join(id, NULL));
    ASSERT_EQ(slp_tasklet_thread_id(dead_t), -1);
    ASSERT_EQ(slp_channel_balance(ca), -1);
    cs[0] = two(ca, SLP_SELECT_SEND, 1);
    cs[1] = two(cb, SLP_SELECT_RECEIVE, 0);
    ASSERT_ERR(slp_select(cs, 2, LONG), SLP_ENOTHREAD);
    ASSERT_EQ(cs[0].err, 0);
    ASSERT_ERR(slp_channel_send_timeout(ca, NULL, LONG), SLP_ENOTHREAD);
    ASSERT_EQ(slp_channel_balance(ca), -1);
    ASSERT_EQ(slp_channel_balance(cb), 0);
    ASSERT_OK(slp_tasklet_kill(dead_t, 0));
    ASSERT_EQ(slp_channel_balance(ca), 0);
    ASSERT_OK(slp_tasklet_release(dead_t));
    release_channels();
}

/* ---------------------------------------------------- channel callback */

/* Names for the callback's log: main, and the tasklets in cbt[]. */
static slp_tasklet cbt[4];
static const char *cbt_name[4];
static int ncbt;

static slp_tasklet named_spawn(slp_func fn, void *arg, const char *name) {
    slp_tasklet t = spawn(fn, arg);
    cbt[ncbt] = t;
    cbt_name[ncbt++] = name;
    return t;
}

static const char *tname(slp_tasklet t) {
    int i;
    if (t == slp_getmain()) return "main";
    for (i = 0; i < ncbt; i++)
        if (cbt[i] == t) return cbt_name[i];
    return "?";
}

static const char *cname(slp_channel ch) {
    return ch == ca ? "ca" : ch == cb ? "cb" : ch == cc ? "cc" : "?";
}

static slp_select_case nested[1];

/* Logs every call: who, which channel, sending, willblock, tempval.  A
 * select inside it fails as a channel action does (ECALLBACK), unless it
 * does not act (timeout 0, nothing ready). */
static int sel_cb(slp_channel ch, slp_tasklet t, int sending, int willblock) {
    EV("cb:%s:%s:s%d:wb%d:%d", tname(t), cname(ch), sending, willblock,
       (int)(intptr_t)slp_tasklet_tempval(t));
    ASSERT_EQ(t, slp_getcurrent());
    nested[0] = two(cc, SLP_SELECT_RECEIVE, 0);
    ASSERT_ERR(slp_select(nested, 1, 20 * MS), SLP_ECALLBACK);
    if (!slp_channel_closing(cc))
        ASSERT_ERR(slp_channel_receive_timeout(cc, NULL, 0), SLP_ETIMEDOUT);
    return 0;
}

/* A select that waits reports one block per case, in array order, before
 * it waits (as each plain action would: willblock 1, a send's value as
 * tempval); the partner's action is reported as the partner's (willblock
 * 0), never again as the selecting tasklet's.  A ready case is its plain
 * action's report; a closed case reports its block, then ECLOSED; a
 * select that does not wait (timeout 0) reports nothing. */
TEST(select_channel_callback) {
    act_t s = {&cb, 2, "S"};
    slp_select_case cs[2];
    void *v = NULL;
    new_channels();
    ncbt = 0;
    ASSERT(slp_set_channel_callback(sel_cb) == NULL);
    /* a waiting select; the partner takes its receive case */
    wait_recv_a_send_b(SLP_FOREVER);
    named_spawn(selector, "T", "T");
    ASSERT_OK(slp_schedule());
    EV("|");
    ASSERT_OK(slp_channel_send(ca, (void *)3));
    EV("main");
    /* again; the partner takes its send case */
    named_spawn(selector, "U", "U");
    ASSERT_OK(slp_schedule());
    EV("|");
    ASSERT_OK(slp_channel_receive(cb, &v));
    EV("main:%d", (int)(intptr_t)v);
    ASSERT_OK(slp_run());
    EV("|");
    /* a ready case: the plain receive's report */
    named_spawn(send_one, &s, "S");
    ASSERT_OK(slp_schedule());
    cs[0] = two(ca, SLP_SELECT_RECEIVE, 0);
    cs[1] = two(cb, SLP_SELECT_RECEIVE, 0);
    ASSERT_EQ(slp_select(cs, 2, SLP_FOREVER), 1);
    ASSERT_OK(slp_run());
    EV("|");
    /* nothing ready, no wait: no report */
    ASSERT_ERR(slp_select(cs, 2, 0), SLP_ETIMEDOUT);
    ASSERT_ERR(slp_channel_send_timeout(ca, (void *)1, 0), SLP_ETIMEDOUT);
    EV("|");
    /* a closed case, as a plain receive on it */
    ASSERT_OK(slp_channel_close(cc));
    cs[1] = two(cc, SLP_SELECT_RECEIVE, 0);
    ASSERT_ERR(slp_select(cs, 2, SLP_FOREVER), SLP_ECLOSED);
    ASSERT_EQ(cs[1].err, SLP_ECLOSED);
    ASSERT_ERR(slp_channel_receive(cc, &v), SLP_ECLOSED);
    ASSERT_OK(slp_channel_open(cc));
    EV("|");
    /* a timed send that expires, a select that deadlocks: reported, then
     * the wait fails */
    ASSERT_ERR(slp_channel_send_timeout(ca, (void *)5, MS), SLP_ETIMEDOUT);
    ASSERT_ERR(slp_select(cs, 2, SLP_FOREVER), SLP_EDEADLOCK);
    ASSERT(slp_set_channel_callback(NULL) == sel_cb);
    ASSERT_LOG("cb:T:ca:s0:wb1:0 cb:T:cb:s1:wb1:7 |"
               " cb:main:ca:s1:wb0:3 T:0:3 main"
               " cb:U:ca:s0:wb1:0 cb:U:cb:s1:wb1:7 |"
               " cb:main:cb:s0:wb0:0 main:7 U:1:7 |"
               " cb:S:cb:s1:wb1:2 cb:main:cb:s0:wb0:0 S:sent:ok |"
               " |"
               " cb:main:cc:s0:wb1:0 cb:main:cc:s0:wb1:0 |"
               " cb:main:ca:s1:wb1:5 cb:main:ca:s0:wb1:0 cb:main:cc:s0:wb1:0");
    ASSERT_EQ(slp_channel_balance(ca), 0);
    ASSERT_EQ(slp_channel_balance(cb), 0);
    ASSERT_EQ(slp_channel_balance(cc), 0);
    release_channels();
}

static volatile int cbx_balance_a = 99, cbx_balance_b = 99;

/* On the thread that selects, its reports before it waits; here, the
 * partner's report after its cross-thread action (both channels left). */
static int sel_cb_cross(slp_channel ch, slp_tasklet t, int sending, int willblock) {
    EV("cb:%s:%s:s%d:wb%d", t == xt ? "X" : tname(t), cname(ch), sending, willblock);
    if (t == slp_getmain() && slp_getmain() != xt) {
        cbx_balance_a = slp_channel_balance(ca);
        cbx_balance_b = slp_channel_balance(cb);
    }
    return 0;
}

TEST(select_channel_callback_cross_thread) {
    int id;
    new_channels();
    ncbt = 0;
    xcs[0] = two(ca, SLP_SELECT_RECEIVE, 0);
    xcs[1] = two(cb, SLP_SELECT_RECEIVE, 0);
    xt = 0;
    slp_getmain();
    slp_set_channel_callback(sel_cb_cross);
    ASSERT_OK(slp_thread_start(&id, thread_select_killed, NULL));
    wait_balance(ca, -1);
    wait_balance(cb, -1);
    ASSERT_OK(slp_channel_send(cb, (void *)21));
    ASSERT_OK(slp_thread_join(id, NULL));
    slp_set_channel_callback(NULL);
    ASSERT_EQ(xr, 1);
    ASSERT_EQ((intptr_t)xcs[1].value, 21);
    ASSERT_LOG("cb:X:ca:s0:wb1 cb:X:cb:s0:wb1 cb:main:cb:s1:wb0");
    ASSERT_EQ(cbx_balance_a, 0);
    ASSERT_EQ(cbx_balance_b, 0);
    release_channels();
}

/* ------------------------------------------------------------ next/prev */

/* A select of one case (a timed action) waits in one channel queue: its
 * next/prev are its neighbours there, as a blocked tasklet's, and a walk
 * from slp_channel_queue passes it.  One of several cases stands in
 * several queues: 0 (a walk ends there), while its neighbours do show it. */
TEST(select_next_prev_in_channel_queue) {
    act_t r1 = {&ca, 0, "R1"}, r2 = {&ca, 0, "R2"};
    slp_tasklet a, t, b, u, w;
    int n = 0;
    new_channels();
    a = spawn(recv_one, &r1);
    t = spawn(timed_receiver, (void *)(uintptr_t)60000);
    b = spawn(recv_one, &r2);
    tcs[0] = two(cb, SLP_SELECT_RECEIVE, 0);
    tcs[1] = two(ca, SLP_SELECT_RECEIVE, 0);
    tn = 2;
    ttimeout = SLP_FOREVER;
    u = spawn(selector, "U");
    ASSERT_OK(slp_schedule());
    ASSERT_EQ(slp_channel_balance(ca), -4);
    ASSERT_EQ(slp_tasklet_waiting(t), SLP_WAITING_SELECT);
    ASSERT_EQ(slp_channel_queue(ca), a);
    ASSERT_EQ(slp_tasklet_prev(a), 0);
    ASSERT_EQ(slp_tasklet_next(a), t);
    ASSERT_EQ(slp_tasklet_prev(t), a);
    ASSERT_EQ(slp_tasklet_next(t), b);
    ASSERT_EQ(slp_tasklet_prev(b), t);
    ASSERT_EQ(slp_tasklet_next(b), u);
    ASSERT_EQ(slp_tasklet_next(u), 0);
    ASSERT_EQ(slp_tasklet_prev(u), 0);
    ASSERT_EQ(slp_channel_queue(cb), u);
    for (w = slp_channel_queue(ca); w; w = slp_tasklet_next(w)) n++;
    ASSERT_EQ(n, 4);
    /* T first in the queue */
    ASSERT_OK(slp_channel_send(ca, (void *)1));
    ASSERT_EQ(slp_channel_queue(ca), t);
    ASSERT_EQ(slp_tasklet_prev(t), 0);
    ASSERT_EQ(slp_tasklet_next(t), b);
    ASSERT_OK(slp_channel_send(ca, (void *)2));
    ASSERT_EQ(slp_channel_queue(ca), b);
    ASSERT_EQ(slp_tasklet_prev(b), 0);
    ASSERT_OK(slp_channel_send(ca, (void *)3));
    ASSERT_OK(slp_channel_send(ca, (void *)4));
    ASSERT_OK(slp_run());
    ASSERT_LOG("R1:got:1:ok T:2:ok R2:got:3:ok U:1:4");
    release_channels();
}
