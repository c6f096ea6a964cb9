// Package webtest checks implementations of package web's interfaces, like
// golang.org/x/net/nettest checks a net.Conn: [TestTokenStore] runs the
// behaviour every [web.TokenStore] must have against a store of yours.
package webtest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit/web"
)

// TestTokenStore runs the [web.TokenStore] contract against the stores
// newStore returns: save and load, replace only while the session exists,
// touch, delete with its index entries, delete by index entry, the refresh
// lease (one holder among many goroutines; release only by the holder) and
// single-use keys. Every call of newStore must return a store over the same
// backend when shared is true (two replicas), or an empty, independent one
// when false; TestTokenStore uses newStore once per subtest, twice where it
// checks sharing.
func TestTokenStore(t *testing.T, newStore func(t *testing.T) web.TokenStore, shared bool) {
	ctx := context.Background()
	exp := time.Now().Add(time.Hour)
	tokens := func(access string, refs ...string) *web.StoredTokens {
		return &web.StoredTokens{
			Token:   &oauth2.Token{AccessToken: access, RefreshToken: "rt-" + access, TokenType: "Bearer", Expiry: exp.Truncate(time.Second)},
			IDToken: "idt-" + access,
			Expires: exp,
			Seen:    time.Now().Truncate(time.Second),
			Refs:    refs,
		}
	}
	n := 0
	id := func() string { n++; return fmt.Sprintf("session-%d-%d", time.Now().UnixNano(), n) }

	t.Run("SaveLoad", func(t *testing.T) {
		s := newStore(t)
		sid := id()
		want := tokens("a1", "ref-a")
		check(t, s.Save(ctx, sid, want))
		got, err := s.Load(ctx, sid)
		check(t, err)
		same(t, got, want)
		if _, err := s.Load(ctx, id()); !errors.Is(err, web.ErrNoTokens) {
			t.Errorf("Load of an unknown session: %v, want ErrNoTokens", err)
		}
	})

	t.Run("ReplaceOnlyWhileTheSessionExists", func(t *testing.T) {
		s := newStore(t)
		sid := id()
		if err := s.Replace(ctx, sid, tokens("b1")); !errors.Is(err, web.ErrNoTokens) {
			t.Fatalf("Replace of a session never saved: %v, want ErrNoTokens", err)
		}
		if _, err := s.Load(ctx, sid); !errors.Is(err, web.ErrNoTokens) {
			t.Fatal("Replace of a missing session created it")
		}
		check(t, s.Save(ctx, sid, tokens("b1")))
		next := tokens("b2")
		check(t, s.Replace(ctx, sid, next))
		got, err := s.Load(ctx, sid)
		check(t, err)
		same(t, got, next)
		check(t, s.Delete(ctx, sid))
		if err := s.Replace(ctx, sid, tokens("b3")); !errors.Is(err, web.ErrNoTokens) {
			t.Fatalf("Replace after Delete: %v, want ErrNoTokens (a logout must stay a logout)", err)
		}
		if _, err := s.Load(ctx, sid); !errors.Is(err, web.ErrNoTokens) {
			t.Fatal("Replace after Delete brought the session back")
		}
	})

	t.Run("Touch", func(t *testing.T) {
		s := newStore(t)
		sid := id()
		check(t, s.Save(ctx, sid, tokens("c1")))
		seen := time.Now().Add(5 * time.Minute).Truncate(time.Second)
		check(t, s.Touch(ctx, sid, seen))
		got, err := s.Load(ctx, sid)
		check(t, err)
		if !got.Seen.Equal(seen) {
			t.Errorf("Seen after Touch: %v, want %v", got.Seen, seen)
		}
		if got.Token.AccessToken != "c1" {
			t.Error("Touch changed the tokens")
		}
		gone := id()
		check(t, s.Touch(ctx, gone, seen))
		if _, err := s.Load(ctx, gone); !errors.Is(err, web.ErrNoTokens) {
			t.Error("Touch of a missing session created it")
		}
	})

	t.Run("ExpiredSessionIsGone", func(t *testing.T) {
		s := newStore(t)
		sid := id()
		st := tokens("d1")
		st.Expires = time.Now().Add(-time.Second)
		check(t, s.Save(ctx, sid, st))
		if _, err := s.Load(ctx, sid); !errors.Is(err, web.ErrNoTokens) {
			t.Errorf("Load of a session past its Expires: %v, want ErrNoTokens", err)
		}
	})

	t.Run("DeleteRef", func(t *testing.T) {
		s := newStore(t)
		ref, other := id()+"-user", id()+"-other"
		a, b, c := id(), id(), id()
		check(t, s.Save(ctx, a, tokens("e1", ref)))
		check(t, s.Save(ctx, b, tokens("e2", ref, other)))
		check(t, s.Save(ctx, c, tokens("e3", other)))
		got, err := s.DeleteRef(ctx, ref)
		check(t, err)
		if got != 2 {
			t.Errorf("DeleteRef ended %d sessions, want 2", got)
		}
		for _, sid := range []string{a, b} {
			if _, err := s.Load(ctx, sid); !errors.Is(err, web.ErrNoTokens) {
				t.Error("a session filed under the ref survived DeleteRef")
			}
		}
		if _, err := s.Load(ctx, c); err != nil {
			t.Errorf("a session under another ref was ended: %v", err)
		}
		got, err = s.DeleteRef(ctx, other)
		check(t, err)
		if got != 1 {
			t.Errorf("DeleteRef of the other ref ended %d sessions, want 1 (b had already gone)", got)
		}
		check(t, s.Delete(ctx, a)) // deleting none is not an error
	})

	t.Run("DeleteLeavesTheIndex", func(t *testing.T) {
		s := newStore(t)
		ref := id() + "-user"
		a := id()
		check(t, s.Save(ctx, a, tokens("f1", ref)))
		check(t, s.Delete(ctx, a))
		got, err := s.DeleteRef(ctx, ref)
		check(t, err)
		if got != 0 {
			t.Errorf("DeleteRef after Delete ended %d sessions, want 0", got)
		}
	})

	t.Run("LeaseOneHolder", func(t *testing.T) {
		s := newStore(t)
		s2 := s
		if shared {
			s2 = newStore(t) // another replica
		}
		sid := id()
		var holders atomic.Int64
		var wg sync.WaitGroup
		releases := make(chan func(context.Context) error, 64)
		for i := range 32 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				st := s
				if i%2 == 1 {
					st = s2
				}
				release, err := st.Lease(ctx, sid, time.Minute)
				switch {
				case err == nil:
					holders.Add(1)
					releases <- release
				case !errors.Is(err, web.ErrLeaseHeld):
					t.Errorf("Lease: %v", err)
				}
			}()
		}
		wg.Wait()
		close(releases)
		if got := holders.Load(); got != 1 {
			t.Fatalf("%d goroutines hold the lease at once, want 1", got)
		}
		release := <-releases
		if _, err := s2.Lease(ctx, sid, time.Minute); !errors.Is(err, web.ErrLeaseHeld) {
			t.Fatalf("Lease while held: %v, want ErrLeaseHeld", err)
		}
		check(t, release(ctx))
		again, err := s2.Lease(ctx, sid, time.Minute)
		if err != nil {
			t.Fatalf("Lease after release: %v", err)
		}
		check(t, release(ctx)) // a second release by the old holder does not free the new lease
		if _, err := s.Lease(ctx, sid, time.Minute); !errors.Is(err, web.ErrLeaseHeld) {
			t.Fatalf("the old holder's release freed another's lease: %v", err)
		}
		check(t, again(ctx))
	})

	t.Run("Once", func(t *testing.T) {
		s := newStore(t)
		s2 := s
		if shared {
			s2 = newStore(t)
		}
		key := id() + "-jti"
		first, err := s.Once(ctx, key, time.Minute)
		check(t, err)
		if !first {
			t.Fatal("Once of a new key: false, want true")
		}
		first, err = s2.Once(ctx, key, time.Minute)
		check(t, err)
		if first {
			t.Fatal("Once of a used key: true, want false (a replay)")
		}
		if f, ok := s2.(web.OnceForgetter); ok {
			check(t, f.ForgetOnce(ctx, key))
			first, err = s.Once(ctx, key, time.Minute)
			check(t, err)
			if !first {
				t.Fatal("Once of a key forgotten with ForgetOnce: false, want true")
			}
			check(t, f.ForgetOnce(ctx, id()+"-never-used")) // forgetting none is not an error
		}
	})

	if shared {
		t.Run("SharedBetweenReplicas", func(t *testing.T) {
			a, b := newStore(t), newStore(t)
			sid, ref := id(), id()+"-user"
			want := tokens("g1", ref)
			check(t, a.Save(ctx, sid, want))
			got, err := b.Load(ctx, sid)
			check(t, err)
			same(t, got, want)
			n, err := b.DeleteRef(ctx, ref)
			check(t, err)
			if n != 1 {
				t.Errorf("DeleteRef on the other replica ended %d sessions, want 1", n)
			}
			if _, err := a.Load(ctx, sid); !errors.Is(err, web.ErrNoTokens) {
				t.Error("a session ended on one replica lives on in another")
			}
		})
	}
}

func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// same compares what a store must give back, naming the field that differs
// (never its value: these are tokens).
func same(t *testing.T, got, want *web.StoredTokens) {
	t.Helper()
	switch {
	case got.Token == nil:
		t.Error("Token: nil")
	case got.Token.AccessToken != want.Token.AccessToken:
		t.Error("Token.AccessToken differs")
	case got.Token.RefreshToken != want.Token.RefreshToken:
		t.Error("Token.RefreshToken differs")
	case got.Token.TokenType != want.Token.TokenType:
		t.Error("Token.TokenType differs")
	case !got.Token.Expiry.Equal(want.Token.Expiry):
		t.Errorf("Token.Expiry: %v, want %v", got.Token.Expiry, want.Token.Expiry)
	case got.IDToken != want.IDToken:
		t.Error("IDToken differs")
	case !got.Expires.Equal(want.Expires) && got.Expires.Sub(want.Expires).Abs() > time.Millisecond:
		t.Errorf("Expires: %v, want %v", got.Expires, want.Expires)
	case !got.Seen.Equal(want.Seen):
		t.Errorf("Seen: %v, want %v", got.Seen, want.Seen)
	}
}
