/* test_api.c -- the rest of Stackless's API: tempval, schedule(retval),
 * next/prev, bind(None, args), atomic, nesting_level, nested and
 * pre-emptive run (watchdogs), the schedule and channel callbacks
 * (reference §1, §2.2, §6).  Each test names the Stackless unit test it
 * follows (Stackless/unittests/...). */
#include "test.h"

static const char *str(const void *p) { return p ? (const char *)p : "-"; }

/* ------------------------------------------------- tempval, schedule(v) */

static void *sv_out; /* static, not a local: see THE MODEL (C state) */

static int sv_task(void *arg) {
    (void)arg;
    ASSERT_OK(slp_schedule_value((void *)"r1", &sv_out));
    EV("t:%s", str(sv_out));
    ASSERT_OK(slp_schedule_remove_value((void *)"r2", &sv_out));
    EV("t:%s", str(sv_out));
    return 0;
}

/* test_miscell TestSchedule / testScheduleRemove: schedule(retval) returns
 * the tempval, which whoever resumes the tasklet may change. */
TEST(schedule_value_and_tempval) {
    slp_tasklet t = spawn(sv_task, NULL);
    void *out = NULL;
    ASSERT_OK(slp_schedule()); /* t runs up to schedule_value("r1") */
    ASSERT_STR(str(slp_tasklet_tempval(t)), "r1");
    ASSERT_OK(slp_tasklet_set_tempval(t, (void *)"changed"));
    ASSERT_OK(slp_schedule()); /* t resumes with it, then schedule_remove */
    ASSERT_STR(str(slp_tasklet_tempval(t)), "r2");
    ASSERT_STR(str(slp_tasklet_value(t)), "r2"); /* the same slot */
    ASSERT_EQ(slp_tasklet_paused(t), 1);
    ASSERT_EQ(slp_getruncount(), 1);
    ASSERT_OK(slp_tasklet_set_tempval(t, (void *)"inserted"));
    ASSERT_OK(slp_tasklet_insert(t));
    ASSERT_OK(slp_run());
    ASSERT_LOG("t:changed t:inserted");
    /* Alone: returns at once with the value given. */
    ASSERT_OK(slp_schedule_value((void *)"self", &out));
    ASSERT_STR(str(out), "self");
    ASSERT_OK(slp_schedule_value(NULL, NULL));
    ASSERT_ERR(slp_tasklet_set_tempval(0, NULL), SLP_EBADHANDLE);
    ASSERT(slp_tasklet_tempval(0) == NULL);
    ASSERT_OK(slp_tasklet_release(t));
}

/* ------------------------------------------------------------ next/prev */

static slp_channel np_ch;
static void *np_slot;
static int np_receiver(void *arg) {
    (void)arg;
    return slp_channel_receive(np_ch, &np_slot);
}

/* test_miscell testAttr_prev_next (run ring through main) and
 * test_channel testAttr_queue (FIFO; the last one's next is None). */
TEST(tasklet_next_prev) {
    slp_tasklet m = slp_getmain(), a, b, c, r1, r2;
    ASSERT_EQ(slp_tasklet_next(m), m);
    ASSERT_EQ(slp_tasklet_prev(m), m);
    a = spawn(named, "a");
    ASSERT_EQ(slp_tasklet_next(a), m);
    ASSERT_EQ(slp_tasklet_prev(a), m);
    ASSERT_EQ(slp_tasklet_next(m), a);
    b = spawn(named, "b");
    ASSERT_EQ(slp_tasklet_next(m), a);
    ASSERT_EQ(slp_tasklet_next(a), b);
    ASSERT_EQ(slp_tasklet_next(b), m);
    ASSERT_EQ(slp_tasklet_prev(m), b);
    ASSERT_EQ(slp_tasklet_prev(a), m);
    ASSERT_OK(slp_tasklet_new(&c));
    ASSERT_EQ(slp_tasklet_next(c), 0); /* in no chain */
    ASSERT_OK(slp_tasklet_bind_args(c, named, "c"));
    ASSERT_EQ(slp_tasklet_next(c), 0); /* paused */
    ASSERT_EQ(slp_tasklet_next(0), 0);
    ASSERT_OK(slp_run());
    ASSERT_EQ(slp_tasklet_next(a), 0); /* ended */
    ASSERT_OK(slp_channel_new(&np_ch));
    ASSERT_EQ(slp_channel_queue(np_ch), 0);
    r1 = spawn(np_receiver, NULL);
    r2 = spawn(np_receiver, NULL);
    ASSERT_OK(slp_run());
    ASSERT_EQ(slp_channel_queue(np_ch), r1);
    ASSERT_EQ(slp_tasklet_next(r1), r2);
    ASSERT_EQ(slp_tasklet_next(r2), 0);
    ASSERT_EQ(slp_tasklet_prev(r1), 0);
    ASSERT_EQ(slp_tasklet_prev(r2), r1);
    ASSERT_OK(slp_channel_send(np_ch, NULL));
    ASSERT_OK(slp_channel_send(np_ch, NULL));
    ASSERT_OK(slp_run());
    ASSERT_LOG("a b");
    slp_tasklet_kill(c, 0);
}

