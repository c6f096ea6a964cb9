package discovery

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
)

// idp serves a discovery document and a JWKS it can be told to break.
type idp struct {
	srv        *httptest.Server
	doc        map[string]any
	discovery  atomic.Int32
	jwks       atomic.Int32
	jwksStatus atomic.Int32
	discStatus atomic.Int32
}

func newIDP(t *testing.T) *idp {
	i := &idp{}
	i.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			i.discovery.Add(1)
			if s := i.discStatus.Load(); s != 0 {
				w.WriteHeader(int(s))
				w.Write([]byte("<html><title>Bad Gateway</title></html>"))
				return
			}
			json.NewEncoder(w).Encode(i.doc)
		case "/jwks":
			i.jwks.Add(1)
			if s := i.jwksStatus.Load(); s != 0 {
				w.WriteHeader(int(s))
				return
			}
			w.Write(fakeidp.JWKS(fakeidp.SharedKey()))
		}
	}))
	t.Cleanup(i.srv.Close)
	u := i.srv.URL
	i.doc = map[string]any{
		"issuer": u, "authorization_endpoint": u + "/authorize", "token_endpoint": u + "/token",
		"jwks_uri": u + "/jwks", "grant_types_supported": []string{"authorization_code"},
	}
	return i
}

func (i *idp) discover(t *testing.T) (*Metadata, error) {
	hc := httpc.New(httpc.Options{Retry: httpc.Policy{MaxAttempts: 1}})
	return NewDiscovery("p", i.srv.URL+"/.well-known/openid-configuration", i.srv.URL, hc).Get(context.Background())
}

func TestDiscovery(t *testing.T) {
	i := newIDP(t)
	md, err := i.discover(t)
	require.NoError(t, err)
	assert.Equal(t, i.srv.URL+"/token", md.Endpoints.TokenURL)
	assert.Equal(t, []string{"authorization_code"}, md.GrantTypes)
}

func TestDiscoveryRefuses(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(doc map[string]any)
		want   string
	}{
		{"issuer differs", func(d map[string]any) { d["issuer"] = "https://other.example" }, "names issuer"},
		{"issuer with trailing slash", func(d map[string]any) { d["issuer"] = d["issuer"].(string) + "/" }, "names issuer"},
		{"no token endpoint", func(d map[string]any) { delete(d, "token_endpoint") }, "no token_endpoint"},
		{"no jwks_uri", func(d map[string]any) { delete(d, "jwks_uri") }, "no jwks_uri"},
		{"clear-text endpoint", func(d map[string]any) { d["token_endpoint"] = "http://idp.example/token" }, "must be https"},
		{"wrong types", func(d map[string]any) { d["grant_types_supported"] = "authorization_code" }, "not a JSON object of the expected shape"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			i := newIDP(t)
			tt.mutate(i.doc)
			_, err := i.discover(t)
			require.ErrorIs(t, err, oauthkit.ErrMalformedResponse)
			assert.ErrorContains(t, err, tt.want)
		})
	}
}

func TestDiscoveryFailureIsRetriedByTheNextCall(t *testing.T) {
	i := newIDP(t)
	i.discStatus.Store(502)
	hc := httpc.New(httpc.Options{Retry: httpc.Policy{MaxAttempts: 1}})
	d := NewDiscovery("p", i.srv.URL+"/.well-known/openid-configuration", i.srv.URL, hc)
	_, err := d.Get(context.Background())
	var e *oauthkit.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 502, e.StatusCode)
	assert.Equal(t, "Bad Gateway", e.Body)

	i.discStatus.Store(0)
	_, err = d.Get(context.Background())
	require.NoError(t, err)
	_, err = d.Get(context.Background())
	require.NoError(t, err)
	assert.EqualValues(t, 2, i.discovery.Load(), "one failed fetch, one kept success")
}

func TestVerifySortsFailures(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	i := newIDP(t)
	md, err := i.discover(t)
	require.NoError(t, err)
	v := md.Verifier("p", "client", func() time.Time { return now })
	claims := func() map[string]any {
		return map[string]any{"iss": i.srv.URL, "aud": "client", "sub": "s", "nonce": "n", "exp": now.Add(time.Minute).Unix()}
	}

	idt, err := v.Verify(context.Background(), fakeidp.SharedKey().Sign(claims()), "n")
	require.NoError(t, err)
	assert.Equal(t, "s", idt.Subject)

	other := fakeidp.NewKey(fakeidp.SharedKey().ID) // same kid, other key
	_, err = v.Verify(context.Background(), other.Sign(claims()), "n")
	require.ErrorIs(t, err, oauthkit.ErrIDTokenSignature)

	before := i.jwks.Load()
	_, err = v.Verify(context.Background(), fakeidp.NewKey("rotated").Sign(claims()), "n")
	require.ErrorIs(t, err, oauthkit.ErrIDTokenSignature)
	// go-oidc asks for the keys again, but the last refetch (for the
	// foreign key just before) is under refetchEvery old: the key set
	// fetched then answers (TestKeysRefetchedAtMostEveryInterval).
	assert.Equal(t, before, i.jwks.Load(), "keys fetched again within refetchEvery")

	_, err = v.Verify(context.Background(), "not.a.jwt", "n")
	require.ErrorIs(t, err, oauthkit.ErrIDTokenSignature)
}

