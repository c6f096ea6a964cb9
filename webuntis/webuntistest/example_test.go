package webuntistest_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/oauthkittest"
	"github.com/seed-e8f4a5f7/oauthkit/web"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis/webuntistest"
)

// A test of code that calls WebUntis: the fake issues 180-second tokens on
// the test's clock and answers with an HTML 502 page when told to.
func ExampleNewServer() {
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	srv := webuntistest.NewServer(webuntistest.Options{Now: func() time.Time { return now }})
	defer srv.Close()

	p, err := webuntis.New(srv.Config()) // BaseURL, tenant, both credentials, HTTP client
	if err != nil {
		log.Fatal(err)
	}
	tok, err := p.ClientCredentials(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("expires in", tok.Expiry.Sub(now))

	srv.InjectFault(webuntistest.EndpointToken, oauthkittest.Fault{Status: 502, Body: "<html><h1>502 Bad Gateway</h1></html>"})
	_, err = p.ClientCredentials(context.Background())
	fmt.Println(err)
	fmt.Println("token requests:", srv.Requests(webuntistest.EndpointToken))
	// Output:
	// expires in 3m0s
	// webuntis: client credentials: unexpected response (HTTP 502): body: "502 Bad Gateway"
	// token requests: 4
}

// A test of a web app's WebUntis login, from a cookie-jar client, no
// browser: the fake starts first, the app listens on a port of its own and
// takes it with ConfigFor, and SignIn drives the login from the app's login
// URL to its callback, which the same client then opens.
func ExampleServer_SignIn() {
	srv := webuntistest.NewServer(webuntistest.Options{LoginPage: true})
	defer srv.Close()
	srv.SetUser(webuntistest.User{Subject: "untis-7", Claims: map[string]any{"name": "Grace Hopper"}})

	mux := http.NewServeMux()
	app := httptest.NewUnstartedServer(mux)
	base := "http://" + app.Listener.Addr().String()
	p, err := webuntis.New(srv.ConfigFor(base + "/auth/webuntis/callback"))
	if err != nil {
		log.Fatal(err)
	}
	h, err := web.New(web.Config{Providers: []oauthkit.Provider{p}, Keys: [][]byte{make([]byte, 32)}})
	if err != nil {
		log.Fatal(err)
	}
	mux.Handle("/auth/", h)
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		if s, err := h.Session(r); err == nil {
			fmt.Fprintf(w, "signed in: %s (%s)", s.Name, s.Subject)
		}
	})
	app.Start()
	defer app.Close()

	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	callback, err := srv.SignIn(context.Background(), client, base+"/auth/webuntis/login")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("callback:", callback.Path, "with code:", callback.Query().Has("code"))
	resp, err := client.Get(callback.String())
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	fmt.Println(string(page))
	// Output:
	// callback: /auth/webuntis/callback with code: true
	// signed in: Grace Hopper (untis-7)
}
