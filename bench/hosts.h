/* Hosts: where the server and loadgen's agents run (--server-host, --client-hosts), the
 * ssh that reaches them, and the channel to an echobench-remote on each (docs/hosts.md,
 * docs/remote.md). This machine is a host too ("local"), reached without ssh. */
#ifndef ECHOBENCH_HOSTS_H
#define ECHOBENCH_HOSTS_H

#include "bench.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define LOCAL_HOST "local"

/* A line channel to an echobench-remote: its stdin to write commands, its stdout to
 * read lines, and the process (echobench-remote here, or the ssh that runs it there) in
 * a process group of its own, dying with bench. */
struct chan {
    pid_t pid;
    int in, out;
    char buf[8192];
    size_t len;
    char host[256];
};

/* Whether host is this machine. */
bool host_is_local(const char *host);

/* Checks every host of the options before anything is measured: reachable with ssh in
 * batch mode (one master connection each, kept for the run), the key accepted, the same
 * architecture, and echobench-remote, loadgen and the servers of this build there (by
 * the git hash), copied into the run's folder where they are missing or differ.
 * Returns 0, or -1 after a message for each problem with what to do. */
int hosts_preflight(struct bench_opts *o);

/* The folder on host that holds this run's binaries (this machine: bin_dir). */
const char *host_dir(const struct bench_opts *o, const char *host);

/* Copies remote_path on host into local_path (written whole or not at all). Returns 0,
 * or -1 after a message. */
int host_fetch(const struct bench_opts *o, const char *host, const char *remote_path,
               const char *local_path);

/* Removes the run's folders on the remote hosts and closes the master connections. */
void hosts_cleanup(const struct bench_opts *o);

/* Starts echobench-remote with args (NULL-terminated, after the program's name) on host:
 * directly here, through ssh there. Returns 0, or -1 with errno. */
int chan_start(const struct bench_opts *o, const char *host, const char *const *args,
               struct chan *c);

/* Sends one command line (without its newline). Returns 0, or -1 when the channel is
 * gone. */
int chan_send(struct chan *c, const char *line);

/* The next line (without its newline) into line, waiting until deadline (monotonic ns).
 * Returns 1, 0 on timeout, -1 when the channel closed. */
int chan_line(struct chan *c, char *line, size_t len, uint64_t deadline);

/* Closes the channel: its stdin first (echobench-remote then kills what it runs and
 * exits), then waits for the process, killing its group after grace_ns. */
void chan_close(struct chan *c, uint64_t grace_ns);

#endif
