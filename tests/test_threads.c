/* test_threads.c -- a scheduler per thread, channels across threads,
 * operations on another thread's tasklets, sleeping, deadlock, thread
 * death and shutdown (reference §5, §3.3). */
#include <time.h>
#include <unistd.h>

#include "test.h"

static volatile int flag;
static void flag_set(int v) { __atomic_store_n(&flag, v, __ATOMIC_SEQ_CST); }
static void flag_wait(int v) {
    while (__atomic_load_n(&flag, __ATOMIC_SEQ_CST) != v) nap_ms(1);
}

/* ---- the seed's first example: a scheduler per thread -------------- */

static int second_runcount, second_id;
static int secondary(void *arg) {
    (void)arg;
    __atomic_store_n(&second_runcount, slp_getruncount(), __ATOMIC_SEQ_CST);
    __atomic_store_n(&second_id, slp_thread_id(), __ATOMIC_SEQ_CST);
    flag_wait(1); /* stay alive until main has looked at the thread list */
    return 0;
}

TEST(thread_scheduler_per_thread) {
    int id, ids[8], n, result = -99;
    slp_tasklet extra = spawn(secondary, NULL); /* a tasklet in main's queue */
    ASSERT_OK(slp_tasklet_remove(extra));
    ASSERT_OK(slp_thread_start(&id, secondary, NULL));
    while (!__atomic_load_n(&second_id, __ATOMIC_SEQ_CST)) nap_ms(1);
    ASSERT_EQ(second_runcount, 1); /* only its own main */
    ASSERT_EQ(second_id, id);
    ASSERT(id != slp_thread_id());
    n = slp_getthreads(ids, 8);
    ASSERT_EQ(n, 2);
    ASSERT_EQ(ids[0], slp_thread_id()); /* main thread first */
    ASSERT_EQ(ids[1], id);
    {
        slp_tasklet m = 0, cur = 0;
        int rc = -1;
        ASSERT_OK(slp_get_thread_info(id, &m, &cur, &rc));
        ASSERT_EQ(rc, 1);
        ASSERT_EQ(m, cur);
        ASSERT_EQ(slp_tasklet_is_main(m), 1);
        ASSERT_EQ(slp_tasklet_thread_id(m), id);
        ASSERT_EQ(slp_tasklet_is_current(m), 1); /* of its own thread */
    }
    ASSERT_ERR(slp_get_thread_info(987654, NULL, NULL, NULL), SLP_EBADTHREAD);
    flag_set(1);
    ASSERT_OK(slp_thread_join(id, &result));
    ASSERT_EQ(result, 0);
    ASSERT_EQ(slp_getthreads(ids, 8), 1);
    ASSERT_ERR(slp_thread_join(id, NULL), SLP_EBADTHREAD);
}

/* ---- the seed's second example: a channel between two schedulers ---- */

static slp_channel command;

static int master_func(void *arg) {
    static const char *cmds[] = {"ECHO 1", "ECHO 2", "ECHO 3", "QUIT"};
    int i;
    (void)arg;
    for (i = 0; i < 4; i++) ASSERT_OK(slp_channel_send(command, (void *)cmds[i]));
    return 0;
}

static int slave_func(void *arg) {
    (void)arg;
    EV("SLAVE STARTING");
    for (;;) {
        void *cmd;
        ASSERT_OK(slp_channel_receive(command, &cmd));
        EV("SLAVE: %s", (const char *)cmd);
        if (strcmp(cmd, "QUIT") == 0) break;
    }
    EV("SLAVE ENDING");
    return 0;
}

/* The seed's scheduler_run(): run until the tasklet has ended. */
static int scheduler_run(void *fn) {
    slp_tasklet t = spawn((slp_func)fn, NULL);
    while (slp_tasklet_alive(t) == 1) ASSERT_OK(slp_run());
    return slp_tasklet_release(t);
}

TEST(thread_channel_between_schedulers) {
    int id;
    ASSERT_OK(slp_channel_new(&command));
    ASSERT_OK(slp_thread_start(&id, scheduler_run, (void *)master_func));
    ASSERT_OK(scheduler_run((void *)slave_func));
    ASSERT_OK(slp_thread_join(id, NULL));
    ASSERT_LOG("SLAVE STARTING SLAVE: ECHO 1 SLAVE: ECHO 2 SLAVE: ECHO 3 "
               "SLAVE: QUIT SLAVE ENDING");
    ASSERT_EQ(slp_channel_balance(command), 0);
}

/* ---- a cross-thread send never switches the sender ------------------ */

static slp_channel ch;
static volatile int received_value;

static int main_receiver(void *arg) {
    void *v;
    (void)arg;
    flag_set(1);
    /* The thread's main blocks with nothing else to run: the thread sleeps
     * until the other thread's send queues it here. */
    ASSERT_OK(slp_channel_receive(ch, &v));
    __atomic_store_n(&received_value, (int)(intptr_t)v, __ATOMIC_SEQ_CST);
    return 0;
}

