/* bench: the experiment runner behind `make bench`.
 *
 * It checks what the suite needs before spending minutes, makes the results folder,
 * and runs the suite (suite.c), one run at a time (run.c). Ctrl-C or SIGTERM stops the
 * run in progress, ends every process it started, and still writes what was measured. */
#include "bench.h"
#include "net.h"

#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void on_stop(int sig)
{
    (void)sig;
    bench_interrupted = 1;
}

int main(int argc, char **argv)
{
    struct bench_opts o;
    struct sigaction sa = {.sa_handler = on_stop};

    int rc = bench_parse_args(argc, argv, &o);
    if (rc != 0) {
        if (rc < 0)
            fprintf(stderr, "Try 'bench --help' for more information.\n");
        return rc < 0 ? 2 : rc == 1 ? 0 : 1;
    }
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL); /* a dropped session: stop as cleanly as for Ctrl-C */
    sigaction(SIGQUIT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* The children of a server that dies come to us, not to init: we reap them, and a
     * run ends only when its server's process group is gone. */
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
        fprintf(stderr, "bench: warning: cannot become a subreaper: %s\n", strerror(errno));
    return suite_run(&o);
}
