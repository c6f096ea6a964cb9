package redisstore

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit/internal/seal"
	"github.com/seed-e8f4a5f7/oauthkit/web"
)

// DefaultSessionPrefix starts the key names of a [SessionStore].
const DefaultSessionPrefix = "oauthkit:sess:"

// SessionConfig configures a [SessionStore]. Client, Keys and NameKey are
// required; every other zero value is valid.
type SessionConfig struct {
	// Client is the Redis (or Valkey) client, as in [Config]: plain,
	// Cluster or Sentinel.
	Client redis.UniversalClient

	// Keys are 32-byte AES-256-GCM keys that seal every session record:
	// Keys[0] seals, all of them open (rotation), as in [Config.Keys].
	// There is no plaintext mode: these are users' refresh tokens.
	Keys [][]byte

	// NameKey keys the HMAC-SHA-256 that turns session IDs, index refs and
	// single-use keys into key names. It is at least 32 bytes from
	// crypto/rand, the same on every replica, and not one of Keys. Unlike
	// Keys it is not rotated: a new NameKey gives every session a new name,
	// which forgets them all (as a new Prefix does). It is keyed, not a
	// plain hash, because refs are made from subjects and tenants, which an
	// attacker who reads the Redis could otherwise guess and confirm.
	NameKey []byte

	// Prefix starts every key name (default [DefaultSessionPrefix]); it may
	// not contain "{" or "}".
	Prefix string

	// Timeout bounds each Redis call (default [DefaultTimeout]).
	Timeout time.Duration
}

// SessionStore is a [web.TokenStore] on Redis, shared by every replica of
// a web fleet: sessions survive a replica's restart and follow a user from
// one replica to the next; Lease, Replace, DeleteRef and Once hold across
// the fleet. Each session is one record sealed with AES-256-GCM and bound
// to the session; key names are keyed hashes. Make one with
// [NewSessionStore]; it is safe for concurrent use.
type SessionStore struct {
	client  redis.UniversalClient
	sealer  *seal.Sealer
	nameKey []byte
	prefix  string
	timeout time.Duration
}

var _ web.TokenStore = (*SessionStore)(nil)

// NewSessionStore validates cfg and returns a SessionStore.
func NewSessionStore(cfg SessionConfig) (*SessionStore, error) {
	if cfg.Client == nil {
		return nil, errors.New("redisstore: SessionConfig.Client is nil")
	}
	sealer, err := seal.New(cfg.Keys)
	if err != nil {
		return nil, fmt.Errorf("redisstore: SessionConfig.Keys: %w", err)
	}
	if len(cfg.NameKey) < 32 {
		return nil, fmt.Errorf("redisstore: SessionConfig.NameKey is %d bytes, want at least 32", len(cfg.NameKey))
	}
	for _, k := range cfg.Keys {
		if hmac.Equal(k, cfg.NameKey) {
			return nil, errors.New("redisstore: SessionConfig.NameKey is one of Keys: use a key of its own")
		}
	}
	s := &SessionStore{client: cfg.Client, sealer: sealer, nameKey: bytes.Clone(cfg.NameKey), prefix: cfg.Prefix, timeout: cfg.Timeout}
	if s.prefix == "" {
		s.prefix = DefaultSessionPrefix
	}
	if strings.ContainsAny(s.prefix, "{}") {
		return nil, errors.New("redisstore: SessionConfig.Prefix may not contain { or }")
	}
	if s.timeout <= 0 {
		s.timeout = DefaultTimeout
	}
	return s, nil
}

// Key names. A session's record (":s"), its seen time (":w") and its
// refresh lease (":l") share the hash tag of its hashed ID, so they live in
// one Cluster slot and one script can touch them together. A ref's index
// (":i", a sorted set) and a single-use key (":o") have tags of their own.
const (
	sessionHashLen = 22 // base64url of the 16 bytes of a hashed name

	labelSession = "session"
	labelRef     = "ref"
	labelOnce    = "once"
)

// sessionNames are the key names of one session.
type sessionNames struct {
	hash                string // the session's hashed ID: its name in the indexes
	record, seen, lease string
}

