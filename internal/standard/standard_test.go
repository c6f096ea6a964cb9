package standard_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/oauthwire"
	"github.com/seed-e8f4a5f7/oauthkit/internal/standard"
)

// TestVendorExceptions: the Options a vendor sets for its documented
// differences reach the wire — raw Basic credentials and its advice on
// errors — on a server configured by its endpoints.
func TestVendorExceptions(t *testing.T) {
	var auth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = r.Header.Get("Authorization")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"error":"invalid_grant"}`))
	}))
	t.Cleanup(srv.Close)
	for _, tt := range []struct {
		name  string
		style oauthwire.AuthStyle
		want  string
	}{
		{"RFC 6749 Basic", 0, "my+app:s%2Bcret"},
		{"raw Basic", oauthwire.AuthBasicRaw, "my app:s+cret"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := standard.New(standard.Options{
				Name: "vendor", Endpoints: &oauthkit.Endpoints{TokenURL: srv.URL + "/token"},
				ClientID: "my app", ClientSecret: "s+cret", BasicStyle: tt.style,
				Advise: func(e *oauthkit.Error) string { return "the vendor's documented cause" },
			}, oauthwire.New("vendor", oauthwire.Options{}))
			_, err := p.ClientCredentials(context.Background())
			var e *oauthkit.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, "the vendor's documented cause", e.Advice)
			assert.Equal(t, "Basic "+base64.StdEncoding.EncodeToString([]byte(tt.want)), auth)
		})
	}
}
