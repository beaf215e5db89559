/* test_channel.c -- channels on one thread: hand-over, preference, FIFO,
 * balance, close, errors (reference §4, §2.4, §3.3). */
#include "test.h"

static slp_channel ch;

static int recv_one(void *arg) {
    void *v = NULL;
    int r = slp_channel_receive(ch, &v);
    if (r == 0)
        EV("%s<%s", (const char *)arg, (const char *)v);
    else
        EV("%s:%s", (const char *)arg, slp_err_name(r));
    return 0;
}

static int send_one(void *arg) {
    int r = slp_channel_send(ch, arg);
    EV("sent:%s:%d", (const char *)arg, r);
    return 0;
}

static void setup_channel(int preference) {
    ASSERT_OK(slp_channel_new(&ch));
    ASSERT_EQ(slp_channel_balance(ch), 0);
    ASSERT_EQ(slp_channel_preference(ch), -1);
    slp_channel_set_preference(ch, preference);
}

/* preference -1: a send to a waiting receiver runs the receiver now. */
TEST(channel_send_prefers_receiver) {
    setup_channel(-1);
    spawn(recv_one, "r");
    ASSERT_OK(slp_run());
    ASSERT_EQ(slp_channel_balance(ch), -1);
    ASSERT_OK(slp_channel_send(ch, "x"));
    EV("main");
    ASSERT_LOG("r<x main");
}

/* preference -1: a receive from a waiting sender continues the receiver;
 * the sender goes to the end of the queue. */
TEST(channel_receive_keeps_receiver) {
    void *v;
    setup_channel(-1);
    spawn(send_one, "a");
    ASSERT_OK(slp_run());
    ASSERT_EQ(slp_channel_balance(ch), 1);
    ASSERT_OK(slp_channel_receive(ch, &v));
    EV("main<%s", (const char *)v);
    ASSERT_OK(slp_run());
    ASSERT_LOG("main<a sent:a:0");
}

TEST(channel_preference_sender) {
    void *v;
    setup_channel(1);
    spawn(recv_one, "r");
    ASSERT_OK(slp_run());
    ASSERT_OK(slp_channel_send(ch, "x")); /* sender continues */
    EV("main");
    ASSERT_OK(slp_run());
    spawn(send_one, "b");
    ASSERT_OK(slp_run());
    ASSERT_OK(slp_channel_receive(ch, &v)); /* sender runs now */
    EV("main<%s", (const char *)v);
    ASSERT_LOG("main r<x sent:b:0 main<b");
}

TEST(channel_preference_neither) {
    void *v;
    setup_channel(0);
    spawn(recv_one, "r");
    ASSERT_OK(slp_run());
    ASSERT_OK(slp_channel_send(ch, "x"));
    EV("main1");
    ASSERT_OK(slp_run());
    spawn(send_one, "b");
    ASSERT_OK(slp_run());
    ASSERT_OK(slp_channel_receive(ch, &v));
    EV("main2");
    ASSERT_OK(slp_run());
    ASSERT_LOG("main1 r<x main2 sent:b:0");
}

TEST(channel_preference_clamped) {
    ASSERT_OK(slp_channel_new(&ch));
    ASSERT_EQ(slp_channel_set_preference(ch, 5), -1);
    ASSERT_EQ(slp_channel_preference(ch), 1);
    ASSERT_EQ(slp_channel_set_preference(ch, -9), 1);
    ASSERT_EQ(slp_channel_preference(ch), -1);
    ASSERT_EQ(slp_channel_set_preference(ch, 0), -1);
    ASSERT_EQ(slp_channel_preference(ch), 0);
}

/* Blocked tasklets are served first in, first out. */
TEST(channel_fifo) {
    setup_channel(0);
    spawn(recv_one, "r1");
    spawn(recv_one, "r2");
    spawn(recv_one, "r3");
    ASSERT_OK(slp_run());
    ASSERT_EQ(slp_channel_balance(ch), -3);
    ASSERT_OK(slp_channel_send(ch, "a"));
    ASSERT_OK(slp_channel_send(ch, "b"));
    ASSERT_OK(slp_channel_send(ch, "c"));
    ASSERT_OK(slp_run());
    ASSERT_LOG("r1<a r2<b r3<c");
}

