package webuntis

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/observe"
)

// The credentials webhook (docs/vendors/webuntis.md#credentials-webhook,
// docs/vendors/webuntis.md#webhook-signature): Untis POSTs a platform
// application's credentials as JSON, signed with RSA over the raw body; the
// signature is base64 in the Authorization header and the Algorithm header
// names it.

// Event types of the credentials webhook.
const (
	EventCreated     = "CREATED"
	EventReactivated = "REACTIVATED"
	EventReset       = "RESET"
)

// maxWebhookBody bounds a webhook body: a few short fields.
const maxWebhookBody = 64 << 10

// ErrWebhookSignature is returned for a webhook whose signature is missing,
// malformed, made with an unknown algorithm, or does not verify.
var ErrWebhookSignature = errors.New("webuntis: webhook: signature does not verify")

// Credentials are one credentials-webhook event: a tenant's platform
// application was created, reactivated or had its credentials reset. Secret
// and Password are [oauthkit.Secret] and never print.
type Credentials struct {
	TenantID  string          // the school's tenantId
	ClientID  string          // the OIDC client id
	Secret    oauthkit.Secret // the OIDC client secret (code flow)
	Password  oauthkit.Secret // the platform password (client credentials)
	Host      string          // as sent; the documents do not say what it names, so it is not used
	EventType string          // EventCreated, EventReactivated or EventReset; others are passed on as sent

	// Fields holds the descriptive fields of the event, everything but the
	// two credentials, as sent.
	Fields map[string]any
}

// Config returns the credentials as a Config for the tenant: Tenant,
// ClientID, ClientSecret and Password. Set BaseURL, RedirectURL and the rest
// yourself.
func (c *Credentials) Config() Config {
	return Config{Tenant: c.TenantID, ClientID: c.ClientID, ClientSecret: c.Secret, Password: c.Password}
}

// LogValue implements [slog.LogValuer] without the credentials. Its value
// receiver makes a Credentials value log the same as a pointer.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(slog.String("tenant", c.TenantID), slog.String("client_id", c.ClientID), slog.String("event", c.EventType))
}

// ParseWebhookKey parses the RSA public key Untis publishes for an
// environment: base64 of an X.509 SubjectPublicKeyInfo (PEM armour, if
// present, is accepted too).
func ParseWebhookKey(encoded string) (*rsa.PublicKey, error) {
	s := strings.TrimSpace(encoded)
	s = strings.TrimPrefix(s, "-----BEGIN PUBLIC KEY-----")
	s = strings.TrimSuffix(s, "-----END PUBLIC KEY-----")
	s = strings.Join(strings.Fields(s), "")
	der, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("webuntis: webhook key is not base64: %w", err)
	}
	key, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("webuntis: webhook key is not an X.509 SubjectPublicKeyInfo: %w", err)
	}
	pub, ok := key.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("webuntis: webhook key is a %T, not RSA", key)
	}
	return pub, nil
}

// VerifyWebhook checks the signature of a webhook body and parses it. The
// signature is verified over the raw bytes before anything in them is read.
func VerifyWebhook(key *rsa.PublicKey, header http.Header, body []byte) (*Credentials, error) {
	switch alg := header.Get("Algorithm"); alg {
	case "SHA256withRSA", "SHA256": // older senders write "SHA256"
	default:
		return nil, fmt.Errorf("%w: unknown algorithm %q", ErrWebhookSignature, alg)
	}
	sig, err := decodeSignature(header.Get("Authorization"))
	if err != nil {
		return nil, err
	}
	digest := sha256.Sum256(body)
	if err := rsa.VerifyPKCS1v15(key, crypto.SHA256, digest[:], sig); err != nil {
		return nil, ErrWebhookSignature
	}
	return ParseWebhookBody(body)
}

func decodeSignature(v string) ([]byte, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, fmt.Errorf("%w: no Authorization header", ErrWebhookSignature)
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if sig, err := enc.DecodeString(v); err == nil {
			return sig, nil
		}
	}
	return nil, fmt.Errorf("%w: Authorization header is not base64", ErrWebhookSignature)
}

// ParseWebhookBody parses a webhook body whose signature has been verified.
// tenantId may be a JSON number or string; tenantId, clientId and at least
// one credential are required.
func ParseWebhookBody(body []byte) (*Credentials, error) {
	var fields map[string]any
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.UseNumber()
	if err := dec.Decode(&fields); err != nil || fields == nil {
		return nil, errors.New("webuntis: webhook: body is not a JSON object")
	}
	str := func(k string) (string, error) {
		switch v := fields[k].(type) {
		case nil:
			return "", nil
		case string:
			return v, nil
		case json.Number:
			if _, err := strconv.ParseInt(v.String(), 10, 64); err == nil {
				return v.String(), nil
			}
		}
		return "", fmt.Errorf("webuntis: webhook: field %s is not a string", k)
	}
	c := &Credentials{}
	var err error
	for _, f := range []struct {
		key string
		dst *string
	}{{"tenantId", &c.TenantID}, {"clientId", &c.ClientID}, {"host", &c.Host}, {"eventType", &c.EventType}} {
		if *f.dst, err = str(f.key); err != nil {
			return nil, err
		}
	}
	secret, err := str("secret")
	if err != nil {
		return nil, err
	}
	password, err := str("password")
	if err != nil {
		return nil, err
	}
	c.Secret, c.Password = oauthkit.Secret(secret), oauthkit.Secret(password)
	delete(fields, "secret")
	delete(fields, "password")
	c.Fields = fields
	switch {
	case c.TenantID == "":
		return nil, errors.New("webuntis: webhook: tenantId is missing")
	case c.ClientID == "":
		return nil, errors.New("webuntis: webhook: clientId is missing")
	case c.Secret == "" && c.Password == "":
		return nil, errors.New("webuntis: webhook: neither secret nor password is set")
	}
	return c, nil
}

