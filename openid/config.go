package openid

import (
	"context"
	"crypto"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/authreq"
	"github.com/seed-e8f4a5f7/oauthkit/internal/clientauth"
	"github.com/seed-e8f4a5f7/oauthkit/internal/discovery"
	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
	"github.com/seed-e8f4a5f7/oauthkit/internal/oauthwire"
	"github.com/seed-e8f4a5f7/oauthkit/internal/standard"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
)

// DefaultName is the provider name of a Config without one.
const DefaultName = "openid"

// DefaultScopes are the scopes of a login when Config.Scopes is empty.
var DefaultScopes = []string{"openid"}

// AuthMethod is how the client authenticates to the token, revocation and
// introspection endpoints (the values of token_endpoint_auth_methods_supported,
// OpenID Connect Discovery 1.0 §3 and RFC 8414 §2). client_secret_jwt
// (OpenID Connect Core §9) is not implemented.
type AuthMethod string

// The client authentication methods.
const (
	// AuthClientSecretBasic sends id and secret in a Basic header, each
	// form-URL-encoded first (RFC 6749 §2.3.1).
	AuthClientSecretBasic AuthMethod = "client_secret_basic"
	// AuthClientSecretPost sends them as form fields (RFC 6749 §2.3.1).
	AuthClientSecretPost AuthMethod = "client_secret_post"
	// AuthPrivateKeyJWT sends a JWT the client signed with its key (RFC
	// 7523 §2.2, OpenID Connect Core §9).
	AuthPrivateKeyJWT AuthMethod = "private_key_jwt"
	// AuthNone is a public client: client_id only (RFC 6749 §2.1), proven
	// by PKCE.
	AuthNone AuthMethod = "none"
)

// AssertionAudience is what a private_key_jwt assertion's aud names.
type AssertionAudience int

const (
	// AudienceIssuer: the authorization server's issuer identifier, as the
	// update of RFC 7523 (draft-ietf-oauth-rfc7523bis) asks, which closes
	// the audience-confusion attack on assertions sent to an endpoint
	// another server named. A server without an issuer (Endpoints without
	// Issuer) gets its token endpoint.
	AudienceIssuer AssertionAudience = iota
	// AudienceTokenEndpoint: the token endpoint URL, which RFC 7523 §3 and
	// OpenID Connect Core §9 allowed and some older servers require (Entra
	// ID), on every request, PAR, revocation and introspection included.
	AudienceTokenEndpoint
	// AudienceRequestEndpoint: the URL of the endpoint each request is
	// sent to — the token endpoint for token requests; the pushed
	// authorization request, revocation, introspection or device
	// authorization endpoint for those — which Okta requires.
	AudienceRequestEndpoint
)

// ClientKey is the client's signing key for private_key_jwt. Set Signer to
// the private key (RSA of 2048 bits or more: RS256, ECDSA P-256: ES256,
// Ed25519: EdDSA), or to any crypto.Signer of those kinds — the key can stay
// in a KMS or HSM whose client implements crypto.Signer. Or set Sign, a
// callback that takes a context, with Algorithm.
type ClientKey struct {
	// ID is the key's kid, by which the server finds the public key among
	// the client's registered keys. It may be empty (OpenID Connect Core
	// §10.1 requires it only when there are several keys), but set it
	// whenever the client has registered more than one key or a JWKS URL:
	// servers then refuse an assertion without it (Okta: "The
	// client_assertion JWT kid is invalid").
	ID string
	// Algorithm is "RS256", "ES256" or "EdDSA". Zero: from Signer's type.
	// With a Signer, New checks that its key is of the kind Algorithm
	// signs with (an ES256 Signer on P-384 is a ConfigError); a Sign
	// callback's key is not seen, and is the caller's to match.
	Algorithm string
	// Signer is the private key, or a crypto.Signer holding it.
	Signer crypto.Signer
	// Sign signs a JWS signing input (RFC 7515 §5.1) and returns the
	// signature in JWS form (ES256: the 64-byte r||s). Instead of Signer.
	Sign func(ctx context.Context, signingInput []byte) ([]byte, error)
}

