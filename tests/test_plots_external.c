/* External models (issue 17) in the analysis, one case per ctest entry:
 * test_plots_external CASE (ctest plots.external_CASE).
 *
 * They run build/bin/plots on a copy of bench_external.json: bench.json's small fixture
 * with two external models beside epoll and iterative, the shipped runtime node and a
 * user's socat, their points marked "external": true with no stats line (server null),
 * settings.externals and env.runtimes as bench writes them (docs/bench.md). Every table,
 * plot key and text names them "NAME (external)", the models section gives the command
 * and version, analysis.json marks them; 30 of them beside two C models take 32 colours;
 * and the old fixture, without the fields, renders as before. */
#include "check.h"
#include "harness.h"

#include <dirent.h>
#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef ECHOBENCH_FIXTURES
#error "ECHOBENCH_FIXTURES must be defined"
#endif

#define FIXTURE     ECHOBENCH_FIXTURES "/bench_external.json"
#define OLD_FIXTURE ECHOBENCH_FIXTURES "/bench.json"

static json_t *load(const char *path)
{
    json_error_t e;
    json_t *j = json_load_file(path, 0, &e);
    CHECK(j, "%s: %s", path, e.text);
    return j;
}

static void has(const char *text, const char *want, const char *what)
{
    CHECK(strstr(text, want), "%s: no \"%s\" in:\n%s", what, want, text);
}

static void lacks(const char *text, const char *unwanted, const char *what)
{
    CHECK(!strstr(text, unwanted), "%s: \"%s\" where it should not be", what, unwanted);
}

/* Every gnuplot script under DIR/plots, one after another, NUL-terminated; the caller
 * frees it. */
static char *scripts_of(const char *dir)
{
    char path[PATH_MAX + 300];
    snprintf(path, sizeof(path), "%s/plots", dir);
    DIR *d = opendir(path);
    CHECK(d, "no %s", path);
    size_t len = 0;
    char *all = calloc(1, 1);
    CHECK(all);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 4 || strcmp(e->d_name + n - 3, ".gp") != 0)
            continue;
        snprintf(path, sizeof(path), "%s/plots/%s", dir, e->d_name);
        size_t flen;
        char *text = slurp(path, &flen);
        CHECK(text, "no %s", path);
        all = realloc(all, len + flen + 1);
        CHECK(all);
        memcpy(all + len, text, flen + 1);
        len += flen;
        free(text);
    }
    closedir(d);
    return all;
}

static char *file_of(const char *dir, const char *name)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    char *text = slurp(path, NULL);
    CHECK(text, "no %s", path);
    return text;
}

/* The report's tables and findings name node and socat "NAME (external)", never
 * "echo-NAME"; the C models keep their names. */
static void case_tables(void)
{
    char dir[PATH_MAX];
    char *md = plots_report("external", load(FIXTURE), "tables", dir, sizeof(dir));
    has(md, "\n| node (external) | ", "node's row in a scenario's table");
    has(md, "\n| socat (external) | ", "socat's row in a scenario's table");
    has(md, "\n| epoll | ", "epoll's row as before");
    has(md, "node (external) in 2 of 2", "node in the findings' text");
    /* (echo-node.js, the shipped file, is in its command.) */
    static const char *const c_names[] = {"echo-node ", "echo-node,", "echo-node's", "echo-socat"};
    for (size_t k = 0; k < sizeof(c_names) / sizeof(c_names[0]); k++)
        lacks(md, c_names[k], "a C model's name on an external one");
    free(md);
    plots_work_remove();
}

/* The plots' keys and data name them too. */
static void case_plot_keys(void)
{
    char dir[PATH_MAX];
    free(plots_report("external", load(FIXTURE), "keys", dir, sizeof(dir)));
    char *gp = scripts_of(dir);
    has(gp, "title 'node (external)'", "node's key");
    has(gp, "title 'socat (external)'", "socat's key");
    has(gp, "title 'epoll'", "epoll's key as before");
    free(gp);
    char *tsv = file_of(dir, "plots/data/throughput_vs_connections.tsv");
    has(tsv, "\nnode (external)\t", "node's series in the data");
    free(tsv);
    plots_work_remove();
}

/* The models section gives each external model's command and its runtime's version. */
static void case_models_section(void)
{
    char dir[PATH_MAX];
    char *md = plots_report("external", load(FIXTURE), "models", dir, sizeof(dir));
    char *s = md_section(md, "\n## The models\n");
    CHECK(s, "no models section in:\n%s", md);
    has(s,
        "| node (external) | an external model: `node "
        "/usr/local/lib/echobench/bin/echo-node.js {port}`, shipped with echobench; Node.js "
        "v20.20.2 |",
        "node's command and version");
    has(s,
        "| socat (external) | an external model: `socat TCP-LISTEN:{port},fork,reuseaddr "
        "EXEC:cat` |",
        "socat's command");
    has(s, "| echo-epoll | ", "epoll as before");
    free(s);
    free(md);
    plots_work_remove();
}

