/* test_timer.c -- slp_sleep and slp_wait_fd (stackless.h TIMERS AND I/O):
 * only the waiter parks, wake order, deadlock stays exact, kill/throw and
 * queries on a waiter.  Orders only: a deadline set later than another by
 * a wide margin (seconds against milliseconds), or sleeps of non-decreasing
 * length started in order; never a duration, except the lower bound. */
#include <stdint.h>
#include <time.h>

#include "test.h"

#if !defined(__EMSCRIPTEN__) && !defined(__wasi__)
#include <unistd.h>
#define HAVE_PIPE 1
#endif

#define MS 1000000ull

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int sleeper(void *arg) {
    uint64_t ms = (uint64_t)(uintptr_t)arg;
    int r = slp_sleep(ms * MS);
    EV("s%d:%s", (int)ms, r ? slp_err_name(r) : "ok");
    return 0;
}

static volatile int flag;

static int sleep_then_flag(void *arg) {
    (void)arg;
    ASSERT_OK(slp_sleep(5 * MS));
    EV("woke");
    flag = 1;
    return 0;
}

static int busy_until_flag(void *arg) {
    int n = 0;
    (void)arg;
    EV("busy");
    while (!flag) {
        ASSERT_OK(slp_schedule());
        n++;
    }
    EV("seen");
    ASSERT(n > 0);
    return 0;
}

/* The sleeper parks alone: a tasklet that keeps running (schedule() in a
 * loop) runs meanwhile, and the sleeper still wakes (at a switch). */
TEST(timer_sleep_parks_only_the_sleeper) {
    flag = 0;
    spawn(sleep_then_flag, NULL);
    spawn(busy_until_flag, NULL);
    ASSERT_OK(slp_run());
    ASSERT_LOG("busy woke seen");
}

/* Alone on its thread: schedule() in a loop still wakes a sleeper. */
TEST(timer_lone_poller_wakes_sleeper) {
    flag = 0;
    spawn(sleep_then_flag, NULL);
    ASSERT_OK(slp_schedule()); /* the sleeper starts and parks */
    while (!flag) ASSERT_OK(slp_schedule());
    ASSERT_LOG("woke");
}

static slp_tasklet victim;

static int killer(void *arg) {
    (void)arg;
    ASSERT_OK(slp_sleep(3 * MS));
    EV("killer");
    ASSERT_OK(slp_tasklet_kill(victim, 0));
    return 0;
}

/* A later sleep with a nearer deadline wakes first (the heap, not the
 * order of sleeping); the far one is killed instead of waited for. */
TEST(timer_deadline_order) {
    victim = spawn(sleeper, (void *)(uintptr_t)60000);
    spawn(sleeper, (void *)(uintptr_t)1);
    spawn(sleeper, (void *)(uintptr_t)2);
    spawn(killer, NULL);
    ASSERT_OK(slp_run());
    ASSERT_LOG("s1:ok s2:ok killer s60000:SLP_EEXIT");
    ASSERT_EQ(slp_timer_next(), -1);
}

static int zero_sleeper(void *arg) {
    int i;
    for (i = 0; i < 3; i++) {
        EV("%s%d", (const char *)arg, i);
        ASSERT_OK(slp_sleep(0));
    }
    return 0;
}

/* Equal or ordered deadlines: the order they slept in. */
TEST(timer_equal_deadlines_fifo) {
    spawn(zero_sleeper, "A");
    spawn(zero_sleeper, "B");
    spawn(zero_sleeper, "C");
    ASSERT_OK(slp_run());
    ASSERT_LOG("A0 B0 C0 A1 B1 C1 A2 B2 C2");
}

TEST(timer_sleep_lower_bound) {
    uint64_t t0 = now_ns();
    ASSERT_OK(slp_sleep(20 * MS)); /* main itself sleeps, alone */
    ASSERT(now_ns() - t0 >= 20 * MS);
    t0 = now_ns();
    spawn(sleeper, (void *)(uintptr_t)15);
    ASSERT_OK(slp_run()); /* run() waits for the sleeper */
    ASSERT(now_ns() - t0 >= 15 * MS);
    ASSERT_LOG("s15:ok");
}