TEST(thread_send_does_not_switch) {
    int id;
    ASSERT_OK(slp_channel_new(&ch));
    ASSERT_OK(slp_thread_start(&id, main_receiver, NULL));
    flag_wait(1);
    while (slp_channel_balance(ch) != -1) nap_ms(1);
    spawn(named, "local"); /* would run first if the sender switched */
    ASSERT_OK(slp_channel_set_preference(ch, -1) == -1 ? 0 : 1);
    ASSERT_OK(slp_channel_send(ch, (void *)(intptr_t)77));
    EV("sender continues");
    ASSERT_OK(slp_run());
    ASSERT_LOG("sender continues local");
    ASSERT_OK(slp_thread_join(id, NULL));
    ASSERT_EQ(received_value, 77);
}

/* ---- operations on another thread's tasklets ----------------------- */

static slp_channel done;
static slp_tasklet remote_t;

static int waits_for_done(void *arg) {
    void *v;
    int r;
    (void)arg;
    flag_set(1);
    r = slp_channel_receive(done, &v);
    EV("main of B got %s", r ? slp_err_name(r) : (const char *)v);
    return 0;
}

static int reports_thread(void *arg) {
    EV("%s on B=%d", (const char *)arg, slp_thread_id() == slp_tasklet_thread_id(remote_t));
    return slp_channel_send(done, "done");
}

TEST(thread_remote_insert_runs_there) {
    int id;
    ASSERT_OK(slp_channel_new(&done));
    ASSERT_OK(slp_tasklet_new(&remote_t));
    ASSERT_OK(slp_tasklet_bind_args(remote_t, reports_thread, "t"));
    ASSERT_OK(slp_thread_start(&id, waits_for_done, NULL));
    flag_wait(1);
    ASSERT_ERR(slp_tasklet_bind_thread(remote_t, 987654), SLP_EBADTHREAD);
    ASSERT_OK(slp_tasklet_bind_thread(remote_t, id)); /* paused: allowed */
    ASSERT_EQ(slp_tasklet_thread_id(remote_t), id);
    ASSERT_ERR(slp_tasklet_switch(remote_t), SLP_EOTHERTHREAD);
    ASSERT_EQ(slp_getruncount(), 1);
    ASSERT_OK(slp_tasklet_insert(remote_t));
    ASSERT_EQ(slp_getruncount(), 1); /* went to B's queue, not ours */
    ASSERT_OK(slp_thread_join(id, NULL));
    ASSERT_LOG("t on B=1 main of B got done");
}

static int blocked_on_ch(void *arg) {
    void *v;
    int r;
    (void)arg;
    r = slp_channel_receive(ch, &v);
    EV("remote receiver: %s", slp_err_name(r));
    return slp_channel_send(done, "x");
}

static int b_main_runs_tasklet(void *arg) {
    void *v;
    remote_t = spawn(blocked_on_ch, arg);
    ASSERT_OK(slp_run()); /* it blocks; run returns (§3.3 rule 1) */
    flag_set(1);
    ASSERT_OK(slp_channel_receive(done, &v)); /* sleeps until killed there */
    return 0;
}

TEST(thread_kill_remote_blocked) {
    int id;
    ASSERT_OK(slp_channel_new(&ch));
    ASSERT_OK(slp_channel_new(&done));
    ASSERT_OK(slp_thread_start(&id, b_main_runs_tasklet, NULL));
    flag_wait(1);
    ASSERT_EQ(slp_channel_balance(ch), -1);
    ASSERT_EQ(slp_tasklet_blocked(remote_t), SLP_BLOCKED_RECEIVING);
    if (slp_tasklet_restorable(remote_t) == 1) {
        ASSERT_OK(slp_tasklet_bind_thread(remote_t, -1)); /* blocked: allowed */
        ASSERT_OK(slp_tasklet_bind_thread(remote_t, id)); /* and back */
    } else { /* wasm: its frame holds addresses of thread B's stack */
        ASSERT_ERR(slp_tasklet_bind_thread(remote_t, -1), SLP_ECSTATE);
    }
    ASSERT_OK(slp_tasklet_kill(remote_t, 0)); /* pending there; no switch here */
    ASSERT_EQ(slp_channel_balance(ch), 0);
    ASSERT_OK(slp_thread_join(id, NULL));
    ASSERT_LOG("remote receiver: SLP_EEXIT");
}

TEST(thread_bind_runnable_refused) {
    slp_tasklet t = spawn(named, "t");
    ASSERT_ERR(slp_tasklet_bind_thread(t, -1), 0); /* already ours: no-op */
    ASSERT_ERR(slp_tasklet_bind_thread(t, 2), SLP_ERUNNABLE);
    ASSERT_ERR(slp_tasklet_bind_thread(slp_getcurrent(), 2), SLP_ERUNNABLE);
    ASSERT_OK(slp_tasklet_remove(t));
    ASSERT_ERR(slp_tasklet_bind_thread(t, 987654), SLP_EBADTHREAD);
    ASSERT_ERR(slp_tasklet_bind_thread(t, -5), SLP_EBADTHREAD);
}

/* ---- sleeping, not spinning ----------------------------------------- */

static int late_sender(void *arg) {
    (void)arg;
    nap_ms(300);
    return slp_channel_send(ch, "late");
}

