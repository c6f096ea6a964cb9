package redisstore

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/oauth2"
)

// A stored value is a format tag, then the token's JSON: sealed
// (internal/seal: base64url of version, key id, nonce, AES-256-GCM
// ciphertext and tag, bound to the cache key) or, with InsecurePlaintext,
// as it is. A value of any other shape is unreadable: a miss.
const (
	tagSealed = "ot1s."
	tagPlain  = "ot1p."
)

// adPrefix starts the associated data that binds a sealed token to its
// cache key, so that an entry copied under another key does not open.
const adPrefix = "oauthkit/redisstore/token/v1\x00"

// wireToken is a stored token: the fields of [oauth2.Token] and, of its
// extras, the ID token (which go-oidc's verifier reads) and the thumbprint
// of the DPoP key a DPoP token is bound to (sealed with it; the key itself
// is never stored). Other extras are not kept.
type wireToken struct {
	AccessToken  string    `json:"a"`
	TokenType    string    `json:"t,omitempty"`
	RefreshToken string    `json:"r,omitempty"`
	Expiry       time.Time `json:"e,omitzero"`
	ExpiresIn    int64     `json:"x,omitempty"`
	IDToken      string    `json:"i,omitempty"`
	DPoPJKT      string    `json:"k,omitempty"`
}

// extraDPoPJKT is the extra that holds a DPoP token's key thumbprint
// (internal/oauthwire.ExtraDPoPJKT).
const extraDPoPJKT = "oauthkit_dpop_jkt"

// maxValue bounds what Get reads and decode accepts: a sealed token with an
// ID token is a few KiB.
const maxValue = 64 << 10

var errNoAccessToken = errors.New("no access token")

func (s *Store) encode(key string, tok *oauth2.Token) (string, error) {
	w := wireToken{AccessToken: tok.AccessToken, TokenType: tok.TokenType, RefreshToken: tok.RefreshToken, Expiry: tok.Expiry, ExpiresIn: tok.ExpiresIn}
	if id, ok := tok.Extra("id_token").(string); ok {
		w.IDToken = id
	}
	w.DPoPJKT, _ = tok.Extra(extraDPoPJKT).(string)
	if w.AccessToken == "" {
		return "", fmt.Errorf("redisstore: encode: %w", errNoAccessToken)
	}
	plain, err := json.Marshal(w)
	if err != nil {
		return "", errors.New("redisstore: encode: token does not marshal") // never the token
	}
	if s.sealer == nil {
		return tagPlain + string(plain), nil
	}
	return tagSealed + s.sealer.Seal(plain, []byte(adPrefix+key)), nil
}

// decode opens and decodes raw, the value of key's entry, into dst, or
// into a token of its own when the token has extras.
func (s *Store) decode(key, raw string, dst *oauth2.Token) (*oauth2.Token, error) {
	if len(raw) > maxValue {
		return nil, errors.New("value too long")
	}
	var plain string
	switch {
	case s.sealer != nil && strings.HasPrefix(raw, tagSealed):
		var buf [256]byte // the associated data, on the stack for most keys
		ad := append(append(buf[:0], adPrefix...), key...)
		b, err := s.sealer.Open(raw[len(tagSealed):], ad)
		if err != nil {
			return nil, err
		}
		// Open's plaintext is a new slice of its own and nothing writes
		// it: the token's strings share it instead of a copy.
		plain = unsafe.String(unsafe.SliceData(b), len(b))
	case s.sealer == nil && strings.HasPrefix(raw, tagPlain):
		plain = raw[len(tagPlain):]
	case strings.HasPrefix(raw, tagSealed), strings.HasPrefix(raw, tagPlain):
		return nil, errors.New("sealed and plaintext entries do not mix")
	default:
		return nil, errors.New("unknown format")
	}
	w, ok := scanWire(plain)
	if !ok { // not in encode's usual shape: encoding/json decides
		var jw wireToken
		if err := json.Unmarshal([]byte(plain), &jw); err != nil {
			return nil, errors.New("not a token") // json errors may quote the value
		}
		w = jw
	}
	if w.AccessToken == "" {
		return nil, errNoAccessToken
	}
	tok := oauth2.Token{AccessToken: w.AccessToken, TokenType: w.TokenType, RefreshToken: w.RefreshToken, Expiry: w.Expiry, ExpiresIn: w.ExpiresIn}
	if extra := wireExtra(w); extra != nil {
		return tok.WithExtra(extra), nil // copies tok, which stays on the stack
	}
	*dst = tok
	return dst, nil
}

// wireExtra is the extras a stored token gets back; nil for none.
func wireExtra(w wireToken) map[string]any {
	if w.IDToken == "" && w.DPoPJKT == "" {
		return nil
	}
	m := map[string]any{}
	if w.IDToken != "" {
		m["id_token"] = w.IDToken
	}
	if w.DPoPJKT != "" {
		m[extraDPoPJKT] = w.DPoPJKT
	}
	return m
}

// appendRev appends a value's revision for [Store.CompareAndSwap] to dst:
// its SHA-1 in hex, as the script computes it with redis.sha1hex. Sealed
// values carry a random nonce, so every write is a new revision.
func appendRev(dst []byte, raw string) []byte {
	sum := sha1.Sum(readOnlyBytes(raw))
	return hex.AppendEncode(dst, sum[:])
}

// readOnlyBytes is s's bytes without a copy, for a hash to read: they may
// not be written.
func readOnlyBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// oversizeRev is the revision of a value longer than maxValue, which is
// never read: its length, as casScript computes it.
func oversizeRev(n int64) string { return "oversize-" + strconv.FormatInt(n, 10) }
