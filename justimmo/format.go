package justimmo

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/seed-e8f4a5f7/oauthkit/internal/redact"
)

// How the package's types print and log themselves without a credential.
// Every method has a value receiver, so a value, a pointer to one and a
// struct holding one all print and log the same; the client secret shows as
// [oauthkit.Secret] does, "[redacted]". Each type names the fields it shows.
const (
	configShows   = "ClientID ClientSecret RedirectURL Scopes AuthURL APIURL Timeout"
	providerShows = "AuthURL APIURL ClientID"
)

// String describes the configuration without its client secret.
func (c Config) String() string { return redact.String("justimmo.Config", c, configShows) }

// GoString is String.
func (c Config) GoString() string { return c.String() }

// Format prints String for every verb.
func (c Config) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }

// LogValue implements [slog.LogValuer] without the client secret. Without
// it, slog's JSON handler would marshal the Config and fail on its func
// field.
func (c Config) LogValue() slog.Value { return redact.LogValue(c, configShows) }

// String describes the provider without its credentials.
func (p Provider) String() string {
	return redact.String("justimmo.Provider", p.cfg, providerShows)
}

// GoString is String: the credentials live in an unexported field, where
// fmt's %#v would print them raw.
func (p Provider) GoString() string { return p.String() }

// Format prints String for every verb.
func (p Provider) Format(f fmt.State, _ rune) { io.WriteString(f, p.String()) }

// LogValue implements [slog.LogValuer] without the client secret.
func (p Provider) LogValue() slog.Value {
	return redact.LogValue(p.cfg, providerShows, slog.String("provider", name))
}
