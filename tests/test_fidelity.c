/* test_fidelity.c -- places where the runtime once differed from Stackless
 * 3.7 (issues 11 and 18): each test asserts what Stackless does, in its
 * order, with its errors.  Where a Stackless unit test shows the behaviour
 * its name is given (Stackless/unittests/test_*.py). */
#include <stdint.h>

#include "test.h"

static slp_channel ch, out;

static const char *name(int r) { return slp_err_name(r); }

/* Keeps its argument's address: the local it points to then lives on the
 * C shadow stack in the wasm builds (C state). */
static void *volatile kept;
static __attribute__((noinline)) void keep(void *p) { kept = p; }

/* ---- issue 11 (4): TaskletExit is raised once, not for ever ---------- */

/* Handles TaskletExit, then goes on: yields, sends a last message, stays
 * suspended; a second kill ends it.  (test_miscell
 * TestTaskletFinalizer.test_zombie: a tasklet catches TaskletExit and
 * schedule_remove()s again.) */
static int goes_on(void *arg) {
    void *v;
    int r;
    (void)arg;
    r = slp_channel_receive(ch, &v);
    EV("A:recv:%s", name(r));
    EV("A:schedule:%s", name(slp_schedule()));
    r = slp_channel_send(out, "bye"); /* nobody waits: blocks */
    EV("A:send:%s", name(r));
    r = slp_schedule_remove();
    EV("A:remove:%s", name(r));
    return r;
}

TEST(fidelity_kill_raised_once) {
    slp_tasklet a;
    void *v = NULL;
    ASSERT_OK(slp_channel_new(&ch));
    ASSERT_OK(slp_channel_new(&out));
    a = spawn(goes_on, NULL);
    ASSERT_OK(slp_run());
    ASSERT_EQ(slp_tasklet_blocked(a), SLP_BLOCKED_RECEIVING);
    ASSERT_OK(slp_tasklet_kill(a, 0)); /* A yields: main's turn */
    ASSERT_LOG("A:recv:SLP_EEXIT");
    ASSERT_EQ(slp_tasklet_scheduled(a), 1);
    ASSERT_OK(slp_channel_receive(out, &v)); /* A sends its last message */
    ASSERT_STR((const char *)v, "bye");
    ASSERT_LOG("A:recv:SLP_EEXIT A:schedule:SLP_OK");
    ASSERT_OK(slp_run());
    ASSERT_LOG("A:recv:SLP_EEXIT A:schedule:SLP_OK A:send:SLP_OK");
    ASSERT_EQ(slp_tasklet_paused(a), 1);
    ASSERT_OK(slp_tasklet_kill(a, 0));
    ASSERT_LOG("A:recv:SLP_EEXIT A:schedule:SLP_OK A:send:SLP_OK "
               "A:remove:SLP_EEXIT");
    ASSERT_EQ(slp_tasklet_alive(a), 0);
    ASSERT_EQ(slp_tasklet_result(a), SLP_EEXIT);
}

static int kills_itself(void *arg) {
    (void)arg;
    EV("kill:%s", name(slp_tasklet_kill(slp_getcurrent(), 0)));
    EV("run:%s", name(slp_run()));            /* nothing else: returns */
    EV("schedule:%s", name(slp_schedule()));
    EV("send:%s", name(slp_channel_send(ch, "x"))); /* main takes it */
    return 0;
}

/* Killing the current tasklet raises TaskletExit in it at once, once. */
TEST(fidelity_kill_self_raised_once) {
    void *v = NULL;
    ASSERT_OK(slp_channel_new(&ch));
    spawn(kills_itself, NULL);
    ASSERT_OK(slp_channel_receive(ch, &v));
    ASSERT_STR((const char *)v, "x");
    ASSERT_OK(slp_run());
    ASSERT_LOG("kill:SLP_EEXIT run:SLP_OK schedule:SLP_OK send:SLP_OK");
}

/* ---- issue 18 (Also): a pending kill replaced by a later throw -------- */

static int receives_twice(void *arg) {
    void *v = NULL;
    int r;
    (void)arg;
    r = slp_channel_receive(ch, &v);
    EV("recv:%s:%s", name(r), v ? (const char *)v : "-");
    EV("schedule:%s", name(slp_schedule()));
    r = slp_channel_receive(ch, &v);
    EV("recv:%s:%s", name(r), v ? (const char *)v : "-");
    return 0;
}

