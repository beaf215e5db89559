/*
 * interp.c -- run gen.py's programs on stackless.h, print their traces.
 *
 *   slp_diff_interp < batch     (programs, each after a "# name" line)
 *
 * The same interpreter as interp.py (on Stackless Python): every event line
 * and every skip must match it, so that a difference in the traces is a
 * difference of the runtimes.  Each program runs in a forked child (a
 * crash or a hang costs one program); without fork (WASI) the batch must
 * hold one program.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifndef __wasi__
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

#include "stackless.h"

enum { MAXCH = 8, MAXT = 8, MAXS = 8, MAXOPS = 16, BUDGET = 300 };

typedef struct {
    char w[4][16]; /* the op's words */
    int n;
} op_t;

static slp_channel chans[MAXCH];
static int nchan;
static slp_tasklet tasks[MAXT];
static int ntask;
static op_t scripts[MAXS + 1][MAXOPS]; /* the last one is main's */
static int nops[MAXS + 1];
static int nscript;
static int budget;

static void parse_ops(char *s, op_t *ops, int *n) {
    for (char *save = NULL, *o = strtok_r(s, ";", &save); o;
         o = strtok_r(NULL, ";", &save)) {
        op_t op = {0};
        for (char *s2 = NULL, *w = strtok_r(o, " \t\n", &s2); w && op.n < 4;
             w = strtok_r(NULL, " \t\n", &s2))
            snprintf(op.w[op.n++], sizeof op.w[0], "%s", w);
        if (op.n && *n < MAXOPS) ops[(*n)++] = op;
    }
}

static const char *me(void) {
    static char buf[16];
    slp_tasklet c = slp_getcurrent();
    if (c == slp_getmain()) return "m";
    for (int i = 0; i < ntask; i++)
        if (tasks[i] == c) { snprintf(buf, sizeof buf, "t%d", i); return buf; }
    return "?";
}

static void ename(int code, char *out, size_t n) {
    if (code <= SLP_EUSER) snprintf(out, n, "EUSER-%d", SLP_EUSER - code);
    else snprintf(out, n, "%s", slp_err_name(code) + 4); /* drop "SLP_" */
}

static slp_tasklet T(const char *w) {
    return w[0] == 'm' ? slp_getmain() : tasks[atoi(w + 1)];
}
static slp_channel C(const char *w) { return chans[atoi(w + 1)]; }

static void state(slp_tasklet t, char *out, size_t n) {
    snprintf(out, n, "a%d p%d b%d s%d", slp_tasklet_alive(t) == 1,
             slp_tasklet_paused(t) == 1, slp_tasklet_blocked(t) > 0,
             slp_tasklet_scheduled(t) == 1);
}

static int body(void *arg);

/* One op: 0 and its result text in out, or a negative error code. */
static int op(const op_t *o, char *out, size_t n) {
    const char *k = o->w[0];
    int r = 0;
    snprintf(out, n, "ok");
    if (!strcmp(k, "send")) {
        r = slp_channel_send(C(o->w[1]), (void *)(intptr_t)atoi(o->w[2]));
    } else if (!strcmp(k, "sendt")) {
        r = slp_channel_send_throw(C(o->w[1]), SLP_EUSER - atoi(o->w[2]), NULL);
    } else if (!strcmp(k, "recv")) {
        void *v = NULL;
        r = slp_channel_receive(C(o->w[1]), &v);
        if (r == 0) {
            if (v) snprintf(out, n, "%d", (int)(intptr_t)v);
            else snprintf(out, n, "None");
        }
    } else if (!strcmp(k, "sched")) {
        r = slp_schedule();
    } else if (!strcmp(k, "schedr")) {
        r = slp_schedule_remove();
    } else if (!strcmp(k, "srun")) {
        r = slp_run();
    } else if (!strcmp(k, "kill") || !strcmp(k, "killp")) {
        r = slp_tasklet_kill(T(o->w[1]), k[4] == 'p');
    } else if (!strcmp(k, "throw") || !strcmp(k, "throwp")) {
        r = slp_tasklet_throw(T(o->w[1]), SLP_EUSER - atoi(o->w[2]), NULL,
                              k[5] == 'p');
    } else if (!strcmp(k, "ins")) {
        r = slp_tasklet_insert(T(o->w[1]));
    } else if (!strcmp(k, "rem")) {
        r = slp_tasklet_remove(T(o->w[1]));
    } else if (!strcmp(k, "run")) {
        r = slp_tasklet_run(T(o->w[1]));
    } else if (!strcmp(k, "sw")) {
        slp_tasklet t = T(o->w[1]);
        if (t == slp_getcurrent()) { /* interp.py: a Stackless 3.7 bug */
            snprintf(out, n, "skip");
            return 0;
        }
        r = slp_tasklet_switch(t);
    } else if (!strcmp(k, "bind")) {
        r = slp_tasklet_bind_args(T(o->w[1]), body,
                                  (void *)(intptr_t)atoi(o->w[2]));
    } else if (!strcmp(k, "unbind")) {
        r = slp_tasklet_bind(T(o->w[1]), NULL, NULL);
    } else if (!strcmp(k, "close")) {
        r = slp_channel_close(C(o->w[1]));
    } else if (!strcmp(k, "open")) {
        r = slp_channel_open(C(o->w[1]));
    } else if (!strcmp(k, "pref")) {
        r = slp_channel_set_preference(C(o->w[1]), atoi(o->w[2]));
    } else if (!strcmp(k, "sa")) {
        r = slp_channel_set_schedule_all(C(o->w[1]), atoi(o->w[2]));
    } else if (!strcmp(k, "trap")) {
        snprintf(out, n, "%d", slp_switch_trap(atoi(o->w[1])));
        return 0;
    } else if (!strcmp(k, "btrap")) {
        r = slp_tasklet_set_block_trap(T(o->w[1]), atoi(o->w[2]));
    } else if (!strcmp(k, "st")) {
        state(T(o->w[1]), out, n);
        return 0;
    } else if (!strcmp(k, "bal")) {
        slp_channel ch = C(o->w[1]);
        snprintf(out, n, "%d %d", slp_channel_balance(ch),
                 slp_channel_closing(ch));
        return 0;
    } else {
        fprintf(stderr, "interp: unknown op %s\n", k);
        exit(2);
    }
    return r < -1 ? r : 0; /* setters return the old value (-1 too) */
}

