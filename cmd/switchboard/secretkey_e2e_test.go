package main

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/jmoiron/sqlx"

	"github.com/switchboard-cc/switchboard/internal/secretkey"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/fssim"
)

// crmFlow asks the tenant's CRM endpoint about the caller, then hangs up.
const crmFlow = `{"id": "crm_http", "name": "CRM over HTTP", "start": "ask",
 "nodes": [
  {"id": "ask", "type": "http", "params": {"endpoint": "crm", "path": "/accounts/42", "timeout_ms": 5000},
   "exits": {"ok": "bye", "error": "bye"}},
  {"id": "bye", "type": "hangup", "params": {}}
 ]}`

// sealedUnderRawKey seals plain the way the previous version did: AES-GCM
// under the secret key itself, nonce || ciphertext, base64, binding as
// additional data.
func sealedUnderRawKey(t *testing.T, key []byte, binding, plain string) string {
	t.Helper()
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	return base64.StdEncoding.EncodeToString(aead.Seal(nonce, nonce, []byte(plain), []byte(binding)))
}

// resign signs token's claims again with key (HS256), as a token of the
// previous version (signed with the secret key itself) would be.
func resign(t *testing.T, token string, key []byte) string {
	t.Helper()
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(token, claims); err != nil {
		t.Fatal(err)
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestUpgradeFromSecretsUnderTheRawKey serves a database the previous
// version wrote: the node's ESL password sealed under the secret key itself
// and a flow endpoint's credential in clear. On start the node still
// connects and both values are stored again in the v2 format; a call runs a
// flow whose HTTP node reaches the CRM with the decrypted credential. Access
// tokens are signed with the derived signing key: a token signed with the
// secret key itself is refused (401), the same claims signed with the
// derived key are accepted.
func TestUpgradeFromSecretsUnderTheRawKey(t *testing.T) {
	w := newWorld(t, "", 5)
	c, admin := w.apiClient()
	acme := w.ten["acme"]
	got := make(chan string, 4)
	crm := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		got <- r.URL.Path + " " + r.Header.Get("Authorization")
		rw.Header().Set("Content-Type", "application/json")
		rw.Write([]byte(`{"balance": 1}`))
	}))
	defer crm.Close()

	w.stopController()
	key, err := decodeKey(w.cfg.SecretKey, "test")
	if err != nil {
		t.Fatal(err)
	}
	db := sqlx.MustOpen("sqlite", strings.TrimPrefix(w.cfg.Database, "sqlite:"))
	defer db.Close()
	var nodeID string
	if err := db.Get(&nodeID, `SELECT id FROM nodes WHERE name = 'fs1'`); err != nil {
		t.Fatal(err)
	}
	db.MustExec(`UPDATE nodes SET secret_enc = $1 WHERE id = $2`, sealedUnderRawKey(t, key, nodeID, w.node.Password()), nodeID)
	doc, _ := json.Marshal(map[string]any{"endpoints": map[string]any{"crm": map[string]any{"base_url": crm.URL + "/api",
		"headers": map[string]string{"Authorization": "Bearer crm-token-old-format"}}},
		"datasources": map[string]any{}, "mailboxes": []string{}, "lists": []string{}, "calendars": map[string]any{}})
	db.MustExec(`INSERT INTO flow_integrations (tenant_id, doc, updated_at) VALUES ($1, $2, $3)`, string(acme.ID), string(doc), time.Now().UTC())

	w.cfg.FlowHTTPAllow = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")} // the CRM stub listens on loopback
	w.startController()                                                        // waits for node fs1: its old-format secret opened
	var nodeEnc, integ string
	if err := db.Get(&nodeEnc, `SELECT secret_enc FROM nodes WHERE id = $1`, nodeID); err != nil || !strings.HasPrefix(nodeEnc, "v2:") {
		t.Fatalf("node secret after start: %q %v", nodeEnc, err)
	}
	if err := db.Get(&integ, `SELECT doc FROM flow_integrations WHERE tenant_id = $1`, string(acme.ID)); err != nil ||
		strings.Contains(integ, "crm-token-old-format") {
		t.Fatalf("the endpoint credential is still stored in clear: %s %v", integ, err)
	}

	if st, body := c.call("GET", "/api/v1/tenants", resign(t, admin, key), nil, nil); st != 401 {
		t.Errorf("a token signed with the secret key itself: want 401, got %d %s", st, body)
	}
	signing, err := secretkey.TokenSigning(key)
	if err != nil {
		t.Fatal(err)
	}
	c.must(200, "GET", "/api/v1/tenants", resign(t, admin, signing), nil, nil)
	admin = c.login("admin@switchboard.local", "admin-password-123")

	w.publishFlowOn(c, admin, "acme", crmFlow, "crm_http", "+862000009010")
	call, err := w.node.RouteCall(context.Background(), w.xc, fssim.IncomingCall{From: "13800000001", To: "+862000009010"})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case req := <-got:
		if req != "/api/accounts/42 Bearer crm-token-old-format" {
			t.Errorf("the CRM got %q, want the decrypted credential", req)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the flow's HTTP node never reached the CRM")
	}
	waitCall(t, call)
}
