package redisstore

import (
	"context"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unsafe"

	"github.com/redis/go-redis/v9"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit/internal/seal"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
)

// Defaults for the zero [Config].
const (
	// DefaultPrefix starts every key name.
	DefaultPrefix = "oauthkit:"
	// DefaultTimeout bounds each Redis call.
	DefaultTimeout = 250 * time.Millisecond
	// DefaultKeepRefreshToken is how long an entry whose token carries a
	// refresh token outlives its access token.
	DefaultKeepRefreshToken = 24 * time.Hour
)

// Config configures a [Store]. Client, and Keys or InsecurePlaintext, are
// required; every other zero value is valid.
type Config struct {
	// Client is the Redis (or Valkey) client: a *redis.Client, a
	// *redis.ClusterClient or a Sentinel failover client. The Store bounds
	// each call itself (Timeout), whatever the client's own timeouts.
	Client redis.UniversalClient

	// Keys are 32-byte AES-256-GCM keys that seal every stored token:
	// Keys[0] seals, all of them open. All replicas sharing the Store need
	// the same keys. Rotate in two deploys: first add the new key last on
	// every replica (all can then open what it will seal), then move it
	// first; the old key stays until the tokens it sealed have expired. A
	// replica that meets an entry it cannot open does not renew a user's
	// login from its own older copy, which could hold a refresh token
	// another replica has rotated away: it fails retryably
	// (tokencache.ErrStoreUnavailable) until it can read the entry or the
	// entry is gone. Generate keys with crypto/rand and keep them out of
	// Redis.
	Keys [][]byte

	// InsecurePlaintext stores tokens unencrypted, readable by anyone who
	// can read the Redis. Only for tests, and only without Keys. A Store
	// that seals refuses plaintext entries, and one that does not cannot
	// open sealed ones: switching is a miss for every key, not a leak.
	InsecurePlaintext bool

	// Prefix starts every key name (default [DefaultPrefix]); it may not
	// contain "{" or "}". Names are Prefix + "{" + hash + "}:t" for the token
	// and ":l" for the fill lease, where hash is a SHA-256 of the cache key:
	// no tenant, user, credential or token shows in them, and both keys of
	// one token land in one Cluster slot.
	Prefix string

	// Timeout bounds each Redis call (default [DefaultTimeout]). A Redis
	// that is down or slow costs a fill at most a few of these before it
	// fetches on its own (client credentials) or fails retryably without
	// sending a refresh token ([tokencache.ErrStoreUnavailable]).
	Timeout time.Duration

	// KeepRefreshToken is how long an entry whose token carries a refresh
	// token is kept after its access token expires (default
	// [DefaultKeepRefreshToken]; negative: not kept), so that a replica
	// renews a user's login from the newest refresh token of the fleet
	// rather than an older one that another replica already rotated away.
	KeepRefreshToken time.Duration
}

// Store is a [tokencache.Store] on Redis. Make one with [New]; it is safe
// for concurrent use.
type Store struct {
	client  redis.UniversalClient
	sealer  *seal.Sealer // nil: InsecurePlaintext
	prefix  string
	timeout time.Duration
	keep    time.Duration
	direct  bool // the client honours a ctx's deadline: Get needs no goroutine of its own
}

var _ tokencache.Store = (*Store)(nil)

// New validates cfg and returns a Store.
func New(cfg Config) (*Store, error) {
	if cfg.Client == nil {
		return nil, errors.New("redisstore: Config.Client is nil")
	}
	s := &Store{client: cfg.Client, prefix: cfg.Prefix, timeout: cfg.Timeout, keep: cfg.KeepRefreshToken}
	switch {
	case cfg.InsecurePlaintext && len(cfg.Keys) > 0:
		return nil, errors.New("redisstore: set Config.Keys or Config.InsecurePlaintext, not both")
	case !cfg.InsecurePlaintext:
		sealer, err := seal.New(cfg.Keys)
		if err != nil {
			return nil, fmt.Errorf("redisstore: Config.Keys: %w", err)
		}
		s.sealer = sealer
	}
	if s.prefix == "" {
		s.prefix = DefaultPrefix
	}
	if strings.ContainsAny(s.prefix, "{}") {
		return nil, errors.New("redisstore: Config.Prefix may not contain { or }")
	}
	if s.timeout <= 0 {
		s.timeout = DefaultTimeout
	}
	s.direct = honoursDeadline(cfg.Client)
	switch {
	case s.keep == 0:
		s.keep = DefaultKeepRefreshToken
	case s.keep < 0:
		s.keep = 0
	}
	return s, nil
}

