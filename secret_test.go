package oauthkit_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime"
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

// TestSecretJSONRoundTripIsAnErrorNotARedactedPassword: JSON of a Secret is
// "[redacted]"; reading it back must fail naming the field, never yield the
// password "[redacted]".
func TestSecretJSONRoundTripIsAnErrorNotARedactedPassword(t *testing.T) {
	type creds struct {
		ClientID string
		Password oauthkit.Secret
	}
	j, err := json.Marshal(creds{ClientID: "c", Password: "pw-value"})
	require.NoError(t, err)
	var back creds
	err = json.Unmarshal(j, &back)
	require.Error(t, err, "unmarshalling the redacted placeholder must fail")
	var te *json.UnmarshalTypeError
	require.ErrorAs(t, err, &te)
	assert.Contains(t, err.Error(), `placeholder "[redacted]" into Go `, "the error says what was refused")
	if jsonNamesFieldOfMethodError() {
		assert.Contains(t, err.Error(), "Password", "the error names the field")
		assert.Equal(t, "Password", te.Field)
	}
	assert.True(t, back.Password.IsZero(), "no placeholder was stored as the password")

	// A real value reads back losslessly; null leaves the field as it was.
	require.NoError(t, json.Unmarshal([]byte(`{"ClientID":"c","Password":"pw-value"}`), &back))
	assert.True(t, back.Password == "pw-value", "the value read back")
	require.NoError(t, json.Unmarshal([]byte(`{"Password":null}`), &back))
	assert.False(t, back.Password.IsZero())
	require.Error(t, json.Unmarshal([]byte(`{"Password":42}`), &back))

	var s oauthkit.Secret
	require.ErrorIs(t, s.UnmarshalText([]byte("[redacted]")), oauthkit.ErrRedactedSecret)
	require.NoError(t, s.UnmarshalText([]byte("x")))
	assert.True(t, s == "x")
}

// jsonNamesFieldOfMethodError reports whether encoding/json adds the struct
// field to the *json.UnmarshalTypeError of an UnmarshalJSON method, as Go
// 1.26's does ("… into Go struct field Credentials.Password of type
// oauthkit.Secret"). Go 1.27's encoding/json, built on encoding/json/v2,
// does not: the error then names the type only.
func jsonNamesFieldOfMethodError() bool { return strings.HasPrefix(runtime.Version(), "go1.26") }
