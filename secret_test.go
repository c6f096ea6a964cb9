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
			assert.NotContains(t, out, "hunter2", "%s of %s", verb, name)
			assert.NotContains(t, out, fmt.Sprintf("%x", value), "%s of %s leaks hex", verb, name)
		}
	}
	assert.Equal(t, "[redacted]", s.String())
	assert.Equal(t, `oauthkit.Secret("[redacted]")`, s.GoString())
	assert.Equal(t, value, s.Reveal())

	j, err := json.Marshal(holder)
	require.NoError(t, err)
	assert.NotContains(t, string(j), "hunter2")

	var buf strings.Builder
	slog.New(slog.NewTextHandler(&buf, nil)).Info("login", "secret", s, "holder", holder)
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("login", "secret", s)
	assert.NotContains(t, buf.String(), "hunter2")
}

func TestSecretIsZero(t *testing.T) {
	assert.True(t, oauthkit.Secret("").IsZero())
	assert.False(t, oauthkit.Secret("x").IsZero())
}