/* The throw replaces the kill in the tasklet's tempval: it never sees
 * TaskletExit and is not killed (its later calls work). */
TEST(fidelity_pending_kill_replaced_by_throw) {
    slp_tasklet t;
    ASSERT_OK(slp_channel_new(&ch));
    t = spawn(receives_twice, NULL);
    ASSERT_OK(slp_run());
    ASSERT_OK(slp_tasklet_kill(t, 1));
    ASSERT_OK(slp_tasklet_throw(t, SLP_EUSER - 5, "why", 1));
    ASSERT_OK(slp_run());
    ASSERT_LOG("recv:SLP_EUSER:why schedule:SLP_OK");
    ASSERT_EQ(slp_tasklet_blocked(t), SLP_BLOCKED_RECEIVING);
    ASSERT_OK(slp_channel_send(ch, "v"));
    ASSERT_LOG("recv:SLP_EUSER:why schedule:SLP_OK recv:SLP_OK:v");
    ASSERT_EQ(slp_tasklet_alive(t), 0);
}

/* ---- issue 11 (3): releasing a paused tasklet with C state ------------- */

static int pauses(void *arg) {
    void *local = NULL;
    int r;
    (void)arg;
    keep(&local); /* C state in the wasm builds */
    EV("paused");
    r = slp_schedule_remove();
    EV("cleanup:%s cur:%d", name(r), slp_getcurrent() != slp_getmain());
    return 0;
}

static int pause_count;
static int refuses_to_die(void *arg) {
    void *local = NULL;
    (void)arg;
    keep(&local);
    while (slp_schedule_remove() == SLP_EEXIT) pause_count++;
    return 0;
}

/* Stackless's tasklet dealloc kills a tasklet with C state (tasklet_finalize
 * -> kill_finally, up to 10 times; test_miscell
 * TestTaskletFinalizer.test_zombie), so its cleanup runs; a soft one is
 * dropped without running anything (tasklets.rst: bind(None) / collection
 * of a soft-switched tasklet). */
TEST(fidelity_release_paused_cstate_kills) {
    slp_tasklet t = spawn(pauses, NULL), z;
    int cstate;
    ASSERT_OK(slp_run());
    ASSERT_EQ(slp_tasklet_paused(t), 1);
    cstate = slp_tasklet_restorable(t) == 0;
#ifdef __wasm__
    ASSERT(cstate); /* keep(&local) put it on the shadow stack */
#endif
    ASSERT_OK(slp_tasklet_release(t));
    ASSERT_ERR(slp_tasklet_alive(t), SLP_EBADHANDLE);
    if (cstate) {
        ASSERT_LOG("paused cleanup:SLP_EEXIT cur:1");
    } else {
        ASSERT_LOG("paused"); /* native: every tasklet is soft */
    }
    /* One that survives 10 kills is kept (Stackless: gc.garbage). */
    z = spawn(refuses_to_die, NULL);
    ASSERT_OK(slp_run());
    cstate = slp_tasklet_restorable(z) == 0;
    ASSERT_OK(slp_tasklet_retain(z)); /* our own look at it afterwards */
    ASSERT_OK(slp_tasklet_release(z));
    ASSERT_OK(slp_tasklet_release(z)); /* the last reference */
    if (cstate) {
        ASSERT_EQ(pause_count, 10);
        ASSERT_EQ(slp_tasklet_paused(z), 1);
        ASSERT_OK(slp_tasklet_insert(z)); /* revived by hand: ends it */
        ASSERT_OK(slp_tasklet_run(z));
        ASSERT_EQ(pause_count, 10);
    } else {
        ASSERT_EQ(pause_count, 0);
        ASSERT_ERR(slp_tasklet_alive(z), SLP_EBADHANDLE);
    }
}

/* ---- issue 18 (2): schedule_remove by the floating watchdog itself ----- */

static int pauses_plainly(void *arg) {
    (void)arg;
    EV("t:remove:%s", name(slp_schedule_remove()));
    return 0;
}

/* §3.3 rule 1: main alone calls schedule_remove: it is the floating
 * watchdog itself, revived -- no Deadlock, no switch (testScheduleRemove:
 * schedule_remove() by the only tasklet returns). */
