package native_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit/licensespring"
	"github.com/seed-e8f4a5f7/oauthkit/native"
)

// postFragment plays the fragment page's script: it posts the fragment to
// the callback path, as a same-origin form.
func postFragment(ctx context.Context, cb *url.URL, fragment, fetchSite string) (page, error) {
	target := *cb
	target.RawQuery, target.Fragment, target.RawFragment = "", "", ""
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target.String(), strings.NewReader(url.Values{"fragment": {fragment}}.Encode()))
	if err != nil {
		return page{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", fetchSite)
	return do(req)
}

var scriptRE = regexp.MustCompile(`(?s)<script>(.*)</script>`)

// TestLoginImplicit: LicenseSpring's implicit grant returns the tokens in
// the fragment. The callback answers with a page whose script (allowed by
// its hash, nothing else) posts the fragment back; a cross-site post and a
// fragment with another state are refused without ending the wait.
func TestLoginImplicit(t *testing.T) {
	v := licensespringVendor(t, licensespring.ResponseTypeToken)
	l, p := listen(t, v)
	var relay, crossSite, forged page
	pages := make(chan page, 1)
	open := func(ctx context.Context, authURL string) error {
		cb, err := v.signIn(ctx, authURL)
		if err != nil {
			return err
		}
		if cb.Fragment == "" {
			return errors.New("the fake's redirect has no fragment")
		}
		if relay, err = get(ctx, cb); err != nil {
			return err
		}
		if crossSite, err = postFragment(ctx, cb, cb.Fragment, "cross-site"); err != nil {
			return err
		}
		q, _ := url.ParseQuery(cb.Fragment)
		q.Set("state", "attacker-state")
		if forged, err = postFragment(ctx, cb, q.Encode(), "same-origin"); err != nil {
			return err
		}
		done, err := postFragment(ctx, cb, "#"+cb.Fragment, "same-origin")
		pages <- done
		return err
	}
	login, err := l.Login(t.Context(), p, native.Options{OpenBrowser: open, Timeout: time.Minute})
	require.NoError(t, err)
	assert.Equal(t, "license-user-1", login.UserInfo.Subject)
	assert.NotNil(t, login.IDToken)

	assert.Equal(t, http.StatusOK, relay.status)
	assert.Equal(t, "no-store", relay.header.Get("Cache-Control"))
	csp := relay.header.Get("Content-Security-Policy")
	m := scriptRE.FindStringSubmatch(relay.body)
	require.NotNil(t, m, "the fragment page has a script")
	sum := sha256.Sum256([]byte(m[1]))
	assert.Contains(t, csp, "script-src 'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'", "the CSP allows the page's script by its hash")
	assert.NotContains(t, csp, "unsafe-inline")

	assert.Equal(t, http.StatusForbidden, crossSite.status)
	assert.Equal(t, http.StatusBadRequest, forged.status)
	got := <-pages
	assert.Equal(t, http.StatusOK, got.status)
	assert.Contains(t, got.body, "Logged in")
	assert.NotContains(t, got.body, login.Token.AccessToken)
	requireClosed(t, l.Addr())
}
