package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis/webuntistest"
)

// hostile is text a user or a sender can choose (a display name, a
// webhook field): an OSC sequence that retitles the terminal, a CSI that
// erases the line, a carriage return, a bidirectional override, and a
// byte that is not UTF-8.
const hostile = "Mallory\x1b]0;pwned\x07\x1b[2K\rroot\u202e\xff"

// requireNoControl fails when out holds a control character other than a
// newline, a bidirectional override, or invalid UTF-8.
func requireNoControl(t *testing.T, name, out string) {
	t.Helper()
	for i, r := range out {
		if r == '\n' {
			continue
		}
		require.Falsef(t, r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u202e' || (r == '\ufffd' && !isRuneErrorChar(out[i:])),
			"%s prints %U raw at byte %d", name, r, i)
	}
}

func TestTermText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Ada Lovelace", "Ada Lovelace"},
		{"Zoë 山田 \ufffd", "Zoë 山田 \ufffd"},
		{"", ""},
		{"a\x1b[31mb", `"a\x1b[31mb"`},
		{"a\tb\r\n", `"a\tb\r\n"`},
		{"x\u202ey", `"x\u202ey"`},
		{"x\xffy", `"x\xffy"`},
		{"x\u0085y", `"x\u0085y"`},
	} {
		assert.Equal(t, tc.want, termText(tc.in), "%q", tc.in)
	}
}

// TestLoginTextEscapesClaims: login prints ID-token claims and the profile
// in text mode with every control character escaped; --json prints the
// values unchanged (the encoder escapes them).
func TestLoginTextEscapesClaims(t *testing.T) {
	login := &oauthkit.Login{
		Provider: "openid",
		Token:    &oauth2.Token{AccessToken: "at", Expiry: time.Now().Add(time.Hour)},
		IDToken:  &oidc.IDToken{Nonce: "n"},
		UserInfo: oauthkit.UserInfo{
			Subject: "sub\x1b[8m",
			Email:   "m@x.io\r",
			Name:    hostile,
			Raw: map[string]any{
				"sub":            "sub\x1b[8m",
				"name":           hostile,
				"groups":         []any{"ok", "a\x1b]8;;http://evil/\x07link"},
				"k\x1b[1mey":     "v",
				"email":          "m@x.io\r",
				"email_verified": true,
			},
		},
	}
	tgt := &target{vendor: "openid", now: time.Now}

	var out bytes.Buffer
	c := &cli{stdout: &out, stderr: &out}
	require.Equal(t, exitOK, c.printLogin(t.Context(), false, tgt, nil, login, ""))
	requireNoControl(t, "login (text)", out.String())
	assert.Contains(t, out.String(), `\x1b]0;pwned\a`, "the escape is shown as text")
	assert.Contains(t, out.String(), "email_verified true")

	out.Reset()
	require.Equal(t, exitOK, c.printLogin(t.Context(), true, tgt, nil, login, ""))
	var got struct {
		Claims  map[string]any    `json:"id_token_claims"`
		Profile map[string]string `json:"profile"`
	}
	require.NoError(t, json.Unmarshal(out.Bytes(), &got))
	assert.Equal(t, login.UserInfo.Subject, got.Profile["subject"], "JSON keeps the value")
	assert.Equal(t, strings.ToValidUTF8(hostile, "\ufffd"), got.Claims["name"])
}

// TestWebhookTextEscapesFields: webhook verify prints the event's fields in
// text mode with control characters escaped, and unchanged in --json.
func TestWebhookTextEscapesFields(t *testing.T) {
	srv := webuntistest.NewServer(webuntistest.Options{})
	defer srv.Close()
	var event map[string]any
	require.NoError(t, json.Unmarshal(srv.WebhookBody("RESET"), &event))
	event["eventType"] = "RESET\x1b]0;pwned\x07"
	event["schoolName"] = hostile
	event["n\x1b[2Kote"] = "\r\x1b[1A"
	body, err := json.Marshal(event)
	require.NoError(t, err)
	sig := srv.SignWebhook(body)

	r := runCLI(t, string(body), "webhook", "verify", "--key", srv.WebhookKey(), "--signature", sig)
	require.Equal(t, exitOK, r.code, r.stdout+r.stderr)
	requireNoControl(t, "webhook verify (text)", r.stdout)
	assert.Contains(t, r.stdout, `eventType  "RESET\x1b]0;pwned\a"`)

	r = runCLI(t, string(body), "webhook", "verify", "--key", srv.WebhookKey(), "--signature", sig, "--json")
	require.Equal(t, exitOK, r.code, r.stdout+r.stderr)
	var got struct {
		EventType string         `json:"event_type"`
		Fields    map[string]any `json:"fields"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
	assert.Equal(t, "RESET\x1b]0;pwned\x07", got.EventType)
}
