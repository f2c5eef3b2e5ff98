/* The cases of test_servers that live outside test_servers.c, and what they share
 * with it: the model under test. */
#ifndef ECHOBENCH_SERVER_CASES_H
#define ECHOBENCH_SERVER_CASES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The model under test (echo-MODEL), from the command line. */
extern const char *model;

/* Whether the model under test is name. */
bool is(const char *name);

/* Runs the model with args, without a server's lifetime: stderr into err, stdout into
 * out, and before_exec (when not NULL) run in the child first. Returns the exit
 * status. */
int run_capture_with(const char *const *args, char *err, size_t errlen, char *out, size_t outlen,
                     void (*before_exec)(void));

/* server_figures.c: the counters, the ready line and the process tree mean what they
 * say. */
void case_slow_reader(void);
void case_work_threads(void);
void case_sigkill(void);
void case_workers_ready(void);
void case_prefork_emfile(void);
void case_rejected_for(void);

/* The stats line's rejected_for.cause; fails the case when it is missing. */
uint64_t rejected_for(json_t *stats, const char *cause);

/* Fails the case unless the stats line's rejected_for has its six causes, summing to
 * rejected. */
void check_rejected_for(json_t *stats);

/* server_models.c: the cases of one model each. */

/* Sockets of pid listening on port (from /proc/PID/net/tcp and tcp6); when queued is
 * not NULL, adds the connections waiting in their accept queues to *queued. */
int listeners_on(pid_t pid, int port, unsigned *queued);

void case_threadpool_starves(void);
void case_prefork_restart(void);
void case_reuseport_spread(void);
void case_uring_unavailable(void);

#endif
