package oauthwire

import (
	"context"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
)

// captured is the request a token endpoint saw.
type captured struct {
	method, path, contentType, auth, rawQuery string
	form                                      url.Values
}

func capture(t *testing.T, answer string) (*httptest.Server, *captured) {
	t.Helper()
	got := &captured{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got.method, got.path, got.rawQuery = r.Method, r.URL.Path, r.URL.RawQuery
		got.contentType, got.auth = r.Header.Get("Content-Type"), r.Header.Get("Authorization")
		got.form, _ = url.ParseQuery(string(body))
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, answer)
	}))
	t.Cleanup(srv.Close)
	return srv, got
}

func TestTokenRequestAuthStyles(t *testing.T) {
	const password = "pa+ss/w=rd:%&x"
	tests := []struct {
		name     string
		auth     AuthStyle
		wantAuth string
		wantForm url.Values
	}{
		{
			name: "in body", auth: AuthInBody,
			wantForm: url.Values{"grant_type": {"client_credentials"}, "client_id": {"my client"}, "client_secret": {password}},
		},
		{
			name: "RFC 6749 Basic escapes both parts", auth: AuthBasic,
			wantAuth: "Basic " + base64.StdEncoding.EncodeToString([]byte("my+client:pa%2Bss%2Fw%3Drd%3A%25%26x")),
			wantForm: url.Values{"grant_type": {"client_credentials"}},
		},
		{
			name: "raw Basic leaves them as they are", auth: AuthBasicRaw,
			wantAuth: "Basic " + base64.StdEncoding.EncodeToString([]byte("my client:"+password)),
			wantForm: url.Values{"grant_type": {"client_credentials"}},
		},
		{
			name: "public client", auth: AuthPublic,
			wantForm: url.Values{"grant_type": {"client_credentials"}, "client_id": {"my client"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, got := capture(t, `{"access_token":"at","expires_in":180}`)
			c := &Client{Provider: "p", HTTP: httpc.New(httpc.Options{})}
			params := url.Values{"grant_type": {"client_credentials"}}
			tok, err := c.Token(context.Background(), Request{
				Op: "client credentials", TokenURL: srv.URL + "/token", Params: params,
				ClientID: "my client", Secret: oauthkit.Secret(password), Auth: tt.auth,
			})
			require.NoError(t, err)
			assert.Equal(t, "at", tok.AccessToken)
			assert.Equal(t, http.MethodPost, got.method)
			assert.Equal(t, "/token", got.path)
			assert.Empty(t, got.rawQuery, "nothing travels in the query string")
			assert.Equal(t, "application/x-www-form-urlencoded", got.contentType)
			assert.Equal(t, tt.wantAuth, got.auth)
			assert.Equal(t, tt.wantForm, got.form)
			assert.Equal(t, url.Values{"grant_type": {"client_credentials"}}, params, "the caller's params are not modified")
		})
	}
}

func TestTokenErrorsNeverCarryTheRequestSecrets(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		// A server that echoes what it was sent, in every field.
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"error":"invalid_grant","error_description":"bad code `+r.PostForm.Get("code")+`","hint":"secret `+url.QueryEscape(r.PostForm.Get("client_secret"))+`","message":"verifier `+r.PostForm.Get("code_verifier")+`"}`)
	}))
	defer srv.Close()
	c := &Client{Provider: "p", HTTP: httpc.New(httpc.Options{})}
	_, err := c.Token(context.Background(), Request{
		Op: "exchange", TokenURL: srv.URL,
		Params:   url.Values{"grant_type": {"authorization_code"}, "code": {"CODE-123"}, "code_verifier": {"VERIFIER-456"}},
		ClientID: "id", Secret: "SECRET+789", Auth: AuthInBody, SingleUse: true,
	})
	require.ErrorIs(t, err, oauthkit.ErrInvalidGrant)
	providertest.Text(t, "error", err.Error(), "CODE-123", "VERIFIER-456", "SECRET", "SECRET+789", "SECRET%2B789")
}

func TestTokenTransportErrorKeepsCause(t *testing.T) {
	srv, _ := capture(t, `{}`)
	c := &Client{Provider: "webuntis", HTTP: httpc.New(httpc.Options{})}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Token(ctx, Request{Op: "client credentials", TokenURL: srv.URL, Params: url.Values{}, Auth: AuthInBody})
	require.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, err.Error(), "webuntis: client credentials: ")
}

// A refresh request used to be retried after a 502 or a connection reset
// once it had been written: a rotating refresh token reached the server
// twice, and the second use revoked the whole grant.
func TestRefreshIsNeverResentOnceWritten(t *testing.T) {
	failures := map[string]func(w http.ResponseWriter){
		"502 after reading": func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusBadGateway)
			io.WriteString(w, "<html>502 Bad Gateway</html>")
		},
		"503 with Retry-After": func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusServiceUnavailable)
		},
		"connection reset after reading": func(w http.ResponseWriter) {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				panic(err)
			}
			if tc, ok := conn.(*net.TCPConn); ok {
				tc.SetLinger(0) // RST, not FIN
			}
			conn.Close()
		},
	}
	grants := map[string]Request{
		"refresh":                         {Op: "refresh", Params: url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"rt-1"}}},
		"code exchange without SingleUse": {Op: "exchange", Params: url.Values{"grant_type": {"authorization_code"}, "code": {"c-1"}}},
	}
	for name, fail := range failures {
		for grant, r := range grants {
			t.Run(name+"/"+grant, func(t *testing.T) {
				var attempts atomic.Int32
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					io.ReadAll(r.Body)
					attempts.Add(1)
					fail(w)
				}))
				defer srv.Close()
				c := &Client{Provider: "p", HTTP: httpc.New(httpc.Options{Retry: httpc.Policy{
					MaxAttempts: 5,
					Sleep:       func(context.Context, time.Duration) error { return nil },
				}})}
				r.TokenURL, r.ClientID, r.Secret, r.Auth = srv.URL, "id", "s3cret", AuthInBody
				_, err := c.Token(context.Background(), r)
				require.Error(t, err)
				assert.EqualValues(t, 1, attempts.Load(), "a single-use grant that reached the server is not sent again")
			})
		}
	}
}

// A user's http.Client whose transport is not net/http's fires no trace
// hook: a refresh it wrote and then lost the answer to used to count as
// "nothing written" and went out three times.
func TestRefreshThroughASilentTransportIsSentOnce(t *testing.T) {
	var seen atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ParseForm() == nil && r.PostForm.Get("refresh_token") == "rt-1" {
			seen.Add(1)
		}
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer srv.Close()
	tunnel := providertest.LostAnswer(srv.Listener.Addr().String())
	c := &Client{Provider: "p", HTTP: httpc.New(httpc.Options{
		HTTPClient: &http.Client{Transport: tunnel},
		Retry:      httpc.Policy{MaxAttempts: 5, Sleep: func(context.Context, time.Duration) error { return nil }},
	})}
	_, err := c.Token(context.Background(), Request{
		Op: "refresh", TokenURL: srv.URL, Params: url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"rt-1"}},
		ClientID: "id", Secret: "s3cret", Auth: AuthInBody,
	})
	require.Error(t, err)
	assert.EqualValues(t, 1, seen.Load(), "the refresh token reached the server once")
}

// Client credentials carry no single-use value: a 502 is still retried.
func TestClientCredentialsIsStillRetried(t *testing.T) {
	var attempts atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if attempts.Add(1) == 1 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token":"at","expires_in":60}`)
	}))
	defer srv.Close()
	c := &Client{Provider: "p", HTTP: httpc.New(httpc.Options{Retry: httpc.Policy{Sleep: func(context.Context, time.Duration) error { return nil }}})}
	_, err := c.Token(context.Background(), Request{Op: "client credentials", TokenURL: srv.URL, Params: url.Values{"grant_type": {"client_credentials"}}, ClientID: "id", Secret: "s3cret", Auth: AuthInBody})
	require.NoError(t, err)
	assert.EqualValues(t, 2, attempts.Load())
}

// A refresh that never reached the server (connection refused) may still be
// retried: nothing was written.
func TestRefreshRefusedConnectionIsRetried(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	var slept atomic.Int32
	c := &Client{Provider: "p", HTTP: httpc.New(httpc.Options{Retry: httpc.Policy{Sleep: func(context.Context, time.Duration) error { slept.Add(1); return nil }}})}
	_, err = c.Token(context.Background(), Request{Op: "refresh", TokenURL: "http://" + addr, Params: url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"rt"}}, ClientID: "id", Secret: "s3cret", Auth: AuthInBody})
	require.Error(t, err)
	assert.EqualValues(t, 2, slept.Load(), "three attempts, two waits")
}

// TestBasicAnyLength: the Authorization value is the same whether the
// credentials fit basic's stack buffers or not.
func TestBasicAnyLength(t *testing.T) {
	for _, n := range []int{0, 1, 40, 94, 95, 96, 97, 200, 5000} {
		user, pass := "client", strings.Repeat("p", n)
		assert.Equal(t, "Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+pass)), basic(user, pass), "secret of %d bytes", n)
	}
}
