/* Reference peer: the bare Asyncify mechanism our tasklet switch is built
 * on (TOOLCHAIN.md's prototype), with nothing of the runtime around it: one
 * resume (rewind into a body) and one yield (unwind out of it) per round
 * trip, two frames deep, fixed buffer, no copies.  A schedule() round trip
 * between two tasklets is two of these (tasklet -> loop -> tasklet, twice),
 * so twice this figure is the floor of schedule_rt_ns in the same engine.
 *   asyncify_bare.wasm  prints "peer_asyncify_bare_rt_ns <ns>" (median of 5)
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

int main(void) {
    enum { N = 2000000, RUNS = 5 };
    double r[RUNS], t;
    int i, k, j;
    for (k = 0; k < RUNS; k++) {
        t = now_ns();
        for (i = 0; i < N; i++) bare_resume();
        r[k] = (now_ns() - t) / N;
    }
    for (i = 1; i < RUNS; i++) /* insertion sort for the median */
        for (j = i; j > 0 && r[j] < r[j - 1]; j--) {
            t = r[j];
            r[j] = r[j - 1];
            r[j - 1] = t;
        }
    printf("peer_asyncify_bare_rt_ns %.1f\n", r[RUNS / 2]);
    return work == (long)N * RUNS ? 0 : 1;
}
