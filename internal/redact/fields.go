package redact

// Printing a vendor's own values: the String and LogValue of a Config, a
// Provider or an event, built from a list of the fields they may show. The
// fields are named, never taken all, so a field added later stays out of
// logs until someone decides it may show; a credential field shows as its
// type prints and logs itself ([oauthkit.Secret]: "[redacted]").

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"time"
	"unicode"
)

// String returns typeName{Name:value …} for the space-separated exported
// fields of the struct v named in names: strings and string slices quoted
// (%q), every other value with %v, so that a value that formats itself
// (a Secret) chooses what shows. extra items ("Name:value", already
// formatted) follow the fields.
func String(typeName string, v any, names string, extra ...string) string {
	var b strings.Builder
	b.WriteString(typeName + "{")
	for i, f := range fields(v, names) {
		if i > 0 {
			b.WriteByte(' ')
		}
		verb := "%v"
		switch f.value.(type) {
		case string, []string:
			verb = "%q"
		}
		fmt.Fprintf(&b, "%s:"+verb, f.name, f.value)
	}
	for _, x := range extra {
		b.WriteString(" " + x)
	}
	return b.String() + "}"
}

// Attrs returns the fields of the struct v named in names as slog
// attributes keyed by their snake_case names (BaseURL: base_url): strings
// and durations as such, a value that logs itself ([slog.LogValuer], a
// Secret) as itself, any other [fmt.Stringer] as its String, the rest with
// [slog.Any].
func Attrs(v any, names string) []slog.Attr {
	fs := fields(v, names)
	attrs := make([]slog.Attr, 0, len(fs))
	for _, f := range fs {
		key := snake(f.name)
		switch x := f.value.(type) {
		case string:
			attrs = append(attrs, slog.String(key, x))
		case time.Duration:
			attrs = append(attrs, slog.Duration(key, x))
		case slog.LogValuer:
			attrs = append(attrs, slog.Any(key, x))
		case fmt.Stringer:
			attrs = append(attrs, slog.String(key, x.String()))
		default:
			attrs = append(attrs, slog.Any(key, x))
		}
	}
	return attrs
}

// LogValue is a slog group of [Attrs], after lead.
func LogValue(v any, names string, lead ...slog.Attr) slog.Value {
	return slog.GroupValue(append(lead, Attrs(v, names)...)...)
}

type field struct {
	name  string
	value any
}

// fields reads the named fields of the struct v. A name v lacks is a
// programming error, and panics.
func fields(v any, names string) []field {
	rv := reflect.ValueOf(v)
	var out []field
	for _, name := range strings.Fields(names) {
		fv := rv.FieldByName(name)
		if !fv.IsValid() {
			panic("redact: " + rv.Type().String() + " has no field " + name)
		}
		out = append(out, field{name, fv.Interface()})
	}
	return out
}

// initialisms are the all-capital words of Go field names.
var initialisms = []string{"API", "HTTP", "URL", "ID"}

// snake turns a Go field name into a log key: BaseURL base_url, APIURL
// api_url, CustomerAccountCode customer_account_code.
func snake(name string) string {
	var words []string
	for rest := name; rest != ""; {
		n := 0
		for _, in := range initialisms {
			if strings.HasPrefix(rest, in) {
				n = len(in)
				break
			}
		}
		if n == 0 {
			n = 1
			for n < len(rest) && !unicode.IsUpper(rune(rest[n])) {
				n++
			}
		}
		words = append(words, strings.ToLower(rest[:n]))
		rest = rest[n:]
	}
	return strings.Join(words, "_")
}

// JSON encodes a LogValue as JSON: a group as an object of its attributes
// (nested groups as objects), every other value as slog's JSON handler
// writes it (a duration in nanoseconds). A type whose fields hold keys uses
// it for its MarshalJSON, so that a struct holding one, which slog's JSON
// handler marshals without asking the fields for their LogValue, shows no
// more than LogValue does.
func JSON(v slog.Value) ([]byte, error) { return json.Marshal(jsonValue(v)) }

func jsonValue(v slog.Value) any {
	v = v.Resolve()
	switch v.Kind() {
	case slog.KindGroup:
		m := map[string]any{}
		for _, a := range v.Group() {
			m[a.Key] = jsonValue(a.Value)
		}
		return m
	case slog.KindDuration:
		return int64(v.Duration())
	default:
		return v.Any()
	}
}
