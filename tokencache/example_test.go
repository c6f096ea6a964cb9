package tokencache_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache/tokencachetest"
)

// clientCredentials stands in for a provider's ClientCredentials: it counts
// its calls and issues tokens valid for three minutes.
func clientCredentials() tokencache.Fetch {
	n := 0
	return func(ctx context.Context) (*oauth2.Token, error) {
		n++
		return &oauth2.Token{
			AccessToken: fmt.Sprintf("token-%d", n),
			TokenType:   "Bearer",
			Expiry:      time.Now().Add(3 * time.Minute),
		}, nil
	}
}

func ExampleNew() {
	cache := tokencache.New(tokencache.Config{
		MaxEntries: 10_000,
		OnError: func(key string, err error) {
			fmt.Println("token error:", err) // log it; it never contains a token
		},
	})
	defer cache.Close()

	fetch := clientCredentials()
	ctx := context.Background()
	for range 3 {
		tok, err := cache.Token(ctx, "webuntis|school-42", fetch)
		if err != nil {
			panic(err)
		}
		fmt.Println(tok.AccessToken)
	}
	// Output:
	// token-1
	// token-1
	// token-1
}

func ExampleCache_Token() {
	cache := tokencache.New(tokencache.Config{})
	defer cache.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	// Each tenant has its own key and fetch function.
	for _, school := range []string{"school-1", "school-2", "school-1"} {
		tok, err := cache.Token(ctx, "webuntis|"+school, clientCredentials())
		if err != nil {
			panic(err)
		}
		fmt.Println(school, tok.AccessToken)
	}
	// Output:
	// school-1 token-1
	// school-2 token-1
	// school-1 token-1
}

func ExampleCache_TokenSource() {
	cache := tokencache.New(tokencache.Config{})
	defer cache.Close()

	// Bind once per tenant, then use it as any oauth2.TokenSource.
	var src oauth2.TokenSource = cache.TokenSource("webuntis|school-42", clientCredentials())
	for range 2 {
		tok, err := src.Token()
		if err != nil {
			panic(err)
		}
		fmt.Println(tok.AccessToken)
	}
	// Output:
	// token-1
	// token-1
}

func ExampleCache_Client() {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "got", r.Header.Get("Authorization"))
	}))
	defer api.Close()

	cache := tokencache.New(tokencache.Config{})
	defer cache.Close()
	client := cache.Client("webuntis|school-42", clientCredentials(), nil)

	resp, err := client.Get(api.URL)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Print(string(body))
	// Output:
	// got Bearer token-1
}

func ExampleCache_Invalidate() {
	cache := tokencache.New(tokencache.Config{})
	defer cache.Close()
	ctx := context.Background()
	key, fetch := "webuntis|school-42", clientCredentials()

	tok, _ := cache.Token(ctx, key, fetch)
	fmt.Println(tok.AccessToken)

	// The resource server answered 401: the token was revoked early.
	if err := cache.Invalidate(ctx, key); err != nil {
		fmt.Println("store:", err)
	}
	tok, _ = cache.Token(ctx, key, fetch)
	fmt.Println(tok.AccessToken)
	// Output:
	// token-1
	// token-2
}

// A key names vendor, tenant, client and flow; the rest enters only through
// a keyed hash. Without a HashKey the hash is keyed by a random key of the
// process, so the key differs from run to run; here a fixed one (from
// configuration, in a real deployment) makes it reproducible.
func ExampleKey() {
	key := tokencache.Key(tokencache.KeyParts{
		Vendor:     "webuntis",
		Endpoint:   "https://example.webuntis.com/WebUntis/api/sso/token",
		Tenant:     "school-42",
		ClientID:   "client-1",
		Flow:       "client_credentials",
		Scopes:     []string{"roster.read", "openid"},
		Credential: "correct horse battery staple",
		HashKey:    []byte("fleet-secret-0123456789abcdef"), // os.Getenv, a secret manager…
	})
	fmt.Println(key)
	// Output:
	// v1|webuntis|school-42|client-1|client_credentials|sOL_L-Xx_oYeT_Dh
}

