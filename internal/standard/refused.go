package standard

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/oauth2"

	"github.com/seed-e8f4a5f7/oauthkit"
)

// revokeRefusedTimeout bounds the revocation of a refused answer's refresh
// token, even after the refresh's ctx has ended.
const revokeRefusedTimeout = 5 * time.Second

// refusedRefresh returns err, the refusal of tok (the answer to a refresh
// that sent the refresh token sent), marked [oauthkit.ErrRefreshTokenSpent]
// when the answer rotated the refresh token: the one sent is spent, and
// sending it again would be a second use. The new one, in an answer that is
// not used, is revoked where the server has a revocation endpoint (best
// effort), so that it does not stay alive unseen. An answer that kept the
// refresh token leaves it usable, and err as it is.
func (p *Provider) refusedRefresh(ctx context.Context, sent string, tok *oauth2.Token, err error) error {
	if tok == nil || tok.RefreshToken == "" || tok.RefreshToken == sent {
		return err
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), revokeRefusedTimeout)
	defer cancel()
	_ = p.RevokeToken(rctx, tok.RefreshToken, "refresh_token") // errors.ErrUnsupported without an endpoint
	return fmt.Errorf("%w: %w", err, oauthkit.ErrRefreshTokenSpent)
}
