// Command webapp is a small web app with single sign-on through package
// web: a sign-in page with a button per vendor, the callback, a page showing
// who is logged in with a button that calls the vendor's API with the
// user's (refreshed) token, and logout.
//
// By default it runs against the in-process vendor fakes, and the fake
// OpenID Provider of package openidtest behind the standards provider
// (package openid, for Keycloak, Auth0, Entra ID or any other), and needs
// no network or credentials:
//
//	go run ./examples/webapp
//
// It prints the URL to open. With -fakes=false it uses the real vendors
// configured in the environment (a vendor without its variables is left
// out); register {public URL}/auth/{vendor}/callback as the redirect URL:
//
//	OAUTHKIT_WEBUNTIS_TENANT, OAUTHKIT_WEBUNTIS_CLIENT_ID, OAUTHKIT_WEBUNTIS_CLIENT_SECRET
//	OAUTHKIT_UNISIGNIN_BASE_URL, OAUTHKIT_UNISIGNIN_CLIENT_ID, OAUTHKIT_UNISIGNIN_CLIENT_SECRET
//	OAUTHKIT_JUSTIMMO_CLIENT_ID, OAUTHKIT_JUSTIMMO_CLIENT_SECRET
//	OAUTHKIT_LICENSESPRING_API_KEY, OAUTHKIT_LICENSESPRING_SHARED_KEY, OAUTHKIT_LICENSESPRING_PRODUCT, OAUTHKIT_LICENSESPRING_CUSTOMER_ACCOUNT
//	OAUTHKIT_OPENID_ISSUER, OAUTHKIT_OPENID_CLIENT_ID, OAUTHKIT_OPENID_CLIENT_SECRET (any OpenID Provider;
//	  the button's provider name, and so the callback's path segment, is "openid"; register
//	  {public URL}/ as a post-logout redirect URL for its RP-initiated logout)
//	WEBAPP_KEY   base64 of 32 random bytes (zero: a new key, so sessions end on restart)
//
// # A fleet of replicas
//
// With -redis and -replicas it runs as a fleet, the way it would be
// deployed behind a load balancer:
//
//	go run ./examples/webapp -redis 127.0.0.1:6379 -replicas 3
//
// Each replica is a whole app — its own web.Handler, token cache and
// provider instances, as a separate process would have — listening on a
// loopback port of its own. A small front (net/http/httputil's
// ReverseProxy) listens on -addr and sends each request to the next
// replica in turn, keeping the browser's Host and adding
// X-Forwarded-For/-Host/-Proto, so redirect URLs and cookies stay on the
// front's origin. The replicas share one Redis: the sessions live in a
// redisstore.SessionStore (package web's TokenStore: a user logged in
// through one replica is logged in on all of them, a session's refresh
// token is sent by one replica of the fleet, logout ends the session
// everywhere) and the providers' token caches in a redisstore.Store. The
// vendors (or their fakes) are one set, as real vendors are. Every page's
// footer says which replica served it ("replica 2 of 3", element
// #replica), and every response carries it in the X-Webapp-Replica header.
//
// Without -redis the sessions stay in the one replica's memory, and a
// second replica is refused: a user logged in on one would be logged out
// on the others. -redis with one replica keeps the sessions across
// restarts of the process (given a fixed WEBAPP_KEY). Every replica uses the same keys, from WEBAPP_KEY (or one
// made for the run): the cookies are sealed with it, and the keys that
// seal what is kept in Redis, and name it, are derived from it.
package main

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	publicURL := flag.String("public-url", "", "the app's URL as the browser sees it (zero: http://{addr})")
	fakes := flag.Bool("fakes", true, "run against the in-process vendor fakes")
	replicas := flag.Int("replicas", 1, "how many replicas of the app run behind the front (more than one needs -redis)")
	redisAddr := flag.String("redis", "", "host:port of the Redis that keeps the sessions and tokens of every replica (zero: memory, one replica only)")
	flag.Parse()
	if *replicas > 1 && *redisAddr == "" {
		log.Fatal(errReplicasNeedRedis)
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	base := *publicURL
	if base == "" {
		base = "http://" + ln.Addr().String()
	}
	key, err := keyFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	cfg := fleetConfig{Replicas: *replicas, Keys: deriveKeys(key), Logger: logger}
	if *fakes {
		f := startFakes(base)
		defer f.Close()
		cfg.Vendors = func(cache *tokencache.Cache) ([]vendor, error) { return f.vendors(base, cache) }
	} else {
		cfg.Vendors = func(cache *tokencache.Cache) ([]vendor, error) { return realVendors(base, cache) }
	}
	if *redisAddr != "" {
		rc := redis.NewClient(&redis.Options{Addr: *redisAddr})
		defer rc.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := rc.Ping(ctx).Err()
		cancel()
		if err != nil {
			log.Fatalf("webapp: Redis at %s: %v", *redisAddr, err)
		}
		cfg.Redis = rc
	}
	fl, err := newFleet(cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer fl.Close()
	srv := &http.Server{Handler: fl, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		<-ctx.Done()
		srv.Shutdown(context.Background())
	}()
	if *replicas > 1 {
		fmt.Printf("webapp: %d replicas on Redis %s behind the front\n", *replicas, *redisAddr)
	}
	fmt.Printf("webapp: open %s/\n", base)
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}

// keyFromEnv reads WEBAPP_KEY, or makes a fresh random key for the run.
func keyFromEnv() ([]byte, error) {
	v := strings.TrimSpace(os.Getenv("WEBAPP_KEY"))
	if v == "" {
		k := make([]byte, 32)
		rand.Read(k)
		return k, nil
	}
	k, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(k) != 32 {
		return nil, errors.New("WEBAPP_KEY must be base64 of 32 bytes")
	}
	return k, nil
}

// appKeys are the keys every replica shares.
type appKeys struct {
	cookie   []byte // seals the state and session cookies (web.Config.Keys)
	sessions []byte // seals the sessions in Redis (redisstore.SessionConfig.Keys)
	names    []byte // names them there (redisstore.SessionConfig.NameKey)
	tokens   []byte // seals the providers' cached tokens (redisstore.Config.Keys)
	cacheKey []byte // keys the hash in their cache keys (tokencache.Config.KeySecret)
}

// deriveKeys makes the replicas' keys from the one master key: the master
// seals the cookies, as it did before there were replicas, and each other
// key is HMAC-SHA-256(master, its purpose), so no two uses share a key.
func deriveKeys(master []byte) appKeys {
	derive := func(purpose string) []byte {
		m := hmac.New(sha256.New, master)
		m.Write([]byte("oauthkit examples/webapp: " + purpose))
		return m.Sum(nil)
	}
	return appKeys{cookie: master, sessions: derive("session store"), names: derive("session names"),
		tokens: derive("token cache"), cacheKey: derive("token cache key names")}
}
