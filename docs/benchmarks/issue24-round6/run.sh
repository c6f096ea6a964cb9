#!/bin/sh
# Issue 24, sixth round: the fill row at the tree as it is, beside the fill
# on the caller (fill-on-caller.patch) and the hand-off floor, in one run.
# MAIN and INLINE hold tc.test as for ../issue24-inline/run.sh. Usage, from
# the repository root:
#
#   docs/benchmarks/issue24-round6/run.sh /tmp/r6/main /tmp/r6/inline /tmp/r6/out
set -eu
main=$1 inline=$2 out=$3
rounds=${ROUNDS:-6}
ROUNDS=$rounds docs/benchmarks/issue24-inline/run.sh "$main" "$inline" "$out"
for i in $(seq "$rounds"); do
	(cd tokencache && "$main/tc.test" -test.run '^$' -test.bench 'HandOffFloor|PeersMiss/keys=100000/' -test.cpu 1,2 -test.benchtime 1s 2>&1) | grep '^Benchmark' >>"$out/floor.txt" || true
done
"$(go env GOPATH)/bin/benchstat" "$out/floor.txt" >"$out/floor.benchstat" 2>&1 || true
