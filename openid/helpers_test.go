package openid_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/openid"
	"github.com/seed-e8f4a5f7/oauthkit/openid/openidtest"
)

// clock is a fake clock shared by a fake and a provider.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Now().Truncate(time.Second)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

var (
	keysOnce sync.Once
	rsaKey   *rsa.PrivateKey
	ecKey    *ecdsa.PrivateKey
	edKey    ed25519.PrivateKey
)

// clientKeys returns one RSA, one P-256 and one Ed25519 key for the run.
func clientKeys() (*rsa.PrivateKey, *ecdsa.PrivateKey, ed25519.PrivateKey) {
	keysOnce.Do(func() {
		var err error
		if rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if ecKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			panic(err)
		}
		if _, edKey, err = ed25519.GenerateKey(rand.Reader); err != nil {
			panic(err)
		}
	})
	return rsaKey, ecKey, edKey
}

// env is a fake and a provider for one of its clients.
type env struct {
	fake  *openidtest.Server
	p     *openid.Provider
	clock *clock
}

// newEnv starts a fake with opts (its Now set to a fake clock) and a
// provider for its first client, its Config changed by mutate.
func newEnv(t *testing.T, opts openidtest.Options, mutate func(*openid.Config)) *env {
	t.Helper()
	c := newClock()
	opts.Now = c.Now
	fake := openidtest.NewServer(opts)
	t.Cleanup(fake.Close)
	id := "client"
	if len(opts.Apps) > 0 {
		id = opts.Apps[0].ID
	}
	cfg := fake.Config(id)
	if mutate != nil {
		mutate(&cfg)
	}
	p, err := openid.New(cfg)
	require.NoError(t, err)
	return &env{fake: fake, p: p, clock: c}
}

// login runs a whole login: AuthCodeURL, the fake's redirect, Complete.
func (e *env) login(t *testing.T, opts ...oauthkit.AuthOption) (*oauthkit.Login, error) {
	t.Helper()
	ctx := context.Background()
	ar, err := e.p.AuthCodeURL(ctx, opts...)
	require.NoError(t, err)
	cb, err := e.fake.Authorize(ctx, ar.URL)
	require.NoError(t, err)
	return oauthkit.Complete(ctx, e.p, ar, cb.Query())
}

// callback returns the fake's redirect for a fresh AuthRequest.
func (e *env) callback(t *testing.T) (*oauthkit.AuthRequest, url.Values) {
	t.Helper()
	ar, err := e.p.AuthCodeURL(context.Background())
	require.NoError(t, err)
	cb, err := e.fake.Authorize(context.Background(), ar.URL)
	require.NoError(t, err)
	return ar, cb.Query()
}

// replaceISS puts the issuer, URL-encoded, where raw says ISS.
func replaceISS(raw, issuer string) string {
	return strings.ReplaceAll(raw, "ISS", url.QueryEscape(issuer))
}
