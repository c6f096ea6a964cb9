// Package providertest is for tests: the checks every vendor package runs
// against its Provider, written once.
//
//   - The leak check ([Text], [Formatted], [Rendered], [Prefix]): no secret
//     shows in text, formatted values or logs, in any encoding; failures
//     name a secret by position, never by value.
//   - The callback property ([CompleteCallback]): whatever query a browser
//     brings back, [oauthkit.Complete] accepts only the login's own state,
//     one code and the right issuer, and never twice. Each vendor fuzzes it
//     in its fuzz_test.go.
//   - The fault suite ([FaultSuite]): each token request sent into each way
//     a token endpoint fails (status, reset, stall, bad body), checking the
//     error, the retries and that a single-use request is never resent
//     (package cachefault checks that a cached token outlives the same
//     faults). Each vendor's fault_test.go says only how to start its fake
//     and Provider and which requests to send.
package providertest
