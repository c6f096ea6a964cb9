package licensespring_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring/licensespringtest"
)

// TestSignerKnownVectors pins the signature to values computed outside Go
// from the documented scheme:
//
//	printf 'licenseSpring\ndate: Tue, 07 Jun 2011 20:51:35 GMT' |
//	  openssl dgst -sha256 -hmac 'my-shared-key' -binary | base64
//
// (and the same with Python's hmac module, which agrees).
func TestSignerKnownVectors(t *testing.T) {
	tests := []struct {
		name, apiKey, sharedKey string
		at                      time.Time
		date, signature         string
	}{
		{
			name: "documented example date", apiKey: "my-api-key", sharedKey: "my-shared-key",
			at:        time.Date(2011, 6, 7, 20, 51, 35, 0, time.UTC),
			date:      "Tue, 07 Jun 2011 20:51:35 GMT",
			signature: "fj+Z5z/P8XeWgfuchkFbsbylbUUw49ksZHsgGdOSoEI=",
		},
		{
			// A non-ASCII key is used as its UTF-8 bytes; the local time is
			// sent as GMT.
			name: "004 example date, UTF-8 key, non-UTC clock", apiKey: "00000000-aaaa-bbbb-cccc-111111111111", sharedKey: "sh@red/kéy+=",
			at:        time.Date(2022, 11, 17, 21, 51, 35, 0, time.FixedZone("CET", 3600)),
			date:      "Thu, 17 Nov 2022 20:51:35 GMT",
			signature: "6Lpa1T/haNbEOoBdzhXU1y52jIFg4CCY/da+2zrCDLc=",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &licensespring.Signer{APIKey: tt.apiKey, SharedKey: oauthkit.Secret(tt.sharedKey), Now: func() time.Time { return tt.at }}
			h, err := s.Header()
			require.NoError(t, err)
			assert.Equal(t, tt.date, h.Get("Date"))
			assert.Equal(t, `algorithm="hmac-sha256",headers="date",signature="`+tt.signature+`",apikey="`+tt.apiKey+`"`, h.Get("Authorization"))
			assert.Len(t, h, 2)
		})
	}
}

// TestSignerMatchesHMAC checks the signature against crypto/hmac computed
// here from the documented scheme, over keys that would expose a decoded,
// trimmed or truncated key.
func TestSignerMatchesHMAC(t *testing.T) {
	keys := []string{
		"c2VjcmV0",                  // looks like base64: must not be decoded
		" padded key ",              // spaces are part of the key
		strings.Repeat("long", 40),  // longer than SHA-256's block: HMAC hashes it
		"日本語のキー",                    // UTF-8
		`quote"and\backslash,comma`, // characters the header would need to escape, were the key in it
	}
	times := []time.Time{
		time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		time.Date(1999, 12, 31, 23, 59, 59, 999999999, time.FixedZone("X", -7*3600)),
	}
	for _, key := range keys {
		for _, at := range times {
			s := &licensespring.Signer{APIKey: "k", SharedKey: oauthkit.Secret(key), Now: func() time.Time { return at }}
			h, err := s.Header()
			require.NoError(t, err)
			date := h.Get("Date")
			parsed, err := http.ParseTime(date)
			require.NoError(t, err)
			assert.True(t, parsed.Equal(at.Truncate(time.Second)), "Date %q names %v", date, at)
			assert.True(t, strings.HasSuffix(date, " GMT"))
			assert.Equal(t, `algorithm="hmac-sha256",headers="date",signature="`+hmacSignature(key, date)+`",apikey="k"`, h.Get("Authorization"))
		}
	}
}

