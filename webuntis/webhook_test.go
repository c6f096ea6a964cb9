package webuntis_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
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
	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis/webuntistest"
)

func TestWebhookDeliversWorkingCredentials(t *testing.T) {
	untis := webuntistest.NewServer(webuntistest.Options{})
	defer untis.Close()
	var mu sync.Mutex
	stored := map[string]*webuntis.Credentials{} // idempotent: keyed by tenant
	hook, err := webuntis.NewWebhookHandler(webuntis.WebhookConfig{
		KeyText: untis.WebhookKey(), // as the Untis Platform shows it
		Store: func(_ context.Context, c *webuntis.Credentials) error {
			mu.Lock()
			defer mu.Unlock()
			stored[c.TenantID] = c
			return nil
		},
		Check: untis.Config(),
	})
	require.NoError(t, err)
	app := httptest.NewServer(hook)
	defer app.Close()

	for range 2 { // Untis may send an event twice
		status, err := untis.SendCredentials(context.Background(), app.URL, webuntis.EventCreated)
		require.NoError(t, err)
		assert.Equal(t, http.StatusNoContent, status)
	}
	require.Len(t, stored, 1)
	c := stored["1234"]
	assert.Equal(t, untis.Tenant().ClientID, c.ClientID)
	assert.Equal(t, webuntis.EventCreated, c.EventType)
	assert.Equal(t, "Demo-Schule", c.Fields["schoolName"])
	assert.NotContains(t, c.Fields, "password")

	// The delivered password works for client credentials.
	cfg := c.Config()
	cfg.BaseURL, cfg.HTTPClient = untis.URL, untis.Client()
	p, err := webuntis.New(cfg)
	require.NoError(t, err)
	_, err = p.ClientCredentials(context.Background())
	require.NoError(t, err)

	tenant := untis.Tenant()
	providertest.Formatted(t, []any{c, *c}, tenant.ClientSecret, tenant.Password)
}

