package oauthwire

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"
)

// decodeObject decodes a JSON document as json.Unmarshal does into a
// map[string]any: the same map, the same value types (string, float64,
// bool, nil, nested map[string]any and []any), the same documents refused,
// and nil without an error for a top-level null.
//
// A token response is nearly always a flat object of plain strings and
// numbers: that case is read by hand (decodeFlatObject) in one pass, with
// the keys and values sharing one copy of the body, at a quarter of
// encoding/json's cost, which scans the body twice (a validity check, then
// the decoding) through reflection. Anything else, or anything the fast path
// is not sure of, goes to encoding/json itself, whose answer is the
// reference (FuzzDecodeObject checks that both agree on every input).
func decodeObject(body []byte) (map[string]any, error) {
	if m, ok := decodeFlatObject(body); ok {
		return m, nil
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// decodeFlatObject decodes a JSON object whose values are strings without
// escapes, numbers, true, false or null. ok is false for any other
// document, valid or not: a nested value, an escape in a string, a control
// character, invalid UTF-8, a number out of float64's range, trailing bytes.
// The caller then asks encoding/json, which decides. ok is also false for a
// body mostly made of something else than its keys, strings and fields
// (padding, numbers of a thousand digits): the copy they share lives as long
// as the token, and must not hold much more than the token needs.
func decodeFlatObject(body []byte) (m map[string]any, ok bool) {
	s := string(body) // one copy; every key and value is a substring of it
	kept := 0         // the bytes of s that the keys and strings use
	small := func() bool { return len(s) <= 2*kept+32*len(m)+64 }
	i := skipJSONSpace(s, 0)
	if i >= len(s) || s[i] != '{' {
		return nil, false
	}
	m = make(map[string]any)
	i = skipJSONSpace(s, i+1)
	if i < len(s) && s[i] == '}' {
		return m, skipJSONSpace(s, i+1) == len(s) && small()
	}
	for {
		k, j, ok := plainJSONString(s, i)
		if !ok {
			return nil, false
		}
		i = skipJSONSpace(s, j)
		if i >= len(s) || s[i] != ':' {
			return nil, false
		}
		i = skipJSONSpace(s, i+1)
		if i >= len(s) {
			return nil, false
		}
		var v any
		switch c := s[i]; {
		case c == '"':
			str, j, ok := plainJSONString(s, i)
			if !ok {
				return nil, false
			}
			v, i = str, j
			kept += len(str)
		case c == '-' || ('0' <= c && c <= '9'):
			j := jsonNumberEnd(s, i)
			if j < 0 {
				return nil, false
			}
			f, err := strconv.ParseFloat(s[i:j], 64)
			if err != nil { // out of range: encoding/json's error, not ours
				return nil, false
			}
			v, i = f, j
		case strings.HasPrefix(s[i:], "true"):
			v, i = true, i+len("true")
		case strings.HasPrefix(s[i:], "false"):
			v, i = false, i+len("false")
		case strings.HasPrefix(s[i:], "null"):
			v, i = nil, i+len("null")
		default: // an object, an array, or not JSON
			return nil, false
		}
		m[k] = v // a repeated key: the last one wins, as in encoding/json
		kept += len(k)
		i = skipJSONSpace(s, i)
		if i >= len(s) {
			return nil, false
		}
		switch s[i] {
		case ',':
			i = skipJSONSpace(s, i+1)
		case '}':
			return m, skipJSONSpace(s, i+1) == len(s) && small()
		default:
			return nil, false
		}
	}
}

// skipJSONSpace returns the index of the first byte at or after i that is
// not JSON whitespace (RFC 8259 §2).
func skipJSONSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

// plainJSONString reads the string that starts at s[i], a quote, when it
// holds no escape and no control character and is valid UTF-8: then its
// value is its bytes. It returns the value and the index after the closing
// quote.
func plainJSONString(s string, i int) (string, int, bool) {
	if i >= len(s) || s[i] != '"' {
		return "", 0, false
	}
	ascii := true
	for j := i + 1; j < len(s); j++ {
		switch c := s[j]; {
		case c == '"':
			v := s[i+1 : j]
			if !ascii && !utf8.ValidString(v) {
				return "", 0, false // encoding/json replaces bad bytes: let it
			}
			return v, j + 1, true
		case c == '\\' || c < 0x20:
			return "", 0, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return "", 0, false
}

// jsonNumberEnd returns the index after the JSON number (RFC 8259 §6) that
// starts at s[i], or -1 when none does.
func jsonNumberEnd(s string, i int) int {
	digits := func(i int) int {
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
		return i
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && '1' <= s[i] && s[i] <= '9':
		i = digits(i + 1)
	default:
		return -1
	}
	if i < len(s) && s[i] == '.' {
		j := digits(i + 1)
		if j == i+1 {
			return -1
		}
		i = j
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := digits(i)
		if j == i {
			return -1
		}
		i = j
	}
	return i
}