TEST(channel_balance_counts_senders) {
    void *v;
    setup_channel(-1);
    spawn(send_one, "a");
    spawn(send_one, "b");
    ASSERT_OK(slp_run());
    ASSERT_EQ(slp_channel_balance(ch), 2);
    ASSERT_EQ(slp_tasklet_blocked(slp_channel_queue(ch)), SLP_BLOCKED_SENDING);
    ASSERT_OK(slp_channel_receive(ch, &v));
    ASSERT_STR(v, "a");
    ASSERT_EQ(slp_channel_balance(ch), 1);
    ASSERT_OK(slp_channel_receive(ch, &v));
    ASSERT_STR(v, "b");
    ASSERT_EQ(slp_channel_queue(ch), 0);
}

/* close(): what would block fails, what finds a partner succeeds, blocked
 * tasklets stay blocked; closed = closing and balance 0. */
TEST(channel_close) {
    void *v;
    setup_channel(-1);
    spawn(send_one, "a");
    ASSERT_OK(slp_run());
    ASSERT_OK(slp_channel_close(ch));
    ASSERT_EQ(slp_channel_closing(ch), 1);
    ASSERT_EQ(slp_channel_closed(ch), 0); /* a sender still waits */
    ASSERT_EQ(slp_channel_balance(ch), 1);
    ASSERT_ERR(slp_channel_send(ch, "x"), SLP_ECLOSED);
    ASSERT_EQ(slp_channel_balance(ch), 1);
    ASSERT_OK(slp_channel_receive(ch, &v));
    ASSERT_STR(v, "a");
    ASSERT_EQ(slp_channel_closed(ch), 1);
    ASSERT_ERR(slp_channel_receive(ch, &v), SLP_ECLOSED);
    ASSERT_OK(slp_channel_open(ch));
    ASSERT_EQ(slp_channel_closing(ch), 0);
    ASSERT_EQ(slp_channel_closed(ch), 0);
}

TEST(channel_send_throw) {
    setup_channel(-1);
    spawn(recv_one, "r");
    ASSERT_OK(slp_run());
    ASSERT_ERR(slp_channel_send_throw(ch, 3, NULL), SLP_EINVAL);
    ASSERT_OK(slp_channel_send_throw(ch, SLP_EUSER - 1, NULL));
    ASSERT_LOG("r:SLP_EUSER");
    ASSERT_EQ(slp_channel_balance(ch), 0);
}

static int throw_sender(void *arg) {
    int r = slp_channel_send_throw(ch, SLP_EUSER - 2, arg);
    EV("thrower:%d", r);
    return 0;
}

TEST(channel_blocked_sender_of_error) {
    static int payload = 7;
    void *v = NULL;
    setup_channel(-1);
    spawn(throw_sender, &payload);
    /* §3.3: main, revived by the sender that blocked, gets its error */
    ASSERT_ERR(slp_run(), SLP_EUSER - 2);
    ASSERT(slp_tasklet_value(slp_getmain()) == &payload);
    ASSERT_EQ(slp_channel_balance(ch), 1);
    ASSERT_ERR(slp_channel_receive(ch, &v), SLP_EUSER - 2);
    ASSERT(v == &payload);
    ASSERT_OK(slp_run());
    ASSERT_LOG("thrower:0");
}

/* schedule_all: after a successful action the partner goes to the end of
 * the queue and the actor yields to its next (without it, preference -1
 * would run the receiver first). */
TEST(channel_schedule_all) {
    setup_channel(-1);
    ASSERT_EQ(slp_channel_set_schedule_all(ch, 5), 0);
    ASSERT_EQ(slp_channel_schedule_all(ch), 1);
    spawn(recv_one, "r");
    ASSERT_OK(slp_run());
    spawn(named, "u");
    ASSERT_OK(slp_channel_send(ch, "x"));
    EV("main");
    ASSERT_LOG("u r<x main");
}