/* ------------------------------------------------------ bind(None, args) */

/* tasklet.rst bind: args without func keep the function bound before. */
TEST(tasklet_bind_none_args) {
    slp_tasklet t;
    ASSERT_OK(slp_tasklet_new(&t));
    ASSERT_ERR(slp_tasklet_bind_args(t, NULL, "x"), SLP_ENOTBOUND);
    ASSERT_EQ(slp_tasklet_alive(t), 0);
    ASSERT_OK(slp_tasklet_bind(t, named, "first"));
    ASSERT_OK(slp_tasklet_bind_args(t, NULL, "second"));
    ASSERT_EQ(slp_tasklet_alive(t), 1);
    ASSERT_EQ(slp_tasklet_paused(t), 1);
    ASSERT_OK(slp_tasklet_insert(t));
    ASSERT_OK(slp_run());
    /* After its end: a new frame (wasm used to resume the old one). */
    ASSERT_OK(slp_tasklet_bind_args(t, NULL, "third"));
    ASSERT_OK(slp_tasklet_insert(t));
    ASSERT_OK(slp_run());
    ASSERT_OK(slp_tasklet_setup(t)); /* again, with the same function */
    ASSERT_OK(slp_run());
    ASSERT_LOG("second third third");
    ASSERT_OK(slp_tasklet_bind(t, NULL, NULL)); /* unbound: nothing kept */
    ASSERT_ERR(slp_tasklet_bind_args(t, NULL, "x"), SLP_ENOTBOUND);
    ASSERT_OK(slp_tasklet_release(t));
}

/* ----------------------------------------------- nested run (watchdogs) */

static int nw_worker(void *arg) {
    (void)arg;
    ASSERT_OK(slp_schedule());
    EV("worker");
    return 0;
}

static int nw_wakeup(void *arg) {
    (void)arg;
    EV("wakeup");
    ASSERT_OK(slp_tasklet_run(slp_getmain()));
    EV("wakeup-end");
    return 0;
}

static int nw_runner(void *arg) {
    (void)arg;
    spawn(nw_wakeup, NULL);
    EV("runner-run");
    ASSERT_OK(slp_run());
    EV("runner-back");
    return 0;
}

/* test_watchdog TestNewWatchdog.test_manual_wakeup: main, woken by hand
 * inside its run() while a tasklet waits in an inner run(), puts that one
 * back in the queue, so it returns in its turn (issue 11, divergence 1). */
TEST(run_nested_manual_wakeup) {
    spawn(nw_worker, NULL);
    spawn(nw_runner, NULL);
    ASSERT_OK(slp_run());
    EV("main-back");
    ASSERT_EQ(slp_getruncount(), 3); /* main, wakeup, the inner runner */
    ASSERT_OK(slp_run());
    EV("main-end");
    ASSERT_LOG("runner-run worker wakeup main-back wakeup-end runner-back "
               "main-end");
}

static int inner_err(void *arg) {
    (void)arg;
    return SLP_EUSER - 7;
}

static int inner_runner(void *arg) {
    (void)arg;
    spawn(inner_err, NULL);
    ASSERT_ERR(slp_run(), SLP_EUSER - 7);
    EV("inner:%d", slp_tasklet_paused(slp_getmain()));
    return 0;
}

/* test_inner_run_completes_first, test_inner_run_gets_error: the inner
 * run returns first (main still paused in its own) and gets the error. */
TEST(run_inner_gets_error_first) {
    spawn(inner_runner, NULL);
    ASSERT_OK(slp_run());
    EV("outer");
    ASSERT_LOG("inner:1 outer");
}

static slp_tasklet wd_t;

static int wd_runner(void *arg) {
    (void)arg;
    EV("in");
    ASSERT_OK(slp_run());
    EV("out");
    return 0;
}

