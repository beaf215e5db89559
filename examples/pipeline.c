/*
 * pipeline.c -- a line-processing pipeline made of tasklets and channels.
 *
 *   stdin --> reader --work--> worker x N --done--> writer --> stdout
 *                ^                                    |
 *                +--------------- credit -------------+
 *
 * The reader reads lines and numbers them; N workers take lines from the
 * `work` channel, transform them (--upper, --lower, --reverse,
 * --count-words, applied in the order given) and pass them on the `done`
 * channel; the writer puts them back in input order by their sequence
 * number and writes them.  The `credit` channel is a counting semaphore: the
 * reader may be at most WINDOW lines ahead of the writer, which bounds the
 * writer's reorder buffer (and the memory) whatever the input.
 *
 * Workers are cooperative: while transforming they yield to the scheduler
 * once every --slice bytes (default 64), the way real per-line work would
 * let other tasklets in.  Long lines therefore finish after the short lines
 * that follow them, and the writer really has to reorder (--unordered skips
 * that, to show it).
 *
 * Shutdown:
 *   - at end of input the reader close()s `work`.  A closed channel makes a
 *     receive that would block fail with SLP_ECLOSED, but (as in Stackless)
 *     it does not wake tasklets that already wait, so the reader hands each
 *     waiting worker SLP_ECLOSED with send_throw; a busy worker gets it from
 *     its next receive.  The last worker to end does the same to `done`,
 *     which ends the writer.
 *   - on a fatal error (stdout unwritable, out of memory) the tasklet that
 *     sees it kills every other tasklet: their blocking calls return
 *     SLP_EEXIT and they return.  Lines are on a list owned by the pipeline
 *     (see line_new), so whatever was in flight is freed by main.
 *   - main sits in slp_run() until nothing is runnable, then checks that
 *     every tasklet has ended and that releasing the handles frees the
 *     channels (a protocol bug would show up as a tasklet left blocked).
 *
 * Single-threaded, stdio only: the same source builds natively and for WASI
 * and writes the same bytes.  See examples/pipeline.md.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "stackless.h"

#define PROG "pipeline"

/* Exit statuses (all <= 125: wasmtime refuses larger proc_exit codes). */
enum { EXIT_IO = 1, EXIT_USAGE = 2, EXIT_INTERNAL = 70 };

enum { MAX_WORKERS = 1000, DEFAULT_WORKERS = 4, DEFAULT_SLICE = 64,
       WINDOW_PER_WORKER = 4 };

typedef enum { OP_UPPER, OP_LOWER, OP_REVERSE, OP_COUNT_WORDS } op;

/* One line on its way through the pipeline. */
typedef struct line line;
struct line {
    line *prev, *next;  /* on the pipeline's list of live lines */
    size_t seq;         /* 0-based input line number */
    char *text;         /* the line without its terminator (may hold NULs) */
    size_t len;
    unsigned char eol;  /* 0: none (last line), 1: "\n", 2: "\r\n" */
};

typedef struct pipeline pipeline;

typedef struct {
    pipeline *p;
    size_t mark;        /* next byte offset at which to yield */
} worker_ctx;

struct pipeline {
    /* options */
    int nworkers;
    size_t slice;       /* yield every `slice` bytes; 0: never */
    int unordered;
    int stats;
    op *ops;
    int nops;
    FILE *in;
    /* channels */
    slp_channel work;   /* reader -> workers: line * */
    slp_channel done;   /* workers -> writer: line * */
    slp_channel credit; /* writer -> reader: a window slot, when it waits */
    /* tasklets (the references main holds) */
    slp_tasklet reader, writer, *workers;
    worker_ctx *wctx;
    int workers_left;
    /* window and reorder buffer */
    size_t window;      /* lines read but not yet written, at most */
    int credits;        /* free window slots */
    line **slots;       /* writer: line seq sits in slots[seq % window] */
    size_t next;        /* writer: next sequence number to write */
    size_t buffered, peak; /* lines waiting in slots now / at most */
    line *live;         /* every line not yet written (see line_new) */
    /* results */
    size_t lines_read, lines_written, yields;
    int write_errno;
    int status;         /* exit status; the first failure wins */
};

