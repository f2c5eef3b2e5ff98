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
#include "procfs.h"
#include "version.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

/* Why the last child failed, for the message. */
static char child_failure[96];

/* Waits for pid; a child that did not exit 0 is a failure of the primitive. */
static int reap(pid_t pid)
{
    int status;
    while (waitpid(pid, &status, __WALL) < 0)
        if (errno != EINTR)
            return -1;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFSIGNALED(status))
        snprintf(child_failure, sizeof(child_failure), "the child was killed by signal %d",
                 WTERMSIG(status));
    else
        snprintf(child_failure, sizeof(child_failure), "the child exited with status %d",
                 WEXITSTATUS(status));
    errno = ECHILD;
    return -1;
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
    /* A task that shares our memory, descriptors, filesystem and signal handlers, as a
     * thread does, but with no thread library and its own thread group, so that
     * waitpid reaps it: the kernel's half of pthread_create. */
    pid_t pid = clone(clone_child, clone_stack + sizeof(clone_stack),
                      CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | SIGCHLD, NULL);
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

/* The threads of this process, from /proc/self/stat. */
static int thread_count(void)
{
    struct proc_stat st;
    return proc_stat_read("self", &st) == 0 ? st.threads : -1;
}

/* After a detached thread: waits, off the clock, until it has exited, so that its exit
 * does not land in the next iteration's time. */
static void settle_detached(void)
{
    for (int i = 0; i < 100000 && thread_count() > 1; i++)
        sched_yield();
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
     * return of its stack to glibc's cache happen after, off this clock (the measuring
     * loop waits for them before the next one: settle_detached). */
    while (sem_wait(&ran) < 0)
        if (errno != EINTR)
            return -1;
    return 0;
}

static const struct primitive {
    const char *name;
    const char *what;
    int (*run)(void);
    void (*after)(void); /* off the clock, after each iteration */
} primitives[] = {
    {"fork", "fork + waitpid", do_fork, NULL},
    {"vfork", "vfork + waitpid", do_vfork, NULL},
    {"posix_spawn", "posix_spawn of a trivial program + waitpid", do_posix_spawn, NULL},
    {"clone_vm", "clone(CLONE_VM|FS|FILES|SIGHAND) + waitpid", do_clone_vm, NULL},
    {"pthread", "pthread_create + pthread_join", do_pthread, NULL},
    {"pthread_detached", "pthread_create, detached, until it has run", do_pthread_detached,
     settle_detached},
};

#define NPRIMITIVES (sizeof(primitives) / sizeof(primitives[0]))

/* The index of primitive name. */
static size_t prim(const char *name)
{
    for (size_t i = 0; i < NPRIMITIVES; i++)
        if (strcmp(primitives[i].name, name) == 0)
            return i;
    return 0;
}

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
    char paranoid[16] = "?";
    FILE *f = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
    if (f) {
        if (!fgets(paranoid, sizeof(paranoid), f))
            snprintf(paranoid, sizeof(paranoid), "?");
        paranoid[strcspn(paranoid, "\n")] = '\0';
        fclose(f);
    }
    memset(&pe, 0, sizeof(pe));
    pe.type = PERF_TYPE_HARDWARE;
    pe.size = sizeof(pe);
    pe.config = PERF_COUNT_HW_CPU_CYCLES;
    pe.inherit = 1;
    pe.exclude_hv = 1;
    /* Enabled and running times: a counter the PMU multiplexes with others counts part
     * of the time, and is scaled up. */
    pe.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
    int fd = (int)syscall(SYS_perf_event_open, &pe, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
    if (fd < 0 && (errno == EACCES || errno == EPERM)) {
        snprintf(why, len,
                 "perf events not permitted (%s; kernel.perf_event_paranoid is %s, and counting "
                 "kernel cycles needs 1 or less, or CAP_PERFMON): core cycles not measured, "
                 "TSC reference cycles instead",
                 strerror(errno), paranoid);
        return -1;
    }
    if (fd < 0) {
        snprintf(why, len,
                 "perf events unavailable (%s: this kernel or VM gives no cycle counter): core "
                 "cycles not measured, TSC reference cycles instead",
                 strerror(errno));
        return -1;
    }
    uint64_t v[3];
    if (read(fd, v, sizeof(v)) != sizeof(v)) {
        snprintf(why, len, "the perf counter cannot be read: core cycles not measured");
        close(fd);
        return -1;
    }
    why[0] = '\0';
    return fd;
}

