package oauthkit_test

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/native"
	"github.com/seed-e8f4a5f7/oauthkit/openid"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache/redisstore"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin"
	"github.com/seed-e8f4a5f7/oauthkit/web"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
)

// The README's Go snippets, compiled: each function below holds one snippet
// between its "README begin" and "README end" lines, and
func readmeManyTenants(ctx context.Context, mux *http.ServeMux, cache *tokencache.Cache, credentials webuntis.CredentialStore) error {
	// README begin
	tenants, err := webuntis.NewTenants(webuntis.TenantsConfig{
		Credentials: credentials, // webuntis.NewFileCredentialStore(dir, keys): sealed at rest
		Config:      webuntis.Config{Cache: cache},
	})
	if err != nil {
		return err
	}
	hook, err := webuntis.NewWebhookHandler(webuntis.WebhookConfig{
		KeyText:     os.Getenv("OAUTHKIT_WEBUNTIS_WEBHOOK_KEY"), // the public key the Untis Platform shows (base64 or PEM)
		Credentials: tenants,
	})
	if err != nil {
		return err
	}
	mux.Handle("POST /untis/credentials", hook) // each new password checked live before it is kept
	client, err := tenants.Client(ctx, "1234")  // one school's client, made on first use
	// README end
	_ = client
	return err
}

