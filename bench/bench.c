/*
 * bench.c -- the runtime's figures, one line each ("name value"), so that a
 * driver can print them side by side with its peers (bench/run.sh):
 *
 *   canary_ns           fib(20), calls nothing of ours: compares CPU speed
 *   schedule_rt_ns      two tasklets schedule() to each other: one round trip
 *   channel_rt_ns       ping-pong over two channels on one thread
 *   xthread_rt_ns       ping-pong between tasklets of two threads, both idle
 *   xthread_busy_rt_ns  the same while both threads have other work queued
 *   xthread_sleep_rt_ns the same with both partners asleep at each wait
 *                       (SLP_SPIN_US=0: no spin before the futex)
 *   blocked_bytes       memory per tasklet blocked on a channel (100,000)
 *   depthN_rt_ns        schedule_rt_ns with N C frames (1, 8, 32, 128)
 *                       between each tasklet's function and its switch
 *   call_may_switch_ns  one call of a recursion through a function that
 *                       may switch (Asyncify instruments it) and does not
 *   call_plain_ns       the same recursion through a function that cannot
 *   create_1m_ms        creating 1,000,000 tasklets and running them all
 *                       into a channel wait (ms)
 *   blocked_d8_bytes,   the same two with 8 C frames under each wait
 *   create_1m_d8_ms
 *
 * Each timed figure is the best of 5 runs.  Arguments: the names to run (all
 * by default).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "stackless.h"

static long iters_scale = 1; /* SLP_BENCH_SCALE multiplies the runs */

/* SLP_BENCH_CLOCK=cpu: the process's CPU time instead of the wall clock,
 * for single-thread figures on a loaded machine (time spent descheduled
 * is not counted; meaningless for the cross-thread ones). */
