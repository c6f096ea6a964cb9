package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache/redisstore"
	"github.com/seed-e8f4a5f7/oauthkit/web"
)

// fleetConfig is what every replica of the app is built from.
type fleetConfig struct {
	// Replicas is how many replicas run (at least 1; more than one needs
	// Redis).
	Replicas int
	// Redis, when set, holds the sessions (redisstore.SessionStore) and the
	// providers' token caches (redisstore.Store) of every replica. Nil: each
	// replica keeps its sessions in memory, which only one replica may do.
	Redis redis.UniversalClient
	// RedisPrefix starts the key names in Redis (zero: "webapp:").
	RedisPrefix string
	// Keys seal the cookies and everything kept in Redis; every replica has
	// the same.
	Keys appKeys
	// Vendors builds one replica's providers on its token cache: each
	// replica has provider instances of its own, as separate processes
	// would, in front of the same vendors.
	Vendors func(cache *tokencache.Cache) ([]vendor, error)
	// Logger gets the replicas' log lines, each with its replica number.
	Logger *slog.Logger
}

// errReplicasNeedRedis: more than one replica without -redis.
var errReplicasNeedRedis = errors.New("webapp: more than one replica needs -redis ADDR: the replicas share their sessions through Redis (the memory store belongs to one process, so a user logged in on one replica would be logged out on the others)")

// fleet is the app's replicas behind a small round-robin front. Each
// replica is a whole app — its own web.Handler, token cache and provider
// instances — listening on its own loopback port, as a separate process
// would; the front (ServeHTTP) forwards each request to the next replica,
// keeping the browser's Host and adding X-Forwarded-For/-Host/-Proto, so
// that redirect URLs and cookies stay on the front's origin.
type fleet struct {
	cfg      fleetConfig
	replicas []*replica
	next     atomic.Uint64
	pinned   atomic.Int64 // 0: round robin; n: every request to replica n (see pin)
}

// replica is one of the fleet's apps and the front's proxy to it.
type replica struct {
	n     int
	addr  string // its loopback host:port, kept across restarts
	tr    *http.Transport
	proxy *httputil.ReverseProxy

	mu    sync.Mutex // held while the replica (re)starts or stops
	up    atomic.Bool
	srv   *http.Server
	cache *tokencache.Cache
}

// newFleet starts cfg.Replicas replicas on free loopback ports. The
// caller serves the fleet (the front) on its public address and closes it.
func newFleet(cfg fleetConfig) (*fleet, error) {
	if cfg.Replicas < 1 {
		return nil, fmt.Errorf("webapp: -replicas %d: want at least 1", cfg.Replicas)
	}
	if cfg.Replicas > 1 && cfg.Redis == nil {
		return nil, errReplicasNeedRedis
	}
	if cfg.RedisPrefix == "" {
		cfg.RedisPrefix = "webapp:"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	fl := &fleet{cfg: cfg}
	for n := 1; n <= cfg.Replicas; n++ {
		r := &replica{n: n, addr: "127.0.0.1:0"}
		fl.replicas = append(fl.replicas, r)
		if err := fl.start(r); err != nil {
			fl.Close()
			return nil, err
		}
		r.tr, r.proxy = newProxy(r.n, r.addr, cfg.Logger)
	}
	return fl, nil
}

// newProxy returns the front's proxy to the replica numbered n at addr, and
// its transport. The proxy keeps the browser's Host and adds
// X-Forwarded-For, -Host and -Proto: the app builds redirect URLs (the
// post-logout one) from the Host it sees, and its cookies belong to the
// front's origin.
func newProxy(n int, addr string, logger *slog.Logger) (*http.Transport, *httputil.ReverseProxy) {
	target := &url.URL{Scheme: "http", Host: addr}
	tr := &http.Transport{
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: time.Minute,
	}
	return tr, &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.Host = pr.In.Host
			pr.SetXForwarded()
		},
		Transport: tr,
		ErrorHandler: func(w http.ResponseWriter, req *http.Request, err error) {
			logger.Warn("webapp front: replica did not answer", "replica", n, "err", err)
			http.Error(w, fmt.Sprintf("replica %d did not answer", n), http.StatusBadGateway)
		},
	}
}

