package webuntis

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"sync"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/seal"
)

// Keeping credentials: JSON of a [Credentials] writes "[redacted]" for both
// secrets (and reading that back is an error), so credentials are kept in a
// CredentialStore instead — in memory, in sealed files, or sealed in Redis
// (tokencache/redisstore) — or sealed by a [CredentialSealer] into a store of
// the application's own.

// ErrNoCredentials is returned by [CredentialStore.Get] for a tenant it holds
// no credentials for.
var ErrNoCredentials = errors.New("webuntis: no credentials for the tenant")

// CredentialStore keeps one [Credentials] per tenant id: what the credentials
// webhook delivered, for [Tenants] to build providers from. Implementations
// are safe for concurrent use, and Put replaces a tenant's credentials as a
// whole or not at all.
type CredentialStore interface {
	// Put stores c under c.TenantID, replacing what was there.
	Put(ctx context.Context, c *Credentials) error
	// Get returns the tenant's credentials, or an error wrapping
	// [ErrNoCredentials]. The caller may modify the result.
	Get(ctx context.Context, tenant string) (*Credentials, error)
	// Delete forgets the tenant's credentials; deleting a tenant that has
	// none is not an error.
	Delete(ctx context.Context, tenant string) error
}

// MemoryCredentialStore is a [CredentialStore] in this process's memory: for
// tests, and for services that receive every tenant's credentials again on
// start. The zero value is ready to use.
type MemoryCredentialStore struct {
	mu sync.Mutex
	m  map[string]*Credentials
}

var _ CredentialStore = (*MemoryCredentialStore)(nil)

// Put implements [CredentialStore]; it keeps a copy of c.
func (s *MemoryCredentialStore) Put(_ context.Context, c *Credentials) error {
	if c == nil || c.TenantID == "" {
		return errors.New("webuntis: credential store: credentials without a tenant id")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]*Credentials{}
	}
	s.m[c.TenantID] = c.clone()
	return nil
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
// tenant and client, comparing the secrets in constant time.
func (c *Credentials) sameAs(o *Credentials) bool {
	same := subtle.ConstantTimeCompare([]byte(c.Secret.Reveal()), []byte(o.Secret.Reveal())) &
		subtle.ConstantTimeCompare([]byte(c.Password.Reveal()), []byte(o.Password.Reveal()))
	return same == 1 && c.TenantID == o.TenantID && c.ClientID == o.ClientID
}

// CredentialSealer turns [Credentials] into an opaque sealed record and back,
// losslessly: AES-256-GCM under an application key, with rotation (the first
// key seals, every key opens). A record is bound to its tenant id: one
// tenant's record presented as another's does not open. A record changed in
// any byte does not open either: Open fails, it never returns other
// credentials. Use it to keep credentials in a store of your own.
type CredentialSealer struct {
	s *seal.Sealer
}

// NewCredentialSealer returns a sealer for keys, each 32 random bytes;
// keys[0] seals and every key opens, so a new key goes first and an old one
// stays until no record sealed with it is left.
func NewCredentialSealer(keys [][]byte) (*CredentialSealer, error) {
	s, err := seal.New(keys)
	if err != nil {
		return nil, fmt.Errorf("webuntis: credential sealer: %w", err)
	}
	return &CredentialSealer{s: s}, nil
}

// sealedCredentials is the plaintext of a sealed record.
type sealedCredentials struct {
	TenantID  string         `json:"tenantId"`
	ClientID  string         `json:"clientId"`
	Secret    string         `json:"secret,omitempty"`
	Password  string         `json:"password,omitempty"`
	Host      string         `json:"host,omitempty"`
	EventType string         `json:"eventType,omitempty"`
	Fields    map[string]any `json:"fields,omitempty"`
}

// credentialsAD binds a record to its purpose and tenant.
func credentialsAD(tenant string) []byte {
	return append([]byte("oauthkit webuntis credentials\x00"), tenant...)
}

