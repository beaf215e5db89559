/* seed_channels.c -- the seed's "channels are thread-safe" example in C:
 * a master tasklet on a second thread commands a slave tasklet on the main
 * thread over one channel.  Each thread runs its scheduler until its
 * tasklet has ended (run() returns whenever its last tasklet blocks). */
#include <stdio.h>
#include <string.h>

#include "stackless.h"

static slp_channel command_channel;

static int master_func(void *arg) {
    static const char *commands[] = {"ECHO 1", "ECHO 2", "ECHO 3", "QUIT"};
    int i, r;
    (void)arg;
    for (i = 0; i < 4; i++)
        if ((r = slp_channel_send(command_channel, (void *)commands[i])) != 0) return r;
    return 0;
}

static int slave_func(void *arg) {
    (void)arg;
    printf("SLAVE STARTING\n");
    for (;;) {
        void *command;
        int r = slp_channel_receive(command_channel, &command);
        if (r != 0) return r;
        printf("SLAVE: %s\n", (const char *)command);
        if (strcmp(command, "QUIT") == 0) break;
    }
    printf("SLAVE ENDING\n");
    return 0;
}

static int scheduler_run(void *tasklet_func) {
    slp_tasklet t;
    int r = slp_tasklet_create(&t, (slp_func)tasklet_func, NULL);
    while (r == 0 && slp_tasklet_alive(t) == 1) r = slp_run();
    slp_tasklet_release(t);
    return r;
}

int main(void) {
    int thread, r;
    if ((r = slp_channel_new(&command_channel)) != 0 ||
        (r = slp_thread_start(&thread, scheduler_run, (void *)master_func)) != 0 ||
        (r = scheduler_run((void *)slave_func)) != 0 ||
        (r = slp_thread_join(thread, NULL)) != 0) {
        fprintf(stderr, "seed_channels: %s\n", slp_strerror(r));
        return 1;
    }
    slp_channel_release(command_channel);
    return 0;
}
