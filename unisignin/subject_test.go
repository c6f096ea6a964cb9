package unisignin_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
	"github.com/seed-e8f4a5f7/oauthkit/internal/fakeidp"
	"github.com/seed-e8f4a5f7/oauthkit/unisignin"
)

// TestUserIDIsTheSubjectExactly: the profile id becomes the Subject byte for
// byte (a number in canonical decimal form), so ids that differ only in
// spacing or length past a cut never meet as one user.
func TestUserIDIsTheSubjectExactly(t *testing.T) {
	max := strings.Repeat("a", unisignin.MaxUserIDLen)
	tests := []struct{ name, body, want string }{
		{"plain", `{"id":"alice"}`, "alice"},
		{"spaces kept", `{"id":" alice "}`, " alice "},
		{"inner spaces kept", `{"id":"a  b"}`, "a  b"},
		{"no-break space kept", `{"id":"a\u00a0b"}`, "a\u00a0b"},
		{"longest accepted", `{"id":"` + max + `"}`, max},
		{"number", `{"id":42}`, "42"},
		{"minus zero is zero", `{"id":-0}`, "0"},
		{"negative", `{"id":-7}`, "-7"},
		{"beyond int64", `{"id":18446744073709551615}`, "18446744073709551615"},
		{"sub", `{"sub":"bob"}`, "bob"},
		{"user_id in data", `{"data":{"user_id":"u 1"}}`, "u 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _ := newStub(t, testSecret, fakeidp.Reply(200, tt.body))
			ui, err := p.FetchUserInfo(context.Background(), &oauth2.Token{AccessToken: "a"})
			require.NoError(t, err)
			assert.Equal(t, tt.want, ui.Subject)
		})
	}
}

// TestUserIDRefused: an id that could only be used after altering it
// (control characters, invalid UTF-8, longer than MaxUserIDLen) is refused
// with ErrInvalidUserID, an ErrMalformedResponse, and the error does not
// quote it.
func TestUserIDRefused(t *testing.T) {
	long := strings.Repeat("L", unisignin.MaxUserIDLen+1)
	tests := []struct{ name, body, id string }{
		{"tab", `{"id":" alice\t"}`, "alice"},
		{"NUL", `{"sub":"bob\u0000"}`, "bob"},
		{"newline", `{"id":"a\nb"}`, "a\nb"},
		{"escape sequence", `{"id":"x\u001b]0;y"}`, "]0;y"},
		{"DEL", `{"id":"x\u007f"}`, "x\u007f"},
		{"C1 control", `{"id":"x\u0085"}`, "x\u0085"},
		{"invalid UTF-8", "{\"id\":\"x\xff\"}", "x"},
		{"replacement character", `{"id":"x\ufffd"}`, "x\ufffd"},
		{"too long", `{"id":"` + long + `"}`, long},
		{"too long in data", `{"data":{"id":"` + long + `"}}`, long},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _ := newStub(t, testSecret, fakeidp.Reply(200, tt.body))
			_, err := p.User(context.Background(), &oauth2.Token{AccessToken: "a"})
			require.ErrorIs(t, err, unisignin.ErrInvalidUserID)
			require.ErrorIs(t, err, oauthkit.ErrMalformedResponse)
			assert.NotContains(t, err.Error(), tt.id, "the error quotes the id")
			_, err = p.FetchUserInfo(context.Background(), &oauth2.Token{AccessToken: "a"})
			require.ErrorIs(t, err, unisignin.ErrInvalidUserID)
		})
	}
}

// TestDistinctUserIDsStayDistinct: the pairs that met as one Subject while
// the id went through the display sanitizer (trimmed, whitespace and
// control characters collapsed, cut at 512 bytes) are now two users or
// refused, never one.
func TestDistinctUserIDsStayDistinct(t *testing.T) {
	long := strings.Repeat("a", 600)
	pairs := [][2]string{
		{`{"id":"alice"}`, `{"id":" alice"}`},
		{`{"id":"alice"}`, `{"id":" alice\t"}`},
		{`{"id":"a b"}`, `{"id":"a\n\u00a0 b"}`},
		{`{"id":"a b"}`, `{"id":"a  b"}`},
		{`{"id":"` + long + `1"}`, `{"id":"` + long + `2"}`},
		{`{"sub":"bob"}`, `{"sub":"bob\u0000"}`},
	}
	for _, pair := range pairs {
		var subjects [2]string
		for i, body := range pair {
			p, _ := newStub(t, testSecret, fakeidp.Reply(200, body))
			ui, err := p.FetchUserInfo(context.Background(), &oauth2.Token{AccessToken: "a"})
			if err != nil {
				require.ErrorIs(t, err, unisignin.ErrInvalidUserID)
				subjects[i] = "refused " + body
				continue
			}
			subjects[i] = ui.Subject
		}
		assert.NotEqual(t, subjects[0], subjects[1], "%.60q and %.60q give one Subject", pair[0], pair[1])
	}
}

// TestUserDisplayFieldsSanitized: email and name stay sanitized for display
// and play no part in the Subject.
func TestUserDisplayFieldsSanitized(t *testing.T) {
	p, _ := newStub(t, testSecret, fakeidp.Reply(200, `{"id":"u1","email":" a@x.io\n","name":"Ada\u001b[31m  Lovelace\u0000"}`))
	ui, err := p.FetchUserInfo(context.Background(), &oauth2.Token{AccessToken: "a"})
	require.NoError(t, err)
	assert.Equal(t, "u1", ui.Subject)
	assert.Equal(t, "a@x.io", ui.Email)
	assert.NotContains(t, ui.Name, "\x1b")
	assert.NotContains(t, ui.Name, "\x00")
}
