# One contact sheet of the named kernels on one image: per kernel the
# original, the result and the kernel's matrix side by side, two kernels per
# row. `convbench gallery` writes DIR/<image>/sheet.gp (the manifest: n,
# imgw, imgh, sheet_title, original, and the arrays file, caption, matrix)
# and runs this once per image. By hand, from the source tree:
#   gnuplot -e "manifest='results/gallery/chelsea/sheet.gp'; outfile='/tmp/chelsea.png'" plots/gallery.gp
# Optional variables: cols (kernels per row, default 2), cell (pixels on the
# longer side of each picture, default 300).
if (!exists("manifest") || !exists("outfile")) {
    print "gallery.gp: set manifest='DIR/IMAGE/sheet.gp' and outfile='SHEET.png' (see the comment at the top)"
    exit status 2
}
load manifest
if (!exists("cols")) cols = 2
if (!exists("cell")) cell = 300

# Geometry in pixels, then as fractions of the canvas for origin/size.
picw = imgw >= imgh ? cell : cell * imgw / imgh
pich = imgw >= imgh ? cell * imgh / imgw : cell
matw = 200                      # the matrix column
gap = 30                        # between panels and around the edge
caph = 26                       # the caption line above each panel
panelw = 2 * picw + matw + gap
panelh = pich + caph + 14
rows = int((n + cols - 1) / cols)
headh = 80
W = int(cols * panelw + gap)
H = int(rows * panelh + headh + gap / 2)

if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {
    set terminal pngcairo noenhanced size W, H font "DejaVu Sans,10" background "white"
} else {
    set terminal png noenhanced size W, H font "DejaVu Sans,10"
}
set output outfile

unset key
unset tics
unset colorbox
set border 0
set margins 0, 0, 0, 0
set multiplot

# The heading, drawn with the first panel's plot.
set label 100 sheet_title at screen 0.5, 1 - 30.0 / H center font ",15"
set label 101 "each panel: the original, the result (same padding, the kernel's own stride), the kernel. " . \
              "Kernels are applied as conv layers apply them: cross-correlation, no flip." \
              at screen 0.5, 1 - 56.0 / H center font ",10" textcolor rgb "#555555"

do for [i = 1:n] {
    col = (i - 1) % cols
    row = int((i - 1) / cols)
    x0 = gap + col * panelw
    ytop = H - headh - row * panelh

    set label 1 caption[i] at screen 1.0 * x0 / W, 1.0 * (ytop - caph / 2) / H left font ",11"
    set autoscale fix
    set origin 1.0 * x0 / W, 1.0 * (ytop - caph - pich) / H
    set size 1.0 * picw / W, 1.0 * pich / H
    plot original binary filetype=png with rgbimage
    unset label 1
    unset label 100
    unset label 101

    set origin 1.0 * (x0 + picw + 6) / W, 1.0 * (ytop - caph - pich) / H
    plot file[i] binary filetype=png with rgbimage

    # The matrix: a label in an empty plot beside the pictures.
    set origin 1.0 * (x0 + 2 * picw + 18) / W, 1.0 * (ytop - caph - pich) / H
    set size 1.0 * (matw - 18) / W, 1.0 * pich / H
    set xrange [0:1]
    set yrange [0:1]
    set label 2 matrix[i] at graph 0, 0.5 left font "DejaVu Sans Mono,10"
    plot 2 notitle
    unset label 2
    set autoscale
}
unset multiplot
