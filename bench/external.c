/* External models: servers bench did not build, each run from a command with {port} in
 * it, and the three shipped runtimes (Node.js, Go, Python asyncio) that CMake puts in
 * bin/ when their toolchain is there. bench knows nothing of such a server but that it
 * echoes lines: it is ready when its port accepts, it prints no stats line, and
 * SIGTERM to its group stops it (run.c). */
#include "external.h"

#include "clock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* The shipped runtimes: the model's name, its file in bin/, the interpreter it needs on
 * PATH (NULL: none), the runtime it reports, and what installs the toolchain. */
static const struct shipped {
    const char *name, *file, *interpreter, *runtime, *what, *package;
} shipped[] = {
    {"node", "echo-node.js", "node", "node", "Node.js", "nodejs"},
    {"go", "echo-go", NULL, "go", "Go", "golang-go"},
    {"asyncio", "echo-asyncio.py", "python3", "python", "Python 3", "python3"},
};
#define NSHIPPED (sizeof(shipped) / sizeof(shipped[0]))

bool external_is_shipped(const char *name)
{
    for (size_t i = 0; i < NSHIPPED; i++)
        if (strcmp(name, shipped[i].name) == 0)
            return true;
    return false;
}

/* 1 to EXTERNAL_NAME_MAX of [a-z0-9_-], a letter first. */
static bool name_ok(const char *name, size_t len)
{
    if (len == 0 || len > EXTERNAL_NAME_MAX || name[0] < 'a' || name[0] > 'z')
        return false;
    for (size_t i = 0; i < len; i++)
        if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
              name[i] == '_' || name[i] == '-'))
            return false;
    return true;
}

int external_add(struct bench_opts *o, const char *text, const char *where,
                 const char *const *builtin, size_t nbuiltin)
{
    const char *eq = strchr(text, '=');
    size_t nlen = eq ? (size_t)(eq - text) : strlen(text);
    char name[64];
    snprintf(name, sizeof(name), "%.*s", (int)(nlen < 40 ? nlen : 40), text);
    if (!eq || !name_ok(text, nlen)) {
        fprintf(stderr,
                "bench: %s: '%.60s' is not NAME=COMMAND with a NAME of 1 to %d characters of "
                "a-z, 0-9, _ and -, a letter first (such as socat='socat "
                "TCP-LISTEN:{port},fork,reuseaddr EXEC:cat')\n",
                where, text, EXTERNAL_NAME_MAX);
        return -1;
    }
    bool taken = strcmp(name, "floor") == 0 || external_is_shipped(name);
    for (size_t i = 0; i < nbuiltin; i++)
        taken |= strcmp(name, builtin[i]) == 0;
    if (taken) {
        fprintf(stderr,
                "bench: %s: %s is a model bench has already (a C model, the floor or a shipped "
                "runtime: --models %s takes it); give the external model another name\n",
                where, name, name);
        return -1;
    }
    if (external_of(o, name)) {
        fprintf(stderr, "bench: %s: the external model %s is given twice\n", where, name);
        return -1;
    }
    if (!strstr(eq + 1, "{port}")) {
        fprintf(stderr,
                "bench: %s: %s's command has no {port}: bench gives the server a free port "
                "there, as in socat='socat TCP-LISTEN:{port},fork,reuseaddr EXEC:cat'\n",
                where, name);
        return -1;
    }
    if (strlen(eq + 1) >= EXTERNAL_COMMAND_MAX) {
        fprintf(stderr, "bench: %s: %s's command is longer than %d characters\n", where, name,
                EXTERNAL_COMMAND_MAX - 1);
        return -1;
    }
    if (o->nexternals == MAX_MODELS) {
        fprintf(stderr, "bench: %s: at most %d models in all\n", where, MAX_MODELS - 1);
        return -1;
    }
    struct external_model *e = &o->externals[o->nexternals++];
    memset(e, 0, sizeof(*e));
    snprintf(e->name, sizeof(e->name), "%.31s", name);
    snprintf(e->command, sizeof(e->command), "%s", eq + 1);
    return 0;
}

