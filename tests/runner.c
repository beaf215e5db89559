/*
 * runner.c -- `slp_tests NAME` runs one test in this process and exits 0 on
 * success, 77 when the build cannot run it (ctest reports a skip), 1 on
 * failure.  `slp_tests` alone lists the tests.  One list (test_list.h) for
 * every build: native, sanitizers, Emscripten and WASI.
 */
#include <stdarg.h>
#include <time.h>
#include <unistd.h>
#ifdef __EMSCRIPTEN__
#include <emscripten.h>
#include <emscripten/threading.h>
#elif !defined(__wasi__)
#include <pthread.h>
#endif

#include "test.h"
#include "test_list.h"

#define DECLARE(name, kind) TEST(name);
SLP_TESTS(DECLARE)

static const struct {
    const char *name;
    void (*fn)(void);
    int kind; /* SLP_T_ANY, SLP_T_THREADS or SLP_T_SINGLE */
} tests[] = {
#define ENTRY(name, kind) {#name, test_##name, kind},
    SLP_TESTS(ENTRY)
};

static char log_buf[65536];
static size_t log_len;

void test_log(const char *fmt, ...) {
    va_list ap;
    int n;
    if (log_len && log_len < sizeof log_buf - 1) log_buf[log_len++] = ' ';
    va_start(ap, fmt);
    n = vsnprintf(log_buf + log_len, sizeof log_buf - log_len, fmt, ap);
    va_end(ap);
    if (n > 0) log_len += (size_t)n;
    if (log_len >= sizeof log_buf) log_len = sizeof log_buf - 1;
}

const char *test_log_text(void) { return log_buf; }
void test_log_clear(void) { log_len = 0; log_buf[0] = 0; }

#if !defined(__EMSCRIPTEN__) && !defined(__wasi__)
static pthread_t main_thread;
#endif

/* An ASSERT failed on a thread other than main: the process must end now,
 * with the message, whatever main is doing.  exit() cannot promise that:
 * Emscripten proxies a pthread's exit (and its stdio) to main, which never
 * takes it while main spins or waits for the state the failing thread was
 * to make (the test hung until ctest's timeout, saying nothing).  Natively
 * _exit skips the atexit work (LeakSanitizer's report of the tasklets the
 * other threads still hold). */
static void fail_off_main(const char *msg) __attribute__((noreturn));
static void fail_off_main(const char *msg) {
#ifdef __EMSCRIPTEN__
    /* A worker writes to fd 2 itself and kills the process (a worker's
     * process.exit() would end only the worker); a page's worker cannot
     * close its page: it says why, then exits through main as before. */
    EM_ASM({
        var text = UTF8ToString($0);
        if (typeof process === 'object' && process.versions && process.versions.node) {
            require('fs').writeSync(2, text);
            process.kill(process.pid, 'SIGKILL');
        }
        console.error(text);
    }, msg);
    exit(1);
#else
    ssize_t w = write(2, msg, strlen(msg));
    (void)w;
    fflush(stdout);
    _exit(1);
#endif
}

static int on_main_thread(void) {
#ifdef __EMSCRIPTEN__
    return emscripten_is_main_runtime_thread();
#elif defined(__wasi__)
    return 1; /* one thread */
#else
    return pthread_equal(pthread_self(), main_thread);
#endif
}

void test_fail(const char *file, int line, const char *fmt, ...) {
    va_list ap;
    char msg[4096];
    int n = snprintf(msg, sizeof msg, "FAIL %s:%d: ", file, line);
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof msg) n += vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof msg - 1) n = (int)sizeof msg - 2;
    msg[n++] = '\n';
    msg[n] = 0;
    if (!on_main_thread()) fail_off_main(msg);
    fputs(msg, stderr);
    fflush(stderr);
    exit(1);
}

slp_tasklet spawn(slp_func fn, void *arg) {
    slp_tasklet t = 0;
    ASSERT_OK(slp_tasklet_create(&t, fn, arg));
    return t;
}

int named(void *arg) {
    EV("%s", (const char *)arg);
    return 0;
}

void nap_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int main(int argc, char **argv) {
    size_t i, n = sizeof tests / sizeof tests[0];
    int threads;
#if !defined(__EMSCRIPTEN__) && !defined(__wasi__)
    main_thread = pthread_self();
#endif
    threads = slp_thread_start(NULL, NULL, NULL) != SLP_ENOTSUP;
    if (argc < 2) {
        for (i = 0; i < n; i++) printf("%s\n", tests[i].name);
        return 0;
    }
    for (i = 0; i < n; i++) {
        if (strcmp(tests[i].name, argv[1]) != 0) continue;
        if ((tests[i].kind == SLP_T_THREADS && !threads) ||
            (tests[i].kind == SLP_T_SINGLE && threads)) {
            printf("SKIP %s (not for this build)\n", argv[1]);
            return 77;
        }
        tests[i].fn();
        printf("PASS %s\n", argv[1]);
        return 0;
    }
    fprintf(stderr, "no test named %s\n", argv[1]);
    return 2;
}
