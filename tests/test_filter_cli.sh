#!/bin/sh
# `convbench filter` as a user meets it, on small images this script makes:
# good runs write the image they should; bad input (a missing, unreadable or
# unsupported image, an unknown kernel, weights that do not fit the image)
# gets one line on stderr, exit status 2, and leaves no output file.
#   sh tests/test_filter_cli.sh path/to/convbench     (from the source dir)
. "$(dirname "$0")/lib.sh"
test_init filter_cli "$@"

# bad_input PATTERN -- command...: exit 2, one line naming the problem, no output file
bad_input() {
    rm -f "$T"/out.*
    expect 2 "$@"
    [ "$(wc -l < "$T/err")" -eq 1 ] && ok || bad "$*: not one line: $(cat "$T/err")"
    left=$(ls "$T" | grep -E '^out\.' || true)
    [ -z "$left" ] && ok || bad "$*: left $left behind"
}

# A W x H PPM (RGB) or PGM (grey) with a gradient: byte = (x*29 + y*53 + c*71) % 256.
make_pnm() { # make_pnm FILE W H CHANNELS
    magic=P6; [ "$4" -eq 1 ] && magic=P5
    { printf '%s\n%d %d\n255\n' $magic "$2" "$3"
      y=0; while [ $y -lt "$3" ]; do x=0; while [ $x -lt "$2" ]; do c=0; while [ $c -lt "$4" ]; do
          printf "\\$(printf %03o $(( (x * 29 + y * 53 + c * 71) % 256 )))"
      c=$((c + 1)); done; x=$((x + 1)); done; y=$((y + 1)); done; } > "$1"
}
# The "W H" of a binary PNM's header (no comments in ours).
pnm_size() { head -c 32 "$1" | tr '\n' ' ' | awk '{print $2, $3}'; }

make_pnm "$T/rgb.ppm" 8 6 3
make_pnm "$T/grey.pgm" 7 5 1

# --- help ------------------------------------------------------------------
$CB filter --help >"$T/h" 2>&1 && grep -q "usage: convbench filter" "$T/h" && ok || bad "filter --help"
grep -q "clip (default)" "$T/h" && grep -q "rescale" "$T/h" && ok || bad "--help does not state the display default"
grep -q "naive's output" "$T/h" && ok || bad "--help does not say what --impl all writes"
$CB help filter >"$T/h" 2>&1 && grep -q "usage: convbench filter" "$T/h" && ok || bad "help filter"
$CB gallery --help >"$T/h" 2>&1 && grep -q "usage: convbench gallery" "$T/h" && ok || bad "gallery --help"
$CB filter --list >"$T/list" 2>&1 && grep -q "^sobel_x" "$T/list" && grep -q "^kaiming5" "$T/list" && ok || bad "filter --list"

# --- good runs ---------------------------------------------------------------
expect 0 "" -- $CB filter --kernel identity "$T/rgb.ppm" "$T/id.ppm"
cmp -s "$T/rgb.ppm" "$T/id.ppm" && ok || bad "identity changed the image"
expect 0 "" -- $CB filter --kernel sharpen "$T/rgb.ppm" "$T/sharp.png"
[ -s "$T/sharp.png" ] && ok || bad "no PNG written"
# The PNG reads back: identity from it to PPM gives the same as from the PPM.
expect 0 "" -- $CB filter --kernel identity "$T/sharp.png" "$T/sharp_again.ppm"
expect 0 "" -- $CB filter --kernel sharpen "$T/rgb.ppm" "$T/sharp.ppm"
cmp -s "$T/sharp.ppm" "$T/sharp_again.ppm" && ok || bad "PNG round trip differs"
expect 0 "" -- $CB filter --kernel box5 --padding valid "$T/rgb.ppm" "$T/valid.ppm"
[ "$(pnm_size "$T/valid.ppm")" = "4 2" ] && ok || bad "valid 5x5 on 8x6: $(pnm_size "$T/valid.ppm"), want 4 2"
expect 0 "" -- $CB filter --kernel box5 "$T/rgb.ppm" "$T/same.ppm"
[ "$(pnm_size "$T/same.ppm")" = "8 6" ] && ok || bad "same 5x5 on 8x6: $(pnm_size "$T/same.ppm")"
expect 0 "" -- $CB filter --kernel avgpool2 "$T/rgb.ppm" "$T/pool.ppm"
[ "$(pnm_size "$T/pool.ppm")" = "4 3" ] && ok || bad "avgpool2 on 8x6: $(pnm_size "$T/pool.ppm")"
expect 0 "" -- $CB filter --kernel sobel_x --stride 2 --display rescale "$T/grey.pgm" "$T/sx.pgm"
[ "$(pnm_size "$T/sx.pgm")" = "4 3" ] && ok || bad "stride 2 on 7x5: $(pnm_size "$T/sx.pgm")"
# Every implementation on every kernel agrees with naive (exit 0), grey and RGB.
for k in $(awk '/^[a-z]/ {print $1}' "$T/list"); do
    for img in rgb.ppm grey.pgm; do
        expect 0 "" -- $CB filter --kernel $k --impl all "$T/$img" "$T/all.png"
        grep -q "naive  *reference" "$T/out" && ok || bad "$k --impl all on $img: no naive line"
        ! grep -Eq "MISMATCH|ERROR" "$T/out" && ok || bad "$k --impl all on $img: $(cat "$T/out")"
    done
