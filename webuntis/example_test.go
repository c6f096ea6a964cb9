package webuntis_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http/httptest"
	"os"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis/webuntistest"
)

func ExampleNew() {
	p, err := webuntis.New(webuntis.Config{
		BaseURL:      webuntis.IntegrationBaseURL,
		Tenant:       "1234",
		ClientID:     "BestApp",
		ClientSecret: oauthkit.Secret(os.Getenv("OAUTHKIT_WEBUNTIS_CLIENT_SECRET")),
		Password:     oauthkit.Secret("from-the-credentials-webhook"),
		RedirectURL:  "https://bestapp.example/redirect",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.Name(), p.Tenant())
	fmt.Printf("%v\n", p) // never prints a credential

	_, err = webuntis.New(webuntis.Config{ClientID: "BestApp", Password: "pw"})
	fmt.Println(err)
	// Output:
	// webuntis 1234
	// webuntis.Provider{BaseURL:"https://api.integration.webuntis.dev" Tenant:"1234" ClientID:"BestApp"}
	// webuntis: config: Tenant is required
}

// A partner app's login: redirect to AuthCodeURL, then Complete at the
// redirect URL. The fake plays WebUntis and the browser.
func ExampleProvider_AuthCodeURL() {
	srv := webuntistest.NewServer(webuntistest.Options{})
	defer srv.Close()
	srv.SetUser(webuntistest.User{Subject: "untis-4711"})
	p, err := webuntis.New(srv.Config())
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// Login handler: a fresh AuthRequest on every visit (keep it in the
	// session), then redirect the browser to ar.URL.
	ar, err := p.AuthCodeURL(ctx)
	if err != nil {
		log.Fatal(err)
	}

	// The browser logs in at WebUntis and comes back to the redirect URL.
	callback, err := srv.Authorize(ctx, ar.URL)
	if err != nil {
		log.Fatal(err)
	}

	// Callback handler: check the state, exchange the code, verify the ID token.
	login, err := oauthkit.Complete(ctx, p, ar, callback.Query())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("logged in:", login.UserInfo.Subject)
	fmt.Println("ID token verified for", login.IDToken.Audience)
	// Output:
	// logged in: untis-4711
	// ID token verified for [oauthkit-demo]
}

func ExampleProvider_ClientCredentials() {
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	srv := webuntistest.NewServer(webuntistest.Options{Now: func() time.Time { return now }})
	defer srv.Close()
	p, err := webuntis.New(srv.Config())
	if err != nil {
		log.Fatal(err)
	}

	tok, err := p.ClientCredentials(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok.TokenType, "token valid for", tok.Expiry.Sub(now))

	// The OIDC secret in place of the platform password: the vendor answers
	// invalid_grant, and the error says which credential the flow needs.
	cfg := srv.Config()
	cfg.Password = cfg.ClientSecret
	wrong, _ := webuntis.New(cfg)
	_, err = wrong.ClientCredentials(context.Background())
	var e *oauthkit.Error
	if errors.As(err, &e) && errors.Is(err, oauthkit.ErrInvalidGrant) {
		fmt.Println("advice:", e.Advice)
	}
	// Output:
	// Bearer token valid for 3m0s
	// advice: WebUntis client credentials take the platform password (Config.Password, delivered by the credentials webhook) as the Basic password for the OIDC client id, not the OIDC client secret
}

func ExampleNewWebhookHandler() {
	untis := webuntistest.NewServer(webuntistest.Options{})
	defer untis.Close()

	hook, err := webuntis.NewWebhookHandler(webuntis.WebhookConfig{
		KeyText: untis.WebhookKey(), // the public key the Untis Platform shows, base64 or PEM
		Store: func(ctx context.Context, c *webuntis.Credentials) error {
			// Store by tenant, overwriting: Untis may send an event twice.
			fmt.Println("credentials for tenant", c.TenantID, "event", c.EventType, "password", c.Password)
			return nil
		},
		Check: untis.Config(), // where the new password is checked; zero: WebUntis itself
	})
	if err != nil {
		log.Fatal(err)
	}
	app := httptest.NewServer(hook)
	defer app.Close()

	status, err := untis.SendCredentials(context.Background(), app.URL, webuntis.EventCreated)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("answered", status)
	// Output:
	// credentials for tenant 1234 event CREATED password [redacted]
	// answered 204
}

func ExampleProvider_VerifyIDToken() {
	now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
	srv := webuntistest.NewServer(webuntistest.Options{Now: func() time.Time { return now }})
	defer srv.Close()
	p, _ := webuntis.New(srv.Config())

	expired := srv.SignIDToken(map[string]any{
		"iss": srv.Issuer(), "aud": "oauthkit-demo", "sub": "untis-1", "nonce": "n",
		"exp": now.Add(-time.Minute).Unix(),
	})
	_, err := p.VerifyIDToken(context.Background(), expired, "n")
	fmt.Println(errors.Is(err, oauthkit.ErrIDTokenExpired), errors.Is(err, oauthkit.ErrInvalidIDToken))
	// Output:
	// true true
}

// A service serving many schools shares one cache among the tenants'
// providers; each tenant's token is fetched once and reused until shortly
// before it expires.
func ExampleProvider_Token() {
	srv := webuntistest.NewServer(webuntistest.Options{})
	defer srv.Close()
	srv.AddTenant(webuntistest.Tenant{ID: "1600", ClientID: "oauthkit-demo", ClientSecret: "s", Password: "p-1600"})

	cache := tokencache.New(tokencache.Config{MaxEntries: 10_000})
	defer cache.Close()
	schools := map[string]oauthkit.Secret{"1234": oauthkit.Secret(srv.Tenant().Password), "1600": "p-1600"}
	providers := map[string]*webuntis.Provider{}
	for tenant, password := range schools {
		p, err := webuntis.New(webuntis.Config{
			BaseURL: srv.URL, Tenant: tenant, ClientID: "oauthkit-demo", Password: password,
			Cache: cache, HTTPClient: srv.Client(),
		})
		if err != nil {
			log.Fatal(err)
		}
		providers[tenant] = p
	}

	for range 100 {
		for _, p := range providers {
			if _, err := p.Token(context.Background()); err != nil {
				log.Fatal(err)
			}
		}
	}
	fmt.Println("token requests for 200 calls:", srv.Requests(webuntistest.EndpointToken))

	// For the APIs: an HTTP client that sends the cached token.
	resp, err := providers["1234"].Client().Get(srv.URL + "/ims/oneroster/v1p1/users")
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println("OneRoster:", resp.Status)
	// Output:
	// token requests for 200 calls: 2
	// OneRoster: 200 OK
}

// A CredentialStore's Put is a compare-and-swap on the record's revision:
// credentials read at one revision replace the record only while it is
// still at that revision.
func ExampleMemoryCredentialStore_Put() {
	ctx := context.Background()
	var store webuntis.MemoryCredentialStore
	rev, _ := store.Put(ctx, &webuntis.Credentials{TenantID: "1234", ClientID: "app", Password: "first"})
	fmt.Println("stored at revision", rev)

	read, _ := store.Get(ctx, "1234") // read at revision 1
	read.Password = "second"
	rev, _ = store.Put(ctx, read)
	fmt.Println("replaced, now at revision", rev)

	read.Password = "third" // still says revision 1
	_, err := store.Put(ctx, read)
	fmt.Println(errors.Is(err, webuntis.ErrRevisionConflict))
	// Output:
	// stored at revision 1
	// replaced, now at revision 2
	// true
}
