# load_capacity: written by build/bin/plots from bench.json; data in data/load_capacity.tsv
# Run from this folder: gnuplot load_capacity.gp (writes load_capacity.png and load_capacity.svg)
if (!exists('stem')) stem = 'load_capacity'
set datafile separator '\t'
set datafile missing 'NaN'
set title "Capacity within p99=1ms\n{/*0.8 vm, AMD EPYC, 2 CPUs}" enhanced
set xlabel 'latency target' noenhanced
set ylabel 'requests per second (range of the rounds)' noenhanced
set grid lc rgb '#dddddd'
set border lc rgb '#555555'
set key outside right top vertical Left reverse noenhanced box lc rgb '#cccccc'
set format y '%.0s%c'
set mytics
set tics nomirror
set xtics noenhanced
set yrange [0:*]
set xtics ('within p99=1ms' 0)
set xrange [-0.6:0.6]
set boxwidth 0.8 relative
set style fill solid
set boxwidth 0.08 absolute
set yrange [0:108263.68]
set terminal pngcairo size 960,600 enhanced font 'DejaVu Sans,11' linewidth 1
set output stem.'.png'
plot \
     'data/load_capacity.tsv' index 0 using 2:3 with points pt 6 ps 1.6 lw 2 lc rgb '#7f7f7f' title 'iterative: in words', 'data/load_capacity.tsv' index 0 using 2:3:6 with labels offset 0,1.1 font ',9' tc rgb '#7f7f7f' noenhanced notitle, \
     'data/load_capacity.tsv' index 1 using 2:3 with points pt 6 ps 1.6 lw 2 lc rgb '#d62728' title 'process: in words', 'data/load_capacity.tsv' index 1 using 2:3:6 with labels offset 0,-1.3 font ',9' tc rgb '#d62728' noenhanced notitle, \
     'data/load_capacity.tsv' index 2 using 2:3 with boxes fs solid 0.85 noborder lc rgb '#ff7f0e' title 'select', 'data/load_capacity.tsv' index 2 using 2:3:4:5 with yerrorbars lc rgb '#333333' pt 0 lw 1 notitle, \
     'data/load_capacity.tsv' index 3 using 2:3 with boxes fs solid 0.85 noborder lc rgb '#1f77b4' title 'epoll', 'data/load_capacity.tsv' index 3 using 2:3:4:5 with yerrorbars lc rgb '#333333' pt 0 lw 1 notitle, \
     'data/load_capacity.tsv' index 4 using 2:3 with points pt 6 ps 1.6 lw 2 lc rgb '#1f77b4' title 'epoll: in words', 'data/load_capacity.tsv' index 4 using 2:3:6 with labels offset 0,2.2 font ',9' tc rgb '#1f77b4' noenhanced notitle, \
     'data/load_capacity.tsv' index 5 using 2:3 with boxes fs solid 0.85 noborder lc rgb '#2ca02c' title 'thread', 'data/load_capacity.tsv' index 5 using 2:3:4:5 with yerrorbars lc rgb '#333333' pt 0 lw 1 notitle, \
     'data/load_capacity.tsv' index 6 using 2:3 with points pt 6 ps 1.6 lw 2 lc rgb '#2ca02c' title 'thread: in words', 'data/load_capacity.tsv' index 6 using 2:3:6 with labels offset 0,-2.4 font ',9' tc rgb '#2ca02c' noenhanced notitle, \
     'data/load_capacity.tsv' index 7 using 2:3 with points pt 6 ps 1.6 lw 2 lc rgb '#9467bd' title 'threadpool: in words', 'data/load_capacity.tsv' index 7 using 2:3:6 with labels offset 0,3.3 font ',9' tc rgb '#9467bd' noenhanced notitle, \
     'data/load_capacity.tsv' index 8 using 2:3 with boxes fs solid 0.85 noborder lc rgb '#8c564b' title 'prefork', 'data/load_capacity.tsv' index 8 using 2:3:4:5 with yerrorbars lc rgb '#333333' pt 0 lw 1 notitle, \
     'data/load_capacity.tsv' index 9 using 2:3 with points pt 6 ps 1.6 lw 2 lc rgb '#8c564b' title 'prefork: in words', 'data/load_capacity.tsv' index 9 using 2:3:6 with labels offset 0,-3.5 font ',9' tc rgb '#8c564b' noenhanced notitle, \
     'data/load_capacity.tsv' index 10 using 2:3 with boxes fs solid 0.85 noborder lc rgb '#17becf' title 'reuseport', 'data/load_capacity.tsv' index 10 using 2:3:4:5 with yerrorbars lc rgb '#333333' pt 0 lw 1 notitle, \
     'data/load_capacity.tsv' index 11 using 2:3 with boxes fs solid 0.85 noborder lc rgb '#e377c2' title 'uring', 'data/load_capacity.tsv' index 11 using 2:3:4:5 with yerrorbars lc rgb '#333333' pt 0 lw 1 notitle, \
     'data/load_capacity.tsv' index 12 using 2:3 with points pt 6 ps 1.6 lw 2 lc rgb '#e377c2' title 'uring: in words', 'data/load_capacity.tsv' index 12 using 2:3:6 with labels offset 0,4.4 font ',9' tc rgb '#e377c2' noenhanced notitle
set terminal svg size 960,600 enhanced font 'DejaVu Sans,11' dynamic background '#ffffff'
set output stem.'.svg'
replot
unset output
