package webuntis

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/observe"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
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
// malformed, made with an unknown algorithm, or does not verify. Only the
// last says "signature does not verify": the others say what is wrong.
var ErrWebhookSignature = errors.New("webuntis: webhook: signature does not verify")

// ErrMalformedWebhookSignature is returned, with [ErrWebhookSignature],
// for a signature that cannot be one: no Authorization header, a value
// that is not base64, or one that is not as long as a signature made with
// the key (a truncated or wrong header, rather than a wrong key or body).
var ErrMalformedWebhookSignature = errors.New("webuntis: webhook: malformed signature")

// signatureError is a refused signature that is not simply wrong: it is
// [ErrWebhookSignature], and kind when set, and says why.
type signatureError struct {
	kind   error // ErrMalformedWebhookSignature, or nil
	reason string
}

func (e *signatureError) Error() string { return "webuntis: webhook: " + e.reason }

func (e *signatureError) Is(target error) bool {
	return target == ErrWebhookSignature || (e.kind != nil && target == e.kind)
}

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

	// Revision is the record's revision in the [CredentialStore] it was
	// read from (set by Get), which a Put of these credentials expects to
	// replace; 0 for an event not read from a store.
	Revision uint64
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

// VerifyWebhook checks the signature of a webhook body and parses it. The
// signature is verified over the raw bytes before anything in them is read.
// Every refusal of the signature is [ErrWebhookSignature]; one that cannot
// be a signature at all is also [ErrMalformedWebhookSignature].
func VerifyWebhook(key *rsa.PublicKey, header http.Header, body []byte) (*Credentials, error) {
	switch alg := header.Get("Algorithm"); alg {
	case "SHA256withRSA", "SHA256": // older senders write "SHA256"
	case "":
		return nil, &signatureError{reason: "no Algorithm header (want SHA256withRSA)"}
	default:
		return nil, &signatureError{reason: fmt.Sprintf("unknown signature algorithm %q (want SHA256withRSA)", bounded(alg, 40))}
	}
	sig, err := decodeSignature(header.Get("Authorization"))
	if err != nil {
		return nil, err
	}
	if len(sig) != key.Size() {
		return nil, &signatureError{ErrMalformedWebhookSignature, fmt.Sprintf(
			"malformed signature: the Authorization header decodes to %d bytes; a SHA256withRSA signature with this key has %d", len(sig), key.Size())}
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
		return nil, &signatureError{ErrMalformedWebhookSignature, "malformed signature: no Authorization header"}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if sig, err := enc.DecodeString(v); err == nil {
			return sig, nil
		}
	}
	return nil, &signatureError{ErrMalformedWebhookSignature, "malformed signature: the Authorization header is not base64"}
}

