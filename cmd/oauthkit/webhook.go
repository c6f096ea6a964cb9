package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"

	"github.com/seed-e8f4a5f7/oauthkit/webuntis"
	"github.com/seed-e8f4a5f7/oauthkit/webuntis/webuntistest"
)

// maxWebhookBody bounds what is read from stdin; a credentials event is a
// few hundred bytes.
const maxWebhookBody = 1 << 20

type webhookFlags struct {
	key, signature, algorithm string
	json, fake                bool
}

func (o *webhookFlags) flagSet(c *cli) *flag.FlagSet {
	fs := flag.NewFlagSet("webhook verify", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.StringVar(&o.key, "key", "", "the Untis Platform public key of the environment, as the platform shows it (base64), or PEM")
	fs.StringVar(&o.signature, "signature", "", "the request's Authorization header: the base64 signature (when stdin is only the body)")
	fs.StringVar(&o.algorithm, "algorithm", "SHA256withRSA", "the request's Algorithm header")
	fs.BoolVar(&o.json, "json", false, "print JSON instead of text")
	fs.BoolVar(&o.fake, "fake", false, "verify an event the WebUntis fake signs (stdin, when not empty, replaces its body)")
	return fs
}

// signatureExplanation tells a signature that cannot be one (a header
// truncated or copied wrong) from an unknown algorithm and from one that
// does not verify (the wrong key, or a body changed since it was signed).
func signatureExplanation(err error, algorithm string) explanation {
	x := explanation{Cause: err.Error()}
	switch {
	case errors.Is(err, webuntis.ErrMalformedWebhookSignature):
		x.Fix = "give --signature the request's Authorization header's value exactly as received (base64, no \"Bearer\" or other prefix), or the whole captured request on stdin"
	case !errors.Is(err, webuntis.ErrWebhookSignature):
		// A signed body that is not an event.
		x.Fix = "the signature is valid: the body is not a credentials event (tenantId, clientId and a secret or password)"
	case algorithm != "SHA256withRSA" && algorithm != "SHA256":
		x.Fix = "the Algorithm header (--algorithm) names SHA256withRSA (older senders write SHA256)"
	default:
		x.Fix = "verify with the Untis Platform public key of the environment that sent the event (production or integration), over the raw body bytes exactly as received (no re-serialised JSON, no added newline)"
	}
	return x
}

// runWebhook is `webhook verify`: the signature over the raw bytes first,
// then the fields, the two credentials redacted.
func runWebhook(ctx context.Context, c *cli, args []string) int {
	o := &webhookFlags{}
	fs := o.flagSet(c)
	sub, err := c.parse(fs, args)
	if err == nil && sub != "verify" {
		err = fmt.Errorf("the webhook subcommand is verify")
	}
	if err != nil {
		return c.usageError("webhook", err)
	}
	in, err := io.ReadAll(io.LimitReader(c.stdin, maxWebhookBody+1))
	if err != nil || len(in) > maxWebhookBody {
		return c.usageError("webhook", fmt.Errorf("stdin: a body of at most %d bytes", maxWebhookBody))
	}
	header := http.Header{}
	body := in
	if bytes.HasPrefix(in, []byte("POST ")) {
		req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(in)))
		if err != nil {
			return c.usageError("webhook", fmt.Errorf("stdin starts like an HTTP request but is not one: %v", err))
		}
		header = req.Header
		body, _ = io.ReadAll(io.LimitReader(req.Body, maxWebhookBody))
	}
	if o.fake {
		srv := webuntistest.NewServer(webuntistest.Options{})
		defer srv.Close()
		if fakeStarted != nil {
			t := srv.Tenant()
			fakeStarted([]string{t.ClientSecret, t.Password})
		}
		if len(bytes.TrimSpace(body)) == 0 {
			body = srv.WebhookBody(webuntis.EventCreated)
		}
		if o.key == "" {
			o.key = srv.WebhookKey()
		}
		if o.signature == "" && header.Get("Authorization") == "" {
			o.signature = srv.SignWebhook(body)
		}
	}
	if o.key == "" {
		o.key = c.env("OAUTHKIT_WEBUNTIS_WEBHOOK_KEY")
	}
	if o.key == "" {
		return c.usageError("webhook", fmt.Errorf("--key is required: the Untis Platform public key of the environment, as the platform shows it (base64) or PEM"))
	}
	if o.signature != "" {
		header.Set("Authorization", o.signature)
	}
	if header.Get("Algorithm") == "" {
		header.Set("Algorithm", o.algorithm)
	}
	if header.Get("Authorization") == "" {
		return c.usageError("webhook", fmt.Errorf("no signature: give --signature, or the whole captured request on stdin"))
	}
	key, err := webuntis.ParseWebhookKey(o.key)
	if err != nil {
		return c.fail(o.json, "webuntis", "webhook key", explanation{Cause: err.Error(), Fix: "give --key (or OAUTHKIT_WEBUNTIS_WEBHOOK_KEY) the public key exactly as the Untis Platform shows it for the environment that sends the events: base64 of an X.509 SubjectPublicKeyInfo (\"MIIB…\"), or the same as PEM"})
	}
	creds, err := webuntis.VerifyWebhook(key, header, body)
	if err != nil {
		return c.fail(o.json, "webuntis", "webhook signature", signatureExplanation(err, header.Get("Algorithm")))
	}
	redact := func(set bool) string {
		if set {
			return "[redacted]"
		}
		return "(absent)"
	}
	if o.json {
		writeJSON(c.stdout, struct {
			OK        bool           `json:"ok"`
			Signature string         `json:"signature"`
			EventType string         `json:"event_type"`
			TenantID  string         `json:"tenant_id"`
			ClientID  string         `json:"client_id"`
			Secret    string         `json:"secret"`
			Password  string         `json:"password"`
			Host      string         `json:"host,omitempty"`
			Fields    map[string]any `json:"fields,omitempty"`
		}{true, "valid (" + header.Get("Algorithm") + ")", creds.EventType, creds.TenantID, creds.ClientID,
			redact(!creds.Secret.IsZero()), redact(!creds.Password.IsZero()), creds.Host, creds.Fields})
		return exitOK
	}
	// Text mode: the event's fields are the sender's text (termText).
	fmt.Fprintf(c.stdout, "signature  valid (%s)\n", termText(header.Get("Algorithm")))
	fmt.Fprintf(c.stdout, "eventType  %s\ntenantId   %s\nclientId   %s\n", termText(creds.EventType), termText(creds.TenantID), termText(creds.ClientID))
	fmt.Fprintf(c.stdout, "secret     %s  (the OIDC client secret: --client-secret, for login)\n", redact(!creds.Secret.IsZero()))
	fmt.Fprintf(c.stdout, "password   %s  (the platform password: --password, for client credentials)\n", redact(!creds.Password.IsZero()))
	if creds.Host != "" {
		fmt.Fprintf(c.stdout, "host       %s\n", termText(creds.Host))
	}
	for _, k := range sortedKeys(creds.Fields) {
		switch k {
		case "tenantId", "clientId", "host", "eventType":
			continue
		}
		fmt.Fprintf(c.stdout, "%-10s %s\n", termText(k), termValue(creds.Fields[k]))
	}
	return exitOK
}