TEST(fidelity_schedule_remove_alone_revives_self) {
    slp_tasklet t;
    ASSERT_EQ(slp_getruncount(), 1);
    ASSERT_OK(slp_schedule_remove());
    ASSERT_OK(slp_schedule_remove());
    ASSERT_EQ(slp_getruncount(), 1);
    ASSERT_EQ(slp_tasklet_scheduled(slp_getmain()), 1);
    /* A tasklet that does it while main waits in run() revives main. */
    t = spawn(pauses_plainly, NULL);
    ASSERT_OK(slp_run());
    ASSERT_EQ(slp_tasklet_paused(t), 1);
    ASSERT_OK(slp_tasklet_run(t));
    ASSERT_LOG("t:remove:SLP_OK");
}

/* ---- issue 18 (3): the revived watchdog gets the blocked error --------- */

static int throws_and_blocks(void *arg) {
    int r = slp_channel_send_throw(ch, (int)(intptr_t)arg, "payload");
    EV("sender:%s", name(r));
    return 0;
}

static int nested_runner(void *arg) {
    int r;
    (void)arg;
    spawn(throws_and_blocks, (void *)(intptr_t)(SLP_EUSER - 3));
    r = slp_run();
    EV("inner run:%s value:%s", name(r),
       (const char *)slp_tasklet_value(slp_getcurrent()));
    return 0;
}

/* schedule_task_block: "emulate old revive_main behavior: passing a value
 * only if it is an exception" -- the bomb a sender blocked with is raised
 * in the revived main (run, schedule_remove, switch) or run() caller, and
 * stays with the sender for its receiver. */
TEST(fidelity_revived_watchdog_gets_blocked_error) {
    void *v = NULL;
    slp_tasklet t;
    ASSERT_OK(slp_channel_new(&ch));
    /* main in run() */
    spawn(throws_and_blocks, (void *)(intptr_t)(SLP_EUSER - 1));
    ASSERT_ERR(slp_run(), SLP_EUSER - 1);
    ASSERT_STR((const char *)slp_tasklet_value(slp_getmain()), "payload");
    ASSERT_EQ(slp_channel_balance(ch), 1);
    ASSERT_ERR(slp_channel_receive(ch, &v), SLP_EUSER - 1);
    ASSERT_STR((const char *)v, "payload");
    ASSERT_OK(slp_run());
    ASSERT_LOG("sender:SLP_OK");
    test_log_clear();
    /* main in schedule_remove(), then in switch(); TaskletExit too */
    spawn(throws_and_blocks, (void *)(intptr_t)SLP_EEXIT);
    ASSERT_ERR(slp_schedule_remove(), SLP_EEXIT);
    ASSERT_EQ(slp_tasklet_scheduled(slp_getmain()), 1);
    t = spawn(throws_and_blocks, (void *)(intptr_t)(SLP_EUSER - 2));
    ASSERT_OK(slp_tasklet_remove(t));
    ASSERT_ERR(slp_tasklet_switch(t), SLP_EUSER - 2);
    ASSERT_EQ(slp_channel_balance(ch), 2);
    ASSERT_ERR(slp_channel_receive(ch, &v), SLP_EEXIT);
    ASSERT_ERR(slp_channel_receive(ch, &v), SLP_EUSER - 2);
    ASSERT_OK(slp_run());
    ASSERT_LOG("sender:SLP_OK sender:SLP_OK");
    test_log_clear();
    /* a tasklet in a nested run() */
    spawn(nested_runner, NULL);
    ASSERT_OK(slp_run());
    ASSERT_LOG("inner run:SLP_EUSER value:payload");
    ASSERT_EQ(slp_channel_balance(ch), 1);
    ASSERT_ERR(slp_channel_receive(ch, &v), SLP_EUSER - 3);
}

/* ---- issue 18 (4): Deadlock comes before switch_trap ------------------- */

/* With nothing else runnable a blocking action fails with Deadlock: no
 * switch, so nothing for the trap to refuse.  With a tasklet to switch to
 * the trap refuses, and the block is undone (§4.3). */
TEST(fidelity_deadlock_before_switch_trap) {
    void *v = NULL;
    slp_tasklet t;
    ASSERT_OK(slp_channel_new(&ch));
    ASSERT_EQ(slp_switch_trap(1), 0);
    ASSERT_ERR(slp_channel_receive(ch, &v), SLP_EDEADLOCK);
    ASSERT_ERR(slp_channel_send(ch, "x"), SLP_EDEADLOCK);
    ASSERT_EQ(slp_channel_balance(ch), 0);
    t = spawn(named, "t");
    ASSERT_ERR(slp_channel_receive(ch, &v), SLP_ESWITCHTRAP);
    ASSERT_EQ(slp_channel_balance(ch), 0);
    ASSERT_EQ(slp_getruncount(), 2);
    ASSERT_EQ(slp_tasklet_is_current(slp_getmain()), 1);
    ASSERT_EQ(slp_switch_trap(-1), 1);
    ASSERT_OK(slp_run());
    ASSERT_LOG("t");
    ASSERT_EQ(slp_tasklet_alive(t), 0);
}

