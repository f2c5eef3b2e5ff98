/* Plots as tidy TSV data and gnuplot scripts, rendered to PNG and SVG. */
#include "analysis.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define WIDTH  960
#define HEIGHT 600

void plot_init(struct plot *p, const char *machine_name, const char *name, const char *title,
               const char *xlabel, const char *ylabel)
{
    memset(p, 0, sizeof(*p));
    p->name = name;
    /* gnuplot's enhanced text: the machine on a smaller second line, its characters
     * that enhanced text would read as markup escaped (a CPU named "... @ 2.40GHz"). */
    char machine[256];
    size_t at = 0;
    for (const char *c = machine_name; *c && at + 3 < sizeof(machine); c++) {
        if (strchr("^_@&~{}\\", *c))
            machine[at++] = '\\';
        machine[at++] = *c;
    }
    machine[at] = '\0';
    snprintf(p->title, sizeof(p->title), "%.100s\\n{/*0.8 %.140s}", title, machine);
    p->xlabel = xlabel;
    p->ylabel = ylabel;
}

struct series *plot_series(struct plot *p, const char *name, const char *color, int dash)
{
    if (p->ns == PLOT_MAX_SERIES)
        return &p->s[PLOT_MAX_SERIES - 1];
    struct series *s = &p->s[p->ns++];
    snprintf(s->name, sizeof(s->name), "%s", name);
    s->color = color;
    s->dash = dash;
    return s;
}

struct series *plot_floor_series(struct plot *p)
{
    return plot_series(p, FLOOR_TITLE, FLOOR_COLOR, 2);
}

void series_add(struct series *s, double x, double y, double lo, double hi)
{
    if (s->n == PLOT_MAX_POINTS || isnan(y))
        return;
    s->x[s->n] = x;
    s->y[s->n] = y;
    s->lo[s->n] = lo;
    s->hi[s->n] = hi;
    s->note[s->n][0] = '\0';
    s->n++;
}

void series_add_noted(struct series *s, double x, double y, const char *note)
{
    int at = s->n;
    series_add(s, x, y, NAN, NAN);
    if (s->n > at)
        snprintf(s->note[at], sizeof(s->note[at]), "%s", note);
}

static bool has_data(const struct plot *p)
{
    for (int i = 0; i < p->ns; i++)
        if (p->s[i].n > 0)
            return true;
    return false;
}

/* The smallest and largest x of the data. */
static bool x_extent(const struct plot *p, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    for (int i = 0; i < p->ns; i++)
        for (int k = 0; k < p->s[i].n; k++) {
            if (p->s[i].x[k] < *lo)
                *lo = p->s[i].x[k];
            if (p->s[i].x[k] > *hi)
                *hi = p->s[i].x[k];
        }
    return *lo <= *hi && *lo > 0;
}

static bool has_notes(const struct series *s)
{
    for (int i = 0; i < s->n; i++)
        if (s->note[i][0])
            return true;
    return false;
}

static bool has_interval(const struct series *s)
{
    for (int i = 0; i < s->n; i++)
        if (!isnan(s->lo[i]))
            return true;
    return false;
}

/* A gnuplot string in single quotes, where backslashes stay as they are (in double
 * quotes gnuplot reads escapes); a quote inside is doubled. */
static void gp_string(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputc('\'', f);
        fputc(*s, f);
    }
    fputc('\'', f);
}

/* The bottom of a log y axis where an interval reaches zero or below, NaN where none
 * does (or the axis is linear). gnuplot drops a whole error bar whose lower end is <= 0
 * on a log axis (echo-thread's [0, 7470] was a lone tick), so such an end is drawn at
 * the axis' bottom, half the least positive figure of the plot: the bar runs off the
 * bottom, as an interval that reaches zero does. */
static double log_floor(const struct plot *p)
{
    double least = INFINITY;
    bool reaches_zero = false;
    for (int i = 0; p->logy && i < p->ns; i++)
        for (int k = 0; k < p->s[i].n; k++) {
            const double v[] = {p->s[i].y[k], p->s[i].lo[k], p->s[i].hi[k]};
            for (size_t q = 0; q < 3; q++)
                if (v[q] > 0 && v[q] < least)
                    least = v[q];
            reaches_zero |= p->s[i].lo[k] <= 0;
        }
    if (p->yref > 0 && p->yref < least) /* a reference line (a latency target) stays in view */
        least = p->yref;
    return reaches_zero && isfinite(least) ? least / 2 : NAN;
}

/* The TSV: a block per series that has data (gnuplot's index), with a header naming
 * the columns. An empty series writes no block: gnuplot reads a run of blank lines as
 * one separator, so an empty block would shift every index after it. */
