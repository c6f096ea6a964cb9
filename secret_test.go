package oauthkit_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/providertest"
)

func TestSecretNeverPrints(t *testing.T) {
	const value = "hunter2+/=:%&"
	s := oauthkit.Secret(value)
	holder := struct {
		Password oauthkit.Secret
		List     []oauthkit.Secret
		Map      map[string]oauthkit.Secret
	}{s, []oauthkit.Secret{s}, map[string]oauthkit.Secret{"k": s}}

	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10s", "%-8v", "%T:%v"} {
		for name, arg := range map[string]any{"secret": s, "pointer": &s, "struct": holder, "pointer to struct": &holder} {
			out := fmt.Sprintf(verb, arg)
			providertest.Text(t, verb+" of "+name, out, value, "hunter2", fmt.Sprintf("%x", value))
		}
	}
	assert.Equal(t, "[redacted]", s.String())
	assert.Equal(t, `oauthkit.Secret("[redacted]")`, s.GoString())
	assert.Equal(t, value, s.Reveal())

	j, err := json.Marshal(holder)
	require.NoError(t, err)
	providertest.Text(t, "JSON", string(j), value)

	var buf strings.Builder
	slog.New(slog.NewTextHandler(&buf, nil)).Info("login", "secret", s, "holder", holder)
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("login", "secret", s)
	providertest.Text(t, "slog output", buf.String(), value)
}

func TestSecretIsZero(t *testing.T) {
	assert.True(t, oauthkit.Secret("").IsZero())
	assert.False(t, oauthkit.Secret("x").IsZero())
}
