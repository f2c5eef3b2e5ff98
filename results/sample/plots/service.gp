# service: written by build/bin/plots from bench.json; data in data/service.tsv
# Run from this folder: gnuplot service.gp (writes service.png and service.svg)
if (!exists('stem')) stem = 'service'
set datafile separator '\t'
set datafile missing 'NaN'
set title "Work per request: 50 µs of CPU, or 1 ms of blocking\n{/*0.8 vm, AMD EPYC, 2 CPUs}" enhanced
set xlabel 'the server''s work per line (64 connections, closed loop)' noenhanced
set ylabel 'requests per second' noenhanced
set grid lc rgb '#dddddd'
set border lc rgb '#555555'
set key outside right top vertical Left reverse noenhanced box lc rgb '#cccccc'
set format y '%.0s%c'
set mytics
set tics nomirror
set xtics noenhanced
set logscale y
set xtics ('50 µs of CPU per line' 0, '1 ms of blocking per line' 1)
set xrange [-0.6:1.6]
set boxwidth 0.8 relative
set style fill solid
set boxwidth 0.08 absolute
set terminal pngcairo size 960,600 enhanced font 'DejaVu Sans,11' linewidth 1
set output stem.'.png'
plot \
     'data/service.tsv' index 0 using 2:3 with points pt 6 ps 1.6 lw 2 lc rgb '#7f7f7f' title 'iterative: not comparable', 'data/service.tsv' index 0 using 2:3:6 with labels offset 0,1.1 font ',9' tc rgb '#7f7f7f' noenhanced notitle, \
     'data/service.tsv' index 1 using 2:3 with boxes fs solid 0.85 noborder lc rgb '#d62728' title 'process', 'data/service.tsv' index 1 using 2:3:4:5 with yerrorbars lc rgb '#333333' pt 0 lw 1 notitle, \
     'data/service.tsv' index 2 using 2:3 with boxes fs solid 0.85 noborder lc rgb '#ff7f0e' title 'select', 'data/service.tsv' index 2 using 2:3:4:5 with yerrorbars lc rgb '#333333' pt 0 lw 1 notitle, \
     'data/service.tsv' index 3 using 2:3 with boxes fs solid 0.85 noborder lc rgb '#1f77b4' title 'epoll', 'data/service.tsv' index 3 using 2:3:4:5 with yerrorbars lc rgb '#333333' pt 0 lw 1 notitle, \
     'data/service.tsv' index 4 using 2:3 with boxes fs solid 0.85 noborder lc rgb '#2ca02c' title 'thread', 'data/service.tsv' index 4 using 2:3:4:5 with yerrorbars lc rgb '#333333' pt 0 lw 1 notitle, \
     'data/service.tsv' index 5 using 2:3 with points pt 6 ps 1.6 lw 2 lc rgb '#9467bd' title 'threadpool: not comparable', 'data/service.tsv' index 5 using 2:3:6 with labels offset 0,-1.3 font ',9' tc rgb '#9467bd' noenhanced notitle, \
     'data/service.tsv' index 6 using 2:3 with boxes fs solid 0.85 noborder lc rgb '#8c564b' title 'prefork', 'data/service.tsv' index 6 using 2:3:4:5 with yerrorbars lc rgb '#333333' pt 0 lw 1 notitle, \
     'data/service.tsv' index 7 using 2:3 with boxes fs solid 0.85 noborder lc rgb '#17becf' title 'reuseport', 'data/service.tsv' index 7 using 2:3:4:5 with yerrorbars lc rgb '#333333' pt 0 lw 1 notitle, \
     'data/service.tsv' index 8 using 2:3 with boxes fs solid 0.85 noborder lc rgb '#e377c2' title 'uring', 'data/service.tsv' index 8 using 2:3:4:5 with yerrorbars lc rgb '#333333' pt 0 lw 1 notitle
set terminal svg size 960,600 enhanced font 'DejaVu Sans,11' dynamic background '#ffffff'
set output stem.'.svg'
replot
unset output
