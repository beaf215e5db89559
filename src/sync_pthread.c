/*
 * sync_pthread.c -- the lock, sleeping and threads over POSIX threads: the
 * native build, and the Emscripten build where pthreads are Web Workers and
 * mutexes/condition variables are Atomics.wait/notify on shared memory.
 */
#include <pthread.h>
#include <stdlib.h>

#include "internal.h"

/* How many times a thread that has to sleep first polls its wake word:
 * a cross-thread partner usually answers within a microsecond, and a
 * futex round trip costs tens of them (TOOLCHAIN.md: 26.5 us vs 0.49 us). */
#define SLP__SPIN 2000

typedef struct {
    pthread_t tid;
    pthread_cond_t cond;
} slp__os;

const int slp__have_threads = 1;
static pthread_mutex_t big = PTHREAD_MUTEX_INITIALIZER;
static __thread slp__thread *tls;
static pthread_key_t exit_key;
static pthread_once_t exit_once = PTHREAD_ONCE_INIT;

/* A pthread that used the runtime and exits: its tasklets die with it. */
static void on_thread_exit(void *p) {
    slp__thread *th = p;
    if (th && th->state == SLP__TH_ALIVE) {
        tls = th;
        slp_thread_exit();
    }
}

static void make_key(void) { pthread_key_create(&exit_key, on_thread_exit); }

slp__thread *slp__tls_get(void) { return tls; }

void slp__tls_set(slp__thread *th) {
    tls = th;
    pthread_once(&exit_once, make_key);
    pthread_setspecific(exit_key, th);
}

void slp__lock(void) { pthread_mutex_lock(&big); }
void slp__unlock(void) { pthread_mutex_unlock(&big); }

void slp__cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

int slp__sync_thread_init(slp__thread *th) {
    slp__os *os = calloc(1, sizeof *os);
    if (!os) return -1;
    pthread_cond_init(&os->cond, NULL);
    th->os = os;
    return 0;
}

void slp__sync_thread_free(slp__thread *th) {
    slp__os *os = th->os;
    if (!os) return;
    pthread_cond_destroy(&os->cond);
    free(os);
    th->os = NULL;
}

void slp__thread_sleep(slp__thread *th, uint32_t seen) {
    slp__os *os = th->os;
    int i;
    slp__unlock();
    for (i = 0; i < SLP__SPIN; i++) {
        if (__atomic_load_n(&th->wake_seq, __ATOMIC_ACQUIRE) != seen) break;
        slp__cpu_relax();
    }
    slp__lock();
    while (__atomic_load_n(&th->wake_seq, __ATOMIC_ACQUIRE) == seen)
        pthread_cond_wait(&os->cond, &big);
}

void slp__sync_wake(slp__thread *th) {
    slp__os *os = th->os;
    if (os) pthread_cond_signal(&os->cond);
}

static void *thread_start(void *p) {
    slp__thread_main(p);
    return NULL;
}

int slp__os_thread_start(slp__thread *th) {
    slp__os *os = th->os;
    return pthread_create(&os->tid, NULL, thread_start, th) == 0 ? 0 : -1;
}

int slp__os_thread_join(slp__thread *th) {
    slp__os *os = th->os;
    return pthread_join(os->tid, NULL) == 0 ? 0 : -1;
}