func TestSignerSign(t *testing.T) {
	s := &licensespring.Signer{APIKey: "k", SharedKey: "s", Now: clock}
	req := httptest.NewRequest(http.MethodPost, "https://api.licensespring.com/api/v4/activate_license", nil)
	req.Header.Set("Date", "stale")
	req.Header.Set("Authorization", "Bearer something")
	req.Header.Set("Content-Type", "application/json")
	require.NoError(t, s.Sign(req))
	assert.Equal(t, []string{"Mon, 23 Nov 2026 10:00:00 GMT"}, req.Header.Values("Date"))
	assert.Equal(t, []string{`algorithm="hmac-sha256",headers="date",signature="` + hmacSignature("s", "Mon, 23 Nov 2026 10:00:00 GMT") + `",apikey="k"`}, req.Header.Values("Authorization"))
	assert.Equal(t, "application/json", req.Header.Get("Content-Type"))
}

func TestSignerNeedsKeys(t *testing.T) {
	for _, s := range []*licensespring.Signer{{SharedKey: "s"}, {APIKey: "k"}, {APIKey: "k\n", SharedKey: "s"}} {
		_, err := s.Header()
		var ce *oauthkit.ConfigError
		require.True(t, errors.As(err, &ce), "%v", err)

		called := false
		rt := s.Transport(roundTripFunc(func(*http.Request) (*http.Response, error) { called = true; return nil, nil }))
		_, err = rt.RoundTrip(httptest.NewRequest(http.MethodGet, "https://x", nil))
		require.Error(t, err)
		assert.False(t, called)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestSignerTransport(t *testing.T) {
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.Header.Clone() }))
	defer srv.Close()
	s := &licensespring.Signer{APIKey: "k", SharedKey: "s", Now: clock}
	client := &http.Client{Transport: s.Transport(srv.Client().Transport)}

	req, err := http.NewRequest(http.MethodGet, srv.URL+"/api/v4/product_details", nil)
	require.NoError(t, err)
	resp, err := client.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, "Mon, 23 Nov 2026 10:00:00 GMT", got.Get("Date"))
	assert.Contains(t, got.Get("Authorization"), `signature="`+hmacSignature("s", "Mon, 23 Nov 2026 10:00:00 GMT")+`"`)
	assert.Empty(t, req.Header, "the caller's request is not modified")
}

// TestFakeRefusesBadSignatures sends requests signed by the package's
// Signer to the fake, whose verifier is written separately from the
// documented scheme.
func TestFakeRefusesBadSignatures(t *testing.T) {
	srv := licensespringtest.NewServer(licensespringtest.Options{Now: clock})
	defer srv.Close()
	o := srv.Options()
	query := "?product=" + o.Product + "&customer_account_code=" + o.CustomerAccountCode + "&response_type=code"
	tests := []struct {
		name   string
		signer licensespring.Signer
		query  string
		code   oauthkit.ErrorCode // "" for success
	}{
		{name: "good", signer: licensespring.Signer{APIKey: o.APIKey, SharedKey: oauthkit.Secret(o.SharedKey), Now: clock}, query: query},
		{name: "date 14 minutes old", signer: licensespring.Signer{APIKey: o.APIKey, SharedKey: oauthkit.Secret(o.SharedKey), Now: ago(14 * time.Minute)}, query: query},
		{name: "date 16 minutes old", signer: licensespring.Signer{APIKey: o.APIKey, SharedKey: oauthkit.Secret(o.SharedKey), Now: ago(16 * time.Minute)}, query: query, code: licensespring.ErrDateHeaderDiff},
		{name: "wrong shared key", signer: licensespring.Signer{APIKey: o.APIKey, SharedKey: "not-the-key", Now: clock}, query: query, code: licensespring.ErrSignatureMismatch},
		{name: "unknown api key", signer: licensespring.Signer{APIKey: "nobody", SharedKey: oauthkit.Secret(o.SharedKey), Now: clock}, query: query, code: licensespring.ErrInvalidAPIKey},
		{name: "missing product", signer: licensespring.Signer{APIKey: o.APIKey, SharedKey: oauthkit.Secret(o.SharedKey), Now: clock}, query: "?customer_account_code=" + o.CustomerAccountCode, code: licensespring.ErrMissingParameters},
		{name: "missing customer account", signer: licensespring.Signer{APIKey: o.APIKey, SharedKey: oauthkit.Secret(o.SharedKey), Now: clock}, query: "?product=" + o.Product, code: licensespring.ErrMissingParameters},
		{name: "unknown product", signer: licensespring.Signer{APIKey: o.APIKey, SharedKey: oauthkit.Secret(o.SharedKey), Now: clock}, query: "?product=nope&customer_account_code=" + o.CustomerAccountCode, code: licensespring.ErrUnknownProduct},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := &http.Client{Transport: tt.signer.Transport(srv.Client().Transport)}
			resp, err := client.Get(srv.URL + "/api/v4/sso_url/" + tt.query)
			require.NoError(t, err)
			defer resp.Body.Close()
			var body struct {
				Status  int    `json:"status"`
				Code    string `json:"code"`
				Message string `json:"message"`
			}
			require.NoError(t, jsonDecode(resp, &body))
			if tt.code == "" {
				assert.Equal(t, http.StatusOK, resp.StatusCode, body)
				return
			}
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
			assert.Equal(t, http.StatusBadRequest, body.Status)
			assert.Equal(t, string(tt.code), body.Code)
			assert.NotEmpty(t, body.Message)
		})
	}
}

