/* The analysis: bench.json in, tidy TSV data, gnuplot scripts, plots and a report out.
 * What plots, report and compare share. */
#ifndef ECHOBENCH_ANALYSIS_H
#define ECHOBENCH_ANALYSIS_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "slo.h"

/* A results folder, loaded. */
struct results {
    char dir[PATH_MAX];
    char path[PATH_MAX + 16]; /* its bench.json */
    json_t *root;
    char machine[256];       /* "host, CPU model, N CPUs": for titles */
    struct slo slo[SLO_MAX]; /* the latency targets: settings.slo, or p99=1ms (or --slo) */
    int nslo;
};

/* Loads DIR/bench.json (or DIR itself when it is a file) and checks what the analysis
 * relies on. Returns 0, or -1 after writing into err what is wrong, naming the file. */
int results_load(struct results *r, const char *dir, char *err, size_t errlen);
void results_free(struct results *r);

/* The scenario called name, or NULL when the run has none (or did not measure it). */
json_t *results_scenario(const struct results *r, const char *name);

/* The point of scenario sc for model with the label, or NULL. */
json_t *results_point(json_t *sc, const char *model, const char *label);

/* A number at a path of keys ("summary.throughput_rps.median"); NaN where missing. */
double jpath(json_t *root, const char *path);

/* The models in the order the run lists them. */
size_t results_models(const struct results *r, const char **models, size_t max);

/* The fixed colour of a model, the same in every plot: a C model's its own, any other's
 * (an external model) the next of a palette of 32 in the order first asked. */
const char *model_color(const char *model);

/* External models (issue 17): a model whose points say "external": true, or named in
 * settings.externals. results_load marks them; a bench.json before them has none. */
void results_mark_externals(const struct results *r);

/* The name a model goes by in the report's tables and text: "echo-epoll" for a C model,
 * "node (external)" for an external one. The string lives as long as the program. */
const char *model_title(const char *model);

/* The name in a plot's key: a C model's own ("epoll"), or "node (external)". */
const char *model_key(const char *model);

/* The model is external (results_mark_externals marked it). */
bool model_external(const char *model);

/* ---- which points compare (rank.c) ---- */

/* The median of a metric of the point's summary ("throughput_rps"); NaN where missing. */
double point_median(json_t *pt, const char *metric);

/* The interval of a metric of the point's summary (summary_interval's: the median's, or
 * an older bench.json's of the mean); false when there is none (one trial). */
bool point_interval(json_t *pt, const char *metric, double *lo, double *hi);

/* The point ran and measured: status ok or partial, with a median throughput. */
bool point_measured(json_t *pt);

/* The most connections left starved (no echo in the window) in any of its trials; 0
 * none; NaN when the point does not say. */
double point_starved(json_t *pt);

/* The most requests abandoned (lost with a connection that failed or timed out) in
 * any of its trials; NaN when the point does not say (a bench.json before the field).
 * Its latency percentiles are over the requests that survived. */
double point_abandoned(json_t *pt);

/* Measured, and no connection starved in any trial: only such a point is drawn as a
 * model's line, ranked in a finding or compared. */
bool point_comparable(json_t *pt);

/* Its trials in which loadgen's busiest thread was saturated; its trials. */
unsigned point_saturated(json_t *pt);
unsigned point_trials(json_t *pt);

/* Its trials in which loadgen's send lag was over half the trial's p99 (bench's
 * "lagged"): half its tail may be loadgen's own lateness. */
unsigned point_lagged(json_t *pt);

/* The median over its measured trials (ok or hung) of the number at path in each
 * ("send_lag_p99_us", "resources.server_cpu_util"); NaN where none has it. */
double point_trials_median(json_t *pt, const char *path);

/* An open-loop point (load, slow) that may be ranked: measured, no trial lagged or with
 * loadgen saturated, no connection starved. Otherwise false, with why in words
 * ("loadgen lagged in 2 of 3 trials"), or with brief, a label for a plot ("lagged"). */
bool point_usable(json_t *pt, char *why, size_t len, bool brief);

/* The connections the server held at once (the divisor of memory per connection), the
 * median of the trials; NaN when unknown. */
double point_held(json_t *pt);

/* It held fewer connections than the point opened (echo-select past FD_SETSIZE), or
 * refused some: its memory per connection is not the others'. */
bool point_refused(json_t *pt);

/* The fewest connections a slope of memory may be taken over. Pss_Anon moves in whole
 * 4 KiB pages, so over d added connections one page is 4096/d bytes each: over one
 * (echo-select's 1,016 to 1,017) a page either way reads as 0 or -49,152 bytes. Over
 * 100 or more a page is at most 41 bytes each, half the least any model paid in
 * results/sample (82), and the idle steps 1, 1000, 10000 keep a slope each. */
#define SLOPE_MIN_ADDED 100

/* The point a slope of memory to pt is taken from: the same model's nearest lower
 * point that measured, held every connection it opened and held at least
 * SLOPE_MIN_ADDED fewer than pt. NULL when there is none, or when pt itself held fewer
 * connections than it opened. */
json_t *point_slope_base(json_t *sc, json_t *pt);

/* Memory per added connection: the growth of the tree's Pss_Anon over its baseline
 * (the median of the trials) from point_slope_base's point to this one, over the
 * connections held that it added, in bytes. NaN where there is no base (the first
 * point, too few connections added, or refusals) or when unknown. */
double point_marginal_bytes(json_t *sc, json_t *pt);

/* The points' labels of a scenario, in order of first mention (at most max). */
int scenario_labels(json_t *sc, char (*out)[32], int max);

/* ---- the floor, intervals, disturbance and precision (rank.c) ---- */

/* The floor: echo-floor, one thread on epoll echoing bytes as they come, run beside the
 * models in the concurrency and load scenarios as the machine's reference (its loopback
 * and wake-up cost). Its point has "model": "floor" and "reference": true; it is never a
 * model: never ranked, counted or drawn as one. */
#define FLOOR_MODEL "floor"
#define FLOOR_TITLE "this machine's floor"
#define FLOOR_COLOR "#999999"

/* The point is the floor's. */
bool point_is_floor(json_t *pt);

/* The floor's point of scenario sc with the label, or NULL (a run without the floor). */
json_t *scenario_floor(json_t *sc, const char *label);

/* Whether scenario sc has any floor point. */
bool scenario_has_floor(json_t *sc);

/* The interval of a summary (point.summary.METRIC, vs_floor.METRIC): its "ci" and
 * "ci_level" (an interval of the median), or, in a bench.json before them, its "ci95"
 * (a t-interval of the mean, level 0.95, *of_mean set). False when there is none (one
 * trial). of_mean may be NULL. */
bool summary_interval(json_t *s, double *lo, double *hi, double *level, bool *of_mean);

/* The words of an interval's level where it is under 95%: "the range of 3 trials, 75%";
 * "" at 95% or more. */
void interval_level_text(json_t *s, char *buf, size_t len);

/* The levels of a set of intervals (a table's cells, what a plot draws), gathered one
 * summary at a time with level_range_add from a zeroed struct. */
struct level_range {
    int n;             /* summaries with an interval */
    int under;         /* of them, at a level under 95% (the range of fewer than 6 trials) */
    double lo, hi;     /* the least and the most of those levels */
    double n_lo, n_hi; /* the fewest and the most trials (or rounds) of those */
    bool of_mean;      /* one is an older bench.json's t-interval of the mean */
};
void level_range_add(struct level_range *lr, json_t *s);

/* The levels under 95% in words: "the range of 3 trials, 75%", or where they differ "the
 * range of 3 to 5 trials, 75% to 93.75%", with "; the others at least 95%" where some are;
 * "" when none is under 95%. */
void level_range_text(const struct level_range *lr, char *buf, size_t len);

/* What the intervals are: "95% interval of the mean" (an older bench.json), "interval of
 * the median, at least 95%", or "interval of the median; " and level_range_text's words;
 * "" when none has one. */
void level_range_words(const struct level_range *lr, char *buf, size_t len);

/* The share of a window that others' CPU time and steal on the server's CPUs must pass
 * for bench to call a trial disturbed (bench.h's DISTURBED_SHARE, docs/bench.md). */
#define DISTURBED_SHARE_OF_WINDOW 0.05

/* Its trials disturbed ("disturbed": true: others' CPU and steal on the server's CPUs
 * over DISTURBED_SHARE of the window, bench.md); 0 where bench did not say. */
unsigned point_disturbed(json_t *pt);

