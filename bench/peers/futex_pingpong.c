/*
 * futex_pingpong.c -- the native reference peer of the cross-thread figures:
 * a bare ping-pong between two pthreads on one 32-bit word, ns per round
 * trip, in the three modes of atomics_pingpong.mjs (its Node twin):
 *
 *   futex_spin_rt_ns   both sides spin on the word (a relax hint per look)
 *   futex_wait_rt_ns   both sides sleep in FUTEX_WAIT, woken by FUTEX_WAKE
 *   futex_busy_rt_ns   both sides "busy": a loop of fixed work units (16
 *                      xorshift steps, as bench.c's busy tasklet), the word
 *                      polled once per unit
 *
 * Not pinned (it needs both vCPUs).  Each mode runs REPS times, interleaved;
 * the best is printed, as bench.c prints its own figures.
 *   futex_pingpong [REPS]
 */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

enum { SPIN = 1, WAIT = 2, BUSY = 3 };

/* The word and the control on lines of their own. */
static struct {
    _Alignas(64) volatile uint32_t seq;
    _Alignas(64) volatile int mode;
    volatile long iters;
    volatile int ready;
} s;

static unsigned sink;

static void futex(volatile uint32_t *w, int op, uint32_t v) {
    syscall(SYS_futex, w, op, v, NULL, NULL, 0);
}

static unsigned work(unsigned x) {
    int k;
    for (k = 0; k < 16; k++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
    }
    return x | 1;
}

static unsigned await_seq(uint32_t target, int mode, unsigned x) {
    uint32_t v;
    if (mode == SPIN) {
        while (__atomic_load_n(&s.seq, __ATOMIC_ACQUIRE) != target) __builtin_ia32_pause();
    } else if (mode == WAIT) {
        while ((v = __atomic_load_n(&s.seq, __ATOMIC_ACQUIRE)) != target)
            futex(&s.seq, FUTEX_WAIT_PRIVATE, v);
    } else {
        do x = work(x);
        while (__atomic_load_n(&s.seq, __ATOMIC_ACQUIRE) != target);
    }
    return x;
}

static void set_seq(uint32_t v, int mode) {
    __atomic_store_n(&s.seq, v, __ATOMIC_RELEASE);
    if (mode == WAIT) futex(&s.seq, FUTEX_WAKE_PRIVATE, 1);
}

static void *partner(void *arg) {
    unsigned x = 1;
    (void)arg;
    for (;;) {
        int mode;
        long i, n;
        while (!(mode = __atomic_load_n(&s.mode, __ATOMIC_ACQUIRE))) __builtin_ia32_pause();
        if (mode < 0) break;
        n = s.iters;
        __atomic_store_n(&s.mode, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&s.ready, 1, __ATOMIC_RELEASE);
        for (i = 0; i < n; i++) {
            x = await_seq((uint32_t)(2 * i + 1), mode, x);
            set_seq((uint32_t)(2 * i + 2), mode);
        }
    }
    sink = x;
    return NULL;
}

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double once(int mode, long n) {
    unsigned x = 1;
    long i;
    double t0;
    s.seq = 0;
    s.iters = n;
    s.ready = 0;
    __atomic_store_n(&s.mode, mode, __ATOMIC_RELEASE);
    while (!__atomic_load_n(&s.ready, __ATOMIC_ACQUIRE)) __builtin_ia32_pause();
    t0 = now_ns();
    for (i = 0; i < n; i++) {
        set_seq((uint32_t)(2 * i + 1), mode);
        x = await_seq((uint32_t)(2 * i + 2), mode, x);
    }
    sink += x;
    return (now_ns() - t0) / (double)n;
}

int main(int argc, char **argv) {
    static const struct { const char *name; int mode; long iters; } modes[] = {
        {"futex_spin_rt_ns", SPIN, 200000},
        {"futex_wait_rt_ns", WAIT, 20000},
        {"futex_busy_rt_ns", BUSY, 200000},
    };
    double best[3] = {1e300, 1e300, 1e300};
    int reps = argc > 1 ? atoi(argv[1]) : 5, r, m;
    pthread_t th;
    if (reps < 1) reps = 1;
    if (pthread_create(&th, NULL, partner, NULL) != 0) return 1;
    for (m = 0; m < 3; m++) once(modes[m].mode, modes[m].iters / 10); /* warm up */
    for (r = 0; r < reps; r++)
        for (m = 0; m < 3; m++) {
            double v = once(modes[m].mode, modes[m].iters);
            if (v < best[m]) best[m] = v;
        }
    __atomic_store_n(&s.mode, -1, __ATOMIC_RELEASE);
    pthread_join(th, NULL);
    for (m = 0; m < 3; m++) printf("%s %.1f\n", modes[m].name, best[m]);
    return 0;
}