int external_add_file(struct bench_opts *o, const char *path, const char *const *builtin,
                      size_t nbuiltin)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "bench: --external-file %s: %s\n", path, strerror(errno));
        return -1;
    }
    char line[EXTERNAL_COMMAND_MAX + 64], where[PATH_MAX + 32];
    int rc = 0;
    for (unsigned n = 1; rc == 0 && fgets(line, sizeof(line), f); n++) {
        size_t len = strlen(line);
        snprintf(where, sizeof(where), "%.*s:%u", PATH_MAX, path, n);
        if (len > 0 && line[len - 1] != '\n' && !feof(f)) {
            fprintf(stderr, "bench: %s: the line is longer than %zu characters\n", where,
                    sizeof(line) - 2);
            rc = -1;
            break;
        }
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        const char *s = line + strspn(line, " \t");
        if (*s == '\0' || *s == '#')
            continue;
        rc = external_add(o, s, where, builtin, nbuiltin);
    }
    fclose(f);
    return rc;
}

/* Whether prog is an executable file in a folder of PATH. */
static bool on_path(const char *prog)
{
    const char *path = getenv("PATH");
    char dir[PATH_MAX], exe[PATH_MAX + 64];
    while (path && *path) {
        size_t n = strcspn(path, ":");
        snprintf(dir, sizeof(dir), "%.*s", (int)(n ? n : 1), n ? path : ".");
        snprintf(exe, sizeof(exe), "%s/%s", dir, prog);
        if (access(exe, X_OK) == 0)
            return true;
        path += n + (path[n] == ':');
    }
    return false;
}

/* The first line a command prints, its word (1-based; 0: all of it), or "". */
static void first_word(const char *cmd, int word, char *buf, size_t len)
{
    char line[256] = "";
    buf[0] = '\0';
    FILE *p = popen(cmd, "r");
    if (!p)
        return;
    if (!fgets(line, sizeof(line), p))
        line[0] = '\0';
    pclose(p);
    char *save, *w = strtok_r(line, " \t\r\n", &save);
    for (int i = 1; w && i < word; i++)
        w = strtok_r(NULL, " \t\r\n", &save);
    if (w)
        snprintf(buf, len, "%s", w);
}

int external_add_shipped(struct bench_opts *o, const char *name, char *why, size_t len)
{
    const struct shipped *s = NULL;
    for (size_t i = 0; i < NSHIPPED; i++)
        if (strcmp(name, shipped[i].name) == 0)
            s = &shipped[i];
    char file[PATH_MAX + 32], cmd[PATH_MAX + 96];
    snprintf(file, sizeof(file), "%s/%s", o->bin_dir, s->file);
    if (access(file, s->interpreter ? R_OK : X_OK) != 0) {
        snprintf(why, len,
                 "%s is not built: %s was not found when echobench was configured (make deps "
                 "installs %s, then make)",
                 name, s->what, s->package);
        return 0;
    }
    if (s->interpreter && !on_path(s->interpreter)) {
        snprintf(why, len,
                 "%s is not run: %s, which runs %s, is not on PATH (make deps installs %s)", name,
                 s->interpreter, file, s->package);
        return 0;
    }
    if (o->nexternals == MAX_MODELS)
        return -1;
    struct external_model *e = &o->externals[o->nexternals++];
    memset(e, 0, sizeof(*e));
    snprintf(e->name, sizeof(e->name), "%s", name);
    e->shipped = true;
    e->runtime = s->runtime;
    if (s->interpreter)
        snprintf(e->command, sizeof(e->command), "%s '%.990s' {port}", s->interpreter, file);
    else
        snprintf(e->command, sizeof(e->command), "'%.990s' {port}", file);
    /* node --version: "v20.20.2"; echo-go --version: its runtime.Version(), "go1.19.8";
     * python3 --version: "Python 3.11.2". */
    if (strcmp(s->runtime, "node") == 0)
        snprintf(cmd, sizeof(cmd), "node --version 2>/dev/null");
    else if (strcmp(s->runtime, "go") == 0)
        snprintf(cmd, sizeof(cmd), "'%s' --version 2>/dev/null", file);
    else
        snprintf(cmd, sizeof(cmd), "python3 --version 2>&1");
    first_word(cmd, strcmp(s->runtime, "python") == 0 ? 2 : 1, e->version, sizeof(e->version));
    return 1;
}

const struct external_model *external_of(const struct bench_opts *o, const char *model)
{
    for (unsigned i = 0; i < o->nexternals; i++)
        if (strcmp(o->externals[i].name, model) == 0)
            return &o->externals[i];
    return NULL;
}

/* The value after option opt in args, or "0". */
static const char *arg_value(const char *const *args, const char *opt)
{
    for (int i = 0; args && args[i]; i++)
        if (strcmp(args[i], opt) == 0 && args[i + 1])
            return args[i + 1];
    return "0";
}

