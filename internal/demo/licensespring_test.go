package demo

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/httpc"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring"
)

// activate_license's answer used to be decoded straight off the wire, with
// no bound on its size.
func TestActivateReadsTheAnswerWithinTheLimit(t *testing.T) {
	for _, tt := range []struct {
		name    string
		pad     int
		wantErr error
	}{
		{name: "small answer", pad: 10},
		{name: "over the limit", pad: httpc.DefaultMaxBody, wantErr: oauthkit.ErrResponseTooLarge},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, `{"pad":"`+strings.Repeat("a", tt.pad)+`","user":{"id":"user-1"}}`)
			}))
			defer srv.Close()
			id, err := activate(context.Background(), srv.Client().Transport, srv.URL+"/api/v4/activate_license", &licensespring.ActivationCredentials{CustomerAccountCode: "acme", Code: "code-1", Product: "p", HardwareID: "hw"})
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				assert.Empty(t, id)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "user-1", id)
		})
	}
}
