# capacity_p99: written by build/bin/plots from bench.json; data in data/capacity_p99.tsv
# Run from this folder: gnuplot capacity_p99.gp (writes capacity_p99.png and capacity_p99.svg)
if (!exists('stem')) stem = 'capacity_p99'
set datafile separator '\t'
set datafile missing 'NaN'
set title "p99 of 16 active clients against connections\n{/*0.8 vm, AMD EPYC, 2 CPUs}" enhanced
set xlabel 'connections (idle and 16 active)' noenhanced
set ylabel 'p99 latency of the active clients' noenhanced
set grid lc rgb '#dddddd'
set border lc rgb '#555555'
set key outside right top vertical Left reverse noenhanced box lc rgb '#cccccc'
set format y '%.0s%c'
set mytics
set tics nomirror
set xtics noenhanced
set logscale x
set format x '%.0s%c'
set xrange [677.333:30024]
set logscale y
set xtics ("1,000" 1000, "2,000" 2000, "5,000" 5000, "10,000" 10000, "20,000" 20000)
set ytics ("1 ms" 1000, "10 ms" 10000, "100 ms" 100000, "1 s" 1000000)
set yrange [182.933333:1802228.55]
set key below vertical maxrows 5 width -4 nobox title "\n○ the last step held, × the step it failed"
set terminal pngcairo size 960,600 enhanced font 'DejaVu Sans,11' linewidth 1
set output stem.'.png'
plot \
     'data/capacity_p99.tsv' index 0 using 2:3 with points pt 2 ps 1.6 lw 2 lc rgb '#7f7f7f' title 'iterative: latency at 1,000', \
     'data/capacity_p99.tsv' index 1 using 2:3 with linespoints lw 2 dt 1 pt 7 ps 0.8 lc rgb '#d62728' title 'process: holds 10,016; listen queue at 20,000', \
     'data/capacity_p99.tsv' index 2 using 2:3 with points pt 6 ps 1.6 lw 2 lc rgb '#d62728' notitle, \
     'data/capacity_p99.tsv' index 3 using 2:3 with points pt 2 ps 1.6 lw 2 lc rgb '#d62728' notitle, \
     'data/capacity_p99.tsv' index 4 using 2:3 with linespoints lw 2 dt 1 pt 7 ps 0.8 lc rgb '#ff7f0e' title 'select: holds 1,016; FD_SETSIZE at 2,000', \
     'data/capacity_p99.tsv' index 5 using 2:3 with points pt 6 ps 1.6 lw 2 lc rgb '#ff7f0e' notitle, \
     'data/capacity_p99.tsv' index 6 using 2:3 with linespoints lw 2 dt 1 pt 7 ps 0.8 lc rgb '#1f77b4' title 'epoll: holds 10,016; RLIMIT_NOFILE at 20,000', \
     'data/capacity_p99.tsv' index 7 using 2:3 with points pt 6 ps 1.6 lw 2 lc rgb '#1f77b4' notitle, \
     'data/capacity_p99.tsv' index 8 using 2:3 with linespoints lw 2 dt 1 pt 7 ps 0.8 lc rgb '#2ca02c' title 'thread: holds 10,016; RLIMIT_NOFILE at 20,000', \
     'data/capacity_p99.tsv' index 9 using 2:3 with points pt 6 ps 1.6 lw 2 lc rgb '#2ca02c' notitle, \
     'data/capacity_p99.tsv' index 10 using 2:3 with points pt 2 ps 1.6 lw 2 lc rgb '#9467bd' title 'threadpool: latency at 1,000', \
     'data/capacity_p99.tsv' index 11 using 2:3 with linespoints lw 2 dt 1 pt 7 ps 0.8 lc rgb '#8c564b' title 'prefork: holds 10,016; RLIMIT_NOFILE at 20,000', \
     'data/capacity_p99.tsv' index 12 using 2:3 with points pt 6 ps 1.6 lw 2 lc rgb '#8c564b' notitle, \
     'data/capacity_p99.tsv' index 13 using 2:3 with linespoints lw 2 dt 1 pt 7 ps 0.8 lc rgb '#17becf' title 'reuseport: holds 10,016; RLIMIT_NOFILE at 20,000', \
     'data/capacity_p99.tsv' index 14 using 2:3 with points pt 6 ps 1.6 lw 2 lc rgb '#17becf' notitle, \
     'data/capacity_p99.tsv' index 15 using 2:3 with linespoints lw 2 dt 1 pt 7 ps 0.8 lc rgb '#e377c2' title 'uring: holds 10,016; RLIMIT_NOFILE at 20,000', \
     'data/capacity_p99.tsv' index 16 using 2:3 with points pt 6 ps 1.6 lw 2 lc rgb '#e377c2' notitle, \
     100000 with lines dt 2 lw 2 lc rgb '#000000' title 'target: p99 100 ms'
set terminal svg size 960,600 enhanced font 'DejaVu Sans,11' dynamic background '#ffffff'
set output stem.'.svg'
replot
unset output
