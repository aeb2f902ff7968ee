package xmlcurl

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStaticFallbackGolden: the static files for the hq and branch nodes.
func TestStaticFallbackGolden(t *testing.T) {
	s, err := NewSnapshot(testSnapshotConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, node := range []string{nodeID, "fs-branch"} {
		files, err := s.StaticFallback(node)
		if err != nil {
			t.Fatal(err)
		}
		if len(files) != 3 || files[0].Path != StaticDialplanPath || files[1].Path != "directory/switchboard_127.0.0.1.xml" ||
			files[2].Path != StaticPhonesPath {
			t.Fatalf("%s: files %v", node, paths(files))
		}
		for _, f := range files {
			mustBeWellFormedAs(t, f.Content, "include")
			name := "static-" + node + "-" + strings.NewReplacer("/", "_").Replace(f.Path)
			path := filepath.Join("testdata", "golden", name)
			if *update {
				if err := os.WriteFile(path, f.Content, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create)", err)
			}
			if !bytes.Equal(f.Content, want) {
				t.Errorf("%s differs from %s:\n%s", f.Path, path, f.Content)
			}
		}
	}
	if _, err := s.StaticFallback("fs-ghost"); !errors.Is(err, ErrUnknownNode) {
		t.Errorf("unknown node: %v", err)
	}
}

// TestStaticFallbackContent checks the golden files say what matters.
func TestStaticFallbackContent(t *testing.T) {
	s, _ := NewSnapshot(testSnapshotConfig(t))
	files, _ := s.StaticFallback("fs-branch")
	dp, dir := string(files[0].Content), string(files[1].Content)
	for _, want := range []string{
		`expression="^(?:33100000001|\+33100000001|0033100000001|0100000001)$"`,
		`data="sb_static=true"`, `data="10.1.0.5:8084 async full"`, `user/2000@127.0.0.1"`,
	} {
		if !strings.Contains(dp, want) {
			t.Errorf("dialplan lacks %s:\n%s", want, dp)
		}
	}
	if strings.Contains(dp, "9400") || strings.Contains(dp, "initech") {
		t.Errorf("suspended tenant in static dialplan:\n%s", dp)
	}
	if !strings.Contains(dir, `<user id="2000">`) || strings.Contains(dir, `<user id="1000">`) {
		t.Errorf("branch directory must hold the branch's agents only:\n%s", dir)
	}
	// Phones: without the controller, only the tenant's own extensions at
	// the node ring; other tenants' contexts and suspended tenants are absent.
	phones := string(files[2].Content)
	for _, want := range []string{`<context name="sb-phones">`, `field="${sb_tenant}" expression="^acme$"`,
		`field="destination_number" expression="^(?:2000)$"`, `user/${destination_number}@127.0.0.1"`,
		`data="sb_phone_user=${user_name}"`, `data="10.1.0.5:8084 async full"`, `data="NORMAL_TEMPORARY_FAILURE"`} {
		if !strings.Contains(phones, want) {
			t.Errorf("phones' context lacks %s:\n%s", want, phones)
		}
	}
	if strings.Contains(phones, "globex") || strings.Contains(phones, "initech") || strings.Count(phones, "|bridge|")+strings.Count(phones, `"bridge"`) != 1 {
		t.Errorf("phones' context: only acme, one bridge (its extensions only):\n%s", phones)
	}
}

func paths(fs []StaticFile) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Path)
	}
	return out
}
