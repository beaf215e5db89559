/* test_tasklet.c -- tasklet life cycle, queue moves, kill/throw, handles
 * (reference §2, §3.2). */
#include "test.h"

static int yielder(void *arg) {
    int i;
    for (i = 0; i < 3; i++) {
        EV("%s%d", (const char *)arg, i);
        ASSERT_OK(slp_schedule());
    }
    return 0;
}

TEST(tasklet_create_is_scheduled) {
    slp_tasklet t = spawn(named, "t");
    ASSERT_EQ(slp_tasklet_alive(t), 1);
    ASSERT_EQ(slp_tasklet_scheduled(t), 1);
    ASSERT_EQ(slp_tasklet_paused(t), 0);
    ASSERT_EQ(slp_tasklet_blocked(t), 0);
    ASSERT_EQ(slp_tasklet_is_main(t), 0);
    ASSERT_EQ(slp_tasklet_is_current(t), 0);
    ASSERT_EQ(slp_tasklet_thread_id(t), slp_thread_id());
    ASSERT_EQ(slp_getruncount(), 2);
    ASSERT_EQ(slp_tasklet_is_main(slp_getmain()), 1);
    ASSERT_EQ(slp_getcurrent(), slp_getmain());
    ASSERT_OK(slp_run());
    ASSERT_LOG("t");
    ASSERT_EQ(slp_tasklet_alive(t), 0);
    ASSERT_EQ(slp_tasklet_scheduled(t), 0);
    ASSERT_EQ(slp_getruncount(), 1);
    ASSERT_OK(slp_tasklet_release(t));
    ASSERT_ERR(slp_tasklet_alive(t), SLP_EBADHANDLE);
}

TEST(schedule_round_robin) {
    spawn(yielder, "A");
    spawn(yielder, "B");
    ASSERT_OK(slp_run());
    ASSERT_LOG("A0 B0 A1 B1 A2 B2");
}

TEST(schedule_alone_returns_at_once) {
    ASSERT_OK(slp_schedule());
    ASSERT_OK(slp_run()); /* empty queue: returns at once */
    ASSERT_EQ(slp_getruncount(), 1);
}

/* §3.2: ring main,t1,t2,t3; t2.run() runs t2, t3, then main; t1 later. */
TEST(tasklet_run_order) {
    slp_tasklet t1 = spawn(named, "t1"), t2 = spawn(named, "t2");
    spawn(named, "t3");
    ASSERT_OK(slp_tasklet_run(t2));
    EV("main");
    ASSERT_OK(slp_run());
    ASSERT_LOG("t2 t3 main t1");
    ASSERT_EQ(slp_tasklet_alive(t1), 0);
}

/* A paused target of run() goes just before the caller: it runs, then the
 * caller resumes at once. */
TEST(tasklet_run_paused_runs_then_caller) {
    slp_tasklet t1 = spawn(named, "t1");
    spawn(named, "t2");
    ASSERT_OK(slp_tasklet_remove(t1));
    ASSERT_EQ(slp_tasklet_paused(t1), 1);
    ASSERT_EQ(slp_getruncount(), 2);
    ASSERT_OK(slp_tasklet_run(t1));
    EV("main");
    ASSERT_OK(slp_run());
    ASSERT_LOG("t1 main t2");
}

static slp_tasklet main_handle;
static int switch_back(void *arg) {
    EV("%s", (const char *)arg);
    ASSERT_EQ(slp_tasklet_paused(main_handle), 1);
    ASSERT_EQ(slp_tasklet_scheduled(main_handle), 0);
    return 0;
}

/* switch() pauses the caller; when the queue empties main is revived. */
TEST(tasklet_switch_pauses_caller) {
    slp_tasklet t = spawn(switch_back, "t");
    spawn(named, "u");
    main_handle = slp_getmain();
    ASSERT_OK(slp_tasklet_switch(t));
    EV("main");
    ASSERT_LOG("t u main");
    ASSERT_OK(slp_tasklet_switch(slp_getcurrent())); /* to self: no-op */
}

