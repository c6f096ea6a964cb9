package redisstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
	"github.com/seed-e8f4a5f7/oauthkit/internal/redistest"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache/redisstore"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis/webuntistest"
)

func credentialKey(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

func newCredentialStore(t *testing.T, srv *redistest.Server, keys ...[]byte) *redisstore.CredentialStore {
	t.Helper()
	s, err := redisstore.NewCredentialStore(redisstore.CredentialConfig{Client: srv.Client(t), Keys: keys, Prefix: "test:" + t.Name() + ":"})
	require.NoError(t, err)
	return s
}

// TestCredentialStoreRoundTrip: Put, Get and Delete on a real Redis; the
// password and secret come back whole; the key names and stored values hold
// neither the tenant id nor a secret in clear; a key added for rotation still
// opens what the old one sealed.
func TestCredentialStoreRoundTrip(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	oldKey, newKey := credentialKey(1), credentialKey(2)
	s := newCredentialStore(t, srv, oldKey)

	want := &webuntis.Credentials{TenantID: "school-4711", ClientID: "BestApp", Secret: oauthkit.Secret("oidc+secret%2F"), Password: oauthkit.Secret("platform pa$$word"), Host: "demo.webuntis.com", EventType: "RESET"}
	rev, err := s.Put(ctx, want)
	require.NoError(t, err)
	assert.EqualValues(t, 1, rev)
	got, err := s.Get(ctx, "school-4711")
	require.NoError(t, err)
	assert.True(t, want.Password.Reveal() == got.Password.Reveal(), "password round-trips")
	assert.True(t, want.Secret.Reveal() == got.Secret.Reveal(), "secret round-trips")
	assert.Equal(t, want.ClientID, got.ClientID)

	keys, err := srv.Client(t).Keys(ctx, "test:"+t.Name()+":*").Result()
	require.NoError(t, err)
	require.Len(t, keys, 1)
	secrets := []string{"school-4711", want.Password.Reveal(), want.Secret.Reveal()}
	providertest.Text(t, "a Redis key name", keys[0], secrets...)
	raw, err := srv.Client(t).Get(ctx, keys[0]).Result()
	require.NoError(t, err)
	providertest.Text(t, "the stored record", raw, secrets[1:]...)

	rotated := newCredentialStore(t, srv, newKey, oldKey)
	got, err = rotated.Get(ctx, "school-4711")
	require.NoError(t, err, "a record sealed with the old key opens after rotation")
	assert.True(t, got.Password.Reveal() == want.Password.Reveal())

	require.NoError(t, s.Delete(ctx, "school-4711"))
	_, err = s.Get(ctx, "school-4711")
	require.ErrorIs(t, err, webuntis.ErrNoCredentials)
	require.NoError(t, s.Delete(ctx, "school-4711"), "deleting what is gone is not an error")
}

// TestCredentialStoreRefusesTamperedOrForeignRecords: a record changed in a
// byte, sealed with another key, or copied to another tenant's key is an
// error, never other credentials.
func TestCredentialStoreRefusesTamperedOrForeignRecords(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	s := newCredentialStore(t, srv, credentialKey(1))
	rc := srv.Client(t)
	pattern := "test:" + t.Name() + ":*"

	_, err := s.Put(ctx, &webuntis.Credentials{TenantID: "a", ClientID: "c", Password: "pa"})
	require.NoError(t, err)
	keys, err := rc.Keys(ctx, pattern).Result()
	require.NoError(t, err)
	require.Len(t, keys, 1)
	nameA := keys[0]
	recordA, err := rc.Get(ctx, nameA).Result()
	require.NoError(t, err)

	_, err = s.Put(ctx, &webuntis.Credentials{TenantID: "b", ClientID: "c", Password: "pb"})
	require.NoError(t, err)
	keys, err = rc.Keys(ctx, pattern).Result()
	require.NoError(t, err)
	require.Len(t, keys, 2)
	nameB := keys[0]
	if nameB == nameA {
		nameB = keys[1]
	}

	flipped := []byte(recordA)
	flipped[len(flipped)/2] ^= 'A' ^ 'B'
	if flipped[len(flipped)/2] == recordA[len(recordA)/2] {
		flipped[len(flipped)/2] ^= 1
	}
	for _, tc := range []struct {
		name, key, value, tenant string
	}{
		{"tampered", nameA, string(flipped), "a"},
		{"another tenant's record", nameB, recordA, "b"},
		{"garbage", nameA, "not a record", "a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, rc.Set(ctx, tc.key, tc.value, 0).Err())
			got, err := s.Get(ctx, tc.tenant)
			require.ErrorIs(t, err, redisstore.ErrUnreadable)
			assert.Nil(t, got)
			providertest.Text(t, "the error", err.Error(), "pa", "pb")
		})
	}

	other := newCredentialStore(t, srv, credentialKey(9))
	require.NoError(t, rc.Set(ctx, nameA, recordA, 0).Err())
	_, err = other.Get(ctx, "a")
	require.True(t, errors.Is(err, redisstore.ErrUnreadable), "a record sealed with a key the store does not hold")
}