// Seal returns c as a sealed record (base64url text).
func (cs *CredentialSealer) Seal(c *Credentials) (string, error) {
	if c == nil || c.TenantID == "" {
		return "", errors.New("webuntis: credential sealer: credentials without a tenant id")
	}
	pt, err := json.Marshal(sealedCredentials{
		TenantID: c.TenantID, ClientID: c.ClientID,
		Secret: c.Secret.Reveal(), Password: c.Password.Reveal(),
		Host: c.Host, EventType: c.EventType, Fields: c.Fields,
	})
	if err != nil {
		return "", fmt.Errorf("webuntis: credential sealer: %w", err) // an unmarshallable Fields value; the error names no secret
	}
	return cs.s.Seal(pt, credentialsAD(c.TenantID)), nil
}

// Open returns the credentials of a record Seal made for tenant. A record
// that was tampered with, sealed for another tenant or with a key the sealer
// does not hold is an error wrapping seal's reason; the error holds no part
// of the record.
func (cs *CredentialSealer) Open(tenant, record string) (*Credentials, error) {
	pt, err := cs.s.Open(record, credentialsAD(tenant))
	if err != nil {
		return nil, fmt.Errorf("webuntis: credentials of tenant %q: %w", tenant, err)
	}
	var sc sealedCredentials
	dec := json.NewDecoder(bytes.NewReader(pt))
	dec.UseNumber()
	if err := dec.Decode(&sc); err != nil || sc.TenantID != tenant {
		return nil, fmt.Errorf("webuntis: credentials of tenant %q: record is not credentials of that tenant", tenant)
	}
	return &Credentials{
		TenantID: sc.TenantID, ClientID: sc.ClientID,
		Secret: oauthkit.Secret(sc.Secret), Password: oauthkit.Secret(sc.Password),
		Host: sc.Host, EventType: sc.EventType, Fields: sc.Fields,
	}, nil
}

// FileCredentialStore is a [CredentialStore] for a single-node service: one
// sealed file per tenant in a directory, encrypted at rest by a
// [CredentialSealer]. A Put writes a new file and renames it over the old
// one, so a crash or a full disk leaves the previous credentials whole. File
// names are a hash of the tenant id. It is safe for concurrent use by one
// process; do not share the directory between processes (use Redis for a
// fleet).
type FileCredentialStore struct {
	dir    string
	sealer *CredentialSealer
}

var _ CredentialStore = (*FileCredentialStore)(nil)

// NewFileCredentialStore returns a store in dir (created with mode 0700 if
// missing), sealing with keys as [NewCredentialSealer] does.
func NewFileCredentialStore(dir string, keys [][]byte) (*FileCredentialStore, error) {
	sealer, err := NewCredentialSealer(keys)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("webuntis: credential store: %w", err)
	}
	return &FileCredentialStore{dir: dir, sealer: sealer}, nil
}

func (s *FileCredentialStore) path(tenant string) string {
	sum := sha256.Sum256([]byte(tenant))
	return filepath.Join(s.dir, hex.EncodeToString(sum[:16])+".sealed")
}

// Put implements [CredentialStore]: write a temporary file, sync, rename.
func (s *FileCredentialStore) Put(ctx context.Context, c *Credentials) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	record, err := s.sealer.Seal(c)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(s.dir, ".put-*")
	if err != nil {
		return fmt.Errorf("webuntis: credential store: %w", err)
	}
	tmp := f.Name()
	_, err = f.WriteString(record)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, s.path(c.TenantID))
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("webuntis: credential store: tenant %q: %w", c.TenantID, err)
	}
	return nil
}

// Get implements [CredentialStore].
func (s *FileCredentialStore) Get(ctx context.Context, tenant string) (*Credentials, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	record, err := os.ReadFile(s.path(tenant))
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, ErrNoCredentials
	case err != nil:
		return nil, fmt.Errorf("webuntis: credential store: tenant %q: %w", tenant, err)
	}
	return s.sealer.Open(tenant, string(record))
}

// Delete implements [CredentialStore].
func (s *FileCredentialStore) Delete(ctx context.Context, tenant string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := os.Remove(s.path(tenant)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("webuntis: credential store: tenant %q: %w", tenant, err)
	}
	return nil
}
