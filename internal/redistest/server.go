package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	mrand "math/rand/v2"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// startTimeout bounds how long a started redis-server may take to answer.
const startTimeout = 10 * time.Second

// Server is a redis-server for a test: one [Start] started on a free
// loopback port, or the external one at REDIS_ADDR.
type Server struct {
	addr     string
	external bool
	dir      string

	mu  sync.Mutex
	cmd *exec.Cmd
}

// Start returns a running Redis for t: the server at REDIS_ADDR if set,
// else a redis-server started on a free loopback port and killed when t
// ends. Without REDIS_ADDR and redis-server it skips t, or fails it under
// CI=true.
func Start(t testing.TB) *Server {
	t.Helper()
	if addr := os.Getenv("REDIS_ADDR"); addr != "" {
		return &Server{addr: addr, external: true}
	}
	need(t, "redis-server")
	s := &Server{addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(freePort(t, false))), dir: t.TempDir()}
	s.start(t)
	t.Cleanup(s.kill)
	return s
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.addr }

// External reports whether the server is the one at REDIS_ADDR, which
// [Server.Stop] and [Server.Restart] cannot control: a test that needs them
// skips when it is.
func (s *Server) External() bool { return s.external }

// Client returns a go-redis client for the server, closed when t ends.
func (s *Server) Client(t testing.TB) *redis.Client { return Client(t, s.addr) }

// Stop kills the redis-server, by its pid, and waits until it has exited:
// Redis goes down mid-test. It fails t for an external server.
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	if s.external {
		t.Fatal("redistest: cannot stop the server at REDIS_ADDR (check Server.External first)")
	}
	s.kill()
}

// Restart starts the stopped server again, on the same port and empty, and
// waits until it answers. It fails t for an external server.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	if s.external {
		t.Fatal("redistest: cannot restart the server at REDIS_ADDR (check Server.External first)")
	}
	s.kill()
	s.start(t)
}

// start runs redis-server on s's port and waits until it answers.
func (s *Server) start(t testing.TB) {
	t.Helper()
	_, port, _ := net.SplitHostPort(s.addr)
	cmd := exec.Command("redis-server", "--port", port, "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", s.dir, "--loglevel", "warning")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatalf("redistest: start redis-server: %v", err)
	}
	s.mu.Lock()
	s.cmd = cmd
	s.mu.Unlock()
	waitPing(t, s.addr)
}

// kill kills the redis-server s started, if it runs, and waits for it.
func (s *Server) kill() {
	s.mu.Lock()
	cmd := s.cmd
	s.cmd = nil
	s.mu.Unlock()
	if cmd != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
}

// Client returns a go-redis client for the Redis at addr (a [Server], a
// [SlowProxy]), closed when t ends.
func Client(t testing.TB, addr string) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// Prefix returns a key prefix of its own ("oauthkit-test-<random>:"), so
// that tests can share one Redis, REDIS_ADDR's included.
func Prefix() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "oauthkit-test-" + hex.EncodeToString(b[:]) + ":"
}

// need skips t, or fails it under CI=true, when bin is not on PATH.
func need(t testing.TB, bin string) {
	t.Helper()
	if _, err := exec.LookPath(bin); err == nil {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("redistest: %s is not installed (CI=true): .ci/run installs Debian's redis-server", bin)
	}
	t.Skipf("redistest: %s is not installed: apt-get install redis-server, or set REDIS_ADDR / REDIS_CLUSTER_ADDRS", bin)
}

// freePort returns a loopback TCP port that was free a moment ago; with bus,
// one whose Cluster bus port (port+10000) was free too. Cluster ports are
// drawn below Linux's ephemeral range (32768 and up), so that no outgoing
// connection of a busy test takes the bus port before the node binds it.
func freePort(t testing.TB, bus bool) int {
	t.Helper()
	if !bus {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("redistest: find a free port: %v", err)
		}
		defer l.Close()
		return l.Addr().(*net.TCPAddr).Port
	}
	for range 100 {
		port := 10000 + mrand.IntN(22768-10000)
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			continue
		}
		lb, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port+10000)))
		_ = l.Close()
		if err != nil {
			continue
		}
		_ = lb.Close()
		return port
	}
	t.Fatal("redistest: no free loopback port pair for a Cluster node")
	return 0
}

// waitPing polls addr until Redis answers PING, for at most startTimeout.
func waitPing(t testing.TB, addr string) {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(startTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("redistest: redis-server on %s did not answer within %v: %v", addr, startTimeout, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