TEST(thread_blocked_main_sleeps) {
    int id;
    void *v;
    struct timespec c0, c1;
    ASSERT_OK(slp_channel_new(&ch));
    ASSERT_OK(slp_thread_start(&id, late_sender, NULL));
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    ASSERT_OK(slp_channel_receive(ch, &v)); /* main sleeps ~300 ms */
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    ASSERT_STR(v, "late");
    ASSERT_OK(slp_thread_join(id, NULL));
#ifndef __EMSCRIPTEN__ /* its clocks cannot tell CPU time from wall time */
    {
        long cpu_ms = (c1.tv_sec - c0.tv_sec) * 1000 + (c1.tv_nsec - c0.tv_nsec) / 1000000;
        if (cpu_ms > 100)
            test_fail(__FILE__, __LINE__, "spent %ld ms of CPU waiting 300 ms", cpu_ms);
    }
#endif
}

/* ---- deadlock across threads ----------------------------------------- */

static slp_channel ch1, ch2;
static volatile int b_result;

static int b_waits_on_ch2(void *arg) {
    void *v;
    (void)arg;
    __atomic_store_n(&b_result, slp_channel_receive(ch2, &v), __ATOMIC_SEQ_CST);
    return 0;
}

/* Each thread waits for the other: whichever blocks last gets the error at
 * once; the other is woken with it when nobody is left to wake it. */
TEST(thread_deadlock_between_two) {
    int id, a_result;
    void *v;
    ASSERT_OK(slp_channel_new(&ch1));
    ASSERT_OK(slp_channel_new(&ch2));
    b_result = 1;
    ASSERT_OK(slp_thread_start(&id, b_waits_on_ch2, NULL));
    a_result = slp_channel_receive(ch1, &v);
    ASSERT_OK(slp_thread_join(id, NULL));
    ASSERT_ERR(a_result, SLP_EDEADLOCK);
    ASSERT_ERR(b_result, SLP_EDEADLOCK);
    ASSERT_EQ(slp_channel_balance(ch1), 0);
    ASSERT_EQ(slp_channel_balance(ch2), 0);
}

/* ---- thread death ----------------------------------------------------- */

static void *soft_slot;
static slp_tasklet queued_t, blocked_t;

static __attribute__((noinline)) int log_resumed(int r) {
    EV("soft receiver resumed: %s on thread %d", slp_err_name(r),
       slp_thread_id() == 1 ? 1 : 0);
    return 0;
}

/* No address-taken local and no variadic call of its own: nothing of it
 * lives on the C shadow stack while it waits, so it is soft in every build. */
static int soft_receiver(void *arg) {
    (void)arg;
    return log_resumed(slp_channel_receive(ch, &soft_slot));
}

static int dying_thread(void *arg) {
    (void)arg;
    blocked_t = spawn(soft_receiver, NULL);
    ASSERT_OK(slp_run());
    queued_t = spawn(named, "revived");
    ASSERT_EQ(slp_tasklet_restorable(blocked_t), 1);
    return 0; /* main ends: the thread dies with them */
}

TEST(thread_death_orphans_tasklets) {
    int id;
    ASSERT_OK(slp_channel_new(&ch));
    ASSERT_OK(slp_thread_start(&id, dying_thread, NULL));
    ASSERT_OK(slp_thread_join(id, NULL));
    ASSERT_LOG("");
    /* Soft tasklets simply stop; their thread id is -1. */
    ASSERT_EQ(slp_tasklet_thread_id(blocked_t), -1);
    ASSERT_EQ(slp_tasklet_alive(blocked_t), 0);
    ASSERT_EQ(slp_tasklet_blocked(blocked_t), SLP_BLOCKED_RECEIVING);
    ASSERT_EQ(slp_channel_balance(ch), -1); /* still in its channel */
    ASSERT_EQ(slp_tasklet_thread_id(queued_t), -1);
    ASSERT_EQ(slp_tasklet_scheduled(queued_t), 0);
    /* What works and what does not on them (§5.4). */
    ASSERT_ERR(slp_channel_send(ch, "x"), SLP_ENOTHREAD); /* poisoned */
    ASSERT_EQ(slp_channel_balance(ch), -1);
    ASSERT_ERR(slp_tasklet_insert(queued_t), SLP_ETHREADINIT);
    ASSERT_ERR(slp_tasklet_run(queued_t), SLP_ENOTHREAD);
    ASSERT_ERR(slp_tasklet_switch(queued_t), SLP_ENOTHREAD);
    ASSERT_ERR(slp_tasklet_setup(queued_t), SLP_ENOTHREAD);
    ASSERT_ERR(slp_tasklet_throw(queued_t, SLP_EUSER, NULL, 0), SLP_ENOTHREAD);
    ASSERT_OK(slp_tasklet_remove(queued_t));
    /* bind_thread revives a soft tasklet here; it runs from where it was. */
    ASSERT_OK(slp_tasklet_bind_thread(queued_t, -1));
    ASSERT_EQ(slp_tasklet_thread_id(queued_t), slp_thread_id());
    ASSERT_EQ(slp_tasklet_alive(queued_t), 1);
    ASSERT_OK(slp_tasklet_run(queued_t));
    ASSERT_OK(slp_tasklet_bind_thread(blocked_t, -1));
    ASSERT_EQ(slp_tasklet_alive(blocked_t), 1);
    ASSERT_OK(slp_channel_send(ch, "hello")); /* resumes it here, on main */
    ASSERT_STR(soft_slot, "hello");
    ASSERT_LOG("revived soft receiver resumed: SLP_OK on thread 1");
}

