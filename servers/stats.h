/* The server's counters: the one JSON line it prints when it stops. */
#ifndef ECHOBENCH_STATS_H
#define ECHOBENCH_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum stat_id {
    STAT_ACCEPTED,  /* connections accept() returned */
    STAT_REQUESTS,  /* complete lines echoed or queued for echo */
    STAT_BYTES_IN,  /* bytes read from clients */
    STAT_BYTES_OUT, /* bytes written to clients */
    STAT_ERRORS,    /* connections ended by an error other than EOF, and failed accepts */
    STAT_TOO_LONG,  /* connections closed for a line over the limit (also in errors) */
    STAT_COUNT
};

/* Why a connection was closed at once for lack of a resource (the stats line's
 * rejected_for; "rejected" is their sum). */
enum reject_cause {
    REJECT_EMFILE,     /* accept(): the process's RLIMIT_NOFILE */
    REJECT_ENFILE,     /* accept(): the system's fs.file-max */
    REJECT_FD_SETSIZE, /* a descriptor select cannot watch */
    REJECT_EAGAIN,     /* fork() or pthread_create(): out of tasks */
    REJECT_ENOMEM,     /* out of memory: fork, pthread_create, a buffer */
    REJECT_OTHER,
    REJECT_COUNT
};

/* Maps the counters into memory shared with every child this process forks, so a
 * process per connection counts into the same place. Returns 0 or -1 with errno. */
int stats_init(void);

/* Points the calling thread at counter shard n (taken modulo the shard count). Each
 * thread or process that serves many requests should have its own, so that counting
 * does not bounce one cache line between cores and distort what is measured. */
void stats_use_shard(unsigned n);

/* The most worker processes whose connections are counted apart (stats_use_worker). */
#define STATS_MAX_WORKERS 4096

/* In a worker process its parent may outlive (prefork): counts the connections it
 * opens and closes in slot w too, so that if it dies holding some, the parent can
 * take them off the open count (stats_worker_lost). */
void stats_use_worker(unsigned w);

/* In the parent, once worker w has died: returns the connections it still held (the
 * kernel closed them with it) and takes them off the open count. */
int64_t stats_worker_lost(unsigned w);

/* In the parent, before the workers start: how many share its listener. */
void stats_set_workers(int n);

/* In a worker on a listener it shares: marks it at its descriptor limit (full) or with
 * room again. Returns how many workers have room now. */
int stats_worker_full(bool full);

/* Adds n to a counter; an atomic add, safe from any thread or forked child. */
void stats_add(enum stat_id id, uint64_t n);

/* The cause for an errno that made a connection be refused: EMFILE, ENFILE, EAGAIN
 * and ENOMEM their own, anything else REJECT_OTHER. */
enum reject_cause stats_reject_cause(int err);

/* Counts one connection closed at once for lack of a resource, and why. */
void stats_reject(enum reject_cause why);

/* A connection opened or closed: keeps the count of open ones and its maximum.
 * Lock-free atomics: safe in a signal handler. */
void stats_conn_open(void);
void stats_conn_close(void);

/* Reads a counter summed over the shards. */
uint64_t stats_get(enum stat_id id);

/* Prints the one stats line: {"model":...,"accepted":N,...,"rejected_for":{...}}, then
 * a newline. */
void stats_print(FILE *out, const char *model);

#endif
