package redisstore

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
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
// tenant's key, or changed in any byte, does not open. It is safe for
// concurrent use.
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

// Put implements [webuntis.CredentialStore]: it seals c and stores it under
// c.TenantID, replacing what was there, in one SET.
func (s *CredentialStore) Put(ctx context.Context, c *webuntis.Credentials) error {
	record, err := s.sealer.Seal(c)
	if err != nil {
		return err
	}
	_, err = call(ctx, s.timeout, func(ctx context.Context) (string, error) {
		return s.client.Set(ctx, s.name(c.TenantID), record, 0).Result()
	})
	if err != nil {
		return fmt.Errorf("redisstore: put credentials of tenant %q: %w", c.TenantID, err)
	}
	return nil
}

// Get implements [webuntis.CredentialStore]. A record that does not open
// (tampered with, sealed with a key the store does not hold, or another
// tenant's) is an error wrapping [ErrUnreadable], never other credentials.
func (s *CredentialStore) Get(ctx context.Context, tenant string) (*webuntis.Credentials, error) {
	record, err := call(ctx, s.timeout, func(ctx context.Context) (string, error) {
		return s.client.Get(ctx, s.name(tenant)).Result()
	})
	switch {
	case errors.Is(err, redis.Nil):
		return nil, fmt.Errorf("redisstore: tenant %q: %w", tenant, webuntis.ErrNoCredentials)
	case err != nil:
		return nil, fmt.Errorf("redisstore: get credentials of tenant %q: %w", tenant, err)
	}
	c, err := s.sealer.Open(tenant, record)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnreadable, err)
	}
	return c, nil
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