static slp_channel chan;

static int sleep_then_send(void *arg) {
    (void)arg;
    ASSERT_OK(slp_sleep(2 * MS));
    EV("send");
    ASSERT_OK(slp_channel_send(chan, (void *)42));
    return 0;
}

/* The last runnable tasklet blocks on a channel while another sleeps: it
 * waits for the timer, no deadlock.  Afterwards deadlock is exact again. */
TEST(timer_no_deadlock_while_sleeping) {
    void *v = NULL;
    ASSERT_OK(slp_channel_new(&chan));
    spawn(sleep_then_send, NULL);
    ASSERT_OK(slp_schedule());
    ASSERT_OK(slp_channel_receive(chan, &v));
    ASSERT_EQ((intptr_t)v, 42);
    ASSERT_LOG("send");
    ASSERT_OK(slp_run()); /* the sender ends */
    ASSERT_ERR(slp_channel_receive(chan, &v), SLP_EDEADLOCK);
    ASSERT_OK(slp_channel_release(chan));
}

static int sleep_forever(void *arg) {
    int r = slp_sleep(SLP_FOREVER);
    EV("%s:%s", (const char *)arg, slp_err_name(r));
    return 0;
}

/* A waiter's queries; kill wakes it at once with SLP_EEXIT. */
TEST(timer_sleeper_queries_and_kill) {
    slp_tasklet t = spawn(sleep_forever, "t");
    slp_tasklet_info info[4];
    int n, i, seen = 0;
    ASSERT_OK(slp_schedule());
    ASSERT_EQ(slp_tasklet_waiting(t), SLP_WAITING_SLEEP);
    ASSERT_EQ(slp_tasklet_alive(t), 1);
    ASSERT_EQ(slp_tasklet_scheduled(t), 1);
    ASSERT_EQ(slp_tasklet_blocked(t), 0);
    ASSERT_EQ(slp_tasklet_paused(t), 0);
    ASSERT_EQ(slp_getruncount(), 1);
    ASSERT_EQ(slp_timer_next(), -1); /* forever: no deadline */
    ASSERT_ERR(slp_tasklet_insert(t), SLP_EBLOCKED);
    ASSERT_ERR(slp_tasklet_run(t), SLP_EBLOCKED);
    ASSERT_ERR(slp_tasklet_remove(t), SLP_EREMOVEBLOCKED);
    ASSERT_ERR(slp_tasklet_bind(t, sleep_forever, "x"), SLP_ESCHEDULED);
    n = slp_snapshot(info, 4);
    for (i = 0; i < n && i < 4; i++)
        if (info[i].handle == t) {
            ASSERT_EQ(info[i].state, SLP_STATE_WAITING);
            seen = 1;
        }
    ASSERT(seen);
    ASSERT_OK(slp_tasklet_kill(t, 0));
    ASSERT_LOG("t:SLP_EEXIT");
    ASSERT_EQ(slp_tasklet_waiting(t), 0);
    ASSERT_EQ(slp_tasklet_alive(t), 0);
    ASSERT_EQ(slp_timer_next(), -1);
}

/* A pending throw: the sleeper leaves the timer and gets the error when
 * its turn in the queue comes. */
TEST(timer_throw_pending_into_sleeper) {
    slp_tasklet t = spawn(sleep_forever, "t");
    ASSERT_OK(slp_schedule());
    ASSERT_OK(slp_tasklet_throw(t, SLP_EUSER, NULL, 1));
    ASSERT_EQ(slp_tasklet_waiting(t), 0);
    ASSERT_EQ(slp_getruncount(), 2);
    EV("main");
    ASSERT_OK(slp_run());
    ASSERT_LOG("main t:SLP_EUSER");
}

/* Its handle released, a sleeper is still reachable (by its timer): it
 * wakes and ends. */
