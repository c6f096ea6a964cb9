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

// endSessionRedacted are the query parameters of an RP-Initiated Logout
// URL that print redacted: the ID token, and the state, which
// [oauthkit.AuthRequest] does not print either.
var endSessionRedacted = []string{"id_token_hint", "state"}

// String describes the logout request with its URL's id_token_hint and
// state redacted, and without State. The URL field itself is unchanged:
// send the browser there. encoding/json is not printing: it writes the URL
// whole, for an application that hands it to its browser code, and so
// does slog's JSON handler for a struct holding an EndSession (it marshals
// the struct without asking for its LogValue).
func (e EndSession) String() string {
	return fmt.Sprintf("openid.EndSession{URL:%q State:%q}", redact.Query(e.URL, endSessionRedacted...), redact.Hidden(e.State != ""))
}

// GoString is String.
func (e EndSession) GoString() string { return e.String() }

// Format prints String for every verb.
func (e EndSession) Format(f fmt.State, _ rune) { io.WriteString(f, e.String()) }

// LogValue implements [slog.LogValuer]: the URL with its id_token_hint
// and state redacted.
func (e EndSession) LogValue() slog.Value {
	return slog.GroupValue(slog.String("url", redact.Query(e.URL, endSessionRedacted...)), slog.String("state", redact.Hidden(e.State != "")))
}

// String describes the DPoP setting by its key's type and the algorithm,
// never the key (an ed25519.PrivateKey is a byte slice, which fmt prints
// byte by byte, and encoding/json writes an *ecdsa.PrivateKey's D).
func (d DPoP) String() string {
	return fmt.Sprintf("openid.DPoP{Key:%s KeyType:%q Algorithm:%q}", d.key(), fmt.Sprintf("%T", d.Key), d.Algorithm)
}

// key is what prints for the key: "<nil>" for none (New makes one), else
// [redact.Placeholder].
func (d DPoP) key() string {
	if d.Key == nil {
		return "<nil>"
	}
	return redact.Placeholder
}

// GoString is String.
func (d DPoP) GoString() string { return d.String() }

// Format prints String for every verb.
func (d DPoP) Format(f fmt.State, _ rune) { io.WriteString(f, d.String()) }

// LogValue implements [slog.LogValuer] without the key.
func (d DPoP) LogValue() slog.Value {
	return slog.GroupValue(slog.String("key", d.key()), slog.String("key_type", fmt.Sprintf("%T", d.Key)), slog.String("algorithm", d.Algorithm))
}

// MarshalJSON encodes what LogValue shows, so that a struct holding a DPoP
// (a Config), which slog's JSON handler marshals without asking for its
// LogValue, shows no key either. A DPoP is configuration, not a storage
// format: keep the key itself as a PEM or in a KMS.
func (d DPoP) MarshalJSON() ([]byte, error) { return redact.JSON(d.LogValue()) }