/* The point's throughput did not meet the planner's target ("precision": met false,
 * judged: not "not_adaptive"); its half width in percent in *half_width (NaN if none). */
bool point_imprecise(json_t *pt, double *half_width);

/* ---- capacity within a latency target, and the knee (capacity.c) ---- */

/* A knee is where p99 passes this many times its value at the lowest usable rate. */
#define KNEE_FACTOR 3.0

enum capacity_kind {
    CAPACITY_MET,   /* met at a usable point and missed at the next usable one */
    CAPACITY_BELOW, /* below the grid: even the lowest decidable point missed */
    CAPACITY_ABOVE, /* above the grid: the highest usable point met, none higher missed */
    CAPACITY_NONE,  /* not measured: no usable point */
};

#define CAPACITY_MAX_ROUNDS 16

/* One trial round's capacity (the rule on trial k of every point). */
struct capacity_round {
    int no;
    enum capacity_kind kind;
    bool open; /* a lower bound: above the grid, or met below an overloaded rate */
    double rps;
};

struct capacity {
    enum capacity_kind kind;
    /* MET: the achieved rate where the log latency crosses the bound between the
     * meeting point and the next, or (at_least) the meeting point's achieved rate where
     * the next was overloaded; ABOVE: the highest usable point's achieved rate, a lower
     * bound; BELOW: the lowest decidable point's achieved rate, where it missed. */
    double rps;
    bool at_least;
    double latency_us;                      /* BELOW: the latency at that point */
    double met_rps, met_us;                 /* MET: the bracket, met at (achieved) */
    double miss_rps, miss_offered, miss_us; /* and missed at the next usable point */
    double missed_rps;                      /* a lower usable point missed too (a curve that
                                             * is not monotonic): the lowest such; NaN if none */
    double missed_us;                       /* its latency */
    double unknown_below;                   /* BELOW: lower rates were left out for this
                                             * target: unknown below this offered rate; NaN */
    /* The headline is the median of the rounds' capacities (the lower middle of an even
     * count), ordered below the grid < figures (a lower bound counts as its figure); lo
     * and hi: the least and most of them. */
    int rounds, rounds_below, rounds_above;
    double lo, hi;
    bool lo_below, hi_open;
    struct capacity_round round[CAPACITY_MAX_ROUNDS];
    int contra_round; /* BELOW: a round that met (the highest), or 0 */
    double contra_rps;
    char why[384];      /* ABOVE: why the grid ended; NONE: why nothing was usable */
    char left_out[384]; /* points left out for this target, with why ("" when none) */
};

/* model's capacity within target t over scenario sc's points (the load scenario), by
 * the rules of docs/analysis.md: per target, a point that meets the bound counts even
 * where loadgen lagged; a miss counts only where it exceeds the bound by more than
 * loadgen's send lag, and with loadgen unsaturated. */
void capacity_within(json_t *sc, const char *model, const struct slo *t, struct capacity *c);

/* The figure in words, with its bracket and interval: "84,463 (met at 77,250, missed at
 * 99,122 req/s) [...]", "at least 20,000 (met at 20,000 req/s; the next rate, 30,000
 * offered, overloaded it)", "below the grid (...)", "unknown below 16,070 req/s offered
 * (...)", "at least 94,176 [...] (above the grid: ...)", "not measured: ...". */
void capacity_text(const struct capacity *c, const struct slo *t, char *buf, size_t len);

/* The interval in words: "[58,100, 63,900]", "[below the grid, 63,900]", "[58,100, at
 * least 66,000]", or "" without two rounds. */
void capacity_interval_text(const struct capacity *c, char *buf, size_t len);

/* Two capacities whose intervals (or figures, without one) meet. */
bool capacity_overlap(const struct capacity *a, const struct capacity *b);

/* The rounds both have (round k gives every model the same arrivals), in *paired, and
 * in how many of them a's capacity is above b's. */
int capacity_ahead(const struct capacity *a, const struct capacity *b, int *paired);

/* a is distinguishable from b (below it): ahead in every paired round, at least 3
 * rounds, and the ranges apart. */
bool capacity_distinct(const struct capacity *a, const struct capacity *b);

