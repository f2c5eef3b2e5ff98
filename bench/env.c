/* What bench.json records of the machine and the build. */
#include "bench.h"
#include "jsonio.h"
#include "procfs.h"
#include "version.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <uv.h>

/* The first line of a file, trimmed, or NULL. */
static char *first_line(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *line = fgets(buf, (int)len, f);
    fclose(f);
    if (!line)
        return NULL;
    buf[strcspn(buf, "\n")] = '\0';
    for (char *p = buf; *p; p++)
        if (*p == '\t')
            *p = ' ';
    return buf;
}

static json_t *file_string(const char *path)
{
    char buf[256];
    return first_line(path, buf, sizeof(buf)) ? json_string(buf) : json_null();
}

/* A value from /proc/cpuinfo or /proc/meminfo: "key : value". */
static json_t *proc_field(const char *path, const char *key)
{
    char line[512];
    FILE *f = fopen(path, "r");
    json_t *v = json_null();
    if (!f)
        return v;
    size_t klen = strlen(key);
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, key, klen) == 0 &&
            (line[klen] == ' ' || line[klen] == '\t' || line[klen] == ':')) {
            char *colon = strchr(line, ':');
            if (!colon)
                break;
            colon++;
            while (*colon == ' ' || *colon == '\t')
                colon++;
            colon[strcspn(colon, "\n")] = '\0';
            json_decref(v);
            v = json_string(colon);
            break;
        }
    }
    fclose(f);
    return v;
}

static json_t *vulnerabilities(void)
{
    const char *dir = "/sys/devices/system/cpu/vulnerabilities";
    json_t *o = json_object();
    DIR *d = opendir(dir);
    struct dirent *e;
    if (!d)
        return o;
    while ((e = readdir(d)) != NULL) {
        char path[512];
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        json_object_set_new(o, e->d_name, file_string(path));
    }
    closedir(d);
    return o;
}

json_t *cpus_json(const int *cpus, unsigned n)
{
    json_t *a = json_array();
    for (unsigned i = 0; i < n; i++)
        json_array_append_new(a, json_integer(cpus[i]));
    return a;
}

json_t *env_collect(void)
{
    struct utsname u;
    struct rlimit files;
    char host[256] = "unknown";

    uname(&u);
    gethostname(host, sizeof(host) - 1);
    getrlimit(RLIMIT_NOFILE, &files);
    json_t *env = json_pack("{s:s,s:o,s:i,s:o,s:s,s:s,s:s}", "host", host, "cpu_model",
                            proc_field("/proc/cpuinfo", "model name"), "cpus",
                            (int)sysconf(_SC_NPROCESSORS_ONLN), "memory",
                            proc_field("/proc/meminfo", "MemTotal"), "kernel", u.release,
                            "kernel_version", u.version, "arch", u.machine);
    json_object_set_new(env, "cpu_vulnerabilities", vulnerabilities());
    json_object_set_new(env, "cpu_governor",
                        file_string("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"));
    json_object_set_new(
        env, "sysctl",
        json_pack("{s:o,s:o,s:o,s:o,s:o}", "net.core.somaxconn",
                  file_string("/proc/sys/net/core/somaxconn"), "net.ipv4.ip_local_port_range",
                  file_string("/proc/sys/net/ipv4/ip_local_port_range"), "net.ipv4.tcp_tw_reuse",
                  file_string("/proc/sys/net/ipv4/tcp_tw_reuse"), "kernel.pid_max",
                  file_string("/proc/sys/kernel/pid_max"), "kernel.threads-max",
                  file_string("/proc/sys/kernel/threads-max")));
    json_object_set_new(env, "nofile",
                        json_pack("{s:I,s:I}", "soft", (json_int_t)files.rlim_cur, "hard",
                                  (json_int_t)files.rlim_max));
    json_object_set_new(env, "build",
                        json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "version", ECHOBENCH_VERSION, "git",
                                  ECHOBENCH_GIT, "compiler", ECHOBENCH_COMPILER, "flags",
                                  ECHOBENCH_CFLAGS, "libuv", uv_version_string(), "jansson",
                                  JANSSON_VERSION));
    /* How the disturbance figures read interrupt time (procfs.h); read here, before any
     * run, so that no trial pays for it. */
    json_object_set_new(env, "irq_accounting",
                        json_string(proc_irq_accounting_names[proc_irq_accounting()]));
    json_object_set_new(env, "git_dirty", json_boolean(strstr(ECHOBENCH_GIT, "-dirty") != NULL));
    return env;
}