// Config configures a [Provider] for one client of one authorization
// server.
type Config struct {
	// Name names the provider in errors, AuthRequests, logs and cache keys.
	// Zero: "openid". Give each Provider of a process its own.
	Name string

	// Issuer is the server's issuer identifier. Its discovery document is
	// fetched from DiscoveryURL and must name it exactly (OpenID Connect
	// Discovery 1.0 §4.3, RFC 8414 §3.3). Required unless Endpoints is set.
	Issuer string

	// DiscoveryURL is where the metadata is. Zero: Issuer +
	// "/.well-known/openid-configuration" when Scopes holds "openid", else
	// the RFC 8414 §3 URL (/.well-known/oauth-authorization-server inserted
	// before the issuer's path).
	DiscoveryURL string

	// Endpoints configures a server without discovery (an OAuth-only
	// server, or one whose metadata cannot be fetched): no document is
	// fetched, and these are the endpoints. TokenURL is required; Issuer,
	// when set, is the issuer ID tokens and callbacks' iss must name.
	Endpoints *oauthkit.Endpoints

	// IDTokenSigningAlgs are the algorithms ID tokens may be signed with,
	// for a server configured by Endpoints ("RS256", "ES256", "EdDSA", …;
	// "none" and HMAC, HS256 and the like, are refused). Zero: RS256. With
	// discovery the metadata's id_token_signing_alg_values_supported is
	// used instead, without none and HMAC.
	IDTokenSigningAlgs []string

	// ClientID is the client's id. Required.
	ClientID string

	// ClientSecret is the secret of a confidential client using
	// client_secret_basic or client_secret_post.
	ClientSecret oauthkit.Secret

	// ClientKey is the signing key of a client using private_key_jwt.
	ClientKey *ClientKey

	// AuthMethod is the client authentication. Zero: chosen from the
	// server's token_endpoint_auth_methods_supported (client_secret_basic
	// when it publishes none, RFC 8414 §2) and the credential configured:
	// private_key_jwt with ClientKey; client_secret_basic, else
	// client_secret_post, with ClientSecret; none without either. A server
	// that lists none of these for the credential (only client_secret_jwt,
	// which is not implemented, say) is a ConfigError at the first request.
	AuthMethod AuthMethod

	// AssertionAudience is the aud of private_key_jwt assertions. Zero:
	// AudienceIssuer. docs/vendors/openid.md says which one Okta and Entra
	// ID take.
	AssertionAudience AssertionAudience

	// RedirectURL is the client's redirect URI. Required for logins.
	RedirectURL string

	// Scopes of a login. Zero: DefaultScopes. With "openid" the provider is
	// an OpenID Connect relying party: a nonce is sent and the ID token
	// required and verified. Without it, an OAuth 2.0 client.
	Scopes []string

	// ClientCredentialsScopes are the scopes of the client-credentials
	// grant. Zero: none is sent (the server's default).
	ClientCredentialsScopes []string

	// InsecureDisablePKCE turns PKCE (S256, RFC 7636) off. Leave it off:
	// RFC 9700 §2.1.1 requires PKCE, and servers that do not know it ignore
	// it. It exists for a server that refuses an unknown parameter.
	InsecureDisablePKCE bool

	// MaxAge, when positive, asks the server to re-authenticate a user
	// whose authentication is older (max_age, OpenID Connect Core
	// §3.1.2.1): the ID token must then carry auth_time no older than
	// MaxAge (plus a five-minute skew), or is refused.
	MaxAge time.Duration

	// ACRValues asks for authentication context classes (acr_values, in
	// order of preference). The acr the server returns is in the ID token
	// for the application to check.
	ACRValues []string

	// PostLogoutRedirectURL is where the server sends the browser after
	// RP-Initiated Logout ([Provider.EndSessionURL]); it must be
	// registered with the server. Zero: none is sent.
	PostLogoutRedirectURL string

	// PushedAuthorizationRequests sends every authorization request to the
	// server first (RFC 9126), so that the browser's URL carries only
	// client_id and a request_uri: the request's parameters stay out of
	// the browser, and the server has authenticated the client before the
	// user sees a page. A server whose metadata says
	// require_pushed_authorization_requests gets them without it. Set
	// without a pushed_authorization_request_endpoint (discovered, or in
	// Endpoints): AuthCodeURL fails with an error matching
	// errors.ErrUnsupported.
	PushedAuthorizationRequests bool
	// DPoP binds the tokens to a key of the client's (RFC 9449): see
	// [DPoP]. nil: Bearer tokens.
	DPoP *DPoP

	// HTTPClient sends the requests; see [oauthkit] "Vendor configuration".
	HTTPClient *http.Client

	// Timeout bounds each HTTP attempt. Zero: 30 seconds.
	Timeout time.Duration

	// Cache holds the client-credentials tokens and users' refreshed
	// tokens; see [oauthkit] "Vendor configuration".
	Cache *tokencache.Cache

	// CacheKeySecret keys the hash of the credential in this provider's
	// cache keys. Zero: Cache's tokencache.Config.KeySecret, else a random
	// key of this process. Required (here or there) when Cache has a
	// Store: the same on every replica, at least 16 random bytes.
	CacheKeySecret oauthkit.Secret

	// Now is the clock for token expiry, assertions and ID-token checks.
	// Zero: time.Now.
	Now func() time.Time

	// Logger gets debug records of requests and retries.
	Logger *slog.Logger

	// Metrics gets the same events as Logger.
	Metrics *oauthkit.Metrics
}