static double now_ns(void) {
    static int cpu = -1;
    struct timespec ts;
    if (cpu < 0) cpu = getenv("SLP_BENCH_CLOCK") && strcmp(getenv("SLP_BENCH_CLOCK"), "cpu") == 0;
    clock_gettime(cpu ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void check(int r, const char *what) {
    if (r != 0) {
        fprintf(stderr, "bench: %s: %s\n", what, slp_strerror(r));
        exit(1);
    }
}

/* ------------------------------------------------------------- canary */

static __attribute__((noinline)) int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

static volatile int fib_arg = 20; /* not a constant: no precomputing */

static double bench_canary(void) {
    long i, n = 200 * iters_scale, sum = 0;
    double t0 = now_ns();
    for (i = 0; i < n; i++) sum += fib(fib_arg);
    if (sum == 42) printf("\n");
    return (now_ns() - t0) / (double)n;
}

/* ----------------------------------------------------------- schedule */

static long n_rounds;

static int yielder(void *arg) {
    long i;
    (void)arg;
    for (i = 0; i < n_rounds; i++) slp_schedule();
    return 0;
}

static double bench_schedule(void) {
    slp_tasklet a, b;
    double t0;
    n_rounds = 200000 * iters_scale;
    check(slp_tasklet_create(&a, yielder, NULL), "create");
    check(slp_tasklet_create(&b, yielder, NULL), "create");
    t0 = now_ns();
    check(slp_run(), "run");
    slp_tasklet_release(a);
    slp_tasklet_release(b);
    /* One round trip: a -> b -> a, i.e. two switches. */
    return (now_ns() - t0) / (double)n_rounds;
}

/* -------------------------------------------------------------- timers */

/* A tasklet's slp_sleep(ns), alone on its thread: from the call to its
 * return, per wake (the thread's idle wait for the deadline included).
 * -1 where the thread may not wait for time in C (a page's main thread). */
static uint64_t sleep_ns;
static int sleep_err;

static int sleeper(void *arg) {
    long i;
    (void)arg;
    for (i = 0; i < n_rounds && !sleep_err; i++) sleep_err = slp_sleep(sleep_ns);
    return 0;
}

static double bench_sleep(uint64_t ns, long rounds) {
    slp_tasklet t;
    double t0;
    n_rounds = rounds;
    sleep_ns = ns;
    sleep_err = 0;
    check(slp_tasklet_create(&t, sleeper, NULL), "create");
    t0 = now_ns();
    if (slp_run() < 0) sleep_err = -1;
    slp_tasklet_release(t);
    return sleep_err ? -1 : (now_ns() - t0) / (double)rounds;
}

static double bench_sleep0(void) { return bench_sleep(0, 100000 * iters_scale); }
static double bench_sleep1ms(void) { return bench_sleep(1000000, 100); }

/* -------------------------------------------------------------- depth */

/* Frames between the tasklet's function and its switch: each holds a
 * little state in locals (what Asyncify saves), none address-taken (no
 * slice of the shadow stack), as in most C code. */
static __attribute__((noinline)) long down(int d, long acc) {
    long i, r;
    if (d > 1) { /* the result used twice: no loop made of it */
        long r = down(d - 1, acc * 3 + d);
        return r * r + acc;
    }
    for (i = 0; i < n_rounds; i++) slp_schedule();
    r = acc;
    return r;
}

static volatile long depth_sink;
static int depth_now;

static int depth_yielder(void *arg) {
    (void)arg;
    depth_sink = down(depth_now, 1);
    return 0;
}

static double bench_depth(int depth) {
    slp_tasklet a, b;
    double t0;
    depth_now = depth;
    n_rounds = (depth > 32 ? 20000 : 100000) * iters_scale;
    check(slp_tasklet_create(&a, depth_yielder, NULL), "create");
    check(slp_tasklet_create(&b, depth_yielder, NULL), "create");
    t0 = now_ns();
    check(slp_run(), "run");
    slp_tasklet_release(a);
    slp_tasklet_release(b);
    return (now_ns() - t0) / (double)n_rounds;
}
static double bench_depth1(void) { return bench_depth(1); }
static double bench_depth8(void) { return bench_depth(8); }
static double bench_depth32(void) { return bench_depth(32); }
static double bench_depth128(void) { return bench_depth(128); }

/* The price of being instrumented: the same recursion through a function
 * that may switch (never does here) and through one that cannot. */
static volatile int never;

static __attribute__((noinline)) void plain_leaf(void) { depth_sink++; }

static __attribute__((noinline)) long may_switch(int d) {
    if (d == 0) {
        if (never) slp_schedule();
        return 1;
    }
    {
        long r = may_switch(d - 1);
        return (r ^ (r >> 1)) + d;
    }
}

static __attribute__((noinline)) long plain(int d) {
    if (d == 0) {
        if (never) plain_leaf();
        return 1;
    }
    {
        long r = plain(d - 1);
        return (r ^ (r >> 1)) + d;
    }
}

static double bench_calls(long (*fn)(int)) {
    long i, n = 200000 * iters_scale, sum = 0;
    double t0 = now_ns();
    for (i = 0; i < n; i++) sum += fn(32);
    depth_sink = sum;
    return (now_ns() - t0) / (double)(n * 33); /* per call */
}
static double bench_may_switch(void) { return bench_calls(may_switch); }
static double bench_plain(void) { return bench_calls(plain); }

/* ------------------------------------------------------------ channel */

static slp_channel ping_ch, pong_ch;

static int pinger(void *arg) {
    long i;
    void *v;
    (void)arg;
    for (i = 0; i < n_rounds; i++) {
        check(slp_channel_send(ping_ch, (void *)i), "send ping");
        check(slp_channel_receive(pong_ch, &v), "receive pong");
    }
    return 0;
}

static int ponger(void *arg) {
    long i;
    void *v;
    (void)arg;
    for (i = 0; i < n_rounds; i++) {
        check(slp_channel_receive(ping_ch, &v), "receive ping");
        check(slp_channel_send(pong_ch, v), "send pong");
    }
    return 0;
}

static double bench_channel(void) {
    slp_tasklet a, b;
    double t0;
    n_rounds = 200000 * iters_scale;
    check(slp_channel_new(&ping_ch), "channel");
    check(slp_channel_new(&pong_ch), "channel");
    check(slp_tasklet_create(&b, ponger, NULL), "create");
    check(slp_tasklet_create(&a, pinger, NULL), "create");
    t0 = now_ns();
    check(slp_run(), "run");
    slp_tasklet_release(a);
    slp_tasklet_release(b);
    slp_channel_release(ping_ch);
    slp_channel_release(pong_ch);
    return (now_ns() - t0) / (double)n_rounds;
}

/* ------------------------------------------------------- cross-thread */

static int busy_mode;

/* Other work on the same thread while the partner runs: small units with
 * a yield in between, so the scheduler always has something to run and
 * the thread never sleeps.  (The peer, a bare Atomics ping-pong, checks a
 * flag once per unit; our check for messages is the schedule().) */
static int busy(void *arg) {
    volatile int *partner_done = arg;
    unsigned x = 1;
    int k;
    while (!__atomic_load_n(partner_done, __ATOMIC_RELAXED)) {
        for (k = 0; k < 16; k++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
        }
        if (slp_schedule() != 0) break;
    }
    return (int)(x & 0);
}

/* fn, then a flag for the busy tasklet of its thread. */
typedef struct {
    slp_func fn;
    volatile int done;
} side_job;

static int run_job(void *arg) {
    side_job *job = arg;
    int r = job->fn(NULL);
    __atomic_store_n(&job->done, 1, __ATOMIC_RELAXED);
    return r;
}

/* A thread's main: run fn (and a busy tasklet), until they have ended. */
static int side(void *fn) {
    slp_tasklet t, b = 0;
    side_job job;
    job.fn = (slp_func)fn;
    job.done = 0;
    check(slp_tasklet_create(&t, run_job, &job), "create");
    if (busy_mode) {
        check(slp_tasklet_create(&b, busy, (void *)&job.done), "create");
        while (slp_tasklet_alive(t) == 1 || slp_tasklet_alive(b) == 1) slp_run();
        slp_tasklet_release(b);
    } else {
        /* Main blocks on a channel nobody sends to: whenever fn waits on
         * the other thread this thread sleeps (spin, then futex) until it
         * is woken; when fn ends, main gets "receiving without a sender". */
        slp_channel idle;
        check(slp_channel_new(&idle), "channel");
        while (slp_tasklet_alive(t) == 1) slp_channel_receive(idle, NULL);
        slp_channel_release(idle);
    }
    slp_tasklet_release(t);
    return 0;
}

static double bench_xthread(int busy_flag) {
    int id;
    double t0, dt;
    busy_mode = busy_flag;
    n_rounds = (busy_flag ? 100000 : 50000) * iters_scale;
    check(slp_channel_new(&ping_ch), "channel");
    check(slp_channel_new(&pong_ch), "channel");
    check(slp_thread_start(&id, side, (void *)ponger), "thread");
    t0 = now_ns();
    side((void *)pinger);
    dt = now_ns() - t0;
    check(slp_thread_join(id, NULL), "join");
    slp_channel_release(ping_ch);
    slp_channel_release(pong_ch);
    return dt / (double)n_rounds;
}

/* Partner asleep: both sides on threads of their own, started with
 * SLP_SPIN_US=0 (read by each thread at its first sleep), so every wait
 * goes to the futex (Atomics.wait in workers) at once.  The peer: a bare
 * FUTEX_WAIT/FUTEX_WAKE (Atomics.wait/notify) ping-pong. */
static double xthread_sleep(void) {
    int a, b;
    double t0, dt;
    busy_mode = 0;
    n_rounds = 5000 * iters_scale;
    check(slp_channel_new(&ping_ch), "channel");
    check(slp_channel_new(&pong_ch), "channel");
    setenv("SLP_SPIN_US", "0", 1);
    check(slp_thread_start(&b, side, (void *)ponger), "thread");
    t0 = now_ns();
    check(slp_thread_start(&a, side, (void *)pinger), "thread");
    check(slp_thread_join(a, NULL), "join");
    dt = now_ns() - t0;
    check(slp_thread_join(b, NULL), "join");
    unsetenv("SLP_SPIN_US");
    slp_channel_release(ping_ch);
    slp_channel_release(pong_ch);
    return dt / (double)n_rounds;
}

/* ------------------------------------------------------------ memory */

static slp_channel wait_ch;

static int blocked_depth; /* C frames under the receive (depth figures) */

static __attribute__((noinline)) long block_down(int d, long acc) {
    if (d > 1) { /* as down(): locals, none address-taken */
        long r = block_down(d - 1, acc * 3 + d);
        return r * r + acc;
    }
    return slp_channel_receive(wait_ch, NULL) + acc * 0;
}

static int blocker(void *arg) {
    (void)arg;
    if (blocked_depth) return (int)block_down(blocked_depth, 1);
    return slp_channel_receive(wait_ch, NULL);
}

#if defined(__wasm__)
static size_t heap_bytes(void) { return (size_t)sbrk(0); }
#else
static size_t heap_bytes(void) { /* resident set: what tasklets really touch */
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
        fclose(f);
    }
    return (size_t)resident * (size_t)sysconf(_SC_PAGESIZE);
}
#endif

static double bench_blocked(void) {
    enum { N = 100000 };
    static slp_tasklet ts[N];
    size_t before, after;
    int i;
    check(slp_channel_new(&wait_ch), "channel");
    /* Warm up the allocator and the handle table with one round. */
    for (i = 0; i < N / 10; i++) check(slp_tasklet_create(&ts[i], blocker, NULL), "create");
    check(slp_run(), "run");
    for (i = 0; i < N / 10; i++) slp_tasklet_kill(ts[i], 1), slp_tasklet_release(ts[i]);
    check(slp_run(), "run");
    before = heap_bytes();
    for (i = 0; i < N; i++) check(slp_tasklet_create(&ts[i], blocker, NULL), "create");
    check(slp_run(), "run"); /* every one of them blocks on wait_ch */
    after = heap_bytes();
    if (slp_channel_balance(wait_ch) != -N) {
        fprintf(stderr, "bench: only %d blocked\n", -slp_channel_balance(wait_ch));
        exit(1);
    }
    for (i = 0; i < N; i++) slp_tasklet_kill(ts[i], 1), slp_tasklet_release(ts[i]);
    check(slp_run(), "run");
    slp_channel_release(wait_ch);
    return (double)(after - before) / N;
}

/* 1,000,000 tasklets blocked at depth 0, from create to all blocked. */
static double bench_create_1m(void) {
    enum { N = 1000000 };
    static slp_tasklet ts[N];
    double t0;
    int i;
    check(slp_channel_new(&wait_ch), "channel");
    t0 = now_ns();
    for (i = 0; i < N; i++) check(slp_tasklet_create(&ts[i], blocker, NULL), "create");
    while (slp_run() != 0) {} /* a tasklet without memory for its stack ends */
    t0 = now_ns() - t0;
    if (slp_channel_balance(wait_ch) != -N) { /* not met: no figure */
        fprintf(stderr, "bench: only %d of %d blocked\n", -slp_channel_balance(wait_ch), N);
        t0 = -1;
    }
    for (i = 0; i < N; i++) slp_tasklet_kill(ts[i], 1), slp_tasklet_release(ts[i]);
    while (slp_run() != 0) {}
    slp_channel_release(wait_ch);
    return t0 < 0 ? -1 : t0 / 1e6;
}

/* The same two at depth 8: what a blocked tasklet's frames cost. */
static double at_depth8(double (*fn)(void)) {
    double v;
    blocked_depth = 8;
    v = fn();
    blocked_depth = 0;
    return v;
}
static double bench_blocked_d8(void) { return at_depth8(bench_blocked); }
static double bench_create_1m_d8(void) { return at_depth8(bench_create_1m); }

/* -------------------------------------------------------------- main */

static double best_of(double (*fn)(void), int runs) {
    double best = 1e300;
    int i;
    for (i = 0; i < runs; i++) {
        double v = fn();
        if (v < best) best = v;
    }
    return best;
}

static double xthread_idle(void) { return bench_xthread(0); }
static double xthread_busy(void) { return bench_xthread(1); }

static const struct {
    const char *name;
    double (*fn)(void);
    int runs;
    int threads;
} figures[] = {
    {"canary_ns", bench_canary, 5, 0},
    {"schedule_rt_ns", bench_schedule, 5, 0},
    {"channel_rt_ns", bench_channel, 5, 0},
    {"sleep0_wake_ns", bench_sleep0, 3, 0},
    {"sleep1ms_wake_ns", bench_sleep1ms, 3, 0},
    {"xthread_rt_ns", xthread_idle, 5, 1},
    {"xthread_busy_rt_ns", xthread_busy, 5, 1},
    {"xthread_sleep_rt_ns", xthread_sleep, 5, 1},
    {"blocked_bytes", bench_blocked, 1, 0},
    {"depth1_rt_ns", bench_depth1, 3, 0},
    {"depth8_rt_ns", bench_depth8, 3, 0},
    {"depth32_rt_ns", bench_depth32, 3, 0},
    {"depth128_rt_ns", bench_depth128, 3, 0},
    {"call_may_switch_ns", bench_may_switch, 5, 0},
    {"call_plain_ns", bench_plain, 5, 0},
    {"create_1m_ms", bench_create_1m, 1, 0},
    {"blocked_d8_bytes", bench_blocked_d8, 1, 0},
    {"create_1m_d8_ms", bench_create_1m_d8, 1, 0},
};

int main(int argc, char **argv) {
    size_t i;
    int a, any = argc > 1, threads = slp_thread_start(NULL, NULL, NULL) != SLP_ENOTSUP;
    if (getenv("SLP_BENCH_SCALE")) iters_scale = atol(getenv("SLP_BENCH_SCALE"));
    if (iters_scale < 1) iters_scale = 1;
    for (i = 0; i < sizeof figures / sizeof figures[0]; i++) {
        int wanted = !any;
        for (a = 1; a < argc; a++) wanted |= strcmp(argv[a], figures[i].name) == 0;
        if (!wanted || (figures[i].threads && !threads)) continue;
        {
            double v = best_of(figures[i].fn, figures[i].runs);
            if (v >= 0) printf("%s %.1f\n", figures[i].name, v);
            fflush(stdout);
        }
    }
    return 0;
}