// TestProviderReportsFakeRefusals goes through the Provider: the vendor's
// code, the advice, errors.Is.
func TestProviderReportsFakeRefusals(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(*licensespring.Config)
		code   oauthkit.ErrorCode
		advice string
	}{
		{"clock 16 minutes behind", func(c *licensespring.Config) { c.Now = ago(16 * time.Minute) }, licensespring.ErrDateHeaderDiff, "15 minutes"},
		{"wrong shared key", func(c *licensespring.Config) { c.SharedKey = "wrong" }, licensespring.ErrSignatureMismatch, "shared key"},
		{"unknown api key", func(c *licensespring.Config) { c.APIKey = "nobody" }, licensespring.ErrInvalidAPIKey, "API key"},
		{"unknown product", func(c *licensespring.Config) { c.Product = "nope" }, licensespring.ErrUnknownProduct, "short code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := licensespringtest.NewServer(licensespringtest.Options{Now: clock})
			defer srv.Close()
			cfg := srv.Config()
			tt.edit(&cfg)
			p, err := licensespring.New(cfg)
			require.NoError(t, err)
			_, err = p.AuthCodeURL(context.Background())
			require.ErrorIs(t, err, tt.code)
			require.ErrorIs(t, err, oauthkit.ErrorCode(string(tt.code)))
			var e *oauthkit.Error
			require.True(t, errors.As(err, &e))
			assert.Equal(t, http.StatusBadRequest, e.StatusCode)
			assert.NotEmpty(t, e.Message)
			assert.Contains(t, e.Advice, tt.advice)
			t.Log(err)
		})
	}
}

func ago(d time.Duration) func() time.Time {
	return func() time.Time { return testNow.Add(-d) }
}

func jsonDecode(resp *http.Response, v any) error { return json.NewDecoder(resp.Body).Decode(v) }

