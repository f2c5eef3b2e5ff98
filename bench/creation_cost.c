/* creation-cost: what a new flow costs on this machine, process against thread.
 *
 * Creates and reaps a flow N times with each primitive a server model could use, and
 * reports the distribution in nanoseconds (CLOCK_MONOTONIC), in TSC reference cycles
 * (the TSC rate measured against that clock), and in core cycles where perf events
 * allow. Then fork again from a parent that has touched more and more memory, beside
 * the primitives that do not copy page tables, to show which cost grows.
 *
 *     creation-cost [-n N] [--warmup N] [--rss-mib LIST] [--cpu N | --no-pin]
 *                   [--json FILE] [--quick] */
#include "bench.h"
#include "clock.h"
#include "hist.h"
#include "jsonio.h"
#include "version.h"

#include <errno.h>
#include <getopt.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define HAVE_TSC 1
#endif

extern char **environ;

/* The lecture's figures: creating and reaping a process about 20K cycles, a thread
 * about 10K. */
#define LECTURE_PROCESS_CYCLES 20000
#define LECTURE_THREAD_CYCLES  10000

#define MAX_SIZES 16

struct opts {
    unsigned iterations, warmup;
    unsigned rss_mib[MAX_SIZES];
    unsigned nsizes;
    int cpu; /* -1: not pinned */
    const char *json_path;
    bool quick;
};

static char noop_path[4096];        /* the trivial program posix_spawn runs */
static char clone_stack[64 * 1024]; /* for clone(CLONE_VM); the child ends before reuse */
static sem_t ran;                   /* a detached thread has run */

/* ---- the primitives: each creates one flow and reaps it; 0, or -1 with errno ---- */

static int reap(pid_t pid)
{
    int status;
    while (waitpid(pid, &status, __WALL) < 0)
        if (errno != EINTR)
            return -1;
    return 0;
}

static int do_fork(void)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    return pid < 0 ? -1 : reap(pid);
}

static int do_vfork(void)
{
    pid_t pid = vfork();
    if (pid == 0)
        _exit(0); /* the only thing a vfork child may do */
    return pid < 0 ? -1 : reap(pid);
}

static int do_posix_spawn(void)
{
    char *const argv[] = {noop_path, NULL};
    pid_t pid;
    int err = posix_spawn(&pid, noop_path, NULL, NULL, argv, environ);
    if (err) {
        errno = err;
        return -1;
    }
    return reap(pid);
}

static int clone_child(void *arg)
{
    (void)arg;
    return 0;
}

static int do_clone_vm(void)
{
    /* A process that shares our memory, as a thread would, but with no thread library:
     * the kernel's half of pthread_create. */
    pid_t pid = clone(clone_child, clone_stack + sizeof(clone_stack), CLONE_VM | SIGCHLD, NULL);
    return pid < 0 ? -1 : reap(pid);
}

static void *thread_body(void *arg)
{
    (void)arg;
    return NULL;
}

static int do_pthread(void)
{
    pthread_t t;
    int err = pthread_create(&t, NULL, thread_body, NULL);
    if (err == 0)
        err = pthread_join(t, NULL);
    errno = err;
    return err ? -1 : 0;
}

static void *detached_body(void *arg)
{
    (void)arg;
    sem_post(&ran);
    return NULL;
}

static int do_pthread_detached(void)
{
    static pthread_attr_t attr;
    static bool attr_ready;
    pthread_t t;
    if (!attr_ready) {
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        attr_ready = true;
    }
    int err = pthread_create(&t, &attr, detached_body, NULL);
    if (err) {
        errno = err;
        return -1;
    }
    /* Nobody joins a detached thread: it is done when it has run; its exit and the
     * return of its stack to glibc's cache happen after, off this clock. */
    while (sem_wait(&ran) < 0)
        if (errno != EINTR)
            return -1;
    return 0;
}

