package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/openid"
)

// doctor's checks of the standards provider: what the server's metadata
// says it supports, and what this configuration will use of it. Each
// check's name is stable (--json readers match on it): discovery, JWKS,
// auth method, PKCE S256, RFC 9207 iss, userinfo, revocation,
// introspection, end session, pushed auth requests, device
// authorization, back-channel logout, client credentials,
// then redirect URL, authorize (redirect URL) and login.

// metadata is the part of the discovery document doctor reports (OpenID
// Connect Discovery 1.0 §3, RFC 8414 §2, RFC 9207 §3, OpenID Connect
// Back-Channel Logout 1.0 §2.1). The library reads the same document; it
// keeps these lists to itself.
type metadata struct {
	Issuer               string   `json:"issuer"`
	TokenAuthMethods     []string `json:"token_endpoint_auth_methods_supported"`
	CodeChallengeMethods []string `json:"code_challenge_methods_supported"`
	GrantTypes           []string `json:"grant_types_supported"`
	IssParameter         bool     `json:"authorization_response_iss_parameter_supported"`
	BackchannelLogout    bool     `json:"backchannel_logout_supported"`
	BackchannelSession   bool     `json:"backchannel_logout_session_supported"`
	RequirePAR           bool     `json:"require_pushed_authorization_requests"`
}

// openidDiscoveryURL is where openid.Config (without DiscoveryURL) finds
// the metadata: {issuer}/.well-known/openid-configuration for a login with
// the openid scope (OpenID Connect Discovery 1.0 §4), else the RFC 8414 §3.1
// URL, the well-known segment between host and path.
func openidDiscoveryURL(issuer string, scopes []string) string {
	if len(scopes) == 0 || slices.Contains(scopes, "openid") {
		return strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
	}
	u, err := url.Parse(issuer)
	if err != nil {
		return issuer
	}
	path := strings.TrimSuffix(u.Path, "/")
	u.Path = "/.well-known/oauth-authorization-server" + path
	return u.String()
}

// fetchMetadata reads the discovery document at u, bounded in time and size.
func fetchMetadata(ctx context.Context, hc *http.Client, u string) (*metadata, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s answered %s", u, resp.Status)
	}
	var md metadata
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&md); err != nil {
		return nil, fmt.Errorf("%s: not a JSON metadata document", u)
	}
	return &md, nil
}

// openid runs the checks of the server's metadata and the client; false
// when the metadata could not be read (nothing else can be checked).
func (d *doctor) openid(ctx context.Context, p *openid.Provider) bool {
	t := d.t
	issuer := t.r.get("issuer")
	durl := openidDiscoveryURL(issuer, splitScopes(t.r.get("scopes")))
	ep, err := p.Discover(ctx)
	if err != nil {
		d.fail("discovery", d.discoveryExplanation(ctx, durl, issuer, err))
		return false
	}
	md, err := fetchMetadata(ctx, t.client, durl)
	if err != nil {
		d.fail("discovery", t.networkExplanation(err))
		return false
	}
	d.ok("discovery", fmt.Sprintf("%s names issuer %s, exactly --issuer", durl, ep.Issuer))
	d.jwks(ctx, ep.JWKSURL)
	authOK := d.authMethod(ctx, p, md)
	d.pkce(md)
	d.issParameter(md)
	d.endpoints(ep, md)
	d.openidClientCredentials(ctx, p, md, authOK)
	return true
}

