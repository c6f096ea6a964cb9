package oauthwire

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit/internal/leakcheck"
)

var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func TestParseToken(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
		body        string
		wantExpiry  time.Duration // zero: no expiry
		wantRefresh string
		wantErr     string
	}{
		{name: "webuntis client credentials", body: `{"access_token":"at","token_type":"Bearer","expires_in":180}`, wantExpiry: 180 * time.Second},
		{name: "expires_in as string", body: `{"access_token":"at","token_type":"Bearer","expires_in":"3599"}`, wantExpiry: 3599 * time.Second},
		{name: "expires_in as padded string", body: `{"access_token":"at","expires_in":" 60 "}`, wantExpiry: time.Minute},
		{name: "expires_in as float", body: `{"access_token":"at","expires_in":59.9}`, wantExpiry: 59 * time.Second},
		{name: "expires_in absent", body: `{"access_token":"at"}`},
		{name: "expires_in null", body: `{"access_token":"at","expires_in":null}`},
		{name: "expires_in zero", body: `{"access_token":"at","expires_in":0}`},
		{name: "justimmo client credentials month", body: `{"token_type":"Bearer","expires_in":2678400,"access_token":"at"}`, wantExpiry: 2678400 * time.Second},
		{name: "refresh token", body: `{"access_token":"at","refresh_token":"rt","expires_in":86400}`, wantExpiry: 24 * time.Hour, wantRefresh: "rt"},
		{name: "form encoded", contentType: "application/x-www-form-urlencoded", body: "access_token=at&expires_in=120&refresh_token=rt", wantExpiry: 2 * time.Minute, wantRefresh: "rt"},
		{name: "text/plain form (GitHub style)", contentType: "text/plain; charset=utf-8", body: "access_token=at&token_type=bearer", wantExpiry: 0},
		{name: "missing access_token", body: `{"token_type":"Bearer","expires_in":180}`, wantErr: "no access_token"},
		{name: "empty access_token", body: `{"access_token":""}`, wantErr: "no access_token"},
		{name: "access_token not a string", body: `{"access_token":42}`, wantErr: "access_token is not a string"},
		{name: "refresh_token not a string", body: `{"access_token":"at","refresh_token":{}}`, wantErr: "refresh_token is not a string"},
		{name: "id_token not a string", body: `{"access_token":"at","id_token":7}`, wantErr: "id_token is not a string"},
		{name: "negative expires_in", body: `{"access_token":"at","expires_in":-5}`, wantErr: "out of range"},
		{name: "huge expires_in", body: `{"access_token":"at","expires_in":1e300}`, wantErr: "out of range"},
		{name: "expires_in garbage", body: `{"access_token":"at","expires_in":"soon"}`, wantErr: "not a number"},
		{name: "expires_in bool", body: `{"access_token":"at","expires_in":true}`, wantErr: "not a number"},
		{name: "malformed JSON", body: `{"access_token":"at"`, wantErr: "not a JSON object"},
		{name: "JSON array", body: `[{"access_token":"at"}]`, wantErr: "not a JSON object"},
		{name: "HTML", body: `<html>502</html>`, wantErr: "not a JSON object"},
		{name: "empty", body: ``, wantErr: "not a JSON object"},
		{name: "null", body: `null`, wantErr: "no access_token"},
		{name: "bad form", contentType: "application/x-www-form-urlencoded", body: "access_token=%zz", wantErr: "does not parse"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct := tt.contentType
			if ct == "" {
				ct = "application/json"
			}
			tok, err := ParseToken(ct, []byte(tt.body), now)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				leakcheck.Text(t, "parse error", err.Error(), `"at"`)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "at", tok.AccessToken)
			assert.Equal(t, tt.wantRefresh, tok.RefreshToken)
			if tt.wantExpiry == 0 {
				assert.True(t, tok.Expiry.IsZero())
			} else {
				assert.Equal(t, now.Add(tt.wantExpiry), tok.Expiry)
				assert.EqualValues(t, tt.wantExpiry/time.Second, tok.ExpiresIn)
			}
		})
	}
}

func TestParseTokenKeepsExtras(t *testing.T) {
	tok, err := ParseToken("application/json", []byte(`{"access_token":"at","id_token":"h.p.s","scope":"openid","custom":{"a":1},"n":5}`), now)
	require.NoError(t, err)
	assert.Equal(t, "h.p.s", tok.Extra("id_token"))
	assert.Equal(t, "openid", tok.Extra("scope"))
	assert.Equal(t, map[string]any{"a": float64(1)}, tok.Extra("custom"))
	assert.Equal(t, float64(5), tok.Extra("n"), "numbers as x/oauth2 gives them")

	tok, err = ParseToken("application/x-www-form-urlencoded", []byte("access_token=at&id_token=h.p.s&expires_in=60"), now)
	require.NoError(t, err)
	assert.Equal(t, "h.p.s", tok.Extra("id_token"))
	assert.Equal(t, int64(60), tok.Extra("expires_in"))
}

func FuzzParseToken(f *testing.F) {
	for _, seed := range []string{
		`{"access_token":"at","token_type":"Bearer","expires_in":180}`,
		`{"access_token":"at","expires_in":"3599","refresh_token":"rt","id_token":"x"}`,
		`{"access_token":"at","expires_in":1e308}`,
		`{"error":"invalid_grant"}`,
		`access_token=at&expires_in=60`,
		`<html>`, ``, `null`, `[]`, `{"access_token":null}`,
	} {
		f.Add("application/json", []byte(seed))
		f.Add("application/x-www-form-urlencoded", []byte(seed))
	}
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		tok, err := ParseToken(contentType, body, now)
		if err != nil {
			if tok != nil {
				t.Fatal("token returned with an error")
			}
			return
		}
		if tok.AccessToken == "" {
			t.Fatal("accepted a response without access_token")
		}
		if tok.ExpiresIn < 0 || (tok.ExpiresIn > 0 && !tok.Expiry.After(now)) {
			t.Fatalf("expiry %v for expires_in %d", tok.Expiry, tok.ExpiresIn)
		}
		if !IsForm(contentType) && !json.Valid(body) {
			t.Fatal("accepted a body that is not JSON")
		}
		if IsForm(contentType) {
			if _, err := url.ParseQuery(string(body)); err != nil {
				t.Fatal("accepted a form body that does not parse")
			}
		}
		_ = strings.TrimSpace(tok.TokenType)
	})
}