static int wd_binder(void *arg) {
    slp_tasklet m = 0, cur = 0;
    int rc = 0;
    (void)arg;
    /* Both run() callers left the queue (reference §1 get_thread_info). */
    ASSERT_OK(slp_get_thread_info(-1, &m, &cur, &rc));
    ASSERT_EQ(m, slp_getmain());
    ASSERT_EQ(cur, slp_getcurrent());
    ASSERT_EQ(rc, 1);
    ASSERT_EQ(slp_getruncount(), 1);
    ASSERT_EQ(slp_tasklet_paused(wd_t), 1);
    ASSERT_EQ(slp_tasklet_nesting_level(wd_t), 1);
    ASSERT_EQ(slp_tasklet_restorable(wd_t), 0);
    ASSERT_ERR(slp_tasklet_bind(wd_t, NULL, NULL), SLP_ECSTATE);
    ASSERT_ERR(slp_tasklet_bind(wd_t, named, "x"), SLP_ECSTATE);
    ASSERT_ERR(slp_tasklet_bind_args(wd_t, NULL, "y"), SLP_ECSTATE);
    ASSERT_OK(slp_tasklet_setup(wd_t) == SLP_EALIVE ? 0 : -1);
    EV("binder");
    return 0;
}

/* Issue 18 item 1: a tasklet inside slp_run has C state (Stackless nests
 * the interpreter there): bind and unbind are refused, it stays a watchdog
 * and its run returns normally. */
TEST(run_watchdog_refuses_bind) {
    wd_t = spawn(wd_runner, NULL);
    spawn(wd_binder, NULL);
    ASSERT_OK(slp_run());
    ASSERT_LOG("in binder out");
    ASSERT_EQ(slp_tasklet_nesting_level(wd_t), 0);
    ASSERT_OK(slp_tasklet_bind(wd_t, NULL, NULL));
    ASSERT_EQ(slp_getruncount(), 1);
    ASSERT_OK(slp_run());
    ASSERT_OK(slp_tasklet_release(wd_t));
}

static int kw_runner(void *arg) {
    (void)arg;
    EV("run:%s", slp_err_name(slp_run()));
    return 0;
}

static int kw_killer(void *arg) {
    ASSERT_OK(slp_tasklet_kill(*(slp_tasklet *)arg, 0));
    EV("killer-back");
    return 0;
}

/* A tasklet waiting in run() can be killed: its run returns TaskletExit
 * and it leaves the watchdog stack (main's run then returns as usual). */
TEST(run_watchdog_killed) {
    static slp_tasklet r;
    r = spawn(kw_runner, NULL);
    spawn(kw_killer, &r);
    ASSERT_OK(slp_run());
    ASSERT_LOG("run:SLP_EEXIT killer-back");
    ASSERT_EQ(slp_tasklet_alive(r), 0);
    ASSERT_OK(slp_run());
    ASSERT_EQ(slp_getruncount(), 1);
}

/* ---------------------------------------------------------- pre-emption */

static int ticker(void *arg) {
    int i;
    (void)arg;
    for (i = 0; i < 250; i++) ASSERT_OK(slp_tick());
    return 0;
}

static const char *name_of(slp_tasklet t, const slp_tasklet *ts,
                           const char *const *names, int n) {
    int i;
    for (i = 0; i < n; i++)
        if (ts[i] == t) return names[i];
    return t ? "?" : "none";
}

/* test_watchdog TestWatchdog.test_simple (SimpleScheduler.autoschedule):
 * run(100) hands back each tasklet that used 100 ticks in a row, taken out
 * of the queue; inserted again, it goes on from its tick. */
TEST(run_timeout_interrupts) {
    static const char *const names[] = {"t1", "t2", "t3"};
    slp_tasklet ts[3], v;
    int i;
    for (i = 0; i < 3; i++) ts[i] = spawn(ticker, NULL);
    ASSERT_EQ(slp_tick(), 0); /* no timed run: nothing */
    while (slp_getruncount() > 1) {
        ASSERT_OK(slp_run_watchdog(100, 0, &v));
        EV("%s", name_of(v, ts, names, 3));
        if (v) {
            ASSERT_EQ(slp_tasklet_paused(v), 1);
            ASSERT_EQ(slp_tasklet_scheduled(v), 0);
            ASSERT_OK(slp_tasklet_insert(v));
            ASSERT_OK(slp_tasklet_release(v));
        }
    }
    /* Each: ticks 1-100, interrupted at 101, then 102-201, at 202, ends. */
    ASSERT_LOG("t1 t2 t3 t1 t2 t3 none");
    for (i = 0; i < 3; i++) ASSERT_EQ(slp_tasklet_alive(ts[i]), 0);
    ASSERT_ERR(slp_run_watchdog(-1, 0, NULL), SLP_EINVAL);
    ASSERT_ERR(slp_run_watchdog(1, 16, NULL), SLP_EINVAL);
}

static int slicer(void *arg) {
    int k, i;
    for (k = 0; k < 3; k++) {
        EV("%s.%d", (const char *)arg, k);
        for (i = 0; i < 150; i++) ASSERT_OK(slp_tick());
        ASSERT_OK(slp_schedule());
    }
    return 0;
}

/* TestWatchdogSoft: soft=True interrupts nobody; at the next switch away
 * from the tasklet that ran over, the watchdog runs first and its run
 * returns None, the queue unchanged. */