/* ----------------------------------------------------------------- errors */

static void fail(pipeline *p, int status, const char *what, const char *why) {
    fprintf(stderr, PROG ": %s%s%s\n", what, why ? ": " : "", why ? why : "");
    if (!p->status) p->status = status;
}

/* Kill every tasklet but the caller (kill of an ended one is a no-op). */
static void shutdown_others(pipeline *p) {
    slp_tasklet self = slp_getcurrent();
    int i;
    if (p->reader != self) slp_tasklet_kill(p->reader, 0);
    for (i = 0; i < p->nworkers; i++)
        if (p->workers[i] != self) slp_tasklet_kill(p->workers[i], 0);
    if (p->writer != self) slp_tasklet_kill(p->writer, 0);
}

/* close() fails later receives that would block, but leaves the tasklets
 * already waiting where they are: give each of them SLP_ECLOSED too. */
static int close_and_wake(slp_channel ch) {
    int r = slp_channel_close(ch);
    while (r == 0 && slp_channel_balance(ch) < 0)
        r = slp_channel_send_throw(ch, SLP_ECLOSED, NULL);
    return r;
}

/* Lines belong to the pipeline, not to a tasklet: each is on p->live from
 * line_new until the writer has written it.  A tasklet that is killed just
 * drops what it holds, and main frees what is left.  (A tasklet cannot tell
 * who owns the line it was sending when it is killed: a send that already
 * handed the line to a receiver still returns SLP_EEXIT if the kill comes
 * before the sender's next turn.) */
static line *line_new(pipeline *p, const char *buf, size_t n) {
    line *l = calloc(1, sizeof *l);
    if (!l || !(l->text = malloc(n + 1))) {
        free(l);
        return NULL;
    }
    l->len = n;
    if (l->len && buf[l->len - 1] == '\n') {
        l->eol = 1;
        l->len--;
        if (l->len && buf[l->len - 1] == '\r') {
            l->eol = 2;
            l->len--;
        }
    }
    memcpy(l->text, buf, l->len);
    l->text[l->len] = '\0';
    l->seq = p->lines_read++;
    l->next = p->live;
    if (p->live) p->live->prev = l;
    p->live = l;
    return l;
}

static void line_free(pipeline *p, line *l) {
    if (l->prev)
        l->prev->next = l->next;
    else
        p->live = l->next;
    if (l->next) l->next->prev = l->prev;
    free(l->text);
    free(l);
}

/* ------------------------------------------------------- window semaphore */

/* Take a window slot; blocks (receiving on `credit`) while there is none. */
static int window_acquire(pipeline *p) {
    void *v;
    if (p->credits > 0) {
        p->credits--;
        return 0;
    }
    return slp_channel_receive(p->credit, &v);
}

/* Give a slot back: straight to the reader if it waits, else to the pool. */
static int window_release(pipeline *p) {
    if (slp_channel_balance(p->credit) < 0)
        return slp_channel_send(p->credit, NULL);
    p->credits++;
    return 0;
}

/* ----------------------------------------------------------------- reader */

static int reader(void *arg) {
    pipeline *p = arg;
    char *buf = NULL;
    size_t cap = 0;
    int r;
    for (;;) {
        ssize_t n;
        line *l;
        if ((r = window_acquire(p)) != 0) break;
        errno = 0;
        n = getline(&buf, &cap, p->in);
        if (n < 0) {
            if (ferror(p->in))
                fail(p, EXIT_IO, "read error", strerror(errno ? errno : EIO));
            break;
        }
        if ((l = line_new(p, buf, (size_t)n)) == NULL) {
            fail(p, EXIT_INTERNAL, "out of memory", NULL);
            shutdown_others(p);
            r = SLP_ENOMEM;
            break;
        }
        /* Killed (SLP_EEXIT): the line may be a worker's already. */
        if ((r = slp_channel_send(p->work, l)) != 0) break;
    }
    free(buf);
    /* End of input (or a read error: what was read still goes out). */
    if (r == 0) r = close_and_wake(p->work);
    return r == SLP_EEXIT || r == SLP_ENOMEM ? 0 : r;
}