static const struct primitive {
    const char *name;
    const char *what;
    int (*run)(void);
} primitives[] = {
    {"fork", "fork + waitpid", do_fork},
    {"vfork", "vfork + waitpid", do_vfork},
    {"posix_spawn", "posix_spawn of a trivial program + waitpid", do_posix_spawn},
    {"clone_vm", "clone(CLONE_VM) + waitpid", do_clone_vm},
    {"pthread", "pthread_create + pthread_join", do_pthread},
    {"pthread_detached", "pthread_create, detached, until it has run", do_pthread_detached},
};
#define NPRIMITIVES (sizeof(primitives) / sizeof(primitives[0]))

/* ---- clocks ---- */

static inline uint64_t tsc(void)
{
#ifdef HAVE_TSC
    return __rdtsc();
#else
    return 0;
#endif
}

/* The TSC's rate in GHz against CLOCK_MONOTONIC, the median of three 100 ms windows;
 * 0 where there is no TSC. */
static double measure_tsc_ghz(void)
{
#ifdef HAVE_TSC
    double r[3];
    for (int i = 0; i < 3; i++) {
        uint64_t t0 = clock_now_ns(), c0 = tsc();
        clock_sleep_ns(100 * NS_PER_MS);
        uint64_t t1 = clock_now_ns(), c1 = tsc();
        r[i] = (double)(c1 - c0) / (double)(t1 - t0);
    }
    double lo = r[0] < r[1] ? r[0] : r[1], hi = r[0] < r[1] ? r[1] : r[0];
    return r[2] < lo ? lo : r[2] > hi ? hi : r[2];
#else
    return 0;
#endif
}

/* Core cycles of this process and of the children and threads it creates (inherit),
 * user and kernel. Returns the perf fd, or -1 with the reason in why. */
static int open_core_cycles(char *why, size_t len)
{
    struct perf_event_attr pe;
    memset(&pe, 0, sizeof(pe));
    pe.type = PERF_TYPE_HARDWARE;
    pe.size = sizeof(pe);
    pe.config = PERF_COUNT_HW_CPU_CYCLES;
    pe.inherit = 1;
    pe.exclude_hv = 1;
    int fd = (int)syscall(SYS_perf_event_open, &pe, 0, -1, -1, 0);
    if (fd < 0) {
        snprintf(why, len,
                 "perf events unavailable (%s): core cycles not measured; TSC reference "
                 "cycles instead (kernel.perf_event_paranoid, or a VM without a PMU)",
                 strerror(errno));
        return -1;
    }
    uint64_t v;
    if (read(fd, &v, sizeof(v)) != sizeof(v)) {
        snprintf(why, len, "perf counter cannot be read: core cycles not measured");
        close(fd);
        return -1;
    }
    why[0] = '\0';
    return fd;
}

static uint64_t core_cycles(int fd)
{
    uint64_t v = 0;
    if (fd >= 0 && read(fd, &v, sizeof(v)) != sizeof(v))
        v = 0;
    return v;
}

/* ---- measuring ---- */

struct measured {
    struct hist ns, tsc_cycles, core;
    bool failed;
    char error[128];
};

/* Runs p warmup + n times, recording each create-and-reap. Returns 0, or -1 when the
 * primitive failed (said in m->error). */
static int measure(const struct primitive *p, unsigned warmup, unsigned n, int perf,
                   struct measured *m)
{
    if (hist_init_default(&m->ns) < 0 || hist_init_default(&m->tsc_cycles) < 0 ||
        hist_init_default(&m->core) < 0)
        return -1;
    for (unsigned i = 0; i < warmup + n; i++) {
        uint64_t k0 = core_cycles(perf);
        uint64_t t0 = clock_now_ns(), c0 = tsc();
        int rc = p->run();
        uint64_t c1 = tsc(), t1 = clock_now_ns();
        uint64_t k1 = core_cycles(perf);
        if (rc < 0) {
            m->failed = true;
            snprintf(m->error, sizeof(m->error), "%s", strerror(errno));
            return -1;
        }
        if (i < warmup)
            continue;
        hist_record(&m->ns, t1 - t0);
        hist_record(&m->tsc_cycles, c1 - c0);
        if (perf >= 0)
            hist_record(&m->core, k1 - k0);
    }
    return 0;
}

static void measured_free(struct measured *m)
{
    hist_free(&m->ns);
    hist_free(&m->tsc_cycles);
    hist_free(&m->core);
}

