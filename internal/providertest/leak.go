package providertest

// The leak check: text shows none of a set of secrets, in any of the
// encodings a request sends them in or a server echoes them back in; a
// failure names the secret by position and encoding, never by value, so a
// failing test does not print the secret it caught.

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"log/slog"
	"net/url"
	"strings"
	"testing"
)

// minLen is the shortest value checked: shorter ones match by accident.
const minLen = 4

// Verbs are the fmt verbs a value is printed with by [Find] and [Formatted].
var Verbs = []string{"%v", "%+v", "%#v", "%s"}

// Text reports an error for every secret found in text.
func Text(t testing.TB, what, text string, secrets ...string) {
	t.Helper()
	for _, found := range find(what, text, secrets) {
		t.Error(found)
	}
}

// Formatted reports an error for every secret found in a value printed with
// one of [Verbs], or in its Error() for an error.
func Formatted(t testing.TB, values []any, secrets ...string) {
	t.Helper()
	for _, found := range Find(secrets, values...) {
		t.Error(found)
	}
}

// Find describes every place a secret shows in values printed with [Verbs],
// logged with log/slog's JSON and text handlers, and in Error() for errors.
// The descriptions name the value's type, the verb or handler, the secret's
// position and the encoding it showed in, never the secret.
func Find(secrets []string, values ...any) []string {
	var found []string
	for i, v := range values {
		for _, verb := range Verbs {
			found = append(found, find(fmt.Sprintf("%s of value #%d (%T)", verb, i, v), fmt.Sprintf(verb, v), secrets)...)
		}
		if e, ok := v.(error); ok && e != nil {
			found = append(found, find(fmt.Sprintf("Error() of value #%d (%T)", i, v), e.Error(), secrets)...)
		}
		for _, h := range []struct {
			name string
			new  func(*bytes.Buffer) slog.Handler
		}{
			{"slog JSON", func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) }},
			{"slog text", func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) }},
		} {
			var buf bytes.Buffer
			slog.New(h.new(&buf)).Error("leakcheck", "value", v)
			found = append(found, find(fmt.Sprintf("%s of value #%d (%T)", h.name, i, v), buf.String(), secrets)...)
		}
	}
	return found
}

// Encodings are the forms of a secret that [Text], [Formatted] and [Find]
// look for besides the raw value.
var Encodings = []struct {
	Name   string
	Encode func(string) string
}{
	{"query-escaped", url.QueryEscape},
	{"path-escaped", url.PathEscape},
	{"base64", func(s string) string { return base64.RawStdEncoding.EncodeToString([]byte(s)) }},
	{"base64url", func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }},
	{"HTML-escaped", html.EscapeString},
	{"form-encoded then HTML-escaped", func(s string) string { return html.EscapeString(url.QueryEscape(s)) }},
}

func find(what, text string, secrets []string) []string {
	var found []string
	for i, s := range secrets {
		if len(s) < minLen {
			continue
		}
		if strings.Contains(text, s) {
			found = append(found, fmt.Sprintf("%s shows secret #%d (%d bytes)", what, i, len(s)))
			continue
		}
		for _, enc := range Encodings {
			if e := enc.Encode(s); e != s && strings.Contains(text, e) {
				found = append(found, fmt.Sprintf("%s shows secret #%d (%d bytes) %s", what, i, len(s), enc.Name))
				break
			}
		}
	}
	return found
}

// Prefix reports an error when text shows the first n bytes (or more) of a
// secret, where a cut made before scrubbing leaves them. n below [minLen] is
// raised to it.
func Prefix(t testing.TB, what, text string, n int, secrets ...string) {
	t.Helper()
	n = max(n, minLen)
	for i, s := range secrets {
		if len(s) >= n && strings.Contains(text, s[:n]) {
			t.Errorf("%s shows the first %d bytes of secret #%d (%d bytes)", what, n, i, len(s))
		}
	}
}

// Bytes returns, for each key, the forms of a byte slice that the leak
// checks must be given as secrets to find it printed: its bytes as a string
// (whose raw, base64 and hex forms they then look for), and the slice as
// fmt prints it with %v and %d (decimal, "171 205 …") and with %#v (Go
// syntax, "0xab, 0xcd, …"), which no encoding of the string matches.
func Bytes(keys ...[]byte) []string {
	var forms []string
	for _, k := range keys {
		dec := fmt.Sprint(k)
		goSyntax := fmt.Sprintf("%#v", k)
		forms = append(forms, string(k), dec[1:len(dec)-1], goSyntax[len("[]byte{"):len(goSyntax)-1])
	}
	return forms
}
