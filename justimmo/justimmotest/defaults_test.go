package justimmotest_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/seed-e8f4a5f7/oauthkit/justimmo/justimmotest"
)

// TestPartlyFilledAppGetsDocumentedDefaults: each zero field of the App
// gets the default its doc names, alone.
func TestPartlyFilledAppGetsDocumentedDefaults(t *testing.T) {
	srv := justimmotest.NewServer(justimmotest.Options{App: justimmotest.App{Secret: "s3cret"}})
	defer srv.Close()
	app := srv.App()
	assert.Equal(t, "oauthkit-demo", app.ID)
	assert.Equal(t, "s3cret", app.Secret)
	assert.Equal(t, []string{"http://127.0.0.1/auth/justimmo/callback"}, app.RedirectURLs)

	srv = justimmotest.NewServer(justimmotest.Options{App: justimmotest.App{ID: "mine"}})
	defer srv.Close()
	assert.NotEmpty(t, srv.App().Secret)
}
