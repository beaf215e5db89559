/*
 * test_stack.c -- a tasklet that recurses past its stack ends with
 * SLP_ESTACKDEPTH before it writes past the stack (native: a guard page;
 * wasm: a check of the stack pointer wherever a function moves it), and
 * its thread and the other tasklets go on.
 */
#include <stdint.h>

#include "test.h"

#define STACK "16384" /* SLP_STACK_SIZE for these tests (native minimum) */
#define OVERSHOOT 2048 /* how far past the stack the bounded recursion goes */

static uintptr_t deep_top; /* address of the first frame's buffer */
static long deep_frames;

/* A frame of 256 bytes on the (shadow) stack; stops `overshoot` bytes
 * below the first frame's buffer, or never (0). */
static __attribute__((noinline)) int recurse(uintptr_t stop) {
    volatile char buf[256];
    int i;
    for (i = 0; i < 256; i++) buf[i] = (char)i;
    if (!deep_top) deep_top = (uintptr_t)buf;
    deep_frames++;
    if (stop == 0 || (uintptr_t)buf > deep_top - stop) return recurse(stop) + buf[1] - 1;
    return 0;
}

static int deep_returned;

static int overflower(void *arg) {
    EV("%s", "deep");
    recurse((uintptr_t)arg);
    deep_returned = 1;
    return 0;
}

static slp_channel stack_ch;

static int receiver(void *arg) {
    void *v;
    (void)arg;
    EV("%s", "recv");
    ASSERT_OK(slp_channel_receive(stack_ch, &v));
    EV("got%ld", (long)(intptr_t)v);
    return 0;
}

static void overflow_case(uintptr_t stop) {
    slp_tasklet b, a, c;
    setenv("SLP_STACK_SIZE", STACK, 1);
    ASSERT_OK(slp_channel_new(&stack_ch));
    b = spawn(receiver, NULL);
    a = spawn(overflower, (void *)stop);
    c = spawn(named, "after");
    /* The uncaught error of the overflowing tasklet reaches main at once. */
    ASSERT_ERR(slp_run(), SLP_ESTACKDEPTH);
    ASSERT_EQ(slp_tasklet_alive(a), 0);
    ASSERT(deep_frames > 16384 / 1024); /* frames are bigger under ASan */
#ifdef __wasm__
    /* Wasm cannot abandon frames: the tasklet goes on in the reserve below
     * its region and ends at its next switch or return (here). */
    ASSERT_EQ(deep_returned, 1);
#else
    ASSERT_EQ(deep_returned, 0); /* ended at the guard page */
#endif
    /* The blocked tasklet and the queued one are untouched. */
    ASSERT_EQ(slp_channel_balance(stack_ch), -1);
    ASSERT_OK(slp_channel_send(stack_ch, (void *)42));
    ASSERT_OK(slp_run());
    ASSERT_EQ(slp_tasklet_alive(b), 0);
    ASSERT_EQ(slp_tasklet_alive(c), 0);
    ASSERT_LOG("recv deep got42 after");
    /* And the thread starts new tasklets on the same stack region. */
    deep_top = 0;
    spawn(named, "again");
    ASSERT_OK(slp_run());
    ASSERT_LOG("recv deep got42 after again");
    slp_tasklet_release(a);
    slp_tasklet_release(b);
    slp_tasklet_release(c);
    slp_channel_release(stack_ch);
}

/* Recursion a little past the end of the stack, then back out. */
TEST(stack_overflow_bounded_recursion) {
    overflow_case(16384 + OVERSHOOT);
}

/* Recursion that never stops by itself.  Natively the tasklet ends at the
 * guard page.  In wasm it goes through the reserve below the region, and
 * the check stops the program before the first store past it, with a
 * message (tests/CMakeLists.txt expects that message there: before the
 * check, the recursion went on over the heap). */
TEST(stack_overflow_unbounded_recursion) {
    overflow_case(0);
#ifdef __wasm__
    ASSERT(!"an endless recursion in wasm must stop the program");
#endif
}
