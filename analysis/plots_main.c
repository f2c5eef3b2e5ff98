/* plots: turns a results folder into plots and a report.
 *
 *     plots [RESULTS]        (default results/latest)
 *
 * Reads RESULTS/bench.json, writes the tidy data (RESULTS/plots/data/NAME.tsv), the
 * gnuplot scripts (RESULTS/plots/NAME.gp), the plots (NAME.png and NAME.svg) and
 * RESULTS/report.md. Without gnuplot it says which package provides it and still
 * writes the data, the scripts and the report. */
#include "analysis.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_PLOTS 64

static void usage(FILE *out)
{
    fprintf(out, "usage: plots [RESULTS]\n"
                 "\n"
                 "Turns a results folder (default results/latest) into plots and a report:\n"
                 "RESULTS/plots/*.png and *.svg, their data (plots/data/*.tsv) and gnuplot\n"
                 "scripts (plots/*.gp), and RESULTS/report.md.\n");
}

int main(int argc, char **argv)
{
    struct results r;
    struct made_plot made[MAX_PLOTS];
    char err[1024], dir[PATH_MAX + 16], report[PATH_MAX + 16];
    bool gnuplot_missing;

    if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
        bool help = argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0);
        if (!help)
            fprintf(stderr, "plots: unexpected arguments\n");
        usage(help ? stdout : stderr);
        return help ? 0 : 2;
    }
    const char *path = argc == 2 ? argv[1] : "results/latest";
    if (results_load(&r, path, err, sizeof(err)) < 0) {
        fprintf(stderr, "plots: %s\n", err);
        return 1;
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
