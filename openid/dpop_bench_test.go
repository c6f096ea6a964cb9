package openid_test

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/seed-e8f4a5f7/oauthkit/openid"
	"github.com/seed-e8f4a5f7/oauthkit/openid/openidtest"
)

// BenchmarkDPoPClient times one request through Provider.Client() to the
// fake's protected resource, the token a cache hit: with a Bearer token,
// and with a DPoP-bound one (a fresh ES256 proof per request, which the
// fake verifies too: the difference is the proof's cost on both sides).
// Then the cache hit alone (Provider.Token) with DPoP off and on, in the
// same run.
func BenchmarkDPoPClient(b *testing.B) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		dpop bool
	}{{"bearer", false}, {"dpop", true}} {
		fake := openidtest.NewServer(openidtest.Options{})
		b.Cleanup(fake.Close)
		cfg := fake.Config("client")
		if tc.dpop {
			cfg.DPoP = &openid.DPoP{}
		}
		p, err := openid.New(cfg)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := p.Token(ctx); err != nil {
			b.Fatal(err)
		}
		hc := p.Client()
		b.Run("client-"+tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				resp, err := hc.Get(fake.ResourceURL())
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("status %d", resp.StatusCode)
				}
			}
		})
		b.Run("cache-hit-"+tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.Token(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