TEST(run_timeout_soft) {
    slp_tasklet v = 1;
    spawn(slicer, "t1");
    spawn(slicer, "t2");
    while (slp_getruncount() > 1) {
        ASSERT_OK(slp_run_watchdog(100, SLP_RUN_SOFT, &v));
        ASSERT_EQ(v, 0);
        EV("back");
    }
    ASSERT_LOG("t1.0 back t2.0 back t1.1 back t2.1 back t1.2 back t2.2 back "
               "back");
}

static int totals(void *arg) {
    int k, i;
    for (k = 0; k < 4; k++) {
        EV("%s.%d", (const char *)arg, k);
        for (i = 0; i < 30; i++) ASSERT_OK(slp_tick());
        ASSERT_OK(slp_schedule());
    }
    return 0;
}

/* totaltimeout: the budget covers the whole run, not one timeslice.
 * Slices of 30 ticks + 1 (schedule): a.0, b.0 and a.1 use 93, so the 8th
 * tick of b.1 is the 101st. */
TEST(run_totaltimeout) {
    slp_tasklet a = spawn(totals, "a"), b = spawn(totals, "b"), v;
    ASSERT_OK(slp_run_watchdog(100, SLP_RUN_TOTALTIMEOUT, &v));
    ASSERT_EQ(v, b);
    EV("victim");
    ASSERT_OK(slp_tasklet_insert(v));
    ASSERT_OK(slp_tasklet_release(v));
    /* Without totaltimeout, slices of 31 ticks never reach 100. */
    ASSERT_OK(slp_run_watchdog(100, 0, &v));
    ASSERT_EQ(v, 0);
    /* b first ends its b.1 slice (no event), then a's turn comes. */
    ASSERT_LOG("a.0 b.0 a.1 b.1 victim a.2 a.3 b.2 b.3");
    ASSERT_EQ(slp_tasklet_alive(a), 0);
}

static int sw_n;

static int switcher(void *arg) {
    (void)arg;
    for (;;) {
        sw_n++;
        if (slp_schedule() == SLP_EEXIT) return 0;
    }
}

/* A switch is a tick: tasklets that only schedule() are pre-empted too.
 * The first switch (main -> a) is tick 1; the 11th, made by b after its
 * count reached 10, is due: b is handed back, a stays queued. */
TEST(run_switch_is_a_tick) {
    slp_tasklet a = spawn(switcher, NULL), b = spawn(switcher, NULL), v;
    ASSERT_OK(slp_run_watchdog(10, SLP_RUN_TOTALTIMEOUT, &v));
    ASSERT_EQ(v, b);
    ASSERT_EQ(sw_n, 10);
    ASSERT_EQ(slp_tasklet_scheduled(a), 1);
    ASSERT_EQ(slp_tasklet_paused(b), 1);
    ASSERT_OK(slp_tasklet_kill(a, 0));
    ASSERT_OK(slp_tasklet_kill(b, 0));
    ASSERT_OK(slp_tasklet_release(v));
    ASSERT_EQ(slp_getruncount(), 1);
}

static int bad_ticker(void *arg) {
    int i;
    (void)arg;
    for (i = 0; i < 50; i++) ASSERT_OK(slp_tick());
    return SLP_EUSER - 3;
}

/* TestWatchdog.test_exception: an uncaught error of a tasklet surfaces
 * from the timed run. */
TEST(run_timeout_error_surfaces) {
    slp_tasklet v = 1;
    spawn(bad_ticker, NULL);
    ASSERT_ERR(slp_run_watchdog(100, 0, &v), SLP_EUSER - 3);
    ASSERT_EQ(v, 0);
    ASSERT_EQ(slp_tick(), 0); /* the timed run is over */
}

static int ticks_done;

static int atomic_ticker(void *arg) {
    slp_tasklet self = slp_getcurrent();
    int i;
    (void)arg;
    ASSERT_EQ(slp_tasklet_set_atomic(self, 1), 0);
    for (i = 0; i < 300; i++) ASSERT_OK(slp_tick());
    EV("atomic-done");
    ASSERT_EQ(slp_tasklet_set_atomic(self, 0), 1); /* the interrupt waits */
    ASSERT_OK(slp_tick()); /* ... and comes now */
    EV("after");
    ASSERT_EQ(slp_switch_trap(1), 0);
    for (i = 0; i < 150; i++) {
        ASSERT_OK(slp_tick());
        ticks_done++;
    }
    ASSERT_EQ(slp_switch_trap(-1), 1);
    for (;;) { /* deferred at its 101st tick: comes at the 202nd */
        if (slp_tick() == SLP_EEXIT) return 0;
        ticks_done++;
    }
}

/* test_watchdog test_atomic, reference §6: atomic and switch_trap defer
 * the interrupt; clearing atomic lets it come at the next tick. */
