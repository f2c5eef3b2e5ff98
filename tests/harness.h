/* Helpers of the integration tests: start a server, talk to it, look at it from /proc,
 * stop it and read its stats line. Every call fails the test itself (CHECK) when
 * something is wrong, so test cases read as what they assert. */
#ifndef ECHOBENCH_HARNESS_H
#define ECHOBENCH_HARNESS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <stdbool.h>
#include <sys/types.h>

/* Where the build puts the executables; set by CMake. */
#ifndef ECHOBENCH_BIN_DIR
#error "ECHOBENCH_BIN_DIR must be defined"
#endif

struct srv {
    pid_t pid;
    int out; /* the read end of its stdout */
    int port;
    char name[32];   /* echo-MODEL */
    char ready[128]; /* the ready line */
};

/* How a server is started, beyond its arguments; zero means as this test runs. */
struct srv_env {
    rlim_t nofile; /* RLIMIT_NOFILE, soft and hard */
    rlim_t nproc;  /* RLIMIT_NPROC, soft and hard */
    uid_t uid;     /* run as this user and group (for RLIMIT_NPROC, which root escapes) */
};

/* Starts build/bin/echo-MODEL with args (NULL-terminated, the PORT included) in env
 * (NULL: as this test runs), and waits for its ready line. */
void srv_start(struct srv *s, const char *model, const char *const *args,
               const struct srv_env *env);

/* The same for the executable at path (a test's own server). */
void srv_start_path(struct srv *s, const char *path, const char *const *args,
                    const struct srv_env *env);

/* Kills the server and its process group at once, without looking at its output. */
void srv_kill(struct srv *s);

/* The same with just port 0 and the extra arguments (NULL-terminated) before it. */
void srv_start_simple(struct srv *s, const char *model, const char *extra);

/* Sends sig, waits (at most 5 s) for the server to exit 0, checks that stdout held
 * the ready line and exactly one stats line, and returns the stats line parsed (the
 * caller json_decrefs it). The time from signal to exit is stored in *exit_s. */
json_t *srv_stop_sig(struct srv *s, int sig, double *exit_s);
json_t *srv_stop(struct srv *s);

/* Servers that are a command (bench's external models, the shipped runtimes): they
 * print no ready line and no stats line, so they are ready when their port accepts. */

/* A free TCP port on 127.0.0.1 (bound to port 0, read, closed), for a command that
 * takes its port on its command line. */
int free_port(void);

/* Starts argv (argv[0] a path; NULL-terminated) in a process group of its own, its
 * stdout and stderr this test's stderr, and waits until 127.0.0.1:port accepts a
 * connection (probed every 20 ms, each probe closed at once) while it runs, at most
 * timeout_s. Fails the test when it exits first (saying its status) or never accepts.
 * s->name is name, s->out -1, s->port port. */
void cmd_start(struct srv *s, const char *name, const char *const *argv, int port,
               double timeout_s);

/* Sends sig to the command's process group, as bench stops an external model, and
 * waits (at most 5 s) until its leader has exited and nothing of its group is left;
 * the seconds that took in *exit_s (when not NULL). Returns the leader's wait status.
 * Fails the test, having killed the group, when something is still running. */
int cmd_stop(struct srv *s, int sig, double *exit_s);

/* A counter of a stats line. */
uint64_t stat_u64(json_t *stats, const char *key);

/* Connects to 127.0.0.1:port (or ::1 when v6), with 10 s receive and send timeouts so
 * that no test can hang. */
int cli_connect(int port);
int cli_connect6(int port);

/* Writes all of buf (fails the test on error). */
void cli_send(int fd, const void *buf, size_t n);

/* Reads exactly n bytes, failing the test on error, EOF or a 10 s silence. */
void cli_recv(int fd, void *buf, size_t n);

/* Waits up to timeout_ms for fd to be readable. Returns 1 if it is, 0 if not. */
int cli_readable(int fd, int timeout_ms);

/* Sends one line and checks that the echo comes back unchanged. */
void cli_echo(int fd, const char *line);

/* Connects, sends one line and checks its echo, retrying on a closed or reset
 * connection until timeout_s has passed: for a server that may shed clients for a
 * moment (after descriptor exhaustion), then must serve again. */
void cli_echo_eventually(int port, const char *line, double timeout_s);

/* Closes fd with a reset (SO_LINGER 0) instead of an orderly FIN. */
void cli_reset(int fd);

/* What the peer did to fd after we expect it closed: reads until EOF or error (at
 * most timeout_ms) and returns the bytes that arrived before, or -1 if it stayed open. */
long cli_drain_until_closed(int fd, int timeout_ms);

/* /proc views of a running process. */
int proc_fd_count(pid_t pid);
int proc_thread_count(pid_t pid);
/* Children of pid; *zombies (when not NULL) gets how many of them are zombies. */
int proc_child_count(pid_t pid, int *zombies);
/* User plus system CPU time of pid and of its reaped children, in seconds. */
double proc_cpu_s(pid_t pid);

/* The children of pid (at most max) into out; returns how many it has. */
int proc_children(pid_t pid, pid_t *out, int max);

/* Tasks (processes and threads) that user uid has now. */
int proc_tasks_of(uid_t uid);

/* Whether user uid may run build/bin/echo-MODEL (a checkout under /root may not). */
bool can_run_as(uid_t uid, const char *model);

/* Descriptors open in pid and its children together (a pre-forked server's workers
 * hold its connections); the most any one of them has in *max_one (when not NULL). */
int proc_tree_fd_count(pid_t pid, int *max_one);

/* Monotonic seconds. */
double now_s(void);

/* A deterministic random stream for a test. */
uint64_t rnd_next(uint64_t *state);
uint64_t rnd_below(uint64_t *state, uint64_t n);

/* Fills buf with n-1 random bytes that are not newlines (NUL, CR and high bytes
 * included), then a newline. */
void random_line(uint64_t *rs, char *buf, size_t n);

/* Sends buf (n bytes) to fd in the way how says: 0 whole, 1 byte by byte, else random
 * pieces of 1 to 200 bytes. */
void send_split(int fd, uint64_t *rs, const char *buf, size_t n, int how);

/* Raises this process's descriptor limit (tests open many clients). */
void raise_nofile(void);

/* The whole of a file (NUL-terminated; its length in *len unless NULL), or NULL if it
 * cannot be opened; the caller frees it. */
char *slurp(const char *path, size_t *len);

/* Runs build/bin/TOOL with args (NULL-terminated) and waits for it: its stdout to the
 * file out_path (NULL: discarded), its stderr into err; path_env, when not NULL,
 * replaces its PATH. Returns its exit status, or 128 + the signal that ended it. */
int run_tool(const char *tool, const char *const *args, const char *path_env, const char *out_path,
             char *err, size_t errlen);

/* The analysis tests' folders: plots on j (taken) as DIR/bench.json, DIR a folder named
 * name under /tmp/echobench-test-plots-TAG-PID (made at the first call), its path in dir;
 * returns report.md (the caller frees it). plots_work_remove removes that folder. */
char *plots_report(const char *tag, json_t *j, const char *name, char *dir, size_t len);
void plots_work_remove(void);

/* The part of md from heading up to the next "\n## " (NULL where there is none); the
 * caller frees it. */
char *md_section(const char *md, const char *heading);

#endif
