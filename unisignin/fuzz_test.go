package unisignin_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
)

// FuzzCompleteCallback hands oauthkit.Complete arbitrary callback queries
// for a UniSignIn login. "STATE" in the input stands for the login's real
// state, so the fuzzer can reach the exchange. Complete must never panic,
// and must never succeed unless the query carries exactly one state, equal
// to the login's, and a code; a callback with an error parameter never
// succeeds.
func FuzzCompleteCallback(f *testing.F) {
	for _, seed := range []string{
		"code=abc&state=STATE",
		"state=STATE",
		"code=abc",
		"code=abc&state=STATEx",
		"code=abc&state=STATE&state=STATE",
		"code=abc&code=def&state=STATE",
		"error=access_denied&state=STATE&message=The+resource+owner&hint=The+user+denied+the+request",
		"error=access_denied&error_description=x&hint=y",
		"error=&state=STATE&code=abc",
		"code=%00&state=STATE",
		"code=abc;state=STATE",
		"code=abc&state=%53TATE",
		"",
		"%zz",
		"state=&code=abc",
	} {
		f.Add(seed)
	}
	rec := fakeidp.NewRecorder(fakeidp.Reply(200, `{"token_type":"Bearer","expires_in":60,"access_token":"access-1","refresh_token":"refresh-1","id":7}`))
	f.Cleanup(rec.Close)
	p := mustNewStatic(f, rec)

	f.Fuzz(func(t *testing.T, raw string) {
		ctx := context.Background()
		ar, err := p.AuthCodeURL(ctx)
		if err != nil {
			t.Fatal(err)
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
			if q.Has("error") && !errors.As(err, &e) && !errors.Is(err, oauthkit.ErrStateMismatch) {
				t.Fatalf("an error callback gave neither *oauthkit.Error nor ErrStateMismatch: %v", err)
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
		if login.UserInfo.Subject != "7" {
			t.Fatalf("subject %q", login.UserInfo.Subject)
		}
		if _, err := oauthkit.Complete(ctx, p, ar, q); !errors.Is(err, oauthkit.ErrStateMismatch) {
			t.Fatal("the same AuthRequest completed twice")
		}
	})
}
