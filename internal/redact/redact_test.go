package redact

import (
	"encoding/base64"
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
