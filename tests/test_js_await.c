/* test_js_await.c -- slp_js_await and slp_js_run (stackless.h JAVASCRIPT
 * PROMISES): a C tasklet waits for a JS promise while the others run; the
 * outcomes (value as text or JSON, rejection message, plain values,
 * exceptions, undefined, no such function); kill while waiting; a worker
 * that sleeps in C awaits a promise of the main thread's realm; slp_js_run
 * ends with SLP_EDEADLOCK when nothing can come.  The promises settle when
 * another tasklet says so (slpTest.resolve/reject), never by time.
 *
 * Emscripten: the test's function does not return; it starts slp_js_run
 * and leaves main for the event loop, and the done callback ends the
 * process (PASS, exit 0).  Elsewhere the calls answer SLP_ENOTSUP. */
#include <stdint.h>
#include <stdio.h>

#include "test.h"

#define MS 1000000ull

#ifndef __EMSCRIPTEN__

static void not_here(void) {
    char *res = (char *)1;
    ASSERT_ERR(slp_js_await("f", NULL, &res), SLP_ENOTSUP);
    ASSERT(res == NULL);
    ASSERT_ERR(slp_js_run(NULL, NULL), SLP_ENOTSUP);
}

TEST(js_await_parks_only_the_tasklet) { not_here(); }
TEST(js_await_needs_an_event_loop) { not_here(); }
TEST(js_await_from_a_worker) { not_here(); }
TEST(js_run_ends_on_deadlock) { not_here(); }
TEST(js_run_runs_what_a_run_left_queued) { not_here(); }

#else
#include <emscripten.h>
#include <emscripten/eventloop.h>

static const char *test_name;

static const char *ename(int r) { return r ? slp_err_name(r) : "ok"; }

/* JS helpers: deferred promises settled by a later call, in order. */
EM_JS(void, install_js, (void), {
    globalThis.slpTest = {
        deferred: [],
        defer: function(arg) {
            return new Promise(function(res, rej) {
                slpTest.deferred.push({arg: arg, res: res, rej: rej});
            });
        },
        resolve: function(v) {
            var d = slpTest.deferred.shift();
            d.res(d.arg + ':' + v);
            return 'resolved';
        },
        reject: function() {
            var d = slpTest.deferred.shift();
            d.rej(new Error('no ' + d.arg));
            return 'rejected';
        },
        plain: function(arg) { return {a: arg, n: 1}; },
        throws: function() { throw new RangeError('bad'); },
        undef: function() {},
        soon: function(arg) {
            return new Promise(function(res) { setTimeout(function() { res(arg); }, 1); });
        },
        done: false
    };
    /* Node: a process whose event loop empties ends (exit 0) unless told.
     * A page has no such end: its runner waits for the exit status. */
    if (typeof process == 'object' && process.on) process.on('exit', function() {
        if (!slpTest.done) {
            console.error('FAIL: the process ended before the test did');
            process.exitCode = 1;
        }
    });
});

EM_JS(void, mark_done, (void), { slpTest.done = true; });
EM_JS(int, deferred_count, (void), { return slpTest.deferred.length; });

static void install(const char *name) {
    test_name = name;
    install_js();
}

/* Leave main to the event loop; the done callback ends the process. */
static void leave(void (*done)(int, void *)) {
    ASSERT_OK(slp_js_run(done, NULL));
    emscripten_exit_with_live_runtime();
}

static void pass(void) {
    mark_done();
    printf("PASS %s\n", test_name);
    fflush(stdout);
    emscripten_force_exit(0); /* exit() would wait: the runtime is kept up */
}

static int await_logged(const char *who, const char *fn, const char *arg) {
    char *res = NULL;
    int r = slp_js_await(fn, arg, &res);
    EV("%s:%s:%s", who, ename(r), res ? res : "null");
    free(res);
    return r;
}

static int waiter(void *arg) {
    await_logged((const char *)arg, "slpTest.defer", (const char *)arg);
    return 0;
}

