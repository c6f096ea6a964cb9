package licensespringtest

import (
	"slices"
	"time"
)

// session is one login at the realm: Keycloak's user session, named by the
// sid (and session_state) of its tokens.
type session struct {
	subject string
	tokens  []string // the access and refresh tokens issued in it, kept once revoked
	ended   bool
}

// Logout is one session the realm's end-session endpoint ended
// ([Server.Logouts]). Its Subject and SID are what a back-channel logout
// token for it names: deliver one with
// srv.BackchannelLogout(ctx, url, srv.LogoutToken(l.Subject, l.SID)).
type Logout struct {
	ClientID string // the client that asked: the ID token's azp, or client_id
	Subject  string
	SID      string // the sid claim of the session's ID tokens
	// PostLogoutRedirectURL is where the browser was sent, or "" when it
	// was shown the "You are logged out" page.
	PostLogoutRedirectURL string
}

// track records that tokens were issued in the session sid of subject.
func (s *Server) track(sid, subject string, tokens ...string) {
	if sid == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.sessions[sid]
	if ss == nil {
		ss = &session{subject: subject}
		s.sessions[sid] = ss
	}
	for _, t := range tokens {
		if t != "" {
			ss.tokens = append(ss.tokens, t)
		}
	}
}

// sessionEnded reports whether the session sid was ended by a logout.
func (s *Server) sessionEnded(sid string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.sessions[sid]
	return ss != nil && ss.ended
}

// endSessionOf ends the session sid of subject, as Keycloak's logout does:
// every access and refresh token issued in it is revoked (a later refresh
// fails with invalid_grant) and the logout is recorded. It reports false
// when the session had already ended. A sid the realm never issued (an ID
// token from [Server.SignIDToken]) is recorded as ended too.
func (s *Server) endSessionOf(l Logout, now time.Time) bool {
	s.mu.Lock()
	ss := s.sessions[l.SID]
	if ss == nil {
		ss = &session{subject: l.Subject}
		s.sessions[l.SID] = ss
	}
	if ss.ended {
		s.mu.Unlock()
		return false
	}
	ss.ended = true
	tokens := slices.Clone(ss.tokens)
	s.logouts = append(s.logouts, l)
	s.mu.Unlock()
	for _, t := range tokens {
		s.access.Revoke(t, now)
		s.refresh.Revoke(t, now)
	}
	return true
}

// loggedOut reports whether tok was issued in a session that a logout
// ended.
func (s *Server) loggedOut(tok string) bool {
	if tok == "" {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ss := range s.sessions {
		if ss.ended && slices.Contains(ss.tokens, tok) {
			return true
		}
	}
	return false
}

// activeSessions returns the sids of subject's sessions that have not ended.
func (s *Server) activeSessions(subject string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var sids []string
	for sid, ss := range s.sessions {
		if ss.subject == subject && !ss.ended {
			sids = append(sids, sid)
		}
	}
	slices.Sort(sids)
	return sids
}

// Logouts returns the sessions the realm's end-session endpoint ended, in
// order, without any token.
func (s *Server) Logouts() []Logout {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Logout(nil), s.logouts...)
}