TEST(tasklet_remove_insert) {
    slp_tasklet t = spawn(named, "t");
    ASSERT_OK(slp_tasklet_remove(t));
    ASSERT_EQ(slp_tasklet_scheduled(t), 0);
    ASSERT_EQ(slp_tasklet_paused(t), 1);
    ASSERT_EQ(slp_getruncount(), 1);
    ASSERT_OK(slp_tasklet_remove(t)); /* not queued: no-op */
    ASSERT_OK(slp_run());
    ASSERT_LOG("");
    ASSERT_OK(slp_tasklet_insert(t));
    ASSERT_OK(slp_tasklet_insert(t)); /* queued: no-op */
    ASSERT_EQ(slp_getruncount(), 2);
    ASSERT_ERR(slp_tasklet_remove(slp_getcurrent()), SLP_EREMOVECURRENT);
    ASSERT_OK(slp_run());
    ASSERT_LOG("t");
    ASSERT_ERR(slp_tasklet_insert(t), SLP_EDEAD);
    ASSERT_ERR(slp_tasklet_run(t), SLP_EDEAD);
}

/* The life cycle of reference §2.3 and bind's checks in Stackless's order. */
TEST(tasklet_bind_life_cycle) {
    slp_tasklet t;
    ASSERT_OK(slp_tasklet_new(&t));
    ASSERT_EQ(slp_tasklet_alive(t), 0);
    ASSERT_ERR(slp_tasklet_setup(t), SLP_ENOTBOUND);
    ASSERT_OK(slp_tasklet_bind(t, named, "x"));
    ASSERT_EQ(slp_tasklet_alive(t), 0);
    ASSERT_OK(slp_tasklet_bind(t, NULL, NULL)); /* bind(None) */
    ASSERT_ERR(slp_tasklet_setup(t), SLP_ENOTBOUND);
    ASSERT_OK(slp_tasklet_bind(t, named, "b"));
    ASSERT_OK(slp_tasklet_setup(t));
    ASSERT_EQ(slp_tasklet_alive(t), 1);
    ASSERT_ERR(slp_tasklet_setup(t), SLP_EALIVE);
    ASSERT_ERR(slp_tasklet_bind(t, named, "c"), SLP_ESCHEDULED);
    ASSERT_ERR(slp_tasklet_bind(slp_getcurrent(), named, "c"), SLP_EBINDCURRENT);
    ASSERT_OK(slp_tasklet_remove(t));
    ASSERT_OK(slp_tasklet_bind(t, named, "c")); /* paused: frame dropped */
    ASSERT_EQ(slp_tasklet_alive(t), 0);
    ASSERT_OK(slp_tasklet_bind_args(t, named, "d"));
    ASSERT_EQ(slp_tasklet_alive(t), 1);
    ASSERT_EQ(slp_tasklet_paused(t), 1);
    ASSERT_OK(slp_run());
    ASSERT_LOG("");
    ASSERT_OK(slp_tasklet_insert(t));
    ASSERT_OK(slp_run());
    ASSERT_LOG("d");
    ASSERT_EQ(slp_tasklet_result(t), 0);
    ASSERT_OK(slp_tasklet_release(t));
}

static int main_binder(void *arg) {
    (void)arg;
    ASSERT_ERR(slp_tasklet_bind(slp_getmain(), named, "m"), SLP_EUNBINDMAIN);
    EV("checked");
    return 0;
}

TEST(tasklet_bind_main_refused) {
    spawn(main_binder, NULL);
    ASSERT_OK(slp_run());
    ASSERT_LOG("checked");
}

static slp_channel chan;

static int receiver(void *arg) {
    void *v = NULL;
    int r = slp_channel_receive(chan, &v);
    EV("%s:%s", (const char *)arg, slp_err_name(r));
    return 0;
}