static slp_tasklet ta, tc;

static int killed(void *arg) {
    (void)arg;
    await_logged("K", "slpTest.defer", "K");
    return 0;
}

static int driver(void *arg) {
    slp_tasklet k;
    (void)arg;
    EV("B");
    ASSERT_EQ(slp_tasklet_waiting(ta), SLP_WAITING_SLEEP);
    ASSERT_EQ(slp_tasklet_waiting(tc), SLP_WAITING_SLEEP);
    ASSERT_EQ(slp_timer_next(), -1);
    /* settle A's and C's promises; these calls' own outcomes are plain */
    await_logged("B", "slpTest.resolve", "x");
    await_logged("B", "slpTest.reject", NULL);
    await_logged("B", "slpTest.plain", "p");
    await_logged("B", "slpTest.throws", NULL);
    await_logged("B", "slpTest.undef", NULL);
    await_logged("B", "nope", NULL);
    /* a real wait: A and C run meanwhile */
    await_logged("B", "slpTest.soon", "L");
    /* kill while waiting; its promise settles after it left */
    k = spawn(killed, NULL);
    ASSERT_OK(slp_schedule());
    ASSERT_EQ(slp_tasklet_waiting(k), SLP_WAITING_SLEEP);
    ASSERT_OK(slp_tasklet_kill(k, 0));
    await_logged("B", "slpTest.resolve", "y");
    EV("end");
    return 0;
}

static void parks_done(int r, void *ud) {
    (void)ud;
    ASSERT_OK(r);
    /* each call is made from a task of its own: B's settles in that
     * task, the promise it resolved for A (or rejected for C) in the
     * microtask after it, so A (C) runs after B */
    ASSERT_LOG("B B:ok:resolved A:ok:A:x B:ok:rejected C:SLP_EREJECTED:no C "
               "B:ok:{\"a\":\"p\",\"n\":1} B:SLP_EREJECTED:bad B:ok:null "
               "B:SLP_EREJECTED:nope is not a function B:ok:L "
               "K:SLP_EEXIT:null B:ok:resolved end");
    /* main itself is what the event loop returns to: it may not wait */
    ASSERT_ERR(slp_js_await("slpTest.soon", "M", NULL), SLP_EWOULDBLOCK);
    pass();
}

/* Two tasklets wait for promises, a third settles them and waits itself;
 * each waiter parks alone. */
TEST(js_await_parks_only_the_tasklet) {
    install("js_await_parks_only_the_tasklet");
    ta = spawn(waiter, "A");
    tc = spawn(waiter, "C");
    spawn(driver, NULL);
    leave(parks_done);
}

/* A main thread that sleeps in C has no event loop to settle anything. */
TEST(js_await_needs_an_event_loop) {
    char *res = (char *)1;
    install("js_await_needs_an_event_loop");
    ASSERT_ERR(slp_js_await("slpTest.undef", NULL, &res), SLP_ENOLOOP);
    ASSERT(res == NULL);
    ASSERT_ERR(slp_js_await(NULL, NULL, NULL), SLP_EINVAL);
    mark_done();
}

/* A worker running C sleeps in C: its call runs in the main thread's
 * realm, and the main thread's settle wakes it. */
static slp_channel wch;
static int wid;
static volatile int wr, wr2;
static char *volatile wres;

static int worker(void *arg) {
    char *res = NULL;
    (void)arg;
    ASSERT_OK(slp_channel_send(wch, (void *)(uintptr_t)slp_getcurrent()));
    wr = slp_js_await("slpTest.defer", "W", &res);
    wres = res;
    ASSERT_OK(slp_channel_send(wch, NULL));
    /* killed from the main thread while it waits */
    wr2 = slp_js_await("slpTest.defer", "V", NULL);
    ASSERT_OK(slp_channel_send(wch, NULL));
    return 0;
}

