package native_test

import (
	"net"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit/native"
)

func TestListen(t *testing.T) {
	tests := []struct {
		name, redirect string
		host, path     string // of RedirectURL; "" with wantErr
		wantErr        bool
	}{
		{name: "default", redirect: "", host: "127.0.0.1", path: "/callback"},
		{name: "registered without port", redirect: "http://127.0.0.1/auth/x/callback", host: "127.0.0.1", path: "/auth/x/callback"},
		{name: "port 0", redirect: "http://127.0.0.1:0/cb", host: "127.0.0.1", path: "/cb"},
		{name: "no path", redirect: "http://127.0.0.1", host: "127.0.0.1", path: "/"},
		{name: "IPv6", redirect: "http://[::1]/cb", host: "::1", path: "/cb"},
		{name: "localhost", redirect: "http://localhost/cb", wantErr: true},
		{name: "https", redirect: "https://127.0.0.1/cb", wantErr: true},
		{name: "not loopback", redirect: "http://10.0.0.1/cb", wantErr: true},
		{name: "wildcard", redirect: "http://0.0.0.0/cb", wantErr: true},
		{name: "name", redirect: "http://app.example/cb", wantErr: true},
		{name: "query", redirect: "http://127.0.0.1/cb?x=1", wantErr: true},
		{name: "fragment", redirect: "http://127.0.0.1/cb#x", wantErr: true},
		{name: "user info", redirect: "http://u:p@127.0.0.1/cb", wantErr: true},
		{name: "custom scheme", redirect: "com.example.app:/cb", wantErr: true},
		{name: "bad port", redirect: "http://127.0.0.1:99999/cb", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := native.Listen(tt.redirect)
			if tt.wantErr {
				require.ErrorIs(t, err, native.ErrRedirectURL)
				assert.NotContains(t, err.Error(), ":p@", "no password in the error")
				return
			}
			if tt.host == "::1" && err != nil {
				t.Skipf("no IPv6 loopback here: %v", err)
			}
			require.NoError(t, err)
			defer l.Close()
			u, err := url.Parse(l.RedirectURL())
			require.NoError(t, err)
			assert.Equal(t, "http", u.Scheme)
			assert.Equal(t, tt.host, u.Hostname())
			assert.Equal(t, tt.path, u.Path)
			addr := l.Addr().(*net.TCPAddr)
			assert.True(t, addr.IP.IsLoopback(), "bound to loopback only, got %s", addr)
			assert.NotZero(t, addr.Port)
			assert.Equal(t, u.Port(), itoa(addr.Port))
		})
	}
}

// TestListenFixedPort: a registered port is kept.
func TestListenFixedPort(t *testing.T) {
	first, err := native.Listen("")
	require.NoError(t, err)
	redirect := first.RedirectURL()
	require.NoError(t, first.Close())
	l, err := native.Listen(redirect)
	require.NoError(t, err)
	defer l.Close()
	assert.Equal(t, redirect, l.RedirectURL())
}

func TestListenerCloseTwice(t *testing.T) {
	l, err := native.Listen("")
	require.NoError(t, err)
	require.NoError(t, l.Close())
	require.NoError(t, l.Close())
	requireClosed(t, l.Addr())
}

func itoa(n int) string { return (&net.TCPAddr{Port: n}).String()[1:] }
