/* test_regress.c -- bugs that once slipped through every suite (issue 16),
 * each planted by hand and caught here: a test per bug, looking at the
 * state the bug changes, at the moment it changes it. */
#include <stdint.h>

#include "../src/internal.h" /* slp__thread_self()->bound: what a count walks */
#include "test.h"

static volatile int stage;
static void stage_set(int v) { __atomic_store_n(&stage, v, __ATOMIC_SEQ_CST); }
static int stage_get(void) { return __atomic_load_n(&stage, __ATOMIC_SEQ_CST); }
/* Wait without calling the runtime (so no deadlock alarm, no join, no
 * block can wake anybody) until the stage is v.  The bound only turns a
 * missing wake into a failure instead of a hang: under any load a woken
 * thread runs long before it. */
static void stage_wait(int v, const char *what) {
    int i;
    for (i = 0; i < 30000 && stage_get() != v; i++) nap_ms(1);
    if (stage_get() != v)
        test_fail(__FILE__, __LINE__, "%s: stage %d after 30 s, want %d", what,
                  stage_get(), v);
}

static slp_channel ch;
static void *slot;
static volatile int got;

/* ---- a cross-thread send wakes the receiver's sleeping thread --------- */

static int sleeping_receiver(void *arg) {
    int r;
    (void)arg;
    stage_set(1);
    r = slp_channel_receive(ch, &slot); /* nothing else here: it sleeps */
    __atomic_store_n(&got, r ? r : (int)(intptr_t)slot, __ATOMIC_SEQ_CST);
    stage_set(2);
    /* Stay alive until main has looked: its join must not be what woke us. */
    while (stage_get() != 3) nap_ms(1);
    return 0;
}

TEST(regress_cross_thread_send_wakes_sleeper) {
    int id;
    ASSERT_OK(slp_channel_new(&ch));
    ASSERT_OK(slp_thread_start(&id, sleeping_receiver, NULL));
    stage_wait(1, "receiver started");
    while (slp_channel_balance(ch) != -1) nap_ms(1);
    ASSERT_OK(slp_channel_send(ch, (void *)(intptr_t)42)); /* never switches */
    ASSERT_EQ(slp_channel_balance(ch), 0);
    /* The receiver's thread wakes by itself: main neither joins, nor
     * blocks, nor exits (each of those could raise the deadlock alarm,
     * which wakes every sleeper and so hides a lost wake). */
    stage_wait(2, "the receiver's thread woke");
    ASSERT_EQ(got, 42);
    stage_set(3);
    ASSERT_OK(slp_thread_join(id, NULL));
}

/* ---- run order after a hand-over (reference §4.2) --------------------- */

static int receive_log(void *arg) {
    int r = slp_channel_receive(ch, &slot);
    EV("%s:%s", (const char *)arg, r ? slp_err_name(r) : (const char *)slot);
    return 0;
}

static int send_log(void *arg) {
    int r = slp_channel_send(ch, arg);
    EV("S:%s", slp_err_name(r));
    return 0;
}

static int note(void *arg) {
    EV("%s", (const char *)arg);
    return 0;
}

/* Main sends to a waiting receiver with X queued: the receiver runs now,
 * then the queue (X), the sender last. */
TEST(regress_handover_order_with_third_queued) {
    slp_tasklet r, x;
    ASSERT_OK(slp_channel_new(&ch));
    r = spawn(receive_log, "R");
    ASSERT_OK(slp_run()); /* R blocks */
    ASSERT_EQ(slp_channel_balance(ch), -1);
    x = spawn(note, "X");
    ASSERT_OK(slp_channel_send(ch, "v"));
    EV("M");
    ASSERT_OK(slp_run());
    ASSERT_LOG("R:v X M");
    ASSERT_OK(slp_tasklet_release(r));
    ASSERT_OK(slp_tasklet_release(x));
}

/* The mirror: preference 1, main receives from a waiting sender. */
TEST(regress_handover_order_prefer_sender) {
    void *v = NULL;
    ASSERT_OK(slp_channel_new(&ch));
    ASSERT_EQ(slp_channel_set_preference(ch, 1), -1);
    spawn(send_log, "w");
    ASSERT_OK(slp_run()); /* the sender blocks */
    ASSERT_EQ(slp_channel_balance(ch), 1);
    spawn(note, "X");
    ASSERT_OK(slp_channel_receive(ch, &v));
    EV("M:%s", (const char *)v);
    ASSERT_OK(slp_run());
    ASSERT_LOG("S:SLP_OK X M:w");
}

/* Preference -1, the other direction: the receiver goes on, the sender
 * goes to the end of the queue, after X. */
TEST(regress_handover_order_receiver_continues) {
    void *v = NULL;
    ASSERT_OK(slp_channel_new(&ch));
    spawn(send_log, "w");
    ASSERT_OK(slp_run());
    spawn(note, "X");
    ASSERT_OK(slp_channel_receive(ch, &v));
    EV("M:%s", (const char *)v);
    ASSERT_OK(slp_run());
    ASSERT_LOG("M:w X S:SLP_OK");
}

/* schedule_all: the partner goes to the end, the caller yields to its
 * next: X, then the partner, then the caller. */
TEST(regress_handover_order_schedule_all) {
    ASSERT_OK(slp_channel_new(&ch));
    ASSERT_OK(slp_channel_set_schedule_all(ch, 1));
    spawn(receive_log, "R");
    ASSERT_OK(slp_run());
    spawn(note, "X");
    ASSERT_OK(slp_channel_send(ch, "v"));
    EV("M");
    ASSERT_OK(slp_run());
    ASSERT_LOG("X R:v M");
}

/* ---- removing waiters from the middle and the end of a channel -------- */

TEST(regress_channel_remove_middle_waiter) {
    slp_tasklet r1, r2, r3, r4;
    ASSERT_OK(slp_channel_new(&ch));
    r1 = spawn(receive_log, "R1");
    r2 = spawn(receive_log, "R2");
    r3 = spawn(receive_log, "R3");
    ASSERT_OK(slp_run());
    ASSERT_EQ(slp_channel_balance(ch), -3);
    ASSERT_OK(slp_tasklet_kill(r2, 0)); /* the middle one */
    ASSERT_EQ(slp_channel_balance(ch), -2);
    ASSERT_EQ(slp_channel_queue(ch), r1);
    ASSERT_OK(slp_channel_send(ch, "a"));
    ASSERT_EQ(slp_channel_queue(ch), r3);
    ASSERT_OK(slp_channel_send(ch, "b"));
    ASSERT_EQ(slp_channel_balance(ch), 0);
    ASSERT_EQ(slp_channel_queue(ch), 0);
    ASSERT_LOG("R2:SLP_EEXIT R1:a R3:b");
    /* The last one, then one more waiter. */
    test_log_clear();
    r1 = spawn(receive_log, "Q1");
    r2 = spawn(receive_log, "Q2");
    r3 = spawn(receive_log, "Q3");
    ASSERT_OK(slp_run());
    ASSERT_OK(slp_tasklet_kill(r3, 0));
    ASSERT_EQ(slp_channel_balance(ch), -2);
    r4 = spawn(receive_log, "Q4"); /* appended after Q2 */
    ASSERT_OK(slp_run());
    ASSERT_EQ(slp_channel_balance(ch), -3);
    ASSERT_OK(slp_channel_send(ch, "c"));
    ASSERT_EQ(slp_channel_queue(ch), r2);
    ASSERT_OK(slp_channel_send(ch, "d"));
    ASSERT_EQ(slp_channel_queue(ch), r4);
    ASSERT_OK(slp_channel_send(ch, "e"));
    ASSERT_EQ(slp_channel_queue(ch), 0);
    ASSERT_EQ(slp_channel_balance(ch), 0);
    ASSERT_LOG("Q3:SLP_EEXIT Q1:c Q2:d Q4:e");
    (void)r1;
    /* And the first one, with a pending kill (no switch). */
    test_log_clear();
    r1 = spawn(receive_log, "P1");
    r2 = spawn(receive_log, "P2");
    r3 = spawn(receive_log, "P3");
    ASSERT_OK(slp_run());
    ASSERT_OK(slp_tasklet_kill(r1, 1));
    ASSERT_EQ(slp_channel_queue(ch), r2);
    ASSERT_EQ(slp_channel_balance(ch), -2);
    ASSERT_OK(slp_run());
    ASSERT_OK(slp_channel_send(ch, "f"));
    ASSERT_OK(slp_channel_send(ch, "g"));
    ASSERT_LOG("P1:SLP_EEXIT P2:f P3:g");
    ASSERT_EQ(slp_channel_balance(ch), 0);
}

