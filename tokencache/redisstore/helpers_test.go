package redisstore_test

import "fmt"

// The Redis these tests run against comes from internal/redistest: a
// redis-server started on a free loopback port, or REDIS_ADDR.

// testKey is an AES-256 key for tests; n tells keys apart.
func testKey(n byte) []byte {
	k := make([]byte, 32)
	for i := range k {
		k[i] = n + byte(i)
	}
	return k
}

// describe names a count for a log line.
func describe(what string, n, of int64) string {
	return fmt.Sprintf("%s: %d (%.2f each)", what, n, float64(n)/float64(of))
}
