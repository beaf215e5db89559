/*
 * switch_native_x86_64.c -- the native switch with a stack per tasklet: a
 * switch saves the callee-saved registers on the old stack and loads them
 * from the new one (System V x86-64 ABI).  About 20 instructions, no system
 * call (swapcontext saves the signal mask with one).  A tasklet's stack
 * never moves, so it may go on on another thread (bind_thread).
 *
 * Stacks are mmap'd, and only touched pages cost memory (at least one page
 * per started tasklet: switch_native_copy.c needs less).  SLP_STACK_SIZE sets
 * the size (bytes).  The lowest GUARD bytes are the guard page
 * (switch_native.h).
 *
 * The sanitizers are told about every switch (ASan fiber API, TSan fibers),
 * so that the sanitizer builds check tasklet code too.
 */
#include "switch_native.h"

int slp__ctx_thread_init(slp__thread *th) { return native_thread_init(th); }

void slp__ctx_thread_free(slp__thread *th) { native_thread_free(th); }

static const char *guard_of(slp__thread *th, slp__tasklet *t) {
    SLP__UNUSED(th);
    return t->ctx.stack;
}

static int ctx_alloc(slp__tasklet *t) {
    size_t size = stack_size();
    char *top;
    void **sp;
    void *stack = mmap(NULL, size, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (stack == MAP_FAILED) return -1;
    ASAN_UNPOISON(stack, size);
    guard_install(stack);
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
        guard_setup(c);
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
    san_fiber_free(t);
}

int slp__ctx_has_cstate(const slp__tasklet *t) {
    SLP__UNUSED(t);
    return 0; /* a stack of its own moves with it */
}