// TestCredentialStoreBoundedWhenRedisIsDown: a stopped Redis is an error
// within the timeout, not a hang.
func TestCredentialStoreBoundedWhenRedisIsDown(t *testing.T) {
	srv := redistest.Start(t)
	s := newCredentialStore(t, srv, credentialKey(1))
	srv.Stop(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*redisstore.DefaultTimeout)
	defer cancel()
	_, err := s.Get(ctx, "a")
	require.Error(t, err)
	require.NoError(t, ctx.Err(), "the store's own timeout ended the call")
}

// TestCredentialStoreCompareAndSwap: Put raises the revision and refuses a
// Put from a revision the record is no longer at; of many replicas' Puts
// from one revision at once, exactly one lands. A record from before
// revisions opens at revision 0; a key of another type, or a record whose
// revision beside it was changed, is unreadable, and a Put from the
// revision Get reported replaces it.
func TestCredentialStoreCompareAndSwap(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	key := credentialKey(1)
	s := newCredentialStore(t, srv, key)
	rc := srv.Client(t)
	c := &webuntis.Credentials{TenantID: "school-1", ClientID: "app", Password: "pw-0"}

	rev, err := s.Put(ctx, c)
	require.NoError(t, err)
	require.EqualValues(t, 1, rev)
	_, err = s.Put(ctx, c)
	require.ErrorIs(t, err, webuntis.ErrRevisionConflict, "the record is at 1, not 0")

	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := range 8 {
		replica := newCredentialStore(t, srv, key) // a client of its own
		wg.Go(func() {
			c2 := &webuntis.Credentials{TenantID: "school-1", ClientID: "app", Password: oauthkit.Secret(fmt.Sprintf("pw-%d", i+1)), Revision: 1}
			if _, err := replica.Put(ctx, c2); err == nil {
				wins.Add(1)
			} else {
				assert.ErrorIs(t, err, webuntis.ErrRevisionConflict)
			}
		})
	}
	wg.Wait()
	assert.EqualValues(t, 1, wins.Load(), "one Put from revision 1 lands")
	got, err := s.Get(ctx, "school-1")
	require.NoError(t, err)
	assert.EqualValues(t, 2, got.Revision)

	keys, err := rc.Keys(ctx, "test:"+t.Name()+":*").Result()
	require.NoError(t, err)
	require.Len(t, keys, 1)
	name := keys[0]
	value, err := rc.Get(ctx, name).Result()
	require.NoError(t, err)
	providertest.Text(t, "the stored record", value, "school-1", "app", got.Password.Reveal())

	t.Run("record from before revisions", func(t *testing.T) {
		sealer, err := webuntis.NewCredentialSealer([][]byte{key})
		require.NoError(t, err)
		legacy, err := sealer.Seal(&webuntis.Credentials{TenantID: "school-1", ClientID: "app", Password: "legacy"})
		require.NoError(t, err)
		require.NoError(t, rc.Set(ctx, name, legacy, 0).Err())
		got, err := s.Get(ctx, "school-1")
		require.NoError(t, err)
		assert.Zero(t, got.Revision)
		rev, err := s.Put(ctx, got)
		require.NoError(t, err)
		assert.EqualValues(t, 1, rev)
	})

	for _, tc := range []struct {
		name  string
		spoil func(t *testing.T)
	}{
		{"another type", func(t *testing.T) {
			require.NoError(t, rc.Del(ctx, name).Err())
			require.NoError(t, rc.HSet(ctx, name, "f", "v").Err())
		}},
		{"revision changed", func(t *testing.T) {
			v, err := rc.Get(ctx, name).Result()
			require.NoError(t, err)
			rest, ok := strings.CutPrefix(v, "c1.")
			require.True(t, ok, "a record with a revision")
			_, sealed, ok := strings.Cut(rest, ".")
			require.True(t, ok)
			require.NoError(t, rc.Set(ctx, name, "c1.7."+sealed, 0).Err())
		}},
		{"leading zero", func(t *testing.T) {
			require.NoError(t, rc.Set(ctx, name, "c1.01.x", 0).Err())
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Put(ctx, &webuntis.Credentials{TenantID: "school-1", ClientID: "app", Password: "pw", Revision: currentRevision(t, s)})
			require.NoError(t, err)
			tc.spoil(t)
			_, err = s.Get(ctx, "school-1")
			require.ErrorIs(t, err, redisstore.ErrUnreadable)
			require.ErrorIs(t, err, webuntis.ErrUnreadableCredentials)
			var ue *webuntis.UnreadableError
			require.ErrorAs(t, err, &ue)
			rev, err := s.Put(ctx, &webuntis.Credentials{TenantID: "school-1", ClientID: "app", Password: "replaced", Revision: ue.Revision})
			require.NoError(t, err, "a Put from the reported revision replaces it")
			got, err := s.Get(ctx, "school-1")
			require.NoError(t, err)
			assert.Equal(t, rev, got.Revision)
		})
	}
}