TEST(timer_released_sleeper_still_wakes) {
    slp_tasklet t = spawn(sleeper, (void *)(uintptr_t)1);
    ASSERT_OK(slp_schedule());
    ASSERT_OK(slp_tasklet_release(t));
    ASSERT_OK(slp_run());
    ASSERT_LOG("s1:ok");
}

/* switch_trap: a sleep would switch away, so it is refused and undone. */
TEST(timer_sleep_switch_trap) {
    ASSERT_EQ(slp_switch_trap(1), 0);
    ASSERT_ERR(slp_sleep(MS), SLP_ESWITCHTRAP);
    ASSERT_EQ(slp_switch_trap(-1), 1);
    ASSERT_EQ(slp_timer_next(), -1);
}

/* The trap refuses a block that could only end after a wait for time at
 * once, not once the time has passed (an hour here: the test's timeout
 * catches the wait). */
TEST(timer_switch_trap_refuses_before_waiting) {
    slp_tasklet t = spawn(sleeper, (void *)(uintptr_t)3600000);
    void *v;
    ASSERT_OK(slp_schedule()); /* t sleeps */
    ASSERT_OK(slp_channel_new(&chan));
    ASSERT_EQ(slp_switch_trap(1), 0);
    ASSERT_ERR(slp_channel_receive(chan, &v), SLP_ESWITCHTRAP);
    ASSERT_ERR(slp_sleep(3600000 * MS), SLP_ESWITCHTRAP);
    ASSERT_EQ(slp_switch_trap(-1), 1);
    ASSERT_EQ(slp_channel_balance(chan), 0);
    ASSERT_EQ(slp_tasklet_waiting(t), SLP_WAITING_SLEEP);
    ASSERT_OK(slp_tasklet_kill(t, 0));
    ASSERT_LOG("s3600000:SLP_EEXIT");
    ASSERT_OK(slp_channel_release(chan));
}

/* A sleep of SLP_FOREVER ends only by a kill or a throw: with nothing else
 * to run or to wait for it is a deadlock (as a receive nobody answers),
 * and run() does not wait for such a sleeper. */
static int forever(void *arg) {
    int r = slp_sleep(SLP_FOREVER);
    (void)arg;
    EV("forever:%s", r ? slp_err_name(r) : "ok");
    return 0;
}

TEST(timer_sleep_forever_is_a_block) {
    slp_tasklet t;
    ASSERT_ERR(slp_sleep(SLP_FOREVER), SLP_EDEADLOCK);
    ASSERT_EQ(slp_tasklet_waiting(slp_getcurrent()), 0);
    ASSERT_EQ(slp_timer_next(), -1);
    t = spawn(forever, NULL);
    ASSERT_OK(slp_run()); /* returns: t waits, as a blocked tasklet would */
    ASSERT_EQ(slp_tasklet_waiting(t), SLP_WAITING_SLEEP);
    ASSERT_EQ(slp_timer_next(), -1);
    ASSERT_OK(slp_tasklet_throw(t, SLP_EUSER, NULL, 0));
    ASSERT_LOG("forever:SLP_EUSER");
    ASSERT_EQ(slp_tasklet_alive(t), 0);
}

/* A thread that may not block: run() returns when the queue is empty
 * (sleepers do not hold it), the event loop asks slp_timer_next() and runs
 * the scheduler again once it is due.  main blocking on a channel there
 * gets EWOULDBLOCK instead of waiting. */
TEST(timer_nonblocking_thread) {
    int64_t left;
    ASSERT_EQ(slp_thread_set_nonblocking(1), 0);
    void *v;
    /* 500 ms: the first run must find it still asleep even on a loaded
     * machine (3 ms was overtaken once under load). */
    spawn(sleeper, (void *)(uintptr_t)500);
    ASSERT_OK(slp_run());
    ASSERT_LOG("");
    ASSERT_OK(slp_channel_new(&chan));
    ASSERT_ERR(slp_channel_receive(chan, &v), SLP_EWOULDBLOCK);
    ASSERT_OK(slp_channel_release(chan));
    left = slp_timer_next();
    ASSERT(left >= 0);
    while ((left = slp_timer_next()) > 0) {
        struct timespec ts = {0, (long)left};
        nanosleep(&ts, NULL); /* the event loop's setTimeout */
    }
    ASSERT_EQ(left, 0);
    ASSERT_OK(slp_run());
    ASSERT_LOG("s500:ok");
    ASSERT_EQ(slp_timer_next(), -1);
    slp_thread_set_nonblocking(0);
}