/* ---- issue 18 (5): switch_trap when schedule_remove revives main ------- */

static int removes_under_trap(void *arg) {
    int r;
    (void)arg;
    slp_switch_trap(1);
    r = slp_schedule_remove(); /* reviving main is a switch */
    EV("remove:%s rc:%d", name(r), slp_getruncount());
    slp_switch_trap(-1);
    return 0;
}

TEST(fidelity_switch_trap_refuses_revival) {
    slp_tasklet t = spawn(removes_under_trap, NULL);
    ASSERT_OK(slp_run());
    ASSERT_LOG("remove:SLP_ESWITCHTRAP rc:1");
    ASSERT_EQ(slp_tasklet_alive(t), 0);
}

/* ---- issue 18 (6): a refused throw leaves the target as it was --------- */

static slp_tasklet main_t;
static int throws_under_trap(void *arg) {
    (void)arg;
    slp_switch_trap(1);
    EV("A:%s", name(slp_tasklet_throw(main_t, SLP_EUSER - 2, NULL, 0)));
    slp_switch_trap(-1);
    return 0;
}

static int takes_value(void *arg) {
    void *v = NULL;
    int r = slp_channel_receive(ch, &v);
    (void)arg;
    EV("B:%s:%d", name(r), (int)(intptr_t)v);
    return 0;
}

TEST(fidelity_refused_throw_keeps_send_value) {
    ASSERT_OK(slp_channel_new(&ch));
    main_t = slp_getmain();
    spawn(throws_under_trap, NULL);
    spawn(takes_value, NULL);
    ASSERT_OK(slp_channel_send(ch, (void *)(intptr_t)8));
    ASSERT_LOG("A:SLP_ESWITCHTRAP B:SLP_OK:8");
}

/* ---- issue 11, Also: handles ------------------------------------------- */

/* More objects alive at once than the old 2^21 slots. */
TEST(fidelity_handles_many_live) {
    enum { N = (1 << 21) + 4096 };
    slp_channel *hs = malloc(N * sizeof *hs);
    int i;
    ASSERT(hs != NULL);
    for (i = 0; i < N; i++) ASSERT_OK(slp_channel_new(&hs[i]));
    ASSERT_EQ(slp_channel_balance(hs[0]), 0);
    ASSERT_EQ(slp_channel_set_preference(hs[N - 1], 1), -1);
    ASSERT_EQ(slp_channel_preference(hs[N - 1]), 1);
    for (i = 0; i < N; i++) ASSERT_OK(slp_channel_release(hs[i]));
    ASSERT_ERR(slp_channel_release(hs[N / 2]), SLP_EBADHANDLE);
    free(hs);
}

/* A released handle stays invalid while its slot is taken again and again
 * (the old LIFO free list with 11 generation bits gave the same handle
 * back after 2047 rounds). */
TEST(fidelity_handles_stale_after_reuse) {
    slp_tasklet t, u;
    slp_channel c;
    int i;
    ASSERT_OK(slp_tasklet_new(&t));
    ASSERT_OK(slp_tasklet_release(t));
    for (i = 0; i < 1000000; i++) {
        ASSERT_OK(slp_channel_new(&c));
        ASSERT(c != t);
        ASSERT_OK(slp_channel_release(c));
        ASSERT_OK(slp_tasklet_new(&u));
        ASSERT(u != t);
        ASSERT_OK(slp_tasklet_release(u));
    }
    ASSERT_ERR(slp_tasklet_alive(t), SLP_EBADHANDLE);
    ASSERT_ERR(slp_tasklet_release(t), SLP_EBADHANDLE);
    ASSERT_ERR(slp_channel_balance(c), SLP_BALANCE_BADHANDLE);
}

/* ---- threads: issue 11 (2), (5), (6) ------------------------------------ */

static void *soft_slot;
static slp_tasklet orphan, other_main, temp_main;
static volatile int cstate_seen = -1;

static __attribute__((noinline)) int log_resumed(int r) {
    EV("orphan resumed:%s", name(r));
    return 0;
}

