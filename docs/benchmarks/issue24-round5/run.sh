#!/bin/sh
# Issue 24, the two rows whose intervals were wider than their goals: the
# keyed hit against a bare map read (each contender in a fresh process) and
# the Redis L2 hit against a bare GET of the same bytes. One binary each,
# ROUNDS rounds in turn. Usage, from the repository root:
#
#   go test -c -o /tmp/r5/tc.test ./tokencache
#   go test -c -o /tmp/r5/rs.test ./tokencache/redisstore
#   docs/benchmarks/issue24-round5/run.sh /tmp/r5 /tmp/r5/out
set -eu
bin=$1 out=$2
rounds=${ROUNDS:-10}
mkdir -p "$out"
run() { # run BIN DIR FILE ARGS...
	b=$1 dir=$2 file=$3
	shift 3
	(cd "$dir" && "$b" -test.run '^$' "$@" 2>&1) | grep '^Benchmark' >>"$file" || true
}
uptime >"$out/uptime.txt"
for i in $(seq "$rounds"); do
	echo "round $i: $(uptime)" >>"$out/uptime.txt"
	for n in 10000 100000; do
		for c in Cache.Token map; do
			run "$bin/tc.test" tokencache "$out/hit.txt" -test.bench "PeersKeyedHit\$/keys=$n/$c\$" -test.benchtime 1s -test.benchmem -test.cpu 1,2
		done
	done
	run "$bin/rs.test" tokencache/redisstore "$out/l2.txt" -test.bench 'L2Hit' -test.benchtime 1s -test.benchmem
done
echo "end: $(uptime)" >>"$out/uptime.txt"
"$(go env GOPATH)/bin/benchstat" "$out/hit.txt" >"$out/hit.benchstat" 2>&1 || true
"$(go env GOPATH)/bin/benchstat" "$out/l2.txt" >"$out/l2.benchstat" 2>&1 || true
