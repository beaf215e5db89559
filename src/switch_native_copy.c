/*
 * switch_native_copy.c -- the native switch with copied stacks (Stackless's
 * hard switching): every tasklet of a thread runs on the thread's one run
 * stack, at the same addresses, and a suspended tasklet's frames (the slice
 * from its stack pointer up to the top) are copied out to a heap buffer
 * sized to them, and back in when it runs again.  A blocked tasklet then
 * costs its slice (a few hundred bytes at depth 0), not a page of its own
 * stack and the page table under it (switch_native_x86_64.c); a switch
 * costs two copies of the slices, which grow with depth.
 *
 * The copy is lazy: a tasklet's frames stay on the run stack until another
 * tasklet of the thread needs it (the occupant), so a tasklet that is
 * resumed next copies nothing.  The buffer is reserved as soon as the
 * tasklet suspends: a tasklet whose slice finds no memory ends there with
 * SLP_ENOMEM, as a wasm tasklet does.
 *
 * The slice holds addresses of its thread's run stack (saved frame
 * pointers, pointers to locals): a started tasklet has C state, as in wasm
 * (never bound to another thread; killed when its thread ends), and a
 * pointer to a blocked tasklet's local is not valid while another tasklet
 * runs.  SLP_STACK_SIZE sizes the run stack, i.e. each tasklet's depth; its
 * lowest page is the guard page (switch_native.h).
 *
 * ASan cannot follow frames that move (the poisoned redzones stay behind
 * in its shadow memory): the ASan build uses switch_native_x86_64.c.
 */
#include "switch_native.h"

#ifdef SLP__ASAN
#error "copied stacks under ASan: build with SLP_NATIVE_STACKS=own"
#endif

int slp__ctx_thread_init(slp__thread *th) { return native_thread_init(th); }

void slp__ctx_thread_free(slp__thread *th) {
    slp__thread_ctx *c = th->ctx;
    if (c && c->run_stack) munmap(c->run_stack, c->run_size);
    native_thread_free(th);
}

static const char *guard_of(slp__thread *th, slp__tasklet *t) {
    SLP__UNUSED(t);
    return th->ctx->run_stack;
}

static char *run_top(const slp__thread_ctx *c) {
    return (char *)((uintptr_t)(c->run_stack + c->run_size - 16) & ~(uintptr_t)15);
}

static int run_stack_alloc(slp__thread_ctx *c) {
    size_t size = stack_size();
    void *stack = mmap(NULL, size, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (stack == MAP_FAILED) return -1;
    guard_install(stack);
    c->run_stack = stack;
    c->run_size = size;
    return 0;
}

/* The slice of t (suspended): its buffer holds ctx.stack_size bytes, of
 * which ctx.data_size are saved frames (0: they are on the run stack). */
static size_t slice_len(const slp__thread_ctx *c, const slp__tasklet *t) {
    return (size_t)(run_top(c) - (char *)t->ctx.sp);
}

/* A buffer for len bytes: kept if it fits and is not much bigger. */
static int reserve(slp__tasklet *t, size_t len) {
    void *p;
    if (t->ctx.stack_size >= len && t->ctx.stack_size <= 2 * len + 256) return 0;
    p = malloc(len);
    if (!p) return -1;
    free(t->ctx.stack);
    t->ctx.stack = p;
    t->ctx.stack_size = len;
    return 0;
}

static void copy_out(const slp__thread_ctx *c, slp__tasklet *t) {
    size_t len = slice_len(c, t);
    memcpy(t->ctx.stack, t->ctx.sp, len);
    t->ctx.data_size = len;
}

static void copy_in(slp__tasklet *t) {
    memcpy(t->ctx.sp, t->ctx.stack, t->ctx.data_size);
    t->ctx.data_size = 0;
}

/* A frame for slp__native_swap to "return" into the trampoline with rsp
 * 16-byte aligned, as the ABI wants before the call it makes. */
static void first_frame(const slp__thread_ctx *c, slp__tasklet *t) {
    void **sp = (void **)(run_top(c) - 7 * sizeof(void *));
    sp[0] = sp[1] = sp[2] = NULL;           /* r15 r14 r13 */
    sp[3] = t;                              /* r12 */
    sp[4] = sp[5] = NULL;                   /* rbx rbp */
    sp[6] = (void *)slp__native_trampoline; /* return address */
    t->ctx.sp = sp;
}

void slp__ctx_resume(slp__thread *th, slp__tasklet *t) {
    slp__thread_ctx *c = th->ctx;
    if (!c->run_stack) {
        guard_setup(c);
        if (run_stack_alloc(c) != 0) { /* no memory for a stack: it ends at once */
            t->result = SLP_ENOMEM;
            t->ended = 1;
            return;
        }
    }
    if (c->occupant != t) {
        if (c->occupant) copy_out(c, c->occupant); /* its buffer is reserved */
        c->occupant = t;
        if (t->started) {
            copy_in(t);
        } else {
            first_frame(c, t);
            t->started = 1;
#ifdef SLP__TSAN
            if (!t->ctx.san_fiber) t->ctx.san_fiber = __tsan_create_fiber(0);
#endif
        }
    }
    TSAN_SWITCH(t->ctx.san_fiber);
    slp__native_swap(&c->loop_sp, t->ctx.sp);
    if (t->ended) {
        c->occupant = NULL; /* nothing of it to keep */
        return;
    }
    if ((char *)t->ctx.sp < c->run_stack + GUARD) {
        t->result = SLP_ESTACKDEPTH; /* it cannot go on safely */
        t->ended = 1;
    } else if (reserve(t, slice_len(c, t)) != 0) {
        t->result = SLP_ENOMEM; /* its frames could not be kept */
        t->ended = 1;
    }
    if (t->ended) c->occupant = NULL;
}

void slp__native_start(slp__tasklet *t) {
    slp__thread_ctx *c = slp__tls_get()->ctx;
    void *unused;
    slp__tasklet_body(t);
    TSAN_SWITCH(c->loop_fiber);
    slp__native_swap(&unused, c->loop_sp);
    __builtin_unreachable();
}

void slp__ctx_suspend(slp__thread *th, slp__tasklet *t) {
    slp__thread_ctx *c = th->ctx;
    TSAN_SWITCH(c->loop_fiber);
    slp__native_swap(&t->ctx.sp, c->loop_sp);
}

void slp__ctx_free(slp__tasklet *t) {
    slp__thread *th = t->thread;
    /* Only its own thread has it on the run stack (ended tasklets left it
     * in slp__ctx_resume already: this is for a frame dropped there). */
    if (th && th == slp__tls && th->ctx && th->ctx->occupant == t) th->ctx->occupant = NULL;
    free(t->ctx.stack);
    t->ctx.stack = NULL;
    t->ctx.stack_size = t->ctx.data_size = 0;
    san_fiber_free(t);
}

int slp__ctx_has_cstate(const slp__tasklet *t) {
    return t->started && !t->is_main; /* its slice is at its thread's addresses */
}
