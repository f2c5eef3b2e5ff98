# creation_ns: written by build/bin/plots from bench.json; data in data/creation_ns.tsv
# Run from this folder: gnuplot creation_ns.gp (writes creation_ns.png and creation_ns.svg)
if (!exists('stem')) stem = 'creation_ns'
set datafile separator '\t'
set datafile missing 'NaN'
set title "Create and reap a flow\n{/*0.8 vm, AMD EPYC, 2 CPUs}" enhanced
set xlabel 'primitive' noenhanced
set ylabel 'nanoseconds (median, p10 to p90)' noenhanced
set grid lc rgb '#dddddd'
set border lc rgb '#555555'
set key outside right top vertical Left reverse noenhanced box lc rgb '#cccccc'
set format y '%.0s%c'
set mytics
set tics nomirror
set xtics noenhanced
set logscale y
set xtics ('fork' 0, 'vfork' 1, 'posix_spawn' 2, 'clone_vm' 3, 'pthread' 4, 'pthread_detached' 5) rotate by -20
set xrange [-0.6:5.6]
set boxwidth 0.8 relative
set style fill solid
set boxwidth 0.7 absolute
set terminal pngcairo size 960,600 enhanced font 'DejaVu Sans,11' linewidth 1
set output stem.'.png'
plot \
     'data/creation_ns.tsv' index 0 using 2:3 with boxes fs solid 0.85 noborder lc rgb '#d62728' notitle, 'data/creation_ns.tsv' index 0 using 2:3:4:5 with yerrorbars lc rgb '#333333' pt 0 lw 1 notitle, \
     'data/creation_ns.tsv' index 1 using 2:3 with boxes fs solid 0.85 noborder lc rgb '#ff9896' notitle, 'data/creation_ns.tsv' index 1 using 2:3:4:5 with yerrorbars lc rgb '#333333' pt 0 lw 1 notitle, \
     'data/creation_ns.tsv' index 2 using 2:3 with boxes fs solid 0.85 noborder lc rgb '#8c564b' notitle, 'data/creation_ns.tsv' index 2 using 2:3:4:5 with yerrorbars lc rgb '#333333' pt 0 lw 1 notitle, \
     'data/creation_ns.tsv' index 3 using 2:3 with boxes fs solid 0.85 noborder lc rgb '#1f77b4' notitle, 'data/creation_ns.tsv' index 3 using 2:3:4:5 with yerrorbars lc rgb '#333333' pt 0 lw 1 notitle, \
     'data/creation_ns.tsv' index 4 using 2:3 with boxes fs solid 0.85 noborder lc rgb '#2ca02c' notitle, 'data/creation_ns.tsv' index 4 using 2:3:4:5 with yerrorbars lc rgb '#333333' pt 0 lw 1 notitle, \
     'data/creation_ns.tsv' index 5 using 2:3 with boxes fs solid 0.85 noborder lc rgb '#98df8a' notitle, 'data/creation_ns.tsv' index 5 using 2:3:4:5 with yerrorbars lc rgb '#333333' pt 0 lw 1 notitle
set terminal svg size 960,600 enhanced font 'DejaVu Sans,11' dynamic background '#ffffff'
set output stem.'.svg'
replot
unset output
