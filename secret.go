package oauthkit

import (
	"fmt"
	"io"
	"log/slog"
)

// redacted is what a [Secret] prints instead of itself.
const redacted = "[redacted]"

// Secret is a credential — a client secret, a password, a shared key — that
// never prints itself. String, GoString, Format (every verb), MarshalJSON,
// MarshalText and LogValue all produce "[redacted]"; only [Secret.Reveal]
// returns the value.
//
// A Secret inside an exported struct field stays redacted under %v, %+v and
// %#v. fmt cannot call methods through unexported fields, so a type that keeps
// a Secret in an unexported field must format itself (every provider in this
// module does).
type Secret string

// Reveal returns the secret's value. Call it only where the value goes on the
// wire.
func (s Secret) Reveal() string { return string(s) }

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s == "" }

// String returns "[redacted]".
func (Secret) String() string { return redacted }

// GoString returns a redacted Go expression.
func (Secret) GoString() string { return `oauthkit.Secret("` + redacted + `")` }

// Format writes "[redacted]" for every verb, so %x, %q and %d reveal nothing
// either.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		io.WriteString(f, s.GoString())
		return
	}
	io.WriteString(f, redacted)
}

// MarshalJSON returns the JSON string "[redacted]".
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText returns "[redacted]", for encoders that use [encoding.TextMarshaler].
func (Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// LogValue implements [slog.LogValuer].
func (Secret) LogValue() slog.Value { return slog.StringValue(redacted) }
