/* seed_threads.c -- the seed's "scheduler per thread" example in C: two
 * independent schedulers, one in each thread.  The main thread has one
 * tasklet besides its main; the second thread sees only its own main. */
#include <stdio.h>

#include "stackless.h"

static int thread2;

static int thread_alive(int id) {
    return slp_get_thread_info(id, NULL, NULL, NULL) == 0;
}

static int secondary_thread_func(void *arg) {
    (void)arg;
    printf("THREAD(2): Has %d tasklets in its scheduler\n", slp_getruncount());
    fflush(stdout);
    return 0;
}

static int main_thread_func(void *arg) {
    (void)arg;
    printf("THREAD(1): Waiting for death of THREAD(2)\n");
    fflush(stdout);
    while (thread_alive(thread2)) slp_schedule();
    printf("THREAD(1): Death of THREAD(2) detected\n");
    return 0;
}

int main(void) {
    slp_tasklet t;
    int r;
    if ((r = slp_tasklet_create(&t, main_thread_func, NULL)) != 0 ||
        (r = slp_thread_start(&thread2, secondary_thread_func, NULL)) != 0 ||
        (r = slp_run()) != 0) {
        fprintf(stderr, "seed_threads: %s\n", slp_strerror(r));
        return 1;
    }
    slp_thread_join(thread2, NULL);
    slp_tasklet_release(t);
    return 0;
}
