/*
 * poll_native.c -- the idle wait of the native build: the futex wait with a
 * timeout when only timers wait, else one poll() over the waited fds, the
 * nearest deadline and the thread's eventfd, which a wake from another
 * thread kicks (a futex cannot be polled together with fds).
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "internal.h"

const int slp__poll_fds = 1;

static int timeout_ms(uint64_t deadline) {
    uint64_t now, ms;
    if (deadline == UINT64_MAX) return -1;
    now = slp__now_ns();
    if (deadline <= now) return 0;
    ms = (deadline - now + 999999u) / 1000000u; /* never early */
    return ms > INT32_MAX ? INT32_MAX : (int)ms;
}

static short to_poll(int ev) {
    return (short)((ev & SLP_FD_READ ? POLLIN : 0) | (ev & SLP_FD_WRITE ? POLLOUT : 0));
}

static short from_poll(short rev, short asked) {
    short r = (short)((rev & POLLIN ? SLP_FD_READ : 0) | (rev & POLLOUT ? SLP_FD_WRITE : 0));
    if (rev & (POLLERR | POLLHUP | POLLNVAL)) r |= asked; /* the call will tell */
    return (short)(r & asked);
}

void slp__poll_wait(slp__thread *th, uint32_t seen, uint64_t deadline) {
    struct pollfd *pfd;
    int n = th->nfdwaits, i, j, tmo = timeout_ms(deadline), r;
    if (!n) {
        if (tmo) slp__thread_sleep_until(th, seen, deadline);
        return;
    }
    if (tmo && !th->wake_efd) {
        int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (efd >= 0) th->wake_efd = efd + 1;
        else if (tmo < 0 || tmo > 10) tmo = 10; /* no eventfd: poll for wakes */
    }
    pfd = malloc((size_t)(n + 1) * sizeof *pfd);
    if (!pfd) return; /* the caller comes back */
    for (i = 0; i < n; i++) {
        pfd[i].fd = th->fdwaits[i]->wait_fd;
        pfd[i].events = to_poll(th->fdwaits[i]->wait_events);
        pfd[i].revents = 0;
    }
    pfd[n].fd = th->wake_efd - 1; /* -1: ignored by poll */
    pfd[n].events = POLLIN;
    pfd[n].revents = 0;
    if (tmo == 0) {
        r = poll(pfd, (nfds_t)n, 0);
    } else {
        /* As slp__thread_sleep: announced, then the last look at the word. */
        __atomic_store_n(&th->in_futex, 1, __ATOMIC_SEQ_CST);
        slp__unlock();
        r = __atomic_load_n(&th->wake_seq, __ATOMIC_SEQ_CST) != seen
                ? 0
                : poll(pfd, (nfds_t)n + 1, tmo);
        __atomic_store_n(&th->in_futex, 0, __ATOMIC_RELAXED);
        if (th->wake_efd && (pfd[n].revents & POLLIN)) {
            uint64_t v;
            ssize_t rd = read(th->wake_efd - 1, &v, sizeof v);
            (void)rd;
        }
        if (__atomic_load_n(&th->stop_requested, __ATOMIC_RELAXED)) slp__thread_park(th);
        slp__lock();
    }
    /* Waiters may have left meanwhile (a kill from another thread): match
     * by fd the ones still there. */
    for (i = 0; r > 0 && i < th->nfdwaits; i++) {
        slp__tasklet *t = th->fdwaits[i];
        for (j = 0; j < n; j++)
            if (pfd[j].fd == t->wait_fd && pfd[j].revents)
                t->wait_revents |= from_poll(pfd[j].revents, t->wait_events);
    }
    free(pfd);
}

void slp__poll_kick(slp__thread *th) {
    uint64_t one = 1;
    if (th->wake_efd) {
        ssize_t w = write(th->wake_efd - 1, &one, sizeof one);
        (void)w;
    }
}

void slp__poll_thread_free(slp__thread *th) {
    if (th->wake_efd) close(th->wake_efd - 1);
    th->wake_efd = 0;
}
