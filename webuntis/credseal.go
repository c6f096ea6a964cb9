package webuntis

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/seal"
)

// maxRecord bounds a sealed record: Seal makes none longer, and the stores
// refuse to read a longer one (it is unreadable, not allocated). A webhook
// body is at most 64 KiB; its JSON re-encoded (at worst six bytes for one,
// as \u00XX) and sealed (base64) stays under it.
const maxRecord = 1 << 20

// CredentialSealer turns [Credentials] into an opaque sealed record and back,
// losslessly: AES-256-GCM under an application key, with rotation (the first
// key seals, every key opens). A record is bound to its tenant id: one
// tenant's record presented as another's does not open. A record changed in
// any byte does not open either: Open fails, it never returns other
// credentials. The record holds the credentials' Revision too, so a store of
// your own can tell a sealed revision from the one it keeps beside the
// record. Use it to keep credentials in a store of your own.
type CredentialSealer struct {
	s *seal.Sealer
}

// NewCredentialSealer returns a sealer for keys, each 32 random bytes;
// keys[0] seals and every key opens: to rotate, add a new key last on every
// replica, then move it first; an old one stays until no record sealed with
// it is left.
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
	Revision  uint64         `json:"revision,omitempty"`
}

// credentialsAD binds a record to its purpose and tenant.
func credentialsAD(tenant string) []byte {
	return append([]byte("oauthkit webuntis credentials\x00"), tenant...)
}

// Seal returns c, its Revision included, as a sealed record (base64url
// text) of at most 1 MiB.
func (cs *CredentialSealer) Seal(c *Credentials) (string, error) {
	if c == nil || c.TenantID == "" {
		return "", errors.New("webuntis: credential sealer: credentials without a tenant id")
	}
	pt, err := json.Marshal(sealedCredentials{
		TenantID: c.TenantID, ClientID: c.ClientID,
		Secret: c.Secret.Reveal(), Password: c.Password.Reveal(),
		Host: c.Host, EventType: c.EventType, Fields: c.Fields, Revision: c.Revision,
	})
	if err != nil {
		return "", fmt.Errorf("webuntis: credential sealer: %w", err) // an unmarshallable Fields value; the error names no secret
	}
	record := cs.s.Seal(pt, credentialsAD(c.TenantID))
	if len(record) > maxRecord {
		return "", fmt.Errorf("webuntis: credential sealer: tenant %q: the sealed record would be %d bytes, more than %d", c.TenantID, len(record), maxRecord)
	}
	return record, nil
}

// Open returns the credentials of a record Seal made for tenant. A record
// that was tampered with, sealed for another tenant or with a key the sealer
// does not hold, or longer than Seal makes, is an error wrapping seal's
// reason; the error holds no part of the record.
func (cs *CredentialSealer) Open(tenant, record string) (*Credentials, error) {
	if len(record) > maxRecord {
		return nil, fmt.Errorf("webuntis: credentials of tenant %q: a record of %d bytes is longer than a sealed record can be", tenant, len(record))
	}
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
		Host: sc.Host, EventType: sc.EventType, Fields: sc.Fields, Revision: sc.Revision,
	}, nil
}