/* Soft in every build: no address-taken local, no variadic call here. */
static int soft_receiver(void *arg) {
    (void)arg;
    return log_resumed(slp_channel_receive(ch, &soft_slot));
}

static int leaves_orphan(void *arg) {
    (void)arg;
    orphan = spawn(soft_receiver, NULL);
    ASSERT_OK(slp_run());
    ASSERT_EQ(slp_tasklet_restorable(orphan), 1);
    return 0; /* the thread dies; the blocked tasklet stops */
}

/* A tasklet whose thread died: any throw, TaskletExit included, fails with
 * "tasklet has no thread" and changes nothing; only kill() ends it
 * (test_miscell _test_kill_without_thread_state, test_thread
 * test_methods_on_dead). */
TEST(fidelity_threadless_throw_refused) {
    int id;
    ASSERT_OK(slp_channel_new(&ch));
    ASSERT_OK(slp_thread_start(&id, leaves_orphan, NULL));
    ASSERT_OK(slp_thread_join(id, NULL));
    ASSERT_EQ(slp_tasklet_thread_id(orphan), -1);
    ASSERT_EQ(slp_tasklet_blocked(orphan), SLP_BLOCKED_RECEIVING);
    ASSERT_ERR(slp_tasklet_throw(orphan, SLP_EEXIT, NULL, 1), SLP_ENOTHREAD);
    ASSERT_ERR(slp_tasklet_throw(orphan, SLP_EEXIT, NULL, 0), SLP_ENOTHREAD);
    ASSERT_ERR(slp_tasklet_throw(orphan, SLP_EUSER, NULL, 0), SLP_ENOTHREAD);
    ASSERT_EQ(slp_tasklet_blocked(orphan), SLP_BLOCKED_RECEIVING);
    ASSERT_EQ(slp_channel_balance(ch), -1);
    ASSERT_EQ(slp_tasklet_restorable(orphan), 1);
    ASSERT_OK(slp_tasklet_kill(orphan, 1));
    ASSERT_EQ(slp_tasklet_blocked(orphan), 0);
    ASSERT_EQ(slp_tasklet_scheduled(orphan), 0);
    ASSERT_EQ(slp_tasklet_alive(orphan), 0);
    ASSERT_EQ(slp_channel_balance(ch), 0);
    /* Dead now: TaskletExit is a no-op, anything else finds no thread. */
    ASSERT_OK(slp_tasklet_throw(orphan, SLP_EEXIT, NULL, 0));
    ASSERT_ERR(slp_tasklet_throw(orphan, SLP_EUSER, NULL, 0), SLP_ENOTHREAD);
    ASSERT_OK(slp_tasklet_kill(orphan, 0));
    ASSERT_LOG("");
}

/* Inside a tasklet killed at its thread's end: who is main now? */
static __attribute__((noinline)) void observe(const char *who, int r) {
    slp_tasklet m = slp_getmain();
    if (!temp_main) temp_main = m;
    EV("%s:%s new-main:%d same:%d is-main:%d old-is-main:%d old-alive:%d "
       "not-main:%d", who, name(r), m != other_main, m == temp_main,
       slp_tasklet_is_main(m), slp_tasklet_is_main(other_main),
       slp_tasklet_alive(other_main), slp_getcurrent() != m);
}

static int cstate_cleanup(void *arg) {
    void *local = NULL;
    int r;
    (void)arg;
    keep(&local); /* C state in the wasm builds: killed at thread end */
    r = slp_channel_receive(ch, &local);
    observe("cleanup", r);
    return 0;
}

/* Sits inside slp_run() when its thread ends: C state in every build
 * (Stackless nests the interpreter there). */
static int waits_in_run(void *arg) {
    (void)arg;
    observe("runner", slp_run());
    return 0;
}

static slp_tasklet cleaner, runner;
static int thread_with_cstate(void *arg) {
    (void)arg;
    other_main = slp_getmain();
    ASSERT_OK(slp_tasklet_retain(other_main)); /* outlives the thread */
    cleaner = spawn(cstate_cleanup, NULL);
    ASSERT_OK(slp_run()); /* cleaner blocks */
    runner = spawn(waits_in_run, NULL);
    ASSERT_OK(slp_schedule()); /* runner enters slp_run: main goes on */
    ASSERT_EQ(slp_tasklet_restorable(runner), 0);
    __atomic_store_n(&cstate_seen, slp_tasklet_restorable(cleaner) == 0,
                     __ATOMIC_SEQ_CST);
    return 0;
}