// discoveryExplanation explains a failed discovery. When the document
// answers but names another issuer, it names both and says which to fix.
func (d *doctor) discoveryExplanation(ctx context.Context, durl, issuer string, err error) explanation {
	x := d.t.explain(err)
	doc, ferr := fetchMetadata(ctx, d.t.client, durl)
	switch {
	case ferr == nil && doc.Issuer != issuer:
		x.Cause = fmt.Sprintf("the discovery document at %s names issuer %q, but --issuer is %q: they must be equal, character for character (OpenID Connect Discovery 1.0 §4.3)", durl, bound(doc.Issuer, 200), issuer)
		if strings.TrimSuffix(doc.Issuer, "/") == strings.TrimSuffix(issuer, "/") {
			x.Fix = fmt.Sprintf("they differ in the trailing slash only: set --issuer %s (or OAUTHKIT_OPENID_ISSUER) exactly as the document names it", doc.Issuer)
		} else {
			x.Fix = fmt.Sprintf("if %s is this provider's issuer, set --issuer to it (or OAUTHKIT_OPENID_ISSUER); if not, %s serves another provider's metadata, whose tokens this client must not accept: check --issuer, and any proxy in front of the provider", bound(doc.Issuer, 200), durl)
		}
		x.Cause, x.Fix = d.t.scrub(x.Cause), d.t.scrub(x.Fix)
	case x.Fix == "":
		x.Fix = "check --issuer (OAUTHKIT_OPENID_ISSUER): " + durl + " must serve the provider's discovery document; Keycloak's issuer is https://HOST/realms/REALM, Entra ID's https://login.microsoftonline.com/TENANT/v2.0"
	}
	return x
}

// authMethod reports the token endpoint auth methods the server lists and
// the one this configuration uses, and why; false when none fits.
func (d *doctor) authMethod(ctx context.Context, p *openid.Provider, md *metadata) bool {
	t := d.t
	listed := md.TokenAuthMethods
	list := "lists " + strings.Join(listed, ", ")
	if len(listed) == 0 {
		list = "lists no token_endpoint_auth_methods_supported (then client_secret_basic, RFC 8414 §2)"
	}
	hasKey, hasSecret := t.r.has("client-key-file"), t.r.has("client-secret")
	m, err := p.AuthMethod(ctx)
	if err != nil {
		x := t.explain(err)
		var ce *oauthkit.ConfigError
		if errors.As(err, &ce) && ce.Field == "AuthMethod" {
			x = noListedMethod(list, listed, hasKey)
		}
		d.fail("auth method", x)
		d.authFailed = true
		return false
	}
	var why string
	switch {
	case t.r.has("auth-method"):
		why = "set by --auth-method"
	case m == openid.AuthPrivateKeyJWT:
		why = "the configuration has a client key (--client-key-file)"
	case m == openid.AuthClientSecretBasic && len(listed) == 0:
		why = "the configuration has a client secret, and client_secret_basic is the default"
	case m == openid.AuthClientSecretBasic:
		why = "the configuration has a client secret, and client_secret_basic is listed (it comes before client_secret_post)"
	case m == openid.AuthClientSecretPost:
		why = "the configuration has a client secret; client_secret_post is listed, client_secret_basic is not"
	default:
		why = "no client secret or key: a public client, proven by PKCE"
	}
	detail := fmt.Sprintf("the server %s; this configuration uses %s: %s", list, m, why)
	if len(listed) > 0 && !slices.Contains(listed, string(m)) {
		// An explicit --auth-method, or a public client, that the list
		// leaves out: the server may still take it.
		d.note("auth method", detail+"; the server does not list it, and may refuse it")
		return true
	}
	if hasKey && hasSecret && m == openid.AuthPrivateKeyJWT {
		detail += " (the client secret is not used)"
	}
	if m == openid.AuthPrivateKeyJWT && !t.r.has("key-id") {
		d.note("auth method", detail+"; no --key-id: the assertions name no kid, which a server holding several keys of the client needs to find the right one")
		return true
	}
	d.ok("auth method", detail)
	return true
}

// noListedMethod explains a credential that fits none of the methods the
// server lists.
func noListedMethod(list string, listed []string, hasKey bool) explanation {
	if hasKey {
		return explanation{
			Cause: "the server " + list + "; a client key (--client-key-file) fits only private_key_jwt, which it does not list",
			Fix:   "use the client's secret (--client-secret, without --client-key-file) with a method it lists; or, if the server does take private_key_jwt despite its list, set --auth-method private_key_jwt",
		}
	}
	fix := "this server takes no client secret at its token endpoint: register a key for the client and give --client-key-file and --key-id (private_key_jwt)"
	if slices.Contains(listed, string(openid.AuthNone)) {
		fix += ", or drop the secret for a public client"
	}
	return explanation{
		Cause: "the server " + list + "; a client secret fits only client_secret_basic or client_secret_post, and it lists neither",
		Fix:   fix + "; if the server does take the secret despite its list, set --auth-method client_secret_basic (or client_secret_post)",
	}
}

