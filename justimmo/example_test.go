package justimmo_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/url"
	"sync"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/justimmo"
	"github.com/seed-e8f4a5f7/oauthkit/justimmo/justimmotest"
)

func ExampleNew() {
	p, err := justimmo.New(justimmo.Config{
		ClientID:     "my-client",
		ClientSecret: "from-support", // read it from your secret store
		RedirectURL:  "https://crm.example.com/oauth/justimmo",
	})
	if err != nil {
		log.Fatal(err)
	}
	ep, _ := p.Discover(context.Background())
	fmt.Println(p) // never prints the secret
	fmt.Println(ep.TokenURL)
	fmt.Println(ep.UserInfoURL)
	// Output:
	// justimmo.Provider{AuthURL:"https://auth.justimmo.at" APIURL:"https://api.justimmo.at" ClientID:"my-client"}
	// https://auth.justimmo.at/access_token
	// https://api.justimmo.at/oauth/user/current
}

// A login: AuthCodeURL, the browser, then oauthkit.Complete at the redirect
// URL, which checks the state, exchanges the code and asks who logged in.
func ExampleProvider_AuthCodeURL() {
	srv := justimmotest.NewServer(justimmotest.Options{})
	defer srv.Close()
	p, err := justimmo.New(srv.Config())
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	ar, err := p.AuthCodeURL(ctx) // keep ar until the callback
	if err != nil {
		log.Fatal(err)
	}
	callback, err := srv.Authorize(ctx, ar.URL) // the browser (simulated)
	if err != nil {
		log.Fatal(err)
	}

	login, err := oauthkit.Complete(ctx, p, ar, callback.Query())
	if err != nil {
		log.Fatal(err)
	}
	tenant := login.UserInfo.Raw["tenant"].(map[string]any)["id"]
	fmt.Println("user", login.UserInfo.Subject, "tenant", tenant)
	// Output:
	// user 1234 tenant 5678
}

// A declined login, as the vendor documents the redirect (without a state):
// Complete reports the vendor's error with its message and hint.
func Example_deniedLogin() {
	p, _ := justimmo.New(justimmo.Config{ClientID: "c", ClientSecret: "s", RedirectURL: "https://crm.example.com/cb"})
	ar, _ := p.AuthCodeURL(context.Background())
	callback, _ := url.ParseQuery("error=access_denied&message=The+resource+owner+or+authorization+server+denied+the+request.&hint=The+user+denied+the+request")

	_, err := oauthkit.Complete(context.Background(), p, ar, callback)
	var e *oauthkit.Error
	if errors.As(err, &e) && errors.Is(err, oauthkit.ErrAccessDenied) {
		fmt.Println(e.Message)
		fmt.Println(e.Hint)
	}
	// Output:
	// The resource owner or authorization server denied the request.
	// The user denied the request
}

// Refresh tokens rotate and live a month; after that the user logs in again.
func ExampleProvider_Refresh() {
	// A clock the test moves (the fake and the provider share it).
	var mu sync.Mutex
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	srv := justimmotest.NewServer(justimmotest.Options{Now: clock})
	defer srv.Close()
	p, _ := justimmo.New(srv.Config())
	ctx := context.Background()
	ar, _ := p.AuthCodeURL(ctx)
	callback, _ := srv.Authorize(ctx, ar.URL)
	login, err := oauthkit.Complete(ctx, p, ar, callback.Query())
	if err != nil {
		log.Fatal(err)
	}

	next, err := p.Refresh(ctx, login.Token.RefreshToken)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("rotated:", next.RefreshToken != login.Token.RefreshToken)

	mu.Lock()
	now = now.Add(32 * 24 * time.Hour) // a month and a day later
	mu.Unlock()
	_, err = p.Refresh(ctx, next.RefreshToken)
	var e *oauthkit.Error
	errors.As(err, &e)
	fmt.Println(e.Code, "-", e.Hint)
	fmt.Println("log in again:", oauthkit.NeedsLogin(err))
	// Output:
	// rotated: true
	// invalid_request - Refresh token has expired
	// log in again: true
}

func ExampleProvider_ClientCredentials() {
	srv := justimmotest.NewServer(justimmotest.Options{})
	defer srv.Close()
	p, _ := justimmo.New(srv.Config())

	tok, err := p.ClientCredentials(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok.TokenType, "expires in", tok.ExpiresIn, "s; refresh token:", tok.RefreshToken != "")
	// Output:
	// Bearer expires in 2678400 s; refresh token: false
}

func ExampleProvider_User() {
	srv := justimmotest.NewServer(justimmotest.Options{Users: []justimmotest.User{{ID: 42, TenantID: 7}}})
	defer srv.Close()
	p, _ := justimmo.New(srv.Config())
	ctx := context.Background()
	ar, _ := p.AuthCodeURL(ctx)
	callback, _ := srv.Authorize(ctx, ar.URL)
	tok, err := p.Exchange(ctx, callback.Query().Get("code"), ar) // or oauthkit.Complete
	if err != nil {
		log.Fatal(err)
	}

	u, err := p.User(ctx, tok)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("user %s of tenant %s\n", u.ID, u.TenantID)
	// Output:
	// user 42 of tenant 7
}

// Server-to-server calls read the client-credentials token from the cache:
// one token request, however many calls.
func ExampleProvider_TokenSource() {
	srv := justimmotest.NewServer(justimmotest.Options{})
	defer srv.Close()
	p, _ := justimmo.New(srv.Config())

	ts := p.TokenSource() // an oauth2.TokenSource; p.Client() wraps it in an *http.Client
	for range 1000 {
		if _, err := ts.Token(); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println("token requests:", srv.Requests(justimmotest.EndpointToken))
	// Output:
	// token requests: 1
}