static int killable(void *arg) {
    (void)arg;
    return slp_channel_receive(ch, &soft_slot);
}

static int dies_with_blocked(void *arg) {
    (void)arg;
    blocked_t = spawn(killable, NULL);
    ASSERT_OK(slp_run());
    return 0;
}

TEST(thread_death_kill_orphan) {
    int id;
    ASSERT_OK(slp_channel_new(&ch));
    ASSERT_OK(slp_thread_start(&id, dies_with_blocked, NULL));
    ASSERT_OK(slp_thread_join(id, NULL));
    ASSERT_EQ(slp_channel_balance(ch), -1);
    ASSERT_OK(slp_tasklet_kill(blocked_t, 0)); /* drops it, unblocks */
    ASSERT_EQ(slp_tasklet_blocked(blocked_t), 0);
    ASSERT_EQ(slp_tasklet_scheduled(blocked_t), 0);
    ASSERT_EQ(slp_tasklet_alive(blocked_t), 0);
    ASSERT_EQ(slp_channel_balance(ch), 0); /* the channel works again */
    ASSERT_OK(slp_tasklet_bind(blocked_t, NULL, NULL));
}

static int cstate_receiver(void *arg) {
    void *local; /* address-taken: C state in the wasm build */
    int r = slp_channel_receive(ch, &local);
    (void)arg;
    EV("cstate receiver: %s", slp_err_name(r));
    return 0;
}

static volatile int cstate_restorable = -1;
static int dies_with_cstate(void *arg) {
    (void)arg;
    blocked_t = spawn(cstate_receiver, NULL);
    ASSERT_OK(slp_run());
    __atomic_store_n(&cstate_restorable, slp_tasklet_restorable(blocked_t), __ATOMIC_SEQ_CST);
    return 0;
}

/* A tasklet with C state is killed when its thread dies (run there, so it
 * can unwind); one without simply stops.  Which one a tasklet is depends
 * on the build (see "C state" in stackless.h). */
TEST(thread_death_kills_cstate) {
    int id;
    ASSERT_OK(slp_channel_new(&ch));
    ASSERT_OK(slp_thread_start(&id, dies_with_cstate, NULL));
    ASSERT_OK(slp_thread_join(id, NULL));
    if (cstate_restorable == 0) {
        ASSERT_LOG("cstate receiver: SLP_EEXIT");
        ASSERT_EQ(slp_channel_balance(ch), 0);
        ASSERT_EQ(slp_tasklet_alive(blocked_t), 0);
        ASSERT_EQ(slp_tasklet_blocked(blocked_t), 0);
    } else {
        ASSERT_EQ(cstate_restorable, 1);
        ASSERT_LOG("");
        ASSERT_EQ(slp_channel_balance(ch), -1);
        ASSERT_EQ(slp_tasklet_thread_id(blocked_t), -1);
    }
}

/* ---- shutdown ---------------------------------------------------------- */

static volatile int shutdown_seen;
static int waits_forever(void *arg) {
    void *v;
    int r;
    (void)arg;
    flag_set(1);
    r = slp_channel_receive(ch, &v);
    __atomic_store_n(&shutdown_seen, r, __ATOMIC_SEQ_CST);
    return r;
}

TEST(thread_shutdown_kills_other_mains) {
    int id, result = 0;
    ASSERT_OK(slp_channel_new(&ch));
    ASSERT_OK(slp_thread_start(&id, waits_forever, NULL));
    flag_wait(1);
    while (slp_channel_balance(ch) != -1) nap_ms(1);
    ASSERT_OK(slp_shutdown());
    ASSERT_OK(slp_thread_join(id, &result)); /* joining still works */
    ASSERT_ERR(result, SLP_EEXIT);
    ASSERT_ERR(shutdown_seen, SLP_EEXIT);
    ASSERT_ERR(slp_tasklet_alive(slp_getmain()), SLP_EBADHANDLE);
}

TEST(single_thread_build_refuses_threads) {
    int id;
    ASSERT_ERR(slp_thread_start(&id, named, NULL), SLP_ENOTSUP);
    ASSERT_ERR(slp_thread_join(1, NULL), SLP_ENOTSUP);
    ASSERT_ERR(slp_thread_stop(1), SLP_ENOTSUP);
    ASSERT_EQ(slp_getthreads(NULL, 0), 1);
}

/* ---- stopping a thread from outside (a Web Worker's terminate) -------- */

static slp_tasklet busy_t;
static volatile int busy_calls;
static int busy_caller(void *arg) { /* runs, calling into the runtime */
    (void)arg;
    for (;;) {
        slp_getruncount();
        __atomic_add_fetch(&busy_calls, 1, __ATOMIC_SEQ_CST);
    }
    return 0;
}

