package tokencache

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"golang.org/x/oauth2"
)

// TokenChange is a new token under a key, for [Config.OnTokenChange].
//
// A TokenChange formats, logs and marshals itself without its tokens and
// without User: fmt, [log/slog] and encoding/json show the key, whether
// there was an old token, the new token's expiry and whether its refresh
// token changed.
type TokenChange struct {
	// Key is the cache key; users and credentials enter it only hashed.
	Key string

	// User is the user of the [Cache.RefreshingSource] whose renewal brought
	// the token, as given with [ForUser] (every vendor's UserTokenSource
	// passes its user argument); empty for other keys. It comes from the
	// source, not from Key: store the new refresh token under it.
	User string

	// Old is the token New replaces; nil when the cache held none for Key
	// (first fetch, or after expiry, eviction or Invalidate).
	Old *oauth2.Token

	// New is the new token, never nil. Neither token may be modified.
	New *oauth2.Token
}

// RefreshTokenChanged reports whether New carries another refresh token
// than Old: the one to store.
func (c TokenChange) RefreshTokenChanged() bool {
	return c.New != nil && c.New.RefreshToken != "" && (c.Old == nil || c.Old.RefreshToken != c.New.RefreshToken)
}

func (c TokenChange) expiry() time.Time {
	if c.New == nil {
		return time.Time{}
	}
	return c.New.Expiry
}

// Format prints the key, never the tokens or the user.
func (c TokenChange) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "tokencache.TokenChange{Key:%q HadOld:%t Expiry:%s RefreshTokenChanged:%t}",
		c.Key, c.Old != nil, c.expiry().Format(time.RFC3339), c.RefreshTokenChanged())
}

// LogValue implements [slog.LogValuer]: what Format prints.
func (c TokenChange) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("key", c.Key),
		slog.Bool("had_old", c.Old != nil),
		slog.Time("expiry", c.expiry()),
		slog.Bool("refresh_token_changed", c.RefreshTokenChanged()),
	)
}

// MarshalJSON encodes what LogValue shows.
func (c TokenChange) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Key                 string    `json:"key"`
		HadOld              bool      `json:"had_old"`
		Expiry              time.Time `json:"expiry,omitzero"`
		RefreshTokenChanged bool      `json:"refresh_token_changed"`
	}{c.Key, c.Old != nil, c.expiry(), c.RefreshTokenChanged()})
}