// start builds a fresh app for r — new web.Handler, token cache, session
// store and providers — and serves it on r.addr.
func (fl *fleet) start(r *replica) error {
	logger := fl.cfg.Logger.With("replica", r.n)
	var tokens web.TokenStore // nil: web's memory store
	cacheCfg := tokencache.Config{Logger: logger}
	if rc := fl.cfg.Redis; rc != nil {
		store, err := redisstore.New(redisstore.Config{Client: rc, Keys: [][]byte{fl.cfg.Keys.tokens}, Prefix: fl.cfg.RedisPrefix + "tok:"})
		if err != nil {
			return err
		}
		cacheCfg.Store = store
		cacheCfg.KeySecret = oauthkit.Secret(base64.RawURLEncoding.EncodeToString(fl.cfg.Keys.cacheKey))
		ss, err := redisstore.NewSessionStore(redisstore.SessionConfig{Client: rc, Keys: [][]byte{fl.cfg.Keys.sessions},
			NameKey: fl.cfg.Keys.names, Prefix: fl.cfg.RedisPrefix + "sess:"})
		if err != nil {
			return err
		}
		tokens = ss
	}
	cache := tokencache.New(cacheCfg)
	vendors, err := fl.cfg.Vendors(cache)
	if err != nil {
		cache.Close()
		return err
	}
	a, err := newApp(appConfig{Vendors: vendors, Key: fl.cfg.Keys.cookie, Tokens: tokens,
		Replica: r.n, Replicas: fl.cfg.Replicas, Logger: logger})
	if err != nil {
		cache.Close()
		return err
	}
	ln, err := net.Listen("tcp", r.addr)
	if err != nil {
		cache.Close()
		return fmt.Errorf("webapp: replica %d: %w", r.n, err)
	}
	r.addr = ln.Addr().String()
	r.srv = &http.Server{Handler: a, ReadHeaderTimeout: 10 * time.Second}
	r.cache = cache
	go r.srv.Serve(ln)
	r.up.Store(true)
	return nil
}

// stop shuts r's server down (in-flight requests get up to 5 s), drops the
// front's connections to it and closes its token cache.
func (r *replica) stop() {
	r.up.Store(false)
	if r.srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.srv.Shutdown(ctx); err != nil {
		r.srv.Close()
	}
	if r.tr != nil {
		r.tr.CloseIdleConnections()
	}
	r.cache.Close()
	r.srv, r.cache = nil, nil
}

// restart stops replica n (1-based) and starts it again on the same port
// with fresh state — a new web.Handler, new caches and providers: what a
// process restart does. Meanwhile the front sends the round robin's
// requests to the other replicas.
func (fl *fleet) restart(n int) error {
	if n < 1 || n > len(fl.replicas) {
		return fmt.Errorf("webapp: no replica %d", n)
	}
	r := fl.replicas[n-1]
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stop()
	return fl.start(r)
}

// pin sends every following request to replica n (1-based), or, with 0,
// back to the round robin. It is the browser test's hook for proving which
// replica serves which step.
func (fl *fleet) pin(n int) { fl.pinned.Store(int64(n)) }

// ServeHTTP is the front: it forwards r to the pinned replica, or to the
// next running replica in turn.
func (fl *fleet) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if n := int(fl.pinned.Load()); n > 0 && n <= len(fl.replicas) {
		rep := fl.replicas[n-1]
		if !rep.up.Load() {
			http.Error(w, fmt.Sprintf("replica %d is restarting", n), http.StatusServiceUnavailable)
			return
		}
		rep.proxy.ServeHTTP(w, r)
		return
	}
	for range fl.replicas {
		rep := fl.replicas[(fl.next.Add(1)-1)%uint64(len(fl.replicas))]
		if rep.up.Load() {
			rep.proxy.ServeHTTP(w, r)
			return
		}
	}
	http.Error(w, "no replica is running", http.StatusServiceUnavailable)
}

// Close stops every replica.
func (fl *fleet) Close() {
	for _, r := range fl.replicas {
		r.mu.Lock()
		r.stop()
		r.mu.Unlock()
	}
}
