# Shared by the script tests, which run as `sh tests/NAME.sh path/to/convbench`
# and end with "N passed, N failed". After `test_init NAME "$@"`: CB is the
# binary's absolute path (some checks cd elsewhere), T a temporary directory
# removed on exit; ok/bad count checks; expect checks a command's exit status
# and stderr; test_finish prints the closing line and sets the exit status.
test_init() {
    CB=${2:?usage: $1.sh path/to/convbench}
    CB=$(cd "$(dirname "$CB")" && pwd)/$(basename "$CB")
    T=$(mktemp -d "/tmp/convbench-$1-XXXXXX")
    trap 'rm -rf "$T"' EXIT
    pass=0 fail=0
}
ok()  { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

# expect STATUS PATTERN -- command...: exit status and a stderr pattern
# (grep -E); stdout and stderr are left in $T/out and $T/err.
expect() {
    want=$1 pat=$2; shift 3
    "$@" >"$T/out" 2>"$T/err"; got=$?
    if [ "$got" -ne "$want" ]; then bad "$* exited $got, want $want: $(cat "$T/err")"; return; fi
    if [ -n "$pat" ] && ! grep -Eq -e "$pat" "$T/err"; then bad "$*: stderr lacks /$pat/: $(cat "$T/err")"; return; fi
    ok
}

# npy FILE SHAPE COUNT FLOAT_BYTES: a float32 .npy (v1.0 header) holding
# COUNT copies of one value given as printf-escaped little-endian bytes.
npy() { # npy FILE SHAPE COUNT FLOAT_BYTES
    hdr="{'descr': '<f4', 'fortran_order': False, 'shape': $2, }"
    pad=$((64 - (10 + ${#hdr} + 1) % 64)); [ $pad -eq 64 ] && pad=0
    len=$((${#hdr} + pad + 1))
    { printf '\223NUMPY\001\000'; printf "\\$(printf %03o $len)\\000"; printf '%s' "$hdr"
      printf "%${pad}s\n" ""; i=0; while [ $i -lt $3 ]; do printf "$4"; i=$((i + 1)); done; } > "$1"
}

test_finish() {
    echo "$pass passed, $fail failed"
    [ "$fail" -eq 0 ]
}
