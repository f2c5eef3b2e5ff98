# idle_timeline: written by build/bin/plots from bench.json; data in data/idle_timeline.tsv
# Run from this folder: gnuplot idle_timeline.gp (writes idle_timeline.png and idle_timeline.svg)
if (!exists('stem')) stem = 'idle_timeline'
set datafile separator '\t'
set datafile missing 'NaN'
set title "One idle client: throughput over the window\n{/*0.8 vm, AMD EPYC, 2 CPUs}" enhanced
set xlabel 'time in the window (s)' noenhanced
set ylabel 'requests per second' noenhanced
set grid lc rgb '#dddddd'
set border lc rgb '#555555'
set key outside right top vertical Left reverse noenhanced box lc rgb '#cccccc'
set format y '%.0s%c'
set mytics
set tics nomirror
set xtics noenhanced
set yrange [0:*]
set xrange [0:*]
set terminal pngcairo size 960,600 enhanced font 'DejaVu Sans,11' linewidth 1
set output stem.'.png'
plot \
     'data/idle_timeline.tsv' index 0 using 2:3 with linespoints lw 2 dt 1 pt 7 ps 0.8 lc rgb '#7f7f7f' title 'iterative (16 starved)', \
     'data/idle_timeline.tsv' index 1 using 2:3 with linespoints lw 2 dt 1 pt 7 ps 0.8 lc rgb '#d62728' title 'process', \
     'data/idle_timeline.tsv' index 2 using 2:3 with linespoints lw 2 dt 1 pt 7 ps 0.8 lc rgb '#ff7f0e' title 'select', \
     'data/idle_timeline.tsv' index 3 using 2:3 with linespoints lw 2 dt 1 pt 7 ps 0.8 lc rgb '#1f77b4' title 'epoll', \
     'data/idle_timeline.tsv' index 4 using 2:3 with linespoints lw 2 dt 1 pt 7 ps 0.8 lc rgb '#2ca02c' title 'thread', \
     'data/idle_timeline.tsv' index 5 using 2:3 with linespoints lw 2 dt 1 pt 7 ps 0.8 lc rgb '#9467bd' title 'threadpool (13 starved)', \
     'data/idle_timeline.tsv' index 6 using 2:3 with linespoints lw 2 dt 1 pt 7 ps 0.8 lc rgb '#8c564b' title 'prefork', \
     'data/idle_timeline.tsv' index 7 using 2:3 with linespoints lw 2 dt 1 pt 7 ps 0.8 lc rgb '#17becf' title 'reuseport', \
     'data/idle_timeline.tsv' index 8 using 2:3 with linespoints lw 2 dt 1 pt 7 ps 0.8 lc rgb '#e377c2' title 'uring'
set terminal svg size 960,600 enhanced font 'DejaVu Sans,11' dynamic background '#ffffff'
set output stem.'.svg'
replot
unset output
