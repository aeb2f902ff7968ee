package tenancy

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestPermissionMatrixGolden(t *testing.T) {
	got := PermissionMatrix()
	path := filepath.Join("testdata", "permissions.md")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./tenancy -run Matrix -update)", err)
	}
	if got != string(want) {
		t.Fatalf("permission table changed; review and run with -update:\n%s", got)
	}
	// Every permission any role holds is listed in AllPermissions.
	listed := map[Permission]bool{}
	for _, p := range AllPermissions {
		listed[p] = true
	}
	for _, r := range Roles {
		for _, p := range Permissions(r) {
			if !listed[p] {
				t.Errorf("%s holds %s, missing from AllPermissions", r, p)
			}
		}
	}
}
