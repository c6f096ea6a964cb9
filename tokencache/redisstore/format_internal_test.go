package redisstore

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit/internal/seal"
)

// goldenKey is the AES key the golden values were sealed with (testKey(1)).
func goldenKey() []byte {
	k := make([]byte, 32)
	for i := range k {
		k[i] = 1 + byte(i)
	}
	return k
}

// goldenExpiry is the expiry of the golden tokens.
var goldenExpiry = time.Date(2026, 12, 6, 8, 30, 15, 123456789, time.FixedZone("", 3600))

// golden are values written by the Store before issue 24's decoder (main at
// fabab9c), sealed with goldenKey under goldenCacheKey(name). Replicas of
// two versions share one Redis during a rolling deploy: each must read what
// the other writes.
var golden = []struct {
	name           string
	tok            *oauth2.Token
	sealed, plain  string
	scanned        bool // in the shape scanWire reads (else encoding/json does)
	idToken, dpJKT string
}{
	{
		name:    "bare",
		tok:     &oauth2.Token{AccessToken: "at"},
		sealed:  "ot1s.Aa4hbC6HMVUqglOWj4L_rHRKgmP2qVErNhFDQG-3ZT4sJ01lZIQ1nEJguQ",
		plain:   `ot1p.{"a":"at"}`,
		scanned: true,
	},
	{
		name:    "full",
		tok:     &oauth2.Token{AccessToken: "eyJhbGciOiJSUzI1NiJ9.e30.sig", TokenType: "Bearer", RefreshToken: "rt-1", Expiry: goldenExpiry, ExpiresIn: 3600},
		idToken: "eyJ.id.tok", dpJKT: "jkt-0",
		sealed:  "ot1s.Aa4hbC5bzJl82TmKh7n7aPhkI3xy6yzmmN4WqPmvaAO14IGjWX3Wxn32gO6SROeYWJkAF7yCJLLVE2Y9amJ6hAWGjhAwMGIkJ9vsH8ydzNzOeW9jlEsTykpZ_HZXbh-sHj5aK5T8DIEXjw6q7g2qfs4bfhHKsU1UCeKPpZVb0beowH_G0L-IGYCV1AxpzQCBe5WLtshpO0PGF4WBNNnunD5cAua7mmsDeMB_Ukg",
		plain:   `ot1p.{"a":"eyJhbGciOiJSUzI1NiJ9.e30.sig","t":"Bearer","r":"rt-1","e":"2026-12-06T08:30:15.123456789+01:00","x":3600,"i":"eyJ.id.tok","k":"jkt-0"}`,
		scanned: true,
	},
	{
		name:   "escaped",
		tok:    &oauth2.Token{AccessToken: "a<b>&c\"d\\e\u00e9\u2028", TokenType: "DPoP", Expiry: goldenExpiry.UTC(), ExpiresIn: -5},
		sealed: "ot1s.Aa4hbC7GcdGa2vL-ZjAI6gkkgUfMlE3dCYNhnasfFsplhOar62MG7IAaDJimfNNWoxKBntyaMVp6lH4AwlkjFRJ3bwUiQnyl0bPBAq7jiwj3shFTYwRXZm-8Hnix1MJ1r38NzOPHHWreNXvokL9UH995k9x1v7py0qFzS-17yN004mk",
		plain:  `ot1p.{"a":"a\u003cb\u003e\u0026c\"d\\eé\u2028","t":"DPoP","e":"2026-12-06T07:30:15.123456789Z","x":-5}`,
	},
}

func goldenCacheKey(name string) string {
	return "webuntis|https://idp.example/token|tenant-7|client|scope a b|" + name
}

// oldDecode is how the Store read a value before issue 24: open, then
// encoding/json, nothing else.
func oldDecode(t *testing.T, sealer *seal.Sealer, key, raw string) wireToken {
	t.Helper()
	var plain []byte
	if sealer != nil {
		require.True(t, strings.HasPrefix(raw, tagSealed))
		var err error
		plain, err = sealer.Open(raw[len(tagSealed):], []byte(adPrefix+key))
		require.NoError(t, err)
	} else {
		require.True(t, strings.HasPrefix(raw, tagPlain))
		plain = []byte(raw[len(tagPlain):])
	}
	var w wireToken
	require.NoError(t, json.Unmarshal(plain, &w))
	return w
}

// TestStoredFormatGolden: what the Store wrote before issue 24 it reads to
// the same token, and what it writes now the older Store reads (the
// plaintext byte for byte as before).
func TestStoredFormatGolden(t *testing.T) {
	sealer, err := seal.New([][]byte{goldenKey()})
	require.NoError(t, err)
	stores := map[string]*Store{"sealed": {sealer: sealer}, "plaintext": {}}
	for _, g := range golden {
		want := g.tok
		if g.idToken != "" {
			want = want.WithExtra(map[string]any{"id_token": g.idToken, extraDPoPJKT: g.dpJKT, "scope": "not stored"})
		}
		key := goldenCacheKey(g.name)
		for mode, s := range stores {
			t.Run(g.name+"/"+mode, func(t *testing.T) {
				old := map[string]string{"sealed": g.sealed, "plaintext": g.plain}[mode]
				got, err := s.decode(key, old, new(oauth2.Token))
				require.NoError(t, err, "an older Store's value reads")
				assertSameToken(t, want, got)
				_, scanned := scanWire(strings.TrimPrefix(g.plain, tagPlain))
				assert.Equal(t, g.scanned, scanned, "read by scanWire")

				v, err := s.encode(key, want)
				require.NoError(t, err)
				if mode == "plaintext" {
					assert.True(t, v == g.plain, "the plaintext value is written as before")
				}
				w := oldDecode(t, s.sealer, key, v)
				assertSameToken(t, g.tok, &oauth2.Token{AccessToken: w.AccessToken, TokenType: w.TokenType, RefreshToken: w.RefreshToken, Expiry: w.Expiry, ExpiresIn: w.ExpiresIn})
				assert.True(t, w.IDToken == g.idToken && w.DPoPJKT == g.dpJKT, "an older Store reads the ID token and DPoP thumbprint")
			})
		}
	}
}

