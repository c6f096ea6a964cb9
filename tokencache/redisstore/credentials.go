package redisstore

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
)

// DefaultCredentialPrefix starts the key names of a [CredentialStore].
const DefaultCredentialPrefix = "oauthkit:cred:"

// CredentialConfig configures a [CredentialStore]. Client and Keys are
// required; every other zero value is valid.
type CredentialConfig struct {
	// Client is the Redis (or Valkey) client, as in [Config].
	Client redis.UniversalClient

	// Keys are 32-byte AES-256-GCM keys that seal every record: Keys[0]
	// seals, all of them open (rotation), as in [webuntis.NewCredentialSealer].
	// There is no plaintext mode: these are the schools' passwords.
	Keys [][]byte

	// Prefix starts every key name (default [DefaultCredentialPrefix]); it may
	// not contain "{" or "}". A tenant's record is at Prefix + "{" + hash +
	// "}", where hash is a SHA-256 of the tenant id.
	Prefix string

	// Timeout bounds each Redis call (default [DefaultTimeout]).
	Timeout time.Duration
}

// CredentialStore is a [webuntis.CredentialStore] on Redis, shared by every
// replica of a service: each tenant's credentials are one record sealed with
// AES-256-GCM and bound to the tenant id, so a record copied to another
// tenant's key, or changed in any byte, does not open. Key names hold only a
// hash of the tenant id; a record holds its revision (a count of Puts) in
// clear beside the sealed credentials, so that Put can compare and swap in
// one script without the keys. It is safe for concurrent use.
type CredentialStore struct {
	client  redis.UniversalClient
	sealer  *webuntis.CredentialSealer
	prefix  string
	timeout time.Duration
}

var _ webuntis.CredentialStore = (*CredentialStore)(nil)

// NewCredentialStore validates cfg and returns a CredentialStore.
func NewCredentialStore(cfg CredentialConfig) (*CredentialStore, error) {
	if cfg.Client == nil {
		return nil, errors.New("redisstore: CredentialConfig.Client is nil")
	}
	sealer, err := webuntis.NewCredentialSealer(cfg.Keys)
	if err != nil {
		return nil, fmt.Errorf("redisstore: CredentialConfig.Keys: %w", err)
	}
	s := &CredentialStore{client: cfg.Client, sealer: sealer, prefix: cfg.Prefix, timeout: cfg.Timeout}
	if s.prefix == "" {
		s.prefix = DefaultCredentialPrefix
	}
	if strings.ContainsAny(s.prefix, "{}") {
		return nil, errors.New("redisstore: CredentialConfig.Prefix may not contain { or }")
	}
	if s.timeout <= 0 {
		s.timeout = DefaultTimeout
	}
	return s, nil
}

// name returns the key name of tenant's record: no tenant id in clear.
func (s *CredentialStore) name(tenant string) string {
	sum := sha256.Sum256([]byte("oauthkit credentials\x00" + tenant))
	return s.prefix + "{" + base64.RawURLEncoding.EncodeToString(sum[:16]) + "}"
}

// A record is "c1." + revision + "." + the sealed credentials, which hold
// the revision too: the scripts compare the revision without opening the
// record, and Get refuses one whose revision beside the record is not the
// sealed one. The revision is a count of Puts, the only thing not sealed; a
// revision is decimal without leading zeros, at most 19 digits. A value
// without the "c1." prefix is a record from before revisions (revision 0);
// a value that is not a string, or whose prefix does not parse, is
// unreadable at revision 0, so that a Put from revision 0 replaces it.
const (
	recordTag = "c1."
	// maxRecord bounds what Get reads (STRLEN first): a sealed record is
	// never longer (webuntis.CredentialSealer.Seal makes none), so a longer
	// value is unreadable, and is not sent.
	maxRecord = 1 << 20
)

// putScript sets KEYS[1] to ARGV[2] if the record's revision is ARGV[1]
// (compare-and-swap): 1 if it did, 0 if the record is at another revision.
// The first 23 bytes are the longest prefix: tag, 19 digits, dot.
var putScript = redis.NewScript(`
local cur = '0'
if redis.call('TYPE', KEYS[1])['ok'] == 'string' then
  local rev = string.match(redis.call('GETRANGE', KEYS[1], 0, 22), '^c1%.([1-9]%d*)%.')
  if rev and #rev <= 19 then cur = rev end
end
if cur ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1
`)

// credGetScript returns KEYS[1]'s record, bounded: false for none; {"ok",
// record}; {"long", the record's first bytes} for a record longer than
// ARGV[1] bytes; {"type", type} for a key that is not a string.
var credGetScript = redis.NewScript(`
local t = redis.call('TYPE', KEYS[1])['ok']
if t == 'none' then return false end
if t ~= 'string' then return {'type', t} end
if redis.call('STRLEN', KEYS[1]) > tonumber(ARGV[1]) then
  return {'long', redis.call('GETRANGE', KEYS[1], 0, 22)}
end
return {'ok', redis.call('GET', KEYS[1])}
`)

