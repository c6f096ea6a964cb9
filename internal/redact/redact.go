// Package redact makes text that came from a vendor safe to put in an error
// string or a log line: bounded in length, free of control characters and
// markup, and with every credential of the request removed.
package redact

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"html"
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
// characters (which could forge log lines) with spaces. It removes no
// secret: text that may echo a request goes through [Secrets.Text].
func Text(s string) string { return (*Secrets)(nil).Text(s) }

// Excerpt turns a body that is not an error document — typically an HTML
// error page from a proxy — into one readable line of at most [MaxExcerpt]
// bytes: tags, scripts and styles dropped, white space folded. It removes no
// secret: a body that may echo a request goes through [Secrets.Excerpt].
func Excerpt(body []byte) string { return (*Secrets)(nil).Excerpt(body) }

// Text is [Text] with every secret removed first: the whole text is scrubbed
// before it is cut, so a cut never leaves the first bytes of a secret.
func (s *Secrets) Text(text string) string { return s.Line(text, MaxText) }

// Excerpt is [Excerpt] with every secret removed from the whole body first,
// before markup is dropped and the excerpt cut.
func (s *Secrets) Excerpt(body []byte) string {
	text := s.Scrub(string(body))
	if looksLikeMarkup([]byte(text)) {
		text = string(stripMarkup([]byte(text)))
	}
	return s.Line(text, MaxExcerpt)
}

// Line scrubs text, folds it to one line and cuts it to at most n bytes, in
// that order. It scrubs again after folding, for a secret that held white
// space the server echoed differently.
func (s *Secrets) Line(text string, n int) string {
	return bound(s.Scrub(collapse(s.Scrub(text))), n)
}

// Secrets is a set of values that must not appear in any text: the client
// secret, password, code, refresh token and PKCE verifier of one request,
// and the Authorization header it sent. Building one is cheap; the forms to
// match are worked out on the first [Secrets.Scrub], which only an error
// needs.
type Secrets struct {
	raw  []string
	once sync.Once
	vals []string
}

// NewSecrets builds the set. Each value is also matched in every form in
// which a server may echo a form body or a Basic header back: URL-encoded
// (query and path escaping), base64 (standard and URL alphabet, padded or
// not), HTML-escaped (html.EscapeString, html/template's escaping, and any
// other character references, decimal, hex or named) and JSON-escaped (Go's
// and PHP's "\/"), and the HTML- and JSON-escaped forms of each encoding.
// Empty values are ignored.
func NewSecrets(vals ...string) *Secrets {
	return &Secrets{raw: vals}
}

// Add returns a set with more values.
func (s *Secrets) Add(vals ...string) *Secrets {
	if s == nil {
		return NewSecrets(vals...)
	}
	return NewSecrets(append(slices.Clone(s.raw), vals...)...)
}

// AtLeast returns the set of s's values that are at least n bytes long (s
// itself when all are), for text in which a shorter value would turn up by
// chance rather than by an echo: an error code.
func (s *Secrets) AtLeast(n int) *Secrets {
	if s == nil || !slices.ContainsFunc(s.raw, func(v string) bool { return v != "" && len(v) < n }) {
		return s
	}
	return NewSecrets(slices.DeleteFunc(slices.Clone(s.raw), func(v string) bool { return len(v) < n })...)
}

// Scrub replaces every secret in text with [Placeholder]. Text holding a
// secret only once its HTML character references are decoded comes back
// decoded, with the secret replaced.
func (s *Secrets) Scrub(text string) string {
	if s == nil {
		return text
	}
	s.once.Do(s.expand)
	text = s.replace(text)
	if strings.IndexByte(text, '&') >= 0 {
		// Character references have too many spellings (&#43; &#x2B;
		// &plus;) to list; decode them and look again.
		if decoded := html.UnescapeString(text); decoded != text {
			if scrubbed := s.replace(decoded); scrubbed != decoded {
				return scrubbed
			}
		}
	}
	return text
}

func (s *Secrets) replace(text string) string {
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
		if v == "" {
			continue
		}
		b := []byte(v)
		// Unpadded base64 is a prefix of the padded form: matching it also
		// removes a value whose padding the server dropped.
		for _, enc := range []string{v, url.QueryEscape(v), url.PathEscape(v), base64.RawStdEncoding.EncodeToString(b), base64.RawURLEncoding.EncodeToString(b)} {
			s.vals = append(s.vals, enc, html.EscapeString(enc), templateEscaper.Replace(enc), attrEscaper.Replace(enc), jsonEscape(enc), phpJSONEscape(enc))
		}
	}
	slices.SortFunc(s.vals, func(a, b string) int { return len(b) - len(a) })
	s.vals = slices.Compact(s.vals)
	s.vals = slices.DeleteFunc(s.vals, func(v string) bool { return v == "" })
}

// The HTML escapings besides html.EscapeString's: text/template's
// HTMLEscapeString (numeric quotes), and html/template's escaping of an
// attribute value, which also escapes '+' and '='. [Secrets.Scrub] decodes
// any other spelling.
var (
	templateEscaper = strings.NewReplacer(`&`, "&amp;", `<`, "&lt;", `>`, "&gt;", `"`, "&#34;", `'`, "&#39;")
	attrEscaper     = strings.NewReplacer(`&`, "&amp;", `<`, "&lt;", `>`, "&gt;", `"`, "&#34;", `'`, "&#39;", `+`, "&#43;", `=`, "&#61;", "`", "&#96;")
)

// jsonEscape is v as Go's encoding/json writes it inside a string.
func jsonEscape(v string) string {
	b, _ := json.Marshal(v)
	return string(b[1 : len(b)-1])
}

// phpJSONEscape is v as PHP's json_encode writes it by default (league/
// oauth2-server is PHP): '/' escaped as "\/", no HTML escaping.
func phpJSONEscape(v string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	out := strings.TrimSuffix(buf.String(), "\n")
	return strings.ReplaceAll(out[1:len(out)-1], "/", `\/`)
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