// assertSameToken compares what a Store keeps of a token, naming the field
// that differs and never a value.
func assertSameToken(t *testing.T, want, got *oauth2.Token) {
	t.Helper()
	require.NotNil(t, got)
	assert.True(t, want.AccessToken == got.AccessToken, "access token")
	assert.True(t, want.TokenType == got.TokenType, "token type")
	assert.True(t, want.RefreshToken == got.RefreshToken, "refresh token")
	assert.True(t, want.Expiry.Equal(got.Expiry), "expiry")
	_, wantOff := want.Expiry.Zone()
	_, gotOff := got.Expiry.Zone()
	assert.Equal(t, wantOff, gotOff, "expiry's offset")
	assert.Equal(t, want.ExpiresIn, got.ExpiresIn, "expires in")
	for _, extra := range []string{"id_token", extraDPoPJKT} {
		w, _ := want.Extra(extra).(string)
		g, _ := got.Extra(extra).(string)
		assert.True(t, w == g, "extra %s", extra)
	}
}

// FuzzScanWire: scanWire reads a value only to what encoding/json makes of
// it, and decode (scanWire, else encoding/json) reads any value to the same
// token as encoding/json alone did, or both refuse it.
func FuzzScanWire(f *testing.F) {
	for _, g := range golden {
		f.Add(strings.TrimPrefix(g.plain, tagPlain))
	}
	for _, seed := range []string{
		`{}`, `{"a":""}`, `{"a":"x","x":0}`, `{"a":"x","x":-0}`, `{"a":"x","x":01}`, `{"a":"x","x":1.5}`,
		`{"a":"x","x":1e3}`, `{"a":"x","x":9223372036854775808}`, `{"a":"x","t":"y","t":"z"}`,
		`{"t":"y","a":"x"}`, `{"A":"x"}`, `{"a":"x"} `, `{"a":"x",}`, `{"a":"x","e":"2026-12-06T07:30:15Z"}`,
		`{"a":"x","e":"2026-12-06T07:30:15+24:00"}`, `{"a":"x","e":"2026-12-06 07:30:15Z"}`, `{"a":"x","e":null}`,
		`{"a":null}`, `{"a":"\u0041"}`, "{\"a\":\"\x7f\"}", "{\"a\":\"\xff\"}", `{"a":"x","q":1}`, `{"a":"x}`, `{`, ``,
	} {
		f.Add(seed)
	}
	s := &Store{}
	f.Fuzz(func(t *testing.T, p string) {
		var ref wireToken
		refErr := json.Unmarshal([]byte(p), &ref)
		if w, ok := scanWire(p); ok {
			if refErr != nil {
				t.Fatal("scanWire read a value encoding/json refuses")
			}
			if !reflect.DeepEqual(w, ref) {
				t.Fatal("scanWire read a value otherwise than encoding/json")
			}
		}
		tok, err := s.decode("k", tagPlain+p, new(oauth2.Token))
		if refErr != nil || ref.AccessToken == "" {
			if err == nil {
				t.Fatal("decode read a value the old decoder refused")
			}
			return
		}
		if err != nil {
			t.Fatal("decode refused a value the old decoder read")
		}
		want := &oauth2.Token{AccessToken: ref.AccessToken, TokenType: ref.TokenType, RefreshToken: ref.RefreshToken, Expiry: ref.Expiry, ExpiresIn: ref.ExpiresIn}
		if !reflect.DeepEqual(*want, *tok.WithExtra(nil)) || tok.Extra("id_token") != extraOrNil(ref.IDToken) || tok.Extra(extraDPoPJKT) != extraOrNil(ref.DPoPJKT) {
			t.Fatal("decode read a value otherwise than the old decoder")
		}
	})
}

// extraOrNil is what Token.Extra returns for a stored extra: nil when empty.
func extraOrNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// TestOpenAllocations: of a hit's work besides the Redis call, opening a
// sealed token and its revision allocate twice (the opened value, whose
// substrings the token's strings are, and the hit: token, revision and key
// name in one piece), plaintext once; before issue 24, 15 and 12 times.
func TestOpenAllocations(t *testing.T) {
	sealer, err := seal.New([][]byte{goldenKey()})
	require.NoError(t, err)
	for _, tc := range []struct {
		mode string
		s    *Store
		max  float64
	}{
		{"sealed", &Store{sealer: sealer}, 2},
		{"plaintext", &Store{}, 1},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			key := goldenCacheKey(golden[1].name)
			tok := &oauth2.Token{AccessToken: "at", RefreshToken: "rt", Expiry: goldenExpiry}
			raw, err := tc.s.encode(key, tok)
			require.NoError(t, err)
			n := testing.AllocsPerRun(100, func() {
				if st, err := tc.s.stored(key, raw, new(hit)); err != nil || st.Token == nil {
					t.Fatal("no token")
				}
			})
			assert.LessOrEqual(t, n, tc.max, "allocations of opening a token")
		})
	}
}
