package unisignintest_test

import (
	"context"
	"fmt"
	"log"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin/unisignintest"
)

// A test of code that logs users in with UniSignIn, against the fake.
func ExampleNewServer() {
	srv := unisignintest.NewServer(unisignintest.Options{
		Users: []unisignintest.User{{ID: 7, Email: "grace@example.com", Password: "pw-1906", FirstName: "Grace", LastName: "Hopper"}},
	})
	defer srv.Close()

	p, err := unisignin.New(srv.Config()) // the web application, with its secret
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	ar, _ := p.AuthCodeURL(ctx)
	callback, err := srv.Authorize(ctx, ar.URL) // grace is logged in and approves
	if err != nil {
		log.Fatal(err)
	}
	login, err := oauthkit.Complete(ctx, p, ar, callback.Query())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(login.UserInfo.Subject, login.UserInfo.Name)
	fmt.Println("token requests:", srv.Requests(unisignintest.EndpointToken))
	// Output:
	// 7 Grace Hopper
	// token requests: 1
}
