package openid

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/seed-e8f4a5f7/oauthkit/internal/redact"
)

// How the package's types print and log themselves without a credential.
// Every method has a value receiver, so a value, a pointer to one and a
// struct holding one all print and log the same; the client secret shows
// as [oauthkit.Secret] does, "[redacted]", and a ClientKey by its kid and
// algorithm only (its Signer may be the private key itself).
const (
	configShows    = "Name Issuer DiscoveryURL IDTokenSigningAlgs ClientID ClientSecret RedirectURL Scopes ClientCredentialsScopes MaxAge ACRValues PostLogoutRedirectURL Timeout"
	providerShows  = "Name Issuer ClientID RedirectURL"
	clientKeyShows = "ID Algorithm"
)

// String describes the configuration without its credentials.
func (c Config) String() string {
	return redact.String("openid.Config", c, configShows, c.credentials()...)
}

// GoString is String.
func (c Config) GoString() string { return c.String() }

// Format prints String for every verb.
func (c Config) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }

// LogValue implements [slog.LogValuer] without the credentials.
func (c Config) LogValue() slog.Value { return redact.LogValue(c, configShows) }

// String describes the provider without its credentials.
func (p Provider) String() string {
	return redact.String("openid.Provider", p.cfg, providerShows, p.cfg.credentials()...)
}

// credentials names the client authentication and key, never their values.
func (c Config) credentials() []string {
	return []string{fmt.Sprintf("AuthMethod:%q", string(c.AuthMethod)), fmt.Sprintf("ClientKey:%v", c.ClientKey)}
}

// GoString is String: the credentials live in unexported fields, where
// fmt's %#v would print them raw.
func (p Provider) GoString() string { return p.String() }

// Format prints String for every verb.
func (p Provider) Format(f fmt.State, _ rune) { io.WriteString(f, p.String()) }

// LogValue implements [slog.LogValuer] without the credentials.
func (p Provider) LogValue() slog.Value { return redact.LogValue(p.cfg, providerShows) }

// String names the key by its kid and algorithm, never its material.
func (k ClientKey) String() string { return redact.String("openid.ClientKey", k, clientKeyShows) }

// GoString is String.
func (k ClientKey) GoString() string { return k.String() }

// Format prints String for every verb.
func (k ClientKey) Format(f fmt.State, _ rune) { io.WriteString(f, k.String()) }

// LogValue implements [slog.LogValuer] without the key material.
func (k ClientKey) LogValue() slog.Value { return redact.LogValue(k, clientKeyShows) }
