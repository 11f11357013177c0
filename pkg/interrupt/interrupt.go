// Package interrupt carries a "soft stop" through a context: the first
// Ctrl-C asks long work to finish the page in flight and stop; the second
// cancels the context and stops at once.
package interrupt

import "context"

type key struct{}

// WithSoftStop returns ctx carrying ch; closing ch asks for a soft stop.
func WithSoftStop(ctx context.Context, ch <-chan struct{}) context.Context {
	return context.WithValue(ctx, key{}, ch)
}

// SoftStop returns the context's soft-stop channel, or nil (never ready).
func SoftStop(ctx context.Context) <-chan struct{} {
	ch, _ := ctx.Value(key{}).(<-chan struct{})
	return ch
}
