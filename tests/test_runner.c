/* test_runner.c -- the runner's own checks, expected to FAIL: an ASSERT that
 * fails on a thread other than main ends the test process at once with its
 * FAIL message (exit status 1), even while main busy-waits for a state the
 * failing thread would have set.  tests/CMakeLists.txt registers them as
 * runner.* with the outcome they must have (tests/check-fails.sh). */
#include "test.h"

static volatile int never; /* main waits for it; the failing thread never sets it */

static int fail_on_thread(void *arg) {
    (void)arg;
    ASSERT_EQ(40 + 1, 42); /* the FAIL message the check expects */
    __atomic_store_n(&never, 1, __ATOMIC_SEQ_CST);
    return 0;
}

static int fail_in_tasklet(void *arg) {
    (void)arg;
    slp_tasklet t = spawn(fail_on_thread, NULL); /* inside a tasklet's own stack */
    ASSERT_OK(slp_run());
    ASSERT_EQ(slp_tasklet_alive(t), 0);
    __atomic_store_n(&never, 1, __ATOMIC_SEQ_CST);
    return 0;
}

/* main polls with naps (as the thread tests do) */
TEST(runner_fails_on_thread_while_main_naps) {
    int id;
    ASSERT_OK(slp_thread_start(&id, fail_on_thread, NULL));
    while (!__atomic_load_n(&never, __ATOMIC_SEQ_CST)) nap_ms(1);
}

/* main spins without a call out: nothing on main can help the exit */
TEST(runner_fails_on_thread_while_main_spins) {
    int id;
    ASSERT_OK(slp_thread_start(&id, fail_in_tasklet, NULL));
    while (!__atomic_load_n(&never, __ATOMIC_SEQ_CST)) continue;
}

/* main blocked in a join of the failing thread */
TEST(runner_fails_on_thread_while_main_joins) {
    int id;
    ASSERT_OK(slp_thread_start(&id, fail_in_tasklet, NULL));
    ASSERT_OK(slp_thread_join(id, NULL));
}