TEST(run_atomic_defers_interrupt) {
    slp_tasklet t = spawn(atomic_ticker, NULL), v;
    ASSERT_EQ(slp_tasklet_atomic(t), 0);
    ASSERT_EQ(slp_tasklet_atomic(slp_getmain()), 0);
    ASSERT_OK(slp_run_watchdog(100, 0, &v));
    ASSERT_EQ(v, t);
    EV("victim");
    ASSERT_OK(slp_tasklet_insert(v));
    ASSERT_OK(slp_tasklet_release(v));
    ASSERT_OK(slp_run_watchdog(100, 0, &v));
    ASSERT_EQ(v, t);
    ASSERT_EQ(ticks_done, 201);
    ASSERT_OK(slp_tasklet_kill(v, 0));
    ASSERT_OK(slp_tasklet_release(v));
    ASSERT_LOG("atomic-done victim after");
    ASSERT_EQ(slp_tasklet_set_atomic(0, 1), SLP_EBADHANDLE);
    ASSERT_EQ(slp_tasklet_set_ignore_nesting(slp_getmain(), 1), 0);
    ASSERT_EQ(slp_tasklet_ignore_nesting(slp_getmain()), 1);
}

static slp_tasklet pr_t1, pr_t2;
static int pr_awoken;

static int pr_task(void *arg) {
    int i;
    (void)arg;
    for (;;) {
        for (i = 0; i < 100; i++) {
            int r = slp_tick();
            if (r) return r == SLP_EEXIT ? 0 : r;
        }
        if (slp_schedule() == SLP_EEXIT) return 0;
    }
}

static int pr_runner(void *arg) {
    int rec = (int)(intptr_t)arg, soft = rec >= 10, a;
    slp_tasklet self = slp_getcurrent(), v = 0;
    if (soft) rec -= 10;
    if (rec) spawn(pr_runner, (void *)(intptr_t)(rec - 1 + (soft ? 10 : 0)));
    ASSERT_EQ(slp_tasklet_set_atomic(self, 1), 0);
    ASSERT_OK(slp_run_watchdog(1000, (soft ? SLP_RUN_SOFT : 0) |
                                         SLP_RUN_TOTALTIMEOUT |
                                         SLP_RUN_IGNORE_NESTING,
                               &v));
    a = pr_awoken++;
    ASSERT_EQ(slp_tasklet_set_atomic(self, 0), 1);
    EV("w%d:%d", rec, a);
    if (v) {
        ASSERT(v == pr_t1 || v == pr_t2);
        ASSERT_EQ(soft, 0);
        ASSERT_EQ(a, 0);
    }
    ASSERT_OK(slp_tasklet_kill(pr_t1, 0));
    ASSERT_OK(slp_tasklet_kill(pr_t2, 0));
    if (v) ASSERT_OK(slp_tasklet_release(v));
    return 0;
}

/* test_watchdog _test_watchdog_priority: nested runs with timeouts; only
 * the outermost is the interrupt watchdog, and it is the one woken (the
 * deeper ones are put back in the queue and return after it). */
static void watchdog_priority(int soft) {
    pr_t1 = spawn(pr_task, NULL);
    pr_t2 = spawn(pr_task, NULL);
    spawn(pr_runner, (void *)(intptr_t)(3 + (soft ? 10 : 0)));
    ASSERT_OK(slp_run());
    ASSERT_LOG("w3:0 w0:1 w1:2 w2:3");
    ASSERT_EQ(slp_getruncount(), 1);
    ASSERT_EQ(slp_tick(), 0);
}

TEST(run_watchdog_priority_hard) { watchdog_priority(0); }
TEST(run_watchdog_priority_soft) { watchdog_priority(1); }

static slp_tasklet sd[3]; /* watchdog1, watchdog2, worker */
static int sd_soft, sd_done;

static int sd_worker(void *arg) {
    int i;
    (void)arg;
    ASSERT_EQ(slp_tasklet_scheduled(sd[1]), 0);
    ASSERT_OK(slp_tasklet_insert(sd[1]));
    sd_done++;
    EV("worker");
    for (i = 0; i < 2000; i++) {
        if (slp_tick() == SLP_EEXIT) {
            EV("worker-killed");
            return 0;
        }
    }
    if (sd_soft) ASSERT_OK(slp_schedule());
    sd_done++;
    EV("worker-end");
    return 0;
}

static int sd_watchdog2(void *arg) {
    (void)arg;
    sd[2] = spawn(sd_worker, NULL);
    ASSERT_OK(slp_run());
    EV("wd2-back");
    return 0;
}

