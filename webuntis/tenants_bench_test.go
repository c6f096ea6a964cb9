package webuntis_test

import (
	"context"
	"testing"

	"github.com/seed-e8f4a5f7/oauthkit/webuntis/webuntistest"
)

// BenchmarkTenantsHit is the hit path of a tenant that is held and has a
// fresh token: Tenants.Provider, then Provider.Token (TokenSource), and
// Tenants.Client. A credential change on another replica adds nothing
// here: it is noticed when the old credentials are refused, never by a
// store read per call.
func BenchmarkTenantsHit(b *testing.B) {
	untis := webuntistest.NewServer(webuntistest.Options{})
	defer untis.Close()
	tenants, ids := newTenantsOn(b, untis, 1)
	ctx := context.Background()
	p, err := tenants.Provider(ctx, ids[0])
	if err != nil {
		b.Fatal(err)
	}
	if _, err := p.Token(ctx); err != nil {
		b.Fatal(err)
	}
	b.Run("Provider+Token", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			p, err := tenants.Provider(ctx, ids[0])
			if err != nil {
				b.Fatal(err)
			}
			if _, err := p.Token(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Client", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := tenants.Client(ctx, ids[0]); err != nil {
				b.Fatal(err)
			}
		}
	})
}