// currentRevision is the revision a Put must name to replace the tenant's
// record, readable or not.
func currentRevision(t *testing.T, s *redisstore.CredentialStore) uint64 {
	t.Helper()
	got, err := s.Get(context.Background(), "school-1")
	var ue *webuntis.UnreadableError
	switch {
	case err == nil:
		return got.Revision
	case errors.As(err, &ue):
		return ue.Revision
	case errors.Is(err, webuntis.ErrNoCredentials):
		return 0
	}
	require.NoError(t, err)
	return 0
}

// TestCredentialStoreGetIsBounded: a value far longer than a record is
// unreadable and is not sent: its length is checked in Redis first.
func TestCredentialStoreGetIsBounded(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	s := newCredentialStore(t, srv, credentialKey(1))
	rc := srv.Client(t)
	rev, err := s.Put(ctx, &webuntis.Credentials{TenantID: "a", ClientID: "c", Password: "p"})
	require.NoError(t, err)
	keys, err := rc.Keys(ctx, "test:"+t.Name()+":*").Result()
	require.NoError(t, err)
	require.Len(t, keys, 1)
	value, err := rc.Get(ctx, keys[0]).Result()
	require.NoError(t, err)
	require.NoError(t, rc.Set(ctx, keys[0], value+strings.Repeat("A", 16<<20), 0).Err())

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err = s.Get(ctx, "a")
	runtime.ReadMemStats(&after)
	require.ErrorIs(t, err, redisstore.ErrUnreadable)
	var ue *webuntis.UnreadableError
	require.ErrorAs(t, err, &ue)
	assert.Equal(t, rev, ue.Revision, "the revision is read from the record's first bytes")
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(1<<20), "the 16 MiB value was not sent")
}

// redisReplicas is two replicas of one service on one Redis: each has its
// own Redis client and CredentialStore, its own Tenants (and token cache)
// and its own webhook handler, against one fake WebUntis.
type redisReplicas struct {
	untis        *webuntistest.Server
	a, b         *webuntis.Tenants
	storeA       *redisstore.CredentialStore
	hookA, hookB string
}

// newRedisReplicas starts the replicas; wrap, if set, wraps each replica's
// store; onUnreadable is given to both webhook handlers.
func newRedisReplicas(t *testing.T, srv *redistest.Server, wrap func(webuntis.CredentialStore) webuntis.CredentialStore, onUnreadable func(context.Context, string, error)) *redisReplicas {
	t.Helper()
	return newRedisReplicasOn(t, func(t testing.TB) redis.UniversalClient { return srv.Client(t) }, wrap, onUnreadable)
}

