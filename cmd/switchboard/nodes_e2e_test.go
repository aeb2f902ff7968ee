package main

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-cc/switchboard/internal/syncbuf"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/fssim"
)

// newNodelessWorld is newWorld without any node in the store: the controller
// starts knowing no FreeSWITCH, and the simulated node waits to be
// registered through the API.
func newNodelessWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	node, err := fssim.Start(fssim.Config{Speed: 20, Heartbeat: -1, Password: "fs1-esl-password-0123"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(node.Close)
	dir := t.TempDir()
	w := &world{t: t, node: node, sock: freePort(t), logs: &syncbuf.Buffer{}, ten: map[string]*worldTenant{}}
	w.serveXMLCurl()
	cfg := serveConfig{DataDir: dir, Database: "sqlite:" + filepath.Join(dir, "sb.db"), AdminEmail: "admin@switchboard.local",
		AdminPassword: "admin-password-123", LogLevel: "debug", LogFormat: "json", ShutdownTimeout: 5 * time.Second,
		ESLListen: w.sock, ReloadEvery: 100 * time.Millisecond}
	key := bytes.Repeat([]byte{9}, 32)
	st, err := openStore(ctx, cfg, key)
	if err != nil {
		t.Fatal(err)
	}
	w.ten["acme"] = seedTenant(t, st, "acme", "+862000000001", 5)
	st.Close()
	cfg.SecretKey = encodeKey(key)
	w.cfg = cfg
	t.Cleanup(func() {
		w.stopController()
		if t.Failed() {
			t.Logf("controller log:\n%s", w.logs.String())
		}
	})
	log := slog.New(slog.NewJSONHandler(w.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctrl, err := newController(ctx, cfg, log, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(context.Background())
	w.ctrl, w.stop = ctrl, cancel
	w.mux.Store(ctrl.mux)
	if err := ctrl.start(cctx); err != nil {
		t.Fatal(err)
	}
	return w
}

// TestNodeAddedEditedAndRemovedThroughTheAPIWithoutRestart: the operator
// registers a node with a controller that started without any; calls on it
// reach the call path; a wrong password takes it down and the right one
// brings it back; deleting it disconnects it. The controller never restarts.
func TestNodeAddedEditedAndRemovedThroughTheAPIWithoutRestart(t *testing.T) {
	w := newNodelessWorld(t)
	c, admin := w.apiClient()
	var site, node struct{ ID string }
	c.must(201, "POST", "/api/v1/sites", admin, map[string]any{"name": "hq"}, &site)
	c.must(201, "POST", "/api/v1/nodes", admin, map[string]any{"site_id": site.ID, "name": "fs1", "kind": "freeswitch",
		"address": w.node.Addr(), "secret": w.node.Password(), "enabled": true}, &node)
	waitUntil(t, "the new node connected", func() bool { return w.ctrl.conf.NodeUp("fs1") })

	w.agentReady("acme", "1001", fssim.PhoneScript{AnswerAfter: 50 * time.Millisecond, TalkFor: time.Second})
	call := w.place("acme", "13800000001", 0)
	waitCall(t, call)
	if r := w.waitCallerCDR("acme", call.UUID()); r.Disposition != "answered" {
		t.Fatalf("a call on the added node: %+v", r)
	}

	one := "/api/v1/nodes/" + node.ID
	c.must(200, "PATCH", one, admin, map[string]any{"secret": "not-the-node-password"}, nil)
	waitUntil(t, "the node down with a wrong password", func() bool { return !w.ctrl.conf.NodeUp("fs1") })
	c.must(200, "PATCH", one, admin, map[string]any{"secret": w.node.Password()}, nil)
	waitUntil(t, "the node back with the right password", func() bool { return w.ctrl.conf.NodeUp("fs1") })

	c.must(204, "DELETE", one, admin, nil, nil)
	waitUntil(t, "the deleted node disconnected", func() bool {
		return !w.ctrl.conf.NodeUp("fs1") && w.ctrl.fs.Stats().NodesUp == 0
	})
	logs := w.logs.String()
	for _, msg := range []string{"FreeSWITCH node added", "FreeSWITCH node changed", "FreeSWITCH node removed"} {
		if !strings.Contains(logs, msg) {
			t.Errorf("no %q in the log", msg)
		}
	}
}
