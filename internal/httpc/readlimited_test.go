package httpc

import (
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/seed-e8f4a5f7/oauthkit"
)

// TestReadLimited: a body is read whole up to the limit whether or not its
// length was announced, and one longer than the limit is an error, also
// when it announced less than it holds.
func TestReadLimited(t *testing.T) {
	for _, tc := range []struct {
		name    string
		body    string
		size    int64
		limit   int64
		tooLong bool
	}{
		{"announced", "hello", 5, 10, false},
		{"announced, at the limit", "hello", 5, 5, false},
		{"announced, empty", "", 0, 10, false},
		{"unknown length", "hello", -1, 10, false},
		{"unknown length, over", "hello world", -1, 10, true},
		{"announced over the limit", "hello world", 11, 10, true},
		{"more than announced, within the limit", "hello world", 5, 20, false},
		{"more than announced, over the limit", "hello world", 5, 10, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := readLimited(io.NopCloser(strings.NewReader(tc.body)), tc.size, tc.limit)
			if tc.tooLong {
				require.ErrorIs(t, err, oauthkit.ErrResponseTooLarge)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.body, string(b))
		})
	}
}

// TestReadLimitedShortBody: a body shorter than it announced is an error.
func TestReadLimitedShortBody(t *testing.T) {
	_, err := readLimited(strings.NewReader("hel"), 5, 10)
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
}
