package providertest

// The callback property: the rules a provider's callback handling must keep
// whatever query a browser brings back, for fuzzing [oauthkit.Complete]
// against each vendor.

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/seed-e8f4a5f7/oauthkit"
)

// CompleteCallback starts a login with p, parses raw as its callback query ("STATE"
// in raw standing for the login's real state) and runs [oauthkit.Complete].
// It fails t if Complete panics, returns a Login with an error, reports an
// error callback as anything but an [*oauthkit.Error],
// [oauthkit.ErrStateMismatch] or [oauthkit.ErrIssuerMismatch] (RFC 9207),
// or succeeds for anything but exactly one
// state equal to the login's, exactly one non-empty code and an iss that
// RFC 9207 allows (absent unless required, else the login's issuer) — with a Login
// for subject, that cannot be completed a second time.
func CompleteCallback(t *testing.T, p oauthkit.Provider, raw, subject string) {
	t.Helper()
	CompleteCallbackAt(t, p, nil, raw, subject)
}

// Authorizer plays the browser at a fake's authorization endpoint: it
// returns the callback URL the fake redirects to (the fakes' Authorize).
type Authorizer func(ctx context.Context, authURL string) (*url.URL, error)

// CompleteCallbackAt is [CompleteCallback] against a fake that issues real
// codes: with authorize set, "CODE" in raw stands for the code the fake
// issued for the login, so that the fuzzer reaches the success path of a
// vendor whose codes a stub cannot mint (an OpenID Connect vendor's ID token
// carries the login's nonce).
func CompleteCallbackAt(t *testing.T, p oauthkit.Provider, authorize Authorizer, raw, subject string) {
	t.Helper()
	ctx := context.Background()
	ar, err := p.AuthCodeURL(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if authorize != nil && strings.Contains(raw, "CODE") {
		cb, err := authorize(ctx, ar.URL)
		if err != nil {
			t.Fatal(err)
		}
		raw = strings.ReplaceAll(raw, "CODE", url.QueryEscape(cb.Query().Get("code")))
	}
	q, _ := url.ParseQuery(strings.ReplaceAll(raw, "STATE", ar.State))
	if q == nil {
		q = url.Values{}
	}
	login, err := oauthkit.Complete(ctx, p, ar, q)
	if err != nil {
		if login != nil {
			t.Fatal("Complete returned a Login with an error")
		}
		var e *oauthkit.Error
		// An error redirect whose iss is missing where the metadata
		// promises one, or wrong, is refused as a mix-up (RFC 9207 §2.4).
		if q.Has("error") && !errors.As(err, &e) && !errors.Is(err, oauthkit.ErrStateMismatch) && !errors.Is(err, oauthkit.ErrIssuerMismatch) {
			t.Fatalf("an error callback gave neither *oauthkit.Error, ErrStateMismatch nor ErrIssuerMismatch: %v", err)
		}
		return
	}
	if q.Has("error") {
		t.Fatal("an error callback was accepted")
	}
	if vs := q["state"]; len(vs) != 1 || vs[0] != ar.State {
		t.Fatalf("accepted %d state values, not exactly the login's", len(vs))
	}
	if vs := q["code"]; len(vs) != 1 || vs[0] == "" {
		t.Fatal("accepted a callback without exactly one code")
	}
	if vs := q["iss"]; len(vs) > 1 || (len(vs) == 1 && vs[0] != ar.Issuer) || (len(vs) == 0 && ar.RequireIssuer) {
		t.Fatal("accepted a callback whose iss is not the provider's issuer (RFC 9207)")
	}
	if login.UserInfo.Subject != subject {
		t.Fatalf("subject %q, want %q", login.UserInfo.Subject, subject)
	}
	if _, err := oauthkit.Complete(ctx, p, ar, q); !errors.Is(err, oauthkit.ErrStateMismatch) {
		t.Fatal("the same AuthRequest completed twice")
	}
}
