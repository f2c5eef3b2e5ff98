/* The one failure helper of the tests: says file, line and what failed, and exits 1,
 * so that ctest names the case that failed and its log says why. */
#ifndef ECHOBENCH_CHECK_H
#define ECHOBENCH_CHECK_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ctest reports a case that exits with this as skipped (SKIP_RETURN_CODE). */
#define TEST_SKIP 77

__attribute__((format(printf, 4, 5), noreturn, unused)) static void
check_fail(const char *file, int line, const char *expr, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s:%d: check failed: %s\n ", file, line, expr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    fflush(stderr);
    exit(1);
}

/* CHECK(cond) or CHECK(cond, "format", args...): the message says what was seen. */
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond))                                                                               \
            check_fail(__FILE__, __LINE__, #cond, " " __VA_ARGS__);                                \
    } while (0)

/* A test program holds several cases and runs the one named on its command line, so
 * each case is its own ctest entry. */
struct test_case {
    const char *name;
    void (*run)(void);
};

#define TEST_CASES(...) static const struct test_case test_cases[] = {__VA_ARGS__}

/* main() of a test program: `prog CASE` runs CASE; `prog` alone lists them. */
__attribute__((unused)) static int test_main(const struct test_case *cases, size_t n, int argc,
                                             char **argv)
{
    if (argc == 2) {
        for (size_t i = 0; i < n; i++) {
            if (strcmp(cases[i].name, argv[1]) == 0) {
                cases[i].run();
                return 0;
            }
        }
    }
    fprintf(stderr, "usage: %s CASE\ncases:", argv[0]);
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, " %s", cases[i].name);
    fprintf(stderr, "\n");
    return 2;
}

#define TEST_MAIN()                                                                                \
    int main(int argc, char **argv)                                                                \
    {                                                                                              \
        return test_main(test_cases, sizeof(test_cases) / sizeof(test_cases[0]), argc, argv);      \
    }

#endif
