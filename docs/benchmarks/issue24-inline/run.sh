#!/bin/sh
# Issue 24, fourth round: how much of a fill's CPU the hand-off to a worker
# costs. MAIN holds tc.test built from the tree; INLINE holds tc.test built
# from the same tree with fill-on-caller.patch applied (a miss's fill runs on
# the caller that started it). Usage, from the repository root:
#
#   go test -c -o /tmp/inl/main/tc.test ./tokencache
#   git worktree add /tmp/inline HEAD && (cd /tmp/inline && git apply <this dir>/fill-on-caller.patch &&
#     go test -c -o /tmp/inl/inline/tc.test ./tokencache)
#   docs/benchmarks/issue24-inline/run.sh /tmp/inl/main /tmp/inl/inline /tmp/inl/out
set -eu
main=$1 inline=$2 out=$3
rounds=${ROUNDS:-8}
mkdir -p "$out"
run() { # run BIN FILE ARGS...
	bin=$1 file=$2
	shift 2
	(cd tokencache && "$bin" -test.run '^$' "$@" 2>&1) | grep '^Benchmark' >>"$file" || true
}
uptime >"$out/uptime.txt"
for i in $(seq "$rounds"); do
	echo "round $i: $(uptime)" >>"$out/uptime.txt"
	run "$main/tc.test" "$out/churn.main" -test.bench 'PeersChurn/keys=(10000|100000)/longlived/' -test.benchtime 1x -test.cpu 1,2
	run "$inline/tc.test" "$out/churn.inline" -test.bench 'PeersChurn/keys=(10000|100000)/longlived/Cache$' -test.benchtime 1x -test.cpu 1,2
done
echo "end: $(uptime)" >>"$out/uptime.txt"
"$(go env GOPATH)/bin/benchstat" "$out/churn.main" "$out/churn.inline" >"$out/churn.benchstat" 2>&1 || true
