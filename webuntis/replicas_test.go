package webuntis_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis/webuntistest"
)

// replicas is two replicas of one service: two Tenants, each with its own
// token cache and its own webhook handler, on one shared credential store,
// against one fake.
type replicas struct {
	untis        *webuntistest.Server
	a, b         *webuntis.Tenants
	hookA, hookB string
}

// newReplicas returns the two replicas; logA, if set, gets replica A's
// webhook records.
func newReplicas(t *testing.T, store webuntis.CredentialStore, logA ...*slog.Logger) *replicas {
	t.Helper()
	untis := webuntistest.NewServer(webuntistest.Options{})
	t.Cleanup(untis.Close)
	key, err := webuntis.ParseWebhookKey(untis.WebhookKey())
	require.NoError(t, err)
	r := &replicas{untis: untis}
	replica := func(logger *slog.Logger) (*webuntis.Tenants, string) {
		tenants, err := webuntis.NewTenants(webuntis.TenantsConfig{
			Credentials: store,
			Config:      webuntis.Config{BaseURL: untis.URL, HTTPClient: untis.Client(), RedirectURL: untis.Tenant().RedirectURLs[0]},
		})
		require.NoError(t, err)
		hook, err := webuntis.NewWebhookHandler(webuntis.WebhookConfig{Key: key, Credentials: tenants, Logger: logger})
		require.NoError(t, err)
		app := httptest.NewServer(hook)
		t.Cleanup(app.Close)
		return tenants, app.URL
	}
	var la *slog.Logger
	if len(logA) > 0 {
		la = logA[0]
	}
	r.a, r.hookA = replica(la)
	r.b, r.hookB = replica(nil)
	return r
}

func (r *replicas) send(t *testing.T, url string, body []byte) int {
	t.Helper()
	status, err := r.untis.SendWebhook(context.Background(), url, body)
	require.NoError(t, err)
	return status
}

// reset gives the tenant a new password at the fake, as a RESET in Untis
// does, revokes the tokens got with the old one, and returns the RESET
// event's body.
func (r *replicas) reset(t *testing.T, id string) []byte {
	t.Helper()
	_, ok := r.untis.ResetPassword(id)
	require.True(t, ok)
	r.untis.RevokeTokens(id)
	body, _ := r.untis.TenantWebhookBody(id, webuntis.EventReset)
	return body
}

func sharedStores(t *testing.T) map[string]func() webuntis.CredentialStore {
	return map[string]func() webuntis.CredentialStore{
		"memory": func() webuntis.CredentialStore { return &webuntis.MemoryCredentialStore{} },
		"file": func() webuntis.CredentialStore {
			s, err := webuntis.NewFileCredentialStore(filepath.Join(t.TempDir(), "creds"), [][]byte{appKey()})
			require.NoError(t, err)
			return s
		},
	}
}

// TestReplicasFollowAResetDeliveredToAnother: a RESET delivered to replica A
// is used by replica B without B's callers seeing invalid_client: B's
// kept client, its kept provider and a new Provider call all work with the
// new password, after one refused request.
func TestReplicasFollowAResetDeliveredToAnother(t *testing.T) {
	for name, store := range sharedStores(t) {
		t.Run(name, func(t *testing.T) {
			r := newReplicas(t, store())
			ctx := context.Background()
			id := r.untis.Tenant().ID
			require.Equal(t, http.StatusNoContent, r.send(t, r.hookA, r.untis.WebhookBody(webuntis.EventCreated)))

			client, err := r.b.Client(ctx, id) // B's caller keeps its client
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, get(t, client, r.untis.URL+"/ims/oneroster/v1p1/users"))
			old, err := r.b.Provider(ctx, id)
			require.NoError(t, err)

			require.Equal(t, http.StatusNoContent, r.send(t, r.hookA, r.reset(t, id)), "A stores the RESET")

			assert.Equal(t, http.StatusOK, get(t, client, r.untis.URL+"/ims/oneroster/v1p1/users"),
				"B's client: its token revoked, the old password refused, the stored one used, the request sent again")
			_, err = old.ClientCredentials(ctx)
			assert.NoError(t, err, "B's kept provider follows the stored credentials")
			p, err := r.b.Provider(ctx, id)
			require.NoError(t, err)
			assert.NotSame(t, old, p, "B hands out the provider of the new credentials")
			_, err = p.Token(ctx)
			assert.NoError(t, err)
		})
	}
}