// hash is the first 16 bytes of HMAC-SHA-256(NameKey, label NUL in), in
// base64url: a name that says nothing of in without NameKey.
func (s *SessionStore) hash(label, in string) string {
	m := hmac.New(sha256.New, s.nameKey)
	m.Write([]byte(label))
	m.Write([]byte{0})
	m.Write([]byte(in))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

func (s *SessionStore) session(id string) sessionNames {
	return s.sessionOf(s.hash(labelSession, id))
}

// sessionOf returns the names of the session whose hashed ID is h.
func (s *SessionStore) sessionOf(h string) sessionNames {
	base := s.prefix + "{" + h + "}:"
	return sessionNames{hash: h, record: base + "s", seen: base + "w", lease: base + "l"}
}

func (s *SessionStore) refName(ref string) string {
	return s.prefix + "{" + s.hash(labelRef, ref) + "}:i"
}

func (s *SessionStore) onceName(key string) string {
	return s.prefix + "{" + s.hash(labelOnce, key) + "}:o"
}

// isSessionHash reports whether m can be a hashed session ID, so that an index
// member written by someone else cannot name keys outside its hash tag.
func isSessionHash(m string) bool {
	if len(m) != sessionHashLen {
		return false
	}
	for _, c := range []byte(m) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Records. A record is a format tag and the sealed JSON of sessionRecord,
// bound (associated data) to the prefix and the session's hashed ID: a
// record copied under another session's name does not open. The hashed ID
// binds it as firmly as the ID itself would, and lets DeleteRef, which
// knows sessions only by their hashed IDs, read a record's refs. The seen
// time is sealed alike, under its own associated data.
const (
	tagSession       = "os1s."
	adSession        = "oauthkit/redisstore/session/v1\x00"
	adSeen           = "oauthkit/redisstore/seen/v1\x00"
	maxSessionRecord = 64 << 10 // a larger record is refused unread
	maxSessionSeen   = 256
)

// sessionRecord is a stored session: the token's fields, ID token and DPoP
// key thumbprint (as the token [Store] keeps them; other extras are not
// kept), the session's
// raw ID token, its end, when it was last seen, and its refs.
type sessionRecord struct {
	Token   *wireToken `json:"t,omitempty"`
	IDToken string     `json:"i,omitempty"`
	Expires time.Time  `json:"x,omitzero"`
	Seen    time.Time  `json:"s,omitzero"`
	Refs    []string   `json:"r,omitempty"`
}

var (
	errSessionTooLarge = fmt.Errorf("record larger than %d bytes", maxSessionRecord)
	errNotASession     = errors.New("not a session record")
)

func (s *SessionStore) ad(kind, h string) []byte {
	return []byte(kind + s.prefix + "\x00" + h)
}

func (s *SessionStore) sealRecord(h string, t *web.StoredTokens) (string, error) {
	r := sessionRecord{IDToken: t.IDToken, Expires: t.Expires, Seen: t.Seen, Refs: t.Refs}
	if tok := t.Token; tok != nil {
		r.Token = &wireToken{AccessToken: tok.AccessToken, TokenType: tok.TokenType, RefreshToken: tok.RefreshToken, Expiry: tok.Expiry, ExpiresIn: tok.ExpiresIn}
		r.Token.IDToken, _ = tok.Extra("id_token").(string)
		r.Token.DPoPJKT, _ = tok.Extra(extraDPoPJKT).(string)
	}
	plain, err := json.Marshal(r)
	if err != nil {
		return "", errors.New("the session does not marshal") // never the tokens
	}
	v := tagSession + s.sealer.Seal(plain, s.ad(adSession, h))
	if len(v) > maxSessionRecord {
		return "", errSessionTooLarge
	}
	return v, nil
}

func (s *SessionStore) openRecord(h, raw string) (*web.StoredTokens, error) {
	if len(raw) > maxSessionRecord {
		return nil, errSessionTooLarge
	}
	if !strings.HasPrefix(raw, tagSession) {
		return nil, errNotASession
	}
	plain, err := s.sealer.Open(raw[len(tagSession):], s.ad(adSession, h))
	if err != nil {
		return nil, err
	}
	var r sessionRecord
	if err := json.Unmarshal(plain, &r); err != nil {
		return nil, errNotASession // json errors may quote the value
	}
	t := &web.StoredTokens{IDToken: r.IDToken, Expires: r.Expires, Seen: r.Seen, Refs: r.Refs}
	if w := r.Token; w != nil {
		t.Token = &oauth2.Token{AccessToken: w.AccessToken, TokenType: w.TokenType, RefreshToken: w.RefreshToken, Expiry: w.Expiry, ExpiresIn: w.ExpiresIn}
		if extra := wireExtra(*w); extra != nil {
			t.Token = t.Token.WithExtra(extra)
		}
	}
	return t, nil
}

func (s *SessionStore) sealSeen(h string, seen time.Time) (string, error) {
	plain, err := seen.MarshalBinary()
	if err != nil {
		return "", fmt.Errorf("seen time: %w", err)
	}
	return s.sealer.Seal(plain, s.ad(adSeen, h)), nil
}

// openSeen returns the seen time Touch stored, or the zero time when there
// is none or it does not open: the record's own Seen then stands.
func (s *SessionStore) openSeen(h, raw string) time.Time {
	var seen time.Time
	if raw == "" {
		return seen
	}
	plain, err := s.sealer.Open(raw, s.ad(adSeen, h))
	if err != nil || seen.UnmarshalBinary(plain) != nil {
		return time.Time{}
	}
	return seen
}

// unreadableSession is the error of a record that exists but cannot be
// read: to the handler it is no session (the user logs in again), to a log
// it is [ErrUnreadable] with the reason, never the record. Such a record is
// left in place (it expires): it may be sealed with a key this replica
// lacks and others hold.
func unreadableSession(op string, cause error) error {
	return fmt.Errorf("redisstore: %s session: %w: %w: %w", op, ErrUnreadable, cause, web.ErrNoTokens)
}

// sessionPX is the record's expiry for Redis: milliseconds until expires (at
// least 1), 0 for a zero expires (kept until deleted), -1 when it has
// passed (the session is over).
func sessionPX(expires time.Time) int64 {
	if expires.IsZero() {
		return 0
	}
	d := time.Until(expires)
	if d <= 0 {
		return -1
	}
	return max(d.Milliseconds(), 1)
}

// Scripts. A sealed record is opaque to Lua, so the scripts move whole
// values, and check a value's type and length before they read it: a read
// never returns more than maxSessionRecord bytes, whatever was written there.

// sessionLoadScript returns {0} when KEYS[1], the record, is missing, {2}
// when it is longer than ARGV[1], {3} when it is not a string, else {1,
// record, seen}, seen being KEYS[2] when it is a string of at most ARGV[2]
// bytes.
var sessionLoadScript = redis.NewScript(`
local t = redis.call('TYPE', KEYS[1]).ok
if t == 'none' then return {0} end
if t ~= 'string' then return {3} end
if redis.call('STRLEN', KEYS[1]) > tonumber(ARGV[1]) then return {2} end
local seen = ''
if redis.call('TYPE', KEYS[2]).ok == 'string' and redis.call('STRLEN', KEYS[2]) <= tonumber(ARGV[2]) then
  seen = redis.call('GET', KEYS[2])
end
return {1, redis.call('GET', KEYS[1]), seen}
`)

// sessionPutScript stores ARGV[1] at KEYS[1], the record, expiring in
// ARGV[2] ms (0: never; -1: delete the record and its seen time instead). With ARGV[3]
// = "1" it does so only if the record exists (Replace), and moves the seen
// time, KEYS[2], to the record's new expiry; otherwise (Save) it drops the
// seen time of what was there. It returns {existed, old record}, the old
// record "" unless a string of at most ARGV[4] bytes.
var sessionPutScript = redis.NewScript(`
local t = redis.call('TYPE', KEYS[1]).ok
local existed = 0
if t ~= 'none' then existed = 1 end
if ARGV[3] == '1' and existed == 0 then return {0, ''} end
local old = ''
if t == 'string' and redis.call('STRLEN', KEYS[1]) <= tonumber(ARGV[4]) then
  old = redis.call('GET', KEYS[1])
end
local px = tonumber(ARGV[2])
if px < 0 then
  redis.call('DEL', KEYS[1], KEYS[2])
  return {existed, old}
end
if px == 0 then
  redis.call('SET', KEYS[1], ARGV[1])
else
  redis.call('SET', KEYS[1], ARGV[1], 'PX', px)
end
if ARGV[3] ~= '1' then
  redis.call('DEL', KEYS[2])
elseif px == 0 then
  redis.call('PERSIST', KEYS[2])
else
  redis.call('PEXPIRE', KEYS[2], px)
end
return {existed, old}
`)

// sessionTouchScript stores ARGV[1] at KEYS[2], the seen time, with the
// expiry of KEYS[1], the record, if the record exists; it returns 0 if it
// does not.
var sessionTouchScript = redis.NewScript(`
local ttl = redis.call('PTTL', KEYS[1])
if ttl == -2 then return 0 end
if ttl > 0 then
  redis.call('SET', KEYS[2], ARGV[1], 'PX', ttl)
else
  redis.call('SET', KEYS[2], ARGV[1])
end
return 1
`)

// sessionTakeScript deletes KEYS[1], the record, KEYS[2], its seen time,
// and KEYS[3], its lease, and returns {existed, old record} as
// sessionPutScript does.
var sessionTakeScript = redis.NewScript(`
local t = redis.call('TYPE', KEYS[1]).ok
local existed = 0
if t ~= 'none' then existed = 1 end
local old = ''
if t == 'string' and redis.call('STRLEN', KEYS[1]) <= tonumber(ARGV[1]) then
  old = redis.call('GET', KEYS[1])
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
return {existed, old}
`)

// sessionIndexScript files ARGV[1], a hashed session ID, in KEYS[1], a ref's
// index: a sorted set scored by each session's end in Unix milliseconds
// (ARGV[2]; "+inf" for none). It first drops the entries whose sessions
// ended before ARGV[3], now, so that the index of a user who logs in often
// and never logs out holds their live sessions, not every login, and makes
// the set live at least ARGV[4] ms (0: until deleted), so that it outlives
// every session in it.
var sessionIndexScript = redis.NewScript(`
local ttl = redis.call('PTTL', KEYS[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
local px = tonumber(ARGV[4])
if px == 0 then
  redis.call('PERSIST', KEYS[1])
elseif ttl == -2 or (ttl >= 0 and ttl < px) then
  redis.call('PEXPIRE', KEYS[1], px)
end
return 1
`)

// sessionReply reads the {existed, old record} reply of sessionPutScript
// and sessionTakeScript.
func sessionReply(v any, err error) (existed bool, old string, _ error) {
	if err != nil {
		return false, "", err
	}
	a, ok := v.([]any)
	if !ok || len(a) != 2 {
		return false, "", errors.New("unexpected script reply")
	}
	n, ok1 := a[0].(int64)
	old, ok2 := a[1].(string)
	if !ok1 || !ok2 {
		return false, "", errors.New("unexpected script reply")
	}
	return n == 1, old, nil
}

// Save implements [web.TokenStore]. It files the session under t.Refs
// first and writes the record second, so that a session is never
// reachable without its index entries. A t.Expires that has passed deletes
// the session instead; a zero one keeps it until it is deleted. A record
// longer than 64 KiB sealed is refused.
func (s *SessionStore) Save(ctx context.Context, sessionID string, t *web.StoredTokens) error {
	if _, err := s.put(ctx, sessionID, t, false); err != nil {
		return fmt.Errorf("redisstore: save session: %w", err)
	}
	return nil
}

// Replace implements [web.TokenStore]: the record is overwritten in one
// script only if it exists, so a Delete or DeleteRef that wins the race is
// never undone. It keeps the seen time a Touch stored.
func (s *SessionStore) Replace(ctx context.Context, sessionID string, t *web.StoredTokens) error {
	existed, err := s.put(ctx, sessionID, t, true)
	switch {
	case err != nil:
		return fmt.Errorf("redisstore: replace session: %w", err)
	case !existed:
		return fmt.Errorf("redisstore: replace session: %w", web.ErrNoTokens)
	}
	return nil
}

// put is Save (mustExist false) and Replace (true); it reports whether a
// record was there.
func (s *SessionStore) put(ctx context.Context, id string, t *web.StoredTokens, mustExist bool) (bool, error) {
	n := s.session(id)
	px := sessionPX(t.Expires)
	var value string
	var refs []string
	if px >= 0 {
		var err error
		if value, err = s.sealRecord(n.hash, t); err != nil {
			return false, err
		}
		refs = t.Refs
		for _, ref := range refs {
			if err := s.index(ctx, ref, n.hash, t.Expires, px); err != nil {
				return false, err
			}
		}
	}
	flag := "0"
	if mustExist {
		flag = "1"
	}
	existed, old, err := sessionReply(call(ctx, s.timeout, func(ctx context.Context) (any, error) {
		return sessionPutScript.Run(ctx, s.client, []string{n.record, n.seen}, value, px, flag, maxSessionRecord).Result()
	}))
	if err != nil {
		return false, err
	}
	if prev, err := s.openRecord(n.hash, old); err == nil {
		s.unindex(ctx, n.hash, prev.Refs, refs...)
	}
	return existed, nil
}

// index files the session whose hashed ID is h, ending at expires (in px
// ms), under ref.
func (s *SessionStore) index(ctx context.Context, ref, h string, expires time.Time, px int64) error {
	score := "+inf"
	if px > 0 {
		score = strconv.FormatInt(expires.UnixMilli(), 10)
	}
	now := strconv.FormatInt(time.Now().UnixMilli(), 10)
	_, err := call(ctx, s.timeout, func(ctx context.Context) (any, error) {
		return sessionIndexScript.Run(ctx, s.client, []string{s.refName(ref)}, h, score, now, px).Result()
	})
	if err != nil {
		return fmt.Errorf("index: %w", err)
	}
	return nil
}

// unindex removes the session whose hashed ID is h from refs, except those
// in keep. The indexes live in other Cluster slots than the record, so
// these are calls of their own, made after the record is gone and
// best-effort: an entry left behind (a failed call, a crash) names a
// session that no longer exists, which DeleteRef skips and which the first
// Save under that ref after the session's end drops.
func (s *SessionStore) unindex(ctx context.Context, h string, refs []string, keep ...string) {
	for _, ref := range refs {
		if slices.Contains(keep, ref) {
			continue
		}
		_, _ = call(ctx, s.timeout, func(ctx context.Context) (int64, error) {
			return s.client.ZRem(ctx, s.refName(ref), h).Result()
		})
	}
}

// Load implements [web.TokenStore]. A missing record is an error wrapping
// [web.ErrNoTokens]; so is one that exists but does not open (tampered
// with, sealed with a key the store does not hold, larger than 64 KiB,
// not a record), which also wraps [ErrUnreadable]. A failing Redis is an
// error wrapping neither: the session may well exist.
func (s *SessionStore) Load(ctx context.Context, sessionID string) (*web.StoredTokens, error) {
	n := s.session(sessionID)
	v, err := call(ctx, s.timeout, func(ctx context.Context) (any, error) {
		return sessionLoadScript.Run(ctx, s.client, []string{n.record, n.seen}, maxSessionRecord, maxSessionSeen).Result()
	})
	if err != nil {
		return nil, fmt.Errorf("redisstore: load session: %w", err)
	}
	a, _ := v.([]any)
	code := int64(-1)
	if len(a) > 0 {
		code, _ = a[0].(int64)
	}
	switch {
	case code == 0:
		return nil, fmt.Errorf("redisstore: load session: %w", web.ErrNoTokens)
	case code == 2:
		return nil, unreadableSession("load", errSessionTooLarge)
	case code == 3:
		return nil, unreadableSession("load", errNotASession)
	case code != 1 || len(a) != 3:
		return nil, fmt.Errorf("redisstore: load session: unexpected script reply")
	}
	raw, _ := a[1].(string)
	t, err := s.openRecord(n.hash, raw)
	if err != nil {
		return nil, unreadableSession("load", err)
	}
	seenRaw, _ := a[2].(string)
	if seen := s.openSeen(n.hash, seenRaw); seen.After(t.Seen) {
		t.Seen = seen
	}
	return t, nil
}

// Touch implements [web.TokenStore]: it stores seen, sealed, beside the
// record (a script writes it only while the record exists, with the
// record's expiry) and never rewrites the record. Load returns the later
// of the record's Seen and the last Touch, so Seen never goes back.
func (s *SessionStore) Touch(ctx context.Context, sessionID string, seen time.Time) error {
	n := s.session(sessionID)
	value, err := s.sealSeen(n.hash, seen)
	if err != nil {
		return fmt.Errorf("redisstore: touch session: %w", err)
	}
	_, err = call(ctx, s.timeout, func(ctx context.Context) (int64, error) {
		return sessionTouchScript.Run(ctx, s.client, []string{n.record, n.seen}, value).Int64()
	})
	if err != nil {
		return fmt.Errorf("redisstore: touch session: %w", err)
	}
	return nil
}

// Delete implements [web.TokenStore]: one script reads and deletes the
// record, its seen time and its lease; then the session leaves the index
// sets its record names (see unindex for a crash in between).
func (s *SessionStore) Delete(ctx context.Context, sessionID string) error {
	if _, err := s.take(ctx, s.session(sessionID)); err != nil {
		return fmt.Errorf("redisstore: delete session: %w", err)
	}
	return nil
}

// take deletes the session n and removes it from its index sets other than
// those in keep; it reports whether its record existed.
func (s *SessionStore) take(ctx context.Context, n sessionNames, keep ...string) (bool, error) {
	existed, old, err := sessionReply(call(ctx, s.timeout, func(ctx context.Context) (any, error) {
		return sessionTakeScript.Run(ctx, s.client, []string{n.record, n.seen, n.lease}, maxSessionRecord).Result()
	}))
	if err != nil {
		return false, err
	}
	if prev, err := s.openRecord(n.hash, old); err == nil {
		s.unindex(ctx, n.hash, prev.Refs, keep...)
	}
	return existed, nil
}

// deleteRefBatch is the COUNT of each ZSCAN of DeleteRef: the bound of one
// read of an index.
const deleteRefBatch = 128

// DeleteRef implements [web.TokenStore]. It walks ref's index with ZSCAN,
// a bounded batch at a time, deletes each session in it as Delete does and
// removes it from the index; a member whose session is already gone
// is removed without being counted. A session filed under ref while
// DeleteRef runs may be missed, and then stays in the index: it began
// after the logout.
func (s *SessionStore) DeleteRef(ctx context.Context, ref string) (int, error) {
	set := s.refName(ref)
	type page struct {
		members []string
		next    uint64
	}
	var cursor uint64
	ended := 0
	for {
		p, err := call(ctx, s.timeout, func(ctx context.Context) (page, error) {
			pairs, next, err := s.client.ZScan(ctx, set, cursor, "", deleteRefBatch).Result()
			var members []string
			for i := 0; i < len(pairs); i += 2 { // member, score, member, score...
				members = append(members, pairs[i])
			}
			return page{members, next}, err
		})
		if err != nil {
			return ended, fmt.Errorf("redisstore: delete sessions by ref: %w", err)
		}
		for _, m := range p.members {
			if !isSessionHash(m) {
				continue
			}
			existed, err := s.take(ctx, s.sessionOf(m), ref)
			if err != nil {
				return ended, fmt.Errorf("redisstore: delete sessions by ref: %w", err)
			}
			if existed {
				ended++
			}
		}
		if len(p.members) > 0 {
			_, err := call(ctx, s.timeout, func(ctx context.Context) (int64, error) {
				return s.client.ZRem(ctx, set, membersAsAny(p.members)...).Result()
			})
			if err != nil {
				return ended, fmt.Errorf("redisstore: delete sessions by ref: %w", err)
			}
		}
		if p.next == 0 {
			return ended, nil
		}
		cursor = p.next
	}
}

func membersAsAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// ForgetOnce implements [web.OnceForgetter]: it deletes key's hashed name.
func (s *SessionStore) ForgetOnce(ctx context.Context, key string) error {
	name := s.onceName(key)
	if _, err := call(ctx, s.timeout, func(ctx context.Context) (int64, error) {
		return s.client.Del(ctx, name).Result()
	}); err != nil {
		return fmt.Errorf("redisstore: forget once: %w", err)
	}
	return nil
}

// Lease implements [web.TokenStore] with SET NX PX and a random owner
// token beside the session's record; release deletes the lease only while
// it holds that token.
func (s *SessionStore) Lease(ctx context.Context, sessionID string, ttl time.Duration) (func(context.Context) error, error) {
	return lease(ctx, s.client, s.timeout, s.session(sessionID).lease, ttl, "session lease", web.ErrLeaseHeld)
}

// Once implements [web.TokenStore] with SET NX PX on key's hashed name: the
// first caller in the fleet gets true.
func (s *SessionStore) Once(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	name := s.onceName(key)
	ok, err := call(ctx, s.timeout, func(ctx context.Context) (bool, error) {
		return s.client.SetNX(ctx, name, "1", max(ttl, time.Millisecond)).Result()
	})
	if err != nil {
		return false, fmt.Errorf("redisstore: once: %w", err)
	}
	return ok, nil
}
