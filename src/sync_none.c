/*
 * sync_none.c -- builds with a single thread (WASI preview1, Emscripten
 * without pthreads): no lock to take, nobody to wait for, and functions that
 * need another thread say so.
 */
#include <stdlib.h>
#include <time.h>

#include "internal.h"

const int slp__have_threads = 0;
__thread slp__thread *slp__tls; /* one thread: a plain global in effect */

slp__thread *slp__tls_get(void) { return slp__tls; }
void slp__tls_set(slp__thread *th) { slp__tls = th; }
void slp__lock(void) {}
void slp__unlock(void) {}
void slp__cpu_relax(void) {}
void slp__idle_poll(void) {}
int slp__sync_thread_init(slp__thread *th) {
    SLP__UNUSED(th);
    return 0;
}
void slp__sync_thread_free(slp__thread *th) { SLP__UNUSED(th); }

/* Only an outside hold (slp_external_hold) can make a lone thread wait, and
 * nothing outside can run while this thread sleeps: report it at once. */
void slp__thread_sleep(slp__thread *th, uint32_t seen) {
    SLP__UNUSED(seen);
    th->sleeping = 0;
    th->deadlocked = 1;
}

void slp__sync_wake(slp__thread *th) { SLP__UNUSED(th); }

/* No other thread to wake it: sleep out the time (poll_wasi.c waits itself;
 * this is for Emscripten without pthreads). */
void slp__thread_sleep_until(slp__thread *th, uint32_t seen, uint64_t deadline) {
    uint64_t now = slp__now_ns();
    SLP__UNUSED(th);
    SLP__UNUSED(seen);
    if (deadline > now) {
        uint64_t ns = deadline - now;
        struct timespec ts = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
        nanosleep(&ts, NULL);
    }
}
void slp__thread_park(slp__thread *th) { /* never asked: no other thread */
    SLP__UNUSED(th);
    abort();
}
int slp__os_thread_start(slp__thread *th) {
    SLP__UNUSED(th);
    return -1;
}
int slp__os_thread_join(slp__thread *th) {
    SLP__UNUSED(th);
    return -1;
}

int slp__thread_spins(void) { return 0; }

void slp__thread_spin(slp__thread *th, uint32_t seen) {
    SLP__UNUSED(th); /* nobody else could change the word */
    SLP__UNUSED(seen);
}
