package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"syscall"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/redact"
)

// explanation is what went wrong and what to do about it.
type explanation struct {
	Cause string `json:"cause"`
	Fix   string `json:"fix,omitempty"`
	// Missing names the settings the command needs that are not set
	// ("tenant", "password or client-secret"), for a config failure.
	Missing []string `json:"missing,omitempty"`
}

// explain turns an error into a cause and a fix. The fix is the library's
// Advice for an *oauthkit.Error, the field and reason of an
// *oauthkit.ConfigError, what the vendor does not offer for
// errors.ErrUnsupported, and what to check for a request that got no
// answer (networkFix). The library's errors never hold a secret; scrub
// removes any setting's value all the same, in case one is echoed.
func (t *target) explain(err error) explanation {
	x := explanation{Cause: err.Error()}
	var oe *oauthkit.Error
	var ce *oauthkit.ConfigError
	switch {
	case errors.As(err, &oe):
		x.Fix = oe.Advice
		if x.Fix != "" {
			// Error() ends with the advice; say it once, as the fix.
			x.Cause = strings.Replace(x.Cause, "; advice: "+oe.Advice, "", 1)
		} else {
			x.Fix = authorizeAdvice(t.vendor, oe)
		}
	case errors.As(err, &ce):
		x.Fix = configFix(t.vendor, ce)
	case errors.Is(err, errors.ErrUnsupported):
		x.Fix = t.vendor + " does not offer this flow (docs/names.md lists who offers what)"
	}
	if x.Fix == "" {
		x.Fix = networkFix(t.vendor, err)
	}
	x.Cause = t.scrub(x.Cause)
	x.Fix = t.scrub(x.Fix)
	return x
}

// networkExplanation explains a request that got no answer.
func (t *target) networkExplanation(err error) explanation {
	x := explanation{Cause: t.scrub(err.Error()), Fix: networkFix(t.vendor, err)}
	if x.Fix == "" {
		x.Fix = "check the URL (" + urlFlags(t.vendor) + "), DNS and the network path (proxy, firewall) to the vendor"
	}
	return x
}

// networkFix is the fix for a request that never reached the vendor: a
// host name that does not resolve, a connection refused or timed out, a
// certificate that does not verify; "" for any other error.
func networkFix(vendor string, err error) string {
	var dns *net.DNSError
	var cert *tls.CertificateVerificationError
	var op *net.OpError
	switch {
	case errors.As(err, &dns) && dns.IsNotFound:
		return fmt.Sprintf("the host name %s does not resolve: check the server URL (%s) for a typo, and this machine's DNS", dns.Name, urlFlags(vendor))
	case errors.As(err, &dns):
		return fmt.Sprintf("the DNS lookup of %s failed: check this machine's DNS resolver and network (is it offline, or behind a proxy?)", dns.Name)
	case errors.As(err, &cert):
		return "the server's TLS certificate does not verify: check the server URL (" + urlFlags(vendor) + "); behind a TLS-inspecting proxy, add its CA to the system's trust store (or SSL_CERT_FILE)"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "nothing answers at that host and port: check the server URL (" + urlFlags(vendor) + ")"
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded):
		return "no answer in time: check the network path (proxy, firewall) to the vendor, or give a longer --timeout"
	case errors.As(err, &op):
		return "the connection failed: check the server URL (" + urlFlags(vendor) + ") and the network path (proxy, firewall) to the vendor"
	}
	return ""
}

// urlFlags names the vendor's server URL settings.
func urlFlags(vendor string) string {
	switch vendor {
	case ji:
		return "--auth-url, --api-url"
	case ls:
		return "--api-url"
	case oi:
		return "--issuer"
	}
	return "--base-url"
}

// scrub removes every secret setting's value from s.
func (t *target) scrub(s string) string {
	for _, v := range t.r.secretValues() {
		if len(v) >= 4 {
			s = strings.ReplaceAll(s, v, "[redacted]")
		}
	}
	return s
}

// configFix names the flag and the environment variable of a Config field.
func configFix(vendor string, ce *oauthkit.ConfigError) string {
	name := map[string]string{
		"BaseURL": "base-url", "Tenant": "tenant", "ClientID": "client-id", "ClientSecret": "client-secret",
		"Password": "password", "RedirectURL": "redirect-url", "Scopes": "scopes", "AuthURL": "auth-url",
		"APIURL": "api-url", "APIKey": "api-key", "SharedKey": "shared-key", "Product": "product",
		"CustomerAccountCode": "customer-account", "Issuer": "issuer", "ClientKey": "client-key-file", "AuthMethod": "auth-method",
	}[ce.Field]
	if name == "" {
		return fmt.Sprintf("Config.%s %s", ce.Field, ce.Reason)
	}
	return fmt.Sprintf("set --%s or %s (Config.%s %s)", name, settingNamed(name).envName(vendor), ce.Field, ce.Reason)
}