TEST(tasklet_kill_blocked) {
    slp_tasklet t;
    ASSERT_OK(slp_channel_new(&chan));
    t = spawn(receiver, "r");
    ASSERT_OK(slp_run());
    ASSERT_EQ(slp_channel_balance(chan), -1);
    ASSERT_EQ(slp_tasklet_blocked(t), SLP_BLOCKED_RECEIVING);
    ASSERT_EQ(slp_channel_queue(chan), t);
    ASSERT_OK(slp_tasklet_kill(t, 0)); /* runs now, returns when it ends */
    ASSERT_LOG("r:SLP_EEXIT");
    ASSERT_EQ(slp_channel_balance(chan), 0);
    ASSERT_EQ(slp_tasklet_alive(t), 0);
    ASSERT_EQ(slp_tasklet_blocked(t), 0);
    ASSERT_OK(slp_tasklet_kill(t, 0)); /* dead: no-op */
    ASSERT_ERR(slp_tasklet_throw(t, SLP_EUSER, NULL, 0), SLP_ETHROWDEAD);
}

TEST(tasklet_kill_never_run) {
    slp_tasklet t = spawn(named, "never");
    spawn(named, "other");
    ASSERT_OK(slp_tasklet_kill(t, 0));
    ASSERT_EQ(slp_tasklet_alive(t), 0);
    ASSERT_OK(slp_run());
    ASSERT_LOG("other");
}

/* A kill is raised once (test_miscell TestTaskletFinalizer.test_zombie
 * handles TaskletExit and blocks again). */
static int stubborn(void *arg) {
    int r1, r2, r3;
    void *v;
    (void)arg;
    r1 = slp_channel_receive(chan, &v);
    r2 = slp_schedule(); /* goes on: not killed any more */
    EV("%s %s", slp_err_name(r1), slp_err_name(r2));
    r3 = slp_channel_receive(chan, &v); /* blocks again */
    EV("%s", slp_err_name(r3));
    return r3;
}

TEST(tasklet_kill_pending) {
    slp_tasklet t;
    ASSERT_OK(slp_channel_new(&chan));
    t = spawn(stubborn, NULL);
    ASSERT_OK(slp_run());
    ASSERT_OK(slp_tasklet_kill(t, 1));
    ASSERT_EQ(slp_tasklet_scheduled(t), 1);
    ASSERT_EQ(slp_channel_balance(chan), 0);
    EV("pending");
    ASSERT_OK(slp_run()); /* t handles it and blocks again */
    ASSERT_LOG("pending SLP_EEXIT SLP_OK");
    ASSERT_EQ(slp_channel_balance(chan), -1);
    ASSERT_OK(slp_tasklet_kill(t, 0));
    ASSERT_LOG("pending SLP_EEXIT SLP_OK SLP_EEXIT");
    ASSERT_EQ(slp_tasklet_result(t), SLP_EEXIT); /* not an error */
    ASSERT_EQ(slp_tasklet_alive(t), 0);
}

static int self_killer(void *arg) {
    (void)arg;
    EV("%s", slp_err_name(slp_tasklet_kill(slp_getcurrent(), 0)));
    EV("%s", slp_err_name(slp_schedule()));
    return 0;
}

TEST(tasklet_kill_self) {
    spawn(self_killer, NULL);
    ASSERT_OK(slp_run());
    ASSERT_LOG("SLP_EEXIT SLP_OK");
}

#define MY_ERR (SLP_EUSER - 7)

TEST(tasklet_throw_into_blocked) {
    slp_tasklet t;
    static int payload = 42;
    ASSERT_OK(slp_channel_new(&chan));
    t = spawn(receiver, "r");
    ASSERT_OK(slp_run());
    ASSERT_ERR(slp_tasklet_throw(t, 0, NULL, 0), SLP_EINVAL);
    ASSERT_OK(slp_tasklet_throw(t, MY_ERR, &payload, 0));
    ASSERT_LOG("r:SLP_EUSER");
    ASSERT(slp_tasklet_value(t) == &payload);
    ASSERT_EQ(slp_channel_balance(chan), 0);
}

static int thrower_target(void *arg) {
    (void)arg;
    EV("body ran");
    return 0;
}

