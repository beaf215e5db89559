/*
 * poll_wasi.c -- the idle wait of the WASI build: one poll_oneoff (WASI
 * preview1) over the waited fds and a clock subscription for the nearest
 * deadline.  One thread: nothing else can wake it, or change the waiters
 * while it waits.
 */
#include <stdlib.h>
#include <wasi/api.h>

#include "internal.h"

const int slp__poll_fds = 1;

void slp__poll_wait(slp__thread *th, uint32_t seen, uint64_t deadline) {
    __wasi_subscription_t *sub;
    __wasi_event_t *ev;
    __wasi_size_t got = 0;
    int n = 0, i, max = 2 * th->nfdwaits + 1;
    uint64_t now = slp__now_ns();
    SLP__UNUSED(seen);
    sub = calloc((size_t)max, sizeof *sub);
    ev = calloc((size_t)max, sizeof *ev);
    if (!sub || !ev) goto out;
    for (i = 0; i < th->nfdwaits; i++) {
        slp__tasklet *t = th->fdwaits[i];
        if (t->wait_events & SLP_FD_READ) {
            sub[n].userdata = (uint64_t)i << 1;
            sub[n].u.tag = __WASI_EVENTTYPE_FD_READ;
            sub[n].u.u.fd_read.file_descriptor = (__wasi_fd_t)t->wait_fd;
            n++;
        }
        if (t->wait_events & SLP_FD_WRITE) {
            sub[n].userdata = (uint64_t)i << 1 | 1;
            sub[n].u.tag = __WASI_EVENTTYPE_FD_WRITE;
            sub[n].u.u.fd_write.file_descriptor = (__wasi_fd_t)t->wait_fd;
            n++;
        }
    }
    if (deadline != UINT64_MAX) {
        sub[n].userdata = UINT64_MAX;
        sub[n].u.tag = __WASI_EVENTTYPE_CLOCK;
        sub[n].u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
        /* relative: every engine implements that; never early, as the
         * caller re-reads the clock and waits again if need be */
        sub[n].u.u.clock.timeout = deadline > now ? deadline - now : 0;
        n++;
    }
    if (!n) goto out; /* nothing could ever end this wait */
    if (__wasi_poll_oneoff(sub, ev, (__wasi_size_t)n, &got) != 0) goto out;
    for (i = 0; i < (int)got; i++) {
        slp__tasklet *t;
        if (ev[i].userdata == UINT64_MAX) continue;
        t = th->fdwaits[ev[i].userdata >> 1];
        /* an error (a bad fd) makes it ready too: its read or write tells */
        t->wait_revents |= (ev[i].userdata & 1) ? SLP_FD_WRITE : SLP_FD_READ;
    }
out:
    free(sub);
    free(ev);
}

void slp__poll_kick(slp__thread *th) { SLP__UNUSED(th); }
void slp__poll_thread_free(slp__thread *th) { SLP__UNUSED(th); }
