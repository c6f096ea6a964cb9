// Package seal encrypts and authenticates small values — a state cookie, a
// session cookie, a stored credential — with AES-256-GCM under a list of
// keys, so that keys can be rotated: the first key seals, every key opens.
//
// A sealed value is base64url (RFC 4648 §5, no padding) of
//
//	version (1 byte) | key id (4 bytes) | nonce (12 bytes) | ciphertext and tag
//
// The key id is the first four bytes of SHA-256 over the key: it picks the
// key to open with and reveals nothing about the key. The associated data
// given to Seal and Open binds a value to its purpose (a state cookie cannot
// be presented as a session cookie, nor one provider's state as another's):
// Open fails unless it gets the same associated data Seal got. Version and
// key id are authenticated too.
//
// The nonce is random (96 bits, NIST SP 800-38D §8.2.2): keep the number of
// values sealed under one key well below 2^32, which rotation does.
package seal

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
)

// KeySize is the length of a key: AES-256.
const KeySize = 32

const (
	version   byte = 1
	idSize         = 4
	nonceSize      = 12
	header         = 1 + idSize
	overhead       = header + nonceSize + 16 // 16: the GCM tag
)

// Errors of [Sealer.Open]. None of them says more than which check failed.
var (
	// ErrMalformed: the value is not base64url, too short, or of an
	// unknown version.
	ErrMalformed = errors.New("seal: malformed sealed value")
	// ErrUnknownKey: the value was sealed with a key the Sealer does not
	// hold (retired, or another application's).
	ErrUnknownKey = errors.New("seal: sealed with an unknown key")
	// ErrInvalid: the value does not authenticate — tampered with, or
	// sealed for other associated data.
	ErrInvalid = errors.New("seal: sealed value does not authenticate")
)

// Sealer seals with its first key and opens with any of its keys. It is safe
// for concurrent use.
type Sealer struct {
	keys []sealKey
}

type sealKey struct {
	id   [idSize]byte
	aead cipher.AEAD
}

// New returns a Sealer for keys, each [KeySize] bytes: keys[0] seals, all
// open. It copies nothing it keeps of keys but the expanded AES keys, so the
// caller may clear its slices afterwards.
func New(keys [][]byte) (*Sealer, error) {
	if len(keys) == 0 {
		return nil, errors.New("seal: no keys")
	}
	s := &Sealer{}
	for i, k := range keys {
		if len(k) != KeySize {
			return nil, fmt.Errorf("seal: key #%d is %d bytes, want %d (AES-256)", i, len(k), KeySize)
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, fmt.Errorf("seal: key #%d: %w", i, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("seal: key #%d: %w", i, err)
		}
		sum := sha256.Sum256(k)
		var id [idSize]byte
		copy(id[:], sum[:idSize])
		for j, prev := range s.keys {
			if prev.id == id {
				return nil, fmt.Errorf("seal: keys #%d and #%d are the same key", j, i)
			}
		}
		s.keys = append(s.keys, sealKey{id: id, aead: aead})
	}
	return s, nil
}

// Seal encrypts and authenticates plaintext under the first key, bound to
// ad, and returns the sealed value in base64url.
func (s *Sealer) Seal(plaintext, ad []byte) string {
	k := s.keys[0]
	buf := make([]byte, header+nonceSize, overhead+len(plaintext))
	buf[0] = version
	copy(buf[1:header], k.id[:])
	if _, err := rand.Read(buf[header:]); err != nil {
		panic("seal: crypto/rand: " + err.Error()) // crypto/rand does not fail (Go 1.24+)
	}
	out := k.aead.Seal(buf, buf[header:], plaintext, additional(buf[:header], ad))
	return base64.RawURLEncoding.EncodeToString(out)
}

// Open checks and decrypts a value Seal returned for the same ad, with
// whichever key sealed it. Its errors are [ErrMalformed], [ErrUnknownKey]
// and [ErrInvalid]. The plaintext is a new slice, the caller's alone.
//
// It allocates once: the decoded value, decrypted in place, with the
// associated data built after it.
func (s *Sealer) Open(sealed string, ad []byte) ([]byte, error) {
	n := encoding.DecodedLen(len(sealed))
	buf := make([]byte, n, n+header+len(ad))
	n, err := decode(buf, sealed)
	raw := buf[:n]
	if err != nil || len(raw) < overhead || raw[0] != version {
		return nil, ErrMalformed
	}
	for _, k := range s.keys {
		if !bytes.Equal(k.id[:], raw[1:header]) {
			continue
		}
		nonce, ct := raw[header:header+nonceSize], raw[header+nonceSize:]
		pt, err := k.aead.Open(ct[:0], nonce, ct, append(append(buf[n:n], raw[:header]...), ad...))
		if err != nil {
			return nil, ErrInvalid
		}
		return pt[:len(pt):len(pt)], nil
	}
	return nil, ErrUnknownKey
}

// additional is the GCM associated data: the header, then the caller's ad.
func additional(hdr, ad []byte) []byte {
	out := make([]byte, 0, len(hdr)+len(ad))
	return append(append(out, hdr...), ad...)
}
