package justimmo

import (
	"fmt"
	"io"
	"log/slog"
)

// How the package's types print and log themselves without a credential.
// Every method has a value receiver, so a value, a pointer to one and a
// struct holding one all print and log the same; the client secret shows as
// [oauthkit.Secret] does, "[redacted]".

// String describes the configuration without its client secret.
func (c Config) String() string {
	return fmt.Sprintf("justimmo.Config{ClientID:%q ClientSecret:%s RedirectURL:%q Scopes:%q AuthURL:%q APIURL:%q Timeout:%v}",
		c.ClientID, c.ClientSecret, c.RedirectURL, c.Scopes, c.AuthURL, c.APIURL, c.Timeout)
}

// GoString is String.
func (c Config) GoString() string { return c.String() }

// Format prints String for every verb.
func (c Config) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }

// LogValue implements [slog.LogValuer] without the client secret. Without
// it, slog's JSON handler would marshal the Config and fail on its func
// field.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("client_id", c.ClientID),
		slog.Any("client_secret", c.ClientSecret),
		slog.String("redirect_url", c.RedirectURL),
		slog.Any("scopes", c.Scopes),
		slog.String("auth_url", c.AuthURL),
		slog.String("api_url", c.APIURL),
		slog.Duration("timeout", c.Timeout),
	)
}

// LogValue implements [slog.LogValuer] without the client secret.
func (p Provider) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("provider", name),
		slog.String("auth_url", p.cfg.AuthURL),
		slog.String("api_url", p.cfg.APIURL),
		slog.String("client_id", p.cfg.ClientID),
	)
}
