package openidtest_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit/openid/openidtest"
)

// signProof signs claims as a DPoP proof with key, embedding embed's
// public key (normally key's own) and typ.
func signProof(t *testing.T, key, embed *ecdsa.PrivateKey, typ string, claims map[string]any) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType(jose.ContentType(typ)).WithHeader("jwk", jose.JSONWebKey{Key: embed.Public()})
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key}, opts)
	require.NoError(t, err)
	b, err := json.Marshal(claims)
	require.NoError(t, err)
	jws, err := s.Sign(b)
	require.NoError(t, err)
	out, err := jws.CompactSerialize()
	require.NoError(t, err)
	return out
}

// TestDPoPProofChecks: the fake's token endpoint refuses each kind of bad
// proof (RFC 9449 §4.3) with invalid_dpop_proof, and takes a good one,
// issuing a DPoP token.
func TestDPoPProofChecks(t *testing.T) {
	now := time.Now().Truncate(time.Second)
	fake := openidtest.NewServer(openidtest.Options{Now: func() time.Time { return now }})
	defer fake.Close()
	app, _ := fake.App("client")
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	n := 0
	claims := func(change func(map[string]any)) map[string]any {
		n++
		c := map[string]any{"jti": "jti-" + string(rune('a'+n)), "htm": "POST", "htu": fake.TokenURL(), "iat": now.Unix()}
		if change != nil {
			change(c)
		}
		return c
	}
	send := func(proof string) (int, map[string]any) {
		req, err := http.NewRequest(http.MethodPost, fake.TokenURL(), strings.NewReader("grant_type=client_credentials"))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("client", app.Secret)
		if proof != "" {
			req.Header.Set("DPoP", proof)
		}
		resp, err := fake.Client().Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var body map[string]any
		_ = json.Unmarshal(b, &body)
		return resp.StatusCode, body
	}
	good := signProof(t, key, key, "dpop+jwt", claims(nil))
	for name, proof := range map[string]string{
		"typ JWT":                   signProof(t, key, key, "JWT", claims(nil)),
		"jwk of another key":        signProof(t, key, other, "dpop+jwt", claims(nil)),
		"htm GET":                   signProof(t, key, key, "dpop+jwt", claims(func(c map[string]any) { c["htm"] = "GET" })),
		"htu of another URL":        signProof(t, key, key, "dpop+jwt", claims(func(c map[string]any) { c["htu"] = fake.Issuer() + "/userinfo" })),
		"iat too old":               signProof(t, key, key, "dpop+jwt", claims(func(c map[string]any) { c["iat"] = now.Add(-2 * time.Minute).Unix() })),
		"iat ahead":                 signProof(t, key, key, "dpop+jwt", claims(func(c map[string]any) { c["iat"] = now.Add(2 * time.Minute).Unix() })),
		"no jti":                    signProof(t, key, key, "dpop+jwt", claims(func(c map[string]any) { delete(c, "jti") })),
		"ath at the token endpoint": signProof(t, key, key, "dpop+jwt", claims(func(c map[string]any) { c["ath"] = "x" })),
		"not a JWS":                 "not.a.jws",
	} {
		t.Run(name, func(t *testing.T) {
			status, body := send(proof)
			assert.Equal(t, http.StatusBadRequest, status)
			assert.Equal(t, "invalid_dpop_proof", body["error"])
		})
	}
	status, body := send(good)
	require.Equal(t, http.StatusOK, status, "%v", body)
	assert.Equal(t, "DPoP", body["token_type"])
	status, body = send(good)
	assert.Equal(t, http.StatusBadRequest, status, "the same proof again")
	assert.Equal(t, "invalid_dpop_proof", body["error"])
	status, body = send("")
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "Bearer", body["token_type"], "no proof: a Bearer token")
}