static int write_tsv(const struct plot *p, const char *path)
{
    double floor_y = log_floor(p);
    struct out_file out;
    FILE *f = out_open(&out, path);
    if (!f)
        return -1;
    fprintf(f, "# %s\n# series\tx\ty\tlo\thi\n", p->name);
    for (int i = 0; i < p->ns; i++) {
        const struct series *s = &p->s[i];
        if (s->n == 0)
            continue;
        for (int k = 0; k < s->n; k++) {
            fprintf(f, "%s\t%.9g\t%.9g\t", s->name, s->x[k], s->y[k]);
            if (isnan(s->lo[k]))
                fprintf(f, "NaN\tNaN");
            else
                fprintf(f, "%.9g\t%.9g", s->lo[k] <= 0 && !isnan(floor_y) ? floor_y : s->lo[k],
                        s->hi[k]);
            /* A sixth column, the label beside the point, in a series of marks only. */
            if (s->points_only)
                fprintf(f, "\t%s", s->note[k][0] ? s->note[k] : "-");
            fprintf(f, "\n");
        }
        fprintf(f, "\n\n");
    }
    return out_close(&out);
}

static void series_title(FILE *f, const struct plot *p, const struct series *s)
{
    if (p->series_untitled || s->untitled) {
        fprintf(f, "notitle");
        return;
    }
    fprintf(f, "title ");
    gp_string(f, s->name);
}

/* The vertical offset, in character heights, of the k-th series of marks' labels:
 * 1.1 above, 1.3 below, 2.2 above, 2.4 below, ... */
static double label_offset(int k)
{
    double line = 1.1 * (k / 2 + 1);
    return k % 2 ? -(line + 0.2) : line;
}

/* The plot command: one clause per series that has data, then the marks. */
static void write_plot_command(FILE *f, const struct plot *p)
{
    int block = 0, marks = 0;
    bool first = true;
    for (int i = 0; i < p->ns; i++) {
        const struct series *s = &p->s[i];
        if (s->n == 0)
            continue;
        fprintf(f, "%s \\\n     'data/%s.tsv' index %d ", first ? "plot" : ",", p->name, block);
        if (s->points_only) {
            /* Open marks with their labels: points that are not comparable (a starved
             * connection), drawn apart from the model's line. Two models' marks often
             * meet (1,020 and 1,023 starved at 1k): each model's labels get a line of
             * their own, above the marks for the first, third, fifth such model (one line
             * further each time), below for the others, so none prints over another. The
             * labels are data, not markup: noenhanced (RLIMIT_NOFILE's underscore). */
            fprintf(f, "using 2:3 with points pt %d ps 1.6 lw 2 lc rgb '%s' ",
                    s->point_type ? s->point_type : 6, s->color);
            series_title(f, p, s);
            if (has_notes(s)) /* marks whose key entry says it all have no labels */
                fprintf(f,
                        ", 'data/%s.tsv' index %d using 2:3:6 with labels offset 0,%.1f font "
                        "',9' tc rgb '%s' noenhanced notitle",
                        p->name, block, label_offset(marks++), s->color);
        } else if (p->style == STYLE_BARS) {
            fprintf(f, "using 2:3 with boxes fs solid 0.85 noborder lc rgb '%s' ", s->color);
            series_title(f, p, s);
            if (has_interval(s))
                fprintf(f,
                        ", 'data/%s.tsv' index %d using 2:3:4:5 with yerrorbars lc rgb "
                        "'#333333' pt 0 lw 1 notitle",
                        p->name, block);
        } else if (has_interval(s)) {
            fprintf(f, "using 2:3:4:5 with yerrorlines lw 2 dt %d pt 7 ps 0.8 lc rgb '%s' ",
                    s->dash, s->color);
            series_title(f, p, s);
        } else {
            fprintf(f, "using 2:3 with linespoints lw 2 dt %d pt 7 ps 0.8 lc rgb '%s' ", s->dash,
                    s->color);
            series_title(f, p, s);
        }
        first = false;
        block++;
    }
    if (p->marks[0])
        fprintf(f, ", \\\n     %s", p->marks);
    fprintf(f, "\n");
}

