package seal_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/seed-e8f4a5f7/oauthkit/internal/seal"
)

func key() []byte { k := make([]byte, seal.KeySize); rand.Read(k); return k }

func mustNew(t *testing.T, keys ...[]byte) *seal.Sealer {
	t.Helper()
	s, err := seal.New(keys)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSealOpenRoundTrip(t *testing.T) {
	s := mustNew(t, key())
	pt := []byte("hello, world")
	v := s.Seal(pt, []byte("purpose"))
	if strings.ContainsAny(v, "+/=") {
		t.Errorf("sealed value is not unpadded base64url")
	}
	got, err := s.Open(v, []byte("purpose"))
	if err != nil || !bytes.Equal(got, pt) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if v2 := s.Seal(pt, []byte("purpose")); v2 == v {
		t.Error("two seals of one plaintext are equal: nonce reused")
	}
}

func TestOpenRefuses(t *testing.T) {
	k1, k2 := key(), key()
	s := mustNew(t, k1)
	v := s.Seal([]byte("x"), []byte("ad"))
	raw, _ := base64.RawURLEncoding.DecodeString(v)
	flip := func(i int) string {
		b := bytes.Clone(raw)
		b[i] ^= 1
		return base64.RawURLEncoding.EncodeToString(b)
	}
	for _, tc := range []struct {
		name   string
		s      *seal.Sealer
		sealed string
		ad     string
		want   error
	}{
		{"other ad", s, v, "other", seal.ErrInvalid},
		{"empty ad", s, v, "", seal.ErrInvalid},
		{"flipped ciphertext", s, flip(len(raw) - 1), "ad", seal.ErrInvalid},
		{"flipped nonce", s, flip(6), "ad", seal.ErrInvalid},
		{"flipped version", s, flip(0), "ad", seal.ErrMalformed},
		{"flipped key id", s, flip(1), "ad", seal.ErrUnknownKey},
		{"foreign key", mustNew(t, k2), v, "ad", seal.ErrUnknownKey},
		{"not base64url", s, v + "!", "ad", seal.ErrMalformed},
		{"padded", s, v + "=", "ad", seal.ErrMalformed},
		{"truncated", s, v[:20], "ad", seal.ErrMalformed},
		{"empty", s, "", "ad", seal.ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.s.Open(tc.sealed, []byte(tc.ad)); !errors.Is(err, tc.want) {
				t.Errorf("Open error = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestRotation(t *testing.T) {
	old, cur := key(), key()
	before := mustNew(t, old)
	after := mustNew(t, cur, old)
	v := before.Seal([]byte("x"), nil)
	if _, err := after.Open(v, nil); err != nil {
		t.Errorf("a value sealed with the old key does not open after rotation: %v", err)
	}
	if _, err := before.Open(after.Seal([]byte("x"), nil), nil); !errors.Is(err, seal.ErrUnknownKey) {
		t.Errorf("the new key's value opened without it: %v", err)
	}
}

func TestNewRefusesBadKeys(t *testing.T) {
	k := key()
	for name, keys := range map[string][][]byte{
		"none":      nil,
		"short":     {make([]byte, 16)},
		"long":      {make([]byte, 33)},
		"duplicate": {k, bytes.Clone(k)},
	} {
		if _, err := seal.New(keys); err == nil {
			t.Errorf("%s: New accepted the keys", name)
		}
	}
}

func TestErrorsShowNoKey(t *testing.T) {
	k := key()
	_, err := seal.New([][]byte{k, k})
	if err != nil && strings.Contains(err.Error(), base64.RawURLEncoding.EncodeToString(k)) {
		t.Error("error shows the key")
	}
}

func FuzzOpen(f *testing.F) {
	s, _ := seal.New([][]byte{make([]byte, seal.KeySize)})
	seed := s.Seal([]byte("seed"), []byte("ad"))
	f.Add(seed)
	f.Add("")
	f.Add("AQAAAAA")
	// Only "seed" is ever sealed under this key and associated data (the
	// seed corpus may come from another process, with another nonce): a
	// value that opens to anything else was forged.
	f.Fuzz(func(t *testing.T, v string) {
		if pt, err := s.Open(v, []byte("ad")); err == nil && string(pt) != "seed" {
			t.Fatal("a value Seal did not make opened")
		}
	})
}

// TestOpenRejectsNonCanonicalEncoding: changing the last character's unused
// bits makes another string that plain base64 decodes to the same bytes;
// Open refuses it, so that no character of a sealed value can change
// unnoticed.
func TestOpenRejectsNonCanonicalEncoding(t *testing.T) {
	s := mustNew(t, key())
	for range 20 {
		v := s.Seal([]byte("x"), nil) // 1+4+12+1+16 = 34 bytes: the last character has 4 unused bits
		const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
		last := strings.IndexByte(alphabet, v[len(v)-1])
		w := v[:len(v)-1] + string(alphabet[last^1])
		if _, err := s.Open(w, nil); err == nil {
			t.Fatal("a value differing in one character opened")
		}
	}
}

// TestOpenAllocatesOnce: Open decodes into one buffer, builds the
// associated data after the value and decrypts in place (issue 24, the L2
// hit opens a token on every read).
func TestOpenAllocatesOnce(t *testing.T) {
	s := mustNew(t, key())
	ad := []byte("purpose, with a cache key of a realistic length after it")
	v := s.Seal([]byte(`{"a":"access token","r":"refresh token","e":"2026-12-06T07:02:18.123456789Z"}`), ad)
	if n := testing.AllocsPerRun(100, func() {
		if _, err := s.Open(v, ad); err != nil {
			t.Fatal(err)
		}
	}); n > 1 {
		t.Errorf("Open allocates %v times, want 1", n)
	}
}
