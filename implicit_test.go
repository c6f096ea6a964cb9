package oauthkit_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
)

// atHash is OpenID Connect Core §3.1.3.6's at_hash for an RS256 token.
func atHash(accessToken string) string {
	sum := sha256.Sum256([]byte(accessToken))
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
}

// TestFinishImplicitLoginRequiresAtHash: OpenID Connect Core §3.2.2.10 —
// with response type "id_token token" the ID token must carry at_hash, and
// it must match the access token from the same fragment.
func TestFinishImplicitLoginRequiresAtHash(t *testing.T) {
	tests := []struct {
		name   string
		atHash string // "" : no at_hash claim
		access string
		want   error
	}{
		{name: "matching at_hash", atHash: atHash("at-frag"), access: "at-frag"},
		{name: "no at_hash", access: "at-frag", want: oauthkit.ErrAccessTokenHash},
		{name: "at_hash of another token", atHash: atHash("at-other"), access: "at-frag", want: oauthkit.ErrAccessTokenHash},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newStub()
			ar, _ := p.AuthCodeURL(context.Background())
			// The fragment as CheckCallback sees it: state and tokens, no code.
			code, err := oauthkit.CheckCallback("stub", ar, callback("state", "state-123", "access_token", tt.access, "token_type", "Bearer"))
			require.NoError(t, err)
			require.Empty(t, code)

			claims := goodClaims()
			if tt.atHash != "" {
				claims["at_hash"] = tt.atHash
			}
			tok := (&oauth2.Token{AccessToken: tt.access, TokenType: "Bearer"}).WithExtra(map[string]any{"id_token": p.key.Sign(claims)})
			login, err := oauthkit.FinishImplicitLogin(context.Background(), p, ar, tok)
			if tt.want != nil {
				require.ErrorIs(t, err, tt.want)
				assert.ErrorIs(t, err, oauthkit.ErrInvalidIDToken)
				assert.Nil(t, login)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "user-1", login.UserInfo.Subject)
		})
	}

	// FinishLogin (the code flow) keeps at_hash optional, and still checks
	// one that is present.
	p := newStub()
	ar, _ := p.AuthCodeURL(context.Background())
	_, err := oauthkit.CheckCallback("stub", ar, callback("state", "state-123", "code", "c"))
	require.NoError(t, err)
	tok := (&oauth2.Token{AccessToken: "at-1"}).WithExtra(map[string]any{"id_token": p.key.Sign(goodClaims())})
	_, err = oauthkit.FinishLogin(context.Background(), p, ar, tok)
	require.NoError(t, err)
}

func TestFinishLoginRefusesAnUncheckedAuthRequest(t *testing.T) {
	p := newStub()
	ar, _ := p.AuthCodeURL(context.Background())
	tok := (&oauth2.Token{AccessToken: "at-1"}).WithExtra(map[string]any{"id_token": p.key.Sign(goodClaims())})
	_, err := oauthkit.FinishImplicitLogin(context.Background(), p, ar, tok)
	require.ErrorIs(t, err, oauthkit.ErrStateMismatch, "CheckCallback comes first")
	_, err = oauthkit.FinishLogin(context.Background(), p, ar, tok)
	require.ErrorIs(t, err, oauthkit.ErrStateMismatch)
}
