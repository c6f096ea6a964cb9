package redact

import (
	"encoding/base64"
	"html"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSecretsScrubEveryForm(t *testing.T) {
	s := NewSecrets("p+ss/w=rd", "", "code-1")
	for _, text := range []string{
		"raw p+ss/w=rd here",
		"query p%2Bss%2Fw%3Drd here",
		"path p+ss%2Fw=rd here",
		"basic " + base64.StdEncoding.EncodeToString([]byte("p+ss/w=rd")),
		"code code-1",
	} {
		out := s.Scrub(text)
		assert.NotContains(t, out, "ss", text) // fixtures, not secrets: the message may show them
		assert.NotContains(t, out, "code-1", text)
		assert.Contains(t, out, Placeholder, text)
	}
	assert.Equal(t, "nothing", (*Secrets)(nil).Scrub("nothing"))
	assert.Equal(t, "plain", NewSecrets("").Scrub("plain"), "an empty secret matches nothing")
}

func TestSecretsLongestFirst(t *testing.T) {
	s := NewSecrets("abc", "abcdef")
	assert.Equal(t, "x [redacted] y", s.Scrub("x abcdef y"))
	assert.Equal(t, "[redacted]", s.Add("zzz").Scrub("zzz"))
}

func TestText(t *testing.T) {
	assert.Equal(t, "a b c", Text("  a\n\tb\r\n\x00c  "))
	assert.Equal(t, "ok", Text("ok\xff"))
	long := Text(strings.Repeat("ü", 1000))
	assert.LessOrEqual(t, len(long), MaxText)
	assert.True(t, strings.HasSuffix(long, "…"))
}

func TestExcerpt(t *testing.T) {
	page := `<!DOCTYPE html><html><head><title>503 Service Unavailable</title>
<script>var token = "leak";</script><STYLE>p{}</STYLE></head>
<body><p>The server is down for maintenance.</p></body></html>`
	assert.Equal(t, "503 Service Unavailable The server is down for maintenance.", Excerpt([]byte(page)))
	assert.Equal(t, "not markup <b>", Excerpt([]byte("not markup <b>")))
	assert.Equal(t, "", Excerpt([]byte("<script>unterminated")))
	assert.Equal(t, "", Excerpt(nil))
}

// Servers echo a request back HTML-escaped (an error page) or JSON-escaped
// (PHP's json_encode escapes '/'); the old Scrub matched neither.
func TestSecretsScrubHTMLAndJSONEscapedForms(t *testing.T) {
	const secret = `p+ss/w=rd&"x'<y>`
	s := NewSecrets(secret)
	for name, text := range map[string]string{
		"html.EscapeString":              html.EscapeString(secret),
		"form-encoded then HTML-escaped": html.EscapeString(url.QueryEscape(secret)),
		"html/template attribute":        "p&#43;ss/w&#61;rd&amp;&#34;x&#39;&lt;y&gt;",
		"hex references":                 "p&#x2B;ss&#x2F;w&#x3D;rd&amp;&quot;x&apos;&lt;y&gt;",
		"named references":               "p&plus;ss&sol;w&equals;rd&amp;&quot;x&apos;&lt;y&gt;",
		"PHP json_encode":                `p+ss\/w=rd&\"x'<y>`,
		"Go encoding/json":               `p+ss/w=rd\u0026\"x'\u003cy\u003e`,
		"base64 without padding":         strings.TrimRight(base64.StdEncoding.EncodeToString([]byte(secret)), "="),
		"base64url":                      base64.URLEncoding.EncodeToString([]byte(secret)),
	} {
		out := s.Scrub("before " + text + " after")
		assert.NotContains(t, out, "ss", name) // fixtures, not secrets: the message may show them
		assert.Contains(t, out, Placeholder, name)
		assert.Contains(t, out, "before", name)
	}
}

// Text and Excerpt used to be cut before the secrets were removed, so a
// secret straddling the cut left its first bytes behind.
func TestTextAndExcerptScrubBeforeCutting(t *testing.T) {
	secret := "S3CRET-" + strings.Repeat("x", 50)
	s := NewSecrets(secret)
	for _, pad := range []int{MaxExcerpt - 10, MaxText - 10, MaxExcerpt - 2, MaxText - 4} {
		text := strings.Repeat("a", pad) + " " + secret + " tail"
		assert.NotContains(t, s.Text(text), "S3CR", "Text, secret at %d", pad)
		assert.NotContains(t, s.Excerpt([]byte(text)), "S3CR", "Excerpt, secret at %d", pad)
		assert.NotContains(t, s.Excerpt([]byte("<html><p>"+text+"</p></html>")), "S3CR", "Excerpt of HTML, secret at %d", pad)
	}
	long := "L0NG-" + strings.Repeat("y", 2*MaxText)
	s = NewSecrets(long)
	assert.Equal(t, "x "+Placeholder+" y", s.Text("x "+long+" y"), "a secret longer than the limit")
	assert.Equal(t, "x "+Placeholder+" y", s.Excerpt([]byte("x "+long+" y")))
	assert.NotContains(t, s.Excerpt([]byte(strings.Repeat("z", 150)+long)), "L0NG")
}

func TestSecretsAddToNil(t *testing.T) {
	assert.Equal(t, Placeholder, (*Secrets)(nil).Add("abcd").Scrub("abcd"))
}

func TestSecretsAtLeast(t *testing.T) {
	s := NewSecrets("s", "longer-secret", "")
	if got := s.AtLeast(8).Scrub("access_denied longer-secret"); got != "access_denied "+Placeholder {
		t.Errorf("AtLeast(8).Scrub = %q: the short value is kept out, the long one scrubbed", got)
	}
	if long := NewSecrets("longer-secret"); long.AtLeast(8) != long {
		t.Error("AtLeast returns the set itself when every value is long enough")
	}
	if (*Secrets)(nil).AtLeast(8) != nil {
		t.Error("AtLeast of nil is nil")
	}
}