static int main_side(void *arg) {
    void *v = NULL;
    slp_tasklet w;
    (void)arg;
    ASSERT_OK(slp_channel_receive(wch, &v));
    w = (slp_tasklet)(uintptr_t)v;
    /* wait (by state) until its call ran here, in this realm */
    while (deferred_count() == 0 ||
           slp_tasklet_waiting(w) != SLP_WAITING_SLEEP)
        ASSERT_OK(slp_sleep(MS));
    await_logged("M", "slpTest.resolve", "z");
    ASSERT_OK(slp_channel_receive(wch, &v));
    EV("W:%s:%s", ename(wr), wres ? wres : "null");
    free(wres);
    while (deferred_count() == 0 || slp_tasklet_waiting(w) != SLP_WAITING_SLEEP)
        ASSERT_OK(slp_sleep(MS));
    ASSERT_OK(slp_tasklet_kill(w, 1));
    ASSERT_OK(slp_channel_receive(wch, &v));
    EV("W:%s", ename(wr2));
    /* its promise settles after it left: nobody is woken */
    await_logged("M", "slpTest.resolve", "v");
    return 0;
}

static void worker_done(int r, void *ud) {
    (void)ud;
    ASSERT_OK(r);
    ASSERT_OK(slp_thread_join(wid, NULL));
    ASSERT_LOG("M:ok:resolved W:ok:W:z W:SLP_EEXIT M:ok:resolved");
    pass();
}

TEST(js_await_from_a_worker) {
    install("js_await_from_a_worker");
    ASSERT_OK(slp_channel_new(&wch));
    ASSERT_OK(slp_thread_start(&wid, worker, NULL));
    spawn(main_side, NULL);
    leave(worker_done);
}

static slp_channel dch;

static int napper(void *arg) {
    (void)arg;
    ASSERT_OK(slp_sleep(MS));
    EV("slept");
    return 0;
}

static int stuck(void *arg) {
    void *v;
    (void)arg;
    EV("stuck");
    EV("%s", ename(slp_channel_receive(dch, &v)));
    return 0;
}

static void deadlock_done(int r, void *ud) {
    (void)ud;
    ASSERT_ERR(r, SLP_EDEADLOCK);
    ASSERT_LOG("stuck slept");
    pass();
}

/* slp_js_run waits for a deadline (the loop's timer), then sees that the
 * tasklet left can never run. */
TEST(js_run_ends_on_deadlock) {
    install("js_run_ends_on_deadlock");
    ASSERT_OK(slp_channel_new(&dch));
    spawn(napper, NULL);
    spawn(stuck, NULL);
    leave(deadlock_done);
}

/* A run of the scheduler can end with a tasklet queued (the switch back to
 * main queued a sleeper whose time had just come; here a schedule callback
 * inserts one): slp_js_run runs it, it does not call the tasklets left
 * deadlocked (the loop saw "no deadline" and ended with EDEADLOCK). */
static slp_tasklet late;

static int late_fn(void *arg) {
    (void)arg;
    EV("late");
    return 0;
}

static int insert_late(slp_tasklet prev, slp_tasklet next) {
    (void)prev;
    if (late && next == slp_getmain()) {
        slp_tasklet t = late;
        late = 0;
        ASSERT_OK(slp_tasklet_insert(t));
    }
    return 0;
}

static void queued_done(int r, void *ud) {
    (void)ud;
    slp_set_schedule_callback(NULL);
    ASSERT_ERR(r, SLP_EDEADLOCK);
    ASSERT_LOG("stuck late");
    pass();
}

TEST(js_run_runs_what_a_run_left_queued) {
    install("js_run_runs_what_a_run_left_queued");
    ASSERT_OK(slp_channel_new(&dch));
    ASSERT_OK(slp_tasklet_new(&late));
    ASSERT_OK(slp_tasklet_bind_args(late, late_fn, NULL)); /* paused */
    spawn(stuck, NULL);
    slp_set_schedule_callback(insert_late);
    leave(queued_done);
}
#endif