/* ---- queue moves refused on a blocked tasklet, and nothing moves ----- */

TEST(regress_blocked_refuses_queue_moves) {
    slp_tasklet r;
    ASSERT_OK(slp_channel_new(&ch));
    r = spawn(receive_log, "R");
    ASSERT_OK(slp_run());
    ASSERT_ERR(slp_tasklet_insert(r), SLP_EBLOCKED);
    ASSERT_ERR(slp_tasklet_run(r), SLP_EBLOCKED);
    ASSERT_ERR(slp_tasklet_switch(r), SLP_EBLOCKED);
    ASSERT_ERR(slp_tasklet_remove(r), SLP_EREMOVEBLOCKED);
    ASSERT_ERR(slp_tasklet_bind(r, note, NULL), SLP_ESCHEDULED);
    ASSERT_EQ(slp_getruncount(), 1);
    ASSERT_EQ(slp_channel_balance(ch), -1);
    ASSERT_EQ(slp_tasklet_blocked(r), SLP_BLOCKED_RECEIVING);
    ASSERT_OK(slp_channel_send(ch, "v"));
    ASSERT_LOG("R:v");
    ASSERT_OK(slp_tasklet_release(r));
}

/* ---- what a thread has waiting: queued and blocked, not paused -------- */

TEST(regress_thread_waiting_counts) {
    slp_tasklet q, p, b;
    ASSERT_OK(slp_channel_new(&ch));
    ASSERT_EQ(slp_thread_waiting(), 0);
    ASSERT_EQ(slp_thread_pending(), 0);
    b = spawn(receive_log, "B");
    ASSERT_OK(slp_run()); /* blocked */
    ASSERT_EQ(slp_thread_waiting(), 1);
    q = spawn(note, "Q"); /* queued */
    ASSERT_EQ(slp_thread_waiting(), 2);
    p = spawn(note, "P");
    ASSERT_OK(slp_tasklet_remove(p)); /* paused: alive, but nobody can make it run */
    ASSERT_EQ(slp_thread_waiting(), 2);
    ASSERT_EQ(slp_thread_pending(), 3);
    ASSERT_OK(slp_run());
    ASSERT_EQ(slp_thread_waiting(), 1);
    ASSERT_OK(slp_channel_send(ch, "v"));
    ASSERT_EQ(slp_thread_waiting(), 0);
    ASSERT_EQ(slp_thread_pending(), 1);
    ASSERT_LOG("Q B:v");
    ASSERT_OK(slp_tasklet_release(p));
    ASSERT_EQ(slp_thread_pending(), 0);
    ASSERT_OK(slp_tasklet_release(q));
    ASSERT_OK(slp_tasklet_release(b));
}

/* ---- ended tasklets with handles held: walked once, not at each count -- */

/* A handle keeps an ended tasklet bound to its thread (a JS wrapper holds
 * one until it is collected), and slp_thread_waiting() walked all of them,
 * under the lock, at every turn of the JS pump: with 30,000 short JS
 * tasklets made before, a cross-worker message took ~30x longer.  A count
 * now sets them aside; what it walks next time is what has a frame. */
static int quiet(void *arg) {
    (void)arg;
    return 0;
}

static int bound_listed(void) { /* the list count_bound walks */
    int n = 0;
    slp__tasklet *t;
    for (t = slp__thread_self()->bound; t; t = t->bnext) n++;
    return n;
}