// WebhookHandler returns the HTTP handler for the credentials webhook. It
// accepts only a POST whose signature verifies against key, parses the
// credentials and passes them to store. store must be idempotent: Untis may
// send the same event more than once. When store fails, the handler answers
// 500 so that Untis sends the event again; when it succeeds, 204.
//
// Serve it over HTTPS only: the body carries both credentials. For a handler
// that logs and counts its requests, see [NewWebhookHandler].
func WebhookHandler(key *rsa.PublicKey, store func(ctx context.Context, c *Credentials) error) http.Handler {
	return &webhookHandler{key: key, store: store}
}

// WebhookConfig configures the credentials webhook's handler
// ([NewWebhookHandler]).
type WebhookConfig struct {
	// Key is the RSA public key Untis signs the webhook with
	// ([ParseWebhookKey]). Required.
	Key *rsa.PublicKey

	// Store receives the credentials of each verified event. It must be
	// idempotent: Untis may send the same event more than once. Required.
	Store func(ctx context.Context, c *Credentials) error

	// Logger gets one debug-level record per webhook request: outcome,
	// status and, for a verified event, its type and tenant id. No record
	// holds a credential. Zero: no records.
	Logger *slog.Logger

	// Metrics gets the same events ([oauthkit.Metrics.Webhook]).
	// NewWebhookHandler keeps a copy. Zero: none.
	Metrics *oauthkit.Metrics
}

// NewWebhookHandler validates cfg and returns the handler of
// [WebhookHandler] that also reports each request to cfg.Logger and
// cfg.Metrics.
func NewWebhookHandler(cfg WebhookConfig) (http.Handler, error) {
	switch {
	case cfg.Key == nil:
		return nil, &oauthkit.ConfigError{Provider: name, Field: "Key", Reason: "is required"}
	case cfg.Store == nil:
		return nil, &oauthkit.ConfigError{Provider: name, Field: "Store", Reason: "is required"}
	}
	return &webhookHandler{key: cfg.Key, store: cfg.Store, obs: observe.New(name, cfg.Logger, cfg.Metrics)}, nil
}

type webhookHandler struct {
	key   *rsa.PublicKey
	store func(ctx context.Context, c *Credentials) error
	obs   *observe.Observer // nil: nothing reported
}

func (h *webhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	info, err := h.serve(w, r)
	h.obs.Webhook(r.Context(), info, err)
}

// serve answers one request and describes it: the outcome, the status it
// answered, the verified event's type and tenant, and why it was refused.
func (h *webhookHandler) serve(w http.ResponseWriter, r *http.Request) (oauthkit.WebhookInfo, error) {
	refuse := func(status int, outcome oauthkit.Outcome, text string, err error) (oauthkit.WebhookInfo, error) {
		http.Error(w, text, status)
		return oauthkit.WebhookInfo{Outcome: outcome, StatusCode: status}, err
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return refuse(http.StatusMethodNotAllowed, oauthkit.OutcomeBadRequest, "method not allowed", nil)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxWebhookBody+1))
	if err != nil {
		return refuse(http.StatusBadRequest, oauthkit.OutcomeBadRequest, "cannot read body", err)
	}
	if len(body) > maxWebhookBody {
		return refuse(http.StatusRequestEntityTooLarge, oauthkit.OutcomeBadRequest, "body too large", nil)
	}
	c, err := VerifyWebhook(h.key, r.Header, body)
	switch {
	case errors.Is(err, ErrWebhookSignature):
		return refuse(http.StatusUnauthorized, oauthkit.OutcomeBadSignature, "signature does not verify", err)
	case err != nil:
		return refuse(http.StatusBadRequest, oauthkit.OutcomeBadRequest, err.Error(), err)
	}
	if err := h.store(r.Context(), c); err != nil {
		// The store's error is the application's: it is not logged here,
		// where it might carry the credentials it failed to store.
		info, _ := refuse(http.StatusInternalServerError, oauthkit.OutcomeStoreFailed, "could not store the credentials", nil)
		info.EventType, info.Tenant = c.EventType, c.TenantID
		return info, nil
	}
	w.WriteHeader(http.StatusNoContent)
	return oauthkit.WebhookInfo{Outcome: oauthkit.OutcomeOK, StatusCode: http.StatusNoContent, EventType: c.EventType, Tenant: c.TenantID}, nil
}
