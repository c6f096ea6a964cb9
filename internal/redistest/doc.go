// Package redistest starts real Redis servers for tests: one server
// ([Start]), a Redis Cluster of three nodes ([StartCluster]), and a proxy
// that makes a Redis answer slowly ([SlowProxy]). It is the one harness for
// the tests of every package that talks to Redis (tokencache/redisstore,
// web, webuntis).
//
// Servers listen on free loopback ports, keep nothing on disk beyond the
// test's temporary directory, and are killed by their pid when the test
// ends. The environment decides where Redis comes from:
//
//   - REDIS_ADDR (host:port) makes [Start] use that server instead of
//     starting one; REDIS_CLUSTER_ADDRS (comma-separated host:port of the
//     cluster's nodes) does the same for [StartCluster]. Tests sharing an
//     external server should name their keys with [Prefix].
//   - Without them, redis-server (and redis-cli, for a cluster) must be on
//     PATH. When it is missing the test is skipped with a message saying
//     what to install, except under CI=true, where it fails: CI never
//     passes by skipping the Redis tests.
//
// A test starts a server and hands its client to the code under test:
//
//	srv := redistest.Start(t)
//	store, err := redisstore.New(redisstore.Config{Client: srv.Client(t), Prefix: redistest.Prefix(), ...})
package redistest