TEST(regress_thread_waiting_walks_ended_once) {
    enum { N = 100 };
    slp_tasklet h[N], q;
    int i;
    for (i = 0; i < N; i++) h[i] = spawn(quiet, NULL);
    ASSERT_OK(slp_run()); /* they end; their handles are held */
    ASSERT_EQ(bound_listed(), N + 1); /* and main */
    ASSERT_EQ(slp_thread_waiting(), 0);
    ASSERT_EQ(bound_listed(), 1);
    ASSERT_EQ(slp_thread_pending(), 0);
    q = spawn(quiet, NULL);
    ASSERT_EQ(slp_thread_waiting(), 1);
    ASSERT_EQ(bound_listed(), 2);
    /* One set aside that gets a frame again is walked and counted again. */
    ASSERT_OK(slp_tasklet_setup(h[0])); /* queued */
    ASSERT_OK(slp_tasklet_bind_args(h[1], quiet, NULL)); /* paused */
    ASSERT_EQ(slp_thread_waiting(), 2);
    ASSERT_EQ(slp_thread_pending(), 3);
    ASSERT_EQ(bound_listed(), 4);
    ASSERT_OK(slp_run());
    ASSERT_EQ(slp_thread_waiting(), 0);
    ASSERT_EQ(slp_thread_pending(), 1);
    ASSERT_OK(slp_tasklet_insert(h[1]));
    ASSERT_EQ(slp_thread_waiting(), 1);
    ASSERT_OK(slp_run());
    ASSERT_EQ(slp_thread_pending(), 0);
    ASSERT_EQ(bound_listed(), 1);
    for (i = 0; i < N; i++) {
        ASSERT_EQ(slp_tasklet_thread_id(h[i]), slp_thread_id());
        ASSERT_OK(slp_tasklet_release(h[i]));
    }
    ASSERT_OK(slp_tasklet_release(q));
    ASSERT_EQ(bound_listed(), 1);
}

/* A thread's end takes their thread from the ones set aside too: their
 * thread_id is -1, not read from the freed thread. */
static slp_tasklet aside[8];

static int ends_with_tasklets_aside(void *arg) {
    int i;
    (void)arg;
    for (i = 0; i < 8; i++) aside[i] = spawn(quiet, NULL);
    slp_run();
    return slp_thread_waiting(); /* sets them aside: 0 */
}

TEST(regress_thread_end_orphans_ended_aside) {
    int id, r = -1, i;
    ASSERT_OK(slp_thread_start(&id, ends_with_tasklets_aside, NULL));
    ASSERT_OK(slp_thread_join(id, &r));
    ASSERT_EQ(r, 0);
    for (i = 0; i < 8; i++) {
        ASSERT_EQ(slp_tasklet_thread_id(aside[i]), -1);
        ASSERT_EQ(slp_tasklet_alive(aside[i]), 0);
    }
    /* Revived on this thread, one runs here. */
    ASSERT_OK(slp_tasklet_bind_thread(aside[0], 0));
    ASSERT_OK(slp_tasklet_setup(aside[0]));
    ASSERT_EQ(slp_thread_waiting(), 1);
    ASSERT_OK(slp_run());
    ASSERT_EQ(slp_tasklet_alive(aside[0]), 0);
    ASSERT_EQ(bound_listed(), 2); /* main, and aside[0] (held) */
    for (i = 0; i < 8; i++) ASSERT_OK(slp_tasklet_release(aside[i]));
    ASSERT_EQ(bound_listed(), 1);
}

/* ---- a nested run(): the innermost watchdog gets control back (§3.3) -- */

static int nested_runner(void *arg) {
    (void)arg;
    spawn(receive_log, "T2"); /* blocks */
    EV("T1 run");
    ASSERT_OK(slp_run()); /* T1 is the innermost watchdog now */
    EV("T1 back");
    return 0;
}

TEST(regress_nested_run_returns_to_innermost) {
    ASSERT_OK(slp_channel_new(&ch));
    spawn(nested_runner, NULL);
    ASSERT_OK(slp_run());
    EV("main back");
    ASSERT_EQ(slp_channel_balance(ch), -1);
    ASSERT_OK(slp_channel_send(ch, "v"));
    ASSERT_LOG("T1 run T1 back main back T2:v");
}

/* ---- a channel released more often than retained --------------------- */

TEST(regress_channel_release_counts) {
    slp_channel c;
    slp_tasklet r;
    ASSERT_OK(slp_channel_new(&c));
    ch = c;
    r = spawn(receive_log, "R");
    ASSERT_OK(slp_run()); /* R waits in it: the channel stays */
    ASSERT_OK(slp_channel_release(c));
    ASSERT_EQ(slp_channel_balance(c), -1);
    ASSERT_ERR(slp_channel_release(c), SLP_EINVAL); /* no reference left to drop */
    ASSERT_OK(slp_channel_send(c, "v")); /* its last waiter leaves: freed */
    ASSERT_LOG("R:v");
    ASSERT_ERR(slp_channel_balance(c), SLP_BALANCE_BADHANDLE);
    ASSERT_OK(slp_tasklet_release(r));
}

