package providertest

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// RenderVerbs are the fmt verbs [Renderings] prints a value with: [Verbs]
// plus %q, %x and %d, which reach a Format method or fmt's defaults by
// other paths.
var RenderVerbs = []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"}

// NestedJSON and NestedJSONPointer name the renderings where slog's JSON handler
// marshals a struct holding the value, which encoding/json does without
// asking the value for its LogValue: see [Rendered]'s skip.
const (
	NestedJSON        = "slog JSON nested"
	NestedJSONPointer = "slog JSON nested pointer"
)

// Renderings returns every way v is printed or logged, by name: fmt with
// each of [RenderVerbs]; slog's JSON and text handlers with v as an
// attribute; the same handlers with v as a field of a struct logged through
// slog.Any, the struct by value and by pointer; and fmt's %v, %+v and %#v of
// that struct.
func Renderings(v any) map[string]string {
	out := map[string]string{}
	for _, verb := range RenderVerbs {
		out[verb] = fmt.Sprintf(verb, v)
	}
	nested := struct{ Held any }{v}
	for _, h := range []struct {
		name string
		new  func(*bytes.Buffer) slog.Handler
	}{
		{"slog JSON", func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) }},
		{"slog text", func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) }},
	} {
		var buf bytes.Buffer
		log := slog.New(h.new(&buf))
		log.Info("x", "v", v)
		out[h.name] = buf.String()
		buf.Reset()
		log.Info("x", slog.Any("nested", nested))
		out[h.name+" nested"] = buf.String()
		buf.Reset()
		log.Info("x", slog.Any("nested", &nested))
		out[h.name+" nested pointer"] = buf.String()
	}
	for _, verb := range []string{"%v", "%+v", "%#v"} {
		out[verb+" nested"] = fmt.Sprintf(verb, nested)
	}
	return out
}

// Rendered reports an error for every rendering of v ([Renderings]) that
// shows a secret raw, in one of [Encodings], in padded base64, in hex, or
// escaped as a JSON or Go string. Renderings named in skip are not checked
// (each skip needs a comment at the call saying why). what names v in the
// messages, which name the rendering, the secret's position and the
// encoding, never the secret.
func Rendered(t testing.TB, what string, v any, skip []string, secrets ...string) {
	t.Helper()
	for _, found := range RenderedLeaks(what, v, skip, secrets...) {
		t.Error(found)
	}
}

// RenderedLeaks returns what [Rendered] reports, for a test that expects
// some renderings to show a secret (a fake's fixture, say).
func RenderedLeaks(what string, v any, skip []string, secrets ...string) []string {
	var leaks []string
	renderings := Renderings(v)
	hows := make([]string, 0, len(renderings))
	for how := range renderings {
		hows = append(hows, how)
	}
	slices.Sort(hows)
	for _, how := range hows {
		if slices.Contains(skip, how) {
			continue
		}
		text := renderings[how]
		label := fmt.Sprintf("%s via %s", what, how)
		leaks = append(leaks, find(label, text, secrets)...)
		for i, s := range secrets {
			if len(s) < minLen || len(find("", text, []string{s})) > 0 {
				continue // too short, or reported by find
			}
			for _, enc := range moreEncodings {
				if e := enc.encode(s); e != s && strings.Contains(text, e) {
					leaks = append(leaks, fmt.Sprintf("%s shows secret #%d (%d bytes) %s", label, i, len(s), enc.name))
					break
				}
			}
		}
	}
	return leaks
}

// moreEncodings are the forms [Rendered] looks for besides [Encodings].
var moreEncodings = []struct {
	name   string
	encode func(string) string
}{
	{"base64 padded", func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }},
	{"base64url padded", func(s string) string { return base64.URLEncoding.EncodeToString([]byte(s)) }},
	{"hex", func(s string) string { return hex.EncodeToString([]byte(s)) }},
	{"JSON-escaped", func(s string) string {
		js, _ := json.Marshal(s)
		return string(js[1 : len(js)-1])
	}},
	{"JSON-escaped without HTML escapes", func(s string) string {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(s)
		js := strings.TrimSpace(b.String())
		return js[1 : len(js)-1]
	}},
	{"Go-quoted", func(s string) string {
		q := strconv.Quote(s)
		return q[1 : len(q)-1]
	}},
}

// LogsAsJSON checks that slog's JSON handler logs each of vs (a value and
// its pointer, say) through its LogValue: without an "!ERROR" and with every
// string of want in the record. what names the value in the messages.
func LogsAsJSON(t testing.TB, what string, want []string, vs ...any) {
	t.Helper()
	for _, v := range vs {
		var buf bytes.Buffer
		slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "v", v)
		if strings.Contains(buf.String(), "!ERROR") {
			t.Errorf("%s does not log as JSON", what)
		}
		for _, w := range want {
			if !strings.Contains(buf.String(), w) {
				t.Errorf("%s does not log through its LogValue: no %s", what, w)
			}
		}
	}
}
