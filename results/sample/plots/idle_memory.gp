# idle_memory: written by build/bin/plots from bench.json; data in data/idle_memory.tsv
# Run from this folder: gnuplot idle_memory.gp (writes idle_memory.png and idle_memory.svg)
if (!exists('stem')) stem = 'idle_memory'
set datafile separator '\t'
set datafile missing 'NaN'
set title "Server memory per added connection\n{/*0.8 vm, AMD EPYC, 2 CPUs}" enhanced
set xlabel 'idle clients' noenhanced
set ylabel 'bytes per connection: added (solid), average (dashed)' noenhanced
set grid lc rgb '#dddddd'
set border lc rgb '#555555'
set key outside right top vertical Left reverse noenhanced box lc rgb '#cccccc'
set format y '%.0s%c'
set mytics
set tics nomirror
set xtics noenhanced
set logscale y
set xtics ('0' 0, '1' 1, '1000' 2, '10000' 3)
set xrange [-0.5:3.5]
set terminal pngcairo size 960,600 enhanced font 'DejaVu Sans,11' linewidth 1
set output stem.'.png'
plot \
     'data/idle_memory.tsv' index 0 using 2:3 with linespoints lw 2 dt 1 pt 7 ps 0.8 lc rgb '#d62728' title 'process', \
     'data/idle_memory.tsv' index 1 using 2:3 with linespoints lw 2 dt 1 pt 7 ps 0.8 lc rgb '#ff7f0e' title 'select', \
     'data/idle_memory.tsv' index 2 using 2:3 with linespoints lw 2 dt 1 pt 7 ps 0.8 lc rgb '#1f77b4' title 'epoll', \
     'data/idle_memory.tsv' index 3 using 2:3 with linespoints lw 2 dt 1 pt 7 ps 0.8 lc rgb '#2ca02c' title 'thread', \
     'data/idle_memory.tsv' index 4 using 2:3 with linespoints lw 2 dt 1 pt 7 ps 0.8 lc rgb '#8c564b' title 'prefork', \
     'data/idle_memory.tsv' index 5 using 2:3 with linespoints lw 2 dt 1 pt 7 ps 0.8 lc rgb '#17becf' title 'reuseport', \
     'data/idle_memory.tsv' index 6 using 2:3 with linespoints lw 2 dt 1 pt 7 ps 0.8 lc rgb '#e377c2' title 'uring', \
     'data/idle_memory.tsv' index 7 using 2:3 with points pt 6 ps 1.6 lw 2 lc rgb '#7f7f7f' title 'iterative average: not comparable', 'data/idle_memory.tsv' index 7 using 2:3:6 with labels offset 0,1.1 font ',9' tc rgb '#7f7f7f' noenhanced notitle, \
     'data/idle_memory.tsv' index 8 using 2:3:4:5 with yerrorlines lw 2 dt 2 pt 7 ps 0.8 lc rgb '#d62728' title 'process average', \
     'data/idle_memory.tsv' index 9 using 2:3 with points pt 6 ps 1.6 lw 2 lc rgb '#d62728' title 'process average: not comparable', 'data/idle_memory.tsv' index 9 using 2:3:6 with labels offset 0,-1.3 font ',9' tc rgb '#d62728' noenhanced notitle, \
     'data/idle_memory.tsv' index 10 using 2:3:4:5 with yerrorlines lw 2 dt 2 pt 7 ps 0.8 lc rgb '#ff7f0e' title 'select average', \
     'data/idle_memory.tsv' index 11 using 2:3 with points pt 6 ps 1.6 lw 2 lc rgb '#ff7f0e' title 'select average: not comparable', 'data/idle_memory.tsv' index 11 using 2:3:6 with labels offset 0,2.2 font ',9' tc rgb '#ff7f0e' noenhanced notitle, \
     'data/idle_memory.tsv' index 12 using 2:3:4:5 with yerrorlines lw 2 dt 2 pt 7 ps 0.8 lc rgb '#1f77b4' title 'epoll average', \
     'data/idle_memory.tsv' index 13 using 2:3:4:5 with yerrorlines lw 2 dt 2 pt 7 ps 0.8 lc rgb '#2ca02c' title 'thread average', \
     'data/idle_memory.tsv' index 14 using 2:3 with points pt 6 ps 1.6 lw 2 lc rgb '#9467bd' title 'threadpool average: not comparable', 'data/idle_memory.tsv' index 14 using 2:3:6 with labels offset 0,-2.4 font ',9' tc rgb '#9467bd' noenhanced notitle, \
     'data/idle_memory.tsv' index 15 using 2:3:4:5 with yerrorlines lw 2 dt 2 pt 7 ps 0.8 lc rgb '#8c564b' title 'prefork average', \
     'data/idle_memory.tsv' index 16 using 2:3:4:5 with yerrorlines lw 2 dt 2 pt 7 ps 0.8 lc rgb '#17becf' title 'reuseport average', \
     'data/idle_memory.tsv' index 17 using 2:3:4:5 with yerrorlines lw 2 dt 2 pt 7 ps 0.8 lc rgb '#e377c2' title 'uring average'
set terminal svg size 960,600 enhanced font 'DejaVu Sans,11' dynamic background '#ffffff'
set output stem.'.svg'
replot
unset output
