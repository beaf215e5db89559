/* Reference peer: the bare Asyncify mechanism our tasklet switch is built
 * on (TOOLCHAIN.md's prototype), with nothing of the runtime around it: one
 * resume (rewind into a body) and one yield (unwind out of it) per round
 * trip, two frames deep, fixed buffer, no copies.  A schedule() round trip
 * between two tasklets is two of these (tasklet -> loop -> tasklet, twice),
 * so twice this figure is the floor of schedule_rt_ns in the same engine.
 *   asyncify_bare.wasm  prints "peer_asyncify_bare_rt_ns <ns>" (median of 5)
 *   and peer_asyncify_bare_dN_rt_ns with N frames (8, 32, 128) between
 *   the body and the yield, the floor of bench.c's depthN_rt_ns;
 *   peer_asyncify_bare_api_rt_ns with the switch made by a call (one frame
 *   more: the floor of any C API's switch), and peer_asyncify_bare_call_
 *   may_switch_ns / _plain_ns (what instrumentation alone costs a call).
 * WASI command module: run it with wasm/tools/run-wasi.sh ENGINE. */
#include <stdio.h>
#include <time.h>

#define IMPORT(name) __attribute__((import_module("asyncify"), import_name(name)))
IMPORT("start_unwind") void start_unwind(void *data);
IMPORT("stop_unwind") void stop_unwind(void);
IMPORT("start_rewind") void start_rewind(void *data);
IMPORT("stop_rewind") void stop_rewind(void);

static struct { char *cur, *end; } hdr;
static char buf[4096];
static int rewinding, unwinding, started;
static volatile long work; /* the body's work per resume */

__attribute__((noinline)) static void yield(void) {
    if (!rewinding) {
        unwinding = 1;
        hdr.cur = buf;
        hdr.end = buf + sizeof buf;
        start_unwind(&hdr);
        return;
    }
    rewinding = 0;
    stop_rewind();
}

__attribute__((noinline)) static void body(void) {
    for (;;) {
        work++;
        yield();
    }
}

/* The same with frames in between, each with a little state in locals
 * (as bench.c's down()). */
static int depth = 1;
__attribute__((noinline)) static long down(int d, long acc) {
    if (d > 1) { /* the result used twice: no loop made of it */
        long r = down(d - 1, acc * 3 + d);
        return r * r + acc;
    }
    body();
    return acc;
}
static volatile long sink;
__attribute__((noinline)) static void body_deep(void) { sink = down(depth, 1); }

/* The floor of an API: a tasklet switches by calling a function of the
 * runtime (slp_schedule), which then unwinds.  That one call is a frame
 * more to unwind and rewind at each switch than body() has; no runtime
 * can do less when its switch is a C call. */
static volatile int api_flag;
__attribute__((noinline)) static void api_switch(void) {
    if (api_flag) work--; /* a check, as every API call makes one */
    yield();
}
__attribute__((noinline)) static void body_api(void) {
    for (;;) {
        work++;
        api_switch();
    }
}

/* What Asyncify's instrumentation costs where it does not switch: a
 * recursion through a function that may reach yield() (instrumented)
 * against the same through one that cannot (bench.c's call_may_switch_ns
 * and call_plain_ns, here without the runtime). */
static volatile int never;
static volatile long leaf_sink;
__attribute__((noinline)) static void plain_leaf(void) { leaf_sink++; }
__attribute__((noinline)) static long may_switch(int d) {
    if (d == 0) {
        if (never) yield();
        return 1;
    }
    {
        long r = may_switch(d - 1);
        return (r ^ (r >> 1)) + d;
    }
}
__attribute__((noinline)) static long plain(int d) {
    if (d == 0) {
        if (never) plain_leaf();
        return 1;
    }
    {
        long r = plain(d - 1);
        return (r ^ (r >> 1)) + d;
    }
}
static void (*volatile body_ptr)(void) = body; /* as the runtime calls t->fn */

/* On the pass's remove-list: the unwind stops here. */
__attribute__((noinline)) void bare_resume(void) {
    if (started) {
        hdr.end = hdr.cur;
        rewinding = 1;
        start_rewind(&hdr);
    }
    started = 1;
    body_ptr();
    if (unwinding) {
        stop_unwind();
        unwinding = 0;
    }
}

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

enum { RUNS = 5 };

static double median(double r[RUNS]) {
    double t;
    int k, j;
    for (k = 1; k < RUNS; k++) /* insertion sort for the median */
        for (j = k; j > 0 && r[j] < r[j - 1]; j--) {
            t = r[j];
            r[j] = r[j - 1];
            r[j - 1] = t;
        }
    return r[RUNS / 2];
}

static double median_calls(long (*fn)(int)) {
    enum { N = 200000 };
    double r[RUNS], t;
    long i, sum = 0;
    int k;
    for (k = 0; k < RUNS; k++) {
        t = now_ns();
        for (i = 0; i < N; i++) sum += fn(32);
        r[k] = (now_ns() - t) / (double)(N * 33); /* per call */
    }
    sink = sum;
    return median(r);
}

static double median_run(long n) {
    double r[RUNS], t;
    long i;
    int k;
    for (k = 0; k < RUNS; k++) {
        t = now_ns();
        for (i = 0; i < n; i++) bare_resume();
        r[k] = (now_ns() - t) / (double)n;
    }
    return median(r);
}

int main(void) {
    static const int depths[] = {8, 32, 128};
    long n = 2000000;
    unsigned k;
    int ok;
    printf("peer_asyncify_bare_rt_ns %.1f\n", median_run(n));
    ok = work == n * 5;
    /* A new body each time: the old one is simply never resumed again. */
    for (k = 0; k < sizeof depths / sizeof depths[0]; k++) {
        depth = depths[k];
        body_ptr = body_deep;
        started = 0;
        printf("peer_asyncify_bare_d%d_rt_ns %.1f\n", depth, median_run(n / depth * 4));
    }
    body_ptr = body_api;
    started = 0;
    printf("peer_asyncify_bare_api_rt_ns %.1f\n", median_run(n));
    printf("peer_asyncify_bare_call_may_switch_ns %.2f\n", median_calls(may_switch));
    printf("peer_asyncify_bare_call_plain_ns %.2f\n", median_calls(plain));
    return ok ? 0 : 1;
}
