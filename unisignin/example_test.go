package unisignin_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/url"
	"strings"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache/tokencachetest"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin/unisignintest"
)

func ExampleNew() {
	p, err := unisignin.New(unisignin.Config{
		BaseURL:      "https://acme.unisignin.example",
		ClientID:     "my-client",
		ClientSecret: "from-the-dashboard", // read it from your secret store
		RedirectURL:  "https://app.example.com/callback",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(p) // never prints the secret
	// Output:
	// unisignin.Provider{BaseURL:"https://acme.unisignin.example" ClientID:"my-client" Flow:web}
}

// A web login: AuthCodeURL, the browser, then oauthkit.Complete at the
// redirect URL, which checks the state, exchanges the code and fetches the
// profile.
func ExampleProvider_AuthCodeURL() {
	srv := unisignintest.NewServer(unisignintest.Options{})
	defer srv.Close()
	p, err := unisignin.New(srv.Config())
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// Login handler: keep ar (server-side, or in a sealed cookie), redirect.
	ar, err := p.AuthCodeURL(ctx)
	if err != nil {
		log.Fatal(err)
	}
	u, _ := url.Parse(ar.URL)
	fmt.Println("scope:", u.Query().Get("scope"))
	fmt.Println("PKCE:", u.Query().Get("code_challenge_method"), len(ar.CodeVerifier), "letters and digits")

	// The browser logs in and comes back (simulated by the fake).
	callback, err := srv.Authorize(ctx, ar.URL)
	if err != nil {
		log.Fatal(err)
	}

	// Callback handler.
	login, err := oauthkit.Complete(ctx, p, ar, callback.Query())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("logged in:", login.UserInfo.Subject, login.UserInfo.Email, login.UserInfo.Name)
	// Output:
	// scope: public
	// PKCE: plain 64 letters and digits
	// logged in: 1 ada@example.com Ada Lovelace
}

// The app flow: no client secret; the verifier proves the app.
func Example_appFlow() {
	srv := unisignintest.NewServer(unisignintest.Options{})
	defer srv.Close()
	p, err := unisignin.New(srv.PublicConfig()) // ClientSecret empty
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	ar, _ := p.AuthCodeURL(ctx)
	callback, err := srv.Authorize(ctx, ar.URL) // the app's URL scheme receives it
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("callback scheme:", callback.Scheme)
	login, err := oauthkit.Complete(ctx, p, ar, callback.Query())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("app flow:", p.IsApp(), "user:", login.UserInfo.Email)
	// Output:
	// callback scheme: com.example.oauthkit
	// app flow: true user: ada@example.com
}

// A denied login comes back as an *oauthkit.Error with league's hint.
func Example_deniedLogin() {
	srv := unisignintest.NewServer(unisignintest.Options{})
	defer srv.Close()
	p, _ := unisignin.New(srv.Config())
	ctx := context.Background()
	ar, _ := p.AuthCodeURL(ctx)
	callback, _ := srv.Deny(ctx, ar.URL)

	_, err := oauthkit.Complete(ctx, p, ar, callback.Query())
	var e *oauthkit.Error
	if errors.As(err, &e) {
		fmt.Println(errors.Is(err, oauthkit.ErrAccessDenied), e.Hint)
	}
	// Output:
	// true The user denied the request
}

func ExampleProvider_PasswordToken() {
	srv := unisignintest.NewServer(unisignintest.Options{
		Users: []unisignintest.User{{ID: 7, Email: "grace@example.com", Password: "hopper-1906"}},
	})
	defer srv.Close()
	p, _ := unisignin.New(srv.PublicConfig())

	// The password is an oauthkit.Secret: it never prints, not even in errors.
	password := oauthkit.Secret("hopper-1906")
	tok, err := p.PasswordToken(context.Background(), "grace@example.com", password)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok.TokenType, tok.RefreshToken != "")

	_, err = p.PasswordToken(context.Background(), "grace@example.com", "wrong")
	fmt.Println(errors.Is(err, oauthkit.ErrInvalidGrant))
	// Output:
	// Bearer true
	// true
}

// Refresh tokens rotate: store the new one, the old one is dead.
func ExampleProvider_Refresh() {
	srv := unisignintest.NewServer(unisignintest.Options{})
	defer srv.Close()
	p, _ := unisignin.New(srv.PublicConfig())
	ctx := context.Background()
	user := srv.Users()[0]
	tok, err := p.PasswordToken(ctx, user.Email, oauthkit.Secret(user.Password))
	if err != nil {
		log.Fatal(err)
	}

	next, err := p.Refresh(ctx, tok.RefreshToken)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("rotated:", next.RefreshToken != tok.RefreshToken)
	fmt.Println("old one:", srv.RefreshTokenState(tok.RefreshToken))

	_, err = p.Refresh(ctx, tok.RefreshToken) // a mistake: the old one again
	fmt.Println("log in again:", oauthkit.NeedsLogin(err))
	// Output:
	// rotated: true
	// old one: revoked
	// log in again: true
}

func ExampleProvider_User() {
	srv := unisignintest.NewServer(unisignintest.Options{
		Users: []unisignintest.User{{ID: 42, Email: "ada@example.com", Password: "pw-1815", FirstName: "Ada", LastName: "Lovelace"}},
	})
	defer srv.Close()
	p, _ := unisignin.New(srv.PublicConfig())
	ctx := context.Background()
	tok, err := p.PasswordToken(ctx, "ada@example.com", "pw-1815")
	if err != nil {
		log.Fatal(err)
	}

	u, err := p.User(ctx, tok)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(u.ID, u.Email, u.Name)
	// Output:
	// 42 ada@example.com Ada Lovelace
}

func ExampleProvider_ClientCredentials() {
	p, _ := unisignin.New(unisignin.Config{BaseURL: "https://acme.unisignin.example", ClientID: "c", ClientSecret: "s"})
	_, err := p.ClientCredentials(context.Background())
	fmt.Println(errors.Is(err, errors.ErrUnsupported))
	// Output:
	// true
}

// A user's login, kept fresh by the cache: refreshed ahead of expiry with the
// newest (rotated) refresh token, which OnTokenChange hands over for storage
// with the user it belongs to.
func ExampleProvider_UserTokenSource() {
	clock := tokencachetest.NewClock(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	srv := unisignintest.NewServer(unisignintest.Options{Now: clock.Now})
	defer srv.Close()
	refreshed := make(chan string, 4)
	cache := tokencache.New(tokencache.Config{
		Clock: clock,
		OnTokenChange: func(ch tokencache.TokenChange) {
			refreshed <- ch.User + " " + ch.New.RefreshToken // store it in ch.User's place
		},
	})
	defer cache.Close()
	cfg := srv.PublicConfig()
	cfg.Cache, cfg.Now = cache, clock.Now
	p, _ := unisignin.New(cfg)

	user := srv.Users()[0]
	login, err := p.PasswordToken(context.Background(), user.Email, oauthkit.Secret(user.Password))
	if err != nil {
		log.Fatal(err)
	}
	src := p.UserTokenSource("user-1", login)
	tok, _ := src.Token()
	fmt.Println("first token is the login's:", tok.AccessToken == login.AccessToken, <-refreshed == "user-1 "+login.RefreshToken)

	clock.Advance(59 * time.Minute) // the hour-long token is about to expire
	src.Token()                     // still served; one refresh starts
	user1, newRefresh, _ := strings.Cut(<-refreshed, " ")
	fmt.Println("rotated for", user1+":", newRefresh != login.RefreshToken, "old one:", srv.RefreshTokenState(login.RefreshToken))
	// Output:
	// first token is the login's: true true
	// rotated for user-1: true old one: revoked
}