/* ----------------------------------------------------------------- workers */

/* Called with the offset of the byte about to be processed: yields once
 * every `slice` bytes.  Returns SLP_EEXIT if the worker was killed. */
static int pace(worker_ctx *w, size_t pos) {
    if (!w->p->slice || pos < w->mark) return 0;
    w->mark = pos + w->p->slice;
    w->p->yields++;
    return slp_schedule();
}

static int is_space(unsigned char c) {
    return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Length of the UTF-8 character at s: a lead byte with its continuation
 * bytes, or 1 for anything else (ASCII, a stray byte). */
static size_t utf8_len(const unsigned char *s, size_t n) {
    size_t want, k;
    if (s[0] < 0xC2 || s[0] > 0xF4) return 1;
    want = s[0] < 0xE0 ? 2 : s[0] < 0xF0 ? 3 : 4;
    if (want > n) return 1;
    for (k = 1; k < want; k++)
        if ((s[k] & 0xC0) != 0x80) return 1;
    return want;
}

/* Apply one transform to l, yielding as it goes. */
static int apply(worker_ctx *w, line *l, op o) {
    unsigned char *s = (unsigned char *)l->text;
    size_t i, n = l->len;
    int r;
    w->mark = w->p->slice;
    switch (o) {
    case OP_UPPER:
    case OP_LOWER:
        for (i = 0; i < n; i++) {
            if ((r = pace(w, i)) != 0) return r;
            if (o == OP_UPPER && s[i] >= 'a' && s[i] <= 'z') s[i] -= 'a' - 'A';
            if (o == OP_LOWER && s[i] >= 'A' && s[i] <= 'Z') s[i] += 'a' - 'A';
        }
        return 0;
    case OP_REVERSE: {
        char *out = malloc(n + 1);
        if (!out) return SLP_ENOMEM;
        for (i = 0; i < n;) {
            size_t k = utf8_len(s + i, n - i);
            if ((r = pace(w, i)) != 0) {
                free(out);
                return r;
            }
            memcpy(out + n - i - k, s + i, k);
            i += k;
        }
        out[n] = '\0';
        free(l->text);
        l->text = out;
        return 0;
    }
    case OP_COUNT_WORDS: {
        size_t words = 0, len;
        int in_word = 0;
        char num[32], *out;
        for (i = 0; i < n; i++) {
            if ((r = pace(w, i)) != 0) return r;
            if (is_space(s[i])) {
                in_word = 0;
            } else if (!in_word) {
                in_word = 1;
                words++;
            }
        }
        len = (size_t)snprintf(num, sizeof num, "%zu\t", words);
        out = malloc(len + n + 1);
        if (!out) return SLP_ENOMEM;
        memcpy(out, num, len);
        memcpy(out + len, l->text, n + 1);
        free(l->text);
        l->text = out;
        l->len = len + n;
        return 0;
    }
    }
    return SLP_EINVAL;
}

static int worker(void *arg) {
    worker_ctx *w = arg;
    pipeline *p = w->p;
    void *v;
    int r, i;
    while ((r = slp_channel_receive(p->work, &v)) == 0) {
        line *l = v;
        for (i = 0; i < p->nops && r == 0; i++) r = apply(w, l, p->ops[i]);
        if (r == 0) r = slp_channel_send(p->done, l);
        if (r != 0) break; /* l stays on p->live */
    }
    if (r == SLP_ENOMEM) {
        fail(p, EXIT_INTERNAL, "out of memory", NULL);
        shutdown_others(p);
    }
    /* SLP_ECLOSED: the input is finished.  The last worker out closes
     * `done`, so the writer ends once it has everything. */
    if (--p->workers_left == 0 && r == SLP_ECLOSED) r = close_and_wake(p->done);
    return r == SLP_ECLOSED || r == SLP_EEXIT || r == SLP_ENOMEM ? 0 : r;
}

/* ----------------------------------------------------------------- writer */

static int emit(pipeline *p, line *l) {
    static const char *const eols[] = {"", "\n", "\r\n"};
    size_t elen = l->eol;
    int bad;
    errno = 0;
    bad = fwrite(l->text, 1, l->len, stdout) != l->len ||
          fwrite(eols[l->eol], 1, elen, stdout) != elen || ferror(stdout);
    if (bad) p->write_errno = errno ? errno : EIO;
    line_free(p, l);
    if (bad) return SLP_EUSER;
    p->lines_written++;
    return window_release(p);
}

static int writer(void *arg) {
    pipeline *p = arg;
    void *v;
    int r;
    while ((r = slp_channel_receive(p->done, &v)) == 0) {
        line *l = v;
        if (p->unordered) {
            r = emit(p, l);
        } else {
            p->slots[l->seq % p->window] = l;
            p->buffered++;
            /* Write the run of lines that is now complete, in order. */
            while (r == 0 && (l = p->slots[p->next % p->window]) != NULL &&
                   l->seq == p->next) {
                p->slots[p->next % p->window] = NULL;
                p->buffered--;
                p->next++;
                r = emit(p, l);
            }
            /* What is left waits for an earlier line still in a worker. */
            if (p->buffered > p->peak) p->peak = p->buffered;
        }
        if (r != 0) break;
    }
    if (r == SLP_EUSER) {
        fail(p, EXIT_IO, "write error", strerror(p->write_errno));
        shutdown_others(p);
    }
    return r == SLP_ECLOSED || r == SLP_EEXIT || r == SLP_EUSER ? 0 : r;
}

/* ------------------------------------------------------------------- main */

static void usage(FILE *f) {
    fputs(
"usage: " PROG " [OPTION]...\n"
"Transform lines from stdin (or --input FILE) to stdout through a pipeline of\n"
"tasklets: a reader, N workers and a writer connected by channels.  Output\n"
"line i is input line i transformed, in input order (unless --unordered).\n"
"\n"
"Transforms (applied in the order given; none: copy unchanged):\n"
"  --upper          ASCII letters to upper case (other bytes unchanged)\n"
"  --lower          ASCII letters to lower case\n"
"  --reverse        reverse the characters of the line (UTF-8 aware)\n"
"  --count-words    prefix the line with its word count and a tab\n"
"\n"
"Options:\n"
"  -j, --workers N  number of worker tasklets, 1.." "1000 (default 4)\n"
"  -i, --input FILE read FILE instead of stdin ('-': stdin)\n"
"  --slice BYTES    a worker yields every BYTES bytes it transforms\n"
"                   (default 64, 0: never)\n"
"  --unordered      write lines as workers finish them (completion order)\n"
"  --stats          print counters to stderr at the end\n"
"  -h, --help       show this help and exit\n"
"\n"
"A line ends at \"\\n\"; a \"\\r\\n\" ending and a missing final newline are\n"
"kept as they were.  Exit status: 0 ok, 1 input/output error, 2 bad usage,\n"
"70 internal error.\n",
        f);
}

static int bad_usage(const char *fmt, const char *arg) {
    fprintf(stderr, PROG ": ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry '" PROG " --help' for more information.\n");
    return EXIT_USAGE;
}

/* A decimal number in [lo, hi], nothing else. */
static int parse_num(const char *s, long lo, long hi, long *out) {
    char *end;
    long v;
    if (*s < '0' || *s > '9') return -1;
    errno = 0;
    v = strtol(s, &end, 10);
    if (*end || errno || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

/* Parses argv into p; returns -1 to go on, or an exit status. */
static int parse_args(pipeline *p, int argc, char **argv, const char **input) {
    int i;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *val = NULL, *eq;
        char name[32];
        long v;
        /* --name=value */
        if (a[0] == '-' && a[1] == '-' && (eq = strchr(a, '=')) != NULL &&
            (size_t)(eq - a) < sizeof name) {
            memcpy(name, a, (size_t)(eq - a));
            name[eq - a] = '\0';
            val = eq + 1;
            a = name;
        }
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            if (val) return bad_usage("option '--help' takes no value", NULL);
            usage(stdout);
            return 0;
        }
        if (!strcmp(a, "--upper") || !strcmp(a, "--lower") ||
            !strcmp(a, "--reverse") || !strcmp(a, "--count-words") ||
            !strcmp(a, "--unordered") || !strcmp(a, "--stats")) {
            if (val) return bad_usage("option '%s' takes no value", a);
            if (!strcmp(a, "--unordered"))
                p->unordered = 1;
            else if (!strcmp(a, "--stats"))
                p->stats = 1;
            else
                p->ops[p->nops++] = !strcmp(a, "--upper")   ? OP_UPPER
                                    : !strcmp(a, "--lower") ? OP_LOWER
                                    : !strcmp(a, "--reverse")
                                        ? OP_REVERSE
                                        : OP_COUNT_WORDS;
            continue;
        }
        if (!strcmp(a, "-j") || !strcmp(a, "--workers") || !strcmp(a, "-i") ||
            !strcmp(a, "--input") || !strcmp(a, "--slice")) {
            if (!val) {
                if (i + 1 >= argc)
                    return bad_usage("option '%s' needs a value", a);
                val = argv[++i];
            }
            if (!strcmp(a, "-i") || !strcmp(a, "--input")) {
                if (!*val) return bad_usage("empty file name for '%s'", a);
                *input = val;
            } else if (!strcmp(a, "--slice")) {
                if (parse_num(val, 0, 1000000000L, &v))
                    return bad_usage("bad --slice '%s' (want 0..1000000000)",
                                     val);
                p->slice = (size_t)v;
            } else {
                if (parse_num(val, 1, MAX_WORKERS, &v))
                    return bad_usage("bad number of workers '%s' (want 1..1000)",
                                     val);
                p->nworkers = (int)v;
            }
            continue;
        }
        if (a[0] == '-' && a[1])
            return bad_usage("unknown option '%s'", argv[i]);
        return bad_usage("unexpected argument '%s'", a);
    }
    return -1;
}

static int runtime_error(const char *what, int err) {
    fprintf(stderr, PROG ": %s: %s\n", what, slp_strerror(err));
    return EXIT_INTERNAL;
}

/* Build the pipeline, run it, tear it down.  Returns the exit status. */
static int run_pipeline(pipeline *p) {
    int i, r, leaked = 0;
    p->window = (size_t)p->nworkers * WINDOW_PER_WORKER;
    p->credits = (int)p->window;
    p->slots = calloc(p->window, sizeof *p->slots);
    p->workers = calloc((size_t)p->nworkers, sizeof *p->workers);
    p->wctx = calloc((size_t)p->nworkers, sizeof *p->wctx);
    if (!p->slots || !p->workers || !p->wctx)
        return runtime_error("setup", SLP_ENOMEM);

    if ((r = slp_channel_new(&p->work)) != 0 ||
        (r = slp_channel_new(&p->done)) != 0 ||
        (r = slp_channel_new(&p->credit)) != 0)
        return runtime_error("slp_channel_new", r);
    /* A released slot goes to the reader's queue while the writer carries on
     * writing the lines it already holds. */
    slp_channel_set_preference(p->credit, 1);

    /* Consumers first, so they wait when the reader starts. */
    if ((r = slp_tasklet_create(&p->writer, writer, p)) != 0)
        return runtime_error("slp_tasklet_create", r);
    for (i = 0; i < p->nworkers; i++) {
        p->wctx[i].p = p;
        if ((r = slp_tasklet_create(&p->workers[i], worker, &p->wctx[i])) != 0)
            return runtime_error("slp_tasklet_create", r);
    }
    p->workers_left = p->nworkers;
    if ((r = slp_tasklet_create(&p->reader, reader, p)) != 0)
        return runtime_error("slp_tasklet_create", r);

    /* Run until no tasklet is runnable: normally all have ended. */
    r = slp_run();
    if (r != 0) runtime_error("slp_run", r);

    /* Every tasklet must have ended; one left blocked is a protocol bug. */
    for (i = -1; i <= p->nworkers; i++) {
        slp_tasklet t = i < 0 ? p->reader : i == p->nworkers ? p->writer
                                                               : p->workers[i];
        if (slp_tasklet_alive(t) != 0) {
            fprintf(stderr, PROG ": internal error: tasklet %u did not end "
                    "(blocked: %d)\n", (unsigned)t, slp_tasklet_blocked(t));
            slp_tasklet_kill(t, 0);
            leaked = 1;
        }
        slp_tasklet_release(t);
    }
    slp_channel_release(p->work);
    slp_channel_release(p->done);
    slp_channel_release(p->credit);
    /* Released with nobody waiting: the handles must be gone now. */
    if (slp_channel_balance(p->work) != SLP_BALANCE_BADHANDLE ||
        slp_channel_balance(p->done) != SLP_BALANCE_BADHANDLE ||
        slp_channel_balance(p->credit) != SLP_BALANCE_BADHANDLE ||
        slp_snapshot(NULL, 0) != 1) {
        fprintf(stderr, PROG ": internal error: tasklets or channels left "
                "(%d tasklets)\n", slp_snapshot(NULL, 0));
        leaked = 1;
    }
    /* Lines not written: only after a failure. */
    if (p->live && !p->status) {
        fprintf(stderr, PROG ": internal error: lines left unwritten\n");
        leaked = 1;
    }
    while (p->live) line_free(p, p->live);
    if (p->stats)
        fprintf(stderr, PROG ": %zu lines read, %zu written, %d workers, "
                "window %zu, reorder peak %zu, %zu yields\n",
                p->lines_read, p->lines_written, p->nworkers, p->window,
                p->peak, p->yields);
    if (r != 0 || leaked) return EXIT_INTERNAL;
    return p->status;
}

int main(int argc, char **argv) {
    pipeline p;
    const char *input = NULL;
    int status;
    memset(&p, 0, sizeof p);
    p.nworkers = DEFAULT_WORKERS;
    p.slice = DEFAULT_SLICE;
    p.ops = calloc((size_t)argc, sizeof *p.ops);
    if (!p.ops) return runtime_error("setup", SLP_ENOMEM);

    if ((status = parse_args(&p, argc, argv, &input)) >= 0) {
        free(p.ops);
        return status;
    }
    if (!input || !strcmp(input, "-")) {
        p.in = stdin;
    } else if ((p.in = fopen(input, "r")) == NULL) {
        fprintf(stderr, PROG ": cannot open '%s': %s\n", input,
                strerror(errno));
        free(p.ops);
        return EXIT_IO;
    }
    status = run_pipeline(&p);

    if (fflush(stdout) != 0 && status == 0) {
        fprintf(stderr, PROG ": write error: %s\n", strerror(errno));
        status = EXIT_IO;
    }
    if (p.in != stdin) fclose(p.in);
    free(p.slots);
    free(p.workers);
    free(p.wctx);
    free(p.ops);
    return status;
}
