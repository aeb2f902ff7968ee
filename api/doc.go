// Package api is the REST edge (echo/v5) under /api/v1: authentication, RBAC,
// one error type, the OpenAPI document, and WebSocket/SSE push. It imports
// orchestrator, store interfaces and core types, never a switch adapter.
package api
