/* The server's counters, in shared memory with atomic updates. */
#include "stats.h"

#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <sys/mman.h>

#define STATS_SHARDS 64

/* A shard's counters start on a cache line of their own, so shards never share one. */
struct stats_shard {
    _Alignas(64) _Atomic uint64_t v[STAT_COUNT];
    _Atomic uint64_t rejected_for[REJECT_COUNT]; /* the rejected count is their sum */
};

struct stats_shared {
    _Atomic int64_t open_conns;
    _Atomic int64_t max_open_conns;
    struct stats_shard shards[STATS_SHARDS];
    _Atomic int64_t worker_open[STATS_MAX_WORKERS]; /* see stats_use_worker */
    _Atomic bool worker_full[STATS_MAX_WORKERS];    /* see stats_worker_full */
    _Atomic int full_workers;                       /* how many of them are set */
    _Atomic int workers;                            /* stats_set_workers */
};

/* Mapped MAP_SHARED before any fork, so parent and children see one copy. */
static struct stats_shared *shared;
static _Thread_local struct stats_shard *my_shard;
static _Atomic int64_t *my_worker_open; /* per process: a worker is one thread */
static unsigned my_worker;

int stats_init(void)
{
    void *p =
        mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return -1;
    shared = p; /* zero-filled by mmap */
    return 0;
}

void stats_use_shard(unsigned n)
{
    my_shard = &shared->shards[n % STATS_SHARDS];
}

void stats_add(enum stat_id id, uint64_t n)
{
    struct stats_shard *s = my_shard ? my_shard : &shared->shards[0];
    atomic_fetch_add_explicit(&s->v[id], n, memory_order_relaxed);
}

enum reject_cause stats_reject_cause(int err)
{
    switch (err) {
    case EMFILE:
        return REJECT_EMFILE;
    case ENFILE:
        return REJECT_ENFILE;
    case EAGAIN:
        return REJECT_EAGAIN;
    case ENOMEM:
        return REJECT_ENOMEM;
    default:
        return REJECT_OTHER;
    }
}

void stats_reject(enum reject_cause why)
{
    struct stats_shard *s = my_shard ? my_shard : &shared->shards[0];
    atomic_fetch_add_explicit(&s->rejected_for[why], 1, memory_order_relaxed);
}

void stats_use_worker(unsigned w)
{
    my_worker = w % STATS_MAX_WORKERS;
    my_worker_open = &shared->worker_open[my_worker];
    atomic_store_explicit(my_worker_open, 0, memory_order_relaxed);
}

void stats_set_workers(int n)
{
    atomic_store(&shared->workers, n);
}

int stats_worker_full(bool full)
{
    if (my_worker_open && atomic_exchange(&shared->worker_full[my_worker], full) != full)
        atomic_fetch_add(&shared->full_workers, full ? 1 : -1);
    return atomic_load(&shared->workers) - atomic_load(&shared->full_workers);
}

int64_t stats_worker_lost(unsigned w)
{
    /* A worker that died full has room again, in its successor. */
    if (atomic_exchange(&shared->worker_full[w % STATS_MAX_WORKERS], false))
        atomic_fetch_sub(&shared->full_workers, 1);
    int64_t held = atomic_exchange_explicit(&shared->worker_open[w % STATS_MAX_WORKERS], 0,
                                            memory_order_relaxed);
    atomic_fetch_sub_explicit(&shared->open_conns, held, memory_order_relaxed);
    return held;
}

void stats_conn_open(void)
{
    if (my_worker_open)
        atomic_fetch_add_explicit(my_worker_open, 1, memory_order_relaxed);
    int64_t now = atomic_fetch_add_explicit(&shared->open_conns, 1, memory_order_relaxed) + 1;
    int64_t max = atomic_load_explicit(&shared->max_open_conns, memory_order_relaxed);
    while (now > max &&
           !atomic_compare_exchange_weak_explicit(&shared->max_open_conns, &max, now,
                                                  memory_order_relaxed, memory_order_relaxed))
        ; /* max was reloaded by the failed exchange */
}

void stats_conn_close(void)
{
    if (my_worker_open)
        atomic_fetch_sub_explicit(my_worker_open, 1, memory_order_relaxed);
    atomic_fetch_sub_explicit(&shared->open_conns, 1, memory_order_relaxed);
}

uint64_t stats_get(enum stat_id id)
{
    uint64_t sum = 0;
    for (int i = 0; i < STATS_SHARDS; i++)
        sum += atomic_load_explicit(&shared->shards[i].v[id], memory_order_relaxed);
    return sum;
}

static uint64_t rejected_for(enum reject_cause why)
{
    uint64_t sum = 0;
    for (int i = 0; i < STATS_SHARDS; i++)
        sum += atomic_load_explicit(&shared->shards[i].rejected_for[why], memory_order_relaxed);
    return sum;
}

void stats_print(FILE *out, const char *model)
{
    /* Read once, so that the total printed is the sum of the causes printed. */
    uint64_t why[REJECT_COUNT], rejected = 0;
    for (int i = 0; i < REJECT_COUNT; i++)
        rejected += why[i] = rejected_for(i);

    fprintf(out,
            "{\"model\":\"%s\",\"accepted\":%" PRIu64 ",\"requests\":%" PRIu64
            ",\"bytes_in\":%" PRIu64 ",\"bytes_out\":%" PRIu64 ",\"max_concurrent\":%" PRId64
            ",\"rejected\":%" PRIu64 ",\"errors\":%" PRIu64 ",\"too_long\":%" PRIu64,
            model, stats_get(STAT_ACCEPTED), stats_get(STAT_REQUESTS), stats_get(STAT_BYTES_IN),
            stats_get(STAT_BYTES_OUT),
            atomic_load_explicit(&shared->max_open_conns, memory_order_relaxed), rejected,
            stats_get(STAT_ERRORS), stats_get(STAT_TOO_LONG));
    fprintf(out,
            ",\"rejected_for\":{\"emfile\":%" PRIu64 ",\"enfile\":%" PRIu64
            ",\"fd_setsize\":%" PRIu64 ",\"eagain\":%" PRIu64 ",\"enomem\":%" PRIu64
            ",\"other\":%" PRIu64 "}}\n",
            why[REJECT_EMFILE], why[REJECT_ENFILE], why[REJECT_FD_SETSIZE], why[REJECT_EAGAIN],
            why[REJECT_ENOMEM], why[REJECT_OTHER]);
}
