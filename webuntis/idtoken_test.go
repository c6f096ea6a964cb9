package webuntis_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis/webuntistest"
)

var fixedNow = time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)

func fixedClock() time.Time { return fixedNow }

func newFake(t *testing.T) (*webuntistest.Server, *webuntis.Provider) {
	t.Helper()
	srv := webuntistest.NewServer(webuntistest.Options{Now: fixedClock})
	t.Cleanup(srv.Close)
	p, err := webuntis.New(srv.Config())
	require.NoError(t, err)
	return srv, p
}

func TestVerifyIDToken(t *testing.T) {
	srv, p := newFake(t)
	valid := func() map[string]any {
		return map[string]any{
			"iss": srv.Issuer(), "aud": srv.Tenant().ClientID, "sub": "untis-1",
			"nonce": "n-1", "iat": fixedNow.Unix(), "exp": fixedNow.Add(5 * time.Minute).Unix(),
		}
	}
	tests := []struct {
		name   string
		mutate func(map[string]any)
		key    *fakeidp.Key
		sign   func(map[string]any) string // overrides key
		nonce  string
		want   error
	}{
		{name: "valid", nonce: "n-1"},
		{name: "wrong nonce", nonce: "n-2", want: oauthkit.ErrNonceMismatch},
		{name: "empty expected nonce", nonce: "", want: oauthkit.ErrNonceMismatch},
		{name: "signed by another key", key: fakeidp.NewKey("fake-1"), nonce: "n-1", want: oauthkit.ErrIDTokenSignature},
		{name: "signed by an unknown key id", key: fakeidp.NewKey("attacker"), nonce: "n-1", want: oauthkit.ErrIDTokenSignature},
		{name: "wrong audience", mutate: func(c map[string]any) { c["aud"] = "OtherApp" }, nonce: "n-1", want: oauthkit.ErrIDTokenAudience},
		{name: "wrong issuer (another tenant)", mutate: func(c map[string]any) { c["iss"] = srv.URL + "/WebUntis/api/sso/v3/9999" }, nonce: "n-1", want: oauthkit.ErrIDTokenIssuer},
		{name: "alg none", sign: fakeidp.SharedKey().Unsigned, nonce: "n-1", want: oauthkit.ErrIDTokenSignature},
		{name: "HS256 keyed with the public key (DER)", sign: func(c map[string]any) string { return fakeidp.SharedKey().HMACWithPublicKey(c, false) }, nonce: "n-1", want: oauthkit.ErrIDTokenSignature},
		{name: "HS256 keyed with the public key (PEM)", sign: func(c map[string]any) string { return fakeidp.SharedKey().HMACWithPublicKey(c, true) }, nonce: "n-1", want: oauthkit.ErrIDTokenSignature},
		{name: "expired", mutate: func(c map[string]any) { c["exp"] = fixedNow.Add(-time.Second).Unix() }, nonce: "n-1", want: oauthkit.ErrIDTokenExpired},
		// OpenID Connect Core §2 requires both; the provider once accepted
		// a token without them.
		{name: "no sub", mutate: func(c map[string]any) { delete(c, "sub") }, nonce: "n-1", want: oauthkit.ErrInvalidIDToken},
		{name: "no iat", mutate: func(c map[string]any) { delete(c, "iat") }, nonce: "n-1", want: oauthkit.ErrInvalidIDToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			claims := valid()
			if tt.mutate != nil {
				tt.mutate(claims)
			}
			raw := srv.SignIDToken(claims)
			if tt.key != nil {
				raw = tt.key.Sign(claims)
			}
			if tt.sign != nil {
				raw = tt.sign(claims)
			}
			idt, err := p.VerifyIDToken(context.Background(), raw, tt.nonce)
			if tt.want == nil {
				require.NoError(t, err)
				assert.Equal(t, "untis-1", idt.Subject)
				return
			}
			require.ErrorIs(t, err, tt.want)
			require.ErrorIs(t, err, oauthkit.ErrInvalidIDToken)
			assert.Nil(t, idt)
			providertest.Text(t, "error", err.Error(), raw)
		})
	}
}

func TestCompleteRefusesTamperedCallbacks(t *testing.T) {
	srv, p := newFake(t)
	ctx := context.Background()

	t.Run("tampered state", func(t *testing.T) {
		ar, err := p.AuthCodeURL(ctx)
		require.NoError(t, err)
		cb, err := srv.Authorize(ctx, ar.URL)
		require.NoError(t, err)
		q := cb.Query()
		q.Set("state", q.Get("state")+"x")
		_, err = oauthkit.Complete(ctx, p, ar, q)
		require.ErrorIs(t, err, oauthkit.ErrStateMismatch)
	})

	t.Run("nonce of another login", func(t *testing.T) {
		ar, err := p.AuthCodeURL(ctx)
		require.NoError(t, err)
		cb, err := srv.Authorize(ctx, ar.URL)
		require.NoError(t, err)
		other, err := p.AuthCodeURL(ctx)
		require.NoError(t, err)
		ar.Nonce = other.Nonce // the session holds another login's nonce
		_, err = oauthkit.Complete(ctx, p, ar, cb.Query())
		require.ErrorIs(t, err, oauthkit.ErrNonceMismatch)
	})

	t.Run("code replayed with a fresh AuthRequest", func(t *testing.T) {
		ar, err := p.AuthCodeURL(ctx)
		require.NoError(t, err)
		stored := *ar // a copy kept before the login was used, as a store might
		cb, err := srv.Authorize(ctx, ar.URL)
		require.NoError(t, err)
		_, err = oauthkit.Complete(ctx, p, ar, cb.Query())
		require.NoError(t, err)
		_, err = p.Exchange(ctx, cb.Query().Get("code"), ar)
		require.ErrorIs(t, err, oauthkit.ErrAuthRequestUsed, "the used AuthRequest is refused before any request")
		_, err = p.Exchange(ctx, cb.Query().Get("code"), &stored)
		require.ErrorIs(t, err, oauthkit.ErrInvalidGrant, "the fake, like the vendor, takes a code once")
	})

	t.Run("PKCE verifier of another login", func(t *testing.T) {
		ar, err := p.AuthCodeURL(ctx)
		require.NoError(t, err)
		cb, err := srv.Authorize(ctx, ar.URL)
		require.NoError(t, err)
		other, _ := p.AuthCodeURL(ctx)
		ar.CodeVerifier = other.CodeVerifier
		_, err = oauthkit.Complete(ctx, p, ar, cb.Query())
		require.ErrorIs(t, err, oauthkit.ErrInvalidGrant)
	})
}
