package main

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
)

// TestProbeAuthorizeScrubsBeforeBounding: an authorization endpoint's
// error answer that echoes the login's state, nonce or verifier loses
// them before the fields are cut to 300 bytes (a cut first left the first
// bytes of a value that straddled the cut), and in the encodings the
// library's scrubber matches (base64 here), not only verbatim.
func TestProbeAuthorizeScrubsBeforeBounding(t *testing.T) {
	ar := &oauthkit.AuthRequest{
		State:        "STATEsecretvalue0123456789abcdefghij",
		Nonce:        "NONCEsecretvalue0123456789abcdefghij",
		CodeVerifier: "VERIFIERsecretvalue0123456789abcdefghijklmnopqrstuvwxyz",
		RedirectURL:  "http://127.0.0.1/callback",
	}
	pad := strings.Repeat("x", 290)
	answer := map[string]string{
		"error":             "invalid_request",
		"error_description": pad[:285] + " state=" + ar.State,                                         // straddles byte 300
		"hint":              pad[:280] + " nonce " + ar.Nonce,                                         // straddles too
		"message":           "verifier " + base64.StdEncoding.EncodeToString([]byte(ar.CodeVerifier)), // an encoding
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(answer)
	}))
	defer srv.Close()
	ar.URL = srv.URL + "/authorize"

	tgt := &target{vendor: "openid", client: srv.Client()}
	_, err := tgt.probeAuthorize(t.Context(), ar)
	var e *oauthkit.Error
	require.True(t, errors.As(err, &e), "an *oauthkit.Error: %v", err)
	for name, f := range map[string]string{"code": e.Code, "description": e.Description, "hint": e.Hint, "message": e.Message, "body": e.Body} {
		assert.LessOrEqual(t, len(f), 300, name)
		for _, prefix := range []string{"STATE", "NONCE", "VERIFIER", base64.StdEncoding.EncodeToString([]byte(ar.CodeVerifier))[:8]} {
			assert.NotContains(t, f, prefix, "%s keeps part of the login's secrets", name)
		}
	}
	assert.Contains(t, e.Message, "[redacted]")
	assert.Equal(t, "invalid_request", e.Code)
}
