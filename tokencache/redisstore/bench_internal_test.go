package redisstore

import (
	"context"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit/internal/redistest"
)

// BenchmarkL2HandOff: the floor under a hit through a client without
// ContextTimeoutEnabled: Get's GETRANGE of a sealed token on the caller's
// goroutine (inline, unbounded: not what Get may do) and handed to a
// worker, bounded by ctx and Timeout as Get does (bounded). The difference
// is what the bound costs on its own.
func BenchmarkL2HandOff(b *testing.B) {
	srv := redistest.Start(b)
	client := srv.Client(b)
	s, err := New(Config{Client: client, Keys: [][]byte{goldenKey()}, Prefix: redistest.Prefix()})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	ok, err := s.CompareAndSwap(ctx, "k", "", &oauth2.Token{AccessToken: "at", RefreshToken: "rt", Expiry: time.Now().Add(time.Hour)}, time.Hour)
	if err != nil || !ok {
		b.Fatal("no entry written")
	}
	c := s.newGetRange("k")
	b.Run("inline", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.do(ctx, client); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("bounded", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			c := s.newGetRange("k") // a call's own, as Get makes it
			j := newJob(nil)
			j.get.client, j.get.c = client, c
			if err := bounded(ctx, s.timeout, j, &c.ctx); err != nil || j.get.err != nil {
				b.Fatal("GETRANGE failed")
			}
			j.release()
		}
	})
}