/* The counter's value, scaled for the time it was not counting. */
static uint64_t core_cycles(int fd)
{
    uint64_t v[3] = {0, 0, 0};
    if (fd < 0 || read(fd, v, sizeof(v)) != sizeof(v))
        return 0;
    return v[2] > 0 && v[2] < v[1] ? (uint64_t)((double)v[0] * (double)v[1] / (double)v[2]) : v[0];
}

/* ---- measuring ---- */

struct measured {
    struct hist ns, tsc_cycles, core;
    bool failed;
    char error[128];
};

static void fail(struct measured *m)
{
    m->failed = true;
    snprintf(m->error, sizeof(m->error), "%s",
             errno == ECHILD && child_failure[0] ? child_failure : strerror(errno));
}

/* Runs p warmup + n times, recording each create-and-reap in nanoseconds and TSC
 * cycles into m's histograms (initialised by the caller). Returns 0, or -1 when the primitive
 * failed (said in m->error). */
static int measure(const struct primitive *p, unsigned warmup, unsigned n, struct measured *m)
{
    for (unsigned i = 0; i < warmup + n; i++) {
        uint64_t t0 = clock_now_ns(), c0 = tsc();
        int rc = p->run();
        uint64_t c1 = tsc(), t1 = clock_now_ns();
        if (rc < 0) {
            fail(m);
            return -1;
        }
        if (p->after)
            p->after();
        if (i < warmup)
            continue;
        hist_record(&m->ns, t1 - t0);
        hist_record(&m->tsc_cycles, c1 - c0);
    }
    return 0;
}

/* A pass of its own for core cycles: an inherited counter makes every fork and thread
 * creation copy it, which would slow the pass that measures time. */