func TestKeySetOutageIsNotAForgery(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	i := newIDP(t)
	md, err := i.discover(t)
	require.NoError(t, err)
	i.jwksStatus.Store(503)
	v := md.Verifier("p", "client", func() time.Time { return now })
	tok := fakeidp.SharedKey().Sign(map[string]any{"iss": i.srv.URL, "aud": "client", "sub": "s", "nonce": "n", "exp": now.Add(time.Minute).Unix()})
	_, err = v.Verify(context.Background(), tok, "n")
	require.Error(t, err)
	assert.NotErrorIs(t, err, oauthkit.ErrInvalidIDToken, "an unreachable key set says nothing about the token")
	assert.ErrorContains(t, err, "fetching keys")

	// The failure is not kept: once the key set answers again, verification
	// recovers. (go-oidc clears its in-flight fetch just after waking its
	// waiters, so a call in that instant may still get the failed fetch's
	// result; hence a short wait rather than "the very next call".)
	i.jwksStatus.Store(0)
	assert.Eventually(t, func() bool {
		_, err := v.Verify(context.Background(), tok, "n")
		return err == nil
	}, 2*time.Second, 5*time.Millisecond, "verification recovers once the key set answers")
	fetches := i.jwks.Load()
	_, err = v.Verify(context.Background(), tok, "n")
	require.NoError(t, err)
	assert.Equal(t, fetches, i.jwks.Load(), "and the keys, once fetched, are kept")
}

func TestVerifyHonoursContext(t *testing.T) {
	i := newIDP(t)
	md, err := i.discover(t)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = md.Verifier("p", "client", nil).Verify(ctx, fakeidp.SharedKey().Sign(map[string]any{"iss": i.srv.URL}), "n")
	require.ErrorIs(t, err, context.Canceled)
}

func TestDiscoveryReadsIssuerParameterSupported(t *testing.T) {
	i := newIDP(t)
	md, err := i.discover(t)
	require.NoError(t, err)
	assert.False(t, md.IssuerParameterSupported)

	i.doc["authorization_response_iss_parameter_supported"] = true
	md, err = i.discover(t)
	require.NoError(t, err)
	assert.True(t, md.IssuerParameterSupported, "RFC 9207 §3")
}

func TestVerifyRefusesIssuedAtInTheFuture(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	i := newIDP(t)
	md, err := i.discover(t)
	require.NoError(t, err)
	v := md.Verifier("p", "client", func() time.Time { return now })
	sign := func(iat time.Time) string {
		return fakeidp.SharedKey().Sign(map[string]any{"iss": i.srv.URL, "aud": "client", "sub": "s", "nonce": "n",
			"iat": iat.Unix(), "exp": iat.Add(time.Hour).Unix()})
	}
	_, err = v.Verify(context.Background(), sign(now.Add(MaxClockSkew)), "n")
	require.NoError(t, err, "within the skew")
	_, err = v.Verify(context.Background(), sign(now.Add(MaxClockSkew+time.Second)), "n")
	require.ErrorIs(t, err, oauthkit.ErrIDTokenExpired)
	_, err = v.Verify(context.Background(), sign(now.AddDate(1, 0, 0)), "n")
	require.ErrorIs(t, err, oauthkit.ErrIDTokenExpired, "a year ahead")
}

// TestDiscoveryDPoPAlgorithms: dpop_signing_alg_values_supported (RFC 9449
// §5.1) is read into the metadata; absent, it is empty.
func TestDiscoveryDPoPAlgorithms(t *testing.T) {
	i := newIDP(t)
	md, err := i.discover(t)
	require.NoError(t, err)
	assert.Empty(t, md.DPoPSigningAlgs)
	i.doc["dpop_signing_alg_values_supported"] = []string{"ES256", "EdDSA"}
	md, err = i.discover(t)
	require.NoError(t, err)
	assert.Equal(t, []string{"ES256", "EdDSA"}, md.DPoPSigningAlgs)
}
