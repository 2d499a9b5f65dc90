#!/bin/sh
# fresh-clone-check.sh: prove that a fresh clone builds, tests and demos with nothing but Go and the module
# proxy. Clones the repository (HEAD of the current checkout, or REPO=url/path and REF=branch) into a temp
# directory and runs `make test` and `make demo` with an empty GOPATH, module cache and build cache, then
# reports how long each took. GOPROXY/GONOSUMDB/GOFLAGS are inherited (plus -modcacherw so the temp module
# cache can be deleted). Takes ~15 min on 2 CPUs; KEEP=1 keeps the temp directory.
#
#   scripts/fresh-clone-check.sh            # the current checkout's HEAD
#   REPO=https://github.com/… REF=main scripts/fresh-clone-check.sh
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
repo=${REPO:-$here}
ref=${REF:-}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/baton-azure-fresh.XXXXXX")
cleanup() {
	if [ "${KEEP:-0}" = 1 ]; then
		echo "kept $tmp"
	else
		chmod -R u+w "$tmp" 2>/dev/null || true
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT INT TERM

export GOPATH="$tmp/gopath" GOMODCACHE="$tmp/gopath/pkg/mod" GOCACHE="$tmp/gocache"
goflags=$(go env GOFLAGS) # keeps flags set with `go env -w` too
export GOFLAGS="${goflags:+$goflags }-modcacherw"
unset GOBIN
mkdir -p "$GOPATH" "$GOCACHE"

now() { date +%s; }
step() { # step NAME COMMAND...: run COMMAND in the clone, log to $tmp/NAME.log, record the duration
	name=$1
	shift
	start=$(now)
	echo "== $name: $*"
	if (cd "$tmp/src" && "$@") >"$tmp/$name.log" 2>&1; then
		status=ok
	else
		status=FAILED
	fi
	secs=$(($(now) - start))
	printf '%-8s %-7s %5ss  (log: %s)\n' "$name" "$status" "$secs" "$tmp/$name.log" >>"$tmp/report"
	if [ "$status" != ok ]; then
		tail -n 40 "$tmp/$name.log"
		cat "$tmp/report"
		KEEP=1
		exit 1
	fi
}

echo "go: $(go version); GOPROXY=$(go env GOPROXY); temp: $tmp"
: >"$tmp/report"
if [ -n "$ref" ]; then
	git clone --quiet --branch "$ref" "$repo" "$tmp/src"
else
	git clone --quiet "$repo" "$tmp/src"
fi
echo "clone: $(git -C "$tmp/src" log --oneline -1)"
step test make test
step demo make demo
test -s "$tmp/src/demo/sync.c1z" || { echo "make demo left no demo/sync.c1z"; exit 1; }
test -x "$tmp/src/bin/baton" || { echo "make demo did not build bin/baton"; exit 1; }
echo
echo "fresh clone: all green"
cat "$tmp/report"
