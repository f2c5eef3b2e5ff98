# pitfall_no_close: written by build/bin/plots from bench.json; data in data/pitfall_no_close.tsv
# Run from this folder: gnuplot pitfall_no_close.gp (writes pitfall_no_close.png and pitfall_no_close.svg)
if (!exists('stem')) stem = 'pitfall_no_close'
set datafile separator '\t'
set datafile missing 'NaN'
set title "echo-process --pitfall no-close beside the correct code\n{/*0.8 vm, AMD EPYC, 2 CPUs}" enhanced
set xlabel 'clients made (in waves, one line each)' noenhanced
set ylabel 'descriptors open in the parent' noenhanced
set grid lc rgb '#dddddd'
set border lc rgb '#555555'
set key outside right top vertical Left reverse noenhanced box lc rgb '#cccccc'
set format y '%.0s%c'
set mytics
set tics nomirror
set xtics noenhanced
set yrange [0:*]
set format y '%g'
set offsets 0, 0, graph 0.12, 0
set arrow from 1020, graph 0 to 1020, graph 1 nohead dt 3 lw 1 lc rgb '#000000'
set label 'accept fails: client 1,020, 0.499 s' at 1020, graph 0.96 left offset 0.6,0 tc rgb '#000000' font ',9' noenhanced
set terminal pngcairo size 960,600 enhanced font 'DejaVu Sans,11' linewidth 1
set output stem.'.png'
plot \
     'data/pitfall_no_close.tsv' index 0 using 2:3 with linespoints lw 2 dt 2 pt 7 ps 0.8 lc rgb '#000000' title '--pitfall no-close', \
     'data/pitfall_no_close.tsv' index 1 using 2:3 with linespoints lw 2 dt 1 pt 7 ps 0.8 lc rgb '#d62728' title 'echo-process (correct)'
set terminal svg size 960,600 enhanced font 'DejaVu Sans,11' dynamic background '#ffffff'
set output stem.'.svg'
replot
unset output
