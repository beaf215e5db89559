/* test_stress.c -- long random sequences of operations on several threads:
 * no message is lost or duplicated, and every tasklet ends. */
#include "test.h"

#define NTHREADS 4
#define NCHANNELS 3
#define SENDERS 2   /* per thread */
#define RECEIVERS 2 /* per channel, spread over the threads */
#define MESSAGES 3000 /* per sender */
#define TOTAL (NTHREADS * SENDERS * MESSAGES)

static slp_channel chans[NCHANNELS];
static unsigned char seen[TOTAL];
static int senders_left = NTHREADS * SENDERS;
static slp_channel done[NTHREADS]; /* a thread's main waits here */
static int live[NTHREADS];          /* its tasklets not ended yet */
static int tasklets_ended;
static int errors;

static unsigned rnd(unsigned *s) { /* xorshift: each tasklet its own */
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static void note_error(int r) {
    if (r) {
        __atomic_fetch_add(&errors, 1, __ATOMIC_SEQ_CST);
        fprintf(stderr, "unexpected %s\n", slp_err_name(r));
    }
}

/* The last tasklet of thread t to end wakes t's main. */
static void tasklet_done(int t) {
    __atomic_fetch_add(&tasklets_ended, 1, __ATOMIC_SEQ_CST);
    if (__atomic_sub_fetch(&live[t], 1, __ATOMIC_SEQ_CST) == 0)
        note_error(slp_channel_send(done[t], NULL));
}

static int sender(void *arg) {
    int id = (int)(intptr_t)arg, i, k;
    unsigned s = 2654435761u * (unsigned)(id + 1);
    for (i = 0; i < MESSAGES; i++) {
        int msg = id * MESSAGES + i;
        note_error(slp_channel_send(chans[rnd(&s) % NCHANNELS], (void *)(intptr_t)(msg + 1)));
        if (rnd(&s) % 7 == 0) note_error(slp_schedule());
    }
    /* The last sender tells every receiver to stop (value 0). */
    if (__atomic_sub_fetch(&senders_left, 1, __ATOMIC_SEQ_CST) == 0)
        for (i = 0; i < NCHANNELS; i++)
            for (k = 0; k < RECEIVERS; k++) note_error(slp_channel_send(chans[i], NULL));
    tasklet_done(id / SENDERS);
    return 0;
}

static int receiver(void *arg) {
    int t = (int)(intptr_t)arg >> 8;
    slp_channel c = chans[(int)(intptr_t)arg & 0xff];
    unsigned s = 97u + (unsigned)(intptr_t)arg;
    for (;;) {
        void *v = NULL;
        int r = slp_channel_receive(c, &v), msg;
        note_error(r);
        if (r || !v) break;
        msg = (int)(intptr_t)v - 1;
        if (msg < 0 || msg >= TOTAL || __atomic_exchange_n(&seen[msg], 1, __ATOMIC_SEQ_CST))
            test_fail(__FILE__, __LINE__, "message %d bad or duplicated", msg);
        if (rnd(&s) % 5 == 0) note_error(slp_schedule());
    }
    tasklet_done(t);
    return 0;
}

static int worker(void *arg) {
    int t = (int)(intptr_t)arg, i, k, n = 0;
    slp_tasklet mine[SENDERS + NCHANNELS * RECEIVERS];
    for (i = 0; i < NCHANNELS; i++)
        for (k = 0; k < RECEIVERS; k++)
            if ((i * RECEIVERS + k) % NTHREADS == t) n++;
    live[t] = SENDERS + n;
    n = 0;
    for (i = 0; i < SENDERS; i++)
        mine[n++] = spawn(sender, (void *)(intptr_t)(t * SENDERS + i));
    for (i = 0; i < NCHANNELS; i++)
        for (k = 0; k < RECEIVERS; k++)
            if ((i * RECEIVERS + k) % NTHREADS == t)
                mine[n++] = spawn(receiver, (void *)(intptr_t)((t << 8) | i));
    /* Main waits on its own channel: while all of this thread's tasklets
     * wait on other threads, the thread sleeps (§3.3 rule 2).  When one of
     * them ends with nothing runnable left, Stackless hands main
     * "receiving without a sender" (§2.4): wait again. */
    while (__atomic_load_n(&live[t], __ATOMIC_SEQ_CST) > 0) {
        void *v;
        int r = slp_channel_receive(done[t], &v);
        if (r != SLP_ENOSENDER) note_error(r);
    }
    for (i = 0; i < n; i++) note_error(slp_tasklet_release(mine[i]));
    return 0;
}

TEST(stress_threads_channels) {
    int ids[NTHREADS], i, missing = 0;
    for (i = 0; i < NCHANNELS; i++) {
        ASSERT_OK(slp_channel_new(&chans[i]));
        slp_channel_set_preference(chans[i], i - 1); /* -1, 0, 1 */
    }
    for (i = 0; i < NTHREADS; i++) { /* the last tasklet ends before main runs */
        ASSERT_OK(slp_channel_new(&done[i]));
        slp_channel_set_preference(done[i], 1);
    }
    for (i = 0; i < NTHREADS; i++) ASSERT_OK(slp_thread_start(&ids[i], worker, (void *)(intptr_t)i));
    for (i = 0; i < NTHREADS; i++) ASSERT_OK(slp_thread_join(ids[i], NULL));
    for (i = 0; i < TOTAL; i++) missing += !seen[i];
    ASSERT_EQ(missing, 0);
    ASSERT_EQ(errors, 0);
    ASSERT_EQ(tasklets_ended, NTHREADS * SENDERS + NCHANNELS * RECEIVERS);
    for (i = 0; i < NCHANNELS; i++) ASSERT_EQ(slp_channel_balance(chans[i]), 0);
    ASSERT_EQ(slp_snapshot(NULL, 0), 1); /* main's only */
}