/* Run a script; the error number of its `raise`, else 0. */
static int script(int sid) {
    for (int i = 0; i < nops[sid]; i++) {
        const op_t *o = &scripts[sid][i];
        if (--budget < 0) {
            printf("%s budget\n", me());
            return 0;
        }
        if (!strcmp(o->w[0], "raise")) return atoi(o->w[1]);
        char res[64];
        int r = op(o, res, sizeof res);
        if (r < 0) ename(r, res, sizeof res);
        printf("%s", me());
        for (int j = 0; j < o->n; j++) printf(" %s", o->w[j]);
        printf(" = %s\n", res);
        if (r == SLP_EEXIT) return 0; /* killed: end */
    }
    return 0;
}

static int body(void *arg) {
    int sid = (int)(intptr_t)arg;
    char name[16];
    snprintf(name, sizeof name, "%s", me());
    printf("%s start %d\n", name, sid);
    int k = script(sid);
    int trap = slp_switch_trap(0); /* interp.py: a Stackless 3.7 bug */
    if (trap) {
        slp_switch_trap(-trap);
        printf("%s trap reset\n", name);
    }
    if (k) {
        printf("%s raise %d\n", name, k);
        return SLP_EUSER - k;
    }
    printf("%s end\n", name);
    return 0;
}

static void run_one(char *text) {
    nchan = ntask = nscript = 0;
    memset(nops, 0, sizeof nops);
    budget = BUDGET;
    int mainidx = MAXS;
    char *specs[MAXT];
    for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == 'C' && nchan < MAXCH) {
            int pref = 0, sa = 0;
            sscanf(line + 1, "%d %d", &pref, &sa);
            slp_channel_new(&chans[nchan]);
            slp_channel_set_preference(chans[nchan], pref);
            slp_channel_set_schedule_all(chans[nchan], sa);
            nchan++;
        } else if (line[0] == 'T' && ntask < MAXT) {
            specs[ntask++] = line + 2;
        } else if (line[0] == 'S' && nscript < MAXS) {
            parse_ops(line + 1, scripts[nscript], &nops[nscript]);
            nscript++;
        } else if (line[0] == 'M') {
            parse_ops(line + 1, scripts[mainidx], &nops[mainidx]);
        }
    }
    slp_getmain(); /* main exists before the tasklets */
    for (int i = 0; i < ntask; i++) {
        if (!strncmp(specs[i], "run", 3))
            slp_tasklet_create(&tasks[i], body, (void *)(intptr_t)atoi(specs[i] + 4));
        else
            slp_tasklet_new(&tasks[i]);
    }
    script(mainidx);
    printf("m done runcount %d\n", slp_getruncount());
    for (int i = 0; i < ntask; i++) {
        char st[32];
        state(tasks[i], st, sizeof st);
        printf("t%d %s\n", i, st);
    }
    for (int i = 0; i < nchan; i++)
        printf("c%d %d %d\n", i, slp_channel_balance(chans[i]),
               slp_channel_closing(chans[i]));
    fflush(stdout);
}

int main(void) {
    static char buf[1 << 16];
    char name[64] = "", *prog = NULL;
    size_t len = 0, cap = 0;
    int more = 1;
    setvbuf(stdout, NULL, _IOFBF, 1 << 16);
    while (more) {
        more = fgets(buf, sizeof buf, stdin) != NULL;
        if (!more || !strncmp(buf, "# ", 2)) {
            if (name[0]) {
                printf("@@ %s\n", name);
                fflush(stdout);
#ifdef __wasi__
                run_one(prog ? prog : (char *)"");
                return 0;
#else
                pid_t pid = fork();
                if (pid == 0) {
                    alarm(2); /* a hang (ms are normal) shows as CRASH 14 */
                    setvbuf(stdout, NULL, _IOLBF, 0); /* keep what ran */
                    run_one(prog ? prog : (char *)"");
                    _exit(0);
                }
                int status = 0;
                waitpid(pid, &status, 0);
                if (status) printf("CRASH %d\n", status);
#endif
            }
            if (more) {
                snprintf(name, sizeof name, "%.60s", buf + 2);
                name[strcspn(name, "\n")] = 0;
            }
            len = 0;
            if (prog) prog[0] = 0;
            continue;
        }
        size_t l = strlen(buf);
        if (len + l + 1 > cap) {
            cap = (len + l + 1) * 2;
            prog = realloc(prog, cap);
        }
        memcpy(prog + len, buf, l + 1);
        len += l;
    }
    fflush(stdout);
    free(prog);
    return 0;
}
