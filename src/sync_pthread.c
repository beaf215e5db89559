/*
 * sync_pthread.c -- the lock, sleeping and threads over POSIX threads: the
 * native build, and the Emscripten build where pthreads are Web Workers.
 *
 * The lock and the sleeps are futexes on words of (shared) memory
 * (futex_*.c): the lock is Drepper's three-state mutex, a sleeping thread
 * waits on its own wake word.  Both spin briefly first: a cross-thread
 * partner usually answers within a microsecond, a futex round trip costs
 * tens of them (TOOLCHAIN.md: 26.5 us against 0.49 us in workers).
 */
#define _GNU_SOURCE /* pthread_tryjoin_np */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#ifdef __EMSCRIPTEN__
#include <emscripten/em_asm.h>
#include <emscripten/threading.h>
#endif

#include "internal.h"

const int slp__have_threads = 1;

/* 0 free, 1 taken, 2 taken and someone may wait.  On a cache line of its
 * own: every thread's critical sections pull it, no neighbour should come
 * along or be pulled away with it. */
static struct {
    _Alignas(64) volatile uint32_t word; /* (so the struct is a whole line) */
} lock_line;
#define big (lock_line.word)
__thread slp__thread *slp__tls;
static pthread_key_t exit_key;
static pthread_once_t exit_once = PTHREAD_ONCE_INIT;

/* A pthread that used the runtime and exits: its tasklets die with it. */
static void on_thread_exit(void *p) {
    slp__thread *th = p;
    if (th && th->state == SLP__TH_ALIVE) {
        slp__tls = th;
        slp_thread_exit();
    }
}

static void make_key(void) { pthread_key_create(&exit_key, on_thread_exit); }

slp__thread *slp__tls_get(void) { return slp__tls; }

void slp__tls_set(slp__thread *th) {
    slp__tls = th;
    pthread_once(&exit_once, make_key);
    pthread_setspecific(exit_key, th);
}

