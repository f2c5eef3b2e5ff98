# slow_p99: written by build/bin/plots from bench.json; data in data/slow_p99.tsv
# Run from this folder: gnuplot slow_p99.gp (writes slow_p99.png and slow_p99.svg)
if (!exists('stem')) stem = 'slow_p99'
set datafile separator '\t'
set datafile missing 'NaN'
set title "p99 latency against connections at 28,273 requests/s\n{/*0.8 vm, AMD EPYC, 2 CPUs}" enhanced
set xlabel 'connections (one offered load spread over them)' noenhanced
set ylabel 'p99 latency (µs, from the intended send)' noenhanced
set grid lc rgb '#dddddd'
set border lc rgb '#555555'
set key outside right top vertical Left reverse noenhanced box lc rgb '#cccccc'
set format y '%.0s%c'
set mytics
set tics nomirror
set xtics noenhanced
set logscale x
set format x '%.0s%c'
set xrange [10.6667:15000]
set logscale y
set terminal pngcairo size 960,600 enhanced font 'DejaVu Sans,11' linewidth 1
set output stem.'.png'
plot \
     'data/slow_p99.tsv' index 0 using 2:3:4:5 with yerrorlines lw 2 dt 1 pt 7 ps 0.8 lc rgb '#d62728' title 'process', \
     'data/slow_p99.tsv' index 1 using 2:3 with points pt 6 ps 1.6 lw 2 lc rgb '#d62728' title 'process: not usable', 'data/slow_p99.tsv' index 1 using 2:3:6 with labels offset 0,1.1 font ',9' tc rgb '#d62728' noenhanced notitle, \
     'data/slow_p99.tsv' index 2 using 2:3:4:5 with yerrorlines lw 2 dt 1 pt 7 ps 0.8 lc rgb '#ff7f0e' title 'select', \
     'data/slow_p99.tsv' index 3 using 2:3 with points pt 6 ps 1.6 lw 2 lc rgb '#ff7f0e' title 'select: not usable', 'data/slow_p99.tsv' index 3 using 2:3:6 with labels offset 0,-1.3 font ',9' tc rgb '#ff7f0e' noenhanced notitle, \
     'data/slow_p99.tsv' index 4 using 2:3:4:5 with yerrorlines lw 2 dt 1 pt 7 ps 0.8 lc rgb '#1f77b4' title 'epoll', \
     'data/slow_p99.tsv' index 5 using 2:3 with points pt 6 ps 1.6 lw 2 lc rgb '#1f77b4' title 'epoll: not usable', 'data/slow_p99.tsv' index 5 using 2:3:6 with labels offset 0,2.2 font ',9' tc rgb '#1f77b4' noenhanced notitle, \
     'data/slow_p99.tsv' index 6 using 2:3:4:5 with yerrorlines lw 2 dt 1 pt 7 ps 0.8 lc rgb '#2ca02c' title 'thread', \
     'data/slow_p99.tsv' index 7 using 2:3 with points pt 6 ps 1.6 lw 2 lc rgb '#2ca02c' title 'thread: not usable', 'data/slow_p99.tsv' index 7 using 2:3:6 with labels offset 0,-2.4 font ',9' tc rgb '#2ca02c' noenhanced notitle, \
     'data/slow_p99.tsv' index 8 using 2:3:4:5 with yerrorlines lw 2 dt 1 pt 7 ps 0.8 lc rgb '#8c564b' title 'prefork', \
     'data/slow_p99.tsv' index 9 using 2:3 with points pt 6 ps 1.6 lw 2 lc rgb '#8c564b' title 'prefork: not usable', 'data/slow_p99.tsv' index 9 using 2:3:6 with labels offset 0,3.3 font ',9' tc rgb '#8c564b' noenhanced notitle, \
     'data/slow_p99.tsv' index 10 using 2:3:4:5 with yerrorlines lw 2 dt 1 pt 7 ps 0.8 lc rgb '#17becf' title 'reuseport', \
     'data/slow_p99.tsv' index 11 using 2:3 with points pt 6 ps 1.6 lw 2 lc rgb '#17becf' title 'reuseport: not usable', 'data/slow_p99.tsv' index 11 using 2:3:6 with labels offset 0,-3.5 font ',9' tc rgb '#17becf' noenhanced notitle, \
     'data/slow_p99.tsv' index 12 using 2:3:4:5 with yerrorlines lw 2 dt 1 pt 7 ps 0.8 lc rgb '#e377c2' title 'uring', \
     'data/slow_p99.tsv' index 13 using 2:3 with points pt 6 ps 1.6 lw 2 lc rgb '#e377c2' title 'uring: not usable', 'data/slow_p99.tsv' index 13 using 2:3:6 with labels offset 0,4.4 font ',9' tc rgb '#e377c2' noenhanced notitle, \
     1000 with lines dt 2 lw 2 lc rgb '#000000' title 'p99 target 1 ms'
set terminal svg size 960,600 enhanced font 'DejaVu Sans,11' dynamic background '#ffffff'
set output stem.'.svg'
replot
unset output
