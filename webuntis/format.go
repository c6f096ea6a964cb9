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

// String describes the configuration by its Config (without credentials)
// and the type of its credential store.
func (c TenantsConfig) String() string {
	return fmt.Sprintf("webuntis.TenantsConfig{Credentials:%T Config:%v}", c.Credentials, c.Config)
}

// GoString is String.
func (c TenantsConfig) GoString() string { return c.String() }

// Format prints String for every verb.
func (c TenantsConfig) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }

// LogValue implements [slog.LogValuer] without the credentials.
func (c TenantsConfig) LogValue() slog.Value {
	return slog.GroupValue(slog.String("credentials", fmt.Sprintf("%T", c.Credentials)), slog.Any("config", c.Config))
}

// String describes the registry by its configuration, without the
// credentials, and the number of tenants it holds. Tenants holds a lock
// and is never copied: its methods are on the pointer, and keep fmt from
// reading its configuration (an unexported field, where a Secret would
// print raw) and its map by reflection.
func (t *Tenants) String() string {
	if t == nil {
		return "<nil>"
	}
	return fmt.Sprintf("webuntis.Tenants{Credentials:%T Config:%v Len:%d}", t.cfg.Credentials, t.cfg.Config, t.Len())
}

// GoString is String.
func (t *Tenants) GoString() string { return t.String() }

// Format prints String for every verb.
func (t *Tenants) Format(f fmt.State, _ rune) { io.WriteString(f, t.String()) }

// LogValue implements [slog.LogValuer] without the credentials.
func (t *Tenants) LogValue() slog.Value {
	if t == nil {
		return slog.Value{}
	}
	return slog.GroupValue(append(t.cfg.LogValue().Group(), slog.Int("len", t.Len()))...)
}

// String describes the store by the number of tenants it holds, never
// their credentials: fmt's %s of the map of *Credentials it holds in an
// unexported field printed them raw. Its methods are on the pointer: it
// holds a lock and is never copied.
func (s *MemoryCredentialStore) String() string {
	if s == nil {
		return "<nil>"
	}
	return fmt.Sprintf("webuntis.MemoryCredentialStore{Len:%d}", s.Len())
}

// GoString is String.
func (s *MemoryCredentialStore) GoString() string { return s.String() }

// Format prints String for every verb.
func (s *MemoryCredentialStore) Format(f fmt.State, _ rune) { io.WriteString(f, s.String()) }

// LogValue implements [slog.LogValuer]: the number of tenants.
func (s *MemoryCredentialStore) LogValue() slog.Value {
	if s == nil {
		return slog.Value{}
	}
	return slog.GroupValue(slog.Int("len", s.Len()))
}
