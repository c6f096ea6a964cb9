package native_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit/licensespring"
	"github.com/seed-e8f4a5f7/oauthkit/native"
)

// chromiumPath is where Debian's chromium package puts the browser. Nothing
// here downloads one.
const chromiumPath = "/usr/bin/chromium"

// startChromium starts a headless Chromium for t, or skips t without one
// (fails it under CI=true).
func startChromium(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Chromium is missing at %s; CI installs it (apt-get install -y chromium)", chromiumPath)
		}
		t.Skipf("Chromium is not installed at %s (apt-get install -y chromium); skipping the browser test", chromiumPath)
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
	)
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(cancelBrowser)
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return bctx
}

// TestLoginInChromium: a real browser follows the vendor's redirect to the
// listener and shows the success page; for the implicit grant it runs the
// fragment page's script under its Content-Security-Policy, which allows
// that script by its hash only.
func TestLoginInChromium(t *testing.T) {
	for _, tc := range []struct {
		name string
		v    func(*testing.T) vendor
	}{
		{"code flow", unisigninVendor},
		{"implicit grant", func(t *testing.T) vendor { return licensespringVendor(t, licensespring.ResponseTypeToken) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bctx := startChromium(t)
			v := tc.v(t)
			l, p := listen(t, v)
			open := func(ctx context.Context, authURL string) error {
				nctx, cancel := context.WithTimeout(bctx, 30*time.Second)
				defer cancel()
				return chromedp.Do(nctx, chromedp.Navigate(authURL))
			}
			login, err := l.Login(t.Context(), p, native.Options{OpenBrowser: open, Timeout: time.Minute})
			require.NoError(t, err)
			assert.NotEmpty(t, login.UserInfo.Subject)

			wctx, cancel := context.WithTimeout(bctx, 30*time.Second)
			defer cancel()
			var h1, location string
			require.NoError(t, chromedp.Do(wctx,
				chromedp.WaitVisible(chromedp.CSS("h1")), // the relay page has none
				chromedp.Func(func(ctx context.Context, tg *chromedp.Target) (err error) {
					if h1, err = chromedp.Text(chromedp.CSS("h1"))(ctx, tg); err != nil {
						return err
					}
					location, err = chromedp.Location()(ctx, tg)
					return err
				}),
			))
			assert.Equal(t, "Logged in", h1)
			assert.NotContains(t, location, "access_token", "the fragment is gone from the address bar")
			requireClosed(t, l.Addr())
		})
	}
}
