package tokencache_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit/tokencache"
	"github.com/seed-e8f4a5f7/oauthkit/tokencache/tokencachetest"
)

// t0 is when every fake clock starts.
var t0 = time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)

// Timeline of the default test token (life 3 min, margin 10 s, RefreshAhead
// 30 s): fresh until t0+140s, stale until t0+170s, then expired.
const (
	life       = 3 * time.Minute
	ahead      = 30 * time.Second
	toStale    = life - tokencache.DefaultExpiryMargin - ahead
	toExpired  = life - tokencache.DefaultExpiryMargin
	waitLimit  = 5 * time.Second
	testingKey = "v1|test|key"
)

var errUpstream = fmt.Errorf("upstream down")

// upstream is a fake token endpoint: it counts fetches, can fail, block or be
// slow, and issues tokens "at-1", "at-2", … expiring life after the clock's now.
type upstream struct {
	clock *tokencachetest.Clock
	life  time.Duration // zero: tokens without expiry

	calls atomic.Int64

	mu    sync.Mutex
	errs  []error       // next results; nil entries and an empty list succeed
	gate  chan struct{} // if set, fetch blocks until it is closed
	delay time.Duration // real time each fetch takes
	ctxs  []context.Context
}

func (u *upstream) fetch(ctx context.Context) (*oauth2.Token, error) {
	n := u.calls.Add(1)
	u.mu.Lock()
	gate, delay := u.gate, u.delay
	var err error
	if len(u.errs) > 0 {
		err, u.errs = u.errs[0], u.errs[1:]
	}
	u.ctxs = append(u.ctxs, ctx)
	u.mu.Unlock()
	if gate != nil {
		<-gate
	}
	time.Sleep(delay)
	if err != nil {
		return nil, err
	}
	tok := &oauth2.Token{AccessToken: fmt.Sprintf("at-%d", n), TokenType: "Bearer", RefreshToken: fmt.Sprintf("rt-%d", n)}
	if u.life > 0 {
		tok.Expiry = u.clock.Now().Add(u.life)
		tok.ExpiresIn = int64(u.life / time.Second) // as x/oauth2 fills it in
	}
	return tok, nil
}

func (u *upstream) failNext(errs ...error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.errs = append(u.errs, errs...)
}

// block makes fetches wait until the returned function is called.
func (u *upstream) block() (release func()) {
	gate := make(chan struct{})
	u.mu.Lock()
	u.gate = gate
	u.mu.Unlock()
	return sync.OnceFunc(func() {
		u.mu.Lock()
		u.gate = nil
		u.mu.Unlock()
		close(gate)
	})
}

func (u *upstream) lastCtx() context.Context {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.ctxs[len(u.ctxs)-1]
}

// harness is a Cache on a fake clock with an upstream and its hooks recorded.
type harness struct {
	clock     *tokencachetest.Clock
	cache     *tokencache.Cache
	up        *upstream
	events    chan tokencache.RefreshEvent
	fills     atomic.Int64  // OnRefresh calls, none lost when events is full
	fillEnded chan struct{} // a fill ended: a wake-up for waitFills (buffered 1)

	mu      sync.Mutex
	errs    []error
	changes [][2]*oauth2.Token
}

// newHarness returns a harness; cfg's Clock and hooks are set by it, and a
// zero RefreshAhead becomes the fixed 30 s the timeline constants assume.
func newHarness(t testing.TB, cfg tokencache.Config) *harness {
	t.Helper()
	return newHarnessOn(t, tokencachetest.NewClock(t0), cfg)
}

// newHarnessOn is newHarness on a given clock, for caches sharing one.
func newHarnessOn(t testing.TB, clock *tokencachetest.Clock, cfg tokencache.Config) *harness {
	t.Helper()
	h := &harness{
		clock:     clock,
		events:    make(chan tokencache.RefreshEvent, 10000),
		fillEnded: make(chan struct{}, 1),
	}
	h.up = &upstream{clock: h.clock, life: life}
	cfg.Clock = h.clock
	if cfg.RefreshAhead == 0 {
		cfg.RefreshAhead = ahead
	}
	cfg.OnRefresh = func(ev tokencache.RefreshEvent) {
		h.fills.Add(1)
		select {
		case h.fillEnded <- struct{}{}:
		default:
		}
		select {
		case h.events <- ev:
		default: // only TestStress makes that many
		}
	}
	cfg.OnError = func(_ string, err error) {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.errs = append(h.errs, err)
	}
	onChange := cfg.OnTokenChange
	cfg.OnTokenChange = func(ch tokencache.TokenChange) {
		h.mu.Lock()
		h.changes = append(h.changes, [2]*oauth2.Token{ch.Old, ch.New})
		h.mu.Unlock()
		if onChange != nil {
			onChange(ch)
		}
	}
	h.cache = tokencache.New(cfg)
	t.Cleanup(func() { h.cache.Close() })
	return h
}

// waitFills waits until want fills have ended in all, woken by each fill's
// end (no goroutine, no poll), for at most waitLimit; what names them in
// the failure.
func (h *harness) waitFills(t testing.TB, want int64, what string) {
	t.Helper()
	limit := time.NewTimer(waitLimit)
	defer limit.Stop()
	for h.fills.Load() < want {
		select {
		case <-h.fillEnded:
		case <-limit.C:
			t.Fatalf("%s: %d of %d fills ended in %v", what, h.fills.Load(), want, waitLimit)
		}
	}
}

// token calls Token for testingKey with the upstream's fetch.
func (h *harness) token(t testing.TB) *oauth2.Token {
	t.Helper()
	tok, err := h.cache.Token(context.Background(), testingKey, h.up.fetch)
	require.NoError(t, err)
	require.NotNil(t, tok)
	return tok
}

// filled fetches the first token for testingKey and waits for its event.
func (h *harness) filled(t testing.TB) *oauth2.Token {
	t.Helper()
	tok := h.token(t)
	h.waitEvent(t)
	return tok
}

// waitEvent waits for the next OnRefresh event, that is the end of a fill.
func (h *harness) waitEvent(t testing.TB) tokencache.RefreshEvent {
	t.Helper()
	select {
	case ev := <-h.events:
		return ev
	case <-time.After(waitLimit):
		t.Fatal("no refresh event")
		return tokencache.RefreshEvent{}
	}
}

// noEvent asserts that no fill ended within a few milliseconds.
func (h *harness) noEvent(t testing.TB) {
	t.Helper()
	select {
	case ev := <-h.events:
		t.Fatalf("unexpected refresh event: %+v", ev)
	case <-time.After(5 * time.Millisecond):
	}
}

func (h *harness) errors() []error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]error(nil), h.errs...)
}

func (h *harness) tokenChanges() [][2]*oauth2.Token {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([][2]*oauth2.Token(nil), h.changes...)
}

// progress is what goroutines a test runs beside it tell it as they work,
// one tick per operation.
type progress chan struct{}

func newProgress() progress { return make(progress, 1) }

// tick reports one operation done; it never blocks.
func (p progress) tick() {
	select {
	case p <- struct{}{}:
	default:
	}
}

// wait waits until n operations were done after it was called, up to
// waitLimit for each.
func (p progress) wait(t testing.TB, n int) {
	t.Helper()
	select { // one done before the call
	case <-p:
	default:
	}
	for i := range n {
		select {
		case <-p:
		case <-time.After(waitLimit):
			t.Fatalf("the goroutines beside the test made no progress (%d of %d operations)", i, n)
		}
	}
}