static json_t *dist_json(const struct hist *h)
{
    if (h->total == 0)
        return json_null();
    return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:f}", "median", (json_int_t)hist_percentile(h, 50),
                     "p10", (json_int_t)hist_percentile(h, 10), "p90",
                     (json_int_t)hist_percentile(h, 90), "p99", (json_int_t)hist_percentile(h, 99),
                     "min", (json_int_t)h->min, "max", (json_int_t)h->max, "mean",
                     round_to(hist_mean(h), 1));
}

/* Touches size_mib of fresh memory, page by page (small pages), so the parent has that
 * much resident for fork to map. Returns it (munmap it after), or NULL. */
static void *touch(unsigned size_mib)
{
    if (size_mib == 0)
        return NULL;
    size_t len = (size_t)size_mib << 20;
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    /* Small pages, as a heap grown by malloc mostly has: fork copies one page table
     * entry per page, which is the cost this sweep is after. */
    madvise(p, len, MADV_NOHUGEPAGE);
    long page = sysconf(_SC_PAGESIZE);
    for (size_t i = 0; i < len; i += (size_t)page)
        p[i] = 1;
    return p;
}

static long mem_available_mib(void)
{
    char line[256];
    long kib = -1;
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "MemAvailable: %ld kB", &kib) == 1)
            break;
    fclose(f);
    return kib < 0 ? -1 : kib / 1024;
}

/* ---- the command line ---- */

static void usage(FILE *out)
{
    fprintf(out,
            "usage: creation-cost [options]\n"
            "\n"
            "Measures creating and reaping a flow with each primitive a server model could\n"
            "use (fork, vfork, posix_spawn, clone with a shared address space, pthread_create\n"
            "joined and detached), in nanoseconds, TSC reference cycles and, where perf\n"
            "events allow, core cycles; then fork against the parent's resident memory.\n"
            "\n"
            "  -n N            iterations of each primitive (default 2000; quick 300)\n"
            "  --warmup N      iterations first, not recorded (default 100; quick 20)\n"
            "  --rss-mib LIST  parent memory sizes to fork from, in MiB (default\n"
            "                  0,64,256,1024; quick 0,64,256), capped at half of what is\n"
            "                  available, and the cap said\n"
            "  --cpu N         pin to CPU N (default: the first CPU this process may use)\n"
            "  --no-pin        do not pin\n"
            "  --json FILE     write the results as JSON, atomically (- for stdout)\n"
            "  --quick         fewer iterations and sizes\n"
            "  -h, --help      show this help\n");
}

static int parse_uint(const char *what, const char *text, unsigned min, unsigned max, unsigned *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < (long)min || v > (long)max) {
        fprintf(stderr, "creation-cost: %s must be a whole number from %u to %u, not '%s'\n", what,
                min, max, text);
        return -1;
    }
    *out = (unsigned)v;
    return 0;
}

static int parse_sizes(const char *text, struct opts *o)
{
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", text);
    o->nsizes = 0;
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        if (o->nsizes == MAX_SIZES ||
            parse_uint("each --rss-mib size", tok, 0, 1 << 20, &o->rss_mib[o->nsizes]) < 0)
            return -1;
        o->nsizes++;
    }
    if (o->nsizes == 0) {
        fprintf(stderr, "creation-cost: --rss-mib needs sizes such as 0,64,256\n");
        return -1;
    }
    return 0;
}

enum { OPT_WARMUP = 256, OPT_RSS, OPT_CPU, OPT_NO_PIN, OPT_JSON, OPT_QUICK };

