package tokencache

import "context"

// detach returns ctx's values without its cancellation. A ctx that is never
// cancelled is kept as is, saving an allocation per fill; one that is gets
// [context.WithoutCancel], which also hides its cancellation from
// [context.Cause].
func detach(ctx context.Context) context.Context {
	if ctx.Done() == nil {
		return ctx
	}
	return context.WithoutCancel(ctx)
}
