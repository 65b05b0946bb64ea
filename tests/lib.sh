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

test_finish() {
    echo "$pass passed, $fail failed"
    [ "$fail" -eq 0 ]
}