enum knee_kind {
    KNEE_NOT_MEASURED, /* no usable point */
    KNEE_FOUND,        /* a usable point's p99 over KNEE_FACTOR times the baseline's */
    KNEE_UNDER,        /* before that, a usable point achieved under 90% of its rate */
    KNEE_NONE,         /* no knee within the grid: 2 or more usable points above the
                        * baseline, none under, and no point above it left out */
    KNEE_UNDETERMINED, /* otherwise, with why */
};

struct knee {
    enum knee_kind kind;
    int usable;      /* usable points with a p99 */
    bool found;      /* kind == KNEE_FOUND */
    double base_rps; /* the lowest usable point's offered rate, and its p99 */
    double base_us;
    double rps; /* FOUND, UNDER: the offered rate of the knee, and its p99 */
    double p99_us;
    /* inflated: a higher usable point has a lower p99 than the baseline; the least of
     * them, and the secondary reading against the least p99 below each point. */
    bool inflated;
    double least_rps, least_us;
    bool second_found;
    double second_rps, second_us, second_ref_rps, second_ref_us;
    char left_out[256]; /* the grid's lower rates left out below the baseline, with why */
    char why[256];      /* UNDETERMINED: why */
};

/* model's knee over scenario sc's points: the lowest offered rate whose p99 is over
 * KNEE_FACTOR times the p99 at the lowest usable rate (docs/analysis.md). */
void capacity_knee(json_t *sc, const char *model, struct knee *k);

/* A bound for people: 1000 -> "1 ms", 250 -> "250 µs". */
void slo_bound_text(double bound_us, char *buf, size_t len);

/* ---- plots ---- */

#define PLOT_MAX_SERIES 96 /* 32 models, each a line and its marks */
#define PLOT_MAX_POINTS 32

struct series {
    char name[64]; /* the capacity plots' key says a model's breaking point in its entry */
    const char *color;
    int dash; /* 1 solid, 2 dashed */
    int n;
    double x[PLOT_MAX_POINTS], y[PLOT_MAX_POINTS];
    double lo[PLOT_MAX_POINTS], hi[PLOT_MAX_POINTS]; /* NaN: no interval */
    bool points_only;               /* marks, not a line: points that do not compare */
    int point_type;                 /* a points_only series' marker: 0 an open circle, else
                                     * gnuplot's point type (2, a cross) */
    bool untitled;                  /* no entry in the key: another series of its model has it */
    char note[PLOT_MAX_POINTS][32]; /* a label beside each point ("63 starved"), or "" */
};

enum plot_style { STYLE_LINES, STYLE_BARS };

struct plot {
    const char *name; /* the file stem: NAME.png, NAME.svg, data/NAME.tsv, NAME.gp */
    char title[256];
    const char *xlabel, *ylabel;
    bool logx, logy;
    char xtics[1024];  /* gnuplot's xtics, when the axis has labels of its own */
    double xmin, xmax; /* both 0: automatic */
    enum plot_style style;
    char extra[512];      /* more gnuplot settings: labels, ranges */
    char marks[512];      /* more clauses of the plot command, after the series: reference
                           * lines with their titles in the key */
    double yref;          /* the least y of those lines, which the y axis must show (0: none) */
    bool series_untitled; /* the series are named on the x axis, not in the key */
    struct series s[PLOT_MAX_SERIES];
    int ns;
};

/* Starts a plot; the title's second line names the machine. */
void plot_init(struct plot *p, const char *machine_name, const char *name, const char *title,
               const char *xlabel, const char *ylabel);

/* Adds a series; returns it. */
struct series *plot_series(struct plot *p, const char *name, const char *color, int dash);

/* Adds the floor's series: the one style of the machine's reference in every plot, a
 * dashed grey line titled FLOOR_TITLE. Returns it. */
struct series *plot_floor_series(struct plot *p);

void series_add(struct series *s, double x, double y, double lo, double hi);

/* Adds a point with a label beside it (to a points_only series). */
void series_add_noted(struct series *s, double x, double y, const char *note);

/* Writes dir/data/NAME.tsv and dir/NAME.gp. Returns 0 (nothing written when the plot
 * has no data: returns 1), or -1 with errno. */
int plot_write(const struct plot *p, const char *dir);

/* Runs gnuplot on dir/NAME.gp, making NAME.png and NAME.svg. Returns 0; -1 with errno
 * ENOENT when gnuplot is not installed; -1 otherwise after saying what failed. */
int plot_render(const char *dir, const char *name);

