# churn_rate: written by build/bin/plots from bench.json; data in data/churn_rate.tsv
# Run from this folder: gnuplot churn_rate.gp (writes churn_rate.png and churn_rate.svg)
if (!exists('stem')) stem = 'churn_rate'
set datafile separator '\t'
set datafile missing 'NaN'
set title "Creating a flow: a connection per request\n{/*0.8 vm, AMD EPYC, 2 CPUs}" enhanced
set xlabel 'concurrent connect-request-close cycles' noenhanced
set ylabel 'connections per second' noenhanced
set grid lc rgb '#dddddd'
set border lc rgb '#555555'
set key outside right top vertical Left reverse noenhanced box lc rgb '#cccccc'
set format y '%.0s%c'
set mytics
set tics nomirror
set xtics noenhanced
set logscale y
set xtics ('8' 0)
set xrange [-0.6:0.6]
set boxwidth 0.8 relative
set style fill solid
set boxwidth 0.08 absolute
set terminal pngcairo size 960,600 enhanced font 'DejaVu Sans,11' linewidth 1
set output stem.'.png'
plot \
     'data/churn_rate.tsv' index 0 using 2:3 with boxes fs solid 0.85 noborder lc rgb '#7f7f7f' title 'iterative', 'data/churn_rate.tsv' index 0 using 2:3:4:5 with yerrorbars lc rgb '#333333' pt 0 lw 1 notitle, \
     'data/churn_rate.tsv' index 1 using 2:3 with boxes fs solid 0.85 noborder lc rgb '#d62728' title 'process', 'data/churn_rate.tsv' index 1 using 2:3:4:5 with yerrorbars lc rgb '#333333' pt 0 lw 1 notitle, \
     'data/churn_rate.tsv' index 2 using 2:3 with boxes fs solid 0.85 noborder lc rgb '#ff7f0e' title 'select', 'data/churn_rate.tsv' index 2 using 2:3:4:5 with yerrorbars lc rgb '#333333' pt 0 lw 1 notitle, \
     'data/churn_rate.tsv' index 3 using 2:3 with boxes fs solid 0.85 noborder lc rgb '#1f77b4' title 'epoll', 'data/churn_rate.tsv' index 3 using 2:3:4:5 with yerrorbars lc rgb '#333333' pt 0 lw 1 notitle, \
     'data/churn_rate.tsv' index 4 using 2:3 with boxes fs solid 0.85 noborder lc rgb '#2ca02c' title 'thread', 'data/churn_rate.tsv' index 4 using 2:3:4:5 with yerrorbars lc rgb '#333333' pt 0 lw 1 notitle, \
     'data/churn_rate.tsv' index 5 using 2:3 with boxes fs solid 0.85 noborder lc rgb '#9467bd' title 'threadpool', 'data/churn_rate.tsv' index 5 using 2:3:4:5 with yerrorbars lc rgb '#333333' pt 0 lw 1 notitle, \
     'data/churn_rate.tsv' index 6 using 2:3 with boxes fs solid 0.85 noborder lc rgb '#8c564b' title 'prefork', 'data/churn_rate.tsv' index 6 using 2:3:4:5 with yerrorbars lc rgb '#333333' pt 0 lw 1 notitle, \
     'data/churn_rate.tsv' index 7 using 2:3 with boxes fs solid 0.85 noborder lc rgb '#17becf' title 'reuseport', 'data/churn_rate.tsv' index 7 using 2:3:4:5 with yerrorbars lc rgb '#333333' pt 0 lw 1 notitle, \
     'data/churn_rate.tsv' index 8 using 2:3 with boxes fs solid 0.85 noborder lc rgb '#e377c2' title 'uring', 'data/churn_rate.tsv' index 8 using 2:3:4:5 with yerrorbars lc rgb '#333333' pt 0 lw 1 notitle
set terminal svg size 960,600 enhanced font 'DejaVu Sans,11' dynamic background '#ffffff'
set output stem.'.svg'
replot
unset output
