package web_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/web"
)

// savesCounted is a MemoryTokenStore that counts its Saves.
type savesCounted struct {
	*web.MemoryTokenStore
	saves atomic.Int32
}

func (s *savesCounted) Save(ctx context.Context, id string, t *web.StoredTokens) error {
	s.saves.Add(1)
	return s.MemoryTokenStore.Save(ctx, id, t)
}

// TestSessionCookieFitsBrowsers: the provider's name, email and subject
// have no bound, and browsers silently drop a cookie of more than 4096
// bytes of name and value (RFC 6265bis §5.6, §6.1): the user would log in
// again and again. Name and Email are cut to 256 bytes (never inside a
// UTF-8 sequence), and a session whose cookie would still be too large —
// a very long subject, or what OnLogin made of the session — is refused
// with ErrCookieTooLarge, its tokens not kept. Before, a 2000-byte name
// and a 1200-byte email made a cookie of 4574 bytes.
func TestSessionCookieFitsBrowsers(t *testing.T) {
	long := func(n int) string { return strings.Repeat("n", n) }
	tests := []struct {
		name         string
		user         oauthkit.UserInfo
		onLogin      func(*web.Session)
		wantName     int // bytes of Session.Name
		wantEmail    int
		wantTooLarge bool
	}{
		{name: "short", user: oauthkit.UserInfo{Subject: "u1", Name: "Ada Lovelace", Email: "ada@example.com"}, wantName: 12, wantEmail: 15},
		{name: "a long name and email", user: oauthkit.UserInfo{Subject: "u1", Name: long(2000), Email: long(1200) + "@x.example"}, wantName: 256, wantEmail: 256},
		{name: "cut at a UTF-8 boundary", user: oauthkit.UserInfo{Subject: "u1", Name: "x" + strings.Repeat("é", 200), Email: strings.Repeat("€", 100)}, wantName: 255, wantEmail: 255},
		{name: "what JSON would escape", user: oauthkit.UserInfo{Subject: "u1", Name: strings.Repeat("<&>", 200), Email: strings.Repeat("<", 300)}, wantName: 256, wantEmail: 256},
		{name: "a subject too long", user: oauthkit.UserInfo{Subject: long(4000)}, wantTooLarge: true},
		{name: "OnLogin makes it too large", user: oauthkit.UserInfo{Subject: "u1"}, onLogin: func(s *web.Session) { s.Name = long(4000) }, wantTooLarge: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := &savesCounted{MemoryTokenStore: web.NewMemoryTokenStore()}
			var saved *web.Session
			h, err := web.New(web.Config{
				Providers: []oauthkit.Provider{stubIDP{"a", "https://app.example/auth/a/callback"}},
				Keys:      [][]byte{newKey()},
				Tokens:    store,
				OnLogin: func(_ *http.Request, s *web.Session, _ *oauthkit.Login) error {
					saved = s
					if tt.onLogin != nil {
						tt.onLogin(s)
					}
					return nil
				},
			})
			must(t, err)
			r := httptest.NewRequest(http.MethodGet, "https://app.example/auth/a/callback", nil)
			s, c, err := web.StartSession(h, r, "", &oauthkit.Login{Provider: "a", Token: &oauth2.Token{AccessToken: "at", Expiry: time.Now().Add(time.Hour)}, UserInfo: tt.user})
			if tt.wantTooLarge {
				if !errors.Is(err, web.ErrCookieTooLarge) {
					t.Fatalf("StartSession: %v, want ErrCookieTooLarge", err)
				}
				if saved != nil {
					if _, err := store.Load(context.Background(), saved.ID); !errors.Is(err, web.ErrNoTokens) {
						t.Errorf("the refused session's tokens are still stored (Load: %v)", err)
					}
				} else if n := store.saves.Load(); n != 0 {
					t.Errorf("%d Saves for a refused session, want 0", n)
				}
				return
			}
			must(t, err)
			if c == nil {
				t.Fatal("no session cookie")
			}
			if n := len(c.Name) + len(c.Value); n > 4000 {
				t.Errorf("the session cookie has %d bytes of name and value, want at most 4000", n)
			}
			if len(s.Name) != tt.wantName || len(s.Email) != tt.wantEmail {
				t.Errorf("Name and Email have %d and %d bytes, want %d and %d", len(s.Name), len(s.Email), tt.wantName, tt.wantEmail)
			}
			if !utf8.ValidString(s.Name) || !utf8.ValidString(s.Email) {
				t.Error("Name or Email was cut inside a UTF-8 sequence")
			}
			// The cookie opens to the same session.
			req := httptest.NewRequest(http.MethodGet, "https://app.example/", nil)
			req.AddCookie(c)
			got, err := h.Session(req)
			must(t, err)
			if got.Name != s.Name || got.Email != s.Email || got.Subject != s.Subject {
				t.Error("the cookie opens to another session")
			}
		})
	}
}