static uint32_t cas(volatile uint32_t *p, uint32_t expect, uint32_t want) {
    __atomic_compare_exchange_n(p, &expect, want, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
    return expect; /* the old value */
}

void slp__lock(void) {
    uint32_t c;
    int i;
    if (cas(&big, 0, 1) == 0) return;
    for (i = 0; i < 100; i++) {
        slp__cpu_relax();
        if (__atomic_load_n(&big, __ATOMIC_RELAXED) == 0 && cas(&big, 0, 1) == 0) return;
    }
    c = __atomic_exchange_n(&big, 2, __ATOMIC_ACQUIRE);
    while (c != 0) {
        slp__futex_wait(&big, 2);
        c = __atomic_exchange_n(&big, 2, __ATOMIC_ACQUIRE);
    }
}

/* Wakes owed by this OS thread, made once it has released the lock: a
 * thread woken inside the critical section would run straight into the
 * lock its waker still holds, and go back to sleep on it.  (The word may
 * belong to a thread that ended meanwhile: a futex wake of a stale word is
 * at worst a spurious wake, which every futex wait here allows.) */
#define WAKE_LATER_MAX 4
static __thread volatile uint32_t *wake_later[WAKE_LATER_MAX];
static __thread int n_wake_later;

static __attribute__((noinline)) void wakes_made(void) {
    int i, n = n_wake_later;
    n_wake_later = 0;
    for (i = 0; i < n; i++) slp__futex_wake(wake_later[i], 0x7fffffff);
}

void slp__unlock(void) {
    if (__atomic_exchange_n(&big, 0, __ATOMIC_RELEASE) == 2) slp__futex_wake(&big, 1);
    if (__builtin_expect(n_wake_later != 0, 0)) wakes_made();
}

int slp__sync_thread_init(slp__thread *th) {
    th->os = calloc(1, sizeof(pthread_t));
    return th->os ? 0 : -1;
}

void slp__sync_thread_free(slp__thread *th) {
    free(th->os);
    th->os = NULL;
}

static double mono_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* Spin up to this long before sleeping in the kernel / Atomics.wait:
 * SLP_SPIN_US, read by each OS thread at its first sleep (the benchmark's
 * partner-asleep figure sets 0), 50 by default. */
static __thread double spin_us = -1;

static double spin_limit(void) {
    if (spin_us < 0) {
        const char *e = getenv("SLP_SPIN_US");
        spin_us = e && *e ? atof(e) : 50.0;
        if (spin_us < 0) spin_us = 0;
    }
    return spin_us;
}

int slp__thread_spins(void) { return spin_limit() > 0; }

void slp__thread_spin(slp__thread *th, uint32_t seen) {
    double until = 0, limit = spin_limit();
    int i = 0;
    while (limit > 0 && __atomic_load_n(&th->wake_seq, __ATOMIC_ACQUIRE) == seen) {
        slp__cpu_relax();
        if ((++i & 255) != 0) continue;
        if (until == 0) until = mono_us() + limit;
        else if (mono_us() > until) break;
    }
}

void slp__thread_sleep(slp__thread *th, uint32_t seen) {
    slp__unlock();
    slp__thread_spin(th, seen);
    /* Announced before the last look at the word, both seq-cst, as the
     * waker bumps the word before it looks at in_futex: one of the two
     * sees the other, so no wake is lost. */
    __atomic_store_n(&th->in_futex, 1, __ATOMIC_SEQ_CST);
    while (__atomic_load_n(&th->wake_seq, __ATOMIC_SEQ_CST) == seen)
        slp__futex_wait(&th->wake_seq, seen);
    __atomic_store_n(&th->in_futex, 0, __ATOMIC_RELAXED);
    if (__atomic_load_n(&th->stop_requested, __ATOMIC_RELAXED)) slp__thread_park(th);
    slp__lock();
}

/* The same with a deadline, without the spin (a timer is seldom due
 * within microseconds). */
void slp__thread_sleep_until(slp__thread *th, uint32_t seen, uint64_t deadline) {
    slp__unlock();
    __atomic_store_n(&th->in_futex, 1, __ATOMIC_SEQ_CST);
    while (__atomic_load_n(&th->wake_seq, __ATOMIC_SEQ_CST) == seen) {
        uint64_t now = slp__now_ns();
        if (now >= deadline) break;
        slp__futex_wait_ns(&th->wake_seq, seen, deadline - now);
    }
    __atomic_store_n(&th->in_futex, 0, __ATOMIC_RELAXED);
    if (__atomic_load_n(&th->stop_requested, __ATOMIC_RELAXED)) slp__thread_park(th);
    slp__lock();
}

void slp__thread_park(slp__thread *th) {
    __atomic_store_n(&th->parked, 1, __ATOMIC_SEQ_CST);
    slp__futex_wake(&th->parked, 0x7fffffff);
    for (;;) slp__futex_wait(&th->parked, 1);
}

/* Everyone waiting on the word: the thread itself, and any number of
 * JavaScript awaits (Atomics.waitAsync) once the word was given out.  A
 * partner that is running or still spinning needs no notify: it costs a
 * system call natively and a call out to JavaScript in workers. */
void slp__sync_wake(slp__thread *th) {
    if (th->word_shared || __atomic_load_n(&th->in_futex, __ATOMIC_SEQ_CST)) {
        int i;
        /* The eventfd now: it is closed with its thread, under the lock. */
        slp__poll_kick(th); /* it may wait in poll() instead (poll_native.c) */
        for (i = 0; i < n_wake_later; i++)
            if (wake_later[i] == &th->wake_seq) return;
        if (n_wake_later < WAKE_LATER_MAX)
            wake_later[n_wake_later++] = &th->wake_seq;
        else
            slp__futex_wake(&th->wake_seq, 0x7fffffff);
    }
}

static void *thread_start(void *p) {
    slp__thread_main(p);
    return NULL;
}

int slp__os_thread_start(slp__thread *th) {
    return pthread_create((pthread_t *)th->os, NULL, thread_start, th) == 0 ? 0 : -1;
}

#ifdef __EMSCRIPTEN__
/* The main thread of a browser page (not Node's, not a worker's). */
static int page_thread(void) {
    return emscripten_is_main_browser_thread() &&
           !EM_ASM_INT({ return typeof ENVIRONMENT_IS_NODE != 'undefined' && ENVIRONMENT_IS_NODE; });
}
#endif

int slp__os_thread_join(slp__thread *th) {
#ifdef __EMSCRIPTEN__
    /* Emscripten's pthread_join prints "Blocking on the main thread is very
     * dangerous" on a page's thread before it knows whether it will wait:
     * the JavaScript layer joins only threads that have ended, so every page
     * that ended a thread got it.  A page's thread cannot sleep (no
     * Atomics.wait there): Emscripten's wait spins, serving the calls other
     * threads proxy to it, which is what this loop does, without the warning.
     * Elsewhere (workers, Node) pthread_join sleeps. */
    if (page_thread()) {
        int r;
        while ((r = pthread_tryjoin_np(*(pthread_t *)th->os, NULL)) == EBUSY) slp__idle_poll();
        return r == 0 ? 0 : -1;
    }
#endif
    return pthread_join(*(pthread_t *)th->os, NULL) == 0 ? 0 : -1;
}
