package openid_test

import (
	"context"
	"testing"

	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/openid"
	"github.com/seed-e8f4a5f7/oauthkit/openid/openidtest"
)

// benchFake is a fake with a client_secret_basic client "plain" and two
// private_key_jwt clients, "rsa" and "ec".
func benchFake(b *testing.B) *openidtest.Server {
	rk, ek, _ := clientKeys()
	fake := openidtest.NewServer(openidtest.Options{Apps: []openidtest.App{
		{ID: "plain", AuthMethod: openid.AuthClientSecretBasic},
		{ID: "rsa", AuthMethod: openid.AuthPrivateKeyJWT, PublicKey: rk.Public(), KeyID: "rsa"},
		{ID: "ec", AuthMethod: openid.AuthPrivateKeyJWT, PublicKey: ek.Public(), KeyID: "ec"},
	}})
	b.Cleanup(fake.Close)
	return fake
}

func benchProvider(b *testing.B, fake *openidtest.Server, id string) *openid.Provider {
	rk, ek, _ := clientKeys()
	cfg := fake.Config(id)
	switch id {
	case "rsa":
		cfg.ClientKey = &openid.ClientKey{ID: "rsa", Signer: rk}
	case "ec":
		cfg.ClientKey = &openid.ClientKey{ID: "ec", Signer: ek}
	}
	p, err := openid.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := p.Discover(context.Background()); err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkExchange times one code exchange — the token request and its
// answer; the authorization request before it is not timed — with
// x/oauth2's plain exchange (client_secret_basic) beside the provider's,
// with a secret and with private_key_jwt assertions.
func BenchmarkExchange(b *testing.B) {
	fake := benchFake(b)
	ctx := context.Background()
	b.Run("x-oauth2-plain", func(b *testing.B) {
		c, _ := fake.App("plain")
		conf := oauth2.Config{ClientID: "plain", ClientSecret: c.Secret, RedirectURL: c.RedirectURLs[0], Scopes: []string{"openid"},
			Endpoint: oauth2.Endpoint{AuthURL: fake.Issuer() + "/authorize", TokenURL: fake.TokenURL(), AuthStyle: oauth2.AuthStyleInHeader}}
		octx := context.WithValue(ctx, oauth2.HTTPClient, fake.Client())
		for b.Loop() {
			b.StopTimer()
			v := oauth2.GenerateVerifier()
			cb, err := fake.Authorize(ctx, conf.AuthCodeURL("state", oauth2.S256ChallengeOption(v), oauth2.SetAuthURLParam("nonce", "n")))
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if _, err := conf.Exchange(octx, cb.Query().Get("code"), oauth2.VerifierOption(v)); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, id := range []string{"plain", "rsa", "ec"} {
		name := map[string]string{"plain": "openid-client_secret_basic", "rsa": "openid-private_key_jwt-RS256", "ec": "openid-private_key_jwt-ES256"}[id]
		b.Run(name, func(b *testing.B) {
			p := benchProvider(b, fake, id)
			for b.Loop() {
				b.StopTimer()
				ar, code := benchAuthorize(b, fake, p)
				b.StartTimer()
				if _, err := p.Exchange(ctx, code, ar); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRevoke times one revocation (RFC 7009) of a refresh token
// with a private_key_jwt assertion.
func BenchmarkRevoke(b *testing.B) {
	fake := benchFake(b)
	ctx := context.Background()
	for _, id := range []string{"rsa", "ec"} {
		b.Run("private_key_jwt-"+id, func(b *testing.B) {
			p := benchProvider(b, fake, id)
			for b.Loop() {
				b.StopTimer()
				ar, code := benchAuthorize(b, fake, p)
				tok, err := p.Exchange(ctx, code, ar)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if err := p.RevokeToken(ctx, tok.RefreshToken, "refresh_token"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func benchAuthorize(b *testing.B, fake *openidtest.Server, p *openid.Provider) (*oauthkit.AuthRequest, string) {
	ar, err := p.AuthCodeURL(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	cb, err := fake.Authorize(context.Background(), ar.URL)
	if err != nil {
		b.Fatal(err)
	}
	return ar, cb.Query().Get("code")
}