/* A never-run tasklet gets the error before its body: the body never runs
 * and the error is uncaught, so it surfaces from main's run(). */
TEST(tasklet_throw_never_run_is_uncaught) {
    slp_tasklet t = spawn(thrower_target, NULL);
    ASSERT_OK(slp_tasklet_throw(t, MY_ERR, NULL, 1));
    ASSERT_ERR(slp_run(), MY_ERR);
    ASSERT_LOG("");
    ASSERT_EQ(slp_tasklet_result(t), MY_ERR);
}

static int failing(void *arg) {
    EV("%s", (const char *)arg);
    return MY_ERR;
}

/* An uncaught error goes to main at once, skipping the queue order. */
TEST(uncaught_error_surfaces_in_run) {
    spawn(failing, "f");
    spawn(named, "after");
    ASSERT_ERR(slp_run(), MY_ERR);
    ASSERT_LOG("f");
    ASSERT_EQ(slp_getruncount(), 2); /* "after" is still queued */
    ASSERT_OK(slp_run());
    ASSERT_LOG("f after");
}

static int swallow(slp_tasklet t, int err) {
    EV("handler %s cur=%d", slp_err_name(err), slp_getcurrent() == t);
    return 0;
}

TEST(error_handler_swallows) {
    ASSERT(slp_set_error_handler(swallow) == NULL);
    spawn(failing, "f");
    ASSERT_OK(slp_run());
    ASSERT_LOG("f handler SLP_EUSER cur=1");
    ASSERT(slp_set_error_handler(NULL) == swallow);
}

TEST(handles_are_checked) {
    slp_tasklet t;
    slp_channel c;
    ASSERT_ERR(slp_tasklet_alive(0), SLP_EBADHANDLE);
    ASSERT_ERR(slp_tasklet_run(12345), SLP_EBADHANDLE);
    ASSERT_ERR(slp_tasklet_kill(0xFFFFFFFFu, 0), SLP_EBADHANDLE);
    ASSERT_OK(slp_channel_new(&c));
    ASSERT_ERR(slp_tasklet_alive(c), SLP_EBADHANDLE); /* wrong kind */
    ASSERT_ERR(slp_channel_send(slp_getmain(), NULL), SLP_EBADHANDLE);
    ASSERT_OK(slp_channel_release(c));
    ASSERT_EQ(slp_channel_balance(c), SLP_BALANCE_BADHANDLE);
    ASSERT_ERR(slp_channel_release(c), SLP_EBADHANDLE);
    ASSERT_OK(slp_tasklet_new(&t));
    ASSERT_OK(slp_tasklet_release(t));
    ASSERT_ERR(slp_tasklet_release(t), SLP_EBADHANDLE);
    ASSERT_ERR(slp_tasklet_release(slp_getmain()), SLP_EINVAL);
    /* A freed slot reused by a new tasklet still rejects the old handle. */
    ASSERT_OK(slp_tasklet_new(&t));
    ASSERT(t != 0);
    ASSERT_OK(slp_tasklet_alive(t));
}

TEST(release_while_queued_keeps_it) {
    slp_tasklet t = spawn(named, "t");
    ASSERT_OK(slp_tasklet_release(t)); /* queued: lives until it ends */
    ASSERT_OK(slp_run());
    ASSERT_LOG("t");
    ASSERT_ERR(slp_tasklet_alive(t), SLP_EBADHANDLE);
}

static int trapped(void *arg) {
    (void)arg;
    EV("trapped ran");
    return 0;
}

TEST(switch_trap_refuses_switches) {
    slp_tasklet t = spawn(trapped, NULL);
    ASSERT_EQ(slp_switch_trap(1), 0);
    ASSERT_ERR(slp_schedule(), SLP_ESWITCHTRAP);
    ASSERT_ERR(slp_run(), SLP_ESWITCHTRAP);
    ASSERT_ERR(slp_tasklet_run(t), SLP_ESWITCHTRAP);
    ASSERT_OK(slp_tasklet_switch(slp_getcurrent())); /* to self: allowed */
    ASSERT_EQ(slp_switch_trap(-1), 1);
    ASSERT_OK(slp_run());
    ASSERT_LOG("trapped ran");
}

