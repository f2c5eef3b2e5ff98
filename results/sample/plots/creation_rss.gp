# creation_rss: written by build/bin/plots from bench.json; data in data/creation_rss.tsv
# Run from this folder: gnuplot creation_rss.gp (writes creation_rss.png and creation_rss.svg)
if (!exists('stem')) stem = 'creation_rss'
set datafile separator '\t'
set datafile missing 'NaN'
set title "Creation cost against the parent's memory\n{/*0.8 vm, AMD EPYC, 2 CPUs}" enhanced
set xlabel 'parent''s resident memory (MiB)' noenhanced
set ylabel 'median µs' noenhanced
set grid lc rgb '#dddddd'
set border lc rgb '#555555'
set key outside right top vertical Left reverse noenhanced box lc rgb '#cccccc'
set format y '%.0s%c'
set mytics
set tics nomirror
set xtics noenhanced
set logscale y
set xtics ('0' 0, '64' 1, '256' 2, '1024' 3)
set xrange [-0.3:3.3]
set terminal pngcairo size 960,600 enhanced font 'DejaVu Sans,11' linewidth 1
set output stem.'.png'
plot \
     'data/creation_rss.tsv' index 0 using 2:3 with linespoints lw 2 dt 1 pt 7 ps 0.8 lc rgb '#d62728' title 'fork', \
     'data/creation_rss.tsv' index 1 using 2:3 with linespoints lw 2 dt 1 pt 7 ps 0.8 lc rgb '#ff9896' title 'vfork', \
     'data/creation_rss.tsv' index 2 using 2:3 with linespoints lw 2 dt 1 pt 7 ps 0.8 lc rgb '#8c564b' title 'posix_spawn', \
     'data/creation_rss.tsv' index 3 using 2:3 with linespoints lw 2 dt 1 pt 7 ps 0.8 lc rgb '#1f77b4' title 'clone_vm', \
     'data/creation_rss.tsv' index 4 using 2:3 with linespoints lw 2 dt 1 pt 7 ps 0.8 lc rgb '#2ca02c' title 'pthread'
set terminal svg size 960,600 enhanced font 'DejaVu Sans,11' dynamic background '#ffffff'
set output stem.'.svg'
replot
unset output