static int sd_watchdog1(void *arg) {
    slp_tasklet v = 0;
    (void)arg;
    sd[1] = spawn(sd_watchdog2, NULL);
    ASSERT_OK(slp_run_watchdog(1000, (sd_soft ? SLP_RUN_SOFT : 0) |
                                         SLP_RUN_IGNORE_NESTING |
                                         SLP_RUN_TOTALTIMEOUT,
                               &v));
    EV("wd1-back:%d", sd_done);
    ASSERT_EQ(v, sd_soft ? 0 : sd[2]);
    if (v) ASSERT_OK(slp_tasklet_release(v));
    return 0;
}

/* test_watchdog _test_schedule_deeper: the worker inserts the inner
 * watchdog by hand; the interrupt still wakes the outer one (and hard,
 * hands it the worker). */
static void schedule_deeper(int soft) {
    int i;
    sd_soft = soft;
    sd[0] = spawn(sd_watchdog1, NULL);
    ASSERT_OK(slp_run());
    EV("main");
    ASSERT_OK(slp_run());
    for (i = 0; i < 3; i++) ASSERT_OK(slp_tasklet_kill(sd[i], 0));
    if (soft)
        ASSERT_LOG("worker wd1-back:1 wd2-back worker-end main");
    else
        ASSERT_LOG("worker wd1-back:1 wd2-back main worker-killed");
}

TEST(run_schedule_deeper_hard) { schedule_deeper(0); }
TEST(run_schedule_deeper_soft) { schedule_deeper(1); }

/* ------------------------------------------------------------ callbacks */

static slp_tasklet cb_names_t[4];
static const char *const cb_names[] = {"main", "a", "b", "c"};
static int cb_fail;

static const char *cbname(slp_tasklet t) {
    return name_of(t, cb_names_t, cb_names, 4);
}

static int sched_cb(slp_tasklet prev, slp_tasklet next) {
    EV("%s>%s", cbname(prev), cbname(next));
    ASSERT_EQ(slp_getcurrent(), prev); /* prev is still current */
    ASSERT_ERR(slp_schedule(), SLP_ESWITCHTRAP); /* no switch in here */
    ASSERT_EQ(slp_switch_trap(0), 0); /* that trap is not the user's */
    return cb_fail ? SLP_EUSER - 1 : 0;
}

static int cb_a(void *arg) {
    (void)arg;
    EV("a");
    ASSERT_OK(slp_schedule());
    EV("a2");
    return 0;
}

/* test_sched_cb test1/test2currentWithPrevAndNext, testGetCallback: one
 * call per switch between different tasklets, the dying one as prev at
 * its end; getcurrent() is prev meanwhile; set returns the old one; an
 * error in it is reported and ignored. */
TEST(schedule_callback) {
    cb_names_t[0] = slp_getmain();
    cb_names_t[1] = spawn(cb_a, NULL);
    cb_names_t[2] = spawn(named, "b");
    ASSERT(slp_get_schedule_callback() == NULL);
    ASSERT(slp_set_schedule_callback(sched_cb) == NULL);
    ASSERT(slp_get_schedule_callback() == sched_cb);
    ASSERT_OK(slp_schedule_value(NULL, NULL)); /* alone? no: main>a */
    EV("|");
    cb_fail = 1; /* reported on stderr, the switch goes on */
    ASSERT_OK(slp_run());
    ASSERT(slp_set_schedule_callback(NULL) == sched_cb);
    cb_names_t[3] = spawn(named, "c");
    ASSERT_OK(slp_run());
    ASSERT_LOG("main>a a a>b b b>main | main>a a2 a>main c");
}

static volatile int cbm_calls;
static volatile slp_tasklet cbm_main;

static int sched_cb_main(slp_tasklet prev, slp_tasklet next) {
    if (!prev) {
        __atomic_fetch_add(&cbm_calls, 1, __ATOMIC_SEQ_CST);
        cbm_main = next;
    }
    return 0;
}

static int thread_reports_main(void *arg) {
    *(slp_tasklet *)arg = slp_getmain();
    return 0;
}

/* Reference §1: once with prev = None when a thread's main tasklet is
 * created, on that thread. */
TEST(schedule_callback_new_thread_main) {
    slp_tasklet m = 0;
    int id;
    slp_getmain();
    slp_set_schedule_callback(sched_cb_main);
    ASSERT_OK(slp_thread_start(&id, thread_reports_main, &m));
    ASSERT_OK(slp_thread_join(id, NULL));
    slp_set_schedule_callback(NULL);
    ASSERT_EQ(cbm_calls, 1);
    ASSERT_EQ(cbm_main, m);
    ASSERT(m != 0 && m != slp_getmain());
}

static slp_channel cc_ch, cc_other;
static void *cc_slot;