/* Across threads: a thread whose tasklets sleep can still wake another,
 * so the other waits (no deadlock), and a thread sleeping in the timer is
 * woken by a tasklet queued from elsewhere. */
static slp_channel xchan;

static int thread_sleeps_then_sends(void *arg) {
    (void)arg;
    ASSERT_OK(slp_sleep(5 * MS));
    ASSERT_OK(slp_channel_send(xchan, (void *)7));
    return 0;
}

TEST(timer_thread_with_sleepers_is_awake) {
    int id;
    void *v = NULL;
    ASSERT_OK(slp_channel_new(&xchan));
    ASSERT_OK(slp_thread_start(&id, thread_sleeps_then_sends, NULL));
    ASSERT_OK(slp_channel_receive(xchan, &v));
    ASSERT_EQ((intptr_t)v, 7);
    ASSERT_OK(slp_thread_join(id, NULL));
    ASSERT_OK(slp_channel_release(xchan));
}

static int thread_long_sleeper(void *arg) {
    int r;
    (void)arg;
    ASSERT_OK(slp_channel_send(xchan, (void *)(uintptr_t)slp_getcurrent()));
    r = slp_sleep(SLP_FOREVER); /* kill() from the other thread ends it */
    ASSERT_ERR(r, SLP_EEXIT);
    return 0;
}

TEST(timer_kill_sleeper_from_other_thread) {
    int id;
    void *v = NULL;
    ASSERT_OK(slp_channel_new(&xchan));
    ASSERT_OK(slp_thread_start(&id, thread_long_sleeper, NULL));
    ASSERT_OK(slp_channel_receive(xchan, &v));
    /* wait until it sleeps (its thread waits in the timer) */
    while (slp_tasklet_waiting((slp_tasklet)(uintptr_t)v) != SLP_WAITING_SLEEP)
        ASSERT_OK(slp_schedule());
    ASSERT_OK(slp_tasklet_kill((slp_tasklet)(uintptr_t)v, 1));
    ASSERT_OK(slp_thread_join(id, NULL));
    ASSERT_OK(slp_channel_release(xchan));
}

/* A thread that ends while a tasklet sleeps: the sleeper is soft. */
static slp_tasklet orphan;

static int thread_leaves_a_sleeper(void *arg) {
    (void)arg;
    ASSERT_OK(slp_tasklet_create(&orphan, sleep_forever, "o"));
    ASSERT_OK(slp_schedule()); /* it starts and sleeps */
    ASSERT_EQ(slp_tasklet_waiting(orphan), SLP_WAITING_SLEEP);
    return 0; /* the thread ends */
}

TEST(timer_thread_death_stops_sleeper) {
    int id;
    ASSERT_OK(slp_thread_start(&id, thread_leaves_a_sleeper, NULL));
    ASSERT_OK(slp_thread_join(id, NULL));
    ASSERT_EQ(slp_tasklet_thread_id(orphan), -1);
    ASSERT_EQ(slp_tasklet_waiting(orphan), 0);
    ASSERT_EQ(slp_tasklet_alive(orphan), 0);
    ASSERT_OK(slp_tasklet_release(orphan));
}

/* --------------------------------------------------------------- fds */

