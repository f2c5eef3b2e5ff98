/* External models (docs/bench.md "External models"): a server bench did not build, run
 * from a command with {port} in it, and the shipped runtimes node, go and asyncio. */
#ifndef ECHOBENCH_EXTERNAL_H
#define ECHOBENCH_EXTERNAL_H

#include "bench.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* How long an external may take to accept on its port, and how often bench tries. */
#define EXTERNAL_READY_S  10
#define EXTERNAL_PROBE_MS 20

/* Whether name is a shipped runtime's (node, go, asyncio). */
bool external_is_shipped(const char *name);

/* Adds the external model of text, "NAME=COMMAND", to o (where: "--external" or
 * "FILE:LINE", for the message); builtin (nbuiltin of them) are the C models' names.
 * Returns 0, or -1 after a message. */
int external_add(struct bench_opts *o, const char *text, const char *where,
                 const char *const *builtin, size_t nbuiltin);

/* Adds every NAME=COMMAND line of path (blank lines and lines starting with # left
 * out). Returns 0, or -1 after a message naming FILE:LINE. */
int external_add_file(struct bench_opts *o, const char *path, const char *const *builtin,
                      size_t nbuiltin);

/* The shipped runtime name: 1 when it is built in o->bin_dir and its interpreter is on
 * PATH (then added to o->externals, its version read), 0 when not (why says what to
 * do), -1 when there is no room. */
int external_add_shipped(struct bench_opts *o, const char *name, char *why, size_t len);

/* The external model called model, or NULL for a C model (or the floor). */
const struct external_model *external_of(const struct bench_opts *o, const char *model);

/* The model's command for a run on port: {port} replaced, {work_us} and {sleep_us} by
 * the values of --work-us and --sleep-us in server_args (NULL-terminated C model
 * options: the service scenario's), 0 where not given. A simple command (no shell
 * metacharacter) gets "exec " before it, so that no shell stays in the server's tree.
 * Returns 0, or -1 when it does not fit. */
int external_command(const struct external_model *e, int port, const char *const *server_args,
                     char *buf, size_t len);

/* Whether the model can take a point with these server options (--work-us N, --sleep-us
 * N); if not, why (the point's note, "skipped: ..."). */
bool external_takes(const struct external_model *e, const char (*server_args)[24], unsigned nargs,
                    char *why, size_t len);

/* A free port on 127.0.0.1 (bound to 0, read, closed), or -1 with errno. */
int external_free_port(void);

/* Waits until pid's port on 127.0.0.1 accepts a connection (tried every
 * EXTERNAL_PROBE_MS, closed at once) while pid lives, at most timeout_ns. Returns 0
 * ready, 1 when pid exited first (reaped: its wait status in *status), or -1 on
 * timeout. */
int external_wait_ready(pid_t pid, int port, uint64_t timeout_ns, int *status);

/* settings.externals: [{name, command, shipped, runtime, version}]; env.runtimes:
 * {node, go, python} of the shipped runtimes in the run. New references. */
json_t *external_settings_json(const struct bench_opts *o);
json_t *external_runtimes_json(const struct bench_opts *o);

#endif