func readmeDevice(ctx context.Context, kc *openid.Provider) error {
	// README begin
	da, err := kc.DeviceAuthorization(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("Open %s and enter the code %s\n", da.VerificationURI, da.UserCode)
	login, err := kc.DeviceLogin(ctx, da) // polls: interval, slow_down (+5 s), pending, denied, expired, ctx
	// README end
	_ = login
	return err
}

// TestReadmeSnippetsCompile checks that the README shows exactly those lines.
// The code around the markers only declares what a snippet takes from its
// surroundings and uses what it leaves unused.

func readmeServerToServer(ctx context.Context, passwordFromTheCredentialsWebhook string) error {
	// README begin
	cache := tokencache.New(tokencache.Config{MaxEntries: 10_000}) // one for the whole service

	p, err := webuntis.New(webuntis.Config{
		Tenant:   "1234",
		ClientID: "BestApp",
		Password: oauthkit.Secret(passwordFromTheCredentialsWebhook), // webuntis.NewWebhookHandler receives it
		Cache:    cache,
	})
	if err != nil {
		return err
	}
	client := p.Client()     // *http.Client sending the cached token to OneRoster / Untis REST
	ts := p.TokenSource()    // or an oauth2.TokenSource
	tok, err := p.Token(ctx) // or the token itself
	// README end
	_, _, _ = client, ts, tok
	return err
}

func readmeManyReplicas(mux *http.ServeMux, providers []oauthkit.Provider, sessionKey, nameKey, tokenKey, cookieKey []byte, keySecret oauthkit.Secret) error {
	// README begin
	rdb := redis.NewClient(&redis.Options{Addr: "redis:6379"}) // or a *redis.ClusterClient
	sessions, err := redisstore.NewSessionStore(redisstore.SessionConfig{
		Client:  rdb,
		Keys:    [][]byte{sessionKey}, // 32 random bytes, the same on every replica; to rotate, add a new key last, then move it first
		NameKey: nameKey,              // 32 random bytes of its own, never rotated: it names the keys
	})
	if err != nil {
		return err
	}
	tokens, err := redisstore.New(redisstore.Config{Client: rdb, Keys: [][]byte{tokenKey}})
	if err != nil {
		return err
	}
	cache := tokencache.New(tokencache.Config{Store: tokens, KeySecret: keySecret}) // the same KeySecret everywhere
	h, err := web.New(web.Config{
		Providers: providers,           // each made with Config.Cache: cache
		Keys:      [][]byte{cookieKey}, // the same on every replica
		Tokens:    sessions,
	})
	if err != nil {
		return err
	}
	mux.Handle("/auth/", h)
	// README end
	_ = cache
	return nil
}

func readmeAnyOpenID(ctx context.Context, key []byte, mux *http.ServeMux, accessToken string) error {
	// README begin
	kc, err := openid.New(openid.Config{
		Name:                  "keycloak",                            // the path segment: /auth/keycloak/login
		Issuer:                "https://sso.example.com/realms/acme", // {issuer}/.well-known/openid-configuration
		ClientID:              "bestapp",
		ClientSecret:          oauthkit.Secret(os.Getenv("KEYCLOAK_CLIENT_SECRET")), // or ClientKey: private_key_jwt
		RedirectURL:           "https://bestapp.example/auth/keycloak/callback",
		Scopes:                []string{"openid", "email", "profile"},
		PostLogoutRedirectURL: "https://bestapp.example/",
	})
	if err != nil {
		return err
	}
	h, err := web.New(web.Config{Providers: []oauthkit.Provider{kc}, Keys: [][]byte{key}}) // logout revokes through kc
	if err != nil {
		return err
	}
	mux.Handle("/auth/", h)
	// An API that receives access tokens asks the server about them (RFC 7662):
	in, err := kc.Introspect(ctx, accessToken, "access_token")
	// README end
	_ = in
	return err
}

func readmeDPoP(key *ecdsa.PrivateKey, cache *tokencache.Cache) error {
	// README begin
	p, err := openid.New(openid.Config{
		Issuer:       "https://sso.example.com/realms/acme",
		ClientID:     "billing",
		ClientSecret: oauthkit.Secret(os.Getenv("BILLING_CLIENT_SECRET")),
		DPoP:         &openid.DPoP{Key: key}, // *ecdsa.PrivateKey (P-256: ES256); zero Key: a fresh one per process
		Cache:        cache,
	})
	if err != nil {
		return err
	}
	resp, err := p.Client().Get("https://api.example.com/invoices") // Authorization: DPoP …, DPoP: <proof>
	// README end
	if err == nil {
		resp.Body.Close()
	}
	return err
}

func readmeNative(ctx context.Context, cfg unisignin.Config) error {
	// README begin
	l, err := native.Listen("http://127.0.0.1/callback") // the loopback redirect URL registered with the vendor
	if err != nil {
		return err
	}
	defer l.Close()
	cfg.RedirectURL = l.RedirectURL() // the same URL with the port the system picked
	p, err := unisignin.New(cfg)
	if err != nil {
		return err
	}
	login, err := l.Login(ctx, p, native.Options{Timeout: 3 * time.Minute}) // opens the system browser
	// README end
	_ = login
	return err
}

// readmeFiles are Go files the README shows whole.
var readmeFiles = []string{"examples/sso/main.go"}

// TestReadmeSnippetsCompile checks that every Go snippet in README.md is one
// of the compiled snippets above or one of readmeFiles, line for line
// (indentation aside), and that every one of them is still in the README.
func TestReadmeSnippetsCompile(t *testing.T) {
	_, _, _, _, _, _, _ = readmeServerToServer, readmeManyTenants, readmeManyReplicas, readmeAnyOpenID, readmeNative, readmeDevice, readmeDPoP // compiled, not run
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("readme_test.go")
	if err != nil {
		t.Fatal(err)
	}
	shown := regexp.MustCompile("(?s)```go\n(.*?)```").FindAllSubmatch(readme, -1)
	compiled := regexp.MustCompile(`(?s)// README begin\n(.*?)\n\t// README end`).FindAllSubmatch(src, -1)
	want := map[string]bool{}
	for _, m := range compiled {
		want[normalize(string(m[1]))] = false
	}
	// The web-login app is shown whole; examples/sso's test runs it.
	for _, file := range readmeFiles {
		app, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		want[normalize(string(app))] = false
	}
	for i, m := range shown {
		s := normalize(string(m[1]))
		if _, ok := want[s]; !ok {
			t.Errorf("README.md Go snippet %d is not one of the compiled snippets in readme_test.go nor a file in readmeFiles:\n%s", i+1, s)
			continue
		}
		want[s] = true
	}
	for s, seen := range want {
		if !seen {
			t.Errorf("readme_test.go compiles a snippet (or lists a file) the README no longer shows:\n%s", s)
		}
	}
	if len(shown) == 0 {
		t.Error("README.md shows no Go snippet")
	}
}

// normalize drops indentation and the alignment of trailing comments, which
// gofmt changes when a snippet is indented into a function.
func normalize(s string) string {
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
		line = strings.TrimSpace(line)
		if code, comment, ok := strings.Cut(line, " // "); ok {
			line = strings.TrimSpace(code) + " // " + strings.TrimSpace(comment)
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}