TEST(timer_wait_fd_arguments) {
#ifdef __EMSCRIPTEN__
    ASSERT_ERR(slp_wait_fd(0, SLP_FD_READ, 0), SLP_ENOTSUP);
#else
    ASSERT_ERR(slp_wait_fd(-1, SLP_FD_READ, 0), SLP_EINVAL);
    ASSERT_ERR(slp_wait_fd(1, 0, 0), SLP_EINVAL);
    ASSERT_ERR(slp_wait_fd(1, 4, 0), SLP_EINVAL);
#endif
#ifdef HAVE_PIPE
    /* (not under WASI: wazero's poll_oneoff answers only stdin and clocks) */
    ASSERT_EQ(slp_wait_fd(1, SLP_FD_WRITE, SLP_FOREVER), SLP_FD_WRITE);
#endif
}

#ifdef HAVE_PIPE
static int pipefd[2];

static int fd_reader(void *arg) {
    char c;
    int r;
    (void)arg;
    r = slp_wait_fd(pipefd[0], SLP_FD_READ, SLP_FOREVER);
    ASSERT_EQ(r, SLP_FD_READ);
    ASSERT_EQ(read(pipefd[0], &c, 1), 1);
    EV("read:%c", c);
    return 0;
}

static int fd_writer(void *arg) {
    (void)arg;
    EV("write");
    ASSERT_EQ(write(pipefd[1], "x", 1), 1);
    return 0;
}
#endif

#ifdef HAVE_PIPE
static int fd_reader_flags(void *arg) {
    char c;
    (void)arg;
    ASSERT_EQ(slp_wait_fd(pipefd[0], SLP_FD_READ, SLP_FOREVER), SLP_FD_READ);
    ASSERT_EQ(read(pipefd[0], &c, 1), 1);
    EV("read:%c", c);
    flag = 1;
    return 0;
}

static slp_channel pp;
static void *pp_slot;

/* ping and pong hand a value to and fro until flag: each switch is a
 * channel hand-over (never schedule(), which polls the waiters itself),
 * and the run queue is never empty (the thread never idles). */
static int ping(void *arg) {
    (void)arg;
    EV("busy");
    while (!flag) ASSERT_OK(slp_channel_send(pp, (void *)1));
    ASSERT_OK(slp_channel_send(pp, NULL));
    EV("seen");
    return 0;
}

static int pong(void *arg) {
    (void)arg;
    do ASSERT_OK(slp_channel_receive(pp, &pp_slot));
    while (pp_slot);
    return 0;
}
#endif

/* An fd wait without a deadline turns the switch hook on by itself: while
 * two tasklets keep the thread busy with channel hand-overs, the ready fd
 * still wakes the reader (at a switch). */
TEST(timer_wait_fd_wakes_at_switch) {
#ifdef HAVE_PIPE
    slp_tasklet t;
    flag = 0;
    ASSERT_EQ(pipe(pipefd), 0);
    ASSERT_OK(slp_channel_new(&pp));
    ASSERT_EQ(write(pipefd[1], "y", 1), 1); /* ready before the wait */
    t = spawn(fd_reader_flags, NULL);
    spawn(ping, NULL);
    spawn(pong, NULL);
    ASSERT_OK(slp_run());
    ASSERT_LOG("busy read:y seen");
    ASSERT_EQ(slp_tasklet_waiting(t), 0);
    ASSERT_OK(slp_channel_release(pp));
    close(pipefd[0]);
    close(pipefd[1]);
#else
    exit(77); /* no pipe() here */
#endif
}

/* The reader parks on the fd; the writer runs meanwhile; the reader wakes
 * when the byte is there.  And a wait that times out. */
TEST(timer_wait_fd_pipe) {
#ifdef HAVE_PIPE
    ASSERT_EQ(pipe(pipefd), 0);
    spawn(fd_reader, NULL);
    spawn(fd_writer, NULL);
    ASSERT_OK(slp_run());
    ASSERT_LOG("write read:x");
    ASSERT_ERR(slp_wait_fd(pipefd[0], SLP_FD_READ, 2 * MS), SLP_ETIMEDOUT);
    close(pipefd[0]);
    close(pipefd[1]);
#else
    exit(77); /* no pipe() here: the stdin example covers WASI */
#endif
}
