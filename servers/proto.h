/* The line protocol every model speaks: newline-terminated lines of at most
 * PROTO_MAX_LINE bytes, each echoed back unchanged, after the configured work. */
#ifndef ECHOBENCH_PROTO_H
#define ECHOBENCH_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define PROTO_MAX_LINE 65536 /* bytes, the newline included */

/* Sets the work done per line: work_us of the thread's own CPU time, burnt by a loop
 * and measured on the thread CPU clock (so a preempted thread still does all its
 * work), then sleep_us of blocking. Call once, before any thread or child starts. */
void proto_init(unsigned work_us, unsigned sleep_us);

/* Does one line's work, as set by proto_init; cut short when the server stops. */
void proto_line_work(void);

/* The blocking echo loop of CS:APP, for the models with a flow per connection: reads
 * lines from fd and writes each one back after its work, until EOF, an error, a line
 * over the limit, or the server stopping. Counts bytes read, and a request with its
 * bytes once its echo is written; errors. A partial line at EOF is dropped. Returns 0
 * at EOF, -1 with errno when the connection ended in an error (EMSGSIZE: a line too
 * long). fd stays the caller's to close. */
int proto_echo(int fd);

/* The bytes of one non-blocking connection, for the event-driven models: what has
 * been read, which complete lines are still to be sent, and the partial line after
 * them. The caller does the I/O; this does the protocol. */
struct linebuf {
    char *data;       /* NULL until the first read: an idle connection costs nothing here */
    size_t cap;       /* bytes allocated */
    size_t len;       /* bytes held */
    size_t out;       /* [out, done): complete lines not yet sent */
    size_t done;      /* [done, len): the partial line after them */
    size_t line_sent; /* bytes before out of the line being sent: counted with its end */
};

/* Where to read into: returns a pointer and stores the room there in *room. *room is
 * 0 when the buffer is full of unsent lines (send first); NULL with errno ENOMEM when
 * no memory could be had. */
char *linebuf_space(struct linebuf *lb, size_t *room);

/* Takes n bytes just read into the space: finds the complete lines and does each
 * one's work (they are counted as requests once sent). Returns 0, or -1 when the
 * partial line has reached the limit without a newline (counted; the caller closes
 * the connection). Call it only while nothing is pending (see LINEBUF_MAX). */
int linebuf_commit(struct linebuf *lb, size_t n);

/* The complete lines not yet sent: stores where they start in *p, returns how many
 * bytes. */
size_t linebuf_pending(const struct linebuf *lb, const char **p);

/* Marks n bytes of the pending output as sent, and counts a request with its bytes
 * for each line whose last byte is among them: a line written in full is counted even
 * if the connection ends before the rest of its group is sent. */
void linebuf_sent(struct linebuf *lb, size_t n);

/* At EOF: drops a partial line, which will never be completed. */
void linebuf_drop_partial(struct linebuf *lb);

/* Frees the buffer. */
void linebuf_free(struct linebuf *lb);

#endif