func TestWebhookRefuses(t *testing.T) {
	untis := webuntistest.NewServer(webuntistest.Options{})
	defer untis.Close()
	called := false
	h, err := webuntis.NewWebhookHandler(webuntis.WebhookConfig{
		KeyText: untis.WebhookKey(),
		Store:   func(context.Context, *webuntis.Credentials) error { called = true; return nil },
		Check:   untis.Config(),
	})
	require.NoError(t, err)

	good := untis.WebhookBody(webuntis.EventReset)
	tampered := bytes.Replace(good, []byte(`"RESET"`), []byte(`"RESET" `), 1)
	tests := []struct {
		name       string
		method     string
		body       []byte
		sig        string
		alg        string
		wantStatus int
	}{
		{"valid", http.MethodPost, good, untis.SignWebhook(good), "SHA256withRSA", http.StatusNoContent},
		{"older algorithm name", http.MethodPost, good, untis.SignWebhook(good), "SHA256", http.StatusNoContent},
		{"GET", http.MethodGet, nil, "", "", http.StatusMethodNotAllowed},
		{"no signature", http.MethodPost, good, "", "SHA256withRSA", http.StatusUnauthorized},
		{"signature not base64", http.MethodPost, good, "!!!", "SHA256withRSA", http.StatusUnauthorized},
		{"body changed after signing", http.MethodPost, tampered, untis.SignWebhook(good), "SHA256withRSA", http.StatusUnauthorized},
		{"unknown algorithm", http.MethodPost, good, untis.SignWebhook(good), "SHA1withRSA", http.StatusUnauthorized},
		{"no algorithm", http.MethodPost, good, untis.SignWebhook(good), "", http.StatusUnauthorized},
		{"signed but not JSON", http.MethodPost, []byte("x"), untis.SignWebhook([]byte("x")), "SHA256withRSA", http.StatusBadRequest},
		{"signed but no tenant", http.MethodPost, []byte(`{"clientId":"c","password":"p"}`), untis.SignWebhook([]byte(`{"clientId":"c","password":"p"}`)), "SHA256withRSA", http.StatusBadRequest},
		{"too large", http.MethodPost, bytes.Repeat([]byte("a"), 70<<10), "", "SHA256withRSA", http.StatusRequestEntityTooLarge},
		{"not JSON content type", http.MethodPost, good, untis.SignWebhook(good), "SHA256withRSA", http.StatusUnsupportedMediaType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			called = false
			req := httptest.NewRequest(tt.method, "/webhook", bytes.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/json; charset=utf-8")
			if tt.wantStatus == http.StatusUnsupportedMediaType {
				req.Header.Set("Content-Type", "text/plain")
			}
			if tt.sig != "" {
				req.Header.Set("Authorization", tt.sig)
			}
			if tt.alg != "" {
				req.Header.Set("Algorithm", tt.alg)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			assert.Equal(t, tt.wantStatus, rec.Code)
			assert.Equal(t, tt.wantStatus == http.StatusNoContent, called, "store runs only for a verified event")
			providertest.Text(t, "response", rec.Body.String(), untis.Tenant().Password, untis.Tenant().ClientSecret)
		})
	}
}

func TestWebhookStoreFailureAsksForRedelivery(t *testing.T) {
	untis := webuntistest.NewServer(webuntistest.Options{})
	defer untis.Close()
	hook, err := webuntis.NewWebhookHandler(webuntis.WebhookConfig{
		KeyText: untis.WebhookKey(),
		Store:   func(context.Context, *webuntis.Credentials) error { return assert.AnError },
		Check:   untis.Config(),
	})
	require.NoError(t, err)
	app := httptest.NewServer(hook)
	defer app.Close()
	status, err := untis.SendCredentials(context.Background(), app.URL, webuntis.EventCreated)
	require.NoError(t, err)
	assert.Equal(t, http.StatusInternalServerError, status)
}

// TestParseWebhookKey: the key as the Untis Platform shows it (base64 of
// the SubjectPublicKeyInfo, on one line or wrapped), in PEM (SPKI or
// PKCS #1), and with its line breaks written as \n all give the same key;
// anything else is an error wrapping ErrWebhookKey that says what the input
// is, and NewWebhookHandler's KeyText refuses it with a ConfigError.
func TestParseWebhookKey(t *testing.T) {
	untis := webuntistest.NewServer(webuntistest.Options{})
	defer untis.Close()
	b64 := untis.WebhookKey()
	want, err := webuntis.ParseWebhookKey(b64)
	require.NoError(t, err)
	der, err := base64.StdEncoding.DecodeString(b64)
	require.NoError(t, err)
	spkiPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	pkcs1PEM := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(want)}))

	for _, tc := range []struct{ name, in string }{
		{"base64 as the platform shows it", b64},
		{"base64 wrapped at 64", b64[:64] + "\n" + b64[64:128] + "\n" + b64[128:]},
		{"base64 with spaces around", "  " + b64 + "\n"},
		{"PEM", spkiPEM},
		{"PEM with CRLF", strings.ReplaceAll(spkiPEM, "\n", "\r\n")},
		{"PEM with literal \\n", strings.ReplaceAll(spkiPEM, "\n", `\n`)},
		{"PKCS #1 PEM", pkcs1PEM},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := webuntis.ParseWebhookKey(tc.in)
			require.NoError(t, err)
			assert.True(t, want.Equal(got), "the same key")
			_, err = webuntis.NewWebhookHandler(webuntis.WebhookConfig{KeyText: tc.in, Credentials: &webuntis.MemoryCredentialStore{}, SkipCredentialCheck: true})
			assert.NoError(t, err, "NewWebhookHandler takes it as KeyText")
		})
	}

	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	ecDER, err := x509.MarshalPKIXPublicKey(&ecKey.PublicKey)
	require.NoError(t, err)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	privDER, err := x509.MarshalPKCS8PrivateKey(rsaKey)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1, 0)}
	certDER, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &rsaKey.PublicKey, rsaKey)
	require.NoError(t, err)
	block := func(typ string, b []byte) string { return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b})) }

	for _, tc := range []struct{ name, in, says string }{
		{"empty", "", "is empty"},
		{"blank", " \n\t", "is empty"},
		{"garbage", "not a key!", "neither PEM"},
		{"base64 of garbage", "AAAA", "not of an X.509 SubjectPublicKeyInfo"},
		{"base64url", strings.NewReplacer("+", "-", "/", "_").Replace(b64) + "-_", "neither PEM"},
		{"truncated base64", b64[:100], "not of an X.509 SubjectPublicKeyInfo"},
		{"truncated base64, bad padding", b64[:101], "neither PEM"},
		{"truncated PEM", spkiPEM[:120], "not a complete PEM block"},
		{"ECDSA key", base64.StdEncoding.EncodeToString(ecDER), "ECDSA key, not RSA"},
		{"ECDSA key in PEM", block("PUBLIC KEY", ecDER), "ECDSA key, not RSA"},
		{"private key", block("PRIVATE KEY", privDER), "private key"},
		{"private key in base64", base64.StdEncoding.EncodeToString(privDER), "private key"},
		{"certificate", block("CERTIFICATE", certDER), "certificate"},
		{"certificate in base64", base64.StdEncoding.EncodeToString(certDER), "certificate"},
		{"other PEM block", block("OPENSSH PUBLIC KEY", der), "not PUBLIC KEY"},
		{"PUBLIC KEY PEM of garbage", block("PUBLIC KEY", []byte("garbage")), "not an X.509 SubjectPublicKeyInfo"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := webuntis.ParseWebhookKey(tc.in)
			require.ErrorIs(t, err, webuntis.ErrWebhookKey)
			assert.Contains(t, err.Error(), tc.says)
			_, err = webuntis.NewWebhookHandler(webuntis.WebhookConfig{KeyText: tc.in, Credentials: &webuntis.MemoryCredentialStore{}, SkipCredentialCheck: true})
			var ce *oauthkit.ConfigError
			require.ErrorAs(t, err, &ce)
			if tc.in == "" {
				assert.Equal(t, "Key", ce.Field, "no key at all")
				return
			}
			assert.Equal(t, "KeyText", ce.Field)
			assert.Contains(t, ce.Reason, tc.says)
		})
	}

	_, err = webuntis.NewWebhookHandler(webuntis.WebhookConfig{KeyText: b64, Key: want, Credentials: &webuntis.MemoryCredentialStore{}, SkipCredentialCheck: true})
	var ce *oauthkit.ConfigError
	require.ErrorAs(t, err, &ce, "KeyText and Key together")
	assert.Equal(t, "KeyText", ce.Field)
}

