package web

import (
	"fmt"
	"io"
	"log/slog"

	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/redact"
)

// How the package's types print and log themselves without a key, a token
// or a session ID. A Config shows its Keys as "[redacted]"; a Handler,
// which keeps its Config, shows what its Config does; a StoredTokens shows
// whether each token is set, never its value, and how many index entries
// it has; a MemoryTokenStore shows how many sessions it holds; a Session
// shows who is logged in, never its ID (the TokenStore key). Config,
// StoredTokens and Session have value receivers, so a value, a pointer to
// one and a struct holding one all print and log the same; Handler and
// MemoryTokenStore hold locks and are never copied, so theirs are on the
// pointer, which also keeps fmt from reading their fields by reflection
// while requests change them.
//
// encoding/json is not printing: a Session marshals with its ID (it is
// the session cookie's content) and a StoredTokens with its tokens (a
// TokenStore of one's own may keep it so), which is what slog's JSON
// handler writes for a struct holding one, since it marshals the struct
// without asking the fields for their LogValue.
const (
	configShows  = "BasePath InsecureCookies SessionMaxAge IdleTimeout LoginMaxAge SignInPath PostLogoutRedirectURL"
	sessionShows = "Provider Tenant Subject Name Email LoginAt Expires IdleExpires"
)

// String describes the configuration without its keys.
func (c Config) String() string { return redact.String("web.Config", c, configShows, c.described()...) }

// GoString is String.
func (c Config) GoString() string { return c.String() }

// Format prints String for every verb.
func (c Config) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }

// LogValue implements [slog.LogValuer] without the keys. Without it, slog's
// JSON handler would marshal the Config, keys included, and fail on its
// func fields.
func (c Config) LogValue() slog.Value { return redact.LogValue(c, configShows, c.attrs()...) }

// described is what String shows of the fields that are not plain values:
// the providers by name, whether there is a Resolve, the keys redacted and
// the token store by its type (a store of one's own may print more).
func (c Config) described() []string {
	return []string{
		fmt.Sprintf("Providers:%q", providerNames(c.Providers)),
		fmt.Sprintf("Resolve:%t", c.Resolve != nil),
		"Keys:" + redact.Keys(c.Keys...),
		fmt.Sprintf("Tokens:%T", c.Tokens),
	}
}

// attrs is what LogValue logs of the fields described shows.
func (c Config) attrs() []slog.Attr {
	return []slog.Attr{
		slog.Any("providers", providerNames(c.Providers)),
		slog.Bool("resolve", c.Resolve != nil),
		slog.String("keys", redact.Keys(c.Keys...)),
		slog.String("tokens", fmt.Sprintf("%T", c.Tokens)),
	}
}

func providerNames(ps []oauthkit.Provider) []string {
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = "<nil>"
		if p != nil {
			names[i] = p.Name()
		}
	}
	return names
}

// String describes the handler by its configuration, without the keys.
func (h *Handler) String() string {
	if h == nil {
		return "<nil>"
	}
	c := h.config()
	return redact.String("web.Handler", c, configShows, c.described()...)
}

// config is the Config h runs with: New's defaults applied, and the token
// store it uses (a MemoryTokenStore when Config.Tokens was zero).
func (h *Handler) config() Config {
	c := h.cfg
	c.Tokens = h.tokens
	return c
}

// GoString is String.
func (h *Handler) GoString() string { return h.String() }

// Format prints String for every verb.
func (h *Handler) Format(f fmt.State, _ rune) { io.WriteString(f, h.String()) }

// LogValue implements [slog.LogValuer] without the keys.
func (h *Handler) LogValue() slog.Value {
	if h == nil {
		return slog.Value{}
	}
	return h.config().LogValue()
}

// String describes the session's state without its tokens: for each token
// whether it is set, the access token's type and expiry, when the session
// ends and was last seen, and how many index entries it is filed under
// (they are made from the subject and the provider's sid).
func (t StoredTokens) String() string {
	return fmt.Sprintf("web.StoredTokens{Token:%s IDToken:%q Expires:%v Seen:%v Refs:%d}",
		tokenString(t.Token), redact.Hidden(t.IDToken != ""), t.Expires, t.Seen, len(t.Refs))
}

// GoString is String.
func (t StoredTokens) GoString() string { return t.String() }

// Format prints String for every verb.
func (t StoredTokens) Format(f fmt.State, _ rune) { io.WriteString(f, t.String()) }

// LogValue implements [slog.LogValuer] without the tokens.
func (t StoredTokens) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Any("token", tokenValue(t.Token)),
		slog.String("id_token", redact.Hidden(t.IDToken != "")),
		slog.Time("expires", t.Expires),
		slog.Time("seen", t.Seen),
		slog.Int("refs", len(t.Refs)),
	)
}

func tokenString(tok *oauth2.Token) string {
	if tok == nil {
		return "<nil>"
	}
	id, _ := tok.Extra("id_token").(string)
	return fmt.Sprintf("{TokenType:%q Expiry:%v AccessToken:%q RefreshToken:%q IDToken:%q}",
		tok.TokenType, tok.Expiry, redact.Hidden(tok.AccessToken != ""), redact.Hidden(tok.RefreshToken != ""), redact.Hidden(id != ""))
}

func tokenValue(tok *oauth2.Token) slog.Value {
	if tok == nil {
		return slog.Value{}
	}
	id, _ := tok.Extra("id_token").(string)
	return slog.GroupValue(
		slog.String("token_type", tok.TokenType),
		slog.Time("expiry", tok.Expiry),
		slog.String("access_token", redact.Hidden(tok.AccessToken != "")),
		slog.String("refresh_token", redact.Hidden(tok.RefreshToken != "")),
		slog.String("id_token", redact.Hidden(id != "")),
	)
}

// String describes the store by the number of sessions it holds, never
// their IDs or tokens.
func (m *MemoryTokenStore) String() string {
	if m == nil {
		return "<nil>"
	}
	return fmt.Sprintf("web.MemoryTokenStore{Len:%d}", m.Len())
}

// GoString is String.
func (m *MemoryTokenStore) GoString() string { return m.String() }

// Format prints String for every verb.
func (m *MemoryTokenStore) Format(f fmt.State, _ rune) { io.WriteString(f, m.String()) }

// LogValue implements [slog.LogValuer]: the number of sessions.
func (m *MemoryTokenStore) LogValue() slog.Value {
	if m == nil {
		return slog.Value{}
	}
	return slog.GroupValue(slog.Int("len", m.Len()))
}

// String describes who is logged in, without the session ID.
func (s Session) String() string {
	return redact.String("web.Session", s, sessionShows, fmt.Sprintf("ID:%q", redact.Hidden(s.ID != "")))
}

// GoString is String.
func (s Session) GoString() string { return s.String() }

// Format prints String for every verb.
func (s Session) Format(f fmt.State, _ rune) { io.WriteString(f, s.String()) }

// LogValue implements [slog.LogValuer] without the session ID.
func (s Session) LogValue() slog.Value {
	return slog.GroupValue(slog.String("provider", s.Provider), slog.String("tenant", s.Tenant), slog.String("subject", s.Subject), slog.Time("expires", s.Expires))
}
