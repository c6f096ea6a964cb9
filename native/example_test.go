package native_test

import (
	"context"
	"fmt"
	"log"
	"net/http"

	"github.com/seed-e8f4a5f7/oauthkit/native"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin/unisignintest"
)

// fakeUser plays the fake's signed-in user in the browser: sign in, then
// follow the redirect to the loopback listener. A real app leaves
// Options.OpenBrowser nil, and the system browser opens.
func fakeUser(srv *unisignintest.Server) func(context.Context, string) error {
	return func(ctx context.Context, authURL string) error {
		callback, err := srv.SignIn(ctx, nil, authURL)
		if err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, callback.String(), nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		return resp.Body.Close()
	}
}

// Listen on the registered loopback redirect URL (a free port), build the
// provider with the listener's URL, log in.
func Example() {
	srv := unisignintest.NewServer(unisignintest.Options{})
	defer srv.Close()

	l, err := native.Listen("http://127.0.0.1/auth/unisignin/callback")
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	p, err := unisignin.New(srv.ConfigFor(l.RedirectURL()))
	if err != nil {
		log.Fatal(err)
	}
	login, err := l.Login(context.Background(), p, native.Options{OpenBrowser: fakeUser(srv)})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(login.Provider, login.UserInfo.Email)
	// Output: unisignin ada@example.com
}

// Login with a provider whose redirect URL has a fixed port.
func ExampleLogin() {
	srv := unisignintest.NewServer(unisignintest.Options{})
	defer srv.Close()
	free, err := native.Listen("http://127.0.0.1/auth/unisignin/callback") // finds a free port for the example
	if err != nil {
		log.Fatal(err)
	}
	redirect := free.RedirectURL() // http://127.0.0.1:<port>/auth/unisignin/callback
	free.Close()

	p, err := unisignin.New(srv.ConfigFor(redirect))
	if err != nil {
		log.Fatal(err)
	}
	login, err := native.Login(context.Background(), p, native.Options{OpenBrowser: fakeUser(srv)})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(login.Provider, login.UserInfo.Email)
	// Output: unisignin ada@example.com
}

// Complete a login whose authorization request the caller made, here to
// show its URL first.
func ExampleListener_Complete() {
	srv := unisignintest.NewServer(unisignintest.Options{})
	defer srv.Close()
	l, err := native.Listen("http://127.0.0.1/auth/unisignin/callback")
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	p, err := unisignin.New(srv.ConfigFor(l.RedirectURL()))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	ar, err := p.AuthCodeURL(ctx)
	if err != nil {
		log.Fatal(err)
	}
	// ar.URL could be printed here, for a user without a browser.
	login, err := l.Complete(ctx, p, ar, native.Options{OpenBrowser: fakeUser(srv)})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(login.UserInfo.Email)
	// Output: ada@example.com
}