func get(t *testing.T, client *http.Client, url string) int {
	t.Helper()
	resp, err := client.Get(url)
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode
}

// TestReplicaRefusalStandsForTheStoredCredentials: when the store holds
// the refused credentials themselves (the RESET not delivered yet), the
// refusal reaches the caller once, with the advice of the two credentials,
// and nothing loops; when it holds others of which no provider can be made,
// the advice names stale credentials, not a mix-up.
func TestReplicaRefusalStandsForTheStoredCredentials(t *testing.T) {
	store := &webuntis.MemoryCredentialStore{}
	r := newReplicas(t, store)
	ctx := context.Background()
	id := r.untis.Tenant().ID
	require.Equal(t, http.StatusNoContent, r.send(t, r.hookA, r.untis.WebhookBody(webuntis.EventCreated)))
	p, err := r.b.Provider(ctx, id)
	require.NoError(t, err)
	r.reset(t, id) // not delivered
	before := r.untis.Requests(webuntistest.EndpointToken)

	_, err = p.ClientCredentials(ctx)
	var oe *oauthkit.Error
	require.ErrorAs(t, err, &oe)
	assert.ErrorIs(t, err, oauthkit.ErrInvalidClient)
	assert.Contains(t, oe.Advice, "platform password", "the stored credentials are the refused ones: the usual advice")
	assert.Equal(t, before+1, r.untis.Requests(webuntistest.EndpointToken), "one request, no retry")

	stored, err := store.Get(ctx, id)
	require.NoError(t, err)
	broken := &webuntis.Credentials{TenantID: id, Password: "some-newer-password", Revision: stored.Revision} // no client id: no provider
	_, err = store.Put(ctx, broken)
	require.NoError(t, err)
	_, err = p.ClientCredentials(ctx)
	require.ErrorAs(t, err, &oe)
	assert.Contains(t, oe.Advice, "stale", "the store holds newer credentials")
	assert.NotContains(t, oe.Advice, "not the OIDC client secret")
}

// TestReplicaLoginWithAStaleSecret: a login whose code exchange goes out
// with a client secret a RESET on another replica replaced fails — the code
// is single-use and is not sent again — with advice naming a stale secret,
// not the wrong one of the two credentials; the next login, through the
// same kept provider or a new one, uses the stored credentials.
func TestReplicaLoginWithAStaleSecret(t *testing.T) {
	r := newReplicas(t, &webuntis.MemoryCredentialStore{})
	ctx := context.Background()
	id := r.untis.Tenant().ID
	require.Equal(t, http.StatusNoContent, r.send(t, r.hookA, r.untis.WebhookBody(webuntis.EventCreated)))
	r.untis.SetUser(webuntistest.User{Subject: "untis-42"})
	login := func(p *webuntis.Provider) error {
		ar, err := p.AuthCodeURL(ctx)
		require.NoError(t, err)
		cb, err := r.untis.Authorize(ctx, ar.URL)
		require.NoError(t, err)
		_, err = oauthkit.Complete(ctx, p, ar, cb.Query())
		return err
	}
	old, err := r.b.Provider(ctx, id)
	require.NoError(t, err)
	require.NoError(t, login(old))

	tenant := r.untis.Tenant()
	tenant.ClientSecret, tenant.Password = "the-new-oidc-secret", "the-new-password"
	r.untis.AddTenant(tenant) // a RESET: both credentials new
	reset, _ := r.untis.TenantWebhookBody(id, webuntis.EventReset)
	require.Equal(t, http.StatusNoContent, r.send(t, r.hookA, reset))

	err = login(old)
	require.ErrorIs(t, err, oauthkit.ErrInvalidClient)
	var oe *oauthkit.Error
	require.ErrorAs(t, err, &oe)
	assert.Contains(t, oe.Advice, "stale", "the stored secret is newer")
	assert.NotContains(t, oe.Advice, "not the platform password", "not a mix-up")
	assert.NoError(t, login(old), "the kept provider's next login uses the stored credentials")
	p, err := r.b.Provider(ctx, id)
	require.NoError(t, err)
	assert.NotSame(t, old, p)
	assert.NoError(t, login(p))
}

