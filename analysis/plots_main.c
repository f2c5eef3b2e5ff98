/* plots: turns a results folder into plots and a report.
 *
 *     plots [--slo pP=BOUND]... [RESULTS]        (default results/latest)
 *
 * Reads RESULTS/bench.json, writes the tidy data (RESULTS/plots/data/NAME.tsv), the
 * gnuplot scripts (RESULTS/plots/NAME.gp), the plots (NAME.png and NAME.svg),
 * RESULTS/report.md and RESULTS/analysis.json (the lecture's claims, judged). Without
 * gnuplot it says which package provides it and still writes the data, the scripts, the
 * report and analysis.json. --slo replaces the latency targets
 * bench.json's settings name (or the default, p99=1ms) for the capacity figures. */
#include "analysis.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_PLOTS 64

static void usage(FILE *out)
{
    fprintf(out,
            "usage: plots [--slo pP=BOUND]... [RESULTS]\n"
            "\n"
            "Turns a results folder (default results/latest) into plots and a report:\n"
            "RESULTS/plots/*.png and *.svg, their data (plots/data/*.tsv) and gnuplot\n"
            "scripts (plots/*.gp), RESULTS/report.md, and RESULTS/analysis.json (the\n"
            "lecture's claims, each with its verdict).\n"
            "\n"
            "  --slo pP=BOUND  a latency target for the capacity figures of the load\n"
            "                  scenario, such as p99=1ms or p99.9=5ms (p50, p90, p99 or\n"
            "                  p99.9; us, ms or s); repeatable, at most %d; replaces the\n"
            "                  targets bench.json names (default p99=1ms)\n",
            SLO_MAX);
}

int main(int argc, char **argv)
{
    struct results r;
    struct made_plot made[MAX_PLOTS];
    char err[1024], dir[PATH_MAX + 16], report[PATH_MAX + 16];
    bool gnuplot_missing;

    struct slo slo[SLO_MAX];
    int nslo = 0;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(argv[i], "--slo") == 0 || strncmp(argv[i], "--slo=", 6) == 0) {
            const char *v = argv[i][5] == '=' ? argv[i] + 6 : i + 1 < argc ? argv[++i] : NULL;
            if (!v) {
                fprintf(stderr, "plots: --slo needs a target, such as p99=1ms\n");
                return 2;
            }
            if (nslo == SLO_MAX) {
                fprintf(stderr, "plots: --slo is given at most %d times\n", SLO_MAX);
                return 2;
            }
            if (slo_parse(v, &slo[nslo], err, sizeof(err)) < 0) {
                fprintf(stderr, "plots: --slo: %s\n", err);
                return 2;
            }
            nslo++;
            continue;
        }
        if (argv[i][0] == '-' || path) {
            fprintf(stderr, "plots: unexpected argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
        path = argv[i];
    }
    if (!path)
        path = "results/latest";
    if (results_load(&r, path, err, sizeof(err)) < 0) {
        fprintf(stderr, "plots: %s\n", err);
        return 1;
    }
    if (nslo > 0) {
        memcpy(r.slo, slo, sizeof(slo));
        r.nslo = nslo;
    }
    snprintf(dir, sizeof(dir), "%s/plots", r.dir);
    if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
        fprintf(stderr, "plots: cannot make %s: %s\n", dir, strerror(errno));
        results_free(&r);
        return 1;
    }
    int n = make_plots(&r, dir, made, MAX_PLOTS, &gnuplot_missing);
    if (n < 0) {
        results_free(&r);
        return 1;
    }
    snprintf(report, sizeof(report), "%s/report.md", r.dir);
    if (write_report(&r, made, (size_t)n, report) < 0) {
        fprintf(stderr, "plots: cannot write %s: %s\n", report, strerror(errno));
        results_free(&r);
        return 1;
    }
    snprintf(report, sizeof(report), "%s/analysis.json", r.dir);
    if (write_analysis_json(&r, made, (size_t)n, report) < 0) {
        fprintf(stderr, "plots: cannot write %s: %s\n", report, strerror(errno));
        results_free(&r);
        return 1;
    }
    snprintf(report, sizeof(report), "%s/report.md", r.dir);
    int rendered = 0;
    for (int i = 0; i < n; i++)
        rendered += made[i].rendered;
    if (gnuplot_missing)
        fprintf(stderr,
                "plots: gnuplot is not installed: install Debian's gnuplot-nox (apt-get install "
                "gnuplot-nox, or make deps), then run this again. The data and the scripts are in "
                "%s.\n",
                dir);
    printf("plots: %d plots (%d rendered) in %s; report in %s\n", n, rendered, dir, report);
    results_free(&r);
    return gnuplot_missing || rendered < n ? 1 : 0;
}
