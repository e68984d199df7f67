package api

import _ "embed"

// OpenAPI is the OpenAPI 3.1 document of the API, served at
// /openapi.json; a test checks that it documents exactly the router's
// routes.
//
//go:embed openapi.json
var OpenAPI []byte
