package openidtest_test

import (
	"context"
	"fmt"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/openid"
	"github.com/seed-e8f4a5f7/oauthkit/openid/openidtest"
)

// A login against the fake, then a refresh token revoked.
func ExampleNewServer() {
	fake := openidtest.NewServer(openidtest.Options{})
	defer fake.Close()
	p, err := openid.New(fake.Config("client"))
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	ar, _ := p.AuthCodeURL(ctx)
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
	fmt.Println(p.RevokeToken(ctx, login.Token.RefreshToken, "refresh_token"))
	_, err = p.Refresh(ctx, login.Token.RefreshToken)
	fmt.Println(err != nil)
	// Output:
	// user-1
	// <nil>
	// true
}

// The fake as a mix-up attacker: its callbacks name another issuer, and
// oauthkit.Complete refuses them (RFC 9207).
func ExampleServer_SetMixUp() {
	fake := openidtest.NewServer(openidtest.Options{})
	defer fake.Close()
	fake.SetMixUp(openidtest.MixUp{CallbackIssuer: "https://attacker.example"})
	p, _ := openid.New(fake.Config("client"))
	ctx := context.Background()
	ar, _ := p.AuthCodeURL(ctx)
	callback, _ := fake.Authorize(ctx, ar.URL)
	_, err := oauthkit.Complete(ctx, p, ar, callback.Query())
	fmt.Println(err != nil)
	// Output: true
}