// newRedisReplicasOn is newRedisReplicas over the Redis client returns: one
// server, or a Cluster.
func newRedisReplicasOn(t *testing.T, client func(testing.TB) redis.UniversalClient, wrap func(webuntis.CredentialStore) webuntis.CredentialStore, onUnreadable func(context.Context, string, error)) *redisReplicas {
	t.Helper()
	untis := webuntistest.NewServer(webuntistest.Options{})
	t.Cleanup(untis.Close)
	key, err := webuntis.ParseWebhookKey(untis.WebhookKey())
	require.NoError(t, err)
	r := &redisReplicas{untis: untis}
	replica := func() (*webuntis.Tenants, *redisstore.CredentialStore, string) {
		store, err := redisstore.NewCredentialStore(redisstore.CredentialConfig{Client: client(t), Keys: [][]byte{credentialKey(1)}, Prefix: "test:" + t.Name() + ":"})
		require.NoError(t, err)
		var shared webuntis.CredentialStore = store
		if wrap != nil {
			shared = wrap(store)
		}
		tenants, err := webuntis.NewTenants(webuntis.TenantsConfig{
			Credentials: shared,
			Config:      webuntis.Config{BaseURL: untis.URL, HTTPClient: untis.Client()},
		})
		require.NoError(t, err)
		hook, err := webuntis.NewWebhookHandler(webuntis.WebhookConfig{Key: key, Credentials: tenants, OnUnreadable: onUnreadable})
		require.NoError(t, err)
		app := httptest.NewServer(hook)
		t.Cleanup(app.Close)
		return tenants, store, app.URL
	}
	r.a, r.storeA, r.hookA = replica()
	r.b, _, r.hookB = replica()
	return r
}

func (r *redisReplicas) send(t *testing.T, url string, body []byte) int {
	t.Helper()
	status, err := r.untis.SendWebhook(context.Background(), url, body)
	require.NoError(t, err)
	return status
}

// reset gives the tenant a new password at the fake and revokes the tokens
// got with the old one, as a RESET in Untis does, and returns the event's
// body and the new password.
func (r *redisReplicas) reset(t *testing.T, id string) ([]byte, string) {
	t.Helper()
	tenant, ok := r.untis.ResetPassword(id)
	require.True(t, ok)
	r.untis.RevokeTokens(id)
	body, _ := r.untis.TenantWebhookBody(id, webuntis.EventReset)
	return body, tenant.Password
}

// TestRedisReplicasFollowAReset: a RESET delivered to replica A is used by
// replica B, whose kept client and provider keep working: B's caller never
// sees invalid_client.
func TestRedisReplicasFollowAReset(t *testing.T) {
	srv := redistest.Start(t)
	redisReplicasFollowAReset(t, newRedisReplicas(t, srv, nil, nil))
}

// TestRedisClusterReplicasFollowAReset is TestRedisReplicasFollowAReset on a
// Redis Cluster of three nodes.
func TestRedisClusterReplicasFollowAReset(t *testing.T) {
	c := redistest.StartCluster(t)
	redisReplicasFollowAReset(t, newRedisReplicasOn(t, func(t testing.TB) redis.UniversalClient { return c.Client(t) }, nil, nil))
}

func redisReplicasFollowAReset(t *testing.T, r *redisReplicas) {
	ctx := context.Background()
	id := r.untis.Tenant().ID
	require.Equal(t, http.StatusNoContent, r.send(t, r.hookA, r.untis.WebhookBody(webuntis.EventCreated)))
	users := r.untis.URL + "/ims/oneroster/v1p1/users"

	client, err := r.b.Client(ctx, id)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, getStatus(t, client, users))
	old, err := r.b.Provider(ctx, id)
	require.NoError(t, err)

	body, _ := r.reset(t, id)
	require.Equal(t, http.StatusNoContent, r.send(t, r.hookA, body))

	assert.Equal(t, http.StatusOK, getStatus(t, client, users), "B's kept client works with the stored credentials")
	_, err = old.ClientCredentials(ctx)
	assert.NoError(t, err, "B's kept provider too")
	p, err := r.b.Provider(ctx, id)
	require.NoError(t, err)
	assert.NotSame(t, old, p)
}

func getStatus(t *testing.T, client *http.Client, url string) int {
	t.Helper()
	resp, err := client.Get(url)
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode
}

// gatedPut holds back the Put of one password until released.
type gatedPut struct {
	webuntis.CredentialStore
	password         func() string
	reached, release chan struct{}
	once             *sync.Once
}

func (s gatedPut) Put(ctx context.Context, c *webuntis.Credentials) (uint64, error) {
	if c.Password.Reveal() == s.password() {
		s.once.Do(func() {
			close(s.reached)
			<-s.release
		})
	}
	return s.CredentialStore.Put(ctx, c)
}