// ErrUnreadable wraps the error of an entry that exists but cannot be read:
// tampered with, sealed with a key the Store does not hold, not a token, or
// of another format. The cache treats it as a miss and replaces the entry.
var ErrUnreadable = errors.New("redisstore: stored entry cannot be read")

// name returns the Redis key name of key's token (suffix 't') or fill
// lease ('l'): Prefix + "{" + hash + "}:" + suffix.
func (s *Store) name(key string, suffix byte) string {
	var buf [128]byte
	return string(s.appendName(buf[:0], key, suffix))
}

// appendName appends the name of key's token or lease (see name) to dst.
func (s *Store) appendName(dst []byte, key string, suffix byte) []byte {
	sum := sha256.Sum256(readOnlyBytes(key))
	dst = append(append(dst, s.prefix...), '{')
	dst = base64.RawURLEncoding.AppendEncode(dst, sum[:16])
	return append(dst, '}', ':', suffix)
}

// nameLen is the length of a key name beside its prefix: "{", 16 bytes in
// base64url, "}:" and the suffix.
const nameLen = 1 + 22 + 3

// hit is what a Get returns, in one allocation: the token and its
// revision, a string over rev, which nothing writes after.
type hit struct {
	tok oauth2.Token
	rev [max(maxRevLen, 2*sha1.Size)]byte
}

// Get implements [tokencache.Store]. Of an entry longer than 64 KiB (a
// token is about 2 KiB sealed) no more than 64 KiB and a byte are read; it
// is [ErrUnreadable].
//
// A hit is one GETRANGE, as cheap as a GET, and, with a client configured
// with ContextTimeoutEnabled, runs on the caller's goroutine (otherwise on
// a worker goroutine kept for such calls, which the caller waits for at
// most until its ctx ends or Timeout passes). GETRANGE answers "" for no
// key as for an empty value, and cannot tell an oversize value's length:
// then a script asks again, a round trip that is nothing beside the fetch a
// miss leads to. The token's strings share one copy of the opened value.
func (s *Store) Get(ctx context.Context, key string) (tokencache.Stored, error) {
	c := s.newGetRange(key)
	var raw string
	var err error
	if s.direct {
		cctx, cancel := context.WithTimeout(ctx, s.timeout)
		raw, err = c.do(cctx, s.client)
		cancel()
		if err != nil && ctx.Err() == nil && cctx.Err() != nil {
			err = cctx.Err() // as bounded reports its bound
		}
	} else {
		j := newJob(nil)
		j.get.client, j.get.c = s.client, c
		if err = bounded(ctx, s.timeout, j, &c.ctx); err == nil { // the client reads no deadline
			raw, err = j.get.raw, j.get.err
			j.release()
		}
	}
	switch {
	case err != nil:
		return tokencache.Stored{}, fmt.Errorf("redisstore: get: %w", err)
	case raw == "": // no key, or an empty value: ask the script, which tells them apart
		return s.getExact(ctx, key, c.name)
	case len(raw) > maxValue:
		return s.getExact(ctx, key, c.name)
	}
	return s.stored(key, raw, new(hit))
}

// getScript returns the value of KEYS[1] if it is at most ARGV[1] bytes
// long, else its length (an integer): an oversize entry is refused before
// a byte of it crosses the network or is copied. Nil when there is none.
var getScript = redis.NewScript(`
local n = redis.call('STRLEN', KEYS[1])
if n > tonumber(ARGV[1]) then return n end
return redis.call('GET', KEYS[1])
`)

// getExact is Get for what its GETRANGE cannot tell: no key or an empty
// value, or an oversize one, whose length is its revision.
func (s *Store) getExact(ctx context.Context, key, name string) (tokencache.Stored, error) {
	v, err := call(ctx, s.timeout, func(ctx context.Context) (any, error) {
		return getScript.Run(ctx, s.client, []string{name}, maxValue).Result()
	})
	switch {
	case errors.Is(err, redis.Nil):
		return tokencache.Stored{}, nil
	case err != nil:
		return tokencache.Stored{}, fmt.Errorf("redisstore: get: %w", err)
	}
	raw, ok := v.(string)
	if !ok {
		n, _ := v.(int64)
		return tokencache.Stored{Rev: oversizeRev(n)}, fmt.Errorf("%w: value of %d bytes, more than %d", ErrUnreadable, n, maxValue)
	}
	return s.stored(key, raw, new(hit))
}

