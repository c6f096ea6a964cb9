package licensespring

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/seed-e8f4a5f7/oauthkit/internal/redact"
)

// How the package's types print and log themselves without a credential.
// Every method has a value receiver, so a value, a pointer to one and a
// struct holding one all print and log the same; the shared key shows as
// [oauthkit.Secret] does, "[redacted]". Each type names the fields it shows
// (ActivationCredentials, in activation.go, shows which credential it holds,
// never the credential).
const (
	configShows   = "APIURL APIKey SharedKey Product CustomerAccountCode ResponseType RedirectURL Timeout"
	providerShows = "APIURL APIKey Product CustomerAccountCode ResponseType"
)

// String describes the configuration without its shared key.
func (c Config) String() string { return redact.String("licensespring.Config", c, configShows) }

// GoString is String.
func (c Config) GoString() string { return c.String() }

// Format prints String for every verb.
func (c Config) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }

// LogValue implements [slog.LogValuer] without the shared key.
func (c Config) LogValue() slog.Value { return redact.LogValue(c, configShows) }

// String describes the provider without its shared key.
func (p Provider) String() string {
	return redact.String("licensespring.Provider", p.cfg, providerShows)
}

// GoString is String: the shared key lives in an unexported field, where
// fmt's %#v would print it raw.
func (p Provider) GoString() string { return p.String() }

// Format prints String for every verb.
func (p Provider) Format(f fmt.State, _ rune) { io.WriteString(f, p.String()) }

// LogValue implements [slog.LogValuer] without the shared key.
func (p Provider) LogValue() slog.Value {
	return redact.LogValue(p.cfg, providerShows, slog.String("provider", name))
}