static int parse_args(int argc, char **argv, struct opts *o)
{
    static const struct option longopts[] = {
        {"warmup", required_argument, NULL, OPT_WARMUP},
        {"rss-mib", required_argument, NULL, OPT_RSS},
        {"cpu", required_argument, NULL, OPT_CPU},
        {"no-pin", no_argument, NULL, OPT_NO_PIN},
        {"json", required_argument, NULL, OPT_JSON},
        {"quick", no_argument, NULL, OPT_QUICK},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool n_set = false, warmup_set = false, sizes_set = false, no_pin = false;
    unsigned cpu = 0;
    int c;

    memset(o, 0, sizeof(*o));
    o->cpu = -2; /* the default: decided below */
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":n:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'n':
            if (parse_uint("-n", optarg, 1, 10000000, &o->iterations) < 0)
                return -1;
            n_set = true;
            break;
        case OPT_WARMUP:
            if (parse_uint("--warmup", optarg, 0, 1000000, &o->warmup) < 0)
                return -1;
            warmup_set = true;
            break;
        case OPT_RSS:
            if (parse_sizes(optarg, o) < 0)
                return -1;
            sizes_set = true;
            break;
        case OPT_CPU:
            if (parse_uint("--cpu", optarg, 0, CPU_SETSIZE - 1, &cpu) < 0)
                return -1;
            o->cpu = (int)cpu;
            break;
        case OPT_NO_PIN:
            no_pin = true;
            break;
        case OPT_JSON:
            o->json_path = optarg;
            break;
        case OPT_QUICK:
            o->quick = true;
            break;
        case 'h':
            usage(stdout);
            return 1;
        case ':':
            fprintf(stderr, "creation-cost: option %s needs a value\n", argv[optind - 1]);
            return -1;
        default:
            fprintf(stderr, "creation-cost: unknown option '%s'\n", argv[optind - 1]);
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "creation-cost: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    if (no_pin && o->cpu >= 0) {
        fprintf(stderr, "creation-cost: --cpu and --no-pin contradict each other\n");
        return -1;
    }
    if (!n_set)
        o->iterations = o->quick ? 300 : 2000;
    if (!warmup_set)
        o->warmup = o->quick ? 20 : 100;
    if (!sizes_set) {
        static const unsigned full[] = {0, 64, 256, 1024}, quick[] = {0, 64, 256};
        o->nsizes = o->quick ? 3 : 4;
        memcpy(o->rss_mib, o->quick ? quick : full, o->nsizes * sizeof(unsigned));
    }
    cpu_set_t allowed;
    sched_getaffinity(0, sizeof(allowed), &allowed);
    if (no_pin) {
        o->cpu = -1;
    } else if (o->cpu == -2) {
        for (int i = 0; i < CPU_SETSIZE && o->cpu < 0; i++)
            if (CPU_ISSET(i, &allowed))
                o->cpu = i;
    } else if (!CPU_ISSET(o->cpu, &allowed)) {
        fprintf(stderr, "creation-cost: CPU %d is not available here\n", o->cpu);
        return -1;
    }
    return 0;
}

/* The trivial program for posix_spawn: creation-noop beside this executable. */
static bool find_noop(void)
{
    ssize_t n = readlink("/proc/self/exe", noop_path, sizeof(noop_path) - 32);
    if (n <= 0)
        return false;
    noop_path[n] = '\0';
    char *slash = strrchr(noop_path, '/');
    if (!slash)
        return false;
    strcpy(slash + 1, "creation-noop");
    return access(noop_path, X_OK) == 0;
}

/* ---- reporting ---- */

static double median_of(const struct hist *h)
{
    return (double)hist_percentile(h, 50);
}

