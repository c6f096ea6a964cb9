package redisstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// server is a redis-server the test started on a free loopback port (and
// stops by its pid), or the one at REDIS_ADDR.
type server struct {
	addr     string
	external bool // REDIS_ADDR: never stopped

	mu  sync.Mutex
	cmd *exec.Cmd
}

// startRedis returns a running Redis for t. Without REDIS_ADDR and without
// redis-server it skips t, unless CI=true, where it fails.
func startRedis(t testing.TB) *server {
	t.Helper()
	if addr := os.Getenv("REDIS_ADDR"); addr != "" {
		return &server{addr: addr, external: true}
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("redis-server is not installed (CI=true): .ci/run installs Debian's redis-server")
		}
		t.Skip("redis-server is not installed: apt-get install redis-server, or set REDIS_ADDR")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	s := &server{addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port))}
	s.start(t)
	t.Cleanup(func() { s.stop(t) })
	return s
}

// start starts redis-server on s's port and waits until it answers.
func (s *server) start(t testing.TB) {
	t.Helper()
	_, port, _ := net.SplitHostPort(s.addr)
	cmd := exec.Command("redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", t.TempDir(), "--loglevel", "warning")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	require.NoError(t, cmd.Start())
	s.mu.Lock()
	s.cmd = cmd
	s.mu.Unlock()
	c := redis.NewClient(&redis.Options{Addr: s.addr, MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server on %s did not answer: %v", s.addr, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// stop kills the redis-server s started, by its pid, and waits for it.
func (s *server) stop(t testing.TB) {
	t.Helper()
	s.mu.Lock()
	cmd := s.cmd
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
}

// client returns a go-redis client for s, closed with t.
func (s *server) client(t testing.TB) *redis.Client {
	return clientFor(t, s.addr)
}

func clientFor(t testing.TB, addr string) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// prefix is a key prefix of its own for each test, so tests can share a
// REDIS_ADDR.
func prefix() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "oauthkit-test-" + hex.EncodeToString(b[:]) + ":"
}

// testKey is an AES-256 key for tests; n tells keys apart.
func testKey(n byte) []byte {
	k := make([]byte, 32)
	for i := range k {
		k[i] = n + byte(i)
	}
	return k
}

// slowProxy forwards loopback TCP to addr, holding every chunk for delay in
// each direction: a Redis that answers slowly.
func slowProxy(t testing.TB, addr string, delay time.Duration) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		_ = l.Close()
		mu.Lock()
		for _, c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	pipe := func(dst, src net.Conn) {
		defer wg.Done()
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				time.Sleep(delay)
				if _, werr := dst.Write(buf[:n]); werr != nil {
					return
				}
			}
			if err != nil {
				_ = dst.Close()
				return
			}
		}
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			in, err := l.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", addr)
			if err != nil {
				_ = in.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, in, out)
			mu.Unlock()
			wg.Add(2)
			go pipe(out, in)
			go pipe(in, out)
		}
	}()
	return l.Addr().String()
}

// describe names a count for a log line.
func describe(what string, n, of int64) string {
	return fmt.Sprintf("%s: %d (%.2f each)", what, n, float64(n)/float64(of))
}
