package openid_test

import (
	"context"
	"fmt"
	"net/url"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/openid"
	"github.com/seed-e8f4a5f7/oauthkit/openid/openidtest"
)

// A login through a pushed authorization request (RFC 9126): the server
// requires it, so the URL carries only client_id and request_uri.
func ExampleConfig_pushedAuthorizationRequests() {
	fake := openidtest.NewServer(openidtest.Options{RequirePAR: true})
	defer fake.Close()
	cfg := fake.Config("client")
	cfg.PushedAuthorizationRequests = true // also without the server's requirement
	p, err := openid.New(cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	ar, err := p.AuthCodeURL(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	u, _ := url.Parse(ar.URL)
	fmt.Println(len(u.Query()), u.Query().Has("client_id"), u.Query().Has("request_uri"))
	callback, err := fake.Authorize(ctx, ar.URL)
	if err != nil {
		fmt.Println(err)
		return
	}
	login, err := oauthkit.Complete(ctx, p, ar, callback.Query())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(login.UserInfo.Subject)
	// Output:
	// 2 true true
	// user-1
}

// A login on a device without a browser (RFC 8628): show the URL and the
// code, then wait for the user's approval.
func ExampleProvider_DeviceAuthorization() {
	ctx := context.Background()
	p, err := openid.New(openid.Config{Issuer: "https://sso.example.com/realms/acme", ClientID: "tv-app"})
	if err != nil {
		fmt.Println(err)
		return
	}
	da, err := p.DeviceAuthorization(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("Open %s and enter the code %s\n", da.VerificationURI, da.UserCode)
	login, err := p.DeviceLogin(ctx, da) // polls every da.Interval until approved, denied or expired
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("logged in as", login.UserInfo.Subject)
}