// pkce checks the server takes PKCE S256, which every login sends.
func (d *doctor) pkce(md *metadata) {
	switch {
	case slices.Contains(md.CodeChallengeMethods, "S256"):
		d.ok("PKCE S256", "listed in code_challenge_methods_supported; every login sends it (RFC 7636)")
	case len(md.CodeChallengeMethods) == 0:
		d.note("PKCE S256", "code_challenge_methods_supported is not published: logins send S256 anyway; a server that ignores it leaves codes unprotected (RFC 9700 §2.1.1)")
	default:
		d.fail("PKCE S256", explanation{
			Cause: fmt.Sprintf("the server lists code_challenge_methods_supported %s, without S256", strings.Join(md.CodeChallengeMethods, ", ")),
			Fix:   "ask the provider's administrator to allow PKCE S256 (RFC 7636 §4.2; RFC 9700 §2.1.1 requires PKCE): every login sends it, and a server that takes only plain refuses it",
		})
	}
}

// issParameter reports whether callbacks carry the issuer (RFC 9207).
func (d *doctor) issParameter(md *metadata) {
	if md.IssParameter {
		d.ok("RFC 9207 iss", "authorization_response_iss_parameter_supported: every callback must name the issuer; one without iss, or naming another provider, is refused")
		return
	}
	d.note("RFC 9207 iss", "authorization_response_iss_parameter_supported is not advertised: a callback's iss is checked when present; without it, keep each provider's redirect URL its own (RFC 9207 §1, RFC 9700 §4.4)")
}

// endpoints reports the optional endpoints and what their absence means.
func (d *doctor) endpoints(ep *oauthkit.Endpoints, md *metadata) {
	for _, e := range []struct{ name, url, with, without string }{
		{"userinfo", ep.UserInfoURL, "userinfo_endpoint %s: the profile of a login", "no userinfo_endpoint: the profile comes from the ID token"},
		{"revocation", ep.RevocationURL, "revocation_endpoint %s: package web's logout revokes the refresh token (RFC 7009)", "no revocation_endpoint: logout forgets the tokens without revoking them (Provider.RevokeToken: errors.ErrUnsupported)"},
		{"introspection", ep.IntrospectionURL, "introspection_endpoint %s (RFC 7662, Provider.Introspect)", "no introspection_endpoint: Provider.Introspect returns errors.ErrUnsupported"},
		{"end session", ep.EndSessionURL, "end_session_endpoint %s: package web's logout sends the browser there (RP-Initiated Logout 1.0)", "no end_session_endpoint: logout ends the app's session only; the user stays signed in at the provider"},
	} {
		if e.url != "" {
			d.ok(e.name, fmt.Sprintf(e.with, e.url))
		} else {
			d.note(e.name, e.without)
		}
	}
	const par = "pushed auth requests"
	switch {
	case md.RequirePAR && ep.PushedAuthorizationURL == "":
		d.fail(par, explanation{Cause: "require_pushed_authorization_requests is set, but the metadata names no pushed_authorization_request_endpoint: no login can start", Fix: "ask the provider's administrator to publish the endpoint, or not to require PAR for this client"})
	case md.RequirePAR:
		d.ok(par, fmt.Sprintf("require_pushed_authorization_requests: every login is pushed to %s first (RFC 9126); the browser gets only client_id and request_uri", ep.PushedAuthorizationURL))
	case ep.PushedAuthorizationURL != "":
		d.ok(par, fmt.Sprintf("pushed_authorization_request_endpoint %s: Config.PushedAuthorizationRequests pushes logins there (RFC 9126)", ep.PushedAuthorizationURL))
	default:
		d.note(par, "no pushed_authorization_request_endpoint: logins go to the authorization endpoint as URLs (Config.PushedAuthorizationRequests would fail with errors.ErrUnsupported)")
	}
	if ep.DeviceAuthorizationURL != "" {
		d.ok("device authorization", fmt.Sprintf("device_authorization_endpoint %s: logins on other devices (RFC 8628, login openid --device)", ep.DeviceAuthorizationURL))
	} else {
		d.note("device authorization", "no device_authorization_endpoint: no login on another device (Provider.DeviceAuthorization and login --device: errors.ErrUnsupported)")
	}
	switch {
	case md.BackchannelLogout && md.BackchannelSession:
		d.ok("back-channel logout", "backchannel_logout_supported, with sid: register {app}/auth/openid/backchannel-logout, and a logout elsewhere ends the app's session")
	case md.BackchannelLogout:
		d.ok("back-channel logout", "backchannel_logout_supported, without sid: a logout elsewhere ends all the user's sessions in the app")
	default:
		d.note("back-channel logout", "backchannel_logout_supported is not advertised: the app is not told when a user logs out at the provider")
	}
}

