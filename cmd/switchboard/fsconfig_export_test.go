package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/xmlcurl"
	"github.com/switchboard-cc/switchboard/store"
)

// TestFSConfigExportWritesTheNodesFallback: `fsconfig export` reads serve's
// database and writes the node's static fallback: the access numbers of
// every tenant, the directory of the agents with a1-hashes only (mode 0600),
// the phones' context; an unknown node and a wrong data directory are
// errors that create nothing.
func TestFSConfigExportWritesTheNodesFallback(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfg := serveConfig{DataDir: dir, Database: "sqlite:" + filepath.Join(dir, "sb.db")}
	key := bytes.Repeat([]byte{7}, 32)
	st, err := openStore(ctx, cfg, key)
	if err != nil {
		t.Fatal(err)
	}
	site, err := st.CreateSite(ctx, store.SystemActor, store.SiteInput{Name: "hq"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateNode(ctx, store.SystemActor, store.NodeInput{SiteID: site.ID, Name: "fs1", Kind: store.NodeFreeSWITCH,
		Address: "127.0.0.1:8021", Secret: "ClueCon-switchboard-export", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	acme := seedTenant(t, st, "acme", "+862000000001", 2)
	seedTenant(t, st, "bolt", "+862000000002", 2)
	st.Close()

	export := func(extra ...string) (string, string, int) {
		var out, errb bytes.Buffer
		args := append([]string{"fsconfig", "export", "-data-dir", dir, "-database", cfg.Database,
			"-secret-key", encodeKey(key), "-esl-listen", "10.0.0.9:8084"}, extra...)
		code := run(ctx, args, func(string) string { return "" }, &out, &errb)
		return out.String(), errb.String(), code
	}
	outDir := filepath.Join(t.TempDir(), "fs")
	printed, stderr, code := export("-node", "fs1", "-out", outDir)
	if code != 0 {
		t.Fatalf("export exit %d: %s", code, stderr)
	}
	read := func(rel string) string {
		t.Helper()
		path := filepath.Join(outDir, rel)
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatalf("%s not written (printed %q): %v", rel, printed, err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600 (it holds a1-hashes)", rel, fi.Mode().Perm())
		}
		if !strings.Contains(printed, path) {
			t.Errorf("%s written but not printed: %q", path, printed)
		}
		b, _ := os.ReadFile(path)
		return string(b)
	}
	plan := read(xmlcurl.StaticDialplanPath)
	for _, want := range []string{"862000000001", "862000000002", "socket", "10.0.0.9:8084", "sb_static"} {
		if !strings.Contains(plan, want) {
			t.Errorf("static dialplan lacks %q:\n%s", want, plan)
		}
	}
	users := read("directory/switchboard_" + acme.SIPDomain + ".xml")
	if !strings.Contains(users, `id="1001"`) || !strings.Contains(users, "a1-hash") {
		t.Errorf("acme's directory lacks user 1001 with an a1-hash:\n%s", users)
	}
	if strings.Contains(users, "sip-secret-1001") {
		t.Errorf("acme's directory carries a plain SIP password:\n%s", users)
	}
	if strings.Contains(users, "bolt") {
		t.Errorf("acme's directory names the other tenant:\n%s", users)
	}
	read(xmlcurl.StaticPhonesPath)

	if _, stderr, code := export("-node", "fs-ghost", "-out", t.TempDir()); code != 1 || !strings.Contains(stderr, `no enabled FreeSWITCH node "fs-ghost"`) {
		t.Errorf("unknown node: exit %d, %q", code, stderr)
	}
	if _, stderr, code := export("-node", "fs1"); code != 2 || !strings.Contains(stderr, "-node and -out are required") {
		t.Errorf("no -out: exit %d, %q", code, stderr)
	}
	empty := t.TempDir()
	var out, errb bytes.Buffer
	code = run(ctx, []string{"fsconfig", "export", "-data-dir", empty, "-node", "fs1", "-out", t.TempDir()}, func(string) string { return "" }, &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), "no secret key") {
		t.Errorf("wrong data dir: exit %d, %q", code, errb.String())
	}
	if left, _ := os.ReadDir(empty); len(left) != 0 {
		t.Errorf("an export from a wrong data dir created %v", left)
	}
}
