package redisstore_test

import (
	"crypto/rand"
	"fmt"
	"log"

	"github.com/redis/go-redis/v9"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache/redisstore"
	"github.com/seed-e8f4a5f7/oauthkit/web"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
)

func ExampleNewSessionStore() {
	// Three secrets, each 32 bytes from crypto/rand, the same on every
	// replica: in production fixed ones from your secret manager, so that
	// sessions survive restarts.
	cookieKey, sealKey, nameKey := make([]byte, 32), make([]byte, 32), make([]byte, 32)
	rand.Read(cookieKey)
	rand.Read(sealKey)
	rand.Read(nameKey)

	// Client may also be a *redis.ClusterClient or a Sentinel client. Keys
	// seal the stored tokens (rotate by adding a new key last on every
	// replica, then moving it first); NameKey
	// names the keys and is never rotated.
	store, err := redisstore.NewSessionStore(redisstore.SessionConfig{
		Client:  redis.NewClient(&redis.Options{Addr: "redis:6379"}),
		Keys:    [][]byte{sealKey},
		NameKey: nameKey,
	})
	if err != nil {
		log.Fatal(err)
	}
	wu, err := webuntis.New(webuntis.Config{
		Tenant:       "1234",
		ClientID:     "BestApp",
		ClientSecret: "the OIDC secret",
		RedirectURL:  "https://bestapp.example/auth/webuntis/callback",
	})
	if err != nil {
		log.Fatal(err)
	}
	h, err := web.New(web.Config{
		Providers: []oauthkit.Provider{wu},
		Keys:      [][]byte{cookieKey},
		Tokens:    store, // every replica sees every session
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(h.LoginPath("webuntis"))
	// Output: /auth/webuntis/login
}
