package webuntis

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"maps"
	"sync"
)

// Keeping credentials: JSON of a [Credentials] writes "[redacted]" for both
// secrets (and reading that back is an error), so credentials are kept in a
// CredentialStore instead — in memory, in sealed files, or sealed in Redis
// (tokencache/redisstore) — or sealed by a [CredentialSealer] into a store of
// the application's own.
//
// Several replicas share one store. Each record carries a revision that
// every Put raises, and Put is a compare-and-swap on it, so that two
// webhook deliveries handled at once cannot both replace the record they
// read: the second one reads again and decides again (webhook.go). A
// [Tenants] notices a record replaced by another replica when its
// credentials are refused (replicas.go).

// ErrNoCredentials is returned by [CredentialStore.Get] for a tenant it holds
// no credentials for.
var ErrNoCredentials = errors.New("webuntis: no credentials for the tenant")

// ErrRevisionConflict is returned by [CredentialStore.Put] when the tenant's
// record is no longer at the revision the credentials were read at: another
// Put (perhaps on another replica) replaced it first. Read it again and
// decide again.
var ErrRevisionConflict = errors.New("webuntis: credential store: the stored credentials changed meanwhile")

// ErrUnreadableCredentials is wrapped by the error of [CredentialStore.Get]
// for a record the store holds but cannot read: not a record, tampered
// with, sealed for another tenant or with a key the store no longer holds,
// or larger than a record can be. The error is an [*UnreadableError].
var ErrUnreadableCredentials = errors.New("webuntis: stored credentials are unreadable")

// UnreadableError is the error of [CredentialStore.Get] for a record that
// cannot be read. Revision is the record's revision as far as the store can
// tell (0 when it cannot), for a Put that replaces the record: the webhook
// handler stores the next verified event over it. It holds no part of the
// record.
type UnreadableError struct {
	Tenant   string
	Revision uint64
	Err      error // why, from the store or the sealer
}

func (e *UnreadableError) Error() string {
	return fmt.Sprintf("webuntis: credential store: tenant %q: unreadable record: %v", e.Tenant, e.Err)
}

// Unwrap returns [ErrUnreadableCredentials] and the reason.
func (e *UnreadableError) Unwrap() []error { return []error{ErrUnreadableCredentials, e.Err} }

// CredentialStore keeps one [Credentials] per tenant id: what the credentials
// webhook delivered, for [Tenants] to build providers from. Every record has
// a revision, which each Put raises, and Put replaces a record only from the
// revision it was read at (compare-and-swap), so that replicas sharing the
// store cannot overwrite each other's newer record. Implementations are safe
// for concurrent use, and Put replaces a tenant's credentials as a whole or
// not at all.
type CredentialStore interface {
	// Put stores c under c.TenantID if the tenant's record is still at
	// revision c.Revision — the Revision of the Credentials Get returned,
	// of the [*UnreadableError] it returned, or 0 for a tenant without a
	// record — and returns the new record's revision. If the record is at
	// another revision, Put stores nothing and returns an error wrapping
	// [ErrRevisionConflict]. It does not modify c.
	Put(ctx context.Context, c *Credentials) (uint64, error)
	// Get returns the tenant's credentials with their Revision; an error
	// wrapping [ErrNoCredentials] for a tenant without a record; an
	// [*UnreadableError] for a record that cannot be read. The caller may
	// modify the result.
	Get(ctx context.Context, tenant string) (*Credentials, error)
	// Delete forgets the tenant's credentials; deleting a tenant that has
	// none is not an error. A later Put starts from revision 0 again.
	Delete(ctx context.Context, tenant string) error
}

// errNoTenant is Put's error for credentials without a tenant id.
var errNoTenant = errors.New("webuntis: credential store: credentials without a tenant id")

// MemoryCredentialStore is a [CredentialStore] in this process's memory: for
// tests, and for services that receive every tenant's credentials again on
// start. The zero value is ready to use.
type MemoryCredentialStore struct {
	mu sync.Mutex
	m  map[string]*Credentials
}

var _ CredentialStore = (*MemoryCredentialStore)(nil)

// Put implements [CredentialStore]; it keeps a copy of c.
func (s *MemoryCredentialStore) Put(_ context.Context, c *Credentials) (uint64, error) {
	if c == nil || c.TenantID == "" {
		return 0, errNoTenant
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var cur uint64
	if old, ok := s.m[c.TenantID]; ok {
		cur = old.Revision
	}
	if cur != c.Revision {
		return 0, fmt.Errorf("webuntis: credential store: tenant %q: %w", c.TenantID, ErrRevisionConflict)
	}
	if s.m == nil {
		s.m = map[string]*Credentials{}
	}
	c2 := c.clone()
	c2.Revision = cur + 1
	s.m[c.TenantID] = c2
	return c2.Revision, nil
}

// Get implements [CredentialStore].
func (s *MemoryCredentialStore) Get(_ context.Context, tenant string) (*Credentials, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.m[tenant]
	if !ok {
		return nil, ErrNoCredentials
	}
	return c.clone(), nil
}

// Delete implements [CredentialStore].
func (s *MemoryCredentialStore) Delete(_ context.Context, tenant string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, tenant)
	return nil
}

// Len returns the number of tenants held.
func (s *MemoryCredentialStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

func (c *Credentials) clone() *Credentials {
	c2 := *c
	c2.Fields = maps.Clone(c.Fields)
	return &c2
}

// sameAs reports whether c and o are the same credentials for the same
// tenant and client, comparing the secrets in constant time. Revisions are
// not compared.
func (c *Credentials) sameAs(o *Credentials) bool {
	same := subtle.ConstantTimeCompare([]byte(c.Secret.Reveal()), []byte(o.Secret.Reveal())) &
		subtle.ConstantTimeCompare([]byte(c.Password.Reveal()), []byte(o.Password.Reveal()))
	return same == 1 && c.TenantID == o.TenantID && c.ClientID == o.ClientID
}
