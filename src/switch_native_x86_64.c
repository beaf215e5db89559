/*
 * switch_native_x86_64.c -- the native switch: each tasklet has its own
 * stack, and a switch saves the callee-saved registers on the old stack and
 * loads them from the new one (System V x86-64 ABI).  About 20 instructions,
 * no system call (swapcontext saves the signal mask with one).
 *
 * Stacks are mmap'd without a guard page: guard pages split mappings, and
 * Linux allows ~65k of them, fewer than the 100k tasklets we benchmark.
 * Only touched pages cost memory.  SLP_STACK_SIZE sets the size (bytes).
 * Instead, the lowest GUARD bytes are a band a tasklet should never reach:
 * one that switches away from inside it ends with SLP_ESTACKDEPTH rather
 * than going on into the mapping below (the wasm builds do the same).
 *
 * The sanitizers are told about every switch (ASan fiber API, TSan fibers),
 * so that the sanitizer builds check tasklet code too.
 */
#include <stdlib.h>
#include <sys/mman.h>

#include "internal.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SLP__ASAN 1
#endif
#if __has_feature(thread_sanitizer)
#define SLP__TSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define SLP__ASAN 1
#endif
#if defined(__SANITIZE_THREAD__)
#define SLP__TSAN 1
#endif

#ifdef SLP__ASAN
void __sanitizer_start_switch_fiber(void **fake, const void *bottom, size_t size);
void __sanitizer_finish_switch_fiber(void *fake, const void **bottom, size_t *size);
#define ASAN_START(f, b, s) __sanitizer_start_switch_fiber((f), (b), (s))
#define ASAN_FINISH(f, b, s) __sanitizer_finish_switch_fiber((f), (b), (s))
/* A dead tasklet's frames leave their poison in the shadow memory of its
 * stack; a later mapping at the same address must start clean. */
void __asan_unpoison_memory_region(void const volatile *addr, size_t size);
#define ASAN_UNPOISON(p, n) __asan_unpoison_memory_region((p), (n))
#else
#define ASAN_UNPOISON(p, n) ((void)0)
#define ASAN_START(f, b, s) ((void)0)
#define ASAN_FINISH(f, b, s) ((void)0)
#endif
#ifdef SLP__TSAN
void *__tsan_get_current_fiber(void);
void *__tsan_create_fiber(unsigned flags);
void __tsan_destroy_fiber(void *fiber);
void __tsan_switch_to_fiber(void *fiber, unsigned flags);
#define TSAN_SWITCH(f) __tsan_switch_to_fiber((f), 0)
#else
#define TSAN_SWITCH(f) ((void)0)
#endif

struct slp__thread_ctx {
    void *loop_sp;           /* where slp__loop waits */
    const void *main_bottom; /* the thread's own stack, for ASan */
    size_t main_size;
    void *main_fake;
    void *loop_fiber;        /* TSan */
};

/* swap(save, next): push callee-saved registers, store rsp in *save, load
 * next as rsp, pop and return into the other context. */
void slp__native_swap(void **save, void *next);
__attribute__((visibility("hidden"), noreturn)) void slp__native_start(slp__tasklet *t);

__asm__(".text\n"
        ".globl slp__native_swap\n"
        ".hidden slp__native_swap\n"
        ".type slp__native_swap,@function\n"
        "slp__native_swap:\n"
        "  pushq %rbp\n  pushq %rbx\n  pushq %r12\n"
        "  pushq %r13\n  pushq %r14\n  pushq %r15\n"
        "  movq %rsp, (%rdi)\n"
        "  movq %rsi, %rsp\n"
        "  popq %r15\n  popq %r14\n  popq %r13\n"
        "  popq %r12\n  popq %rbx\n  popq %rbp\n"
        "  ret\n"
        ".size slp__native_swap,.-slp__native_swap\n"
        /* First entry of a tasklet: r12 holds it (see ctx_resume). */
        ".globl slp__native_trampoline\n"
        ".hidden slp__native_trampoline\n"
        ".type slp__native_trampoline,@function\n"
        "slp__native_trampoline:\n"
        "  movq %r12, %rdi\n"
        "  call slp__native_start\n"
        "  ud2\n"
        ".size slp__native_trampoline,.-slp__native_trampoline\n");
void slp__native_trampoline(void);

#define GUARD 4096