/* A version bench left out of the entry comes from env.runtimes; a pipe in a command is
 * escaped, so the cell stays one. */
static void case_models_runtimes(void)
{
    json_t *j = load(FIXTURE);
    json_t *ext = json_object_get(json_object_get(j, "settings"), "externals");
    json_object_set_new(json_array_get(ext, 0), "version", json_null());
    json_object_set_new(json_array_get(ext, 1), "command", json_string("sh -c 'cat | cat' {port}"));
    char dir[PATH_MAX];
    char *md = plots_report("external", j, "runtimes", dir, sizeof(dir));
    has(md, "shipped with echobench; Node.js v20.20.2 |", "the version from env.runtimes");
    has(md, "`sh -c 'cat \\| cat' {port}`", "the pipe escaped");
    free(md);
    plots_work_remove();
}

/* analysis.json's models carry external: true for them, and nothing for a C model; the
 * points alone (no settings.externals) are enough to tell. */
static void case_json(void)
{
    json_t *j = load(FIXTURE);
    json_object_del(json_object_get(j, "settings"), "externals");
    char dir[PATH_MAX];
    free(plots_report("external", j, "json", dir, sizeof(dir)));
    char path[PATH_MAX + 32];
    snprintf(path, sizeof(path), "%s/analysis.json", dir);
    json_t *a = load(path), *m;
    size_t i, seen = 0;
    json_array_foreach(json_object_get(a, "models"), i, m)
    {
        const char *model = json_string_value(json_object_get(m, "model"));
        const char *name = json_string_value(json_object_get(m, "name"));
        bool external = json_is_true(json_object_get(m, "external"));
        CHECK(model && name, "models[%zu] has no model or name", i);
        if (strcmp(model, "node") == 0 || strcmp(model, "socat") == 0) {
            char want[64];
            snprintf(want, sizeof(want), "%s (external)", model);
            CHECK(external && strcmp(name, want) == 0, "%s: external %d, name %s", model, external,
                  name);
            seen++;
        } else {
            CHECK(!json_object_get(m, "external"), "%s marked external", model);
            CHECK(strncmp(name, "echo-", 5) == 0, "%s named %s", model, name);
        }
    }
    CHECK(seen == 2, "analysis.json named %zu of the 2 external models", seen);
    json_decref(a);
    plots_work_remove();
}

/* bench_capacity.json with model's points marked external, as bench writes them. */
static json_t *capacity_with_external(const char *model)
{
    json_t *j = load(ECHOBENCH_FIXTURES "/bench_capacity.json"), *sc, *pt;
    size_t i, k;
    json_array_foreach(json_object_get(j, "scenarios"), i, sc)
    {
        json_array_foreach(json_object_get(sc, "points"), k, pt)
        {
            if (strcmp(json_string_value(json_object_get(pt, "model")), model) == 0)
                json_object_set_new(pt, "external", json_true());
        }
    }
    return j;
}

/* Where it breaks names an external model so in its table and analysis.json's
 * where_it_breaks marks it: bench_capacity.json with epoll's points marked external. */
static void case_capacity(void)
{
    json_t *j = capacity_with_external("epoll");
    size_t i;
    char dir[PATH_MAX];
    char *md = plots_report("external", j, "capacity", dir, sizeof(dir));
    char *s = md_section(md, "\n## Where it breaks\n");
    CHECK(s, "no Where it breaks in:\n%s", md);
    has(s, "\n| epoll (external) | 10,016 (19,994 at once at 20,000) | 20,000 |",
        "epoll's row, external");
    has(s, "\n| echo-process | ", "process's row as before");
    lacks(s, "echo-epoll", "epoll under a C model's name");
    char path[PATH_MAX + 32];
    snprintf(path, sizeof(path), "%s/analysis.json", dir);
    json_t *a = load(path), *row;
    bool seen = false;
    json_array_foreach(json_object_get(a, "where_it_breaks"), i, row)
    {
        bool epoll = strcmp(json_string_value(json_object_get(row, "model")), "epoll") == 0;
        CHECK(json_is_true(json_object_get(row, "external")) == epoll,
              "where_it_breaks[%zu]'s external", i);
        seen |= epoll;
    }
    CHECK(seen, "no epoll in where_it_breaks");
    json_decref(a);
    free(s);
    free(md);
    plots_work_remove();
}

/* An external model capped because its next step needs more local loadgen agents than
 * the one it runs beside (bench's why says so): "capped by one loadgen", in its row and in
 * the sentence under the table; a C model capped by the budget keeps its words. */
