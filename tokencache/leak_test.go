package tokencache_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
)

// Secrets with characters that escaping changes (/, +, =, &, <), so an
// escaped leak is not missed.
const (
	leakCredential = "client/SECRET+7f3a=&<x>"
	leakHashKey    = "deploy/HASHKEY+1b2c=&<y>"
	leakUser       = "ada+lovelace@example.com"
	leakAccess     = "access/TOKEN+4d5e=&<z>"
	leakRefresh    = "refresh/TOKEN+6f70=&<w>"
	leakExpired    = "expired/TOKEN+8a9b=&<v>"
)

// TestSecretHoldersRedactAsValues: KeyParts printed its Credential and
// HashKey with every fmt verb and slog handler, and printing a Cache or a
// TokenSource read their locks and atomics by reflection, a data race with
// the cache's timers. Every exported type of the
// package that holds a credential or a token — KeyParts, a RefreshEvent,
// a Cache holding tokens and the token sources and clients it returns —
// prints (every fmt verb) and logs (slog's JSON and text handlers) without
// it, as a value, as a pointer and nested in a struct, in every encoding.
func TestSecretHoldersRedactAsValues(t *testing.T) {
	parts := tokencache.KeyParts{
		Vendor: "webuntis", Endpoint: "https://api.webuntis.com/token", Tenant: "1234", ClientID: "c",
		Flow: "client_credentials", Scopes: []string{"a b"}, User: leakUser,
		Credential: leakCredential, HashKey: []byte(leakHashKey),
	}
	key := tokencache.Key(parts)

	var mu sync.Mutex
	var events []tokencache.RefreshEvent
	c := tokencache.New(tokencache.Config{OnRefresh: func(e tokencache.RefreshEvent) {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, e)
	}})
	defer c.Close()
	ctx := context.Background()
	fetch := func(context.Context) (*oauth2.Token, error) {
		return &oauth2.Token{AccessToken: leakAccess, TokenType: "Bearer", Expiry: time.Now().Add(time.Hour)}, nil
	}
	_, err := c.Token(ctx, key, fetch)
	require.NoError(t, err)
	// A fetch answering an expired token fails: its event holds an error.
	expiredKey := tokencache.Key(tokencache.KeyParts{Vendor: "v", Flow: "expired", Credential: leakCredential})
	_, err = c.Token(ctx, expiredKey, func(context.Context) (*oauth2.Token, error) {
		return &oauth2.Token{AccessToken: leakExpired, Expiry: time.Now().Add(-time.Hour)}, nil
	})
	require.ErrorIs(t, err, tokencache.ErrExpiredToken)
	userKey := tokencache.Key(tokencache.KeyParts{Vendor: "v", Flow: "refresh_token", User: leakUser})
	seed := &oauth2.Token{AccessToken: leakAccess, RefreshToken: leakRefresh, Expiry: time.Now().Add(time.Hour)}
	refreshing := c.RefreshingSource(userKey, seed, func(context.Context, *oauth2.Token) (*oauth2.Token, error) {
		return nil, fmt.Errorf("not called")
	})
	_, err = refreshing.Token()
	require.NoError(t, err)
	source := c.TokenSource(key, fetch)
	client := c.Client(key, fetch, nil)

	mu.Lock()
	require.NotEmpty(t, events)
	okEvent, failedEvent := events[0], tokencache.RefreshEvent{}
	for _, e := range events {
		if e.Err != nil {
			failedEvent = e
		}
	}
	mu.Unlock()
	require.ErrorIs(t, failedEvent.Err, tokencache.ErrExpiredToken)

	secrets := []string{leakCredential, leakHashKey, leakUser, leakAccess, leakRefresh, leakExpired}
	stored := tokencache.Stored{Token: seed, Rev: "r1"}
	// A Stored marshals to JSON whole (a Store of one's own may keep it so),
	// which is what slog's JSON handler writes for a struct holding one.
	nestedJSON := []string{providertest.NestedJSON, providertest.NestedJSONPointer}
	providertest.Rendered(t, "Stored", stored, nestedJSON, secrets...)
	providertest.Rendered(t, "*Stored", &stored, nestedJSON, secrets...)
	for _, h := range []struct {
		name string
		v    any
	}{
		{"KeyParts", parts},
		{"*KeyParts", &parts},
		{"RefreshEvent", okEvent},
		{"*RefreshEvent", &okEvent},
		{"RefreshEvent (failed)", failedEvent},
		{"*RefreshEvent (failed)", &failedEvent},
		{"*Cache", c},
		{"TokenSource", source},
		{"RefreshingSource", refreshing},
		{"Client", client},
		{"Client's Transport", client.Transport},
	} {
		providertest.Rendered(t, h.name, h.v, nil, secrets...)
	}

	// The redacted forms still say what they describe: the readable parts,
	// whether the hidden ones are set, and the key.
	logged := map[string]string{"fmt": fmt.Sprint(parts)}
	for name, new := range map[string]func(*bytes.Buffer) slog.Handler{
		"slog JSON": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
		"slog text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
	} {
		var buf bytes.Buffer
		slog.New(new(&buf)).Info("x", "parts", parts)
		logged[name] = buf.String()
	}
	asJSON, err := json.Marshal(parts)
	require.NoError(t, err)
	logged["JSON"] = string(asJSON)
	for how, text := range logged {
		for _, want := range []string{"webuntis", "1234", "client_credentials", "[redacted]", key} {
			require.True(t, strings.Contains(text, want), "KeyParts via %s shows %q", how, want)
		}
	}
	require.NotContains(t, fmt.Sprint(tokencache.KeyParts{Vendor: "v"}), "[redacted]", "an empty part is not shown as set")
	// A Cache and its sources print without fmt reflecting over their
	// fields, which raced with the cache's timers (go test -race).
	require.Contains(t, fmt.Sprint(c), "tokencache.Cache{Len:")
	require.Contains(t, fmt.Sprint(source), key, "a TokenSource names its key")
}
