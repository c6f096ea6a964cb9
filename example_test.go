package oauthkit_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/url"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis/webuntistest"
)

// Complete is the whole callback handler of a login.
func ExampleComplete() {
	srv := webuntistest.NewServer(webuntistest.Options{}) // stands in for WebUntis
	defer srv.Close()
	srv.SetUser(webuntistest.User{Subject: "untis-17"})
	var p oauthkit.Provider
	p, err := webuntis.New(srv.Config())
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	ar, err := p.AuthCodeURL(ctx) // keep ar in the session; redirect to ar.URL
	if err != nil {
		log.Fatal(err)
	}
	callback, _ := srv.Authorize(ctx, ar.URL) // the browser comes back

	login, err := oauthkit.Complete(ctx, p, ar, callback.Query())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("subject:", login.UserInfo.Subject)

	// A forged callback, or the same one again, is refused before any
	// request is made.
	_, err = oauthkit.Complete(ctx, p, ar, callback.Query())
	fmt.Println(errors.Is(err, oauthkit.ErrStateMismatch))
	// Output:
	// subject: untis-17
	// true
}

// An error redirect becomes an *Error with everything the vendor said.
func ExampleComplete_errorRedirect() {
	srv := webuntistest.NewServer(webuntistest.Options{})
	defer srv.Close()
	p, _ := webuntis.New(srv.Config())
	ar, _ := p.AuthCodeURL(context.Background())

	callback := url.Values{"error": {"access_denied"}, "error_description": {"The user denied the request"}, "state": {ar.State}}
	_, err := oauthkit.Complete(context.Background(), p, ar, callback)
	var e *oauthkit.Error
	fmt.Println(errors.As(err, &e), errors.Is(err, oauthkit.ErrAccessDenied))
	fmt.Println(err)
	// Output:
	// true true
	// webuntis: authorize: access_denied: The user denied the request
}

func ExampleSecret() {
	s := oauthkit.Secret("platform-password")
	fmt.Println(s, fmt.Sprintf("%q %x %#v", s, s, s))
	fmt.Println(len(s.Reveal()))
	// Output:
	// [redacted] [redacted] [redacted] oauthkit.Secret("[redacted]")
	// 17
}

func ExampleError() {
	err := fmt.Errorf("sync school: %w", &oauthkit.Error{
		Provider: "justimmo", Op: "refresh", StatusCode: 400,
		Code: "invalid_request", Hint: "Refresh token has expired",
	})
	var e *oauthkit.Error
	if errors.As(err, &e) {
		fmt.Println(e.Code, "/", e.Hint)
	}
	fmt.Println(errors.Is(err, oauthkit.ErrInvalidRequest))
	fmt.Println(err)
	// Output:
	// invalid_request / Refresh token has expired
	// true
	// sync school: justimmo: refresh: invalid_request (HTTP 400): hint: Refresh token has expired
}
