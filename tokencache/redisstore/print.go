package redisstore

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/seed-e8f4a5f7/oauthkit/internal/redact"
)

// How the package's configurations and stores print and log themselves
// without a key: Keys and NameKey show as "[redacted]" ("[]" when unset),
// and the Redis client by its type only (fmt walking a client prints its
// options, password included). A store shows the configuration it runs
// with, defaults applied, its keys stood in for (it keeps the AES keys only
// expanded, in its sealer). MarshalJSON writes what LogValue shows, so that
// slog's JSON handler, which marshals a struct holding one without asking
// for its LogValue, shows no key either: a configuration is not a storage
// format. Every method has a value receiver, so a value, a pointer to one
// and a struct holding one all print, log and marshal the same.
const (
	configShows        = "InsecurePlaintext Prefix Timeout KeepRefreshToken"
	sessionConfigShows = "Prefix Timeout"
	credConfigShows    = "Prefix Timeout"
)

// String describes the configuration without its keys.
func (c Config) String() string { return c.describe("redisstore.Config") }

func (c Config) describe(typeName string) string {
	return redact.String(typeName, c, configShows, fmt.Sprintf("Client:%T", c.Client), "Keys:"+redact.Keys(c.Keys...))
}

// GoString is String.
func (c Config) GoString() string { return c.String() }

// Format prints String for every verb.
func (c Config) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }

// MarshalJSON encodes what LogValue shows.
func (c Config) MarshalJSON() ([]byte, error) { return redact.JSON(c.LogValue()) }

// LogValue implements [slog.LogValuer] without the keys.
func (c Config) LogValue() slog.Value {
	return redact.LogValue(c, configShows, slog.String("client", fmt.Sprintf("%T", c.Client)), slog.String("keys", redact.Keys(c.Keys...)))
}

// String describes the configuration without its keys.
func (c SessionConfig) String() string { return c.describe("redisstore.SessionConfig") }

func (c SessionConfig) describe(typeName string) string {
	return redact.String(typeName, c, sessionConfigShows, fmt.Sprintf("Client:%T", c.Client),
		"Keys:"+redact.Keys(c.Keys...), "NameKey:"+redact.Keys(c.NameKey))
}

// GoString is String.
func (c SessionConfig) GoString() string { return c.String() }

// Format prints String for every verb.
func (c SessionConfig) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }

// MarshalJSON encodes what LogValue shows.
func (c SessionConfig) MarshalJSON() ([]byte, error) { return redact.JSON(c.LogValue()) }

// LogValue implements [slog.LogValuer] without the keys.
func (c SessionConfig) LogValue() slog.Value {
	return redact.LogValue(c, sessionConfigShows, slog.String("client", fmt.Sprintf("%T", c.Client)),
		slog.String("keys", redact.Keys(c.Keys...)), slog.String("name_key", redact.Keys(c.NameKey)))
}

// String describes the configuration without its keys.
func (c CredentialConfig) String() string { return c.describe("redisstore.CredentialConfig") }

func (c CredentialConfig) describe(typeName string) string {
	return redact.String(typeName, c, credConfigShows, fmt.Sprintf("Client:%T", c.Client), "Keys:"+redact.Keys(c.Keys...))
}

// GoString is String.
func (c CredentialConfig) GoString() string { return c.String() }

// Format prints String for every verb.
func (c CredentialConfig) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }

// MarshalJSON encodes what LogValue shows.
func (c CredentialConfig) MarshalJSON() ([]byte, error) { return redact.JSON(c.LogValue()) }

// LogValue implements [slog.LogValuer] without the keys.
func (c CredentialConfig) LogValue() slog.Value {
	return redact.LogValue(c, credConfigShows, slog.String("client", fmt.Sprintf("%T", c.Client)), slog.String("keys", redact.Keys(c.Keys...)))
}

// standIn stands for a key a store holds in its printed configuration:
// bytes that are no key when it has one, nil when it has none.
func standIn(set bool) []byte {
	if set {
		return []byte(redact.Placeholder)
	}
	return nil
}

// config is the configuration s runs with, its keys stood in for.
func (s Store) config() Config {
	return Config{Client: s.client, Keys: [][]byte{standIn(s.sealer != nil)}, InsecurePlaintext: s.sealer == nil, Prefix: s.prefix, Timeout: s.timeout, KeepRefreshToken: s.keep}
}

// String describes the store by its configuration, without the keys.
func (s Store) String() string { return s.config().describe("redisstore.Store") }

// GoString is String.
func (s Store) GoString() string { return s.String() }

// Format prints String for every verb.
func (s Store) Format(f fmt.State, _ rune) { io.WriteString(f, s.String()) }

// MarshalJSON encodes what LogValue shows.
func (s Store) MarshalJSON() ([]byte, error) { return redact.JSON(s.LogValue()) }

// LogValue implements [slog.LogValuer] without the keys.
func (s Store) LogValue() slog.Value { return s.config().LogValue() }

// config is the configuration s runs with, its keys stood in for.
func (s SessionStore) config() SessionConfig {
	return SessionConfig{Client: s.client, Keys: [][]byte{standIn(s.sealer != nil)}, NameKey: standIn(len(s.nameKey) > 0), Prefix: s.prefix, Timeout: s.timeout}
}

// String describes the store by its configuration, without the keys.
func (s SessionStore) String() string { return s.config().describe("redisstore.SessionStore") }

// GoString is String.
func (s SessionStore) GoString() string { return s.String() }

// Format prints String for every verb.
func (s SessionStore) Format(f fmt.State, _ rune) { io.WriteString(f, s.String()) }

// MarshalJSON encodes what LogValue shows.
func (s SessionStore) MarshalJSON() ([]byte, error) { return redact.JSON(s.LogValue()) }

// LogValue implements [slog.LogValuer] without the keys.
func (s SessionStore) LogValue() slog.Value { return s.config().LogValue() }

// config is the configuration s runs with, its keys stood in for.
func (s CredentialStore) config() CredentialConfig {
	return CredentialConfig{Client: s.client, Keys: [][]byte{standIn(s.sealer != nil)}, Prefix: s.prefix, Timeout: s.timeout}
}

// String describes the store by its configuration, without the keys.
func (s CredentialStore) String() string { return s.config().describe("redisstore.CredentialStore") }

// GoString is String.
func (s CredentialStore) GoString() string { return s.String() }

// Format prints String for every verb.
func (s CredentialStore) Format(f fmt.State, _ rune) { io.WriteString(f, s.String()) }

// MarshalJSON encodes what LogValue shows.
func (s CredentialStore) MarshalJSON() ([]byte, error) { return redact.JSON(s.LogValue()) }

// LogValue implements [slog.LogValuer] without the keys.
func (s CredentialStore) LogValue() slog.Value { return s.config().LogValue() }