// Replicas sharing a Store must compute the same key for a tenant: each
// one's Cache is configured with the same KeySecret, and Cache.Key refuses
// to make keys on a Store without one.
func ExampleCache_Key() {
	var store tokencache.Store = newMapStore(tokencachetest.NewClock(time.Now())) // redisstore.New(…) in a real deployment
	replica := func(secret string) *tokencache.Cache {
		return tokencache.New(tokencache.Config{Store: store, KeySecret: oauthkit.Secret(secret)})
	}
	parts := tokencache.KeyParts{Vendor: "webuntis", Tenant: "school-42", ClientID: "client-1", Flow: "client_credentials", Credential: "password"}

	a, _ := replica("fleet-secret-0123456789abcdef").Key(parts)
	b, _ := replica("fleet-secret-0123456789abcdef").Key(parts)
	fmt.Println(a == b)
	_, err := replica("").Key(parts)
	fmt.Println(errors.Is(err, tokencache.ErrKeySecretRequired))
	// Output:
	// true
	// true
}

// A user's login whose refresh token rotates: every renewal starts from the
// newest token, and OnTokenChange reports the new refresh token to store for
// the user named with ForUser (the key holds the user only hashed).
func ExampleCache_RefreshingSource() {
	cache := tokencache.New(tokencache.Config{
		OnTokenChange: func(ch tokencache.TokenChange) {
			if ch.RefreshTokenChanged() {
				fmt.Printf("store refresh token %s for %s\n", ch.New.RefreshToken, ch.User)
			}
		},
	})
	defer cache.Close()

	n := 0
	renew := func(ctx context.Context, prev *oauth2.Token) (*oauth2.Token, error) {
		n++ // a provider's Refresh(ctx, prev.RefreshToken), rotating it
		return &oauth2.Token{AccessToken: fmt.Sprintf("at-%d", n), RefreshToken: fmt.Sprintf("rt-%d", n), Expiry: time.Now().Add(time.Hour)}, nil
	}
	expired := &oauth2.Token{AccessToken: "at-0", RefreshToken: "rt-0", Expiry: time.Now().Add(-time.Minute)}
	key := tokencache.Key(tokencache.KeyParts{Vendor: "unisignin", ClientID: "app", Flow: "refresh_token", User: "user-42"})

	src := cache.RefreshingSource(key, expired, renew, tokencache.ForUser("user-42"))
	tok, _ := src.Token()
	fmt.Println(tok.AccessToken, tok.RefreshToken)
	// Output:
	// store refresh token rt-1 for user-42
	// at-1 rt-1
}

// downStore is a Store whose backend (Redis) is down.
type downStore struct{}

var errDown = errors.New("connection refused")

func (downStore) Get(context.Context, string) (tokencache.Stored, error) {
	return tokencache.Stored{}, errDown
}

func (downStore) CompareAndSwap(context.Context, string, string, *oauth2.Token, time.Duration) (bool, error) {
	return false, errDown
}
func (downStore) Delete(context.Context, string) error { return errDown }
func (downStore) Lease(context.Context, string, time.Duration) (func(context.Context) error, error) {
	return nil, errDown
}

// With a Store shared by replicas, a user's refresh token is sent by one
// replica at a time, the one holding the key's lease. When the Store is
// down, or another replica is still renewing, the renewal sends nothing and
// fails retryably: answer "try again" rather than sending the user through
// the login again.
func Example_renewalWithoutTheLease() {
	cache := tokencache.New(tokencache.Config{Store: downStore{}})
	defer cache.Close()
	renew := func(ctx context.Context, prev *oauth2.Token) (*oauth2.Token, error) {
		panic("not called: no refresh token is sent without the lease")
	}
	expired := &oauth2.Token{AccessToken: "at-0", RefreshToken: "rt-0", Expiry: time.Now().Add(-time.Minute)}
	key := tokencache.Key(tokencache.KeyParts{Vendor: "unisignin", ClientID: "app", Flow: "refresh_token", User: "user-42"})

	_, err := cache.RefreshingSource(key, expired, renew).Token()
	switch {
	case oauthkit.NeedsLogin(err):
		fmt.Println("log in again")
	case errors.Is(err, tokencache.ErrStoreUnavailable), errors.Is(err, tokencache.ErrRefreshInFlight):
		fmt.Println("503 Service Unavailable, Retry-After: 1")
	}
	// Output:
	// 503 Service Unavailable, Retry-After: 1
}
