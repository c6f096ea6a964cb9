package redistest

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// clusterNodes is how many master nodes [StartCluster] starts: three is the
// least redis-cli --cluster create accepts.
const clusterNodes = 3

// Cluster is a Redis Cluster for a test: three masters (no replicas)
// [StartCluster] started on free loopback ports, or the external cluster at
// REDIS_CLUSTER_ADDRS.
type Cluster struct {
	addrs    []string
	external bool
	cmds     []*exec.Cmd
}

// StartCluster returns a running Redis Cluster for t whose every node says
// cluster_state:ok: the nodes at REDIS_CLUSTER_ADDRS (comma-separated
// host:port) if set, else three redis-server nodes started with
// --cluster-enabled on free loopback ports, joined with redis-cli --cluster
// create, and killed by their pids when t ends. Without
// REDIS_CLUSTER_ADDRS, redis-server and redis-cli it skips t, or fails it
// under CI=true.
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	if env := os.Getenv("REDIS_CLUSTER_ADDRS"); env != "" {
		c := &Cluster{external: true}
		for a := range strings.SplitSeq(env, ",") {
			if a = strings.TrimSpace(a); a != "" {
				c.addrs = append(c.addrs, a)
			}
		}
		c.waitOK(t)
		return c
	}
	need(t, "redis-server")
	need(t, "redis-cli")
	dir := t.TempDir()
	for attempt := 1; ; attempt++ {
		c, err := startNodes(t, dir)
		if err == nil {
			c.waitOK(t)
			return c
		}
		if attempt == createAttempts {
			t.Fatalf("redistest: %v", err)
		}
		t.Logf("redistest: %v; again on other ports", err)
	}
}

// createAttempts is how often StartCluster tries to form a cluster, each
// time on other ports, before it fails the test.
const createAttempts = 3

// startNodes starts clusterNodes nodes in dir and joins them; on an error
// it has killed them again.
func startNodes(t testing.TB, dir string) (*Cluster, error) {
	t.Helper()
	c := &Cluster{}
	t.Cleanup(c.kill)
	for range clusterNodes {
		port := strconv.Itoa(freePort(t, true))
		cmd := exec.Command("redis-server", "--port", port, "--bind", "127.0.0.1",
			"--cluster-enabled", "yes", "--cluster-config-file", filepath.Join(dir, "nodes-"+port+".conf"),
			"--save", "", "--appendonly", "no", "--dir", dir, "--loglevel", "warning")
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
		if err := cmd.Start(); err != nil {
			c.kill()
			return nil, fmt.Errorf("start cluster node: %w", err)
		}
		c.cmds = append(c.cmds, cmd)
		c.addrs = append(c.addrs, net.JoinHostPort("127.0.0.1", port))
	}
	for _, a := range c.addrs {
		waitPing(t, a)
	}
	args := append([]string{"--cluster", "create"}, c.addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "redis-cli", args...).CombinedOutput(); err != nil {
		c.kill()
		return nil, fmt.Errorf("redis-cli --cluster create: %w\n%s", err, out)
	}
	return c, nil
}

// Addrs are the host:port of the cluster's nodes.
func (c *Cluster) Addrs() []string { return append([]string(nil), c.addrs...) }

// External reports whether the cluster is the one at REDIS_CLUSTER_ADDRS.
func (c *Cluster) External() bool { return c.external }

// Client returns a new go-redis Cluster client for the cluster, closed when
// t ends. Each call returns a client of its own, like one replica's.
func (c *Cluster) Client(t testing.TB) *redis.ClusterClient {
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs()})
	t.Cleanup(func() { _ = cc.Close() })
	return cc
}

// waitOK polls CLUSTER INFO on every node until each says cluster_state:ok,
// for at most startTimeout.
func (c *Cluster) waitOK(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(startTimeout)
	for _, a := range c.addrs {
		rc := redis.NewClient(&redis.Options{Addr: a, MaxRetries: -1})
		for {
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			info, err := rc.ClusterInfo(ctx).Result()
			cancel()
			if err == nil && strings.Contains(info, "cluster_state:ok") {
				break
			}
			if time.Now().After(deadline) {
				_ = rc.Close()
				t.Fatalf("redistest: cluster node %s not ok within %v (err %v)", a, startTimeout, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
		_ = rc.Close()
	}
}

// kill kills the nodes StartCluster started, by their pids, and waits for
// them.
func (c *Cluster) kill() {
	for _, cmd := range c.cmds {
		_ = cmd.Process.Kill()
	}
	for _, cmd := range c.cmds {
		_ = cmd.Wait()
	}
	c.cmds = nil
}