int external_command(const struct external_model *e, int port, const char *const *server_args,
                     char *buf, size_t len)
{
    static const char meta[] = ";&|<>()$`\n*?[]{}'\"\\";
    char ports[16];
    const char *from = e->command;
    size_t at = 0;
    snprintf(ports, sizeof(ports), "%d", port);
    /* Simple: no metacharacter once the placeholders are out. The shipped runtimes
     * quote their file's path, and nothing else. */
    bool simple = e->shipped;
    if (!simple) {
        simple = true;
        for (const char *c = from; *c; c++) {
            if (*c == '{' && (strncmp(c, "{port}", 6) == 0 || strncmp(c, "{work_us}", 9) == 0 ||
                              strncmp(c, "{sleep_us}", 10) == 0)) {
                c = strchr(c, '}');
                continue;
            }
            if (strchr(meta, *c))
                simple = false;
        }
    }
    if (simple)
        at = (size_t)snprintf(buf, len, "exec ");
    while (*from && at < len) {
        const char *with = NULL;
        size_t skip = 0;
        if (strncmp(from, "{port}", 6) == 0) {
            with = ports;
            skip = 6;
        } else if (strncmp(from, "{work_us}", 9) == 0) {
            with = arg_value(server_args, "--work-us");
            skip = 9;
        } else if (strncmp(from, "{sleep_us}", 10) == 0) {
            with = arg_value(server_args, "--sleep-us");
            skip = 10;
        }
        if (with) {
            at += (size_t)snprintf(buf + at, len - at, "%s", with);
            from += skip;
        } else {
            buf[at++] = *from++;
        }
    }
    if (at >= len)
        return -1;
    buf[at] = '\0';
    return 0;
}

bool external_takes(const struct external_model *e, const char (*server_args)[24], unsigned nargs,
                    char *why, size_t len)
{
    static const struct {
        const char *opt, *holder, *what;
    } need[] = {
        {"--work-us", "{work_us}", "us of work a line"},
        {"--sleep-us", "{sleep_us}", "us of blocking a line"},
    };
    for (unsigned i = 0; i + 1 < nargs; i++)
        for (size_t k = 0; k < sizeof(need) / sizeof(need[0]); k++)
            if (strcmp(server_args[i], need[k].opt) == 0 && !strstr(e->command, need[k].holder)) {
                snprintf(why, len,
                         "skipped: external %s's command has no %s: it cannot be given %s %s",
                         e->name, need[k].holder, server_args[i + 1], need[k].what);
                return false;
            }
    return true;
}

int external_free_port(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &alen) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    close(fd);
    return ntohs(a.sin_port);
}

/* Whether 127.0.0.1:port accepts a connection now (closed at once). */
static bool accepts(int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    int rc;
    do
        rc = connect(fd, (struct sockaddr *)&a, sizeof(a));
    while (rc < 0 && errno == EINTR);
    close(fd);
    return rc == 0;
}

int external_wait_ready(pid_t pid, int port, uint64_t timeout_ns, int *status)
{
    uint64_t deadline = clock_now_ns() + timeout_ns;
    *status = 0;
    for (;;) {
        pid_t got = waitpid(pid, status, WNOHANG);
        if (got == pid || (got < 0 && errno != EINTR))
            return 1;
        if (accepts(port))
            return 0;
        if (clock_now_ns() >= deadline)
            return -1;
        clock_sleep_ns((uint64_t)EXTERNAL_PROBE_MS * NS_PER_MS);
    }
}

json_t *external_settings_json(const struct bench_opts *o)
{
    json_t *a = json_array();
    for (unsigned i = 0; i < o->nexternals; i++) {
        const struct external_model *e = &o->externals[i];
        json_array_append_new(
            a, json_pack("{s:s,s:s,s:b,s:o,s:o}", "name", e->name, "command", e->command, "shipped",
                         e->shipped, "runtime", e->runtime ? json_string(e->runtime) : json_null(),
                         "version", e->version[0] ? json_string(e->version) : json_null()));
    }
    return a;
}

json_t *external_runtimes_json(const struct bench_opts *o)
{
    json_t *r = json_object();
    for (unsigned i = 0; i < o->nexternals; i++) {
        const struct external_model *e = &o->externals[i];
        if (e->shipped)
            json_object_set_new(r, e->runtime,
                                e->version[0] ? json_string(e->version) : json_null());
    }
    return r;
}