static void case_capacity_one_loadgen(void)
{
    json_t *j = capacity_with_external("thread"), *sc;
    size_t i;
    json_array_foreach(json_object_get(j, "scenarios"), i, sc)
    {
        json_t *thread = json_object_get(json_object_get(sc, "models"), "thread");
        if (thread)
            json_object_set_new(thread, "why",
                                json_string("capped: 20016 connections need 2 local loadgen "
                                            "agents here (RLIMIT_NOFILE 20000 each), and an "
                                            "external model runs beside one"));
    }
    char dir[PATH_MAX];
    char *md = plots_report("one_loadgen", j, "capacity", dir, sizeof(dir));
    char *s = md_section(md, "\n## Where it breaks\n");
    CHECK(s, "no Where it breaks in:\n%s", md);
    has(s,
        "\n| thread (external) | 10,016 | not run: capped by one loadgen (an external model) at "
        "20,000 |",
        "thread's row, capped by its one loadgen");
    has(s,
        "Capped by the scenario's budget, or for an external model by the one local loadgen it "
        "runs beside (its why says which): thread (external).",
        "the sentence under the table");
    lacks(s, "capped by the budget", "the budget, which capped nothing");
    free(s);
    free(md);
    plots_work_remove();
}

/* 30 external models beside epoll and iterative: 32 lines, 32 colours, none twice. */
static void case_colors(void)
{
    json_t *j = load(FIXTURE), *sc, *pt;
    json_t *models = json_object_get(json_object_get(j, "settings"), "models");
    json_t *conc = NULL;
    size_t i;
    json_array_foreach(json_object_get(j, "scenarios"), i, sc)
    {
        if (strcmp(json_string_value(json_object_get(sc, "name")), "concurrency") == 0)
            conc = sc;
    }
    CHECK(conc, "the fixture has a concurrency scenario");
    json_t *points = json_object_get(conc, "points"), *added = json_array();
    for (int k = 0; k < 30; k++) {
        char name[24];
        snprintf(name, sizeof(name), "ext%02d", k);
        if (k >= 2)
            json_array_append_new(models, json_string(name));
        json_array_foreach(points, i, pt)
        {
            if (strcmp(json_string_value(json_object_get(pt, "model")), "node") != 0)
                continue;
            json_t *copy = json_deep_copy(pt);
            json_object_set_new(copy, "model", json_string(name));
            json_array_append_new(added, copy);
        }
    }
    /* node and socat become ext00 and ext01: 30 external in all. */
    json_array_remove(models, 3);
    json_array_remove(models, 2);
    json_array_insert_new(models, 2, json_string("ext01"));
    json_array_insert_new(models, 2, json_string("ext00"));
    for (i = json_array_size(points); i-- > 0;) {
        const char *m = json_string_value(json_object_get(json_array_get(points, i), "model"));
        if (strcmp(m, "node") == 0 || strcmp(m, "socat") == 0)
            json_array_remove(points, i);
    }
    json_array_extend(points, added);
    json_decref(added);
    CHECK(json_array_size(models) == 32, "%zu models", json_array_size(models));
    char dir[PATH_MAX];
    free(plots_report("external", j, "colors", dir, sizeof(dir)));
    char *gp = file_of(dir, "plots/throughput_vs_connections.gp");
    char colors[32][8];
    int n = 0;
    for (const char *at = gp; (at = strstr(at, "lc rgb '")) != NULL; at++) {
        const char *title = strstr(at, "title '");
        const char *eol = strchr(at, '\n');
        /* A model's line: its marks apart share its colour, the floor is grey. */
        const char *bol = at;
        while (bol > gp && bol[-1] != '\n')
            bol--;
        const char *line = strstr(bol, "yerrorlines");
        if (!title || (eol && title > eol) || !line || line > at || strstr(title, "floor"))
            continue;
        CHECK(n < 32, "more than 32 titled lines in:\n%s", gp);
        snprintf(colors[n], sizeof(colors[n]), "%.7s", at + 8);
        for (int k = 0; k < n; k++)
            CHECK(strcmp(colors[k], colors[n]) != 0, "colour %s twice in:\n%s", colors[n], gp);
        n++;
    }
    CHECK(n == 32, "%d of the 32 models drawn in:\n%s", n, gp);
    has(gp, "title 'ext29 (external)'", "the 32nd model's key");
    free(gp);
    plots_work_remove();
}

/* A bench.json from before external models: no "(external)" anywhere, in the report,
 * the plots or analysis.json. */
static void case_old(void)
{
    char dir[PATH_MAX];
    char *md = plots_report("external", load(OLD_FIXTURE), "old", dir, sizeof(dir));
    lacks(md, "(external)", "the old fixture's report");
    lacks(md, "an external model", "the old fixture's models section");
    has(md, "\n| echo-epoll | ", "epoll's row in the models section");
    char *gp = scripts_of(dir);
    lacks(gp, "(external)", "the old fixture's plots");
    char *json = file_of(dir, "analysis.json");
    lacks(json, "\"external\"", "the old fixture's analysis.json");
    free(json);
    free(gp);
    free(md);
    plots_work_remove();
}

TEST_CASES({"external_tables", case_tables}, {"external_plot_keys", case_plot_keys},
           {"external_models_section", case_models_section},
           {"external_models_runtimes", case_models_runtimes}, {"external_json", case_json},
           {"external_colors", case_colors}, {"external_capacity", case_capacity},
           {"external_capacity_one_loadgen", case_capacity_one_loadgen},
           {"external_old", case_old});
TEST_MAIN()
