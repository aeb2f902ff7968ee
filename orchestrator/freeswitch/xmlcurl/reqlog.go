package xmlcurl

import (
	"context"
	"log/slog"
)

// reqLog is a request's logger: attributes every line of the request
// carries (client, node, call) are kept as values and handed to the logger
// only when a line is written at an enabled level. slog's With formats
// them at once into a clone of the handler, which cost every request (every
// call) that work and its allocations even when nothing was logged.
type reqLog struct {
	l     *slog.Logger
	n     int
	attrs [8]slog.Attr
}

// with adds attributes to the lines that follow (at most len(attrs); more
// are dropped, a bug caught by the handler's tests).
func (r *reqLog) with(attrs ...slog.Attr) {
	r.n += copy(r.attrs[r.n:], attrs)
}

func (r *reqLog) log(level slog.Level, msg string, args ...any) {
	ctx := context.Background()
	if !r.l.Enabled(ctx, level) {
		return
	}
	all := make([]any, 0, r.n+len(args))
	for _, a := range r.attrs[:r.n] {
		all = append(all, a)
	}
	r.l.Log(ctx, level, msg, append(all, args...)...)
}

func (r *reqLog) Debug(msg string, args ...any) { r.log(slog.LevelDebug, msg, args...) }
func (r *reqLog) Info(msg string, args ...any)  { r.log(slog.LevelInfo, msg, args...) }
func (r *reqLog) Warn(msg string, args ...any)  { r.log(slog.LevelWarn, msg, args...) }
func (r *reqLog) Error(msg string, args ...any) { r.log(slog.LevelError, msg, args...) }
