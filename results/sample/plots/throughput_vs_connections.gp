# throughput_vs_connections: written by build/bin/plots from bench.json; data in data/throughput_vs_connections.tsv
# Run from this folder: gnuplot throughput_vs_connections.gp (writes throughput_vs_connections.png and throughput_vs_connections.svg)
if (!exists('stem')) stem = 'throughput_vs_connections'
set datafile separator '\t'
set datafile missing 'NaN'
set title "Throughput against connections\n{/*0.8 vm, AMD EPYC, 2 CPUs}" enhanced
set xlabel 'connections (closed loop, 64-byte lines)' noenhanced
set ylabel 'requests per second' noenhanced
set grid lc rgb '#dddddd'
set border lc rgb '#555555'
set key outside right top vertical Left reverse noenhanced box lc rgb '#cccccc'
set format y '%.0s%c'
set mytics
set tics nomirror
set xtics noenhanced
set logscale x
set format x '%.0s%c'
set xrange [0.666667:384]
set yrange [0:*]
set terminal pngcairo size 960,600 enhanced font 'DejaVu Sans,11' linewidth 1
set output stem.'.png'
plot \
     'data/throughput_vs_connections.tsv' index 0 using 2:3:4:5 with yerrorlines lw 2 dt 1 pt 7 ps 0.8 lc rgb '#7f7f7f' title 'iterative', \
     'data/throughput_vs_connections.tsv' index 1 using 2:3 with points pt 6 ps 1.6 lw 2 lc rgb '#7f7f7f' title 'iterative: not comparable', 'data/throughput_vs_connections.tsv' index 1 using 2:3:6 with labels offset 0,1.1 font ',9' tc rgb '#7f7f7f' noenhanced notitle, \
     'data/throughput_vs_connections.tsv' index 2 using 2:3:4:5 with yerrorlines lw 2 dt 1 pt 7 ps 0.8 lc rgb '#d62728' title 'process', \
     'data/throughput_vs_connections.tsv' index 3 using 2:3:4:5 with yerrorlines lw 2 dt 1 pt 7 ps 0.8 lc rgb '#ff7f0e' title 'select', \
     'data/throughput_vs_connections.tsv' index 4 using 2:3:4:5 with yerrorlines lw 2 dt 1 pt 7 ps 0.8 lc rgb '#1f77b4' title 'epoll', \
     'data/throughput_vs_connections.tsv' index 5 using 2:3:4:5 with yerrorlines lw 2 dt 1 pt 7 ps 0.8 lc rgb '#2ca02c' title 'thread', \
     'data/throughput_vs_connections.tsv' index 6 using 2:3:4:5 with yerrorlines lw 2 dt 1 pt 7 ps 0.8 lc rgb '#9467bd' title 'threadpool', \
     'data/throughput_vs_connections.tsv' index 7 using 2:3 with points pt 6 ps 1.6 lw 2 lc rgb '#9467bd' title 'threadpool: not comparable', 'data/throughput_vs_connections.tsv' index 7 using 2:3:6 with labels offset 0,-1.3 font ',9' tc rgb '#9467bd' noenhanced notitle, \
     'data/throughput_vs_connections.tsv' index 8 using 2:3:4:5 with yerrorlines lw 2 dt 1 pt 7 ps 0.8 lc rgb '#8c564b' title 'prefork', \
     'data/throughput_vs_connections.tsv' index 9 using 2:3:4:5 with yerrorlines lw 2 dt 1 pt 7 ps 0.8 lc rgb '#17becf' title 'reuseport', \
     'data/throughput_vs_connections.tsv' index 10 using 2:3:4:5 with yerrorlines lw 2 dt 1 pt 7 ps 0.8 lc rgb '#e377c2' title 'uring', \
     'data/throughput_vs_connections.tsv' index 11 using 2:3:4:5 with yerrorlines lw 2 dt 2 pt 7 ps 0.8 lc rgb '#999999' title 'this machine''s floor'
set terminal svg size 960,600 enhanced font 'DejaVu Sans,11' dynamic background '#ffffff'
set output stem.'.svg'
replot
unset output
