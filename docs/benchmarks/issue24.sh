#!/bin/sh
# Issue 24's side-by-side run: every row of the issue, old and new binaries
# in turn, round after round, then benchstat. Usage, from the repository root:
#
#   git worktree add /tmp/oldtree <old commit>
#   for d in old new; do ... done   # see BENCHMARKS.md: test binaries built once
#   docs/benchmarks/issue24.sh /tmp/old /tmp/new /tmp/out
#
# OLD and NEW hold tc.test (./tokencache), ow.test (./internal/oauthwire) and
# rs.test (./tokencache/redisstore); OUT receives the raw lines and benchstat's
# output. The redisstore benchmarks start their own redis-server.
set -eu
old=$1 new=$2 out=$3
rounds=${ROUNDS:-5}
mkdir -p "$out"
benchstat=$(go env GOPATH)/bin/benchstat

run() { # run BIN DIR FILE ARGS...: one benchmark process, its lines appended to FILE
	bin=$1 dir=$2 file=$3
	shift 3
	(cd "$dir" && "$bin" -test.run '^$' "$@" 2>&1) | grep '^Benchmark' >>"$file" || true
}

uptime >"$out/uptime.txt"
for i in $(seq "$rounds"); do
	echo "round $i: $(uptime)" >>"$out/uptime.txt"
	# Fills: one cycle of 10,000 and 100,000 long-lived keys, with the peers.
	run "$old/tc.test" tokencache "$out/churn.old" -test.bench 'PeersChurn/keys=(10000|100000)/longlived/Cache$' -test.benchtime 1x -test.cpu 1,2
	run "$new/tc.test" tokencache "$out/churn.new" -test.bench 'PeersChurn/keys=(10000|100000)/longlived/' -test.benchtime 1x -test.cpu 1,2
	# A miss (Invalidate, then Token), with the peers.
	run "$old/tc.test" tokencache "$out/miss.old" -test.bench 'PeersMiss$/.*/Cache$' -test.benchtime 100ms -test.benchmem -test.cpu 1
	run "$new/tc.test" tokencache "$out/miss.new" -test.bench 'PeersMiss$' -test.benchtime 100ms -test.benchmem -test.cpu 1
	# The floor under a fill.
	run "$new/tc.test" tokencache "$out/handoff.new" -test.bench 'HandOffFloor' -test.benchtime 200ms -test.benchmem -test.cpu 1,2
	# Keyed hit against the bare map: each in a fresh process.
	for n in 10000 100000; do
		run "$old/tc.test" tokencache "$out/hit.old" -test.bench "PeersKeyedHit\$/keys=$n/Cache.Token\$" -test.benchtime 1s -test.benchmem -test.cpu 1,2
		for c in Cache.Token map; do
			run "$new/tc.test" tokencache "$out/hit.new" -test.bench "PeersKeyedHit\$/keys=$n/$c\$" -test.benchtime 1s -test.benchmem -test.cpu 1,2
		done
	done
	# One client-credentials request, beside x/oauth2's.
	run "$old/ow.test" internal/oauthwire "$out/cc.old" -test.bench 'ClientCredentials' -test.benchtime 1s -test.benchmem
	run "$new/ow.test" internal/oauthwire "$out/cc.new" -test.bench 'ClientCredentials' -test.benchtime 1s -test.benchmem
	# The Redis L2 hit, beside a bare go-redis GET of the same bytes.
	run "$old/rs.test" tokencache/redisstore "$out/l2.old" -test.bench 'L2Hit' -test.benchtime 1s -test.benchmem
	run "$new/rs.test" tokencache/redisstore "$out/l2.new" -test.bench 'L2Hit' -test.benchtime 1s -test.benchmem
done
# Heap per key does not depend on the load: two samples each.
run "$old/tc.test" tokencache "$out/mem.old" -test.bench 'PeersMemory/.*/Cache$' -test.benchtime 1x -test.count 2 -test.cpu 1
run "$new/tc.test" tokencache "$out/mem.new" -test.bench 'PeersMemory' -test.benchtime 1x -test.count 2 -test.cpu 1
echo "end: $(uptime)" >>"$out/uptime.txt"

for k in churn miss hit cc l2 mem; do
	"$benchstat" "$out/$k.old" "$out/$k.new" >"$out/$k.benchstat" 2>&1 || true
done
"$benchstat" "$out/handoff.new" >"$out/handoff.benchstat" 2>&1 || true