static int busy_scheduler(void *arg) { /* alone in its ring: the lone poll */
    (void)arg;
    for (;;) {
        slp_schedule();
        __atomic_add_fetch(&busy_calls, 1, __ATOMIC_SEQ_CST);
    }
    return 0;
}

static int stop_target(void *arg) {
    slp_channel in = *(slp_channel *)arg;
    void *v;
    blocked_t = spawn(soft_receiver, NULL); /* blocks in ch */
    ASSERT_OK(slp_run());
    if (flag) { /* later rounds: stay running, in a tasklet */
        busy_t = spawn(flag == 1 ? busy_caller : busy_scheduler, NULL);
        ASSERT_OK(slp_run());
    }
    return slp_channel_receive(in, &v); /* main sleeps here */
}

static void wait_stopped(int id) {
    int i;
    for (i = 0; i < 5000 && slp_thread_stopped(id) == 0; i++) nap_ms(1);
    ASSERT_EQ(slp_thread_stopped(id), 1);
}

/* slp_thread_stop: a sleeping thread stops at once, a running one at its
 * next call into the runtime; then it is marked dead like a terminated
 * worker (its OS thread stays parked here: nothing ends it natively). */
TEST(thread_stop_then_mark_dead) {
    static slp_channel in;
    int id, id2;
    ASSERT_OK(slp_channel_new(&ch));
    ASSERT_OK(slp_channel_new(&in));
    ASSERT_ERR(slp_thread_stop(slp_thread_id()), SLP_EBADTHREAD);
    ASSERT_ERR(slp_thread_stop(987654), SLP_EBADTHREAD);
    ASSERT_ERR(slp_thread_stopped(slp_thread_id()), SLP_EBADTHREAD);
    /* A sleeping thread: main blocked in `in`, a soft tasklet in `ch`. */
    ASSERT_OK(slp_thread_start(&id, stop_target, &in));
    while (slp_channel_balance(in) != -1) nap_ms(1);
    ASSERT_EQ(slp_thread_stopped(id), 0);
    ASSERT_OK(slp_thread_stop(id));
    wait_stopped(id);
    ASSERT_OK(slp_thread_mark_dead(id));
    ASSERT_ERR(slp_thread_stopped(id), SLP_EBADTHREAD);
    ASSERT_EQ(slp_tasklet_thread_id(blocked_t), -1);
    ASSERT_EQ(slp_tasklet_blocked(blocked_t), SLP_BLOCKED_RECEIVING);
    ASSERT_EQ(slp_getthreads(NULL, 0), 1);
    /* A running thread: its tasklet is stopped in the middle of its work,
     * so it cannot be revived: it is dropped. */
    flag_set(1);
    ASSERT_OK(slp_thread_start(&id2, stop_target, &in));
    while (__atomic_load_n(&busy_calls, __ATOMIC_SEQ_CST) < 100) nap_ms(1);
    ASSERT_OK(slp_thread_stop(id2));
    wait_stopped(id2);
    {
        int calls = __atomic_load_n(&busy_calls, __ATOMIC_SEQ_CST);
        nap_ms(20);
        ASSERT_EQ(__atomic_load_n(&busy_calls, __ATOMIC_SEQ_CST), calls); /* it runs no more */
    }
    ASSERT_EQ(slp_tasklet_alive(busy_t), 1);
    ASSERT_OK(slp_thread_mark_dead(id2));
    ASSERT_EQ(slp_tasklet_alive(busy_t), 0);
    ASSERT_EQ(slp_tasklet_thread_id(busy_t), -1);
    ASSERT_OK(slp_tasklet_bind_thread(busy_t, -1)); /* binds, revives nothing */
    ASSERT_EQ(slp_tasklet_alive(busy_t), 0);
    /* Its soft tasklet still waits in ch, and can be revived here. */
    ASSERT_EQ(slp_channel_balance(ch), -2);
    /* A tasklet alone on its thread, polling with schedule(). */
    flag_set(2);
    __atomic_store_n(&busy_calls, 0, __ATOMIC_SEQ_CST);
    ASSERT_OK(slp_thread_start(&id2, stop_target, &in));
    while (__atomic_load_n(&busy_calls, __ATOMIC_SEQ_CST) < 100) nap_ms(1);
    ASSERT_OK(slp_thread_stop(id2));
    wait_stopped(id2);
    ASSERT_OK(slp_thread_mark_dead(id2));
    ASSERT_EQ(slp_tasklet_alive(busy_t), 0);
}

/* ---- stopped while a tasklet waits last: it is left soft -------------- */

/* The thread's main blocks first (in `in`), so the tasklet that blocks
 * last is the one its thread waits for: a thread stopped then (a Web
 * Worker terminated) must leave it suspended where it was, thread_id -1,
 * revivable with bind_thread (seed: "Soft-switched tasklets simply stop"),
 * not lose it as if it had been running. */
static slp_tasklet sleeper_t;
static volatile int spin_stop;

static int sleeps_long(void *arg) { /* soft, as soft_receiver */
    (void)arg;
    return log_resumed(slp_sleep(3600ull * 1000000000ull));
}