/* Thread end kills tasklets with C state, each once, under a fresh
 * temporary main: inside the dying tasklet getmain() is not the thread's
 * main, which is not alive any more (test_shutdown TestThreadShutdown:
 * main_during_kill is not main_other_thread, nor current, nor the
 * tasklet).  Soft ones simply stop. */
TEST(fidelity_thread_end_kills_under_temporary_main) {
    int id;
    static const char *obs =
        ":SLP_EEXIT new-main:1 same:1 is-main:1 old-is-main:0 old-alive:0 "
        "not-main:1";
    char want[512];
    ASSERT_OK(slp_channel_new(&ch));
    ASSERT_OK(slp_thread_start(&id, thread_with_cstate, NULL));
    ASSERT_OK(slp_thread_join(id, NULL));
    ASSERT_EQ(slp_tasklet_thread_id(other_main), -1);
    ASSERT_EQ(slp_tasklet_alive(other_main), 0);
    ASSERT(temp_main != 0 && temp_main != other_main);
    ASSERT(temp_main != runner && temp_main != cleaner);
    ASSERT_ERR(slp_tasklet_alive(temp_main), SLP_EBADHANDLE); /* freed */
    ASSERT_EQ(slp_tasklet_alive(runner), 0);
#ifdef __wasm__
    ASSERT_EQ(cstate_seen, 1);
#endif
    if (cstate_seen) { /* newest first */
        snprintf(want, sizeof want, "runner%s cleanup%s", obs, obs);
        ASSERT_LOG(want);
        ASSERT_EQ(slp_channel_balance(ch), 0);
        ASSERT_EQ(slp_tasklet_alive(cleaner), 0);
    } else { /* native: soft, it simply stops, blocked */
        snprintf(want, sizeof want, "runner%s", obs);
        ASSERT_LOG(want);
        ASSERT_EQ(slp_tasklet_blocked(cleaner), SLP_BLOCKED_RECEIVING);
        ASSERT_EQ(slp_tasklet_thread_id(cleaner), -1);
    }
    ASSERT_OK(slp_tasklet_release(other_main));
    ASSERT_ERR(slp_tasklet_alive(other_main), SLP_EBADHANDLE);
}

static volatile int main_seen;
static int holds_its_main(void *arg) {
    slp_tasklet m = slp_getmain();
    (void)arg;
    ASSERT_OK(slp_tasklet_retain(m));
    other_main = m;
    __atomic_store_n(&main_seen, 1, __ATOMIC_SEQ_CST);
    while (__atomic_load_n(&main_seen, __ATOMIC_SEQ_CST) != 2) nap_ms(1);
    return 0;
}

/* A thread's main tasklet outlives its thread while someone holds it:
 * thread_id -1 and not alive, like any other tasklet of that thread. */
TEST(fidelity_main_outlives_thread) {
    int id;
    ASSERT_OK(slp_thread_start(&id, holds_its_main, NULL));
    while (!__atomic_load_n(&main_seen, __ATOMIC_SEQ_CST)) nap_ms(1);
    ASSERT_EQ(slp_tasklet_thread_id(other_main), id);
    ASSERT_EQ(slp_tasklet_is_main(other_main), 1);
    ASSERT_EQ(slp_tasklet_alive(other_main), 1);
    ASSERT_OK(slp_tasklet_retain(other_main)); /* from here too */
    __atomic_store_n(&main_seen, 2, __ATOMIC_SEQ_CST);
    ASSERT_OK(slp_thread_join(id, NULL));
    ASSERT_EQ(slp_tasklet_thread_id(other_main), -1);
    ASSERT_EQ(slp_tasklet_alive(other_main), 0);
    ASSERT_EQ(slp_tasklet_is_main(other_main), 0);
    ASSERT_EQ(slp_tasklet_is_current(other_main), 0);
    ASSERT_EQ(slp_tasklet_scheduled(other_main), 0);
    ASSERT_ERR(slp_tasklet_throw(other_main, SLP_EUSER, NULL, 0), SLP_ENOTHREAD);
    ASSERT_OK(slp_tasklet_release(other_main));
    ASSERT_OK(slp_tasklet_alive(other_main)); /* 0: still held once */
    ASSERT_OK(slp_tasklet_release(other_main));
    ASSERT_ERR(slp_tasklet_alive(other_main), SLP_EBADHANDLE);
}
