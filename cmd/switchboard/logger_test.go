package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestLogsWriteDurationsAsDurations: both log formats write a duration as
// "800ms", also inside a group, never as integer nanoseconds.
func TestLogsWriteDurationsAsDurations(t *testing.T) {
	for _, format := range []string{"json", "text"} {
		var buf bytes.Buffer
		log := newLogger(serveConfig{LogFormat: format, LogLevel: "info"}, &buf)
		log.Info("slow", "wait", 800*time.Millisecond)
		log.WithGroup("acd").Info("slow", "ring", 90*time.Second)
		out := buf.String()
		for _, want := range []string{"800ms", "1m30s"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s log lacks %q:\n%s", format, want, out)
			}
		}
		if strings.Contains(out, "800000000") {
			t.Errorf("%s log writes nanoseconds:\n%s", format, out)
		}
	}
}
