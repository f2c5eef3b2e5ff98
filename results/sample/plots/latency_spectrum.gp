# latency_spectrum: written by build/bin/plots from bench.json; data in data/latency_spectrum.tsv
# Run from this folder: gnuplot latency_spectrum.gp (writes latency_spectrum.png and latency_spectrum.svg)
if (!exists('stem')) stem = 'latency_spectrum'
set datafile separator '\t'
set datafile missing 'NaN'
set title "Latency by percentile at 64 connections\n{/*0.8 vm, AMD EPYC, 2 CPUs}" enhanced
set xlabel 'percentile' noenhanced
set ylabel 'latency (µs)' noenhanced
set grid lc rgb '#dddddd'
set border lc rgb '#555555'
set key outside right top vertical Left reverse noenhanced box lc rgb '#cccccc'
set format y '%.0s%c'
set mytics
set tics nomirror
set xtics noenhanced
set logscale x
set format x '%.0s%c'
set logscale y
set xtics ('0%%' 1, '90%%' 10, '99%%' 100, '99.9%%' 1000, '99.99%%' 10000, '99.999%%' 100000)
set xrange [1:100000]
set terminal pngcairo size 960,600 enhanced font 'DejaVu Sans,11' linewidth 1
set output stem.'.png'
plot \
     'data/latency_spectrum.tsv' index 0 using 2:3 with linespoints lw 2 dt 1 pt 7 ps 0.8 lc rgb '#7f7f7f' title 'iterative (63 starved)', \
     'data/latency_spectrum.tsv' index 1 using 2:3 with linespoints lw 2 dt 1 pt 7 ps 0.8 lc rgb '#d62728' title 'process', \
     'data/latency_spectrum.tsv' index 2 using 2:3 with linespoints lw 2 dt 1 pt 7 ps 0.8 lc rgb '#ff7f0e' title 'select', \
     'data/latency_spectrum.tsv' index 3 using 2:3 with linespoints lw 2 dt 1 pt 7 ps 0.8 lc rgb '#1f77b4' title 'epoll', \
     'data/latency_spectrum.tsv' index 4 using 2:3 with linespoints lw 2 dt 1 pt 7 ps 0.8 lc rgb '#2ca02c' title 'thread', \
     'data/latency_spectrum.tsv' index 5 using 2:3 with linespoints lw 2 dt 1 pt 7 ps 0.8 lc rgb '#9467bd' title 'threadpool (60 starved)', \
     'data/latency_spectrum.tsv' index 6 using 2:3 with linespoints lw 2 dt 1 pt 7 ps 0.8 lc rgb '#8c564b' title 'prefork', \
     'data/latency_spectrum.tsv' index 7 using 2:3 with linespoints lw 2 dt 1 pt 7 ps 0.8 lc rgb '#17becf' title 'reuseport', \
     'data/latency_spectrum.tsv' index 8 using 2:3 with linespoints lw 2 dt 1 pt 7 ps 0.8 lc rgb '#e377c2' title 'uring'
set terminal svg size 960,600 enhanced font 'DejaVu Sans,11' dynamic background '#ffffff'
set output stem.'.svg'
replot
unset output
