package redisstore

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit/internal/seal"
	"github.com/seed-e8f4a5f7/oauthkit/web"
)

// FuzzOpenRecord: whatever a Redis holds at a session's name, opening it
// never panics, and only the record sealed for that session opens (and
// round-trips).
func FuzzOpenRecord(f *testing.F) {
	sealer, err := seal.New([][]byte{make([]byte, 32)})
	if err != nil {
		f.Fatal(err)
	}
	s := &SessionStore{sealer: sealer, prefix: DefaultSessionPrefix, nameKey: make([]byte, 32)}
	h := s.session("sid").hash
	want := &web.StoredTokens{Token: &oauth2.Token{AccessToken: "at", RefreshToken: "rt"}, IDToken: "idt", Expires: time.Unix(1e9, 0), Refs: []string{"r"}}
	good, err := s.sealRecord(h, want)
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{good, good[:len(good)-1], tagSession, "", "\x00", strings.Repeat("A", 100), tagSession + strings.Repeat("A", 60)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := s.openRecord(h, raw)
		if err != nil {
			if got != nil {
				t.Fatal("a record that does not open returned tokens")
			}
			return
		}
		if got.Token == nil || got.Token.AccessToken != "at" || got.IDToken != "idt" || len(got.Refs) != 1 {
			t.Fatal("a record opened to other tokens than were sealed")
		}
		if s.openSeen(h, raw) != (time.Time{}) {
			t.Fatal("a record opened as a seen time")
		}
	})
}
