/* Loading a results folder and checking it is what the analysis expects. */
#include "analysis.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The checks: a bench.json of echobench.bench/1 with scenarios, each point with its
 * model, label, x, status and summary (none in a step not run, with no trials). Says the
 * first thing missing, with its place. */
static int check(const struct results *r, char *err, size_t errlen)
{
    json_t *root = r->root;
    const char *schema = json_string_value(json_object_get(root, "schema"));
    if (!json_is_object(root) || !schema) {
        snprintf(err, errlen, "%s: not a bench.json (no \"schema\"); run make bench to make one",
                 r->path);
        return -1;
    }
    if (strcmp(schema, "echobench.bench/1") != 0) {
        snprintf(err, errlen, "%s: schema is \"%s\", not echobench.bench/1: not a bench.json",
                 r->path, schema);
        return -1;
    }
    json_t *scenarios = json_object_get(root, "scenarios");
    if (!json_is_array(scenarios)) {
        snprintf(err, errlen, "%s: \"scenarios\" is missing or not an array", r->path);
        return -1;
    }
    if (!json_is_object(json_object_get(root, "env"))) {
        snprintf(err, errlen, "%s: \"env\" is missing", r->path);
        return -1;
    }
    size_t i, k;
    json_t *sc, *pt;
    json_array_foreach(scenarios, i, sc)
    {
        if (!json_is_string(json_object_get(sc, "name"))) {
            snprintf(err, errlen, "%s: scenarios[%zu] has no \"name\"", r->path, i);
            return -1;
        }
        json_t *points = json_object_get(sc, "points");
        if (points && !json_is_array(points)) {
            snprintf(err, errlen, "%s: scenarios[%zu].points is not an array", r->path, i);
            return -1;
        }
        json_array_foreach(points, k, pt)
        {
            static const char *keys[] = {"model", "label", "status"};
            for (size_t q = 0; q < sizeof(keys) / sizeof(keys[0]); q++) {
                if (!json_is_string(json_object_get(pt, keys[q]))) {
                    snprintf(err, errlen, "%s: scenarios[%zu].points[%zu] has no \"%s\"", r->path,
                             i, k, keys[q]);
                    return -1;
                }
            }
            /* A step the capacity scenario did not run (capped, skipped) has no trial
             * and no summary. */
            json_t *summary = json_object_get(pt, "summary");
            bool unrun = !summary && json_array_size(json_object_get(pt, "trials")) == 0;
            if (!json_is_number(json_object_get(pt, "x")) || (!json_is_object(summary) && !unrun)) {
                snprintf(err, errlen, "%s: scenarios[%zu].points[%zu] has no \"%s\"", r->path, i, k,
                         json_is_number(json_object_get(pt, "x")) ? "summary" : "x");
                return -1;
            }
        }
    }
    return 0;
}

int results_load(struct results *r, const char *dir, char *err, size_t errlen)
{
    struct stat st;
    json_error_t e;

    memset(r, 0, sizeof(*r));
    snprintf(r->dir, sizeof(r->dir), "%s", dir);
    if (stat(dir, &st) == 0 && S_ISREG(st.st_mode)) {
        snprintf(r->path, sizeof(r->path), "%s", dir);
        char *slash = strrchr(r->dir, '/');
        if (slash)
            *slash = '\0';
        else
            snprintf(r->dir, sizeof(r->dir), ".");
    } else {
        snprintf(r->path, sizeof(r->path), "%s/bench.json", dir);
    }
    if (access(r->path, F_OK) != 0) {
        snprintf(err, errlen,
                 "%s: %s: give a results folder that bench wrote (make bench writes one and "
                 "points results/latest at it)",
                 r->path, strerror(errno));
        return -1;
    }
    r->root = json_load_file(r->path, 0, &e);
    if (!r->root) {
        if (e.line > 0)
            snprintf(err, errlen, "%s:%d:%d: %s (a bench.json cut short, or not JSON)", r->path,
                     e.line, e.column, e.text);
        else
            snprintf(err, errlen, "%s: %s", r->path, e.text);
        return -1;
    }
    if (check(r, err, errlen) < 0) {
        json_decref(r->root);
        r->root = NULL;
        return -1;
    }
    json_t *env = json_object_get(r->root, "env");
    const char *host = json_string_value(json_object_get(env, "host"));
    const char *cpu = json_string_value(json_object_get(env, "cpu_model"));
    json_int_t cpus = json_integer_value(json_object_get(env, "cpus"));
    snprintf(r->machine, sizeof(r->machine), "%s, %s, %lld CPU%s", host ? host : "unknown host",
             cpu ? cpu : "unknown CPU", (long long)cpus, cpus == 1 ? "" : "s");
    /* The latency targets bench was given; a run before them had none: p99 at 1 ms. One
     * this reader cannot parse is passed over (plots --slo can give it again). */
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(json_object_get(r->root, "settings"), "slo"), i, t)
    {
        const char *text = json_string_value(json_object_get(t, "text"));
        if (text && r->nslo < SLO_MAX && slo_parse(text, &r->slo[r->nslo], err, errlen) == 0)
            r->nslo++;
    }
    if (r->nslo == 0 && slo_parse(SLO_DEFAULT, &r->slo[0], err, errlen) == 0)
        r->nslo = 1;
    results_mark_externals(r);
    err[0] = '\0';
    return 0;
}

