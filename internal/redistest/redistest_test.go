package redistest_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit/internal/redistest"
)

func TestServerStopRestart(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	rc := srv.Client(t)
	require.NoError(t, rc.Set(ctx, redistest.Prefix()+"k", "v", time.Minute).Err())
	if srv.External() {
		t.Skip("REDIS_ADDR: cannot stop an external server")
	}
	srv.Stop(t)
	once := redis.NewClient(&redis.Options{Addr: srv.Addr(), MaxRetries: -1})
	defer once.Close()
	require.Error(t, once.Ping(ctx).Err())
	srv.Restart(t)
	require.NoError(t, rc.Ping(ctx).Err())
}

func TestSlowProxy(t *testing.T) {
	srv := redistest.Start(t)
	const delay = 50 * time.Millisecond
	rc := redistest.Client(t, redistest.SlowProxy(t, srv.Addr(), delay))
	start := time.Now()
	require.NoError(t, rc.Ping(context.Background()).Err())
	require.GreaterOrEqual(t, time.Since(start), 2*delay, "a round trip is held in both directions")
}

// TestCluster: the nodes serve every slot, and keys sharing a hash tag can
// be used together by one script.
func TestCluster(t *testing.T) {
	cl := redistest.StartCluster(t)
	require.Len(t, cl.Addrs(), 3)
	cc := cl.Client(t)
	ctx := context.Background()
	pre := redistest.Prefix()
	for _, k := range []string{"a", "b", "c", "d", "e", "f"} {
		require.NoError(t, cc.Set(ctx, pre+k, k, time.Minute).Err())
	}
	n, err := cc.Eval(ctx, `return redis.call('SET', KEYS[1], '1') and redis.call('SET', KEYS[2], '2') and 2`,
		[]string{pre + "{tag}:t", pre + "{tag}:l"}).Int()
	require.NoError(t, err)
	require.Equal(t, 2, n)
	_, err = cc.Eval(ctx, `return 1`, []string{pre + "{x}:t", pre + "{y}:t"}).Result()
	require.Error(t, err, "keys of different slots in one script")
}