static void print_table(const struct opts *o, double ghz, struct measured *m, json_t *sweep,
                        const char *core_note)
{
    char where[32] = "not pinned";
    if (o->cpu >= 0)
        snprintf(where, sizeof(where), "pinned to CPU %d", o->cpu);
    printf("creation-cost: create and reap a flow, %u times each, %s\n", o->iterations, where);
    if (ghz > 0)
        printf("  TSC %.3f GHz, measured: the cycles are reference cycles at that rate\n", ghz);
    else
        printf("  no TSC here: no cycles\n");
    printf("\n  %-44s %10s %10s %10s %10s %12s\n", "primitive", "median ns", "p10 ns", "p90 ns",
           "p99 ns", "median cyc");
    for (size_t i = 0; i < NPRIMITIVES; i++) {
        if (m[i].failed) {
            printf("  %-44s failed: %s\n", primitives[i].what, m[i].error);
            continue;
        }
        printf("  %-44s %10llu %10llu %10llu %10llu %12llu\n", primitives[i].what,
               (unsigned long long)hist_percentile(&m[i].ns, 50),
               (unsigned long long)hist_percentile(&m[i].ns, 10),
               (unsigned long long)hist_percentile(&m[i].ns, 90),
               (unsigned long long)hist_percentile(&m[i].ns, 99),
               (unsigned long long)hist_percentile(&m[i].tsc_cycles, 50));
    }
    if (core_note[0])
        printf("  note: %s\n", core_note);
    if (!m[0].failed && !m[4].failed) {
        double fork_c = median_of(&m[0].tsc_cycles), thread_c = median_of(&m[4].tsc_cycles);
        double fork_ns = median_of(&m[0].ns), thread_ns = median_of(&m[4].ns);
        printf("\n  The lecture: a process costs about %dK cycles to create and reap, a thread "
               "about %dK: %.1fx.\n",
               LECTURE_PROCESS_CYCLES / 1000, LECTURE_THREAD_CYCLES / 1000,
               (double)LECTURE_PROCESS_CYCLES / LECTURE_THREAD_CYCLES);
        if (ghz > 0)
            printf("  Here: fork + waitpid %.0fK cycles, pthread_create + join %.0fK: %.1fx.\n",
                   fork_c / 1000, thread_c / 1000, fork_ns / thread_ns);
        else
            printf("  Here: fork + waitpid %.1f us, pthread_create + join %.1f us: %.1fx.\n",
                   fork_ns / 1000, thread_ns / 1000, fork_ns / thread_ns);
    }
    printf("\n  against the parent's resident memory (median ns):\n  %8s", "MiB");
    for (size_t i = 0; i < NPRIMITIVES - 1; i++)
        printf(" %12s", primitives[i].name);
    printf("\n");
    size_t k;
    json_t *row;
    json_array_foreach(sweep, k, row)
    {
        printf("  %8lld", (long long)json_integer_value(json_object_get(row, "rss_mib")));
        for (size_t i = 0; i < NPRIMITIVES - 1; i++) {
            char key[64];
            snprintf(key, sizeof(key), "%s_ns_median", primitives[i].name);
            json_t *v = json_object_get(row, key);
            if (json_is_number(v))
                printf(" %12.0f", json_number_value(v));
            else
                printf(" %12s", "-");
        }
        printf("\n");
    }
}