func TestParseWebhookBody(t *testing.T) {
	c, err := webuntis.ParseWebhookBody([]byte(`{"tenantId":1600,"clientId":"BestApp","password":"pw","eventType":"REACTIVATED"}`))
	require.NoError(t, err)
	assert.Equal(t, "1600", c.TenantID, "a numeric tenantId is read as its digits")
	assert.Equal(t, "pw", c.Password.Reveal())
	for _, bad := range []string{`{"tenantId":1.5,"clientId":"c","password":"p"}`, `{"tenantId":"1","clientId":["c"],"password":"p"}`, `{"tenantId":"1","clientId":"c"}`, `[]`, `null`} {
		_, err := webuntis.ParseWebhookBody([]byte(bad))
		assert.Error(t, err, bad)
	}
}

func FuzzParseWebhookBody(f *testing.F) {
	f.Add([]byte(`{"tenantId":"1234","clientId":"c","secret":"s","password":"p","host":"h","eventType":"CREATED"}`))
	f.Add([]byte(`{"tenantId":1600,"clientId":"c","password":"p"}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"tenantId":null}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		c, err := webuntis.ParseWebhookBody(body)
		if err != nil {
			return
		}
		if c.TenantID == "" || c.ClientID == "" || (c.Secret == "" && c.Password == "") {
			t.Fatal("accepted an event without tenant, client or credential")
		}
		if _, ok := c.Fields["password"]; ok {
			t.Fatal("password left in Fields")
		}
		if strings.Contains(string(mustJSON(c.Fields)), `"secret"`) {
			t.Fatal("secret left in Fields")
		}
	})
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// hookHarness is a fake, a Tenants on a memory store, and the webhook
// handler that feeds it, served over HTTP.
type hookHarness struct {
	untis   *webuntistest.Server
	store   *countingStore
	tenants *webuntis.Tenants
	url     string
}

// countingStore counts Puts and can be made to fail them.
type countingStore struct {
	webuntis.CredentialStore
	puts atomic.Int32
	fail atomic.Bool
}

func (s *countingStore) Put(ctx context.Context, c *webuntis.Credentials) (uint64, error) {
	if s.fail.Load() {
		return 0, errors.New("disk full")
	}
	s.puts.Add(1)
	return s.CredentialStore.Put(ctx, c)
}

// Len returns the number of tenants of a memory store.
func (s *countingStore) Len() int { return s.CredentialStore.(*webuntis.MemoryCredentialStore).Len() }

// newHookHarness returns the harness; a store, if given, is the one the
// counting store passes on to (default: memory).
func newHookHarness(t *testing.T, mutate func(*webuntis.WebhookConfig), store ...webuntis.CredentialStore) *hookHarness {
	t.Helper()
	untis := webuntistest.NewServer(webuntistest.Options{})
	t.Cleanup(untis.Close)
	key, err := webuntis.ParseWebhookKey(untis.WebhookKey())
	require.NoError(t, err)
	h := &hookHarness{untis: untis, store: &countingStore{CredentialStore: &webuntis.MemoryCredentialStore{}}}
	if len(store) > 0 {
		h.store.CredentialStore = store[0]
	}
	h.tenants, err = webuntis.NewTenants(webuntis.TenantsConfig{
		Credentials: h.store,
		Config:      webuntis.Config{BaseURL: untis.URL, HTTPClient: untis.Client()},
	})
	require.NoError(t, err)
	cfg := webuntis.WebhookConfig{Key: key, Credentials: h.tenants}
	if mutate != nil {
		mutate(&cfg)
	}
	handler, err := webuntis.NewWebhookHandler(cfg)
	require.NoError(t, err)
	app := httptest.NewServer(handler)
	t.Cleanup(app.Close)
	h.url = app.URL
	return h
}

func (h *hookHarness) send(t *testing.T, body []byte) int {
	t.Helper()
	status, err := h.untis.SendWebhook(context.Background(), h.url, body)
	require.NoError(t, err)
	return status
}

// TestWebhookStoresCheckedCredentials: a valid event is checked with one
// client-credentials request and stored; the token that request got serves
// the tenant's first call.
func TestWebhookStoresCheckedCredentials(t *testing.T) {
	h := newHookHarness(t, nil)
	ctx := context.Background()
	tenant := h.untis.Tenant()
	body, _ := h.untis.TenantWebhookBody(tenant.ID, webuntis.EventCreated)
	assert.Equal(t, http.StatusNoContent, h.send(t, body))
	assert.Equal(t, 1, h.untis.Requests(webuntistest.EndpointToken), "one live check")

	got, err := h.tenants.Get(ctx, tenant.ID)
	require.NoError(t, err)
	assert.Equal(t, tenant.ClientID, got.ClientID)
	assert.True(t, got.Password.Reveal() == tenant.Password, "the stored password is the one sent")

	src, err := h.tenants.TokenSource(ctx, tenant.ID)
	require.NoError(t, err)
	_, err = src.Token()
	require.NoError(t, err)
	assert.Equal(t, 1, h.untis.Requests(webuntistest.EndpointToken), "the check's token is reused")
}

// TestWebhookExactReplayIsIdempotent: the same event sent again is
// acknowledged without being checked or stored again.
func TestWebhookExactReplayIsIdempotent(t *testing.T) {
	h := newHookHarness(t, nil)
	body := h.untis.WebhookBody(webuntis.EventCreated)
	for range 3 {
		assert.Equal(t, http.StatusNoContent, h.send(t, body))
	}
	assert.EqualValues(t, 1, h.store.puts.Load(), "stored once")
	assert.Equal(t, 1, h.untis.Requests(webuntistest.EndpointToken), "checked once")
}

// TestWebhookRefusesReplayedOlderReset: an old RESET replayed after a newer
// one carries a password that no longer works: 409, the newer one kept.
// With the check switched off the same replay would roll the tenant back,
// which is why the check is on by default.
func TestWebhookRefusesReplayedOlderReset(t *testing.T) {
	for _, skip := range []bool{false, true} {
		t.Run(fmt.Sprintf("SkipCredentialCheck=%v", skip), func(t *testing.T) {
			h := newHookHarness(t, func(c *webuntis.WebhookConfig) { c.SkipCredentialCheck = skip })
			id := h.untis.Tenant().ID
			older, _ := h.untis.TenantWebhookBody(id, webuntis.EventReset)
			require.Equal(t, http.StatusNoContent, h.send(t, older))
			newer, _ := h.untis.ResetPassword(id)
			body, _ := h.untis.TenantWebhookBody(id, webuntis.EventReset)
			require.Equal(t, http.StatusNoContent, h.send(t, body))

			status := h.send(t, older) // a replay, validly signed
			got, err := h.tenants.Get(context.Background(), id)
			require.NoError(t, err)
			if skip {
				assert.Equal(t, http.StatusNoContent, status)
				assert.False(t, got.Password.Reveal() == newer.Password, "without the check, the replay rolls back")
				return
			}
			assert.Equal(t, http.StatusConflict, status)
			assert.True(t, got.Password.Reveal() == newer.Password, "the newer password is kept")
			assert.EqualValues(t, 2, h.store.puts.Load())
		})
	}
}

// TestWebhookRefusalsStoreNothing: every refused request is a 4xx and
// leaves the store empty.
func TestWebhookRefusalsStoreNothing(t *testing.T) {
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	h := newHookHarness(t, nil)
	wrongKey := newHookHarness(t, func(c *webuntis.WebhookConfig) { c.Key = &other.PublicKey })
	good := h.untis.WebhookBody(webuntis.EventCreated)
	flipped := bytes.Clone(good)
	flipped[len(flipped)/2] ^= 1
	post := func(url string, body []byte, header map[string]string) int {
		req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Algorithm", "SHA256withRSA")
		req.Header.Set("Authorization", h.untis.SignWebhook(good))
		for k, v := range header {
			if v == "" {
				req.Header.Del(k)
			} else {
				req.Header.Set(k, v)
			}
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, tc := range []struct {
		name   string
		url    string
		body   []byte
		header map[string]string
		want   int
	}{
		{"flipped body byte", h.url, flipped, nil, http.StatusUnauthorized},
		{"wrong key", wrongKey.url, good, nil, http.StatusUnauthorized},
		{"missing Authorization", h.url, good, map[string]string{"Authorization": ""}, http.StatusUnauthorized},
		{"missing Algorithm", h.url, good, map[string]string{"Algorithm": ""}, http.StatusUnauthorized},
		{"SHA1withRSA", h.url, good, map[string]string{"Algorithm": "SHA1withRSA"}, http.StatusUnauthorized},
		{"oversize body", h.url, append(bytes.Repeat([]byte(" "), 64<<10), good...), nil, http.StatusRequestEntityTooLarge},
		{"text/plain", h.url, good, map[string]string{"Content-Type": "text/plain"}, http.StatusUnsupportedMediaType},
		{"form", h.url, good, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, http.StatusUnsupportedMediaType},
		{"no Content-Type", h.url, good, map[string]string{"Content-Type": ""}, http.StatusUnsupportedMediaType},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, post(tc.url, tc.body, tc.header))
		})
	}
	assert.Zero(t, h.store.Len()+wrongKey.store.Len(), "nothing stored")
	assert.Zero(t, h.untis.Requests(webuntistest.EndpointToken)+wrongKey.untis.Requests(webuntistest.EndpointToken), "nothing checked")
}

// TestWebhookStoreFailureKeepsOldCredentials: a failing store answers 500,
// so that Untis sends the event again, and the tenant keeps its previous
// credentials, provider and token; the redelivery then goes through.
func TestWebhookStoreFailureKeepsOldCredentials(t *testing.T) {
	h := newHookHarness(t, nil)
	ctx := context.Background()
	id := h.untis.Tenant().ID
	require.Equal(t, http.StatusNoContent, h.send(t, h.untis.WebhookBody(webuntis.EventCreated)))
	before, err := h.tenants.Provider(ctx, id)
	require.NoError(t, err)
	old := h.untis.Tenant().Password

	h.untis.ResetPassword(id)
	reset, _ := h.untis.TenantWebhookBody(id, webuntis.EventReset)
	h.store.fail.Store(true)
	assert.Equal(t, http.StatusInternalServerError, h.send(t, reset))
	got, err := h.tenants.Get(ctx, id)
	require.NoError(t, err)
	assert.True(t, got.Password.Reveal() == old, "the previous password is kept whole")
	after, err := h.tenants.Provider(ctx, id)
	require.NoError(t, err)
	assert.Same(t, before, after, "the provider was not dropped")

	h.store.fail.Store(false)
	assert.Equal(t, http.StatusNoContent, h.send(t, reset), "the redelivery is stored")
	got, err = h.tenants.Get(ctx, id)
	require.NoError(t, err)
	assert.False(t, got.Password.Reveal() == old)
}

// TestWebhookCheckUnreachableAsksForRedelivery: when the token endpoint
// cannot be reached the event is neither refused for good nor stored: 503.
func TestWebhookCheckUnreachableAsksForRedelivery(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	h := newHookHarness(t, func(c *webuntis.WebhookConfig) {
		c.Credentials = &webuntis.MemoryCredentialStore{}
		c.Check = webuntis.Config{BaseURL: deadURL, Timeout: time.Second}
	})
	assert.Equal(t, http.StatusServiceUnavailable, h.send(t, h.untis.WebhookBody(webuntis.EventCreated)))
}

// TestWebhookResetInvalidatesCachedTokens: after a RESET the tenant's
// provider is replaced and the old credentials' cached token is gone, so no
// call goes out with it.
func TestWebhookResetInvalidatesCachedTokens(t *testing.T) {
	h := newHookHarness(t, nil)
	ctx := context.Background()
	id := h.untis.Tenant().ID
	require.Equal(t, http.StatusNoContent, h.send(t, h.untis.WebhookBody(webuntis.EventCreated)))
	old, err := h.tenants.Provider(ctx, id)
	require.NoError(t, err)
	before, err := old.Token(ctx) // cached by the check
	require.NoError(t, err)

	h.untis.ResetPassword(id)
	reset, _ := h.untis.TenantWebhookBody(id, webuntis.EventReset)
	require.Equal(t, http.StatusNoContent, h.send(t, reset))
	requests := h.untis.Requests(webuntistest.EndpointToken)

	after, err := old.Token(ctx)
	require.NoError(t, err, "the old provider follows the stored credentials")
	assert.False(t, after.AccessToken == before.AccessToken, "the old credentials' token was dropped")
	assert.Equal(t, requests+2, h.untis.Requests(webuntistest.EndpointToken), "the old password asked once, refused, then the stored one")
	p, err := h.tenants.Provider(ctx, id)
	require.NoError(t, err)
	assert.NotSame(t, old, p, "a new provider for the new credentials")
	_, err = p.Token(ctx)
	require.NoError(t, err)
}

// TestNewWebhookHandlerNeedsOneStore: Credentials or Store, not both.
func TestNewWebhookHandlerNeedsOneStore(t *testing.T) {
	untis := webuntistest.NewServer(webuntistest.Options{})
	defer untis.Close()
	key, _ := webuntis.ParseWebhookKey(untis.WebhookKey())
	var ce *oauthkit.ConfigError
	_, err := webuntis.NewWebhookHandler(webuntis.WebhookConfig{Key: key})
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "Credentials", ce.Field)
	_, err = webuntis.NewWebhookHandler(webuntis.WebhookConfig{Key: key, Credentials: &webuntis.MemoryCredentialStore{}, Store: func(context.Context, *webuntis.Credentials) error { return nil }})
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "Store", ce.Field)
	_, err = webuntis.NewWebhookHandler(webuntis.WebhookConfig{Key: key, Credentials: &webuntis.MemoryCredentialStore{}, Check: webuntis.Config{BaseURL: "http://example.com"}})
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "Check.BaseURL", ce.Field)
}

// TestVerifyWebhookSaysWhatIsWrong: every refused signature is
// ErrWebhookSignature, but only a wrong one says "does not verify"; one
// that cannot be a signature (missing, not base64, the wrong length) is
// ErrMalformedWebhookSignature too, and an unknown algorithm says so.
func TestVerifyWebhookSaysWhatIsWrong(t *testing.T) {
	untis := webuntistest.NewServer(webuntistest.Options{})
	defer untis.Close()
	key, err := webuntis.ParseWebhookKey(untis.WebhookKey())
	require.NoError(t, err)
	body := untis.WebhookBody(webuntis.EventReset)
	for _, tc := range []struct {
		name, sig, alg string
		malformed      bool
		says           string
	}{
		{"no signature", "", "SHA256withRSA", true, "no Authorization header"},
		{"not base64", "!!!", "SHA256withRSA", true, "not base64"},
		{"too short", "AAAA", "SHA256withRSA", true, "decodes to 3 bytes; a SHA256withRSA signature with this key has 256"},
		{"wrong", untis.SignWebhook(append(bytes.Clone(body), ' ')), "SHA256withRSA", false, "signature does not verify"},
		{"unknown algorithm", untis.SignWebhook(body), "SHA1withRSA", false, `unknown signature algorithm "SHA1withRSA"`},
		{"no algorithm", untis.SignWebhook(body), "", false, "no Algorithm header"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			h.Set("Authorization", tc.sig)
			h.Set("Algorithm", tc.alg)
			_, err := webuntis.VerifyWebhook(key, h, body)
			require.ErrorIs(t, err, webuntis.ErrWebhookSignature)
			assert.Equal(t, tc.malformed, errors.Is(err, webuntis.ErrMalformedWebhookSignature))
			assert.Contains(t, err.Error(), tc.says)
			if tc.name != "wrong" {
				assert.NotContains(t, err.Error(), "does not verify")
			}
		})
	}
}
