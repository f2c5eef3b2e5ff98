/* The cases of test_plots that live outside test_plots.c, and the helpers they share
 * with it. */
#ifndef ECHOBENCH_PLOTS_CASES_H
#define ECHOBENCH_PLOTS_CASES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* A fresh folder holding a results folder named name, whose bench.json is json (NULL:
 * the fixture). Returns its path in dir. */
void results_dir(const char *name, json_t *json, char *dir, size_t len);

/* Removes every folder results_dir made. */
void teardown(void);

/* The fixture's bench.json, loaded; the caller owns it. */
json_t *fixture(void);

/* Runs build/bin/TOOL with args (PATH replaced by path_env unless NULL); returns its exit
 * status, its stderr in err. */
int run(const char *tool, const char *const *args, const char *path_env, char *err, size_t errlen);

/* The point of a scenario for model at x, or NULL. */
json_t *find_point(json_t *root, const char *scenario, const char *model, double x);

/* plots_rules.c: what is not comparable says so, and is never ranked. */
void case_starved_marked(void);
void case_ranking_rules(void);
void case_memory_marginal(void);
void case_memory_min_added(void);
void case_log_error_bar(void);
void case_abandoned_marked(void);
void case_marks_apart(void);
void case_compare_warnings(void);

/* plots_rules.c, on bench_floor.json: the floor beside the models, intervals of the
 * median, disturbed trials, the planner. */
void case_floor_not_ranked(void);
void case_floor_series(void);
void case_vs_floor_table(void);
void case_old_intervals(void);
void case_noise_disturbance(void);
void case_skew_finding(void);
void case_planner_line(void);
void case_levels_said(void);
void case_load_floor_usable(void);
void case_captions_whole(void);
void case_planner_max_trials(void);
void case_noise_cause(void);
void case_lead_raw(void);
void case_lead_direction(void);

/* plots_load.c: capacity within a latency target, the knee, and both sweeps rendered. */
void case_capacity_met(void);
void case_capacity_between(void);
void case_capacity_below(void);
void case_capacity_above(void);
void case_capacity_lagged(void);
void case_capacity_nonmonotonic(void);
void case_capacity_none(void);
void case_capacity_distinct(void);
void case_knee(void);
void case_load_render(void);
void case_load_findings(void);
void case_load_slo(void);
void case_compare_loadgen(void);

/* plots_claims.c, on bench_claims.json: the lecture's claims, each verdict, analysis.json,
 * the report's first section, the cores scenario's table and plot. */
void case_claims_fixture(void);
void case_claims_creation(void);
void case_claims_cores(void);
void case_claims_parts(void);
void case_claims_wording(void);
void case_claims_not_measured(void);
void case_claims_not_here(void);
void case_claims_undecided(void);
void case_claims_old_bench(void);
void case_claims_json(void);
void case_claims_report(void);

/* Whether a heading of the Markdown md has the anchor (GitHub's, without its '#'). */
bool report_has_anchor(const char *md, const char *anchor);

#endif
