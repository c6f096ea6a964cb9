package openid_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"io"

	"github.com/seed-e8f4a5f7/oauthkit/openid"
	"github.com/seed-e8f4a5f7/oauthkit/openid/openidtest"
)

// Server-to-server tokens bound to a DPoP key (RFC 9449), against a fake
// that demands nonces: the token is a DPoP one, and Client sends it with a
// fresh proof per request.
func ExampleDPoP() {
	fake := openidtest.NewServer(openidtest.Options{DPoP: openidtest.DPoPOptions{Nonce: true}})
	defer fake.Close()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader) // in production: the same key on every replica
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg := fake.Config("client")
	cfg.DPoP = &openid.DPoP{Key: key}
	p, err := openid.New(cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	tok, err := p.Token(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tok.TokenType)
	resp, err := p.Client().Get(fake.ResourceURL()) // Authorization: DPoP …, DPoP: <proof with ath>
	if err != nil {
		fmt.Println(err)
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode)
	// Output:
	// DPoP
	// 200
}
