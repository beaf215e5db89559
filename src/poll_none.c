/*
 * poll_none.c -- the idle wait where fds cannot be waited for (Emscripten:
 * no poll() that a worker could block in): timers only, by the timed futex
 * wait of sync_*.c; slp_wait_fd is SLP_ENOTSUP.
 */
#include "internal.h"

const int slp__poll_fds = 0;

void slp__poll_wait(slp__thread *th, uint32_t seen, uint64_t deadline) {
    if (deadline > slp__now_ns()) slp__thread_sleep_until(th, seen, deadline);
}

void slp__poll_kick(slp__thread *th) { SLP__UNUSED(th); }
void slp__poll_thread_free(slp__thread *th) { SLP__UNUSED(th); }
