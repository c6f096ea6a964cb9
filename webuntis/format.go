package webuntis

import (
	"fmt"
	"io"
	"log/slog"
)

// How the package's types print and log themselves without a credential.
// Every method has a value receiver, so a value, a pointer to one and a
// struct holding one all print and log the same; the credentials show as
// [oauthkit.Secret] does, "[redacted]".

// String describes the configuration without its credentials.
func (c Config) String() string {
	return fmt.Sprintf("webuntis.Config{BaseURL:%q Tenant:%q ClientID:%q ClientSecret:%s Password:%s BasicEncoding:%s RedirectURL:%q Scopes:%q Issuer:%q Timeout:%v}",
		c.BaseURL, c.Tenant, c.ClientID, c.ClientSecret, c.Password, c.BasicEncoding, c.RedirectURL, c.Scopes, c.Issuer, c.Timeout)
}

// GoString is String.
func (c Config) GoString() string { return c.String() }

// Format prints String for every verb.
func (c Config) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }

// LogValue implements [slog.LogValuer] without the credentials. Without it,
// slog's JSON handler would marshal the Config and fail on its func field.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("base_url", c.BaseURL),
		slog.String("tenant", c.Tenant),
		slog.String("client_id", c.ClientID),
		slog.Any("client_secret", c.ClientSecret),
		slog.Any("password", c.Password),
		slog.String("basic_encoding", c.BasicEncoding.String()),
		slog.String("redirect_url", c.RedirectURL),
		slog.Any("scopes", c.Scopes),
		slog.String("issuer", c.Issuer),
		slog.Duration("timeout", c.Timeout),
	)
}

// LogValue implements [slog.LogValuer] without the credentials.
func (p Provider) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("provider", name),
		slog.String("base_url", p.cfg.BaseURL),
		slog.String("tenant", p.cfg.Tenant),
		slog.String("client_id", p.cfg.ClientID),
	)
}

// String describes the event without the credentials or Fields.
func (c Credentials) String() string {
	return fmt.Sprintf("webuntis.Credentials{TenantID:%q ClientID:%q Secret:%s Password:%s Host:%q EventType:%q}",
		c.TenantID, c.ClientID, c.Secret, c.Password, c.Host, c.EventType)
}

// GoString is String.
func (c Credentials) GoString() string { return c.String() }

// Format prints String for every verb.
func (c Credentials) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }
