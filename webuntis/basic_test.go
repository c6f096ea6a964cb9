package webuntis_test

import (
	"context"
	"encoding/base64"
	"errors"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
)

const basicClientID = "BestApp"

// basicServer is a WebUntis token endpoint that accepts one client id and
// password. With decode it URL-decodes the Basic parts first, as RFC 6749
// §2.3.1 says; without, it compares them as they are, as the vendor's
// examples expect. It records the Basic payload of every request.
type basicServer struct {
	srv *httptest.Server

	mu       sync.Mutex
	payloads []string
}

func newBasicServer(t *testing.T, password string, decode bool) *basicServer {
	t.Helper()
	s := &basicServer{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/WebUntis/api/sso/v3/1234/token" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		io.ReadAll(r.Body)
		payload := strings.TrimPrefix(r.Header.Get("Authorization"), "Basic ")
		s.mu.Lock()
		s.payloads = append(s.payloads, payload)
		s.mu.Unlock()
		id, pass := splitBasic(payload, decode)
		w.Header().Set("Content-Type", "application/json")
		if id != basicClientID || pass != password {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"error":"invalid_client","error_description":"Client authentication failed"}`)
			return
		}
		io.WriteString(w, `{"access_token":"at","token_type":"Bearer","expires_in":180}`)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func splitBasic(payload string, decode bool) (id, pass string) {
	raw, err := base64.StdEncoding.DecodeString(payload)
	if err != nil {
		return "", ""
	}
	id, pass, _ = strings.Cut(string(raw), ":")
	if decode {
		var err1, err2 error
		id, err1 = url.QueryUnescape(id)
		pass, err2 = url.QueryUnescape(pass)
		if err1 != nil || err2 != nil {
			return "", ""
		}
	}
	return id, pass
}

// forms names the Basic form of each recorded request: "raw" or "rfc".
func (s *basicServer) forms(password string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	raw := base64.StdEncoding.EncodeToString([]byte(basicClientID + ":" + password))
	rfc := base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(basicClientID) + ":" + url.QueryEscape(password)))
	var out []string
	for _, p := range s.payloads {
		switch p {
		case raw:
			out = append(out, "raw")
		case rfc:
			out = append(out, "rfc")
		default:
			out = append(out, "other")
		}
	}
	return out
}

func (s *basicServer) provider(t *testing.T, password string, enc webuntis.BasicEncoding) *webuntis.Provider {
	t.Helper()
	p, err := webuntis.New(webuntis.Config{
		BaseURL: s.srv.URL, Tenant: "1234", ClientID: basicClientID,
		Password: oauthkit.Secret(password), BasicEncoding: enc,
	})
	require.NoError(t, err)
	return p
}

// A password holding '+' or '%' sent as raw Basic reached a server that
// URL-decodes Basic credentials (RFC 6749 §2.3.1) as another password, and
// the advice blamed a credential mix-up. BasicAuto now tries the RFC form
// once and keeps it.
func TestClientCredentialsBasicPasswordWithPlusOrPercent(t *testing.T) {
	ctx := context.Background()
	for _, pw := range []string{password, "pl+tform-pass", "pct%41pass", "both+%2B"} {
		t.Run(pw[:4]+"/RFC 6749 server", func(t *testing.T) {
			srv := newBasicServer(t, pw, true)
			p := srv.provider(t, pw, webuntis.BasicAuto)
			for range 3 {
				tok, err := p.ClientCredentials(ctx)
				require.NoError(t, err)
				assert.Equal(t, "at", tok.AccessToken)
			}
			assert.Equal(t, []string{"raw", "rfc", "rfc", "rfc"}, srv.forms(pw), "the URL-encoded form is tried once, then kept")
		})
		t.Run(pw[:4]+"/raw server", func(t *testing.T) {
			srv := newBasicServer(t, pw, false)
			p := srv.provider(t, pw, webuntis.BasicAuto)
			for range 3 {
				_, err := p.ClientCredentials(ctx)
				require.NoError(t, err)
			}
			assert.Equal(t, []string{"raw", "raw", "raw"}, srv.forms(pw))
		})
	}
}

func TestClientCredentialsBasicAutoConcurrent(t *testing.T) {
	srv := newBasicServer(t, password, true)
	p := srv.provider(t, password, webuntis.BasicAuto)
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := p.ClientCredentials(context.Background())
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	_, err := p.ClientCredentials(context.Background())
	require.NoError(t, err)
	forms := srv.forms(password)
	assert.Equal(t, "rfc", forms[len(forms)-1])
}

func TestClientCredentialsBasicEncodingForced(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name       string
		enc        webuntis.BasicEncoding
		decode     bool
		wantForms  []string
		wantAdvice string // "" with wantOK
		wantOK     bool
	}{
		{name: "raw against a raw server", enc: webuntis.BasicRaw, wantForms: []string{"raw"}, wantOK: true},
		{name: "URL-encoded against an RFC server", enc: webuntis.BasicURLEncoded, decode: true, wantForms: []string{"rfc"}, wantOK: true},
		{name: "raw against an RFC server", enc: webuntis.BasicRaw, decode: true, wantForms: []string{"raw"}, wantAdvice: "Config.BasicEncoding is BasicRaw"},
		{name: "URL-encoded against a raw server", enc: webuntis.BasicURLEncoded, wantForms: []string{"rfc"}, wantAdvice: "Config.BasicEncoding is BasicURLEncoded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newBasicServer(t, password, tt.decode)
			_, err := srv.provider(t, password, tt.enc).ClientCredentials(ctx)
			assert.Equal(t, tt.wantForms, srv.forms(password), "a forced form is the only one sent")
			if tt.wantOK {
				require.NoError(t, err)
				return
			}
			var e *oauthkit.Error
			require.ErrorAs(t, err, &e)
			assert.Contains(t, e.Advice, tt.wantAdvice)
			assert.Contains(t, e.Advice, "'+' or '%'")
			assert.Contains(t, e.Advice, "platform password", "the credential advice stays")
		})
	}
}

func TestClientCredentialsBasicAdvice(t *testing.T) {
	ctx := context.Background()
	t.Run("both forms refused", func(t *testing.T) {
		srv := newBasicServer(t, "the+right%2Bone", true)
		_, err := srv.provider(t, "a+wrong%2Bone", webuntis.BasicAuto).ClientCredentials(ctx)
		require.ErrorIs(t, err, oauthkit.ErrInvalidClient)
		var e *oauthkit.Error
		require.ErrorAs(t, err, &e)
		assert.Contains(t, e.Advice, "both Basic encodings were tried")
		assert.Contains(t, e.Advice, "platform password")
		assert.Equal(t, []string{"raw", "rfc"}, srv.forms("a+wrong%2Bone"))
	})
	t.Run("password without + or %", func(t *testing.T) {
		srv := newBasicServer(t, "right", true)
		_, err := srv.provider(t, "wrong/=:&", webuntis.BasicAuto).ClientCredentials(ctx)
		var e *oauthkit.Error
		require.ErrorAs(t, err, &e)
		assert.NotContains(t, e.Advice, "encod", "the encoding cannot be the cause")
		assert.Contains(t, e.Advice, "platform password")
		assert.Len(t, srv.forms("wrong/=:&"), 1, "one request: both forms would read the same")
	})
	t.Run("not a refusal", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":"invalid_scope"}`)
		}))
		defer srv.Close()
		p, err := webuntis.New(webuntis.Config{BaseURL: srv.URL, Tenant: "1234", ClientID: basicClientID, Password: password})
		require.NoError(t, err)
		_, err = p.ClientCredentials(ctx)
		require.ErrorIs(t, err, oauthkit.ErrInvalidScope)
	})
}