// Put implements [webuntis.CredentialStore]: it seals c at the next
// revision and stores it if the record is still at c.Revision, in one
// script.
func (s *CredentialStore) Put(ctx context.Context, c *webuntis.Credentials) (uint64, error) {
	if c == nil || c.TenantID == "" {
		return 0, errors.New("redisstore: put credentials: credentials without a tenant id")
	}
	next := *c
	next.Revision = c.Revision + 1
	sealed, err := s.sealer.Seal(&next)
	if err != nil {
		return 0, err
	}
	record := recordTag + strconv.FormatUint(next.Revision, 10) + "." + sealed
	n, err := call(ctx, s.timeout, func(ctx context.Context) (int64, error) {
		return putScript.Run(ctx, s.client, []string{s.name(c.TenantID)}, strconv.FormatUint(c.Revision, 10), record).Int64()
	})
	if err != nil {
		return 0, fmt.Errorf("redisstore: put credentials of tenant %q: %w", c.TenantID, err)
	}
	if n != 1 {
		return 0, fmt.Errorf("redisstore: put credentials of tenant %q: %w", c.TenantID, webuntis.ErrRevisionConflict)
	}
	return next.Revision, nil
}

// Get implements [webuntis.CredentialStore]. A record that does not open
// (tampered with, sealed with a key the store does not hold, another
// tenant's, longer than a record can be, or not a record at all) is an
// error wrapping [ErrUnreadable] and a [*webuntis.UnreadableError] with the
// record's revision, never other credentials. A record longer than 1 MiB is
// not read: its length is checked first.
func (s *CredentialStore) Get(ctx context.Context, tenant string) (*webuntis.Credentials, error) {
	reply, err := call(ctx, s.timeout, func(ctx context.Context) ([]any, error) {
		return credGetScript.Run(ctx, s.client, []string{s.name(tenant)}, maxRecord).Slice()
	})
	switch {
	case errors.Is(err, redis.Nil):
		return nil, fmt.Errorf("redisstore: tenant %q: %w", tenant, webuntis.ErrNoCredentials)
	case err != nil:
		return nil, fmt.Errorf("redisstore: get credentials of tenant %q: %w", tenant, err)
	}
	var kind, value string
	if len(reply) == 2 {
		kind, _ = reply[0].(string)
		value, _ = reply[1].(string)
	}
	switch kind {
	case "ok":
		return s.open(tenant, value)
	case "long":
		rev, _, _ := splitRecord(value)
		return nil, unreadable(tenant, rev, fmt.Errorf("the record is longer than %d bytes", maxRecord))
	case "type":
		return nil, unreadable(tenant, 0, fmt.Errorf("the key holds a Redis %s, not a record", value))
	}
	return nil, fmt.Errorf("redisstore: get credentials of tenant %q: unexpected reply", tenant)
}

// open opens a record of tenant read from Redis.
func (s *CredentialStore) open(tenant, value string) (*webuntis.Credentials, error) {
	rev, sealed, ok := splitRecord(value)
	if !ok {
		rev, sealed = 0, value // a record from before revisions
	}
	c, err := s.sealer.Open(tenant, sealed)
	if err != nil {
		return nil, unreadable(tenant, rev, err)
	}
	if c.Revision != rev {
		return nil, unreadable(tenant, rev, errors.New("the revision beside the record is not the one sealed in it"))
	}
	return c, nil
}

// splitRecord splits "c1.<revision>.<sealed>"; ok is false for a value of
// another shape, whose revision counts as 0, as putScript counts it.
func splitRecord(value string) (rev uint64, sealed string, ok bool) {
	rest, found := strings.CutPrefix(value, recordTag)
	if !found {
		return 0, "", false
	}
	digits, sealed, found := strings.Cut(rest, ".")
	if !found || digits == "" || len(digits) > 19 || digits[0] == '0' {
		return 0, "", false
	}
	rev, err := strconv.ParseUint(digits, 10, 64)
	if err != nil {
		return 0, "", false
	}
	return rev, sealed, true
}

// unreadable is Get's error for a record that cannot be read.
func unreadable(tenant string, rev uint64, why error) error {
	return fmt.Errorf("%w: %w", ErrUnreadable, &webuntis.UnreadableError{Tenant: tenant, Revision: rev, Err: why})
}

// Delete implements [webuntis.CredentialStore].
func (s *CredentialStore) Delete(ctx context.Context, tenant string) error {
	_, err := call(ctx, s.timeout, func(ctx context.Context) (int64, error) {
		return s.client.Del(ctx, s.name(tenant)).Result()
	})
	if err != nil {
		return fmt.Errorf("redisstore: delete credentials of tenant %q: %w", tenant, err)
	}
	return nil
}
