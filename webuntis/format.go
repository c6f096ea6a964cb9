package webuntis

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/seed-e8f4a5f7/oauthkit/internal/redact"
)

// How the package's types print and log themselves without a credential.
// Every method has a value receiver, so a value, a pointer to one and a
// struct holding one all print and log the same; the credentials show as
// [oauthkit.Secret] does, "[redacted]". Each type names the fields it shows.
const (
	configShows      = "BaseURL Tenant ClientID ClientSecret Password BasicEncoding RedirectURL Scopes Issuer Timeout"
	providerShows    = "BaseURL Tenant ClientID"
	credentialsShows = "TenantID ClientID Secret Password Host EventType"
)

// String describes the configuration without its credentials.
func (c Config) String() string { return redact.String("webuntis.Config", c, configShows) }

// GoString is String.
func (c Config) GoString() string { return c.String() }

// Format prints String for every verb.
func (c Config) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }

// LogValue implements [slog.LogValuer] without the credentials. Without it,
// slog's JSON handler would marshal the Config and fail on its func field.
func (c Config) LogValue() slog.Value { return redact.LogValue(c, configShows) }

// String describes the provider without its credentials.
func (p Provider) String() string {
	return redact.String("webuntis.Provider", p.cfg, providerShows)
}

// GoString is String: the credentials live in an unexported field, where
// fmt's %#v would print them raw.
func (p Provider) GoString() string { return p.String() }

// Format prints String for every verb.
func (p Provider) Format(f fmt.State, _ rune) { io.WriteString(f, p.String()) }

// LogValue implements [slog.LogValuer] without the credentials.
func (p Provider) LogValue() slog.Value {
	return redact.LogValue(p.cfg, providerShows, slog.String("provider", name))
}

// String describes the event without the credentials or Fields.
func (c Credentials) String() string {
	return redact.String("webuntis.Credentials", c, credentialsShows)
}

// GoString is String.
func (c Credentials) GoString() string { return c.String() }

// Format prints String for every verb.
func (c Credentials) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }
