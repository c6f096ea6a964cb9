package discovery

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
)

// signRaw signs header and payload bytes as they are (RS256), so that the
// fuzzer reaches the claim checks with any JSON, or none.
func signRaw(k *fakeidp.Key, header, payload []byte) string {
	enc := base64.RawURLEncoding
	signing := enc.EncodeToString(header) + "." + enc.EncodeToString(payload)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, k.Private, crypto.SHA256, sum[:])
	if err != nil {
		panic(err)
	}
	return signing + "." + enc.EncodeToString(sig)
}

// FuzzLogoutVerifier: any signed header and claims, and any string at all,
// end in an acceptance or a refusal that wraps ErrInvalidLogoutToken —
// never a panic, never another error (the key set is static, so nothing
// else can fail).
func FuzzLogoutVerifier(f *testing.F) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	key := fakeidp.SharedKey()
	lv := &LogoutVerifier{v: NewVerifier("p", "https://idp.example", "client",
		&oidc.StaticKeySet{PublicKeys: []crypto.PublicKey{&key.Private.PublicKey}}, func() time.Time { return now })}
	f.Add(`{"alg":"RS256","typ":"logout+jwt"}`, `{"iss":"https://idp.example","aud":"client","sub":"s","jti":"j","iat":1795435200,"exp":1795435320,"events":{"http://schemas.openid.net/event/backchannel-logout":{}}}`, "")
	f.Add(`{"alg":"RS256","typ":7}`, `{"iss":"https://idp.example","aud":["client","x"],"sid":null,"iat":"x","events":[]}`, "")
	f.Add(`{"alg":"RS256"}`, `null`, "a.b.c")
	f.Add(`not json`, `{"events":{"http://schemas.openid.net/event/backchannel-logout":null}}`, "...")
	f.Fuzz(func(t *testing.T, header, claims, raw string) {
		for _, tok := range []string{signRaw(key, []byte(header), []byte(claims)), raw} {
			_, err := lv.Verify(context.Background(), tok)
			if err != nil && !errors.Is(err, oauthkit.ErrInvalidLogoutToken) {
				t.Fatalf("an error that is not a refusal: %v", err)
			}
		}
	})
}