// authorizeAdvice is the advice for a refusal at the authorization
// endpoint, which the library never sees (the browser does): the causes
// each vendor's documents give for it.
func authorizeAdvice(vendor string, e *oauthkit.Error) string {
	text := strings.ToLower(e.Code + " " + e.Description + " " + e.Hint + " " + e.Message + " " + e.Body)
	switch {
	// docs/vendors/webuntis.md#redirect-uri ("invalid_ressource", their spelling)
	case vendor == wu && (e.Code == "invalid_ressource" || e.Code == "invalid_resource"):
		return "redirect_uri must match the domain and SSO redirect path configured in the Platform Application Manager (--redirect-url)"
	// docs/vendors/unisignin.md#pkce
	case vendor == us && strings.Contains(text, "code_challenge"):
		return "UniSignIn takes a plain PKCE verifier (code_challenge_method=plain) of letters and digits only, 49 to 127 characters: no '-', '_' or '~' as in base64url verifiers"
	// docs/vendors/unisignin.md#client-registration, docs/vendors/justimmo.md: league
	// answers an unknown client or a redirect URI outside its whitelist
	// with invalid_client.
	case (vendor == us || vendor == ji) && (e.Code == string(oauthkit.ErrInvalidClient) || strings.Contains(text, "redirect")):
		return "the client id must be the registered one and the redirect URL exactly one of its registered redirect URIs (--redirect-url)"
	// docs/vendors/licensespring.md: the redirect URI must be one of the
	// customer account's enabled SSO redirect URIs.
	case vendor == ls && strings.Contains(text, "redirect_uri"):
		return "the redirect URL must be one of the SSO redirect URIs enabled for the customer account in the LicenseSpring platform (--redirect-url)"
	// OpenID Connect Core §3.1.2.1: the redirect_uri must exactly match one
	// registered for the client.
	case vendor == oi && strings.Contains(text, "redirect_uri"):
		return "the redirect URL must be exactly one of the client's registered redirect URIs, character for character (--redirect-url); register it with the provider"
	case vendor == oi && strings.Contains(text, "client_id"):
		return "the provider does not know the client id (--client-id): use the id of the client registered with it, in this issuer's realm or tenant"
	}
	return ""
}

// probeAuthorize opens an authorization URL the way a browser without a
// session would, without following a redirect, and reports a refusal as an
// *oauthkit.Error (Op OpAuthorize): an error answer from the endpoint
// itself, or an error redirect to the callback. A sign-in page or a
// redirect elsewhere is no refusal. The request carries no credentials.
func (t *target) probeAuthorize(ctx context.Context, ar *oauthkit.AuthRequest) (string, error) {
	detail, _, err := t.probeAuthorizeCallback(ctx, ar)
	return detail, err
}

// probeAuthorizeCallback is probeAuthorize that also returns the callback
// URL when the endpoint redirects straight to it without an error (the
// user has a session, as at a fake): the login can then be completed.
func (t *target) probeAuthorizeCallback(ctx context.Context, ar *oauthkit.AuthRequest) (string, *url.URL, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ar.URL, nil)
	if err != nil {
		return "", nil, err
	}
	hc := &http.Client{
		Transport:     t.client.Transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", nil, fmt.Errorf("authorize endpoint: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		loc, err := resp.Location()
		if err != nil {
			return "", nil, fmt.Errorf("authorize endpoint: a redirect without a Location")
		}
		if loc.Query().Has("error") && sameEndpoint(loc, ar.RedirectURL) {
			_, err := oauthkit.CheckCallback(t.vendor, ar, loc.Query())
			return "", nil, err
		}
		if sameEndpoint(loc, ar.RedirectURL) {
			return "redirects to " + stripQuery(loc) + " (the user has a session)", loc, nil
		}
		return "redirects to sign in at " + stripQuery(loc), nil, nil
	case resp.StatusCode == http.StatusOK:
		return "answers the sign-in page", nil, nil
	}
	e := &oauthkit.Error{Provider: t.vendor, Op: oauthkit.OpAuthorize, StatusCode: resp.StatusCode}
	var b struct {
		Error, ErrorDescription, Message, Hint string
	}
	if json.Unmarshal(body, &struct {
		Error            *string `json:"error"`
		ErrorDescription *string `json:"error_description"`
		Message          *string `json:"message"`
		Hint             *string `json:"hint"`
	}{&b.Error, &b.ErrorDescription, &b.Message, &b.Hint}) == nil {
		e.Code, e.Description, e.Message, e.Hint = b.Error, b.ErrorDescription, b.Message, b.Hint
	} else {
		e.Body = pageText(body)
	}
	for _, f := range []*string{&e.Code, &e.Description, &e.Message, &e.Hint, &e.Body} {
		*f = scrubAuthRequest(*f, 300, ar)
	}
	e.Advice = authorizeAdvice(t.vendor, e)
	return "", nil, e
}

// sameEndpoint reports whether u points at redirect (scheme, host, path).
func sameEndpoint(u *url.URL, redirect string) bool {
	r, err := url.Parse(redirect)
	return err == nil && u.Scheme == r.Scheme && u.Host == r.Host && u.Path == r.Path
}

func stripQuery(u *url.URL) string {
	v := *u
	v.RawQuery, v.Fragment, v.User = "", "", nil
	return v.String()
}

var tags = regexp.MustCompile(`<[^>]*>|\s+`)

// pageText is the visible text of an error page, bounded.
func pageText(b []byte) string {
	s := string(b)
	if i := strings.Index(strings.ToLower(s), "<body"); i >= 0 {
		s = s[i:]
	}
	return strings.TrimSpace(tags.ReplaceAllString(s, " "))
}

func bound(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

// scrubAuthRequest removes the login's state, nonce and PKCE verifier
// (which is also the challenge under plain PKCE), which an error page may
// echo, from s, then folds it to one line and cuts it to at most n bytes —
// in that order, so that a cut never leaves the first bytes of one. It
// matches every form the library's own scrubber does (internal/redact:
// URL-, base64-, HTML- and JSON-escaped, and HTML character references).
func scrubAuthRequest(s string, n int, ar *oauthkit.AuthRequest) string {
	return redact.NewSecrets(ar.State, ar.Nonce, ar.CodeVerifier).Line(s, n)
}
