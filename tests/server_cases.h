/* The cases of test_servers that live outside test_servers.c, and what they share
 * with it: the model under test. */
#ifndef ECHOBENCH_SERVER_CASES_H
#define ECHOBENCH_SERVER_CASES_H

#include <stdbool.h>

/* The model under test (echo-MODEL), from the command line. */
extern const char *model;

/* Whether the model under test is name. */
bool is(const char *name);

/* server_figures.c: the counters, the ready line and the process tree mean what they
 * say. */
void case_slow_reader(void);
void case_work_threads(void);
void case_sigkill(void);
void case_workers_ready(void);
void case_prefork_emfile(void);

#endif
