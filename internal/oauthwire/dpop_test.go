package oauthwire

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTokenDPoP: token_type DPoP is accepted only from a request that
// carried a proof (Request.DPoP), which is sent in the DPoP header; such a
// token carries the proof key's thumbprint, a Bearer one does not, and a
// thumbprint the server put in its answer is dropped either way. The
// answer's header reaches Request.Header.
func TestTokenDPoP(t *testing.T) {
	tokenType := "DPoP"
	var proof string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proof = r.Header.Get("DPoP")
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("DPoP-Nonce", "n-1")
		w.Write([]byte(`{"access_token":"at","token_type":"` + tokenType + `","expires_in":60,"oauthkit_dpop_jkt":"forged"}`))
	}))
	defer srv.Close()
	c := New("test", Options{HTTPClient: srv.Client()})
	base := Request{Op: "client credentials", TokenURL: srv.URL, Params: url.Values{"grant_type": {"client_credentials"}}, ClientID: "c", Secret: "s", Auth: AuthBasic}

	_, err := c.Token(context.Background(), base)
	var tte *TokenTypeError
	require.True(t, errors.As(err, &tte), "DPoP without a proof is refused: %v", err)
	assert.Empty(t, proof)

	r := base
	var nonce string
	r.DPoP = func(context.Context) (string, error) { return "proof-1", nil }
	r.DPoPJKT = "jkt-1"
	r.Header = func(h http.Header) { nonce = h.Get("DPoP-Nonce") }
	tok, err := c.Token(context.Background(), r)
	require.NoError(t, err)
	assert.Equal(t, "proof-1", proof)
	assert.Equal(t, "n-1", nonce)
	assert.Equal(t, "jkt-1", tok.Extra(ExtraDPoPJKT))

	tokenType = "Bearer"
	tok, err = c.Token(context.Background(), r)
	require.NoError(t, err, "Bearer is the caller's to refuse")
	assert.Nil(t, tok.Extra(ExtraDPoPJKT))
	tok, err = c.Token(context.Background(), base)
	require.NoError(t, err)
	assert.Nil(t, tok.Extra(ExtraDPoPJKT), "a thumbprint the server sent is dropped")
}