/* ---- the plots of a run, and its report ---- */

/* What one plot is, for the report. */
struct made_plot {
    char name[64];
    char scenario[32];
    char caption[1024]; /* the longest, idle_memory's and load_p99's, run past 400 */
    bool rendered;
};

/* Writes and renders one plot into dir and records it in made[*n] (with its scenario
 * and caption; nothing when the plot has no data or made is full). Returns 0, or -1
 * after a message when it could not be written. */
int plot_emit(struct plot *p, const char *dir, const char *scenario, const char *caption,
              struct made_plot *made, size_t max, int *n, bool *gnuplot_missing);

/* The load and slow scenarios' plots (plots_load.c), made as plot_emit makes them, into
 * p (scratch). Returns 0, or -1 when one could not be written. */
int make_load_plots(struct plot *p, const struct results *r, const char *dir, const char **models,
                    size_t nm, struct made_plot *made, size_t max, int *n, bool *gnuplot_missing);

/* The pitfalls scenario's plots (pitfalls.c): one per pair, pitfall_NAME (pitfall_no_reap),
 * the pair's resource against clients for the pitfall and its correct twin, the first
 * failure marked; made as plot_emit makes them, into p (scratch). Returns 0, or -1 when
 * one could not be written. */
int make_pitfall_plots(struct plot *p, const struct results *r, const char *dir,
                       struct made_plot *made, size_t max, int *n, bool *gnuplot_missing);

/* The capacity scenario's plots (plots_capacity.c): capacity_memory, the server's memory
 * against connections held, and capacity_p99, the active clients' p99 against them with
 * the target's line; both log-log, a line per model through its held steps, its breaking
 * point marked. Made as plot_emit makes them, into p (scratch); nothing without the
 * scenario. Returns 0, or -1 when one could not be written. */
int make_capacity_plots(struct plot *p, const struct results *r, const char *dir,
                        const char **models, size_t nm, struct made_plot *made, size_t max, int *n,
                        bool *gnuplot_missing);

/* Builds, writes and renders every plot the run has data for, into dir. Returns how
 * many were made (stored in made), or -1 after a message. *gnuplot_missing is set when
 * gnuplot could not be run (the data and scripts are still written). */
int make_plots(const struct results *r, const char *dir, struct made_plot *made, size_t max,
               bool *gnuplot_missing);

/* Writes DIR/report.md: the machine, the findings, a table per scenario, the plots.
 * Returns 0 or -1 with errno. */
int write_report(const struct results *r, const struct made_plot *made, size_t nmade,
                 const char *path);

/* The findings section's bullets, written from the data by rules (findings.c). */
void write_findings(FILE *f, const struct results *r, const char **models, size_t nm);

/* The open-loop sweeps (report_load.c): the load and slow scenarios' tables, capacity
 * table and warnings; and their findings' bullets, returning how many were written. */
/* The paragraph on the floor of scenario sc (report.c): what it is and its own figures
 * per point; nothing where the scenario has no floor that measured. */
void write_floor_note(FILE *f, json_t *sc);

void write_load_section(FILE *f, const struct results *r, json_t *sc, const char **models,
                        size_t nm);

/* The body of the pitfalls scenario's section (pitfalls.c), after its title, description
 * and note: a table with a row per pair (the resource from its baseline to the end, per
 * client where it grows, and the first failure, for the pitfall and its correct twin,
 * each pair's plot linked where made has it), a table with a row per run, and what a
 * partial or skipped scenario lacks. */
void write_pitfalls_section(FILE *f, const struct results *r, json_t *sc,
                            const struct made_plot *made, size_t nmade);
int write_load_findings(FILE *f, const struct results *r, const char **models, size_t nm);

/* ---- where each model breaks: the capacity scenario (breaking.c) ---- */

/* The report's section "## Where it breaks" (after the claims): the target and the
 * machine's limits, a row per model (breaking point, the step it failed, cause, memory
 * per connection and time to open at the last step held) with bench's why, how to raise
 * the descriptor limit where a model broke on it, what the budget or memory stopped,
 * memory per connection at 100,000 connections, and the plots of made. Nothing when the
 * run has no capacity scenario. */
void write_breaking_section(FILE *f, const struct results *r, const struct made_plot *made,
                            size_t nmade);

