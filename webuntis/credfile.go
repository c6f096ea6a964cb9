package webuntis

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// FileCredentialStore is a [CredentialStore] for a single-node service: one
// sealed file per tenant in a directory, encrypted at rest by a
// [CredentialSealer]. A Put writes a new file, syncs it, renames it over the
// old one and syncs the directory, so that neither a crash nor a full disk
// leaves anything but the previous credentials or the new ones, whole, and
// a Put that returned is not rolled back by a crash. File names are a hash
// of the tenant id; the revision is sealed in the record. A file that is
// longer than a record can be is unreadable, never read into memory. It is
// safe for concurrent use by one process; do not share the directory
// between processes (use Redis for a fleet).
type FileCredentialStore struct {
	dir    string
	sealer *CredentialSealer
	mu     sync.Mutex // Put's compare and swap
}

var _ CredentialStore = (*FileCredentialStore)(nil)

// syncDir makes a rename in dir durable: a file's own fsync does not cover
// the directory entry that names it. A variable, so that a test can see it
// run after the rename.
var syncDir = func(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

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

// Put implements [CredentialStore]: compare the revision, then write a
// temporary file, sync it, rename it over the tenant's file and sync the
// directory.
func (s *FileCredentialStore) Put(ctx context.Context, c *Credentials) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if c == nil || c.TenantID == "" {
		return 0, errNoTenant
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var cur uint64
	old, err := s.get(c.TenantID)
	var ue *UnreadableError
	switch {
	case err == nil:
		cur = old.Revision
	case errors.As(err, &ue):
		cur = ue.Revision
	case !errors.Is(err, ErrNoCredentials):
		return 0, err
	}
	if cur != c.Revision {
		return 0, fmt.Errorf("webuntis: credential store: tenant %q: %w", c.TenantID, ErrRevisionConflict)
	}
	next := c.clone()
	next.Revision = cur + 1
	record, err := s.sealer.Seal(next)
	if err != nil {
		return 0, err
	}
	if err := s.write(c.TenantID, record); err != nil {
		return 0, fmt.Errorf("webuntis: credential store: tenant %q: %w", c.TenantID, err)
	}
	return next.Revision, nil
}

// write replaces the tenant's file with record, durably.
func (s *FileCredentialStore) write(tenant, record string) error {
	f, err := os.CreateTemp(s.dir, ".put-*")
	if err != nil {
		return err
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
		err = os.Rename(tmp, s.path(tenant))
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	// Without this a crash can bring back the directory entry of the old
	// file: the previous credentials, after Put returned.
	return syncDir(s.dir)
}

// Get implements [CredentialStore]. A file longer than a sealed record can
// be is an [*UnreadableError] without being read.
func (s *FileCredentialStore) Get(ctx context.Context, tenant string) (*Credentials, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.get(tenant)
}

func (s *FileCredentialStore) get(tenant string) (*Credentials, error) {
	f, err := os.Open(s.path(tenant))
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, ErrNoCredentials
	case err != nil:
		return nil, fmt.Errorf("webuntis: credential store: tenant %q: %w", tenant, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("webuntis: credential store: tenant %q: %w", tenant, err)
	}
	if info.Size() > maxRecord {
		return nil, &UnreadableError{Tenant: tenant, Err: fmt.Errorf("the file is %d bytes, more than a record can be", info.Size())}
	}
	record, err := io.ReadAll(io.LimitReader(f, maxRecord+1)) // the file may have grown since Stat
	if err != nil {
		return nil, fmt.Errorf("webuntis: credential store: tenant %q: %w", tenant, err)
	}
	if len(record) > maxRecord {
		return nil, &UnreadableError{Tenant: tenant, Err: errors.New("the file is longer than a record can be")}
	}
	c, err := s.sealer.Open(tenant, string(record))
	if err != nil {
		return nil, &UnreadableError{Tenant: tenant, Err: err}
	}
	return c, nil
}

// Delete implements [CredentialStore].
func (s *FileCredentialStore) Delete(ctx context.Context, tenant string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := os.Remove(s.path(tenant)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("webuntis: credential store: tenant %q: %w", tenant, err)
	}
	return nil
}
