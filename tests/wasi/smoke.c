/* Smoke test for the WASI engines (see smoke.sh): exercises what our modules rely
 * on from the host (argv, stdin, stdout, stderr, proc_exit, traps).
 *   smoke.wasm CODE [words...]  copy stdin to stdout byte for byte, then print the
 *                               words; note argc/argv[0] on stderr; exit with CODE
 *   smoke.wasm trap             die on an unreachable instruction
 *   smoke.wasm big N            write N bytes to stdout (all of it must reach a pipe)
 *   smoke.wasm env NAME         print NAME's value, or "(unset)"
 *   smoke.wasm cat PATH         copy a file (from a --dir preopen) to stdout
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc < 2) {
        fputs("usage: smoke CODE [words...] | trap | big N | env NAME | cat PATH\n", stderr);
        return 2;
    }
    if (strcmp(argv[1], "trap") == 0) {
        fputs("about to trap\n", stderr);
        __builtin_trap();
    }
    if (strcmp(argv[1], "big") == 0 && argc > 2) {
        long n = atol(argv[2]);
        for (long i = 0; i < n; i++)
            putchar('a' + (int)(i % 26));
        return 0;
    }
    if (strcmp(argv[1], "env") == 0 && argc > 2) {
        const char *v = getenv(argv[2]);
        printf("%s\n", v ? v : "(unset)");
        return 0;
    }
    FILE *in = stdin;
    if (strcmp(argv[1], "cat") == 0 && argc > 2 && !(in = fopen(argv[2], "rb"))) {
        perror(argv[2]);
        return 3;
    }
    /* fread, not fgets: the input has NULs and no final newline. */
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        fwrite(buf, 1, n, stdout);
    if (in != stdin)
        return 0;
    for (int i = 2; i < argc; i++)
        printf("[%s]\n", argv[i]);
    fprintf(stderr, "argc=%d argv0=%s\n", argc, argv[0]);
    fflush(stdout);
    /* exit() from inside the program, as a runtime's fatal error path would. */
    exit(atoi(argv[1]));
}