int main(int argc, char **argv)
{
    struct opts o;
    struct measured m[NPRIMITIVES];
    char core_note[256], started[32];

    int rc = parse_args(argc, argv, &o);
    if (rc != 0) {
        if (rc < 0)
            fprintf(stderr, "Try 'creation-cost --help' for more information.\n");
        return rc < 0 ? 2 : 0;
    }
    if (o.cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(o.cpu, &set);
        if (sched_setaffinity(0, sizeof(set), &set) < 0) {
            fprintf(stderr, "creation-cost: cannot pin to CPU %d: %s\n", o.cpu, strerror(errno));
            return 1;
        }
    }
    iso8601_utc(time(NULL), started, sizeof(started));
    sem_init(&ran, 0, 0);
    bool have_noop = find_noop();
    double ghz = measure_tsc_ghz();
    int perf = open_core_cycles(core_note, sizeof(core_note));

    memset(m, 0, sizeof(m));
    json_t *prims = json_object();
    for (size_t i = 0; i < NPRIMITIVES; i++) {
        const struct primitive *p = &primitives[i];
        if (p->run == do_posix_spawn && !have_noop) {
            m[i].failed = true;
            snprintf(m[i].error, sizeof(m[i].error), "creation-noop is not built beside it");
        } else {
            measure(p, o.warmup, o.iterations, perf, &m[i]);
        }
        json_t *pj = json_pack("{s:s,s:i}", "what", p->what, "iterations", (int)o.iterations);
        if (m[i].failed) {
            json_object_set_new(pj, "error", json_string(m[i].error));
        } else {
            json_object_set_new(pj, "ns", dist_json(&m[i].ns));
            json_object_set_new(pj, "cycles", ghz > 0 ? dist_json(&m[i].tsc_cycles) : json_null());
            json_object_set_new(pj, "core_cycles", perf >= 0 ? dist_json(&m[i].core) : json_null());
        }
        json_object_set_new(prims, p->name, pj);
    }

    /* Fork from a bigger and bigger parent, beside the others at the same sizes. */
    long avail = mem_available_mib();
    long cap = avail > 0 ? avail / 2 : 1024;
    char cap_note[160] = "";
    unsigned sweep_n = o.iterations / 10 < 50 ? 50 : o.iterations / 10;
    json_t *sweep = json_array();
    for (unsigned s = 0; s < o.nsizes; s++) {
        if ((long)o.rss_mib[s] > cap) {
            snprintf(cap_note, sizeof(cap_note),
                     "sizes above %ld MiB skipped: half of the %ld MiB available", cap, avail);
            continue;
        }
        void *mem = touch(o.rss_mib[s]);
        if (o.rss_mib[s] && !mem) {
            snprintf(cap_note, sizeof(cap_note), "%u MiB could not be mapped", o.rss_mib[s]);
            continue;
        }
        json_t *row =
            json_pack("{s:i,s:i}", "rss_mib", (int)o.rss_mib[s], "iterations", (int)sweep_n);
        for (size_t i = 0; i < NPRIMITIVES - 1; i++) { /* the detached thread adds nothing */
            struct measured sm;
            char key[64];
            memset(&sm, 0, sizeof(sm));
            snprintf(key, sizeof(key), "%s_ns_median", primitives[i].name);
            if (m[i].failed || measure(&primitives[i], 5, sweep_n, -1, &sm) < 0)
                json_object_set_new(row, key, json_null());
            else
                json_object_set_new(row, key, json_integer((json_int_t)median_of(&sm.ns)));
            measured_free(&sm);
        }
        json_array_append_new(sweep, row);
        if (mem)
            munmap(mem, (size_t)o.rss_mib[s] << 20);
    }

    json_t *rss_sizes = json_array();
    for (unsigned s = 0; s < o.nsizes; s++)
        json_array_append_new(rss_sizes, json_integer(o.rss_mib[s]));
    json_t *root = json_pack(
        "{s:s,s:{s:s,s:s,s:s},s:s,s:o,s:{s:i,s:i,s:o,s:o,s:o,s:s?},s:f,s:b,s:s?,s:o,s:o}", "schema",
        "echobench.creation/1", "tool", "name", "creation-cost", "version", ECHOBENCH_VERSION,
        "git", ECHOBENCH_GIT, "started_at", started, "env", env_collect(), "settings", "iterations",
        (int)o.iterations, "warmup", (int)o.warmup, "cpu",
        o.cpu >= 0 ? json_integer(o.cpu) : json_null(), "rss_mib", rss_sizes, "rss_cap_mib",
        json_integer(cap), "rss_cap_note", cap_note[0] ? cap_note : NULL, "tsc_ghz",
        round_to(ghz, 4), "core_cycles_available", perf >= 0, "core_cycles_note",
        core_note[0] ? core_note : NULL, "primitives", prims, "fork_vs_rss", sweep);
    json_t *lecture = json_pack("{s:i,s:i,s:f}", "process_cycles", LECTURE_PROCESS_CYCLES,
                                "thread_cycles", LECTURE_THREAD_CYCLES, "ratio",
                                (double)LECTURE_PROCESS_CYCLES / LECTURE_THREAD_CYCLES);
    json_object_set_new(root, "lecture", lecture);
    if (!m[0].failed && !m[4].failed)
        json_object_set_new(root, "ratio_fork_to_pthread",
                            json_real(round_to(median_of(&m[0].ns) / median_of(&m[4].ns), 2)));

    print_table(&o, ghz, m, sweep, core_note);
    if (cap_note[0])
        printf("  note: %s\n", cap_note);
    int status = 0;
    if (o.json_path && json_write_atomic(root, o.json_path) < 0) {
        fprintf(stderr, "creation-cost: cannot write %s: %s\n", o.json_path, strerror(errno));
        status = 1;
    }
    bool any_failed = false;
    for (size_t i = 0; i < NPRIMITIVES; i++) {
        any_failed |= m[i].failed;
        measured_free(&m[i]);
    }
    json_decref(root);
    if (perf >= 0)
        close(perf);
    (void)any_failed;
    return status;
}