/* ---- a released handle stays dead after its slot is reused ------------ */

TEST(regress_stale_handle_after_slot_reuse) {
    slp_tasklet t, t2, old;
    slp_channel c, c2;
    int i;
    ASSERT_OK(slp_tasklet_new(&old));
    ASSERT_OK(slp_tasklet_release(old)); /* freed: its slot goes back */
    ASSERT_ERR(slp_tasklet_alive(old), SLP_EBADHANDLE);
    /* Enough objects come and go for every free slot to be used again,
     * whatever the order of reuse (a reserve of 65536 free slots today):
     * the old handle stays dead, and no new one equals an older one. */
    ASSERT_OK(slp_tasklet_new(&t));
    for (i = 0; i < 140000; i++) {
        ASSERT_OK(slp_tasklet_release(t));
        ASSERT_OK(slp_tasklet_new(&t2));
        if (t2 == t || t2 == old) test_fail(__FILE__, __LINE__, "handle %u given out again", t2);
        if (slp_tasklet_retain(old) != SLP_EBADHANDLE)
            test_fail(__FILE__, __LINE__, "a released handle works again after %d reuses", i);
        t = t2;
    }
    ASSERT_ERR(slp_tasklet_bind(old, note, NULL), SLP_EBADHANDLE);
    ASSERT_OK(slp_tasklet_release(t));
    /* Channels too, and a handle of one kind is no handle of the other. */
    ASSERT_OK(slp_channel_new(&c));
    ASSERT_OK(slp_channel_release(c));
    ASSERT_ERR(slp_channel_balance(c), SLP_BALANCE_BADHANDLE);
    ASSERT_ERR(slp_channel_release(c), SLP_EBADHANDLE);
    ASSERT_OK(slp_channel_new(&c2));
    ASSERT_OK(slp_tasklet_new(&t));
    ASSERT(c2 != c);
    ASSERT_ERR(slp_channel_release(t), SLP_EBADHANDLE);
    ASSERT_ERR(slp_tasklet_release(c2), SLP_EBADHANDLE);
    ASSERT_EQ(slp_channel_balance(t), SLP_BALANCE_BADHANDLE);
    ASSERT_OK(slp_channel_release(c2));
    ASSERT_OK(slp_tasklet_release(t));
}

/* ---- run() of another thread's tasklet: it goes first there ----------- */

static slp_tasklet remote_t;

static int b_queues_x_then_runs(void *arg) {
    (void)arg;
    spawn(note, "X"); /* queued on B */
    stage_set(1);
    while (stage_get() != 2) nap_ms(1); /* running, X queued; A calls run(t) */
    ASSERT_OK(slp_run());
    EV("B");
    stage_set(3);
    return 0;
}

static int b_sleeps_then_sees(void *arg) {
    int r;
    (void)arg;
    stage_set(1);
    r = slp_channel_receive(ch, &slot); /* sleeps; then run(t) wakes it */
    EV("B:%s:%s", slp_err_name(r), r ? "" : (const char *)slot);
    return 0;
}

static int remote_t_body(void *arg) {
    EV("T");
    if (arg) return slp_channel_send(ch, arg); /* wakes B's main */
    return 0;
}