// bounded cuts s to at most n bytes, for an error quoting what a sender
// wrote.
func bounded(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
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

// WebhookConfig configures the credentials webhook's handler
// ([NewWebhookHandler]).
type WebhookConfig struct {
	// KeyText is the Untis Platform public key of the environment the
	// events come from, as text: base64 of its X.509
	// SubjectPublicKeyInfo exactly as the platform shows it, or PEM
	// ([ParseWebhookKey] lists the forms). One of KeyText and Key is
	// required, not both.
	KeyText string

	// Key is the same key, already parsed ([ParseWebhookKey]).
	Key *rsa.PublicKey

	// Credentials keeps the credentials of each verified event: pass a
	// [*Tenants] so that reset credentials also drop the tenant's provider
	// and cached tokens. The handler answers an event whose credentials it
	// already holds with 204 without storing them again (Untis may send an
	// event more than once), and a failed Put with 500, so that Untis sends
	// it again. One of Credentials and Store is required, not both.
	Credentials CredentialStore

	// Store receives the credentials of each verified (and checked) event,
	// for an application that keeps them its own way. It must be
	// idempotent: Untis may send the same event more than once.
	Store func(ctx context.Context, c *Credentials) error

	// Check is the configuration the live credentials check runs with:
	// BaseURL, HTTPClient, Timeout, BasicEncoding, Now and Cache (where the
	// token it gets is kept, for the tenant's first API call). Tenant,
	// ClientID and the credentials come from the event. Zero (no BaseURL
	// and no HTTPClient): the Config of the [*Tenants] in Credentials, if
	// it is one, else DefaultBaseURL and the defaults.
	Check Config

	// SkipCredentialCheck turns off the live check. With it on (the
	// default), a verified event with a password is stored only after a
	// client-credentials request with that password succeeds: an old RESET
	// replayed after a newer one carries a password that no longer works,
	// and is refused with 409 Conflict, nothing stored. When the token
	// endpoint cannot be reached, the handler answers 503 so that Untis
	// sends the event again. An event with only the OIDC secret is not
	// checked (no request proves a client secret without a user).
	SkipCredentialCheck bool

	// Logger gets one debug-level record per webhook request: outcome,
	// status and, for a verified event, its type and tenant id. No record
	// holds a credential. Zero: no records.
	Logger *slog.Logger

	// OnUnreadable, if set, is called when the tenant's stored record
	// cannot be read (garbage, tampered with, sealed with a retired key,
	// oversize: err wraps [ErrUnreadableCredentials]); the handler goes on
	// as if the tenant had no credentials, so a verified (and checked)
	// event replaces the record rather than answering 500 for ever. Logger
	// gets a warning too, naming the tenant only.
	OnUnreadable func(ctx context.Context, tenant string, err error)

	// Metrics gets the same events ([oauthkit.Metrics.Webhook]).
	// NewWebhookHandler keeps a copy. Zero: none.
	Metrics *oauthkit.Metrics
}

// NewWebhookHandler validates cfg and returns the handler for the
// credentials webhook. For each request it:
//
//  1. accepts only a POST with a JSON Content-Type and a body of at most
//     64 KiB (405, 415, 413 otherwise);
//  2. verifies the signature over the raw body, then parses it (401 for a
//     signature that is missing, malformed, of an unknown algorithm or that
//     does not verify; 400 for a signed body that is not an event);
//  3. reads the tenant's record from cfg.Credentials and answers 204 at
//     once if it holds these exact credentials (500 if the store cannot
//     be read; a record that cannot be read is reported to
//     cfg.OnUnreadable and treated as none, so that this event replaces
//     it);
//  4. checks the password with a client-credentials request, unless
//     cfg.SkipCredentialCheck (409 if it is refused, 503 if the check
//     cannot be made);
//  5. stores the credentials if the record is still the one read in step
//     3 (compare-and-swap on its revision; 500 if that fails, so that
//     Untis sends the event again) and, when they replace others,
//     invalidates the cached tokens of the old ones; then answers 204. If
//     another event (perhaps on another replica) replaced the record
//     meanwhile, it starts again from step 3, at most three times (then
//     503).
//
// Which of two RESETs is newer: the event carries no timestamp or sequence
// number (docs/vendors/webuntis.md#credentials-webhook), but a RESET makes
// the previous password stop getting tokens, so the newer event is the one
// whose password the token endpoint accepts, checked after the record it
// would replace was read. With the check, an older RESET never replaces a newer
// one, however the deliveries interleave across replicas. With
// SkipCredentialCheck nothing tells them apart, and the event stored last
// wins.
//
// Each request is reported to cfg.Logger and cfg.Metrics.
func NewWebhookHandler(cfg WebhookConfig) (http.Handler, error) {
	key := cfg.Key
	switch {
	case cfg.Key == nil && cfg.KeyText == "":
		return nil, &oauthkit.ConfigError{Provider: name, Field: "Key", Reason: "or KeyText is required: the Untis Platform public key of the environment"}
	case cfg.Key != nil && cfg.KeyText != "":
		return nil, &oauthkit.ConfigError{Provider: name, Field: "KeyText", Reason: "must not be set with Key"}
	case cfg.Key == nil:
		var reason string
		if key, reason = parseWebhookKey(cfg.KeyText); reason != "" {
			return nil, &oauthkit.ConfigError{Provider: name, Field: "KeyText", Reason: reason}
		}
	}
	switch {
	case cfg.Store == nil && cfg.Credentials == nil:
		return nil, &oauthkit.ConfigError{Provider: name, Field: "Credentials", Reason: "or Store is required"}
	case cfg.Store != nil && cfg.Credentials != nil:
		return nil, &oauthkit.ConfigError{Provider: name, Field: "Store", Reason: "must not be set with Credentials"}
	}
	h := &webhookHandler{key: key, store: cfg.Store, creds: cfg.Credentials, obs: observe.New(name, cfg.Logger, cfg.Metrics), log: cfg.Logger, onUnreadable: cfg.OnUnreadable}
	if !cfg.SkipCredentialCheck {
		check := cfg.Check
		if t, ok := cfg.Credentials.(*Tenants); ok && check.BaseURL == "" && check.HTTPClient == nil {
			check = t.cfg.Config
		}
		check.Tenant, check.ClientID, check.ClientSecret, check.Password = "check", "check", "", "check"
		if err := check.validate(); err != nil {
			var ce *oauthkit.ConfigError
			if errors.As(err, &ce) {
				ce.Field = "Check." + ce.Field
			}
			return nil, err
		}
		if check.Cache == nil {
			check.Cache = tokencache.New(tokencache.Config{})
		}
		h.check = &check
	}
	return h, nil
}

type webhookHandler struct {
	key   *rsa.PublicKey
	store func(ctx context.Context, c *Credentials) error // or creds
	creds CredentialStore
	check *Config           // nil: no live check
	obs   *observe.Observer // nil: nothing reported

	log          *slog.Logger // for the warning about an unreadable record; nil: none
	onUnreadable func(ctx context.Context, tenant string, err error)
}

func (h *webhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	info, err := h.serve(w, r)
	h.obs.Webhook(r.Context(), info, err)
}

// serve answers one request and describes it: the outcome, the status it
// answered, the verified event's type and tenant, and why it was refused.
func (h *webhookHandler) serve(w http.ResponseWriter, r *http.Request) (oauthkit.WebhookInfo, error) {
	refuse := func(status int, outcome oauthkit.Outcome, text string, err error) (oauthkit.WebhookInfo, error) {
		return answer(w, status, outcome, text, err)
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return refuse(http.StatusMethodNotAllowed, oauthkit.OutcomeBadRequest, "method not allowed", nil)
	}
	if !isJSON(r.Header.Get("Content-Type")) {
		return refuse(http.StatusUnsupportedMediaType, oauthkit.OutcomeBadRequest, "Content-Type must be application/json", nil)
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
	event := func(info oauthkit.WebhookInfo, err error) (oauthkit.WebhookInfo, error) {
		info.EventType, info.Tenant = c.EventType, c.TenantID
		return info, err
	}
	ctx := r.Context()
	if h.creds != nil {
		return event(h.putCredentials(ctx, w, c))
	}
	if h.check != nil && !c.Password.IsZero() {
		if err := h.checkCredentials(ctx, c); err != nil {
			return event(h.refuseChecked(w, err, false))
		}
	}
	if err := h.store(ctx, c); err != nil {
		// The store's error is the application's: it is not logged here,
		// where it might carry the credentials it failed to store.
		return event(refuse(http.StatusInternalServerError, oauthkit.OutcomeStoreFailed, "could not store the credentials", nil))
	}
	w.WriteHeader(http.StatusNoContent)
	return event(oauthkit.WebhookInfo{Outcome: oauthkit.OutcomeOK, StatusCode: http.StatusNoContent}, nil)
}

// checkCredentials gets a client-credentials token with c's password, fresh
// from the token endpoint, and keeps it in the check's cache for the
// tenant's first API call.
func (h *webhookHandler) checkCredentials(ctx context.Context, c *Credentials) error {
	p, err := New(credentialsConfig(*h.check, c))
	if err != nil {
		return err
	}
	// Never answered from the cache: a token cached for these credentials
	// does not prove they still work.
	if err := p.InvalidateToken(ctx); err != nil {
		return err
	}
	_, err = p.Token(ctx)
	return err
}

// rejected reports whether err is the token endpoint refusing the
// credentials (rather than failing to answer).
func rejected(err error) bool {
	var oe *oauthkit.Error
	return errors.As(err, &oe) && oe.StatusCode >= 400 && oe.StatusCode < 500 && oe.StatusCode != http.StatusTooManyRequests
}

// credentialsConfig is tmpl with the tenant, client and credentials of c.
func credentialsConfig(tmpl Config, c *Credentials) Config {
	tmpl.Tenant, tmpl.ClientID, tmpl.ClientSecret, tmpl.Password = c.TenantID, c.ClientID, c.Secret, c.Password
	return tmpl
}

// invalidateCredentials drops the cached client-credentials token of c in
// tmpl.Cache. It is best effort: a token it misses expires on its own.
func invalidateCredentials(ctx context.Context, tmpl Config, c *Credentials) {
	if tmpl.Cache == nil {
		return
	}
	if p, err := New(credentialsConfig(tmpl, c)); err == nil {
		_ = p.InvalidateToken(ctx)
	}
}

// isJSON reports whether a Content-Type is application/json (parameters
// such as charset allowed).
func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/json"
}
