package tokencache

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"

	"github.com/seed-e8f4a5f7/oauthkit/internal/redact"
)

// String describes the parts without the credential, the hash key and the
// user, which [Key] keeps out of the key for the same reason: each shows as
// "[redacted]" when set. The key itself, safe to log, is included. String,
// GoString, Format, LogValue and MarshalJSON have value receivers, so a
// KeyParts value, a pointer to one and a struct holding one all print and
// log the same.
func (p KeyParts) String() string {
	return fmt.Sprintf("tokencache.KeyParts{Vendor:%q Endpoint:%q Tenant:%q ClientID:%q Flow:%q Scopes:%q User:%q Credential:%q HashKey:%q Key:%q}",
		p.Vendor, p.Endpoint, p.Tenant, p.ClientID, p.Flow, p.Scopes,
		redact.Hidden(p.User != ""), redact.Hidden(p.Credential != ""), redact.Hidden(len(p.HashKey) > 0), Key(p))
}

// GoString is String.
func (p KeyParts) GoString() string { return p.String() }

// Format prints String for every verb.
func (p KeyParts) Format(f fmt.State, _ rune) { io.WriteString(f, p.String()) }

// LogValue implements [slog.LogValuer]: what String shows.
func (p KeyParts) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("vendor", p.Vendor),
		slog.String("endpoint", p.Endpoint),
		slog.String("tenant", p.Tenant),
		slog.String("client_id", p.ClientID),
		slog.String("flow", p.Flow),
		slog.Any("scopes", p.Scopes),
		slog.String("user", redact.Hidden(p.User != "")),
		slog.String("credential", redact.Hidden(p.Credential != "")),
		slog.String("hash_key", redact.Hidden(len(p.HashKey) > 0)),
		slog.String("key", Key(p)),
	)
}

// MarshalJSON encodes what LogValue shows, so that a KeyParts inside a
// struct that slog's JSON handler marshals shows no credential either. A
// KeyParts is not a storage format: store the [Key].
func (p KeyParts) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Vendor     string   `json:"vendor"`
		Endpoint   string   `json:"endpoint"`
		Tenant     string   `json:"tenant"`
		ClientID   string   `json:"client_id"`
		Flow       string   `json:"flow"`
		Scopes     []string `json:"scopes"`
		User       string   `json:"user"`
		Credential string   `json:"credential"`
		HashKey    string   `json:"hash_key"`
		Key        string   `json:"key"`
	}{p.Vendor, p.Endpoint, p.Tenant, p.ClientID, p.Flow, p.Scopes,
		redact.Hidden(p.User != ""), redact.Hidden(p.Credential != ""), redact.Hidden(len(p.HashKey) > 0), Key(p)})
}

// String describes the cache by its number of keys, never its tokens. A
// Cache holds locks, so these methods have pointer receivers (a Cache is
// never copied); without them fmt would print its fields by reflection,
// which races with the cache's own timers and goroutines.
func (c *Cache) String() string {
	if c == nil {
		return "<nil>"
	}
	return fmt.Sprintf("tokencache.Cache{Len:%d}", c.Len())
}

// GoString is String.
func (c *Cache) GoString() string { return c.String() }

// Format prints String for every verb.
func (c *Cache) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }

// LogValue implements [slog.LogValuer]: the number of keys.
func (c *Cache) LogValue() slog.Value {
	if c == nil {
		return slog.Value{}
	}
	return slog.GroupValue(slog.Int("len", c.Len()))
}

// String describes the token source by its key, never its token, and
// without reading its fields by reflection as fmt would, racing with the
// cache.
func (s *source) String() string {
	if s == nil {
		return "<nil>"
	}
	return fmt.Sprintf("tokencache.TokenSource{Key:%q}", s.key)
}

// Format prints String for every verb.
func (s *source) Format(f fmt.State, _ rune) { io.WriteString(f, s.String()) }

// LogValue implements [slog.LogValuer]: the key.
func (s *source) LogValue() slog.Value {
	if s == nil {
		return slog.Value{}
	}
	return slog.GroupValue(slog.String("key", s.key))
}