TEST(regress_remote_run_goes_first) {
    int id;
    ASSERT_OK(slp_thread_start(&id, b_queues_x_then_runs, NULL));
    stage_wait(1, "B queued X");
    ASSERT_OK(slp_tasklet_new(&remote_t));
    ASSERT_OK(slp_tasklet_bind_args(remote_t, remote_t_body, NULL));
    ASSERT_OK(slp_tasklet_bind_thread(remote_t, id));
    ASSERT_OK(slp_tasklet_run(remote_t)); /* no switch here */
    ASSERT_EQ(slp_getruncount(), 1);
    stage_set(2);
    stage_wait(3, "B ran");
    ASSERT_OK(slp_thread_join(id, NULL));
    ASSERT_LOG("T X B"); /* before X, which B queued earlier */
    ASSERT_OK(slp_tasklet_release(remote_t));
    /* An idle (sleeping) thread runs it at once. */
    test_log_clear();
    stage_set(0);
    ASSERT_OK(slp_channel_new(&ch));
    ASSERT_OK(slp_thread_start(&id, b_sleeps_then_sees, NULL));
    stage_wait(1, "B started");
    while (slp_channel_balance(ch) != -1) nap_ms(1);
    ASSERT_OK(slp_tasklet_new(&remote_t));
    ASSERT_OK(slp_tasklet_bind_args(remote_t, remote_t_body, "t"));
    ASSERT_OK(slp_tasklet_bind_thread(remote_t, id));
    ASSERT_OK(slp_tasklet_run(remote_t));
    ASSERT_OK(slp_thread_join(id, NULL));
    ASSERT_LOG("T B:SLP_OK:t");
    ASSERT_OK(slp_tasklet_release(remote_t));
}

/* ---- switch_trap on a hand-over --------------------------------------- */

TEST(regress_switch_trap_on_handover) {
    slp_tasklet r;
    void *v = NULL;
    ASSERT_OK(slp_channel_new(&ch));
    r = spawn(receive_log, "R");
    ASSERT_OK(slp_run());
    ASSERT_EQ(slp_switch_trap(1), 0);
    /* A throw or kill that would switch to R is refused; nothing moved. */
    ASSERT_ERR(slp_tasklet_throw(r, SLP_EUSER, NULL, 0), SLP_ESWITCHTRAP);
    ASSERT_ERR(slp_tasklet_kill(r, 0), SLP_ESWITCHTRAP);
    ASSERT_EQ(slp_channel_balance(ch), -1);
    ASSERT_EQ(slp_tasklet_blocked(r), SLP_BLOCKED_RECEIVING);
    /* Preference -1: the send would switch to R; refused, nothing moved. */
    ASSERT_ERR(slp_channel_send(ch, "no"), SLP_ESWITCHTRAP);
    ASSERT_EQ(slp_channel_balance(ch), -1);
    ASSERT_EQ(slp_tasklet_blocked(r), SLP_BLOCKED_RECEIVING);
    ASSERT_EQ(slp_getruncount(), 1);
    /* schedule_all would switch too. */
    ASSERT_OK(slp_channel_set_schedule_all(ch, 1));
    ASSERT_ERR(slp_channel_send(ch, "no"), SLP_ESWITCHTRAP);
    ASSERT_EQ(slp_channel_balance(ch), -1);
    ASSERT_EQ(slp_channel_set_schedule_all(ch, 0), 1);
    /* Preference 0: no switch, so the trap allows it. */
    ASSERT_EQ(slp_channel_set_preference(ch, 0), -1);
    ASSERT_OK(slp_channel_send(ch, "yes"));
    ASSERT_EQ(slp_channel_balance(ch), 0);
    ASSERT_EQ(slp_getruncount(), 2);
    ASSERT_LOG(""); /* R is queued, it has not run */
    /* And a receive that would block is refused too. */
    ASSERT_ERR(slp_channel_receive(ch, &v), SLP_ESWITCHTRAP);
    ASSERT_EQ(slp_channel_balance(ch), 0);
    ASSERT_EQ(slp_switch_trap(-1), 1);
    ASSERT_OK(slp_run());
    ASSERT_LOG("R:yes");
    ASSERT_OK(slp_tasklet_release(r));
}

/* ---- the error handler never sees TaskletExit ------------------------- */

static int handler_calls;
static int log_handler(slp_tasklet t, int err) {
    (void)t;
    handler_calls++;
    EV("handler:%s", slp_err_name(err));
    return 0;
}

static int fails_user(void *arg) {
    (void)arg;
    return SLP_EUSER;
}

static int receive_ret(void *arg) {
    int r = slp_channel_receive(ch, &slot);
    EV("%s:%s", (const char *)arg, slp_err_name(r));
    return r;
}

static int returns_exit(void *arg) {
    (void)arg;
    return SLP_EEXIT;
}

