package standard

import (
	"context"
	"time"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/authreq"
	"github.com/seed-e8f4a5f7/oauthkit/internal/clientauth"
	"github.com/seed-e8f4a5f7/oauthkit/internal/discovery"
	"github.com/seed-e8f4a5f7/oauthkit/internal/dpop"
	"github.com/seed-e8f4a5f7/oauthkit/internal/oauthwire"
)

// Options configure the engine. They are checked by the package that makes
// them (openid.Config's validation, a vendor's Config); New trusts them.
// Every field that is not the standard behaviour is a vendor's documented
// exception, and says so where it is set.
type Options struct {
	Name string // the provider's name in errors and AuthRequests

	// Issuer and DiscoveryURL locate the metadata, which must name Issuer
	// exactly. Unused with Endpoints.
	Issuer       string
	DiscoveryURL string
	// Endpoints replace discovery: a server configured by its endpoints.
	// Its Issuer, if any, is the one callbacks' iss and ID tokens name.
	Endpoints *oauthkit.Endpoints
	// Metadata replaces discovery by a vendor's own way of finding the
	// server (WebUntis: its tenant's document, kept for the process;
	// LicenseSpring: the realm the signed sso_url answer names). Issuer,
	// DiscoveryURL and Endpoints are then unused, and no document is
	// re-fetched when keys rotate: the source decides how long it keeps one.
	Metadata func(ctx context.Context) (*discovery.Metadata, error)
	// TokenURL is a token endpoint the vendor names outside the metadata
	// (LicenseSpring's sso_url answer). With an AuthMethod that needs no
	// metadata (client_secret_basic, client_secret_post, none), token
	// requests then fetch none.
	TokenURL string
	// IDTokenSigningAlgs are the ID-token algorithms with Endpoints
	// (discovery: the metadata's). Zero: RS256.
	IDTokenSigningAlgs []string

	// OpenID: logins are OpenID Connect ones (a nonce, an ID token).
	// Without it, RFC 8414 metadata and an OAuth 2.0 client.
	OpenID bool

	ClientID     string
	ClientSecret oauthkit.Secret
	ClientKey    *clientauth.Key // checked (clientauth.Key.Check)
	// AuthMethod is the client authentication (Method…); "" chooses it from
	// the metadata and the credential.
	AuthMethod string
	// BasicStyle replaces the RFC 6749 §2.3.1 encoding of
	// client_secret_basic: oauthwire.AuthBasicRaw for a server that does not
	// URL-decode Basic credentials. Zero: oauthwire.AuthBasic.
	BasicStyle oauthwire.AuthStyle
	// AudienceTokenEndpoint makes client assertions name the token
	// endpoint as aud instead of the issuer, whichever endpoint they go to.
	AudienceTokenEndpoint bool
	// AudienceRequestEndpoint makes each client assertion name the URL of
	// the endpoint it is sent to (token, PAR, revocation, introspection,
	// device authorization) as aud. It wins over AudienceTokenEndpoint.
	AudienceRequestEndpoint bool

	RedirectURL             string
	Scopes                  []string
	ClientCredentialsScopes []string
	// PKCE of logins; nil: none (the standard is &authreq.DefaultPKCE, S256).
	PKCE      *authreq.PKCE
	MaxAge    time.Duration // OpenID Connect max_age; auth_time is then checked
	ACRValues []string

	PostLogoutRedirectURL string

	// PushedAuthorization sends every authorization request through the
	// pushed authorization request endpoint (RFC 9126), as it is when the
	// server requires it.
	PushedAuthorization bool
	// DPoP binds tokens to this key (RFC 9449): each token request carries
	// a proof, the answer must be a DPoP token, and authorization requests
	// carry dpop_jkt. DPoPNonces keeps the servers' nonces (required with
	// DPoP). nil: Bearer tokens. See dpop.go.
	DPoP       *dpop.Key
	DPoPNonces *dpop.Nonces

	Now func() time.Time // nil: time.Now

	// Advise returns a vendor's documented cause for an error, or "".
	Advise func(*oauthkit.Error) string

	// Unchanged keeps behaviours of the vendor packages that predate the
	// engine and that no vendor documents, so that moving a vendor onto the
	// engine changes nothing it does. Each is a candidate for removal.
	Unchanged Unchanged
}

// Unchanged are a vendor package's behaviours from before the engine that
// differ from the standard one.
type Unchanged struct {
	// MaxAgeParam sends a max_age AuthOption to the server as given, with
	// no auth_time check; the engine otherwise refuses it (MaxAge is the
	// checked way).
	MaxAgeParam bool
}
