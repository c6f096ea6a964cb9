package oauthwire

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
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
		{name: "expires_in zero", body: `{"access_token":"at","expires_in":0}`, wantErr: "out of range"},
		{name: "expires_in empty string", body: `{"access_token":"at","expires_in":""}`},
		{name: "expires_in one second", body: `{"access_token":"at","expires_in":1}`, wantExpiry: time.Second},
		{name: "bearer in lower case", body: `{"access_token":"at","token_type":"bearer","expires_in":60}`, wantExpiry: time.Minute},
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
				providertest.Text(t, "parse error", err.Error(), `"at"`)
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

// An expires_in under one second used to be cut to 0, which reads as "never
// expires": a token the server meant to die at once would be cached forever.
func TestParseTokenExpiresInUnderOneSecondIsNotNeverExpires(t *testing.T) {
	for _, v := range []string{`0.5`, `0.999`, `"0.5"`, `1e-9`, `0`, `"0"`, `-0.5`, `-1`, `"-1"`, `1e300`, `"NaN"`, `"Infinity"`, `"soon"`, `true`, `{}`, `[]`} {
		t.Run(v, func(t *testing.T) {
			tok, err := ParseToken("application/json", []byte(`{"access_token":"at","token_type":"Bearer","expires_in":`+v+`}`), now)
			require.Error(t, err, "expires_in %s must be refused, not read as a lifetime or as none", v)
			assert.Nil(t, tok)
		})
	}
	for _, tt := range []struct {
		v    string
		want time.Duration
	}{{`1`, time.Second}, {`1.5`, time.Second}, {`"59.9"`, 59 * time.Second}, {`315360000`, 315360000 * time.Second}} {
		tok, err := ParseToken("application/json", []byte(`{"access_token":"at","expires_in":`+tt.v+`}`), now)
		require.NoError(t, err, tt.v)
		assert.Equal(t, now.Add(tt.want), tok.Expiry, tt.v)
	}
}

func TestParseTokenRefusesTokenTypeOtherThanBearer(t *testing.T) {
	for _, tt := range []struct{ contentType, body string }{
		{"application/json", `{"access_token":"at","token_type":"DPoP","expires_in":60}`},
		{"application/json", `{"access_token":"at","token_type":"mac","expires_in":60}`},
		{"application/json", `{"access_token":"at","token_type":"N_A"}`},
		{"application/x-www-form-urlencoded", `access_token=at&token_type=dpop`},
	} {
		tok, err := ParseToken(tt.contentType, []byte(tt.body), now)
		assert.Nil(t, tok, tt.body)
		var tte *TokenTypeError
		require.ErrorAs(t, err, &tte, tt.body)
		assert.Contains(t, err.Error(), "is not Bearer")
		providertest.Text(t, "parse error", err.Error(), `"at"`)
	}
	for _, tt := range []string{"Bearer", "bearer", "BEARER", ""} {
		tok, err := ParseToken("application/json", []byte(`{"access_token":"at","token_type":"`+tt+`"}`), now)
		require.NoError(t, err, tt)
		assert.Equal(t, "Bearer", tok.Type(), "a missing token_type means Bearer")
	}
}

func TestTokenWithDPoPTypeIsMalformedResponse(t *testing.T) {
	srv, _ := capture(t, `{"access_token":"at","token_type":"DPoP","expires_in":60}`)
	c := &Client{Provider: "p", HTTP: httpc.New(httpc.Options{})}
	_, err := c.Token(context.Background(), Request{Op: "client credentials", TokenURL: srv.URL, Params: url.Values{"grant_type": {"client_credentials"}}, ClientID: "id", Secret: "s3cret", Auth: AuthInBody})
	require.ErrorIs(t, err, oauthkit.ErrMalformedResponse)
	var tte *TokenTypeError
	require.ErrorAs(t, err, &tte)
	assert.Equal(t, "DPoP", tte.Type)
	assert.Equal(t, `p: client credentials: malformed response (HTTP 200): token_type "DPoP" is not Bearer; only Bearer tokens are supported`, err.Error())
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