static int deep(int n) {
    volatile char pad[64];
    pad[0] = (char)n;
    if (n == 0) return slp_schedule();
    return deep(n - 1) + pad[0] - (char)n;
}

static int recursive(void *arg) {
    int i;
    for (i = 0; i < 3; i++) {
        ASSERT_OK(deep(*(int *)arg));
        EV("%d", *(int *)arg + i);
    }
    return 0;
}

/* Switches from deep inside recursion keep each tasklet's locals. */
TEST(switch_deep_stacks) {
    static int a = 200, b = 10;
    spawn(recursive, &a);
    spawn(recursive, &b);
    ASSERT_OK(slp_run());
    ASSERT_LOG("200 10 201 11 202 12");
}

/* A tasklet that switches at depths that change (deeper, none, shallower,
 * deeper again) keeps its locals and its stack slice at each: the wasm
 * builds keep them in blocks that grow, shrink and are freed between. */
static volatile int deep_no_switch;

static unsigned long deep_acc(int n, unsigned long acc) {
    volatile char pad[32];
    unsigned long r;
    pad[0] = (char)n;
    if (n == 0) {
        if (!deep_no_switch) ASSERT_OK(slp_schedule());
        return acc;
    }
    r = deep_acc(n - 1, acc * 3 + n);
    return r + (unsigned long)(pad[0] - (char)n);
}

static const int depth_seq[] = {200, 0, 50, 0, 120, 3, 120};

static int depth_changer(void *arg) {
    unsigned i;
    for (i = 0; i < sizeof depth_seq / sizeof depth_seq[0]; i++) {
        unsigned long want, got;
        deep_no_switch = 1;
        want = deep_acc(depth_seq[i], (uintptr_t)arg);
        deep_no_switch = 0;
        got = deep_acc(depth_seq[i], (uintptr_t)arg);
        ASSERT(got == want);
        EV("%d:%d", (int)(uintptr_t)arg, depth_seq[i]);
    }
    return 0;
}

TEST(switch_depth_changes_keep_state) {
    spawn(depth_changer, (void *)1);
    spawn(depth_changer, (void *)2);
    ASSERT_OK(slp_run());
    ASSERT_LOG("1:200 2:200 1:0 2:0 1:50 2:50 1:0 2:0 1:120 2:120 1:3 2:3 1:120 2:120");
}

static int counter_task(void *arg) {
    int i;
    for (i = 0; i < 1000; i++) ASSERT_OK(slp_schedule());
    (*(int *)arg)++;
    return 0;
}

TEST(many_tasklets) {
    static int done;
    int i;
    for (i = 0; i < 500; i++) ASSERT_OK(slp_tasklet_release(spawn(counter_task, &done)));
    ASSERT_EQ(slp_getruncount(), 501);
    ASSERT_OK(slp_run());
    ASSERT_EQ(done, 500);
    ASSERT_EQ(slp_snapshot(NULL, 0), 1); /* only main is left */
}

TEST(strerror_table) {
    ASSERT_STR(slp_strerror(SLP_EDEADLOCK),
               "Deadlock: the last runnable tasklet cannot be blocked.");
    ASSERT_STR(slp_err_name(SLP_ECLOSED), "SLP_ECLOSED");
    ASSERT_STR(slp_strerror(SLP_ECLOSED), "Send/receive operation on a closed channel");
    ASSERT_STR(slp_strerror(0), "success");
    ASSERT_STR(slp_strerror(SLP_EUSER - 3), "user error");
    ASSERT_STR(slp_strerror(-999), "unknown error");
}