TEST(regress_error_handler_not_shown_exit) {
    slp_tasklet r;
    ASSERT_OK(slp_channel_new(&ch));
    ASSERT(slp_set_error_handler(log_handler) == NULL);
    r = spawn(receive_ret, "R");
    ASSERT_OK(slp_run());
    ASSERT_OK(slp_tasklet_kill(r, 0)); /* its function returns SLP_EEXIT */
    ASSERT_EQ(slp_tasklet_alive(r), 0);
    ASSERT_ERR(slp_tasklet_result(r), SLP_EEXIT);
    r = spawn(fails_user, NULL);
    ASSERT_OK(slp_tasklet_kill(r, 0)); /* killed before it ever ran */
    ASSERT_EQ(slp_tasklet_alive(r), 0);
    spawn(returns_exit, NULL);
    ASSERT_OK(slp_run());
    ASSERT_EQ(handler_calls, 0);
    spawn(fails_user, NULL); /* while a real error is shown */
    ASSERT_OK(slp_run());
    ASSERT_EQ(handler_calls, 1);
    ASSERT_LOG("R:SLP_EEXIT handler:SLP_EUSER");
    ASSERT(slp_set_error_handler(NULL) == log_handler);
}

/* ---- a throw into a tasklet that polls alone with schedule() ---------- */

static slp_tasklet poller_main;
static volatile int polls, poll_result;

static int polls_alone(void *arg) {
    int r;
    (void)arg;
    __atomic_store_n(&poller_main, slp_getcurrent(), __ATOMIC_SEQ_CST);
    while ((r = slp_schedule()) == 0) __atomic_add_fetch(&polls, 1, __ATOMIC_SEQ_CST);
    __atomic_store_n(&poll_result, r, __ATOMIC_SEQ_CST);
    stage_set(1);
    /* Once more: a kill is seen by the poll just as well. */
    while ((r = slp_schedule()) == 0) __atomic_add_fetch(&polls, 1, __ATOMIC_SEQ_CST);
    __atomic_store_n(&poll_result, r, __ATOMIC_SEQ_CST);
    stage_set(2);
    return 0;
}

TEST(regress_throw_into_lone_poller) {
    int id, i;
    ASSERT_OK(slp_thread_start(&id, polls_alone, NULL));
    /* Many polls: the lock-free fast path is surely in use. */
    for (i = 0; i < 30000 && __atomic_load_n(&polls, __ATOMIC_SEQ_CST) < 1000; i++)
        nap_ms(1);
    ASSERT(__atomic_load_n(&polls, __ATOMIC_SEQ_CST) >= 1000);
    ASSERT_OK(slp_tasklet_throw(poller_main, SLP_EUSER, NULL, 0));
    stage_wait(1, "the poller saw the throw");
    ASSERT_ERR(poll_result, SLP_EUSER);
    __atomic_store_n(&polls, 0, __ATOMIC_SEQ_CST);
    for (i = 0; i < 30000 && __atomic_load_n(&polls, __ATOMIC_SEQ_CST) < 1000; i++)
        nap_ms(1);
    ASSERT_OK(slp_tasklet_kill(poller_main, 0));
    stage_wait(2, "the poller saw the kill");
    ASSERT_ERR(poll_result, SLP_EEXIT);
    ASSERT_OK(slp_thread_join(id, NULL));
}

/* ---- getthreads: the first thread first, then the newest first -------- */

static int waits_for_stage(void *arg) {
    while (stage_get() < (int)(intptr_t)arg) nap_ms(1);
    return 0;
}

TEST(regress_getthreads_order) {
    int b, c, d, ids[8] = {0}, me = slp_thread_id();
    ASSERT_OK(slp_thread_start(&b, waits_for_stage, (void *)10));
    ASSERT_OK(slp_thread_start(&c, waits_for_stage, (void *)9));
    ASSERT_OK(slp_thread_start(&d, waits_for_stage, (void *)10));
    ASSERT_EQ(slp_getthreads(ids, 8), 4);
    ASSERT_EQ(ids[0], me);
    ASSERT_EQ(ids[1], d);
    ASSERT_EQ(ids[2], c);
    ASSERT_EQ(ids[3], b);
    ASSERT_EQ(ids[4], 0);
    memset(ids, 0, sizeof ids);
    ASSERT_EQ(slp_getthreads(ids, 2), 4); /* the total, max written */
    ASSERT_EQ(ids[0], me);
    ASSERT_EQ(ids[1], d);
    ASSERT_EQ(ids[2], 0);
    stage_set(9); /* c ends, the others stay */
    ASSERT_OK(slp_thread_join(c, NULL));
    memset(ids, 0, sizeof ids);
    ASSERT_EQ(slp_getthreads(ids, 8), 3);
    ASSERT_EQ(ids[0], me);
    ASSERT_EQ(ids[1], d);
    ASSERT_EQ(ids[2], b);
    stage_set(10);
    ASSERT_OK(slp_thread_join(b, NULL));
    ASSERT_OK(slp_thread_join(d, NULL));
    ASSERT_EQ(slp_getthreads(ids, 8), 1);
}