// stored decodes raw, the value of key's entry, into h.
func (s *Store) stored(key, raw string, h *hit) (tokencache.Stored, error) {
	st := tokencache.Stored{Rev: unsafe.String(&h.rev[0], len(appendRev(h.rev[:0], raw)))}
	tok, err := s.decode(key, raw, &h.tok)
	if err != nil {
		return st, fmt.Errorf("%w: %w", ErrUnreadable, err)
	}
	st.Token = tok
	return st, nil
}

// honoursDeadline reports whether client was configured with
// ContextTimeoutEnabled: its calls then end at their ctx's deadline.
func honoursDeadline(client redis.UniversalClient) bool {
	switch c := client.(type) {
	case *redis.Client:
		return c.Options().ContextTimeoutEnabled
	case *redis.ClusterClient:
		return c.Options().ContextTimeoutEnabled
	}
	return false
}

// casScript writes ARGV[2] to KEYS[1], expiring in ARGV[3] ms (0: never), if
// the revision of the value there is ARGV[1] ("" for none; see appendRev),
// or for a value longer than ARGV[4] bytes "oversize-" and its length (see
// [oversizeRev]), so that such a value is never copied.
var casScript = redis.NewScript(`
local rev = ''
local n = redis.call('STRLEN', KEYS[1])
if n > tonumber(ARGV[4]) then
  rev = 'oversize-' .. n
else
  local cur = redis.call('GET', KEYS[1])
  if cur then
  ` + revLua + `
  end
end
if rev ~= ARGV[1] then return 0 end
local px = tonumber(ARGV[3])
if px > 0 then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', px)
else
  redis.call('SET', KEYS[1], ARGV[2])
end
return 1
`)

// CompareAndSwap implements [tokencache.Store]. An entry whose token has a
// refresh token is kept KeepRefreshToken longer than ttl.
func (s *Store) CompareAndSwap(ctx context.Context, key, rev string, tok *oauth2.Token, ttl time.Duration) (bool, error) {
	name := s.name(key, 't')
	value, err := s.encode(key, tok)
	if err != nil {
		return false, err
	}
	var px int64 // 0: no expiry
	if ttl > 0 {
		if tok.RefreshToken != "" {
			ttl += s.keep
		}
		px = max(ttl.Milliseconds(), 1)
	}
	n, err := call(ctx, s.timeout, func(ctx context.Context) (int64, error) {
		return casScript.Run(ctx, s.client, []string{name}, rev, value, px, maxValue).Int64()
	})
	if err != nil {
		return false, fmt.Errorf("redisstore: compare and swap: %w", err)
	}
	return n == 1, nil
}

// Delete implements [tokencache.Store].
func (s *Store) Delete(ctx context.Context, key string) error {
	name := s.name(key, 't')
	_, err := call(ctx, s.timeout, func(ctx context.Context) (int64, error) {
		return s.client.Del(ctx, name).Result()
	})
	if err != nil {
		return fmt.Errorf("redisstore: delete: %w", err)
	}
	return nil
}

// releaseScript deletes KEYS[1] if it still holds ARGV[1], the owner's
// token: a lease that expired and was taken by another stays theirs.
var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`)

// Lease implements [tokencache.Store] with SET NX PX and a random owner
// token; release deletes the lease only while it holds that token.
func (s *Store) Lease(ctx context.Context, key string, ttl time.Duration) (func(context.Context) error, error) {
	name := s.name(key, 'l')
	return lease(ctx, s.client, s.timeout, name, ttl, "lease", tokencache.ErrLeaseHeld)
}

// lease takes the lease at name for ttl with SET NX PX and a random owner
// token, or fails with held when another has it; the release it returns
// deletes the lease only while it still holds that token (a lease that
// expired and was taken by another stays theirs). op names the operation
// in errors.
func lease(ctx context.Context, client redis.UniversalClient, timeout time.Duration, name string, ttl time.Duration, op string, held error) (func(context.Context) error, error) {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand does not fail (Go 1.24+)
	owner := hex.EncodeToString(b[:])
	ok, err := call(ctx, timeout, func(ctx context.Context) (bool, error) {
		return client.SetNX(ctx, name, owner, max(ttl, time.Millisecond)).Result()
	})
	switch {
	case err != nil:
		return nil, fmt.Errorf("redisstore: %s: %w", op, err)
	case !ok:
		return nil, held
	}
	return func(ctx context.Context) error {
		_, err := call(ctx, timeout, func(ctx context.Context) (int64, error) {
			return releaseScript.Run(ctx, client, []string{name}, owner).Int64()
		})
		if err != nil {
			return fmt.Errorf("redisstore: release %s: %w", op, err)
		}
		return nil
	}, nil
}
