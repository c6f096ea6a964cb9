// Package redact makes text that came from a vendor safe to put in an error
// string or a log line: bounded in length, free of control characters and
// markup, and with every credential of the request removed.
package redact

import (
	"bytes"
	"encoding/base64"
	"net/url"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Bounds on what vendor text may add to an error.
const (
	MaxText    = 512 // one field of an error body: description, hint, message
	MaxExcerpt = 200 // the excerpt of a body that is not an error document
)

// Placeholder replaces every secret found in vendor text.
const Placeholder = "[redacted]"

// Text bounds one field of vendor text to [MaxText] and replaces control
// characters (which could forge log lines) with spaces.
func Text(s string) string { return bound(collapse(s), MaxText) }

// Excerpt turns a body that is not an error document — typically an HTML
// error page from a proxy — into one readable line of at most [MaxExcerpt]
// bytes: tags, scripts and styles dropped, white space folded.
func Excerpt(body []byte) string {
	if looksLikeMarkup(body) {
		body = stripMarkup(body)
	}
	return bound(collapse(string(body)), MaxExcerpt)
}

// Secrets is a set of values that must not appear in any text: the client
// secret, password, code, refresh token and PKCE verifier of one request.
// Building one is cheap; the forms to match are worked out on the first
// [Secrets.Scrub], which only an error needs.
type Secrets struct {
	raw  []string
	once sync.Once
	vals []string
}

// NewSecrets builds the set. Each value is also matched in its URL-encoded
// and base64 forms, the shapes in which a server echoes a form body or a
// Basic header back. Empty values are ignored.
func NewSecrets(vals ...string) *Secrets {
	return &Secrets{raw: vals}
}

// Add returns a set with more values.
func (s *Secrets) Add(vals ...string) *Secrets {
	return NewSecrets(append(slices.Clone(s.raw), vals...)...)
}

// Scrub replaces every secret in text with [Placeholder].
func (s *Secrets) Scrub(text string) string {
	if s == nil {
		return text
	}
	s.once.Do(s.expand)
	for _, v := range s.vals {
		if strings.Contains(text, v) {
			text = strings.ReplaceAll(text, v, Placeholder)
		}
	}
	return text
}

// expand lists every form of every value, longest first, so that a value
// containing another is replaced whole.
func (s *Secrets) expand() {
	for _, v := range s.raw {
		if v != "" {
			s.vals = append(s.vals, v, url.QueryEscape(v), url.PathEscape(v), base64.StdEncoding.EncodeToString([]byte(v)))
		}
	}
	slices.SortFunc(s.vals, func(a, b string) int { return len(b) - len(a) })
	s.vals = slices.Compact(s.vals)
}

// collapse replaces control characters and runs of white space with one
// space, and drops invalid UTF-8.
func collapse(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsSpace(r) || unicode.IsControl(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// bound cuts s to at most n bytes at a rune boundary, marking the cut.
func bound(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const mark = "…"
	cut := n - len(mark)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + mark
}

func looksLikeMarkup(body []byte) bool {
	t := bytes.TrimSpace(body)
	return len(t) > 0 && t[0] == '<'
}

// stripMarkup drops tags and the content of script and style elements. It is
// not an HTML parser; it only has to make an error page readable.
func stripMarkup(body []byte) []byte {
	out := make([]byte, 0, len(body))
	for i := 0; i < len(body); {
		if body[i] != '<' {
			out = append(out, body[i])
			i++
			continue
		}
		end := bytes.IndexByte(body[i:], '>')
		if end < 0 {
			break
		}
		tag := bytes.ToLower(body[i+1 : i+end])
		i += end + 1
		for _, skip := range []string{"script", "style"} {
			if bytes.HasPrefix(tag, []byte(skip)) {
				closeAt := bytes.Index(bytes.ToLower(body[i:]), []byte("</"+skip))
				if closeAt < 0 {
					return out
				}
				i += closeAt
			}
		}
		out = append(out, ' ')
	}
	return out
}