// gatedStore holds back the Put of one password until released, so that a
// test can run another replica's whole delivery between a live check and
// the Put that follows it.
type gatedStore struct {
	webuntis.CredentialStore
	password string
	reached  chan struct{}
	release  chan struct{}
	once     sync.Once
}

func (s *gatedStore) Put(ctx context.Context, c *webuntis.Credentials) (uint64, error) {
	if c.Password.Reveal() == s.password {
		s.once.Do(func() {
			close(s.reached)
			<-s.release
		})
	}
	return s.CredentialStore.Put(ctx, c)
}

// TestReplicasConcurrentResetsKeepTheNewest: replica A checks an older
// RESET's password while it still works; before A stores it, Untis resets
// the password again and replica B checks and stores the newer RESET. A's
// Put, from the revision it read, fails; A reads again, its password is now
// refused: 409, with advice naming an older event, and the store keeps the
// newest password. Newer means the password the token endpoint accepts
// after the record was read: the event itself carries no timestamp.
func TestReplicasConcurrentResetsKeepTheNewest(t *testing.T) {
	for name, store := range sharedStores(t) {
		t.Run(name, func(t *testing.T) {
			gate := &gatedStore{CredentialStore: store(), reached: make(chan struct{}), release: make(chan struct{})}
			records := make(chan string, 16)
			r := newReplicas(t, gate, slog.New(chanHandler(records)))
			ctx := context.Background()
			id := r.untis.Tenant().ID
			require.Equal(t, http.StatusNoContent, r.send(t, r.hookA, r.untis.WebhookBody(webuntis.EventCreated)))

			older := r.reset(t, id)
			gate.password, _ = passwordOf(r.untis, id)
			statusA := make(chan int, 1)
			go func() {
				status, err := r.untis.SendWebhook(ctx, r.hookA, older)
				assert.NoError(t, err)
				statusA <- status
			}()
			<-gate.reached // A checked the older password and is about to store it

			newer := r.reset(t, id)
			newest, _ := passwordOf(r.untis, id)
			assert.Equal(t, http.StatusNoContent, r.send(t, r.hookB, newer), "B stores the newer RESET")
			close(gate.release)
			assert.Equal(t, http.StatusConflict, <-statusA, "A's older RESET is refused once it reads the newer record")
			record := waitRecord(t, records, "outcome=rejected")
			assert.Contains(t, record, "older than the stored one", "the advice names an older event")
			assert.NotContains(t, record, "not the OIDC client secret", "not a mix-up")

			got, err := gate.Get(ctx, id)
			require.NoError(t, err)
			assert.True(t, got.Password.Reveal() == newest, "the store keeps the newest password")
			for _, tenants := range []*webuntis.Tenants{r.a, r.b} {
				src, err := tenants.TokenSource(ctx, id)
				require.NoError(t, err)
				_, err = src.Token()
				assert.NoError(t, err, "both replicas work with it")
			}
		})
	}
}

// chanHandler is a slog.Handler that sends each record, as text, to ch.
type chanHandler chan<- string

func (h chanHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h chanHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h chanHandler) WithGroup(string) slog.Handler            { return h }
func (h chanHandler) Handle(ctx context.Context, r slog.Record) error {
	var b strings.Builder
	if err := slog.NewTextHandler(&b, &slog.HandlerOptions{Level: slog.LevelDebug}).Handle(ctx, r); err != nil {
		return err
	}
	h <- b.String()
	return nil
}

// waitRecord returns the first record from records that holds want.
func waitRecord(t *testing.T, records <-chan string, want string) string {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case record := <-records:
			if strings.Contains(record, want) {
				return record
			}
		case <-deadline:
			t.Fatalf("no log record with %q", want)
			return ""
		}
	}
}

func passwordOf(untis *webuntistest.Server, id string) (string, bool) {
	t, ok := untis.TenantByID(id)
	return t.Password, ok
}