func TestConfigRefusesUnknownBasicEncoding(t *testing.T) {
	_, err := webuntis.New(webuntis.Config{Tenant: "1234", ClientID: basicClientID, Password: password, BasicEncoding: 7})
	var ce *oauthkit.ConfigError
	require.True(t, errors.As(err, &ce))
	assert.Equal(t, "BasicEncoding", ce.Field)
}

// A server that echoes the Authorization header and the form body into its
// error (an HTML page, a JSON hint) must not put the password, in either
// Basic form, into the error.
func TestClientCredentialsEchoedBasicHeaderIsScrubbed(t *testing.T) {
	pw := "pl+tf/rm=" + strings.Repeat("L0ng%", 60) // longer than the excerpt limit
	for name, answer := range map[string]func(w http.ResponseWriter, auth, body string){
		"HTML 500": func(w http.ResponseWriter, auth, body string) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, "<html><body><p>Header: "+html.EscapeString(auth)+"</p><p>Body: "+html.EscapeString(body)+"</p></body></html>")
		},
		"JSON 401 hint": func(w http.ResponseWriter, auth, body string) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"error":"invalid_client","error_description":"got `+auth+`","hint":"`+strings.Repeat("h", 480)+auth+`"}`)
		},
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				answer(w, r.Header.Get("Authorization"), string(body))
			}))
			defer srv.Close()
			for _, enc := range []webuntis.BasicEncoding{webuntis.BasicAuto, webuntis.BasicRaw, webuntis.BasicURLEncoded} {
				p, err := webuntis.New(webuntis.Config{BaseURL: srv.URL, Tenant: "1234", ClientID: basicClientID, Password: oauthkit.Secret(pw), BasicEncoding: enc})
				require.NoError(t, err)
				_, err = p.ClientCredentials(context.Background())
				require.Error(t, err)
				secrets := []string{pw,
					base64.StdEncoding.EncodeToString([]byte(basicClientID + ":" + pw)),
					base64.StdEncoding.EncodeToString([]byte(basicClientID + ":" + url.QueryEscape(pw)))}
				providertest.Formatted(t, []any{err}, secrets...)
				providertest.Prefix(t, enc.String()+" error", err.Error(), 8, secrets...)
			}
		})
	}
}