static size_t stack_size(void) {
    static size_t cached; /* threads may race to fill it: same value */
    size_t size = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (!size) {
        const char *e = getenv("SLP_STACK_SIZE");
        long v = e ? atol(e) : 0;
        size = v >= 16384 ? (size_t)v : 256 * 1024;
        size = (size + 4095) & ~(size_t)4095;
        __atomic_store_n(&cached, size, __ATOMIC_RELAXED);
    }
    return size;
}

int slp__ctx_thread_init(slp__thread *th) {
    th->ctx = calloc(1, sizeof *th->ctx);
    if (!th->ctx) return -1;
#ifdef SLP__TSAN
    th->ctx->loop_fiber = __tsan_get_current_fiber();
#endif
    return 0;
}

void slp__ctx_thread_free(slp__thread *th) {
    free(th->ctx);
    th->ctx = NULL;
}

static int ctx_alloc(slp__tasklet *t) {
    size_t size = stack_size();
    char *top;
    void **sp;
    void *stack = mmap(NULL, size, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (stack == MAP_FAILED) return -1;
    ASAN_UNPOISON(stack, size);
    t->ctx.stack = stack;
    t->ctx.stack_size = size;
    /* A frame for slp__native_swap to "return" into the trampoline with
     * rsp 16-byte aligned, as the ABI wants before the call it makes. */
    top = (char *)((uintptr_t)((char *)stack + size - 16) & ~(uintptr_t)15);
    sp = (void **)(top - 7 * sizeof(void *));
    sp[0] = sp[1] = sp[2] = NULL;          /* r15 r14 r13 */
    sp[3] = t;                             /* r12 */
    sp[4] = sp[5] = NULL;                  /* rbx rbp */
    sp[6] = (void *)slp__native_trampoline; /* return address */
    t->ctx.sp = sp;
#ifdef SLP__TSAN
    t->ctx.san_fiber = __tsan_create_fiber(0);
#endif
    return 0;
}

void slp__ctx_resume(slp__thread *th, slp__tasklet *t) {
    slp__thread_ctx *c = th->ctx;
    if (!t->ctx.stack) {
        if (ctx_alloc(t) != 0) { /* no memory for a stack: it ends at once */
            t->result = SLP_ENOMEM;
            t->ended = 1;
            return;
        }
        t->started = 1;
    }
    ASAN_START(&c->main_fake, t->ctx.stack, t->ctx.stack_size);
    TSAN_SWITCH(t->ctx.san_fiber);
    slp__native_swap(&c->loop_sp, t->ctx.sp);
    ASAN_FINISH(c->main_fake, NULL, NULL);
    if (!t->ended && (char *)t->ctx.sp < (char *)t->ctx.stack + GUARD) {
        t->result = SLP_ESTACKDEPTH; /* it cannot go on safely */
        t->ended = 1;
    }
}

void slp__native_start(slp__tasklet *t) {
    slp__thread_ctx *c = slp__tls_get()->ctx;
    void *unused;
    ASAN_FINISH(NULL, &c->main_bottom, &c->main_size);
    slp__tasklet_body(t);
    c = slp__tls_get()->ctx; /* it may have moved to another thread */
    ASAN_START(NULL, c->main_bottom, c->main_size); /* this stack is done */
    TSAN_SWITCH(c->loop_fiber);
    slp__native_swap(&unused, c->loop_sp);
    __builtin_unreachable();
}

void slp__ctx_suspend(slp__thread *th, slp__tasklet *t) {
    slp__thread_ctx *c = th->ctx;
    void *fake = NULL;
    ASAN_START(&fake, c->main_bottom, c->main_size);
    TSAN_SWITCH(c->loop_fiber);
    slp__native_swap(&t->ctx.sp, c->loop_sp);
    c = slp__tls_get()->ctx;
    ASAN_FINISH(fake, &c->main_bottom, &c->main_size);
    SLP__UNUSED(fake);
}

void slp__ctx_free(slp__tasklet *t) {
    if (t->ctx.stack) {
        ASAN_UNPOISON(t->ctx.stack, t->ctx.stack_size);
        munmap(t->ctx.stack, t->ctx.stack_size);
        t->ctx.stack = NULL;
    }
#ifdef SLP__TSAN
    if (t->ctx.san_fiber) {
        __tsan_destroy_fiber(t->ctx.san_fiber);
        t->ctx.san_fiber = NULL;
    }
#endif
}

int slp__ctx_has_cstate(const slp__tasklet *t) {
    SLP__UNUSED(t);
    return 0; /* a stack of its own moves with it */
}

