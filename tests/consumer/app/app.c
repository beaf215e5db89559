/* app.c -- a user's own program, built out of the project's tree exactly as
 * the README says (tests/consumer/run.sh).  A partner doubles numbers sent
 * on a channel: a second thread where the build has threads (Emscripten: a
 * Web Worker started by main), else a tasklet (WASI).  Main's channel calls
 * block and resume across it; the last one meets Stackless's deadlock. */
#include <stdint.h>
#include <stdio.h>

#include "stackless.h"

static slp_channel in, out;

static int doubler(void *arg) {
    void *v;
    (void)arg;
    while (slp_channel_receive(in, &v) == 0 && v != NULL)
        slp_channel_send(out, (void *)((intptr_t)v * 2));
    return 7;
}

#ifdef APP_TYPO /* run.sh: a misspelt function must fail the link */
int slp_chanel_send(slp_channel ch, void *value);
#endif

int main(void) {
    slp_tasklet t = 0;
    const char *partner = "thread";
    int r, tid, result = -1;
    void *v;
    if ((r = slp_channel_new(&in)) != 0 || (r = slp_channel_new(&out)) != 0) goto fail;
    r = slp_thread_start(&tid, doubler, NULL);
    if (r == SLP_ENOTSUP) { /* no threads in this build */
        partner = "tasklet";
        r = slp_tasklet_create(&t, doubler, NULL);
    }
    if (r != 0) goto fail;
    for (intptr_t i = 1; i <= 3; i++) {
#ifdef APP_TYPO
        if ((r = slp_chanel_send(in, (void *)i)) != 0) goto fail;
#else
        if ((r = slp_channel_send(in, (void *)i)) != 0) goto fail;
#endif
        if ((r = slp_channel_receive(out, &v)) != 0) goto fail;
        printf("%s: %d -> %d\n", partner, (int)i, (int)(intptr_t)v);
    }
    if ((r = slp_channel_send(in, NULL)) != 0) goto fail;
    if (t) {
        slp_tasklet_release(t);
    } else {
        if ((r = slp_thread_join(tid, &result)) != 0) goto fail;
        printf("thread returned %d\n", result);
    }
    /* Nobody left to send: the runtime's own message, intact. */
    printf("%s\n", slp_strerror(slp_channel_receive(out, NULL)));
    slp_channel_release(in);
    slp_channel_release(out);
    return 0;
fail:
    fprintf(stderr, "app: %s\n", slp_strerror(r));
    return 1;
}