/* ---- nothing leaks when a thread dies --------------------------------- */

static slp_tasklet held_paused, held_blocked;

static int soft_wait(void *arg) { /* no C state in any build */
    (void)arg;
    return slp_channel_receive(ch, &slot);
}

static int dies_with_all_kinds(void *arg) {
    slp_tasklet q;
    (void)arg;
    held_blocked = spawn(soft_wait, NULL);
    q = spawn(soft_wait, NULL); /* blocked, nobody holds it: the channel does */
    ASSERT_OK(slp_run()); /* both block */
    ASSERT_OK(slp_tasklet_release(q));
    held_paused = spawn(note, "never");
    ASSERT_OK(slp_tasklet_remove(held_paused));
    q = spawn(note, "never either"); /* queued, nobody holds it */
    ASSERT_OK(slp_tasklet_release(q));
    ASSERT_EQ(slp_channel_balance(ch), -2);
    return 0; /* main ends: the thread dies */
}

TEST(regress_thread_death_leaks_nothing) {
    int id, base;
    ASSERT_OK(slp_channel_new(&ch));
    base = slp_snapshot(NULL, 0);
    ASSERT_EQ(base, 1); /* our main */
    ASSERT_OK(slp_thread_start(&id, dies_with_all_kinds, NULL));
    ASSERT_OK(slp_thread_join(id, NULL));
    ASSERT_LOG("");
    if (slp_tasklet_restorable(held_blocked) != 1) {
        /* With C state (see thread_death_kills_cstate) both blocked ones
         * were killed there: the unheld one is gone, ours is dead. */
        ASSERT_EQ(slp_snapshot(NULL, 0), base + 2);
        ASSERT_EQ(slp_channel_balance(ch), 0);
        ASSERT_OK(slp_tasklet_release(held_paused));
        ASSERT_OK(slp_tasklet_release(held_blocked));
        ASSERT_EQ(slp_snapshot(NULL, 0), base);
        return;
    }
    /* Left: the two we hold and the unheld blocked one (its channel
     * reaches it).  B's main and the queued one are gone. */
    ASSERT_EQ(slp_snapshot(NULL, 0), base + 3);
    ASSERT_EQ(slp_channel_balance(ch), -2);
    ASSERT_OK(slp_tasklet_release(held_paused)); /* unreachable now: freed */
    ASSERT_EQ(slp_snapshot(NULL, 0), base + 2);
    ASSERT_OK(slp_tasklet_kill(held_blocked, 0)); /* drops it, unblocks */
    ASSERT_EQ(slp_channel_balance(ch), -1);
    ASSERT_EQ(slp_snapshot(NULL, 0), base + 2); /* our handle holds it */
    ASSERT_OK(slp_tasklet_release(held_blocked));
    ASSERT_EQ(slp_snapshot(NULL, 0), base + 1);
    /* The unheld one, found through the snapshot, killed: gone too. */
    ASSERT_ERR(slp_channel_send(ch, "bye"), SLP_ENOTHREAD);
    {
        slp_tasklet_info info[4];
        int n = slp_snapshot(info, 4), i, found = 0;
        ASSERT_EQ(n, 2);
        for (i = 0; i < n; i++) {
            if (info[i].state != SLP_STATE_NOTHREAD) continue;
            found++;
            ASSERT_EQ(info[i].channel, ch);
            ASSERT_OK(slp_tasklet_kill(info[i].handle, 0));
        }
        ASSERT_EQ(found, 1);
    }
    ASSERT_EQ(slp_channel_balance(ch), 0);
    ASSERT_EQ(slp_snapshot(NULL, 0), base);
    ASSERT_OK(slp_channel_release(ch));
}