done
grep -q "identical" "$T/out" && ok || bad "--impl all shows no identical implementation"

# --- user weights (.npy, float32) -------------------------------------------
npy "$T/one.npy" "(1, 1, 1, 1)" 1 '\000\000\200\077'          # 1.0: identity per channel
expect 0 "" -- $CB filter --weights "$T/one.npy" --impl all "$T/rgb.ppm" "$T/w.ppm"
cmp -s "$T/rgb.ppm" "$T/w.ppm" && ok || bad "a 1x1 weight of 1 changed the image"
npy "$T/mix.npy" "(3, 3, 3, 3)" 81 '\000\000\000\075'         # 0.03125 everywhere: mixing
expect 0 "" -- $CB filter --weights "$T/mix.npy" --impl all "$T/rgb.ppm" "$T/w.ppm"

# --- bad input: one line, exit 2, nothing written ---------------------------
bad_input "missing\.ppm" -- $CB filter --kernel sharpen "$T/missing.ppm" "$T/out.png"
mkdir "$T/adir"
bad_input "adir" -- $CB filter --kernel sharpen "$T/adir" "$T/out.png"
printf 'P3\n1 1\n255\n0 0 0\n' > "$T/plain.ppm"
bad_input "plain\.ppm.*P3" -- $CB filter --kernel sharpen "$T/plain.ppm" "$T/out.png"
printf 'hello' > "$T/text.png"
bad_input "text\.png.*not a PNG" -- $CB filter --kernel sharpen "$T/text.png" "$T/out.png"
head -c 60 "$T/sharp.png" > "$T/cut.png"
bad_input "cut\.png" -- $CB filter --kernel sharpen "$T/cut.png" "$T/out.png"
head -c 100 "$T/rgb.ppm" > "$T/cut.ppm"
bad_input "cut\.ppm.*cut short" -- $CB filter --kernel sharpen "$T/cut.ppm" "$T/out.png"
bad_input "no such kernel.*identity.*sobel_x.*kaiming5" -- $CB filter --kernel sharpn "$T/rgb.ppm" "$T/out.png"
npy "$T/two.npy" "(3, 2, 3, 3)" 54 '\000\000\200\077'
bad_input "two\.npy.*channels" -- $CB filter --weights "$T/two.npy" "$T/rgb.ppm" "$T/out.png"
bad_input "two\.npy.*channels" -- $CB filter --weights "$T/two.npy" "$T/grey.pgm" "$T/out.png"
npy "$T/four.npy" "(4, 3, 1, 1)" 12 '\000\000\200\077'
bad_input "four\.npy.*K = 4" -- $CB filter --weights "$T/four.npy" "$T/rgb.ppm" "$T/out.png"
bad_input "nope\.npy" -- $CB filter --weights "$T/nope.npy" "$T/rgb.ppm" "$T/out.png"
bad_input "unknown implementation" -- $CB filter --kernel sharpen --impl fastest "$T/rgb.ppm" "$T/out.png"
bad_input "same or valid" -- $CB filter --kernel sharpen --padding full "$T/rgb.ppm" "$T/out.png"
bad_input "clip or rescale" -- $CB filter --kernel sharpen --display wrap "$T/rgb.ppm" "$T/out.png"
bad_input "out\.jpg.*\.png" -- $CB filter --kernel sharpen "$T/rgb.ppm" "$T/out.jpg"
bad_input "PGM.*RGB" -- $CB filter --kernel sharpen "$T/rgb.ppm" "$T/out.pgm"
bad_input "--kernel NAME or --weights" -- $CB filter "$T/rgb.ppm" "$T/out.png"
bad_input "input and an output" -- $CB filter --kernel sharpen "$T/rgb.ppm"
bad_input "--stride" -- $CB filter --kernel sharpen --stride 0 "$T/rgb.ppm" "$T/out.png"
make_pnm "$T/tiny.pgm" 3 3 1
bad_input "larger than the 3x3 image.*--padding same" -- $CB filter --kernel box5 --padding valid "$T/tiny.pgm" "$T/out.png"
# An implementation that declines the problem is named, with why.
$CB filter --kernel sharpen --impl all "$T/rgb.ppm" "$T/all.png" >"$T/all" 2>&1
declined=$(awk '$2 == "unsupported" {print $1; exit}' "$T/all")
if [ -n "$declined" ]; then
    bad_input "cannot run" -- $CB filter --kernel sharpen --impl "$declined" "$T/rgb.ppm" "$T/out.png"
fi
# A failed write replaces nothing and leaves no temporary file.
cp "$T/sharp.png" "$T/keep.png"
expect 2 "" -- $CB filter --kernel sharpen "$T/rgb.ppm" "$T/no/such/dir/out.png"
[ -z "$(ls "$T" | grep '\.tmp\.')" ] && ok || bad "temporary files left: $(ls "$T" | grep '\.tmp\.')"
cmp -s "$T/sharp.png" "$T/keep.png" && ok || bad "an unrelated file changed"

test_finish
