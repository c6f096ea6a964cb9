package webuntis_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis/webuntistest"
)

func TestWebhookDeliversWorkingCredentials(t *testing.T) {
	untis := webuntistest.NewServer(webuntistest.Options{})
	defer untis.Close()
	key, err := webuntis.ParseWebhookKey(untis.WebhookKey())
	require.NoError(t, err)

	var mu sync.Mutex
	stored := map[string]*webuntis.Credentials{} // idempotent: keyed by tenant
	app := httptest.NewServer(webuntis.WebhookHandler(key, func(_ context.Context, c *webuntis.Credentials) error {
		mu.Lock()
		defer mu.Unlock()
		stored[c.TenantID] = c
		return nil
	}))
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
	key, err := webuntis.ParseWebhookKey(untis.WebhookKey())
	require.NoError(t, err)
	called := false
	h := webuntis.WebhookHandler(key, func(context.Context, *webuntis.Credentials) error { called = true; return nil })

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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			called = false
			req := httptest.NewRequest(tt.method, "/webhook", bytes.NewReader(tt.body))
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
	key, _ := webuntis.ParseWebhookKey(untis.WebhookKey())
	app := httptest.NewServer(webuntis.WebhookHandler(key, func(context.Context, *webuntis.Credentials) error {
		return assert.AnError
	}))
	defer app.Close()
	status, err := untis.SendCredentials(context.Background(), app.URL, webuntis.EventCreated)
	require.NoError(t, err)
	assert.Equal(t, http.StatusInternalServerError, status)
}

func TestParseWebhookKey(t *testing.T) {
	untis := webuntistest.NewServer(webuntistest.Options{})
	defer untis.Close()
	b64 := untis.WebhookKey()
	pem := "-----BEGIN PUBLIC KEY-----\n" + b64[:64] + "\n" + b64[64:] + "\n-----END PUBLIC KEY-----\n"
	for _, in := range []string{b64, pem} {
		_, err := webuntis.ParseWebhookKey(in)
		assert.NoError(t, err)
	}
	for _, bad := range []string{"", "not base64!", "AAAA"} {
		_, err := webuntis.ParseWebhookKey(bad)
		assert.Error(t, err, bad)
	}
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
