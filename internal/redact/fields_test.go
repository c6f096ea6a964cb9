package redact

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"
)

type hidden string

func (hidden) Format(f fmt.State, _ rune) { io.WriteString(f, "[redacted]") }
func (hidden) LogValue() slog.Value       { return slog.StringValue("[redacted]") }

type mode int

func (mode) String() string { return "auto" }

type sample struct {
	APIURL, ClientID, CustomerAccountCode string
	Key                                   hidden
	Scopes                                []string
	Timeout                               time.Duration
	Mode                                  mode
	Unlisted                              string
}

func TestFieldsPrintOnlyTheNamedFields(t *testing.T) {
	v := sample{APIURL: "https://a", ClientID: "c", CustomerAccountCode: "acme", Key: "k3y-value", Scopes: []string{"x", "y"}, Timeout: time.Second, Mode: 1, Unlisted: "not-shown"}
	names := "APIURL ClientID CustomerAccountCode Key Scopes Timeout Mode"
	want := `t.Sample{APIURL:"https://a" ClientID:"c" CustomerAccountCode:"acme" Key:[redacted] Scopes:["x" "y"] Timeout:1s Mode:auto}`
	if got := String("t.Sample", v, names); got != want {
		t.Errorf("String:\n got %s\nwant %s", got, want)
	}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("m", "v", LogValue(v, names, slog.String("provider", "p")))
	log := buf.String()
	for _, kv := range []string{"v.provider=p", "v.api_url=https://a", "v.client_id=c", "v.customer_account_code=acme", "v.key=[redacted]", "v.timeout=1s", "v.mode=auto"} {
		if !strings.Contains(log, kv) {
			t.Errorf("log lacks %s: %s", kv, log)
		}
	}
	if strings.Contains(log, "k3y") || strings.Contains(log, "not-shown") {
		t.Error("the log shows the secret field or an unlisted field")
	}
}

func TestSnake(t *testing.T) {
	for in, want := range map[string]string{"BaseURL": "base_url", "APIURL": "api_url", "APIKey": "api_key", "HardwareID": "hardware_id", "RedirectURL": "redirect_url", "BasicEncoding": "basic_encoding", "Timeout": "timeout"} {
		if got := snake(in); got != want {
			t.Errorf("snake(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestJSONIsWhatLogValueShows(t *testing.T) {
	v := sample{APIURL: "https://a", Key: "k3y-value", Scopes: []string{"x"}, Timeout: time.Second, Unlisted: "not-shown"}
	got, err := JSON(LogValue(v, "APIURL Key Scopes Timeout", slog.Group("inner", slog.Bool("b", true))))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"api_url":"https://a","inner":{"b":true},"key":"[redacted]","scopes":["x"],"timeout":1000000000}`
	if string(got) != want {
		t.Errorf("JSON:\n got %s\nwant %s", got, want)
	}
}