static int spinner(void *arg) {
    (void)arg;
    while (!__atomic_load_n(&spin_stop, __ATOMIC_SEQ_CST)) {
        slp_schedule();
        __atomic_add_fetch(&busy_calls, 1, __ATOMIC_SEQ_CST);
    }
    return log_resumed(0);
}

static int main_blocks_first(void *arg) {
    slp_channel in = *(slp_channel *)arg;
    void *v;
    if (flag == 0) blocked_t = spawn(soft_receiver, NULL);
    if (flag == 1) sleeper_t = spawn(sleeps_long, NULL);
    if (flag == 2) {
        busy_t = spawn(spinner, NULL);
        sleeper_t = spawn(spinner, NULL);
    }
    return slp_channel_receive(in, &v); /* then they run, and block last */
}

static int snap_state(slp_tasklet t) {
    slp_tasklet_info info[64];
    int i, n = slp_snapshot(info, 64);
    for (i = 0; i < n && i < 64; i++)
        if (info[i].handle == t) return info[i].state;
    return -1;
}

static void stop_and_mark_dead(int id) {
    ASSERT_OK(slp_thread_stop(id));
    wait_stopped(id);
    ASSERT_OK(slp_thread_mark_dead(id));
    ASSERT_EQ(slp_getthreads(NULL, 0), 1);
}

TEST(thread_stop_leaves_last_blocker_soft) {
    static slp_channel in;
    int id;
    ASSERT_OK(slp_channel_new(&ch));
    ASSERT_OK(slp_channel_new(&in));
    /* Blocked last on a channel: revived here, the hand-over completes. */
    ASSERT_OK(slp_thread_start(&id, main_blocks_first, &in));
    while (slp_channel_balance(in) != -1 || slp_channel_balance(ch) != -1) nap_ms(1);
    stop_and_mark_dead(id);
    ASSERT_EQ(slp_tasklet_thread_id(blocked_t), -1);
    ASSERT_EQ(slp_tasklet_blocked(blocked_t), SLP_BLOCKED_RECEIVING);
    ASSERT_EQ(slp_tasklet_alive(blocked_t), 0);
    ASSERT_EQ(slp_tasklet_restorable(blocked_t), 1);
    ASSERT_EQ(slp_channel_balance(ch), -1);
    ASSERT_EQ(snap_state(blocked_t), SLP_STATE_NOTHREAD);
    ASSERT_OK(slp_tasklet_bind_thread(blocked_t, -1));
    ASSERT_EQ(slp_tasklet_thread_id(blocked_t), slp_thread_id());
    ASSERT_EQ(slp_tasklet_alive(blocked_t), 1);
    ASSERT_EQ(snap_state(blocked_t), SLP_STATE_BLOCKED_RECV);
    ASSERT_OK(slp_channel_send(ch, "hello")); /* resumes it here, on main */
    ASSERT_STR(soft_slot, "hello");
    ASSERT_LOG("soft receiver resumed: SLP_OK on thread 1");
    ASSERT_EQ(slp_tasklet_alive(blocked_t), 0); /* it ended */
    test_log_clear();
    /* Waiting last for time: it stops, out of the timer heap; revived here
     * it returns from its sleep. */
    flag_set(1);
    ASSERT_OK(slp_channel_new(&in));
    ASSERT_OK(slp_thread_start(&id, main_blocks_first, &in));
    while (slp_channel_balance(in) != -1 || snap_state(sleeper_t) != SLP_STATE_WAITING) nap_ms(1);
    stop_and_mark_dead(id);
    ASSERT_EQ(slp_tasklet_thread_id(sleeper_t), -1);
    ASSERT_EQ(slp_tasklet_alive(sleeper_t), 0);
    ASSERT_EQ(snap_state(sleeper_t), SLP_STATE_NOTHREAD);
    ASSERT_EQ(slp_tasklet_restorable(sleeper_t), 1); /* no C state in slp_sleep */
    ASSERT_OK(slp_tasklet_bind_thread(sleeper_t, -1));
    ASSERT_EQ(slp_tasklet_alive(sleeper_t), 1);
    ASSERT_EQ(slp_tasklet_paused(sleeper_t), 1);
    ASSERT_OK(slp_tasklet_insert(sleeper_t));
    ASSERT_OK(slp_run());
    ASSERT_LOG("soft receiver resumed: SLP_OK on thread 1");
    test_log_clear();
    /* Stopped busy: the running one is dropped, the queued one (started,
     * switched out) stops and is revived here. */
    flag_set(2);
    __atomic_store_n(&busy_calls, 0, __ATOMIC_SEQ_CST);
    ASSERT_OK(slp_channel_new(&in));
    ASSERT_OK(slp_thread_start(&id, main_blocks_first, &in));
    while (__atomic_load_n(&busy_calls, __ATOMIC_SEQ_CST) < 100) nap_ms(1);
    stop_and_mark_dead(id);
    ASSERT_EQ(slp_tasklet_thread_id(busy_t), -1);
    ASSERT_EQ(slp_tasklet_thread_id(sleeper_t), -1);
    ASSERT_OK(slp_tasklet_bind_thread(busy_t, -1));
    ASSERT_OK(slp_tasklet_bind_thread(sleeper_t, -1));
    ASSERT_EQ(slp_tasklet_alive(busy_t) + slp_tasklet_alive(sleeper_t), 1);
    __atomic_store_n(&spin_stop, 1, __ATOMIC_SEQ_CST);
    ASSERT_OK(slp_tasklet_insert(slp_tasklet_alive(busy_t) ? busy_t : sleeper_t));
    ASSERT_OK(slp_run());
    ASSERT_LOG("soft receiver resumed: SLP_OK on thread 1");
}

