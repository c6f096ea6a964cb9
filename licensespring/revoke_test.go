package licensespring_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring/licensespringtest"
	"github.com/seed-e8f4a5f7/oauthkit/oauthkittest"
)

// seenRequest is a request to the revocation endpoint, as sent.
type seenRequest struct {
	method, contentType, auth, query string
	form                             url.Values
}

// recordRevocations wraps rt and keeps every request whose path ends in
// /revoke.
type recordRevocations struct {
	rt   http.RoundTripper
	mu   sync.Mutex
	seen []seenRequest
}

func (r *recordRevocations) RoundTrip(req *http.Request) (*http.Response, error) {
	if strings.HasSuffix(req.URL.Path, "/revoke") {
		body, _ := io.ReadAll(req.Body)
		req.Body.Close()
		req.Body = io.NopCloser(strings.NewReader(string(body)))
		form, _ := url.ParseQuery(string(body))
		r.mu.Lock()
		r.seen = append(r.seen, seenRequest{req.Method, req.Header.Get("Content-Type"), req.Header.Get("Authorization"), req.URL.RawQuery, form})
		r.mu.Unlock()
	}
	return r.rt.RoundTrip(req)
}

func TestRevokeRefreshToken(t *testing.T) {
	srv := licensespringtest.NewServer(licensespringtest.Options{Now: clock})
	t.Cleanup(srv.Close)
	rec := &recordRevocations{rt: srv.Client().Transport}
	cfg := srv.Config()
	cfg.HTTPClient = &http.Client{Transport: rec}
	p, err := licensespring.New(cfg)
	require.NoError(t, err)
	ctx := context.Background()

	l, _ := login(t, srv, p)
	rt := l.Token.RefreshToken
	require.NotEmpty(t, rt)
	require.NoError(t, p.RevokeToken(ctx, rt, "refresh_token"))

	require.Len(t, rec.seen, 1)
	assert.Equal(t, seenRequest{
		method: http.MethodPost, contentType: "application/x-www-form-urlencoded",
		form: url.Values{"token": {rt}, "token_type_hint": {"refresh_token"}, "client_id": {"license-users"}},
	}, rec.seen[0], "RFC 7009 §2.1, as Keycloak's public client: client_id in the form, no secret")
	assert.Equal(t, []licensespringtest.Revocation{{ClientID: "license-users", Hint: "refresh_token", Revoked: "refresh_token"}}, srv.Revocations())

	_, err = p.Refresh(ctx, rt)
	require.ErrorIs(t, err, oauthkit.ErrInvalidGrant, "a revoked refresh token no longer refreshes")

	require.NoError(t, p.RevokeToken(ctx, rt, "refresh_token"), "revoking twice is fine (RFC 7009 §2.2)")
	assert.Equal(t, "", srv.Revocations()[1].Revoked, "the second time the realm did not know it")
}

func TestRevokeAccessToken(t *testing.T) {
	srv, p := newFake(t, licensespringtest.Options{}, licensespring.ResponseTypeCode)
	l, _ := login(t, srv, p)
	require.NoError(t, p.RevokeToken(context.Background(), l.Token.AccessToken, "access_token"))
	require.NoError(t, p.RevokeToken(context.Background(), l.Token.AccessToken, ""), "again, without a hint")
	got := srv.Revocations()
	require.Len(t, got, 2)
	assert.Equal(t, "access_token", got[0].Revoked)
	assert.Equal(t, "", got[1].Revoked)

	// The refresh token of the same login still works: only the access
	// token was revoked.
	_, err := p.Refresh(context.Background(), l.Token.RefreshToken)
	require.NoError(t, err)
}

func TestRevokeErrors(t *testing.T) {
	const token = "a-refresh-token-value-0123456789"
	tests := []struct {
		name   string
		fault  oauthkittest.Fault
		status int
		code   oauthkit.ErrorCode
	}{
		{name: "500 page", fault: oauthkittest.Fault{Status: 500, Body: "<html><h1>Internal Server Error</h1>" + token + "</html>"}, status: 500},
		{name: "503 on every attempt", fault: oauthkittest.Fault{Status: 503, Body: `{"error":"temporarily_unavailable","error_description":"try later"}`}, status: 503, code: oauthkit.ErrTemporarilyUnavailable},
		{name: "invalid_client", fault: oauthkittest.Fault{Status: 401, Body: `{"error":"invalid_client","error_description":"Invalid client credentials for ` + token + `"}`}, status: 401, code: oauthkit.ErrInvalidClient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, p := newFake(t, licensespringtest.Options{}, licensespring.ResponseTypeCode)
			_, err := p.Discover(context.Background())
			require.NoError(t, err)
			srv.InjectFault(licensespringtest.EndpointRevoke, tt.fault)
			err = p.RevokeToken(context.Background(), token, "refresh_token")
			e, ok := errors.AsType[*oauthkit.Error](err)
			require.True(t, ok, "an *oauthkit.Error, got %T", err)
			assert.Equal(t, "licensespring", e.Provider)
			assert.Equal(t, oauthkit.OpRevoke, e.Op)
			assert.Equal(t, tt.status, e.StatusCode)
			if tt.code != "" {
				assert.ErrorIs(t, err, tt.code)
			}
			providertest.Text(t, "error", err.Error(), token)
		})
	}
}

func TestRevokeIsUnsupportedWithoutRevocationEndpoint(t *testing.T) {
	srv, p := newFake(t, licensespringtest.Options{}, licensespring.ResponseTypeCode)
	resp, err := srv.Client().Get(srv.Issuer() + "/.well-known/openid-configuration")
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&doc))
	resp.Body.Close()
	delete(doc, "revocation_endpoint")
	body, err := json.Marshal(doc)
	require.NoError(t, err)
	srv.InjectFault(licensespringtest.EndpointDiscovery, oauthkittest.Fault{Status: 200, Body: string(body)})

	ep, err := p.Discover(context.Background())
	require.NoError(t, err)
	assert.Empty(t, ep.RevocationURL)
	err = p.RevokeToken(context.Background(), "a-token", "refresh_token")
	require.ErrorIs(t, err, errors.ErrUnsupported)
	assert.ErrorContains(t, err, "licensespring: revoke: ")
	assert.Zero(t, srv.Requests(licensespringtest.EndpointRevoke))
}

// A revocation endpoint that echoes the token back, in every encoding and
// field: the error shows it in none of them, printed or logged any way.
func TestRevokeErrorsNeverShowTheToken(t *testing.T) {
	const token = "rt+/=<&>\"secret-0123456789"
	encodings := []string{token, url.QueryEscape(token), base64.StdEncoding.EncodeToString([]byte(token)), html.EscapeString(token)}
	jsonToken, _ := json.Marshal(token)
	bodies := map[string]string{
		"JSON error": `{"error":"invalid_request","error_description":"bad token ` + strings.Trim(string(jsonToken), `"`) +
			`","hint":"` + url.QueryEscape(token) + `","message":"` + base64.StdEncoding.EncodeToString([]byte(token)) + `"}`,
		"HTML page": "<html><body>" + strings.Join(encodings, " ") + "</body></html>",
		"text":      strings.Join(encodings, "\n"),
	}
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			srv, p := newFake(t, licensespringtest.Options{}, licensespring.ResponseTypeCode)
			srv.InjectFault(licensespringtest.EndpointRevoke, oauthkittest.Fault{Status: 400, Body: body})
			err := p.RevokeToken(context.Background(), token, "refresh_token")
			require.Error(t, err)
			assertNoSecret(t, "revoke error", err, append(encodings, strings.Trim(string(jsonToken), `"`))...)
		})
	}
}