static int measure_core(const struct primitive *p, unsigned n, int perf, struct measured *m)
{
    for (unsigned i = 0; i < n; i++) {
        uint64_t k0 = core_cycles(perf);
        int rc = p->run();
        uint64_t k1 = core_cycles(perf);
        if (rc < 0) {
            fail(m);
            return -1;
        }
        if (p->after)
            p->after();
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
    if (strlen(text) >= sizeof(buf)) {
        fprintf(stderr, "creation-cost: --rss-mib is too long; give at most %d sizes\n", MAX_SIZES);
        return -1;
    }
    strcpy(buf, text);
    o->nsizes = 0;
    char *rest = buf;
    for (char *tok; (tok = strsep(&rest, ",")) != NULL;) {
        if (o->nsizes == MAX_SIZES) {
            fprintf(stderr, "creation-cost: --rss-mib takes at most %d sizes\n", MAX_SIZES);
            return -1;
        }
        if (*tok == '\0') {
            fprintf(stderr,
                    "creation-cost: --rss-mib '%s' has an empty size; give sizes in "
                    "MiB such as 0,64,256\n",
                    text);
            return -1;
        }
        if (parse_uint("each --rss-mib size", tok, 0, 1 << 20, &o->rss_mib[o->nsizes]) < 0)
            return -1;
        o->nsizes++;
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

static void print_table(FILE *out, const struct opts *o, double ghz, struct measured *m, bool core,
                        json_t *sweep, const char *core_note)
{
    char where[32] = "not pinned";
    if (o->cpu >= 0)
        snprintf(where, sizeof(where), "pinned to CPU %d", o->cpu);
    fprintf(out, "creation-cost: create and reap a flow, %u times each, %s\n", o->iterations,
            where);
    if (ghz > 0)
        fprintf(out, "  TSC %.3f GHz, measured: \"ref cyc\" are reference cycles at that rate\n",
                ghz);
    else
        fprintf(out, "  no TSC here: no reference cycles\n");
    fprintf(out, "\n  %-44s %10s %10s %10s %10s %14s", "primitive", "median ns", "p10 ns", "p90 ns",
            "p99 ns", "median ref cyc");
    if (core)
        fprintf(out, " %15s", "median core cyc");
    fprintf(out, "\n");
    for (size_t i = 0; i < NPRIMITIVES; i++) {
        if (m[i].failed) {
            fprintf(out, "  %-44s failed: %s\n", primitives[i].what, m[i].error);
            continue;
        }
        fprintf(out, "  %-44s %10llu %10llu %10llu %10llu %14llu", primitives[i].what,
                (unsigned long long)hist_percentile(&m[i].ns, 50),
                (unsigned long long)hist_percentile(&m[i].ns, 10),
                (unsigned long long)hist_percentile(&m[i].ns, 90),
                (unsigned long long)hist_percentile(&m[i].ns, 99),
                (unsigned long long)hist_percentile(&m[i].tsc_cycles, 50));
        if (core)
            fprintf(out, " %15llu", (unsigned long long)hist_percentile(&m[i].core, 50));
        fprintf(out, "\n");
    }
    if (core_note[0])
        fprintf(out, "  note: %s\n", core_note);
    const struct measured *f = &m[prim("fork")], *t = &m[prim("pthread")];
    if (!f->failed && !t->failed) {
        fprintf(out,
                "\n  The lecture: a process costs about %dK cycles to create and reap, a thread "
                "about %dK: %.1fx.\n",
                LECTURE_PROCESS_CYCLES / 1000, LECTURE_THREAD_CYCLES / 1000,
                (double)LECTURE_PROCESS_CYCLES / LECTURE_THREAD_CYCLES);
        if (ghz > 0) {
            double fc = median_of(&f->tsc_cycles), tc = median_of(&t->tsc_cycles);
            fprintf(out,
                    "  Here: fork + waitpid %.0fK reference cycles, pthread_create + join %.0fK: "
                    "%.1fx.\n",
                    fc / 1000, tc / 1000, fc / tc);
        } else {
            double fns = median_of(&f->ns), tns = median_of(&t->ns);
            fprintf(out, "  Here: fork + waitpid %.1f us, pthread_create + join %.1f us: %.1fx.\n",
                    fns / 1000, tns / 1000, fns / tns);
        }
    }
    fprintf(out, "\n  against the parent's resident memory (median ns):\n  %8s", "MiB");
    for (size_t i = 0; i < NPRIMITIVES - 1; i++)
        fprintf(out, " %12s", primitives[i].name);
    fprintf(out, "\n");
    size_t k;
    json_t *row;
    json_array_foreach(sweep, k, row)
    {
        fprintf(out, "  %8lld", (long long)json_integer_value(json_object_get(row, "rss_mib")));
        for (size_t i = 0; i < NPRIMITIVES - 1; i++) {
            char key[64];
            snprintf(key, sizeof(key), "%s_ns_median", primitives[i].name);
            json_t *v = json_object_get(row, key);
            if (json_is_number(v))
                fprintf(out, " %12.0f", json_number_value(v));
            else
                fprintf(out, " %12s", "-");
        }
        fprintf(out, "\n");
    }
}

/* The TSC ticks at one rate in every power state: its cycles are a clock. */
static bool tsc_invariant(void)
{
    char line[4096];
    bool constant = false, nonstop = false;
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return false;
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, "flags", 5) == 0) {
            constant = strstr(line, " constant_tsc") != NULL;
            nonstop = strstr(line, " nonstop_tsc") != NULL;
            break;
        }
    fclose(f);
    return constant && nonstop;
}

static int open_fds(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    while (readdir(d))
        n++;
    closedir(d);
    return n - 3; /* ".", ".." and the directory's own descriptor */
}

/* The memory this process may use: half of what is available, or of its cgroup's
 * limit where that is lower. Says which in note. */
static long rss_cap_mib(char *note, size_t len)
{
    long avail = mem_available_mib(), cap = avail > 0 ? avail / 2 : 1024;
    snprintf(note, len, avail > 0 ? "half of the %ld MiB available" : "MemAvailable unknown",
             avail);
    static const char *limits[] = {"/sys/fs/cgroup/memory.max",
                                   "/sys/fs/cgroup/memory/memory.limit_in_bytes"};
    for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
        FILE *f = fopen(limits[i], "r");
        unsigned long long bytes;
        if (!f)
            continue;
        int got = fscanf(f, "%llu", &bytes); /* "max" reads as nothing: no limit */
        fclose(f);
        if (got == 1 && (long)(bytes >> 21) < cap) {
            cap = (long)(bytes >> 21);
            snprintf(note, len, "half of the cgroup's limit of %llu MiB", bytes >> 20);
        }
        break;
    }
    return cap;
}

