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

// A value's revision, for [Store.CompareAndSwap], is computed alike by Get
// (appendRev) and by casScript (revLua):
//
//   - a sealed value of at least minRevSealed bytes: "s", its length, ".",
//     its 23 characters after the tag (the seal's version, key id and
//     nonce) and its last 22 (the GCM tag);
//   - any other value: its SHA-1 in hex (redis.sha1hex);
//   - a value longer than maxValue: [oversizeRev].
//
// Every write is a new revision: a sealed value has a random 96-bit nonce,
// under which the tag authenticates the rest of it, its length too, so no
// two writes share these parts unless a nonce repeats (which AES-GCM rules
// out anyway). A value that does not open (tampered with) is unreadable, a
// miss whose revision only lets a write replace it; and one who can write
// to the Redis can as well write back the very value a reader saw. So the
// revision reads 50 bytes of a sealed value: its SHA-1, which it was until
// issue 24, cost an L2 hit more than opening it (a token is a few KiB
// sealed). During a rolling deploy, replicas of either version compare the
// revisions of their own Gets with their own script.
const (
	revHead      = 23                                 // characters of version, key id and nonce in base64url
	revTail      = 22                                 // characters of the GCM tag in base64url
	minRevSealed = len(tagSealed) + revHead + revTail // shorter: SHA-1, as for any other value
	maxRevLen    = 1 + 5 + 1 + revHead + revTail      // "s", up to len("65536") digits, ".", head and tail
)

// revLua computes a value's revision in casScript: cur is the value, n its
// length (at most maxValue).
var revLua = fmt.Sprintf(`if n >= %d and string.sub(cur, 1, %d) == '%s' then
    rev = 's' .. n .. '.' .. string.sub(cur, %d, %d) .. string.sub(cur, -%d)
  else
    rev = redis.sha1hex(cur)
  end`, minRevSealed, len(tagSealed), tagSealed, len(tagSealed)+1, len(tagSealed)+revHead, revTail)

// appendRev appends the revision of raw, a value of at most maxValue bytes,
// to dst (see revLua).
func appendRev(dst []byte, raw string) []byte {
	if len(raw) >= minRevSealed && strings.HasPrefix(raw, tagSealed) {
		dst = strconv.AppendInt(append(dst, 's'), int64(len(raw)), 10)
		dst = append(append(dst, '.'), raw[len(tagSealed):len(tagSealed)+revHead]...)
		return append(dst, raw[len(raw)-revTail:]...)
	}
	sum := sha1.Sum(readOnlyBytes(raw))
	return hex.AppendEncode(dst, sum[:])
}

// readOnlyBytes is s's bytes without a copy, for a hash to read: they may
// not be written.
func readOnlyBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// oversizeRev is the revision of a value longer than maxValue, which is
// never read: its length, as casScript computes it.
func oversizeRev(n int64) string { return "oversize-" + strconv.FormatInt(n, 10) }
