package seal

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"testing"
)

// sameAsEncoding fails unless decode gives what encoding/base64 gives for
// src: the same bytes, or an error where it has one.
func sameAsEncoding(t *testing.T, src string) {
	t.Helper()
	want := make([]byte, encoding.DecodedLen(len(src)))
	wn, werr := encoding.Decode(want, []byte(src))
	got := make([]byte, encoding.DecodedLen(len(src)))
	gn, gerr := decode(got, src)
	if (werr == nil) != (gerr == nil) || werr != nil && werr.Error() != gerr.Error() {
		t.Fatalf("decode(%q): error %v, encoding/base64: %v", src, gerr, werr)
	}
	if werr == nil && (gn != wn || !bytes.Equal(got[:gn], want[:wn])) {
		t.Fatalf("decode(%q) = %x, encoding/base64: %x", src, got[:gn], want[:wn])
	}
}

// TestDecodeAsEncoding: decode reads every value as encoding/base64's
// strict base64url does: values of every length, each byte value at each
// place of a value, newlines, padding, and trailing bits.
func TestDecodeAsEncoding(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for n := range 40 {
		b := make([]byte, n)
		for k := range b {
			b[k] = byte(r.IntN(256))
		}
		v := base64.RawURLEncoding.EncodeToString(b)
		sameAsEncoding(t, v)
		for at := range v {
			for c := range 256 {
				w := []byte(v)
				w[at] = byte(c)
				sameAsEncoding(t, string(w))
			}
			sameAsEncoding(t, v[:at]+"\r\n"+v[at:])
		}
		sameAsEncoding(t, v+"=")
		sameAsEncoding(t, v+"==")
		sameAsEncoding(t, v+"A")
	}
}

func FuzzDecode(f *testing.F) {
	f.Add("AQIDBAUG")
	f.Add("AQIDBAU")
	f.Add("AQIDBA\nUG")
	f.Add("AQ==")
	f.Fuzz(func(t *testing.T, src string) { sameAsEncoding(t, src) })
}

func BenchmarkDecode(b *testing.B) {
	v := base64.RawURLEncoding.EncodeToString(make([]byte, 2000))
	dst := make([]byte, encoding.DecodedLen(len(v)))
	b.Run("decode", func(b *testing.B) {
		for b.Loop() {
			_, _ = decode(dst, v)
		}
	})
	b.Run("encoding-base64", func(b *testing.B) {
		for b.Loop() {
			_, _ = encoding.Decode(dst, []byte(v))
		}
	})
}