void results_free(struct results *r)
{
    json_decref(r->root);
    r->root = NULL;
}

json_t *results_scenario(const struct results *r, const char *name)
{
    size_t i;
    json_t *sc;
    json_array_foreach(json_object_get(r->root, "scenarios"), i, sc)
    {
        const char *n = json_string_value(json_object_get(sc, "name"));
        if (n && strcmp(n, name) == 0)
            return sc;
    }
    return NULL;
}

json_t *results_point(json_t *sc, const char *model, const char *label)
{
    size_t i;
    json_t *pt;
    json_array_foreach(json_object_get(sc, "points"), i, pt)
    {
        if (strcmp(json_string_value(json_object_get(pt, "model")), model) == 0 &&
            strcmp(json_string_value(json_object_get(pt, "label")), label) == 0)
            return pt;
    }
    return NULL;
}

double jpath(json_t *root, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", path);
    json_t *v = root;
    for (char *save, *key = strtok_r(buf, ".", &save); key && v; key = strtok_r(NULL, ".", &save))
        v = json_object_get(v, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

size_t results_models(const struct results *r, const char **models, size_t max)
{
    size_t n = 0, i, k;
    json_t *m, *sc, *pt;
    json_array_foreach(json_object_get(json_object_get(r->root, "settings"), "models"), i, m)
    {
        if (n < max && json_is_string(m))
            models[n++] = json_string_value(m);
    }
    if (n > 0)
        return n;
    /* No settings: the models the points name, in order of first mention; the floor is
     * the machine's reference, not a model. */
    json_array_foreach(json_object_get(r->root, "scenarios"), i, sc)
    {
        json_array_foreach(json_object_get(sc, "points"), k, pt)
        {
            const char *name = json_string_value(json_object_get(pt, "model"));
            bool seen = point_is_floor(pt);
            for (size_t q = 0; q < n; q++)
                seen |= strcmp(models[q], name) == 0;
            if (!seen && n < max)
                models[n++] = name;
        }
    }
    return n;
}

/* The models' names, one entry per model the analysis has named or results_load found
 * external: the run's names live in its json, these strings as long as the program, so a
 * caller may keep the pointer. Only the analysis's one thread touches the table. */
#define MODEL_NAMES_MAX 128

static struct model_name {
    char model[32];
    char title[48]; /* "echo-epoll", "node (external)" */
    char key[48];   /* "epoll", "node (external)" */
    bool external;
    int slot; /* a model without a fixed colour: its place in the palette, in order seen */
} model_names[MODEL_NAMES_MAX];
static int n_model_names, n_palette_slots;

static struct model_name *model_entry(const char *model)
{
    for (int i = 0; i < n_model_names; i++)
        if (strcmp(model_names[i].model, model) == 0)
            return &model_names[i];
    if (n_model_names == MODEL_NAMES_MAX || strlen(model) >= sizeof(model_names[0].model))
        return NULL;
    struct model_name *e = &model_names[n_model_names++];
    snprintf(e->model, sizeof(e->model), "%s", model);
    snprintf(e->title, sizeof(e->title), "echo-%s", model);
    snprintf(e->key, sizeof(e->key), "%s", model);
    e->slot = -1;
    return e;
}

static void mark_external(const char *model)
{
    struct model_name *e = model ? model_entry(model) : NULL;
    if (!e || e->external)
        return;
    e->external = true;
    snprintf(e->title, sizeof(e->title), "%s (external)", model);
    snprintf(e->key, sizeof(e->key), "%s (external)", model);
}

void results_mark_externals(const struct results *r)
{
    size_t i, k;
    json_t *x, *sc, *pt;
    json_array_foreach(json_object_get(json_object_get(r->root, "settings"), "externals"), i, x)
        mark_external(json_string_value(json_object_get(x, "name")));
    json_array_foreach(json_object_get(r->root, "scenarios"), i, sc)
    {
        json_array_foreach(json_object_get(sc, "points"), k, pt)
        {
            if (json_is_true(json_object_get(pt, "external")))
                mark_external(json_string_value(json_object_get(pt, "model")));
        }
    }
}

const char *model_title(const char *model)
{
    if (!model)
        return "(a model without a name)";
    struct model_name *e = model_entry(model);
    return e ? e->title : model;
}

const char *model_key(const char *model)
{
    if (!model)
        return "(a model without a name)";
    struct model_name *e = model_entry(model);
    return e ? e->key : model;
}

bool model_external(const char *model)
{
    struct model_name *e = model ? model_entry(model) : NULL;
    return e && e->external;
}

const char *model_color(const char *model)
{
    if (!model)
        return "#000000";
    static const struct {
        const char *model, *color;
    } colors[] = {
        {"iterative", "#7f7f7f"}, {"process", "#d62728"},   {"select", "#ff7f0e"},
        {"epoll", "#1f77b4"},     {"thread", "#2ca02c"},    {"threadpool", "#9467bd"},
        {"prefork", "#8c564b"},   {"reuseport", "#17becf"}, {"uring", "#e377c2"},
    };
    /* The others (external models, up to 32 in a run with the C ones) take these in the
     * order they are first drawn: none of them the C models' or the floor's grey, each
     * apart from its neighbours, so two models never share a colour. */
    static const char *const palette[] = {
        "#bcbd22", "#393b79", "#e6550d", "#637939", "#843c39", "#7b4173", "#3182bd", "#31a354",
        "#756bb1", "#636363", "#fd8d3c", "#74c476", "#9e9ac8", "#e7ba52", "#ad494a", "#a55194",
        "#6baed6", "#fdae6b", "#5254a3", "#8ca252", "#bd9e39", "#d6616b", "#ce6dbd", "#17a768",
        "#6b6ecf", "#b5cf6b", "#e7969c", "#de9ed6", "#9c9ede", "#cedb9c", "#e7cb94",
    };
    for (size_t i = 0; i < sizeof(colors) / sizeof(colors[0]); i++)
        if (strcmp(colors[i].model, model) == 0)
            return colors[i].color;
    struct model_name *e = model_entry(model);
    if (!e)
        return palette[0];
    if (e->slot < 0)
        e->slot = n_palette_slots++;
    return palette[(size_t)e->slot % (sizeof(palette) / sizeof(palette[0]))];
}

FILE *out_open(struct out_file *out, const char *path)
{
    if (strlen(path) >= sizeof(out->path)) {
        errno = ENAMETOOLONG;
        return NULL;
    }
    strcpy(out->path, path);
    snprintf(out->tmp, sizeof(out->tmp), "%s.tmp", path);
    out->f = fopen(out->tmp, "w");
    return out->f;
}

int out_close(struct out_file *out)
{
    bool failed = ferror(out->f);
    if (fclose(out->f) != 0)
        failed = true;
    if (failed || rename(out->tmp, out->path) != 0) {
        int saved = errno ? errno : EIO;
        unlink(out->tmp);
        errno = saved;
        return -1;
    }
    return 0;
}

void human(double v, char *buf, size_t len)
{
    if (isnan(v)) {
        snprintf(buf, len, "-");
        return;
    }
    double a = fabs(v);
    if (a >= 1000) {
        /* Thousands separated: 12,346 */
        char digits[64];
        snprintf(digits, sizeof(digits), "%.0f", a);
        size_t nd = strlen(digits), at = 0;
        if (v < 0 && at + 1 < len)
            buf[at++] = '-';
        for (size_t i = 0; i < nd && at + 2 < len; i++) {
            buf[at++] = digits[i];
            if ((nd - i - 1) % 3 == 0 && i + 1 < nd)
                buf[at++] = ',';
        }
        buf[at] = '\0';
    } else if (a >= 100 || a == 0) {
        snprintf(buf, len, "%.0f", v);
    } else if (a >= 10) {
        snprintf(buf, len, "%.1f", v);
    } else if (a >= 0.01) {
        snprintf(buf, len, "%.2f", v);
    } else {
        snprintf(buf, len, "%.3g", v);
    }
}