int plot_write(const struct plot *p, const char *dir)
{
    char path[PATH_MAX + 128];

    if (!has_data(p))
        return 1;
    snprintf(path, sizeof(path), "%s/data", dir);
    if (mkdir(path, 0755) < 0 && errno != EEXIST)
        return -1;
    snprintf(path, sizeof(path), "%s/data/%s.tsv", dir, p->name);
    if (write_tsv(p, path) < 0)
        return -1;
    snprintf(path, sizeof(path), "%s/%s.gp", dir, p->name);
    struct out_file out;
    FILE *f = out_open(&out, path);
    if (!f)
        return -1;
    fprintf(f,
            "# %s: written by build/bin/plots from bench.json; data in data/%s.tsv\n"
            "# Run from this folder: gnuplot %s.gp (writes %s.png and %s.svg)\n"
            "if (!exists('stem')) stem = '%s'\n",
            p->name, p->name, p->name, p->name, p->name, p->name);
    fprintf(f, "set datafile separator '\\t'\nset datafile missing 'NaN'\n");
    /* The title in double quotes, for its newline; the labels as they are. */
    fprintf(f, "set title \"");
    for (const char *c = p->title; *c; c++)
        fputc(*c == '"' ? '\'' : *c, f);
    fprintf(f, "\" enhanced\nset xlabel ");
    gp_string(f, p->xlabel);
    fprintf(f, " noenhanced\nset ylabel ");
    gp_string(f, p->ylabel);
    fprintf(f, " noenhanced\nset grid lc rgb '#dddddd'\nset border lc rgb '#555555'\n"
               "set key outside right top vertical Left reverse noenhanced box lc rgb '#cccccc'\n"
               "set format y '%%.0s%%c'\nset mytics\nset tics nomirror\n"
               "set xtics noenhanced\n");
    if (p->logx) {
        fprintf(f, "set logscale x\nset format x '%%.0s%%c'\n");
        double lo, hi;
        if (p->xmin == 0 && p->xmax == 0 && x_extent(p, &lo, &hi))
            fprintf(f, "set xrange [%g:%g]\n", lo / 1.5, hi * 1.5); /* the data, a little more */
    }
    if (p->logy) {
        fprintf(f, "set logscale y\n");
        if (!isnan(log_floor(p))) /* the bottom the intervals that reach zero run to */
            fprintf(f, "set yrange [%.9g:*]\n", log_floor(p));
    } else
        fprintf(f, "set yrange [0:*]\n");
    if (p->xtics[0])
        fprintf(f, "set xtics %s\n", p->xtics);
    if (p->xmin != 0 || p->xmax != 0)
        fprintf(f, "set xrange [%g:%g]\n", p->xmin, p->xmax);
    if (p->style == STYLE_BARS)
        fprintf(f, "set boxwidth 0.8 relative\nset style fill solid\n");
    if (p->extra[0])
        fprintf(f, "%s\n", p->extra);
    fprintf(f,
            "set terminal pngcairo size %d,%d enhanced font 'DejaVu Sans,11' linewidth 1\n"
            "set output stem.'.png'\n",
            WIDTH, HEIGHT);
    write_plot_command(f, p);
    fprintf(f,
            "set terminal svg size %d,%d enhanced font 'DejaVu Sans,11' dynamic background "
            "'#ffffff'\nset output stem.'.svg'\nreplot\nunset output\n",
            WIDTH, HEIGHT);
    return out_close(&out);
}

int plot_render(const char *dir, const char *name)
{
    char script[PATH_MAX + 64];
    snprintf(script, sizeof(script), "%s.gp", name);

    int err[2];
    if (pipe(err) < 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        close(err[0]);
        if (chdir(dir) < 0)
            _exit(126);
        dup2(err[1], STDERR_FILENO);
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, STDOUT_FILENO);
        /* Into NAME.part.png and .svg, renamed once gnuplot is done. */
        char stem[PATH_MAX + 32];
        snprintf(stem, sizeof(stem), "stem='%s.part'", name);
        execlp("gnuplot", "gnuplot", "-e", stem, script, (char *)NULL);
        _exit(errno == ENOENT ? 127 : 126);
    }
    close(err[1]);
    char buf[4096];
    size_t n = 0;
    ssize_t got;
    while (n < sizeof(buf) - 1 && (got = read(err[0], buf + n, sizeof(buf) - 1 - n)) > 0)
        n += (size_t)got;
    buf[n] = '\0';
    close(err[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
        errno = ENOENT;
        return -1;
    }
    /* gnuplot wrote NAME.part.png and .svg: a picture is there whole, or not at all. */
    bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    static const char *const kinds[] = {"png", "svg"};
    for (size_t i = 0; i < 2; i++) {
        char tmp[PATH_MAX + 80], final[PATH_MAX + 80];
        snprintf(final, sizeof(final), "%s/%s.%s", dir, name, kinds[i]);
        snprintf(tmp, sizeof(tmp), "%s/%s.part.%s", dir, name, kinds[i]);
        if (!ok || rename(tmp, final) < 0) {
            if (ok)
                snprintf(buf, sizeof(buf), "no %s.part.%s: %s\n", name, kinds[i], strerror(errno));
            ok = false;
            unlink(tmp);
        }
    }
    if (!ok) {
        fprintf(stderr, "plots: gnuplot failed on %s/%s.gp:\n%s", dir, name, buf);
        errno = EIO;
        return -1;
    }
    return 0;
}