static volatile int last_blocker_result = 1, first_main_result = 1;
static int receives_ch2(void *arg) {
    void *v;
    (void)arg;
    __atomic_store_n(&last_blocker_result, slp_channel_receive(ch2, &v), __ATOMIC_SEQ_CST);
    return 0;
}

static int main_then_tasklet_block(void *arg) {
    void *v;
    (void)arg;
    spawn(receives_ch2, NULL);
    __atomic_store_n(&first_main_result, slp_channel_receive(ch1, &v), __ATOMIC_SEQ_CST);
    return 0;
}

/* The thread waits for its last blocker (not for main) when the whole
 * program deadlocks: that tasklet's block fails with EDEADLOCK (undone),
 * then main, blocked with nothing left to run here, gets ENOSENDER. */
TEST(thread_deadlock_reaches_last_blocker) {
    int id;
    ASSERT_OK(slp_channel_new(&ch1));
    ASSERT_OK(slp_channel_new(&ch2));
    ASSERT_OK(slp_thread_start(&id, main_then_tasklet_block, NULL));
    while (slp_channel_balance(ch1) != -1 || slp_channel_balance(ch2) != -1) nap_ms(1);
    ASSERT_OK(slp_thread_join(id, NULL)); /* nobody left awake: the alarm */
    ASSERT_ERR(last_blocker_result, SLP_EDEADLOCK);
    ASSERT_ERR(first_main_result, SLP_ENOSENDER);
    ASSERT_EQ(slp_channel_balance(ch1), 0);
    ASSERT_EQ(slp_channel_balance(ch2), 0);
}

/* ---- a thread that may not block (a browser main thread) -------------- */

static slp_channel ch3;
static int late_send_ch(void *arg) {
    (void)arg;
    nap_ms(50);
    return slp_channel_send(ch, "woken");
}

static int recv_and_log(void *arg) {
    void *v;
    int r = slp_channel_receive(ch, &v);
    (void)arg;
    EV("R %s %s", slp_err_name(r), r ? "" : (const char *)v);
    return 0;
}

TEST(thread_nonblocking_waits_on_wake_word) {
    int id;
    void *v;
    const volatile uint32_t *word;
    uint32_t seen;
    ASSERT_OK(slp_channel_new(&ch));
    ASSERT_OK(slp_channel_new(&ch3));
    ASSERT_EQ(slp_thread_set_nonblocking(1), 0);
    spawn(recv_and_log, NULL);
    word = slp_thread_wake_word();
    seen = __atomic_load_n(word, __ATOMIC_ACQUIRE);
    ASSERT_OK(slp_thread_start(&id, late_send_ch, NULL));
    /* Main would have to sleep: it may not, the block is undone. */
    ASSERT_ERR(slp_channel_receive(ch3, &v), SLP_EWOULDBLOCK);
    ASSERT_EQ(slp_channel_balance(ch3), 0);
    ASSERT_OK(slp_run()); /* R blocks; run returns */
    ASSERT_EQ(slp_thread_waiting(), 1);
    ASSERT_EQ(slp_thread_idle(1), 0); /* nothing runnable: wait */
    while (__atomic_load_n(word, __ATOMIC_ACQUIRE) == seen) nap_ms(1); /* as Atomics.waitAsync */
    ASSERT_EQ(slp_thread_idle(0), 0); /* a real wake, not the alarm */
    ASSERT_OK(slp_run());
    ASSERT_LOG("R SLP_OK woken");
    ASSERT_EQ(slp_thread_waiting(), 0);
    ASSERT_OK(slp_thread_join(id, NULL));
}

static int b_sleeps_on_ch3(void *arg) {
    void *v;
    (void)arg;
    __atomic_store_n(&b_result, slp_channel_receive(ch3, &v), __ATOMIC_SEQ_CST);
    return 0;
}

/* The last thread that could wake anybody goes idle: every sleeper (and
 * the idle thread itself) learns of the deadlock. */
TEST(thread_idle_raises_deadlock_alarm) {
    int id;
    ASSERT_OK(slp_channel_new(&ch3));
    ASSERT_OK(slp_thread_set_nonblocking(1) == 0 ? 0 : 1);
    b_result = 1;
    ASSERT_OK(slp_thread_start(&id, b_sleeps_on_ch3, NULL));
    while (slp_channel_balance(ch3) != -1) nap_ms(1); /* B is asleep now */
    ASSERT_EQ(slp_thread_idle(1), 0);
    ASSERT_EQ(slp_thread_idle(0), 1); /* the alarm */
    ASSERT_OK(slp_thread_join(id, NULL));
    ASSERT_ERR(b_result, SLP_EDEADLOCK);
}

