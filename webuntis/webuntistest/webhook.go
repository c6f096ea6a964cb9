package webuntistest

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"

	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
)

// The fake plays Untis' side of the credentials webhook too
// (docs/vendors/webuntis.md#credentials-webhook): a JSON body with tenantId,
// clientId, secret, password, host, eventType and descriptive fields, signed
// SHA256withRSA over the raw bytes, the base64 signature in the Authorization
// header.

var (
	webhookOnce sync.Once
	webhookKey  *fakeidp.Key
)

func webhookSigner() *fakeidp.Key {
	webhookOnce.Do(func() { webhookKey = fakeidp.NewKey("webhook") })
	return webhookKey
}

// WebhookKey returns the public key webhooks are signed with, encoded as
// Untis publishes its keys: base64 of an X.509 SubjectPublicKeyInfo.
func (s *Server) WebhookKey() string {
	der, err := x509.MarshalPKIXPublicKey(&webhookSigner().Private.PublicKey)
	if err != nil {
		panic("webuntistest: marshal webhook key: " + err.Error())
	}
	return base64.StdEncoding.EncodeToString(der)
}

// SignWebhook returns the base64 SHA256withRSA signature of body.
func (s *Server) SignWebhook(body []byte) string {
	digest := sha256.Sum256(body)
	sig, err := rsa.SignPKCS1v15(nil, webhookSigner().Private, crypto.SHA256, digest[:])
	if err != nil {
		panic("webuntistest: sign webhook: " + err.Error())
	}
	return base64.StdEncoding.EncodeToString(sig)
}

// WebhookBody returns the JSON body of a credentials event for the first
// tenant.
func (s *Server) WebhookBody(eventType string) []byte {
	body, _ := s.TenantWebhookBody(s.Tenant().ID, eventType)
	return body
}

// TenantWebhookBody returns the JSON body of a credentials event for the
// tenant with its current credentials, and false for an unknown tenant.
func (s *Server) TenantWebhookBody(tenant, eventType string) ([]byte, bool) {
	t, ok := s.TenantByID(tenant)
	if !ok {
		return nil, false
	}
	body, _ := json.Marshal(map[string]any{
		"tenantId":        t.ID,
		"clientId":        t.ClientID,
		"secret":          t.ClientSecret,
		"password":        t.Password,
		"host":            s.URL,
		"eventType":       eventType,
		"schoolName":      "Demo-Schule",
		"applicationName": "oauthkit demo",
	})
	return body, true
}

// SendCredentials posts a signed credentials event for the first tenant to
// url, as Untis does, and returns the status the receiver answered.
func (s *Server) SendCredentials(ctx context.Context, url, eventType string) (int, error) {
	return s.SendTenantCredentials(ctx, url, s.Tenant().ID, eventType)
}

// SendTenantCredentials posts a signed credentials event with the tenant's
// current credentials to url, as Untis does, and returns the status the
// receiver answered.
func (s *Server) SendTenantCredentials(ctx context.Context, url, tenant, eventType string) (int, error) {
	body, ok := s.TenantWebhookBody(tenant, eventType)
	if !ok {
		return 0, fmt.Errorf("webuntistest: send credentials: unknown tenant %q", tenant)
	}
	return s.SendWebhook(ctx, url, body)
}

// SendWebhook posts body, signed, to url, as Untis does, and returns the
// status the receiver answered: to replay an event captured with
// [Server.TenantWebhookBody].
func (s *Server) SendWebhook(ctx context.Context, url string, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Algorithm", "SHA256withRSA")
	req.Header.Set("Authorization", s.SignWebhook(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("webuntistest: send credentials: %w", err)
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