static int chan_cb(slp_channel ch, slp_tasklet t, int sending, int willblock) {
    ASSERT_EQ(ch, cc_ch);
    EV("cb:%s s=%d wb=%d tv=%s", cbname(t), sending, willblock,
       str(slp_tasklet_tempval(t)));
    ASSERT_ERR(slp_channel_send(cc_other, NULL), SLP_ECALLBACK);
    if (slp_getruncount() > 1) /* a switch, refused (alone: none) */
        ASSERT_ERR(slp_schedule(), SLP_ESWITCHTRAP);
    return 0;
}

static int cc_receiver(void *arg) {
    (void)arg;
    ASSERT_OK(slp_channel_receive(cc_ch, &cc_slot));
    EV("got:%s", str(cc_slot));
    return 0;
}

/* test_chan_cb test0, testGetCallback: before a same-thread action, with
 * the value being sent as the sender's tempval; an action inside it
 * fails ("Recursive channel call due to callbacks!"). */
TEST(channel_callback) {
    ASSERT_OK(slp_channel_new(&cc_ch));
    ASSERT_OK(slp_channel_new(&cc_other));
    cb_names_t[0] = slp_getmain();
    cb_names_t[1] = spawn(cc_receiver, NULL);
    ASSERT(slp_get_channel_callback() == NULL);
    ASSERT(slp_set_channel_callback(chan_cb) == NULL);
    ASSERT(slp_get_channel_callback() == chan_cb);
    ASSERT_OK(slp_channel_send(cc_ch, (void *)"42"));
    ASSERT(slp_set_channel_callback(NULL) == chan_cb);
    ASSERT_LOG("cb:main s=1 wb=1 tv=42 cb:a s=0 wb=0 tv=- got:42");
    ASSERT_STR(slp_strerror(SLP_ECALLBACK),
               "Recursive channel call due to callbacks!");
}

static volatile int cx_balance = 99, cx_calls;

static int chan_cb_cross(slp_channel ch, slp_tasklet t, int sending,
                         int willblock) {
    if (t != slp_getmain() || !sending) return 0; /* only main's send */
    cx_balance = slp_channel_balance(ch); /* after the action: 0 */
    ASSERT_EQ(willblock, 0);
    cx_calls++;
    return 0;
}

static int cx_thread(void *arg) {
    (void)arg;
    return slp_channel_receive(cc_ch, &cc_slot);
}

/* Reference §1: after a cross-thread action (the partner was already
 * handed the value when it runs). */
TEST(channel_callback_cross_thread_after) {
    int id;
    ASSERT_OK(slp_channel_new(&cc_ch));
    ASSERT_OK(slp_thread_start(&id, cx_thread, NULL));
    while (slp_channel_balance(cc_ch) != -1) nap_ms(1);
    slp_set_channel_callback(chan_cb_cross);
    ASSERT_OK(slp_channel_send(cc_ch, (void *)"x"));
    slp_set_channel_callback(NULL);
    ASSERT_OK(slp_thread_join(id, NULL));
    ASSERT_EQ(cx_calls, 1);
    ASSERT_EQ(cx_balance, 0);
    ASSERT_STR(str(cc_slot), "x");
}

/* ------------------------------------------------------- threadblock */

static slp_channel tb_ch;
static void *tb_slot;
static volatile int tb_got_before_return = -1;

static int tb_receiver(void *arg) {
    (void)arg;
    return slp_channel_receive(tb_ch, &tb_slot);
}

static int tb_thread(void *arg) {
    (void)arg;
    spawn(tb_receiver, NULL);
    ASSERT_OK(slp_run_watchdog(1000000, SLP_RUN_THREADBLOCK, NULL));
    tb_got_before_return = tb_slot != NULL;
    return 0;
}

/* Reference §3.3: with threadblock (given with a timeout) the thread
 * sleeps when its last tasklet blocks, instead of returning from run. */
TEST(run_threadblock_sleeps) {
    int id;
    ASSERT_OK(slp_channel_new(&tb_ch));
    ASSERT_OK(slp_thread_start(&id, tb_thread, NULL));
    while (slp_channel_balance(tb_ch) != -1) nap_ms(1);
    nap_ms(20); /* run() had time to return early: it must not */
    ASSERT_OK(slp_channel_send(tb_ch, (void *)"v"));
    ASSERT_OK(slp_thread_join(id, NULL));
    ASSERT_EQ(tb_got_before_return, 1);
}

/* -------------------------------------------------------- nesting_level */

static slp_channel nl_ch;

static __attribute__((noinline)) int nl_receive_into_local(void) {
    void *volatile local = NULL;
    return slp_channel_receive(nl_ch, (void **)&local);
}

static int nl_task(void *arg) {
    (void)arg;
    return nl_receive_into_local();
}

/* nesting_level beside restorable: C state is a saved slice of the stack
 * in wasm (an address-taken local here), none natively. */