/* ---- switch_trap and a wake from another thread ---------------------- */

/* Reference §1 (switch_trap): a switch to self is no switch.  A tasklet
 * that blocks alone on its thread under the trap waits for the other
 * thread (Stackless's thread block takes no trap); the wake makes it
 * current again -- no switch -- so it gets what was sent, not
 * ESWITCHTRAP with the value lost. */
static slp_channel trap_ch;

static int trap_receive(void *arg) {
    void *v = NULL;
    int r;
    ASSERT_EQ(slp_switch_trap(1), 0);
    r = slp_channel_receive(trap_ch, &v);
    ASSERT_EQ(slp_switch_trap(-1), 1);
    EV("%s %s:%s", (char *)arg, slp_err_name(r), v ? (char *)v : "-");
    return 0;
}

static int trap_side(void *arg) {
    slp_tasklet t;
    slp_channel hold = 0;
    if (arg) return trap_receive("B main");
    /* The receiver is a tasklet, alone once B's main waits on a channel
     * nobody sends to (when t ends, main is revived with ENOSENDER). */
    t = spawn(trap_receive, "B tasklet");
    ASSERT_OK(slp_channel_new(&hold));
    ASSERT_ERR(slp_channel_receive(hold, NULL), SLP_ENOSENDER);
    ASSERT_EQ(slp_tasklet_alive(t), 0);
    ASSERT_OK(slp_tasklet_release(t));
    ASSERT_OK(slp_channel_release(hold));
    return 0;
}

TEST(thread_switch_trap_woken_alone) {
    int id, round;
    static const char *sent[2] = {"one", "two"};
    ASSERT_OK(slp_channel_new(&trap_ch));
    for (round = 0; round < 2; round++) {
        ASSERT_OK(slp_thread_start(&id, trap_side, round == 0 ? "main" : NULL));
        while (slp_channel_balance(trap_ch) != -1) nap_ms(1); /* B waits */
        ASSERT_OK(slp_channel_send(trap_ch, (void *)sent[round]));
        ASSERT_OK(slp_thread_join(id, NULL));
    }
    ASSERT_LOG("B main SLP_OK:one B tasklet SLP_OK:two");
}

/* ---- a partner that spins for the wake ------------------------------- */

/* With a long SLP_SPIN_US, B's tasklet spins through every wait (no futex):
 * each wake that leaves it alone in its ring hands it the thread, and it
 * runs on without the lock (scheduler.c: spin_for_wake).  What it received,
 * a throw, and the awake count (deadlock detection) must be as without. */
enum { SPIN_ROUNDS = 2000 };
static slp_channel sp_in, sp_out, sp_hold;
static slp_tasklet sp_rx;

static int spin_echo(void *arg) {
    void *v = NULL;
    int i, r;
    (void)arg;
    for (i = 1; i <= SPIN_ROUNDS; i++) {
        ASSERT_OK(slp_channel_receive(sp_in, &v));
        ASSERT_EQ((intptr_t)v, i);
        ASSERT_OK(slp_channel_send(sp_out, v));
    }
    r = slp_channel_receive(sp_in, &v); /* nobody sends: A throws */
    EV("B receive: %s %s", slp_err_name(r), (char *)slp_tasklet_value(slp_getcurrent()));
    return 0;
}

static int spin_side(void *arg) {
    slp_tasklet t = spawn(spin_echo, arg);
    __atomic_store_n(&sp_rx, t, __ATOMIC_SEQ_CST);
    /* Main waits on a channel nobody sends to, so the tasklet waits alone. */
    while (slp_tasklet_alive(t) == 1) slp_channel_receive(sp_hold, NULL);
    return 0;
}

TEST(thread_spinning_partner_handed_over) {
    int id, i;
    void *v;
    setenv("SLP_SPIN_US", "30000000", 1); /* read by each thread at its first wait */
    ASSERT_OK(slp_channel_new(&sp_in));
    ASSERT_OK(slp_channel_new(&sp_out));
    ASSERT_OK(slp_channel_new(&sp_hold));
    ASSERT_OK(slp_thread_start(&id, spin_side, NULL));
    for (i = 1; i <= SPIN_ROUNDS; i++) {
        ASSERT_OK(slp_channel_send(sp_in, (void *)(intptr_t)i));
        ASSERT_OK(slp_channel_receive(sp_out, &v));
        ASSERT_EQ((intptr_t)v, i);
    }
    while (!__atomic_load_n(&sp_rx, __ATOMIC_SEQ_CST) ||
           slp_tasklet_blocked(sp_rx) != SLP_BLOCKED_RECEIVING)
        nap_ms(1);
    /* B is counted asleep (it blocked, spinning): main is the last awake. */
    ASSERT_ERR(slp_channel_receive(sp_out, &v), SLP_EDEADLOCK);
    ASSERT_OK(slp_tasklet_throw(sp_rx, SLP_EUSER - 7, "bomb", 1));
    ASSERT_OK(slp_thread_join(id, NULL));
    ASSERT_LOG("B receive: SLP_EUSER bomb");
}
