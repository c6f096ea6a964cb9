package main

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit/internal/redistest"
)

func TestFleetRefusesReplicasWithoutRedis(t *testing.T) {
	for _, tc := range []struct {
		replicas int
		want     error
	}{
		{replicas: 0},
		{replicas: 2, want: errReplicasNeedRedis},
		{replicas: 3, want: errReplicasNeedRedis},
	} {
		t.Run(strconv.Itoa(tc.replicas), func(t *testing.T) {
			_, err := newFleet(fleetConfig{Replicas: tc.replicas, Keys: deriveKeys(newTestKey(t))})
			require.Error(t, err)
			if tc.want != nil {
				assert.True(t, errors.Is(err, tc.want), "err %v", err)
				assert.Contains(t, err.Error(), "-redis")
			}
		})
	}
}

func TestDeriveKeysAreDistinct(t *testing.T) {
	k := deriveKeys(newTestKey(t))
	all := [][]byte{k.cookie, k.sessions, k.names, k.tokens, k.cacheKey}
	for i := range all {
		require.Len(t, all[i], 32)
		for j := range i {
			assert.NotEqual(t, all[i], all[j], "keys %d and %d", i, j)
		}
	}
	assert.Equal(t, k, deriveKeys(k.cookie), "every replica derives the same keys from the master")
}

// TestFrontForwardsHost checks that the front keeps the browser's Host and
// adds the X-Forwarded-* headers, so that the app's redirect URLs and
// cookies stay on the front's origin.
func TestFrontForwardsHost(t *testing.T) {
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{
			"host": r.Host, "xfh": r.Header.Get("X-Forwarded-Host"),
			"xfp": r.Header.Get("X-Forwarded-Proto"), "xff": r.Header.Get("X-Forwarded-For"),
		})
	}))
	defer echo.Close()
	tr, proxy := newProxy(1, echo.Listener.Addr().String(), slog.New(slog.DiscardHandler))
	defer tr.CloseIdleConnections()
	front := httptest.NewServer(proxy)
	defer front.Close()

	req, err := http.NewRequest(http.MethodGet, front.URL+"/me", nil)
	require.NoError(t, err)
	req.Host = "app.example:8080"
	resp, err := front.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var got map[string]string
	require.NoError(t, json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&got))
	assert.Equal(t, "app.example:8080", got["host"])
	assert.Equal(t, "app.example:8080", got["xfh"])
	assert.Equal(t, "http", got["xfp"])
	assert.Equal(t, "127.0.0.1", got["xff"])
}

// TestFleetRoundRobin checks the front's turns over three replicas on one
// Redis: in order, pinned to one, skipping one that is down, and back to
// the restarted one.
func TestFleetRoundRobin(t *testing.T) {
	s := startSite(t, 3, redistest.Start(t).Client(t))
	fl := s.fleet
	hc := &http.Client{Timeout: 10 * time.Second}
	served := func(k int) []int {
		t.Helper()
		var ns []int
		for range k {
			resp, err := hc.Get(s.base + "/style.css")
			require.NoError(t, err)
			io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
			require.Equal(t, http.StatusOK, resp.StatusCode)
			n, err := strconv.Atoi(resp.Header.Get(replicaHeader))
			require.NoError(t, err)
			ns = append(ns, n)
		}
		return ns
	}
	first := served(1)[0]
	next := func(i int) int { return (first+i-1)%3 + 1 }
	assert.Equal(t, []int{next(1), next(2), next(3), next(4)}, served(4), "round robin")

	fl.pin(2)
	assert.Equal(t, []int{2, 2, 2}, served(3), "pinned")
	fl.pin(0)

	r2 := fl.replicas[1]
	r2.mu.Lock()
	r2.stop()
	r2.mu.Unlock()
	for _, n := range served(4) {
		assert.NotEqual(t, 2, n, "a stopped replica gets no request")
	}
	fl.pin(2)
	resp, err := hc.Get(s.base + "/style.css")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "pinned to a stopped replica")

	require.NoError(t, fl.restart(2))
	assert.Equal(t, []int{2}, served(1), "the restarted replica answers on its port")
}