func (c *Config) validate() error {
	if c.Name == "" {
		c.Name = DefaultName
	}
	bad := func(field, reason string) error {
		return &oauthkit.ConfigError{Provider: c.Name, Field: field, Reason: reason}
	}
	if len(c.Scopes) == 0 {
		c.Scopes = DefaultScopes
	}
	c.Scopes = slices.Clone(c.Scopes)
	c.ClientCredentialsScopes = slices.Clone(c.ClientCredentialsScopes)
	c.ACRValues = slices.Clone(c.ACRValues)
	c.IDTokenSigningAlgs = slices.Clone(c.IDTokenSigningAlgs)
	// The rule the discovered algorithms are filtered by, too.
	if slices.ContainsFunc(c.IDTokenSigningAlgs, func(a string) bool { return !discovery.PublicKeyAlg(a) }) {
		return bad("IDTokenSigningAlgs", "must name public-key algorithms (not none or HMAC)")
	}
	switch {
	case strings.ContainsAny(c.Name, "/?#%: \t\n"):
		return bad("Name", "must be a plain name: it is a path segment of package web's URLs")
	case c.ClientID == "":
		return bad("ClientID", "is required")
	case c.Endpoints == nil && c.Issuer == "":
		return bad("Issuer", "is required (or Endpoints, for a server without discovery)")
	case c.Endpoints != nil && c.Endpoints.TokenURL == "":
		return bad("Endpoints", "must name a TokenURL")
	case c.AssertionAudience != AudienceIssuer && c.AssertionAudience != AudienceTokenEndpoint && c.AssertionAudience != AudienceRequestEndpoint:
		return bad("AssertionAudience", "must be AudienceIssuer, AudienceTokenEndpoint or AudienceRequestEndpoint")
	case c.MaxAge < 0:
		return bad("MaxAge", "must not be negative")
	}
	if c.Issuer != "" {
		if err := httpc.CheckURL(c.Issuer); err != nil {
			return bad("Issuer", err.Error())
		}
		if strings.ContainsAny(c.Issuer, "?#") {
			return bad("Issuer", "must have no query or fragment (RFC 8414 §2)")
		}
	}
	if c.DiscoveryURL != "" {
		if err := httpc.CheckURL(c.DiscoveryURL); err != nil {
			return bad("DiscoveryURL", err.Error())
		}
	}
	if c.Endpoints != nil {
		e := *c.Endpoints
		if c.Issuer != "" && e.Issuer != "" && c.Issuer != e.Issuer {
			return bad("Endpoints", "names an Issuer other than Config.Issuer")
		}
		if e.Issuer == "" {
			e.Issuer = c.Issuer
		}
		for _, u := range []string{e.AuthURL, e.TokenURL, e.JWKSURL, e.UserInfoURL, e.EndSessionURL, e.IntrospectionURL, e.RevocationURL, e.PushedAuthorizationURL, e.DeviceAuthorizationURL} {
			if u == "" {
				continue
			}
			if err := httpc.CheckURL(u); err != nil {
				return bad("Endpoints", err.Error())
			}
		}
		c.Endpoints = &e
	}
	if c.RedirectURL != "" {
		if err := httpc.CheckRedirectURL(c.RedirectURL); err != nil {
			return bad("RedirectURL", err.Error())
		}
	}
	if c.PostLogoutRedirectURL != "" {
		if err := httpc.CheckRedirectURL(c.PostLogoutRedirectURL); err != nil {
			return bad("PostLogoutRedirectURL", err.Error())
		}
	}
	if c.ClientKey != nil {
		if _, err := c.clientKey().Check(); err != nil {
			return bad("ClientKey", err.Error())
		}
	}
	switch c.AuthMethod {
	case "":
	case AuthClientSecretBasic, AuthClientSecretPost:
		if c.ClientSecret.IsZero() {
			return bad("ClientSecret", "is required for "+string(c.AuthMethod))
		}
	case AuthPrivateKeyJWT:
		if c.ClientKey == nil {
			return bad("ClientKey", "is required for private_key_jwt")
		}
	case AuthNone:
	default:
		return bad("AuthMethod", "must be client_secret_basic, client_secret_post, private_key_jwt or none")
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return nil
}

// options are the engine's options for the validated Config.
func (c *Config) options() standard.Options {
	o := standard.Options{
		Name: c.Name, IDTokenSigningAlgs: c.IDTokenSigningAlgs, OpenID: c.openID(),
		ClientID: c.ClientID, ClientSecret: c.ClientSecret, AuthMethod: string(c.AuthMethod),
		AudienceTokenEndpoint:   c.AssertionAudience == AudienceTokenEndpoint,
		AudienceRequestEndpoint: c.AssertionAudience == AudienceRequestEndpoint,
		RedirectURL:             c.RedirectURL, Scopes: c.Scopes, ClientCredentialsScopes: c.ClientCredentialsScopes,
		MaxAge: c.MaxAge, ACRValues: c.ACRValues, PostLogoutRedirectURL: c.PostLogoutRedirectURL, Now: c.Now,
		PushedAuthorization: c.PushedAuthorizationRequests,
	}
	if c.Endpoints != nil {
		o.Endpoints = c.Endpoints
	} else {
		o.Issuer, o.DiscoveryURL = c.Issuer, c.discoveryURL()
	}
	if c.ClientKey != nil {
		k, _ := c.clientKey().Check() // checked by validate
		o.ClientKey = &k
	}
	if !c.InsecureDisablePKCE {
		o.PKCE = &authreq.DefaultPKCE
	}
	return o
}

// openID reports whether logins are OpenID Connect ones.
func (c *Config) openID() bool { return slices.Contains(c.Scopes, "openid") }

// clientKey is ClientKey in clientauth's terms.
func (c *Config) clientKey() clientauth.Key {
	k := c.ClientKey
	return clientauth.Key{ID: k.ID, Algorithm: jose.SignatureAlgorithm(k.Algorithm), Signer: k.Signer, Sign: k.Sign}
}

// discoveryURL is DiscoveryURL or the well-known URL of Issuer.
func (c *Config) discoveryURL() string {
	if c.DiscoveryURL != "" {
		return c.DiscoveryURL
	}
	if c.openID() {
		return strings.TrimSuffix(c.Issuer, "/") + "/.well-known/openid-configuration"
	}
	// RFC 8414 §3.1: the well-known segment goes between host and path.
	scheme, rest, _ := strings.Cut(c.Issuer, "://")
	host, path, _ := strings.Cut(rest, "/")
	u := scheme + "://" + host + "/.well-known/oauth-authorization-server"
	if path = strings.TrimSuffix(path, "/"); path != "" {
		u += "/" + path
	}
	return u
}

func (c *Config) wire() oauthwire.Options {
	return oauthwire.Options{HTTPClient: c.HTTPClient, Timeout: c.Timeout, Now: c.Now, Logger: c.Logger, Metrics: c.Metrics}
}