static void note_add(char *note, size_t len, const char *what)
{
    size_t used = strlen(note);
    snprintf(note + used, len - used, "%s%s", used ? "; " : "", what);
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
    /* A parent that ignores SIGCHLD would have its children reaped by the kernel,
     * and waitpid fail: reaping is part of what this measures. */
    signal(SIGCHLD, SIG_DFL);
    if (o.cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(o.cpu, &set);
        if (sched_setaffinity(0, sizeof(set), &set) < 0) {
            fprintf(stderr, "creation-cost: cannot pin to CPU %d: %s\n", o.cpu, strerror(errno));
            return 1;
        }
    }
    if (sem_init(&ran, 0, 0) < 0) {
        fprintf(stderr, "creation-cost: sem_init: %s\n", strerror(errno));
        return 1;
    }
    iso8601_utc(time(NULL), started, sizeof(started));
    bool have_noop = find_noop();
    double ghz = measure_tsc_ghz();
    int fds_before = open_fds();

    /* Time first, each primitive in turn; then, where perf events allow, core cycles
     * in a shorter pass of their own. */
    memset(m, 0, sizeof(m));
    for (size_t i = 0; i < NPRIMITIVES; i++) {
        const struct primitive *p = &primitives[i];
        if (hist_init_default(&m[i].ns) < 0 || hist_init_default(&m[i].tsc_cycles) < 0 ||
            hist_init_default(&m[i].core) < 0) {
            fprintf(stderr, "creation-cost: out of memory\n");
            return 1;
        }
        if (p->run == do_posix_spawn && !have_noop) {
            m[i].failed = true;
            snprintf(m[i].error, sizeof(m[i].error),
                     "creation-noop is not built beside creation-cost");
            continue;
        }
        measure(p, o.warmup, o.iterations, &m[i]);
    }
    /* The counter exists only for its own pass: inherited, it is copied into every child
     * and thread made while it is open, enabled or not, and would slow the passes that
     * measure time (the one above and the memory sweep). */
    unsigned core_n = o.iterations / 4 < 50 ? 50 : o.iterations / 4;
    int perf = open_core_cycles(core_note, sizeof(core_note));
    bool have_core = perf >= 0;
    for (size_t i = 0; have_core && i < NPRIMITIVES; i++)
        if (!m[i].failed)
            measure_core(&primitives[i], core_n, perf, &m[i]);
    if (have_core)
        close(perf);

    json_t *prims = json_object();
    for (size_t i = 0; i < NPRIMITIVES; i++) {
        json_t *pj =
            json_pack("{s:s,s:i}", "what", primitives[i].what, "iterations", (int)o.iterations);
        if (m[i].failed) {
            json_object_set_new(pj, "error", json_string(m[i].error));
        } else {
            json_object_set_new(pj, "ns", dist_json(&m[i].ns));
            json_object_set_new(pj, "cycles", ghz > 0 ? dist_json(&m[i].tsc_cycles) : json_null());
            json_object_set_new(pj, "core_cycles", have_core ? dist_json(&m[i].core) : json_null());
            if (have_core)
                json_object_set_new(pj, "core_iterations", json_integer(core_n));
        }
        json_object_set_new(prims, primitives[i].name, pj);
    }

    /* Fork from a bigger and bigger parent, beside the others at the same sizes. */
    char cap_why[128], cap_note[512] = "";
    long cap = rss_cap_mib(cap_why, sizeof(cap_why));
    unsigned sweep_n = o.iterations / 10 < 50 ? 50 : o.iterations / 10;
    json_t *sweep = json_array();
    for (unsigned s = 0; s < o.nsizes; s++) {
        char why[256];
        if ((long)o.rss_mib[s] > cap) {
            snprintf(why, sizeof(why), "%u MiB skipped: above %ld MiB, %s", o.rss_mib[s], cap,
                     cap_why);
            note_add(cap_note, sizeof(cap_note), why);
            continue;
        }
        void *mem = touch(o.rss_mib[s]);
        if (o.rss_mib[s] && !mem) {
            snprintf(why, sizeof(why), "%u MiB skipped: it could not be mapped (%s)", o.rss_mib[s],
                     strerror(errno));
            note_add(cap_note, sizeof(cap_note), why);
            continue;
        }
        json_t *row =
            json_pack("{s:i,s:i}", "rss_mib", (int)o.rss_mib[s], "iterations", (int)sweep_n);
        for (size_t i = 0; i < NPRIMITIVES - 1; i++) { /* the detached thread adds nothing */
            struct measured sm;
            char key[64];
            memset(&sm, 0, sizeof(sm));
            snprintf(key, sizeof(key), "%s_ns_median", primitives[i].name);
            if (m[i].failed) {
                json_object_set_new(row, key, json_null());
            } else if (hist_init_default(&sm.ns) < 0 || hist_init_default(&sm.tsc_cycles) < 0 ||
                       measure(&primitives[i], 5, sweep_n, &sm) < 0) {
                json_object_set_new(row, key, json_null());
                snprintf(key, sizeof(key), "%s_error", primitives[i].name);
                json_object_set_new(row, key, json_string(sm.failed ? sm.error : "out of memory"));
            } else {
                json_object_set_new(row, key, json_integer((json_int_t)median_of(&sm.ns)));
            }
            measured_free(&sm);
        }
        json_array_append_new(sweep, row);
        if (mem)
            munmap(mem, (size_t)o.rss_mib[s] << 20);
    }
    int fds_after = open_fds();

    json_t *rss_sizes = json_array();
    for (unsigned s = 0; s < o.nsizes; s++)
        json_array_append_new(rss_sizes, json_integer(o.rss_mib[s]));
    json_t *root = json_pack(
        "{s:s,s:{s:s,s:s,s:s},s:s,s:o,s:{s:i,s:i,s:i,s:o,s:o,s:o,s:s?},s:f,s:b,s:b,s:s?,s:o,s:o}",
        "schema", "echobench.creation/1", "tool", "name", "creation-cost", "version",
        ECHOBENCH_VERSION, "git", ECHOBENCH_GIT, "started_at", started, "env", env_collect(),
        "settings", "iterations", (int)o.iterations, "warmup", (int)o.warmup, "core_iterations",
        (int)core_n, "cpu", o.cpu >= 0 ? json_integer(o.cpu) : json_null(), "rss_mib", rss_sizes,
        "rss_cap_mib", json_integer(cap), "rss_cap_note", cap_note[0] ? cap_note : NULL, "tsc_ghz",
        round_to(ghz, 4), "tsc_invariant", tsc_invariant(), "core_cycles_available", have_core,
        "core_cycles_note", core_note[0] ? core_note : NULL, "primitives", prims, "fork_vs_rss",
        sweep);
    json_t *lecture = json_pack("{s:i,s:i,s:f}", "process_cycles", LECTURE_PROCESS_CYCLES,
                                "thread_cycles", LECTURE_THREAD_CYCLES, "ratio",
                                (double)LECTURE_PROCESS_CYCLES / LECTURE_THREAD_CYCLES);
    json_object_set_new(root, "lecture", lecture);
    const struct measured *f = &m[prim("fork")], *t = &m[prim("pthread")];
    if (!f->failed && !t->failed)
        json_object_set_new(root, "ratio_fork_to_pthread",
                            json_real(round_to(median_of(&f->ns) / median_of(&t->ns), 2)));
    /* Every primitive closed what it opened: a leak would show here. */
    json_object_set_new(root, "open_fds",
                        json_pack("{s:i,s:i}", "before", fds_before, "after", fds_after));

    /* With the JSON on stdout, the table goes to stderr. */
    FILE *table = o.json_path && strcmp(o.json_path, "-") == 0 ? stderr : stdout;
    print_table(table, &o, ghz, m, have_core, sweep, core_note);
    if (cap_note[0])
        fprintf(table, "  note: %s\n", cap_note);
    int status = 0;
    if (o.json_path && json_write_atomic(root, o.json_path) < 0) {
        fprintf(stderr, "creation-cost: cannot write %s: %s\n", o.json_path, strerror(errno));
        status = 1;
    }
    for (size_t i = 0; i < NPRIMITIVES; i++) {
        if (m[i].failed) {
            fprintf(stderr, "creation-cost: %s failed: %s\n", primitives[i].name, m[i].error);
            status = 1;
        }
        measured_free(&m[i]);
    }
    json_decref(root);
    return status;
}
