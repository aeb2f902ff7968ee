package api

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
)

// webSchemaPath is the copy of the OpenAPI document the browser app
// generates its API types from (web: npm run gen:api).
const webSchemaPath = "../web/src/api/openapi.json"

// TestWebAppSchemaIsCurrent keeps the browser app's copy of the OpenAPI
// document equal to the served one (go test ./api -run WebAppSchema
// -update, then npm run gen:api in web/), so its types describe this API.
func TestWebAppSchemaIsCurrent(t *testing.T) {
	e := newEnv(t)
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, e.api.openapi, "", "  "); err != nil {
		t.Fatal(err)
	}
	pretty.WriteByte('\n')
	if *update {
		if err := os.WriteFile(webSchemaPath, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(webSchemaPath)
	if err != nil {
		t.Fatalf("%v (run go test ./api -run WebAppSchema -update)", err)
	}
	if !bytes.Equal(got, pretty.Bytes()) {
		t.Fatalf("%s differs from the served OpenAPI document: run go test ./api -run WebAppSchema -update, then npm run gen:api in web/", webSchemaPath)
	}
}
