# Colours for linetypes 9-16, loaded by the chart scripts: gnuplot defines
# 8 (purple, green, light blue, orange, yellow, blue, red, black) and then
# repeats them, and the registry holds more implementations than that. An
# implementation's linetype is its position in results.csv, so it keeps its
# colour from chart to chart; past 16 the colours repeat.
set linetype 9 lc rgb "#8c564b"
set linetype 10 lc rgb "#e377c2"
set linetype 11 lc rgb "#7f7f7f"
set linetype 12 lc rgb "#bcbd22"
set linetype 13 lc rgb "#17becf"
set linetype 14 lc rgb "#1f3a93"
set linetype 15 lc rgb "#2d6a2d"
set linetype 16 lc rgb "#c51b8a"
set linetype cycle 16
