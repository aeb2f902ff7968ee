package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// startTimeoutServer runs serveHTTP with small timeouts on a handler that
// reads the whole body and reports what it got.
func startTimeoutServer(t *testing.T, to httpTimeouts) (addr string, bodies <-chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 4)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err == nil {
			err = fmt.Errorf("read the whole body (%d bytes)", len(b))
		}
		got <- err
		fmt.Fprintln(w, "done")
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serveHTTP(ctx, ln, h, to, time.Second, slog.New(slog.DiscardHandler)) }()
	t.Cleanup(func() { cancel(); <-done })
	return ln.Addr().String(), got
}

// dripFeed writes head at once, then tail one byte per interval until the
// server closes the connection or the test ends. It returns when the server
// closed the connection, or fails the test after limit.
func dripFeed(t *testing.T, addr, head, tail string, interval, limit time.Duration) time.Duration {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	if _, err := io.WriteString(c, head); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	writerDone := make(chan struct{})
	go func() { // owned here: ends at stop or on the first failed write
		defer close(writerDone)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for i := 0; i < len(tail); i++ {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			if _, err := c.Write([]byte{tail[i]}); err != nil {
				return
			}
		}
	}()
	defer func() { close(stop); <-writerDone }()
	c.SetReadDeadline(start.Add(limit))
	_, err = io.Copy(io.Discard, bufio.NewReader(c)) // until the server closes
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the server kept the connection open for %s while the client dripped one byte per %s", limit, interval)
	}
	return time.Since(start)
}

// TestSlowBodyIsCutByReadTimeout: a client sending its body one byte at a
// time is cut once the read timeout has passed, instead of holding the
// connection (and a handler) for as long as it likes. The timeouts are
// scaled down: read 300 ms, one byte per 100 ms (a 200-byte body would take
// 20 s).
func TestSlowBodyIsCutByReadTimeout(t *testing.T) {
	to := httpTimeouts{readHeader: 300 * time.Millisecond, read: 300 * time.Millisecond, write: time.Second, idle: time.Second}
	addr, bodies := startTimeoutServer(t, to)
	head := "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 200\r\n\r\n"
	took := dripFeed(t, addr, head, strings.Repeat("x", 200), 100*time.Millisecond, 10*time.Second)
	select {
	case err := <-bodies:
		if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
			t.Fatalf("the handler's body read should time out, got %v", err)
		}
	default:
		t.Fatal("the handler never returned from reading the body")
	}
	t.Logf("slow body cut after %s", took)
}

// TestSlowHeadersAreCutByReadHeaderTimeout: the same for headers.
func TestSlowHeadersAreCutByReadHeaderTimeout(t *testing.T) {
	to := httpTimeouts{readHeader: 300 * time.Millisecond, read: time.Second, write: time.Second, idle: time.Second}
	addr, bodies := startTimeoutServer(t, to)
	took := dripFeed(t, addr, "GET / HTTP/1.1\r\n", strings.Repeat("X-Slow: 1\r\n", 20), 100*time.Millisecond, 10*time.Second)
	select {
	case err := <-bodies:
		t.Fatalf("a request with unfinished headers reached the handler: %v", err)
	default:
	}
	t.Logf("slow headers cut after %s", took)
}

func TestServeTimeoutsAreSet(t *testing.T) {
	for name, d := range map[string]time.Duration{"readHeader": serveTimeouts.readHeader, "read": serveTimeouts.read,
		"write": serveTimeouts.write, "idle": serveTimeouts.idle} {
		if d <= 0 {
			t.Errorf("serve's %s timeout is %s: unbounded", name, d)
		}
	}
}