/* §3.3 rule 3: the last runnable tasklet cannot block; the block is undone. */
TEST(channel_deadlock_on_main) {
    void *v;
    setup_channel(-1);
    ASSERT_ERR(slp_channel_receive(ch, &v), SLP_EDEADLOCK);
    ASSERT_EQ(slp_channel_balance(ch), 0);
    ASSERT_ERR(slp_channel_send(ch, "x"), SLP_EDEADLOCK);
    ASSERT_EQ(slp_channel_balance(ch), 0);
    ASSERT_EQ(slp_getruncount(), 1);
    /* §3.3 rule 1: main is the floating watchdog, revived: no deadlock */
    ASSERT_OK(slp_schedule_remove());
    ASSERT_EQ(slp_getruncount(), 1);
}

static int lonely(void *arg) {
    void *v;
    int r = slp_channel_receive(ch, &v);
    EV("%s:%s", (const char *)arg, slp_err_name(r));
    r = slp_channel_receive(ch, &v); /* blocks again: a kill is raised once */
    EV("%s:%s", (const char *)arg, slp_err_name(r));
    return 0;
}

/* §3.3 rule 1: run() returns when its last tasklet blocks; no error. */
TEST(channel_lone_receive_returns_from_run) {
    slp_tasklet t;
    setup_channel(-1);
    t = spawn(lonely, "t");
    ASSERT_OK(slp_run());
    ASSERT_EQ(slp_tasklet_blocked(t), SLP_BLOCKED_RECEIVING);
    ASSERT_EQ(slp_channel_balance(ch), -1);
    ASSERT_OK(slp_tasklet_kill(t, 0));
    ASSERT_LOG("t:SLP_EEXIT");
    ASSERT_EQ(slp_tasklet_blocked(t), SLP_BLOCKED_RECEIVING);
    ASSERT_OK(slp_tasklet_kill(t, 0));
    ASSERT_LOG("t:SLP_EEXIT t:SLP_EEXIT");
    ASSERT_EQ(slp_tasklet_alive(t), 0);
}

static slp_channel other;
static int helper_ends(void *arg) {
    (void)arg;
    EV("helper");
    return 0;
}

/* §2.4: a tasklet ends while main is blocked and nothing else can run:
 * main gets "receiving without a sender". */
TEST(channel_main_gets_no_sender) {
    void *v;
    setup_channel(-1);
    spawn(helper_ends, NULL);
    ASSERT_ERR(slp_channel_receive(ch, &v), SLP_ENOSENDER);
    ASSERT_EQ(slp_channel_balance(ch), 0);
    spawn(helper_ends, NULL);
    ASSERT_ERR(slp_channel_send(ch, "x"), SLP_ENORECEIVER);
    ASSERT_LOG("helper helper");
    ASSERT_OK(slp_channel_new(&other));
}

static int failing_sender(void *arg) {
    (void)arg;
    return SLP_EUSER - 4;
}

/* An uncaught error goes to main even while it is blocked on a channel. */
TEST(channel_main_blocked_gets_uncaught_error) {
    void *v;
    setup_channel(-1);
    spawn(failing_sender, NULL);
    ASSERT_ERR(slp_channel_receive(ch, &v), SLP_EUSER - 4);
    ASSERT_EQ(slp_channel_balance(ch), 0);
}

static int pinger(void *arg) {
    slp_channel *chans = arg;
    void *v;
    int i;
    for (i = 0; i < 5; i++) {
        ASSERT_OK(slp_channel_send(chans[0], (void *)(intptr_t)i));
        ASSERT_OK(slp_channel_receive(chans[1], &v));
        EV("pong%d", (int)(intptr_t)v);
    }
    return 0;
}

static int ponger(void *arg) {
    slp_channel *chans = arg;
    void *v;
    int i;
    for (i = 0; i < 5; i++) {
        ASSERT_OK(slp_channel_receive(chans[0], &v));
        EV("ping%d", (int)(intptr_t)v);
        ASSERT_OK(slp_channel_send(chans[1], (void *)((intptr_t)v * 10)));
    }
    return 0;
}