// openidClientCredentials gets a client-credentials token when the
// configuration has a secret or a key.
func (d *doctor) openidClientCredentials(ctx context.Context, p *openid.Provider, md *metadata, authOK bool) {
	t := d.t
	switch {
	case !t.r.has("client-secret") && !t.r.has("client-key-file"):
		d.skip("client credentials", "a public client (no --client-secret or --client-key-file) has none")
		return
	case !authOK:
		d.skip("client credentials", "needs a client authentication the server lists (auth method)")
		return
	}
	tok, err := p.ClientCredentials(ctx)
	if err == nil {
		d.ok("client credentials", tokenSummary(tok, t.now))
		return
	}
	x := t.explain(err)
	switch {
	case len(md.GrantTypes) > 0 && !slices.Contains(md.GrantTypes, "client_credentials"):
		x.Fix = "the server's grant_types_supported does not list client_credentials: enable it for the client (Keycloak: Service accounts roles), or use a login's tokens"
	case errors.Is(err, oauthkit.ErrInvalidClient) && x.Fix == "":
		x.Fix = invalidClientFix
	case errors.Is(err, oauthkit.ErrUnauthorizedClient) && x.Fix == "":
		x.Fix = "the client may not use client credentials: enable the grant for it at the provider (Keycloak: Service accounts roles)"
	}
	d.fail("client credentials", x)
}

// invalidClientFix is the fix for a client the token endpoint refuses.
const invalidClientFix = "the provider does not accept this client's credential: check --client-id and the secret (OAUTHKIT_OPENID_CLIENT_SECRET), or the key and its kid (--client-key-file, --key-id) registered for the client"

// openidLogin completes the login when the authorization endpoint
// redirected straight back (a session at the provider, as at the fake):
// the callback's iss, the exchange and the ID token. Against a real
// provider the endpoint shows its sign-in page instead.
func (d *doctor) openidLogin(ctx context.Context, p oauthkit.Provider, ar *oauthkit.AuthRequest, callback *url.URL) {
	switch {
	case callback == nil:
		d.skip("login", "the provider asks the user to sign in: 'oauthkit login openid' logs in through the browser")
		return
	case d.authFailed:
		d.skip("login", "the code exchange needs a client authentication the server lists (auth method)")
		return
	}
	login, err := oauthkit.Complete(ctx, p, ar, callback.Query())
	if err == nil {
		seen(login.Token)
		d.ok("login", "callback iss is the issuer, code exchanged, ID token verified (sub "+login.UserInfo.Subject+")")
		return
	}
	x := d.t.explain(err)
	switch {
	case errors.Is(err, oauthkit.ErrIssuerMismatch):
		x.Cause = d.t.scrub(fmt.Sprintf("the callback names iss %q, not the issuer %s (RFC 9207)", bound(d.t.scrub(callback.Query().Get("iss")), 200), ar.Issuer))
		x.Fix = "the login is refused, as it must be: the authorization response came from another provider (a mix-up attack, or two providers sharing one redirect URL); give each provider its own redirect URL, and check --issuer"
	case errors.Is(err, oauthkit.ErrInvalidIDToken):
		x.Fix = "the login is refused, as it must be: the ID token does not verify against the issuer's published keys (jwks_uri) and claims; if the provider has just rotated its keys, try again, else the token was not signed by this issuer"
	case errors.Is(err, oauthkit.ErrInvalidClient) && x.Fix == "":
		x.Fix = invalidClientFix
	}
	d.fail("login", x)
}
