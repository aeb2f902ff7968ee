package ivrflows

import _ "embed"

// Schema is the JSON Schema (draft 2020-12) of a flow document, for editors
// and the API to serve. It checks the document's shape; references to the
// tenant's queues, prompts and so on are checked by Compile.
//
//go:embed schema.json
var Schema []byte