/* The capacity scenario's own section, after its title: every step of every model as
 * bench judged it, and a link to "Where it breaks". */
void write_capacity_steps(FILE *f, json_t *sc, const char **models, size_t nm);

/* The step at which model's ramp in the capacity scenario sc stopped: its failed_step,
 * or, for a model capped by the budget or skipped for memory (whose failed_step bench
 * leaves null), the label of the step that was not run; NULL where none (the top). */
const char *capacity_stop_step(json_t *sc, const char *model);

/* Whether model's ramp in sc broke at a step bench predicted would pass a limit (pid_max
 * and the like) and so did not run: the verdict's "predicted", or, where an older
 * bench.json lacks it, its stop step's verdict "predicted". */
bool capacity_predicted(json_t *sc, const char *model);

/* analysis.json's "where_it_breaks": [{model, verdict, held, held_step, failed_step,
 * cause, why, predicted, most_held, memory_per_connection_bytes,
 * machine_memory_per_connection_bytes, open_s, open_rate}] in the run's order of
 * models, or JSON null when the run has no capacity scenario. A new reference; NULL when
 * out of memory. */
json_t *breaking_json(const struct results *r);

/* One finding: "- " and the sentence, a line on f, counted in *n (findings.c). */
void finding_line(FILE *f, int *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The run's own quality as findings on f (quality.c): noisy points and where their noise
 * came from, intervals below zero, unsettled baselines, loadgen saturated; the floor's
 * points are not counted. Returns how many. */
int write_quality_findings(FILE *f, const struct results *r);

/* The open-loop sweeps' plots (plots_load.c): metric against achieved throughput (load)
 * or connections (slow), per model, with the usable points on the model's line and the
 * others apart, labelled why; the targets on metric as reference lines. */
void load_lines(struct plot *p, const struct results *r, json_t *sc, const char **models, size_t nm,
                const char *metric, bool by_connections);

/* Capacity within each target: a group per target, a bar per model with its interval,
 * and marks with words for the models below or above the grid, or not measured. */
void capacity_bars(struct plot *p, const struct results *r, json_t *sc, const char **models,
                   size_t nm);

/* ---- the lecture's claims (claims.c, claims_parts.c, claims_report.c) ---- */

/* A claim's verdict: one of these four (docs/analysis.md, "The lecture's claims"). */
#define CLAIM_HOLDS        "holds"
#define CLAIM_CONDITION    "holds with a condition"
#define CLAIM_NOT_HERE     "does not hold here"
#define CLAIM_NOT_MEASURED "not measured"

#define ANALYSIS_SCHEMA "echobench.analysis/1"

/* The lecture's claims judged from r's bench.json alone: an array of {id, claim,
 * scenarios, points, figures, measured, verdict, condition or why, link}, link to the
 * plot of made that shows it (rendered) or to its section of report.md ("#anchor"), or
 * null. A new reference; NULL when out of memory. */
json_t *claims_judge(const struct results *r, const struct made_plot *made, size_t nmade);

/* Writes path (DIR/analysis.json): schema ANALYSIS_SCHEMA, the claims, where_it_breaks
 * (breaking_json). Written whole or
 * not at all (json_write_atomic). Returns 0 or -1 with errno. */
int write_analysis_json(const struct results *r, const struct made_plot *made, size_t nmade,
                        const char *path);

/* The report's section "## The lecture's claims": a table of the claims, their verdicts,
 * their figures in words and links to what shows them. */
void write_claims(FILE *f, const struct results *r, const struct made_plot *made, size_t nmade);

/* The anchor GitHub gives a Markdown heading's text: "#" and the text in lower case, its
 * spaces as hyphens, what is not a letter, digit, hyphen or underscore dropped. */
void heading_anchor(const char *heading, char *buf, size_t len);

/* Files written whole or not at all: out_open opens PATH.tmp (its name kept in out);
 * out_close closes it and renames it over PATH, or removes it on failure. Both return
 * NULL or -1 with errno. */
struct out_file {
    FILE *f;
    char tmp[PATH_MAX + 16], path[PATH_MAX];
};
FILE *out_open(struct out_file *out, const char *path);
int out_close(struct out_file *out);

/* Formats a number for people: 12345.6 -> "12,346"; 0.000123 -> "0.000123". */
void human(double v, char *buf, size_t len);

#endif