TEST(tasklet_nesting_level) {
    slp_tasklet t;
    ASSERT_OK(slp_channel_new(&nl_ch));
    t = spawn(nl_task, NULL);
    ASSERT_EQ(slp_tasklet_nesting_level(t), 0); /* not started */
    ASSERT_OK(slp_run());
    ASSERT_EQ(slp_tasklet_blocked(t), SLP_BLOCKED_RECEIVING);
#ifdef __wasm__
    ASSERT_EQ(slp_tasklet_nesting_level(t), 1);
#else
    ASSERT_EQ(slp_tasklet_nesting_level(t), 0);
#endif
    ASSERT_EQ(slp_tasklet_restorable(t), !slp_tasklet_nesting_level(t));
    ASSERT_EQ(slp_tasklet_nesting_level(slp_getmain()), 0);
    ASSERT_ERR(slp_tasklet_nesting_level(0), SLP_EBADHANDLE);
    ASSERT_OK(slp_channel_send(nl_ch, NULL));
}

/* ------------------------------------------------- atomic across threads */

static slp_tasklet ro_t[3];
static slp_channel ro_done;
static volatile int ro_events[3], ro_n;

static int ro_task(void *arg) {
    ro_events[__atomic_fetch_add(&ro_n, 1, __ATOMIC_SEQ_CST)] = (int)(intptr_t)arg;
    return 0;
}

static int ro_thread(void *arg) {
    void *v;
    int i, r;
    (void)arg;
    for (i = 0; i < 3; i++) {
        ASSERT_OK(slp_tasklet_new(&ro_t[i]));
        ASSERT_OK(slp_tasklet_bind_args(ro_t[i], ro_task, (void *)(intptr_t)i));
    }
    /* Sleeps: an idle thread.  When its tasklets end, its blocked main gets
     * ENOSENDER (reference §2.4) and waits again. */
    while ((r = slp_channel_receive(ro_done, &v)) == SLP_ENOSENDER) {}
    return r;
}

/* test_thread TestRemoteSchedule.testRunOrder: inside atomic, t2.insert(),
 * t3.insert(), t1.run() on an idle thread's tasklets: t1 runs first.  The
 * other thread is woken only when atomic is cleared. */
TEST(atomic_remote_run_order) {
    slp_tasklet self = slp_getmain();
    int id;
    ASSERT_OK(slp_channel_new(&ro_done));
    ASSERT_OK(slp_thread_start(&id, ro_thread, NULL));
    while (slp_channel_balance(ro_done) != -1) nap_ms(1);
    ASSERT_EQ(slp_tasklet_set_atomic(self, 1), 0);
    ASSERT_OK(slp_tasklet_insert(ro_t[1]));
    nap_ms(20); /* time for a wake that should not come */
    ASSERT_EQ(slp_tasklet_alive(ro_t[1]), 1);
    ASSERT_OK(slp_tasklet_insert(ro_t[2]));
    ASSERT_OK(slp_tasklet_run(ro_t[0]));
    ASSERT_EQ(slp_tasklet_set_atomic(self, 0), 1);
    while (__atomic_load_n(&ro_n, __ATOMIC_SEQ_CST) < 3) nap_ms(1);
    ASSERT_OK(slp_channel_send(ro_done, NULL));
    ASSERT_OK(slp_thread_join(id, NULL));
    ASSERT_EQ(ro_events[0], 0);
    ASSERT_EQ(ro_events[1], 1);
    ASSERT_EQ(ro_events[2], 2);
}

/* ------------------------------------------- a timed run at thread end */

/* The word the hot paths test (src/internal.h), 0 when nothing is hooked. */
extern int slp__hooks;

static int te_runs;

static int te_watchdog(void *arg) {
    int r;
    (void)arg;
    /* Killed at its thread's end (C state), it handles TaskletExit and
     * runs again: still in a timed run when the thread is gone. */
    while ((r = slp_run_watchdog(1000000, 0, NULL)) == SLP_EEXIT) te_runs++;
    return r;
}

static int te_looper(void *arg) {
    (void)arg;
    for (;;)
        if (slp_schedule()) return 0;
}

static int te_thread(void *arg) {
    (void)arg;
    spawn(te_watchdog, NULL);
    spawn(te_looper, NULL);
    return slp_schedule(); /* the watchdog enters run(); main ends */
}

/* A thread that ends while one of its tasklets sits in a timed run ends
 * that run's pre-emption too (else every thread's switches would go on
 * taking the slow way). */
TEST(run_timed_at_thread_end) {
    int id;
    ASSERT_EQ(slp__hooks, 0);
    ASSERT_OK(slp_thread_start(&id, te_thread, NULL));
    ASSERT_OK(slp_thread_join(id, NULL));
    ASSERT_EQ(te_runs, 1);
    ASSERT_EQ(slp__hooks, 0);
}