TEST(retain_and_release) {
    slp_tasklet t;
    slp_channel c;
    ASSERT_OK(slp_tasklet_new(&t));
    ASSERT_OK(slp_tasklet_retain(t));
    ASSERT_OK(slp_tasklet_release(t));
    ASSERT_OK(slp_tasklet_alive(t)); /* still held once */
    ASSERT_OK(slp_tasklet_release(t));
    ASSERT_ERR(slp_tasklet_alive(t), SLP_EBADHANDLE);
    /* A main tasklet can be held too (then it outlives its thread). */
    ASSERT_OK(slp_tasklet_retain(slp_getmain()));
    ASSERT_OK(slp_tasklet_release(slp_getmain()));
    ASSERT_ERR(slp_tasklet_release(slp_getmain()), SLP_EINVAL);
    ASSERT_EQ(slp_tasklet_is_main(slp_getmain()), 1);
    ASSERT_OK(slp_channel_new(&c));
    ASSERT_OK(slp_channel_retain(c));
    ASSERT_OK(slp_channel_release(c));
    ASSERT_EQ(slp_channel_balance(c), 0);
    ASSERT_OK(slp_channel_release(c));
    ASSERT_ERR(slp_channel_retain(c), SLP_EBADHANDLE);
}

static int blocks_forever(void *arg) {
    (void)arg;
    return slp_schedule_remove(); /* paused, never inserted again */
}

/* With SLP_VERBOSE set, dropping an unfinished tasklet is reported on
 * stderr (tests/CMakeLists.txt checks the message).  Set here: Emscripten
 * and the WASI engines do not pass the host's environment through. */
TEST(verbose_warns_on_dropped_tasklet) {
    slp_tasklet t;
    setenv("SLP_VERBOSE", "1", 1);
    t = spawn(blocks_forever, NULL);
    ASSERT_OK(slp_run());
    ASSERT_EQ(slp_tasklet_paused(t), 1);
    ASSERT_OK(slp_tasklet_release(t)); /* unreachable now: dropped */
    ASSERT_ERR(slp_tasklet_alive(t), SLP_EBADHANDLE);
}

/* ---- stack overflow (no guard pages: a band under each stack) --------- */

/* What the test asks for, and what a tasklet may then use above the band:
 * wasm keeps the band under the region, native inside the mmap'd stack
 * (whose smallest size is 16 KiB). */
#ifdef __wasm__
#define OVF_SIZE "8192"
#define OVF_USABLE 8192
#else
#define OVF_SIZE "16384"
#define OVF_USABLE (16384 - 4096)
#endif

static slp_channel ovf_ch;
static uintptr_t ovf_stop;
static __attribute__((noinline)) int ovf_recurse(void) {
    volatile char buf[128]; /* address-taken: on the shadow stack */
    void *v;
    int i;
    for (i = 0; i < 128; i++) buf[i] = (char)i;
    if (!ovf_stop) ovf_stop = (uintptr_t)buf - OVF_USABLE - 1024; /* 1K into the band */
    if ((uintptr_t)buf > ovf_stop) return ovf_recurse() + buf[0];
    return slp_channel_receive(ovf_ch, &v); /* blocks down there */
}
static int ovf_tasklet(void *arg) {
    (void)arg;
    return ovf_recurse();
}

/* A tasklet whose stack runs past what SLP_STACK_SIZE gives it, into the
 * band below, ends with ESTACKDEPTH at its next switch, which main gets as
 * the uncaught error; its channel wait is undone, and the next tasklet
 * runs normally. */
TEST(tasklet_stack_overflow_is_an_error) {
    slp_tasklet t;
    setenv("SLP_STACK_SIZE", OVF_SIZE, 1); /* read at the first switch */
    ASSERT_OK(slp_channel_new(&ovf_ch));
    t = spawn(ovf_tasklet, NULL);
    ASSERT_ERR(slp_run(), SLP_ESTACKDEPTH);
    ASSERT_EQ(slp_tasklet_alive(t), 0);
    ASSERT_EQ(slp_channel_balance(ovf_ch), 0);
    ASSERT_STR(slp_strerror(SLP_ESTACKDEPTH), "tasklet stack overflow (see SLP_STACK_SIZE)");
    spawn(named, "after");
    ASSERT_OK(slp_run());
    ASSERT_LOG("after");
}