TEST(channel_ping_pong) {
    static slp_channel chans[2];
    ASSERT_OK(slp_channel_new(&chans[0]));
    ASSERT_OK(slp_channel_new(&chans[1]));
    spawn(ponger, chans);
    spawn(pinger, chans);
    ASSERT_OK(slp_run());
    ASSERT_LOG("ping0 pong0 ping1 pong10 ping2 pong20 ping3 pong30 ping4 pong40");
}

/* A released channel lives while tasklets wait on it. */
TEST(channel_release_with_waiters) {
    slp_tasklet t;
    setup_channel(-1);
    t = spawn(recv_one, "r");
    ASSERT_OK(slp_run());
    ASSERT_OK(slp_channel_release(ch));
    ASSERT_EQ(slp_channel_balance(ch), -1); /* still valid */
    ASSERT_OK(slp_tasklet_kill(t, 0));
    ASSERT_EQ(slp_channel_balance(ch), SLP_BALANCE_BADHANDLE);
    ASSERT_LOG("r:SLP_EEXIT");
}

static void *got_value;
static int recv_keep(void *arg) {
    int r;
    (void)arg;
    r = slp_channel_receive(ch, &got_value);
    EV("receive:%s", slp_err_name(r));
    return 0;
}

/* A kill after the hand-over keeps the value for the receiver to free. */
TEST(channel_kill_after_handoff_keeps_value) {
    slp_tasklet r;
    setup_channel(1); /* the sender continues: the receiver has not run yet */
    r = spawn(recv_keep, NULL);
    ASSERT_OK(slp_run());
    ASSERT_OK(slp_channel_send(ch, "payload"));
    ASSERT_EQ(slp_tasklet_blocked(r), 0);
    ASSERT_OK(slp_tasklet_kill(r, 0));
    ASSERT_LOG("receive:SLP_EEXIT");
    ASSERT_STR(got_value, "payload");
}

/* block_trap: an action that would block fails (before the closing check);
 * one that finds a partner works (reference §2.1 block_trap, §4.1 send). */
static int trapped_send(void *arg) {
    slp_tasklet self = slp_getcurrent();
    ASSERT_EQ(slp_tasklet_set_block_trap(self, 1), 0);
    EV("send:%s", slp_err_name(slp_channel_send(ch, arg))); /* nobody waits */
    return 0;
}

TEST(channel_block_trap) {
    slp_tasklet m = slp_getmain(), t;
    void *v = NULL;
    setup_channel(-1);
    ASSERT_EQ(slp_tasklet_block_trap(m), 0);
    ASSERT_EQ(slp_tasklet_set_block_trap(m, 1), 0);
    ASSERT_EQ(slp_tasklet_block_trap(m), 1);
    ASSERT_ERR(slp_channel_receive(ch, &v), SLP_EBLOCKTRAP);
    ASSERT_EQ(slp_channel_balance(ch), 0); /* nothing changed */
    t = spawn(trapped_send, "a");
    ASSERT_OK(slp_run());
    ASSERT_EQ(slp_tasklet_alive(t), 0);
    ASSERT_LOG("send:SLP_EBLOCKTRAP");
    /* A partner waits: the trapped main's receive works. */
    spawn(send_one, "b");
    ASSERT_OK(slp_run());
    ASSERT_EQ(slp_channel_balance(ch), 1);
    ASSERT_OK(slp_channel_receive(ch, &v));
    ASSERT_STR((const char *)v, "b");
    /* The trap is checked before the channel's closing. */
    ASSERT_OK(slp_channel_close(ch));
    ASSERT_ERR(slp_channel_receive(ch, &v), SLP_EBLOCKTRAP);
    ASSERT_EQ(slp_tasklet_set_block_trap(m, 0), 1);
    ASSERT_ERR(slp_channel_receive(ch, &v), SLP_ECLOSED);
    ASSERT_ERR(slp_tasklet_set_block_trap(0, 1), SLP_EBADHANDLE);
    ASSERT_ERR(slp_tasklet_block_trap(0), SLP_EBADHANDLE);
}
