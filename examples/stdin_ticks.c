/*
 * stdin_ticks.c -- two tasklets on one thread: one reads stdin line by line
 * (slp_wait_fd parks it until input comes), the other prints a tick every
 * 100 ms (slp_sleep).  Neither blocks the other: ticks go on while the
 * reader waits, and lines are echoed as soon as they arrive.  At the end of
 * input the reader stops the ticker.  Builds: WASI and native.
 *
 *   printf 'a\nb\n' | wasmtime run stdin_ticks.wasm
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "stackless.h"

#define TICK_NS 100000000ull

static slp_tasklet ticker;

static int tick(void *arg) {
    int n = 0, r;
    (void)arg;
    while ((r = slp_sleep(TICK_NS)) == 0) {
        printf("tick %d\n", ++n);
        fflush(stdout);
    }
    return r == SLP_EEXIT ? 0 : r; /* killed by the reader: done */
}

/* Echo each complete line; read() takes what is there, never waits. */
static int reader(void *arg) {
    char buf[4096];
    size_t have = 0;
    (void)arg;
    for (;;) {
        ssize_t got;
        char *nl;
        int r = slp_wait_fd(0, SLP_FD_READ, SLP_FOREVER);
        if (r < 0) return r;
        got = read(0, buf + have, sizeof buf - 1 - have);
        if (got <= 0) break; /* end of input (or an error) */
        have += (size_t)got;
        buf[have] = '\0';
        while ((nl = strchr(buf, '\n')) != NULL) {
            *nl = '\0';
            printf("line: %s\n", buf);
            have -= (size_t)(nl + 1 - buf);
            memmove(buf, nl + 1, have + 1);
        }
        fflush(stdout);
        if (have == sizeof buf - 1) have = 0; /* an overlong line: dropped */
    }
    if (have) printf("line: %s\n", buf);
    printf("eof\n");
    fflush(stdout);
    return slp_tasklet_kill(ticker, 0);
}

int main(void) {
    slp_tasklet rd;
    int r;
    if ((r = slp_tasklet_create(&ticker, tick, NULL)) < 0 ||
        (r = slp_tasklet_create(&rd, reader, NULL)) < 0 || (r = slp_run()) < 0) {
        fprintf(stderr, "stdin_ticks: %s\n", slp_strerror(r));
        return 1;
    }
    slp_tasklet_release(rd);
    slp_tasklet_release(ticker);
    return 0;
}