// TestSignerTransportRefusesCrossHostRedirect: a License API that answers
// 302 Location: <another scheme or host> must not get a fresh signed Date
// and Authorization sent there — they would be replayable for 15 minutes.
// Go strips Authorization on such a redirect, but a signing transport below
// the client adds it back, so the transport itself refuses. A redirect
// within the same scheme and host is followed and signed.
func TestSignerTransportRefusesCrossHostRedirect(t *testing.T) {
	var (
		mu        sync.Mutex
		leaked    []string // header names the other host received
		otherHits int
	)
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		otherHits++
		for _, h := range []string{"Authorization", "Date"} {
			if r.Header.Get(h) != "" {
				leaked = append(leaked, h)
			}
		}
	}))
	defer other.Close()

	var sameHost http.Header
	api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v4/to-other":
			http.Redirect(w, r, other.URL+"/steal", http.StatusFound)
		case "/api/v4/to-http-same-host":
			// Same host and port, but a downgrade to http.
			http.Redirect(w, r, "http://"+r.Host+"/api/v4/moved", http.StatusFound)
		case "/api/v4/to-same-host":
			http.Redirect(w, r, "/api/v4/moved", http.StatusFound)
		case "/api/v4/moved":
			mu.Lock()
			sameHost = r.Header.Clone()
			mu.Unlock()
		}
	}))
	defer api.Close()

	s := &licensespring.Signer{APIKey: "k", SharedKey: "s", Now: clock}
	// The TLS server's transport trusts its certificate and dials http too.
	client := &http.Client{Transport: s.Transport(api.Client().Transport)}

	for _, path := range []string{"/api/v4/to-other", "/api/v4/to-http-same-host"} {
		t.Run(path, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, api.URL+path, strings.NewReader(`{"code":"x"}`))
			require.NoError(t, err)
			resp, err := client.Do(req)
			if resp != nil {
				resp.Body.Close()
			}
			require.ErrorIs(t, err, oauthkit.ErrCrossOriginRedirect)
		})
	}
	mu.Lock()
	assert.Zero(t, otherHits, "the other host was sent a request")
	assert.Empty(t, leaked, "the other host received signed headers")
	mu.Unlock()

	resp, err := client.Get(api.URL + "/api/v4/to-same-host")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	mu.Lock()
	defer mu.Unlock()
	require.NotNil(t, sameHost, "the same-host redirect was not followed")
	assert.Equal(t, "Mon, 23 Nov 2026 10:00:00 GMT", sameHost.Get("Date"))
	assert.Contains(t, sameHost.Get("Authorization"), `signature="`+hmacSignature("s", "Mon, 23 Nov 2026 10:00:00 GMT")+`"`)
}

// TestSignerTransportRefusesCrossHostRedirectClosesBody: the refusal sends
// nothing and, as a RoundTripper must, closes the request body.
func TestSignerTransportRefusesCrossHostRedirectClosesBody(t *testing.T) {
	s := &licensespring.Signer{APIKey: "k", SharedKey: "s", Now: clock}
	called := false
	rt := s.Transport(roundTripFunc(func(*http.Request) (*http.Response, error) { called = true; return nil, nil }))
	from := httptest.NewRequest(http.MethodPost, "https://api.licensespring.com/api/v4/activate_license", nil)
	body := &closeRecorder{Reader: strings.NewReader("{}")}
	req := httptest.NewRequest(http.MethodPost, "https://other.example/api/v4/activate_license", body)
	req.Response = &http.Response{StatusCode: http.StatusTemporaryRedirect, Request: from}
	_, err := rt.RoundTrip(req)
	require.ErrorIs(t, err, oauthkit.ErrCrossOriginRedirect)
	assert.False(t, called, "the request was sent")
	assert.True(t, body.closed, "the body was not closed")
	assert.Empty(t, req.Header.Get("Authorization"))
}

type closeRecorder struct {
	io.Reader
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

// TestSignedProviderRequestsDoNotFollowRedirects: the Provider's own signed
// request (the sso_url lookup) goes through a client that follows no
// redirect at all, so a 302 to another host reaches nobody with the
// signature, even when the configured HTTP client would follow it.
func TestSignedProviderRequestsDoNotFollowRedirects(t *testing.T) {
	var otherHits atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { otherHits.Add(1) }))
	defer other.Close()
	s := newStub(t)
	s.sso = func(w http.ResponseWriter) {
		w.Header().Set("Location", other.URL+"/api/v4/sso_url/")
		w.WriteHeader(http.StatusFound)
	}
	cfg := s.config()
	cfg.HTTPClient = &http.Client{} // follows redirects by default
	p, err := licensespring.New(cfg)
	require.NoError(t, err)
	_, err = p.SSOURL(context.Background())
	require.Error(t, err)
	assert.Zero(t, otherHits.Load(), "the sso_url lookup followed a redirect")
}
