package licensespringtest_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring/licensespringtest"
)

// A test of code that uses LicenseSpring: the fake checks every request's
// HMAC signature and its Date against its own clock, and plays the Keycloak
// realm behind the sso_url.
func ExampleNewServer() {
	srv := licensespringtest.NewServer(licensespringtest.Options{})
	defer srv.Close()

	p, err := licensespring.New(srv.Config()) // API URL, both keys, product, customer, HTTP client
	if err != nil {
		log.Fatal(err)
	}
	s, err := p.SSOURL(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("Keycloak client:", s.ClientID())

	// A client clock 16 minutes slow: the Date header is outside the window.
	cfg := srv.Config()
	cfg.Now = func() time.Time { return time.Now().Add(-16 * time.Minute) }
	slow, _ := licensespring.New(cfg)
	_, err = slow.SSOURL(context.Background())
	fmt.Println(errors.Is(err, licensespring.ErrDateHeaderDiff))
	// Output:
	// Keycloak client: license-users
	// true
}

// A test of an application's back-channel logout endpoint: the fake mints
// the logout token Keycloak would send, good or broken, and posts it.
func ExampleServer_BackchannelLogout() {
	srv := licensespringtest.NewServer(licensespringtest.Options{})
	defer srv.Close()

	// The application under test; here a stand-in that accepts any token.
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.PostFormValue("logout_token") == "" {
			w.WriteHeader(http.StatusBadRequest)
		}
	}))
	defer app.Close()

	ctx := context.Background()
	fmt.Println(srv.BackchannelLogout(ctx, app.URL+"/auth/licensespring/backchannel-logout", srv.LogoutToken("license-user-1", "session-1")))
	fmt.Println(srv.BackchannelLogout(ctx, app.URL+"/auth/licensespring/backchannel-logout", ""))
	// Output:
	// <nil>
	// licensespringtest: back-channel logout: HTTP 400
}

// A test of an application's RP-initiated logout: the realm's
// end_session_endpoint checks the ID token and the post-logout redirect URI,
// ends the login's session and sends the browser back with the state.
func ExampleServer_Logouts() {
	srv := licensespringtest.NewServer(licensespringtest.Options{})
	defer srv.Close()
	ctx := context.Background()

	// A login, as the application at 127.0.0.1:8080 makes it.
	p, err := licensespring.New(srv.ConfigFor("http://127.0.0.1:8080/auth/licensespring/callback"))
	if err != nil {
		log.Fatal(err)
	}
	ar, err := p.AuthCodeURL(ctx)
	if err != nil {
		log.Fatal(err)
	}
	cb, err := srv.Authorize(ctx, ar.URL)
	if err != nil {
		log.Fatal(err)
	}
	login, err := oauthkit.Complete(ctx, p, ar, cb.Query())
	if err != nil {
		log.Fatal(err)
	}

	// The logout: back to the application's home page, which the default
	// registration accepts on any loopback port.
	ep, err := p.Discover(ctx)
	if err != nil {
		log.Fatal(err)
	}
	q := url.Values{
		"id_token_hint":            {login.Token.Extra("id_token").(string)},
		"post_logout_redirect_uri": {"http://127.0.0.1:8080/"},
		"state":                    {"st-1"},
	}
	browser := *srv.Client() // a copy, to see the redirect
	browser.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := browser.Get(ep.EndSessionURL + "?" + q.Encode())
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, resp.Header.Get("Location"))

	// The ended session, as a back-channel logout token for it names it.
	var claims struct {
		SID string `json:"sid"`
	}
	if err := login.IDToken.Claims(&claims); err != nil {
		log.Fatal(err)
	}
	l := srv.Logouts()[0]
	fmt.Println(l.Subject, l.SID == claims.SID)

	// The session's refresh token no longer works.
	_, err = p.Refresh(ctx, login.Token.RefreshToken)
	fmt.Println(err != nil)
	// Output:
	// 302 http://127.0.0.1:8080/?state=st-1
	// license-user-1 true
	// true
}
