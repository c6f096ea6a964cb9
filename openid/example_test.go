package openid_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"os"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/openid"
	"github.com/seed-e8f4a5f7/oauthkit/openid/openidtest"
)

// A Keycloak realm's confidential client, configured by its issuer.
func ExampleNew() {
	p, err := openid.New(openid.Config{
		Issuer:       "https://sso.example.com/realms/acme",
		ClientID:     "bestapp",
		ClientSecret: oauthkit.Secret(os.Getenv("KEYCLOAK_CLIENT_SECRET")),
		RedirectURL:  "https://bestapp.example/auth/openid/callback",
		Scopes:       []string{"openid", "email", "profile"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Name(), p.RedirectURL())
	// Output: openid https://bestapp.example/auth/openid/callback
}

// A whole login against the fake: the URL, the provider's redirect, and
// oauthkit.Complete.
func ExampleProvider_AuthCodeURL() {
	fake := openidtest.NewServer(openidtest.Options{})
	defer fake.Close()
	p, err := openid.New(fake.Config("client"))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	ar, err := p.AuthCodeURL(ctx, oauthkit.WithLoginHint("ada@example.com"))
	if err != nil {
		fmt.Println(err)
		return
	}
	callback, err := fake.Authorize(ctx, ar.URL) // the browser's round trip
	if err != nil {
		fmt.Println(err)
		return
	}
	login, err := oauthkit.Complete(ctx, p, ar, callback.Query())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(login.UserInfo.Subject, login.UserInfo.Email)
	// Output: user-1 ada@example.com
}

// Revoking a refresh token, then asking about it.
func ExampleProvider_Introspect() {
	fake := openidtest.NewServer(openidtest.Options{})
	defer fake.Close()
	p, err := openid.New(fake.Config("client"))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	tok, err := p.ClientCredentials(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	in, err := p.Introspect(ctx, tok.AccessToken, "access_token")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("active:", in.Active, in.ClientID)
	if err := p.RevokeToken(ctx, tok.AccessToken, "access_token"); err != nil {
		fmt.Println(err)
		return
	}
	in, err = p.Introspect(ctx, tok.AccessToken, "access_token")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("active:", in.Active)
	// Output:
	// active: true client
	// active: false
}

// The RP-Initiated Logout URL: keep State, and compare it when the browser
// comes back to the post-logout redirect URI.
func ExampleProvider_EndSessionURL() {
	fake := openidtest.NewServer(openidtest.Options{})
	defer fake.Close()
	p, err := openid.New(fake.Config("client"))
	if err != nil {
		fmt.Println(err)
		return
	}
	es, err := p.EndSessionURL(context.Background(), "") // the login's raw ID token, or ""
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(es.State != "")
	// Output: true
}

// A confidential client that authenticates with private_key_jwt (RFC 7523):
// the key's public half is registered with the server under its kid. The
// Signer may be any crypto.Signer — a KMS or HSM client's — or use Sign
// for a signer that takes a context.
func ExampleClientKey() {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader) // in production: loaded, or in a KMS
	if err != nil {
		fmt.Println(err)
		return
	}
	p, err := openid.New(openid.Config{
		Issuer:                  "https://sso.example.com/realms/acme",
		ClientID:                "billing-service",
		ClientKey:               &openid.ClientKey{ID: "billing-2026-11", Signer: key}, // ES256
		ClientCredentialsScopes: []string{"invoices.read"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p) // the key shows by its kid and algorithm only
	// Output: openid.Provider{Name:"openid" Issuer:"https://sso.example.com/realms/acme" ClientID:"billing-service" RedirectURL:"" AuthMethod:"" ClientKey:openid.ClientKey{ID:"billing-2026-11" Algorithm:""}}
}
