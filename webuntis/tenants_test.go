package webuntis_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis/webuntistest"
)

// newTenantsOn returns Tenants against untis with n of its tenants stored.
func newTenantsOn(t testing.TB, untis *webuntistest.Server, n int) (*webuntis.Tenants, []string) {
	t.Helper()
	store := &webuntis.MemoryCredentialStore{}
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("school-%d", i)
		tt := webuntistest.Tenant{ID: ids[i], ClientID: "app", Password: "pw-" + ids[i], ClientSecret: "cs-" + ids[i]}
		untis.AddTenant(tt)
		_, err := store.Put(context.Background(), &webuntis.Credentials{TenantID: tt.ID, ClientID: tt.ClientID, Password: oauthkit.Secret(tt.Password)})
		require.NoError(t, err)
	}
	tenants, err := webuntis.NewTenants(webuntis.TenantsConfig{
		Credentials: store,
		Config:      webuntis.Config{BaseURL: untis.URL, HTTPClient: untis.Client()},
	})
	require.NoError(t, err)
	return tenants, ids
}

// TestTenantsLazyAndDropped: a provider is made on first use and kept;
// Delete drops it and its credentials; an unknown tenant is
// ErrNoCredentials.
func TestTenantsLazyAndDropped(t *testing.T) {
	untis := webuntistest.NewServer(webuntistest.Options{})
	defer untis.Close()
	tenants, ids := newTenantsOn(t, untis, 3)
	ctx := context.Background()
	assert.Zero(t, tenants.Len(), "nothing made before use")

	p, err := tenants.Provider(ctx, ids[0])
	require.NoError(t, err)
	assert.Equal(t, ids[0], p.Tenant())
	again, err := tenants.Provider(ctx, ids[0])
	require.NoError(t, err)
	assert.Same(t, p, again)
	assert.Equal(t, 1, tenants.Len())

	client, err := tenants.Client(ctx, ids[1])
	require.NoError(t, err)
	resp, err := client.Get(untis.URL + "/ims/oneroster/v1p1/classes?limit=2")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)

	require.NoError(t, tenants.Delete(ctx, ids[0]))
	assert.Equal(t, 1, tenants.Len())
	_, err = tenants.Provider(ctx, ids[0])
	assert.ErrorIs(t, err, webuntis.ErrNoCredentials)
	_, err = tenants.TokenSource(ctx, "no-such-school")
	assert.ErrorIs(t, err, webuntis.ErrNoCredentials)
}

// TestTenantsConcurrent: many goroutines asking for the same and different
// tenants, while credentials are replaced, get working providers, one per
// tenant at a time, one token request per tenant.
func TestTenantsConcurrent(t *testing.T) {
	untis := webuntistest.NewServer(webuntistest.Options{})
	defer untis.Close()
	tenants, ids := newTenantsOn(t, untis, 20)
	ctx := context.Background()
	var wg sync.WaitGroup
	for g := range 40 {
		wg.Go(func() {
			for i := range ids {
				id := ids[(i+g)%len(ids)]
				src, err := tenants.TokenSource(ctx, id)
				if assert.NoError(t, err) {
					_, err = src.Token()
					assert.NoError(t, err)
				}
			}
		})
	}
	wg.Go(func() { // same credentials again: nothing dropped
		for _, id := range ids {
			c, err := tenants.Get(ctx, id)
			if assert.NoError(t, err) {
				_, err = tenants.Put(ctx, c)
				assert.NoError(t, err)
			}
		}
	})
	wg.Wait()
	assert.Equal(t, len(ids), tenants.Len())
	assert.Equal(t, len(ids), untis.Requests(webuntistest.EndpointToken), "one token per tenant")
}

// TestTenantsHeapPerTenant: 10,000 tenants with a token each cost a few
// kilobytes apiece — the provider and the cache entry — not a client or a
// goroutine each.
func TestTenantsHeapPerTenant(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 tenants")
	}
	untis := webuntistest.NewServer(webuntistest.Options{})
	defer untis.Close()
	const n = 10_000
	tenants, ids := newTenantsOn(t, untis, n)
	ctx := context.Background()
	goroutines := runtime.NumGoroutine()
	before := heap()
	for _, id := range ids {
		src, err := tenants.TokenSource(ctx, id)
		require.NoError(t, err)
		_, err = src.Token()
		require.NoError(t, err)
	}
	after := heap()
	perTenant := float64(after-before) / n
	t.Logf("heap per tenant (provider, cache entry and token): %.0f bytes", perTenant)
	assert.Less(t, perTenant, 16.0*1024, "a tenant costs its provider and cache entry")
	assert.Equal(t, n, tenants.Len())
	assert.Equal(t, n, tenants.Cache().Len())
	assert.Less(t, runtime.NumGoroutine()-goroutines, 100, "no goroutine per tenant")
	runtime.KeepAlive(tenants)
}

func heap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestTenantClientRetriesAfterRevocation: a tenant's client, after its
// token is revoked early, renews it and retries once, and the caller sees
// only the 200.
func TestTenantClientRetriesAfterRevocation(t *testing.T) {
	untis := webuntistest.NewServer(webuntistest.Options{})
	defer untis.Close()
	tenants, ids := newTenantsOn(t, untis, 1)
	client, err := tenants.Client(context.Background(), ids[0])
	require.NoError(t, err)
	for i := range 2 {
		if i == 1 {
			untis.RevokeTokens(ids[0])
		}
		resp, err := client.Get(untis.URL + "/ims/oneroster/v1p1/users")
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, 200, resp.StatusCode)
	}
	assert.Equal(t, 2, untis.Requests(webuntistest.EndpointToken), "one renewal")
	assert.Equal(t, 3, untis.Requests(webuntistest.EndpointOneRoster), "one retry")
}
