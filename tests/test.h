/*
 * test.h -- the test harness: each test is a function run alone in its own
 * process (ctest starts `slp_tests NAME` with a timeout, so a hang fails one
 * test, not the suite).  Asserts print both operands; events go to a log
 * whose exact order is then checked.
 */
#ifndef SLP_TEST_H
#define SLP_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stackless.h"

void test_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *test_log_text(void);
void test_log_clear(void);
void test_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));

#define EV(...) test_log(__VA_ARGS__)

#define ASSERT(cond)                                                          \
    do {                                                                      \
        if (!(cond)) test_fail(__FILE__, __LINE__, "ASSERT(%s)", #cond);      \
    } while (0)

#define ASSERT_EQ(a, b)                                                       \
    do {                                                                      \
        long long a_ = (long long)(a), b_ = (long long)(b);                   \
        if (a_ != b_)                                                         \
            test_fail(__FILE__, __LINE__, "ASSERT_EQ(%s, %s): %lld != %lld",  \
                      #a, #b, a_, b_);                                        \
    } while (0)

/* An SLP_* result: prints the error names on failure. */
#define ASSERT_ERR(expr, code)                                                \
    do {                                                                      \
        int r_ = (expr), c_ = (code);                                         \
        if (r_ != c_)                                                         \
            test_fail(__FILE__, __LINE__, "%s: got %s (%d), want %s (%d)",    \
                      #expr, slp_err_name(r_), r_, slp_err_name(c_), c_);     \
    } while (0)
#define ASSERT_OK(expr) ASSERT_ERR(expr, 0)

#define ASSERT_STR(a, b)                                                      \
    do {                                                                      \
        const char *a_ = (a), *b_ = (b);                                      \
        if (strcmp(a_, b_) != 0)                                              \
            test_fail(__FILE__, __LINE__, "%s:\n   got: \"%s\"\n  want: \"%s\"", \
                      #a, a_, b_);                                            \
    } while (0)

/* The events logged so far, space separated, e.g. "A0 B0 A1". */
#define ASSERT_LOG(want) ASSERT_STR(test_log_text(), want)

#define TEST(name) void test_##name(void)

/* Helpers shared by tests. */
slp_tasklet spawn(slp_func fn, void *arg); /* create, and assert it worked */
void nap_ms(int ms); /* the calling OS thread sleeps (polling loops) */
int named(void *arg); /* a tasklet that logs its argument (a string), ends */

#endif
