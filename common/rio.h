/* Robust I/O, after CS:APP's rio: short counts and EINTR are handled inside. */
#ifndef ECHOBENCH_RIO_H
#define ECHOBENCH_RIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define RIO_BUFSIZE 8192

/* A read buffer over one descriptor. The descriptor stays the caller's. */
struct rio {
    int fd;
    size_t unread;     /* bytes of buf not yet handed out */
    char *next;        /* the first of them */
    size_t read_total; /* bytes read from fd so far */
    char buf[RIO_BUFSIZE];
};

/* Reads exactly n bytes unless EOF comes first. Returns the count read (less than n
 * only at EOF), or -1 with errno on error. */
ssize_t rio_readn(int fd, void *buf, size_t n);

/* Writes all n bytes. Returns n, or -1 with errno on error. */
ssize_t rio_writen(int fd, const void *buf, size_t n);

/* Starts a read buffer on fd. */
void rio_init(struct rio *rp, int fd);

/* Reads one line, up to and including its '\n', but at most maxlen bytes; nothing
 * is NUL-terminated. Returns the count stored: it ends with '\n' for a whole line,
 * and does not when maxlen bytes held no newline or EOF cut the line short. Returns
 * 0 at EOF with nothing read, -1 with errno on error. */
ssize_t rio_readlineb(struct rio *rp, void *buf, size_t maxlen);

/* Reads exactly n bytes through the buffer unless EOF comes first. Returns as
 * rio_readn does. */
ssize_t rio_readnb(struct rio *rp, void *buf, size_t n);

/* Reads one line from fd (a child's output pipe, say) a byte at a time, so that
 * nothing after its newline is consumed, waiting until deadline_ns (CLOCK_MONOTONIC)
 * at most; EINTR is retried. Stores it NUL-terminated, without the newline. Returns
 * its length, or -1 on EOF, error, timeout, or a line that does not fit len - 1 (the
 * bytes read by then are gone). */
int rio_readline_until(int fd, char *buf, size_t len, uint64_t deadline_ns);

#endif
