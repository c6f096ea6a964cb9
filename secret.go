package oauthkit

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
)

// redacted is what a [Secret] prints instead of itself.
const redacted = "[redacted]"

// Secret is a credential — a client secret, a password, a shared key — that
// never prints itself. String, GoString, Format (every verb), MarshalJSON,
// MarshalText and LogValue all produce "[redacted]"; only [Secret.Reveal]
// returns the value.
//
// Marshalling is therefore one-way: JSON of a struct holding a Secret is safe
// to log but does not keep the secret. Reading "[redacted]" back
// (UnmarshalJSON, UnmarshalText) is an error naming the field, never the
// literal password "[redacted]". To keep credentials, store them sealed (as
// webuntis.CredentialStore does), not as JSON.
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

// ErrRedactedSecret is the error (wrapped) of [Secret.UnmarshalText] given
// the placeholder "[redacted]": what was marshalled was not the secret.
var ErrRedactedSecret = errors.New(`oauthkit: "[redacted]" is a placeholder, not a secret`)

// UnmarshalJSON reads a JSON string into s. The placeholder "[redacted]",
// which [Secret.MarshalJSON] writes, is refused with a
// [*json.UnmarshalTypeError], so that a round trip through JSON fails loudly
// instead of silently replacing a password with the word "[redacted]". Go
// 1.26's encoding/json adds the field's name to its message ("… into Go
// struct field Credentials.Password of type oauthkit.Secret"); Go 1.27's,
// built on encoding/json/v2, names the type only. null leaves s unchanged.
func (s *Secret) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		return nil
	}
	var v string
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	if v == redacted {
		return &json.UnmarshalTypeError{Value: `placeholder "` + redacted + `"`, Type: reflect.TypeFor[Secret]()}
	}
	*s = Secret(v)
	return nil
}

// UnmarshalText reads text into s; the placeholder "[redacted]" is an error
// wrapping [ErrRedactedSecret].
func (s *Secret) UnmarshalText(text []byte) error {
	if string(text) == redacted {
		return fmt.Errorf("%w (it was marshalled, which never keeps a secret)", ErrRedactedSecret)
	}
	*s = Secret(text)
	return nil
}