// TestRedisReplicasConcurrentResetsKeepTheNewest: A has checked an older
// RESET's password (still valid then) when Untis resets again and B checks
// and stores the newer one; A's compare-and-swap then fails, A reads again,
// its password is refused now: 409, and Redis keeps the newest password.
func TestRedisReplicasConcurrentResetsKeepTheNewest(t *testing.T) {
	srv := redistest.Start(t)
	var gated atomic.Pointer[string]
	reached, release := make(chan struct{}), make(chan struct{})
	once := &sync.Once{}
	r := newRedisReplicas(t, srv, func(s webuntis.CredentialStore) webuntis.CredentialStore {
		return gatedPut{CredentialStore: s, password: func() string {
			if p := gated.Load(); p != nil {
				return *p
			}
			return ""
		}, reached: reached, release: release, once: once}
	}, nil)
	ctx := context.Background()
	id := r.untis.Tenant().ID
	require.Equal(t, http.StatusNoContent, r.send(t, r.hookA, r.untis.WebhookBody(webuntis.EventCreated)))

	older, olderPassword := r.reset(t, id)
	gated.Store(&olderPassword)
	statusA := make(chan int, 1)
	go func() {
		status, err := r.untis.SendWebhook(ctx, r.hookA, older)
		assert.NoError(t, err)
		statusA <- status
	}()
	<-reached

	newer, newest := r.reset(t, id)
	assert.Equal(t, http.StatusNoContent, r.send(t, r.hookB, newer))
	close(release)
	assert.Equal(t, http.StatusConflict, <-statusA)

	got, err := r.storeA.Get(ctx, id)
	require.NoError(t, err)
	assert.True(t, got.Password.Reveal() == newest, "Redis keeps the newest password")
}

// TestRedisWebhookReplacesUnreadableRecord: garbage, or a record sealed with
// a retired key, under the tenant's key is reported and replaced by the
// next valid, signed RESET, on either replica; never a 500 for ever.
func TestRedisWebhookReplacesUnreadableRecord(t *testing.T) {
	srv := redistest.Start(t)
	rc := srv.Client(t)
	for _, tc := range []struct {
		name  string
		spoil func(t *testing.T, name string)
	}{
		{"garbage", func(t *testing.T, name string) {
			require.NoError(t, rc.Set(context.Background(), name, "not a record", 0).Err())
		}},
		{"retired key", func(t *testing.T, name string) {
			retired := newCredentialStore(t, srv, credentialKey(9))
			require.NoError(t, retired.Delete(context.Background(), "1234"))
			_, err := retired.Put(context.Background(), &webuntis.Credentials{TenantID: "1234", ClientID: "c", Password: "sealed-with-a-retired-key"})
			require.NoError(t, err)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var reported atomic.Int32
			r := newRedisReplicas(t, srv, nil, func(_ context.Context, tenant string, err error) {
				assert.ErrorIs(t, err, webuntis.ErrUnreadableCredentials)
				providertest.Text(t, "the unreadable record's error", err.Error(), "sealed-with-a-retired-key", "not a record")
				reported.Add(1)
			})
			ctx := context.Background()
			id := r.untis.Tenant().ID
			require.Equal(t, "1234", id)
			require.Equal(t, http.StatusNoContent, r.send(t, r.hookA, r.untis.WebhookBody(webuntis.EventCreated)))
			keys, err := rc.Keys(ctx, "test:"+t.Name()+":*").Result()
			require.NoError(t, err)
			require.Len(t, keys, 1)
			tc.spoil(t, keys[0])
			_, err = r.storeA.Get(ctx, id)
			require.ErrorIs(t, err, webuntis.ErrUnreadableCredentials)

			body, password := r.reset(t, id)
			assert.Equal(t, http.StatusNoContent, r.send(t, r.hookB, body), "the RESET replaces the unreadable record")
			assert.EqualValues(t, 1, reported.Load(), "reported")
			got, err := r.storeA.Get(ctx, id)
			require.NoError(t, err)
			assert.True(t, got.Password.Reveal() == password)
			src, err := r.a.TokenSource(ctx, id)
			require.NoError(t, err)
			_, err = src.Token()
			assert.NoError(t, err, "replica A uses it")
		})
	}
}

// BenchmarkCredentialStoreGet is what reading a tenant's record before
// every use would cost (webuntis.Tenants does not: it reads it when the
// token endpoint refuses the password; webuntis' BenchmarkTenantsHit).
func BenchmarkCredentialStoreGet(b *testing.B) {
	srv := redistest.Start(b)
	ctx := context.Background()
	s, err := redisstore.NewCredentialStore(redisstore.CredentialConfig{Client: srv.Client(b), Keys: [][]byte{credentialKey(1)}, Prefix: redistest.Prefix()})
	require.NoError(b, err)
	_, err = s.Put(ctx, &webuntis.Credentials{TenantID: "1234", ClientID: "app", Password: "pw"})
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Get(ctx, "1234"); err != nil {
			b.Fatal(err)
		}
	}
}
