package oauthkit_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/justimmo"
	"github.com/seed-e8f4a5f7/oauthkit/justimmo/justimmotest"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring"
	"github.com/seed-e8f4a5f7/oauthkit/licensespring/licensespringtest"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin/unisignintest"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis/webuntistest"
)

// roundTrip stores ar as JSON and reads it back, as a session store would.
func roundTrip(t *testing.T, ar *oauthkit.AuthRequest) *oauthkit.AuthRequest {
	t.Helper()
	b, err := json.Marshal(ar)
	require.NoError(t, err)
	var out oauthkit.AuthRequest
	require.NoError(t, json.Unmarshal(b, &out))
	return &out
}

func TestAuthRequestUsedStateSurvivesJSON(t *testing.T) {
	p := newStub()
	p.claims = goodClaims()
	ar, _ := p.AuthCodeURL(context.Background())
	cb := callback("code", "c", "state", "state-123")
	_, err := oauthkit.Complete(context.Background(), p, ar, cb)
	require.NoError(t, err)

	b, err := json.Marshal(ar)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"used":true`)
	b2, err := json.Marshal(*ar)
	require.NoError(t, err)
	assert.JSONEq(t, string(b), string(b2), "a value marshals like a pointer")

	stored := roundTrip(t, ar)
	assert.True(t, stored.Used())
	stored.Now = stubClock
	_, err = oauthkit.Complete(context.Background(), p, stored, cb)
	require.ErrorIs(t, err, oauthkit.ErrAuthRequestUsed)
	assert.ErrorIs(t, err, oauthkit.ErrStateMismatch, "ErrAuthRequestUsed wraps ErrStateMismatch")
	assert.Len(t, p.exchanged, 1, "the stored used request exchanged nothing")

	fresh, _ := p.AuthCodeURL(context.Background())
	b, err = json.Marshal(fresh)
	require.NoError(t, err)
	assert.NotContains(t, string(b), `"used"`)
	assert.False(t, roundTrip(t, fresh).Used())
}

func TestAuthRequestIssuedAtIsChecked(t *testing.T) {
	p := newStub()
	p.claims = goodClaims()
	cb := callback("code", "c", "state", "state-123")

	yearOld := &oauthkit.AuthRequest{Provider: "stub", State: "state-123", Nonce: "nonce-456", IssuedAt: stubNow.AddDate(-1, 0, 0), Now: stubClock}
	_, err := oauthkit.Complete(context.Background(), p, yearOld, cb)
	require.ErrorIs(t, err, oauthkit.ErrLoginExpired)
	assert.Empty(t, p.exchanged)

	// JSON stored before ExpiresAt existed: IssuedAt + DefaultLoginMaxAge.
	old := `{"provider":"stub","url":"https://idp.example/authorize","state":"state-123","nonce":"nonce-456","issued_at":"2026-11-23T11:51:00Z"}`
	var ar oauthkit.AuthRequest
	require.NoError(t, json.Unmarshal([]byte(old), &ar))
	assert.Equal(t, stubNow.Add(-9*time.Minute).Add(oauthkit.DefaultLoginMaxAge), ar.Expiry())
	ar.Now = stubClock
	_, err = oauthkit.Complete(context.Background(), p, &ar, cb)
	require.NoError(t, err, "nine minutes old: within the default")

	require.NoError(t, json.Unmarshal([]byte(old), &ar))
	ar.Now = func() time.Time { return stubNow.Add(2 * time.Minute) }
	_, err = oauthkit.Complete(context.Background(), p, &ar, cb)
	require.ErrorIs(t, err, oauthkit.ErrLoginExpired, "eleven minutes old")

	noTime := &oauthkit.AuthRequest{Provider: "stub", State: "state-123", Nonce: "nonce-456"}
	_, err = oauthkit.Complete(context.Background(), p, noTime, cb)
	require.ErrorIs(t, err, oauthkit.ErrLoginExpired, "a request without a time has no age to trust")
}

func TestConcurrentCompletesLetExactlyOneThrough(t *testing.T) {
	p := &syncStub{stubProvider: newStub()}
	p.claims = goodClaims()
	ar, _ := p.AuthCodeURL(context.Background())
	cb := callback("code", "c", "state", "state-123")

	var ok, used atomic.Int32
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			_, err := oauthkit.Complete(context.Background(), p, ar, cb)
			switch {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, oauthkit.ErrAuthRequestUsed):
				used.Add(1)
			}
		})
	}
	wg.Wait()
	assert.EqualValues(t, 1, ok.Load())
	assert.EqualValues(t, 31, used.Load())
}

// syncStub serializes the stub's exchange bookkeeping for concurrent use.
type syncStub struct {
	*stubProvider
	mu sync.Mutex
}

func (s *syncStub) Exchange(ctx context.Context, code string, ar *oauthkit.AuthRequest) (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stubProvider.Exchange(ctx, code, ar)
}

// TestEveryVendorExchangeRefusesUsedOrExpiredAuthRequest: each vendor's
// Exchange spends the AuthRequest once, refuses it afterwards (also after a
// JSON round trip) and refuses an expired one, before any request.
func TestEveryVendorExchangeRefusesUsedOrExpiredAuthRequest(t *testing.T) {
	type vendor struct {
		name string
		new  func(t *testing.T) oauthkit.Provider
	}
	vendors := []vendor{
		{"webuntis", func(t *testing.T) oauthkit.Provider {
			srv := webuntistest.NewServer(webuntistest.Options{})
			t.Cleanup(srv.Close)
			p, err := webuntis.New(srv.Config())
			require.NoError(t, err)
			return p
		}},
		{"unisignin", func(t *testing.T) oauthkit.Provider {
			srv := unisignintest.NewServer(unisignintest.Options{})
			t.Cleanup(srv.Close)
			p, err := unisignin.New(srv.Config())
			require.NoError(t, err)
			return p
		}},
		{"justimmo", func(t *testing.T) oauthkit.Provider {
			srv := justimmotest.NewServer(justimmotest.Options{})
			t.Cleanup(srv.Close)
			p, err := justimmo.New(srv.Config())
			require.NoError(t, err)
			return p
		}},
		{"licensespring", func(t *testing.T) oauthkit.Provider {
			srv := licensespringtest.NewServer(licensespringtest.Options{})
			t.Cleanup(srv.Close)
			cfg := srv.Config()
			cfg.ResponseType = licensespring.ResponseTypeCode
			p, err := licensespring.New(cfg)
			require.NoError(t, err)
			return p
		}},
	}
	for _, v := range vendors {
		t.Run(v.name, func(t *testing.T) {
			ctx := context.Background()
			p := v.new(t)

			ar, err := p.AuthCodeURL(ctx)
			require.NoError(t, err)
			assert.Equal(t, ar.IssuedAt.Add(oauthkit.DefaultLoginMaxAge), ar.ExpiresAt)
			stored := roundTrip(t, ar) // a copy from before the use
			_, err = p.Exchange(ctx, "unknown-code", ar)
			require.Error(t, err)
			require.NotErrorIs(t, err, oauthkit.ErrAuthRequestUsed, "the first exchange reaches the server")
			_, err = p.Exchange(ctx, "unknown-code", ar)
			require.ErrorIs(t, err, oauthkit.ErrAuthRequestUsed)
			_, err = p.Exchange(ctx, "unknown-code", roundTrip(t, ar))
			require.ErrorIs(t, err, oauthkit.ErrAuthRequestUsed, "used, stored and read back")
			assert.False(t, stored.Used(), "a copy stored before the use knows nothing of it (the store must delete it on read)")

			expired, err := p.AuthCodeURL(ctx, oauthkit.WithMaxAge(time.Nanosecond))
			require.NoError(t, err)
			expired.ExpiresAt = expired.IssuedAt // past for any clock at or after IssuedAt
			_, err = p.Exchange(ctx, "unknown-code", expired)
			require.ErrorIs(t, err, oauthkit.ErrLoginExpired)
			assert.False(t, expired.Used(), "an expired request is refused, not spent")
		})
	}
}

func TestWithMaxAgeSetsExpiresAt(t *testing.T) {
	srv := webuntistest.NewServer(webuntistest.Options{})
	defer srv.Close()
	p, err := webuntis.New(srv.Config())
	require.NoError(t, err)
	ar, err := p.AuthCodeURL(context.Background(), oauthkit.WithMaxAge(3*time.Minute))
	require.NoError(t, err)
	assert.Equal(t, ar.IssuedAt.Add(3*time.Minute), ar.ExpiresAt)
	ar, err = p.AuthCodeURL(context.Background(), oauthkit.WithMaxAge(-time.Minute))
	require.NoError(t, err)
	assert.Equal(t, ar.IssuedAt.Add(oauthkit.DefaultLoginMaxAge), ar.ExpiresAt, "zero or negative: the default")
}
