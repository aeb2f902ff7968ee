package store

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/switchboard-cc/switchboard/internal/secretkey"
	"github.com/switchboard-cc/switchboard/ivrflows"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// These tests seal and open with AES-GCM themselves, as the store did before
// v2 (the secret key itself, nonce || ciphertext, base64, binding as
// additional data), instead of calling the code under test.

func gcm(t testing.TB, key []byte) cipher.AEAD {
	t.Helper()
	block, err := aes.NewCipher(key)
	must(t, err)
	aead, err := cipher.NewGCM(block)
	must(t, err)
	return aead
}

// legacySeal is the store's sealing before v2.
func legacySeal(t testing.TB, key []byte, binding, plain string) string {
	aead := gcm(t, key)
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	return base64.StdEncoding.EncodeToString(aead.Seal(nonce, nonce, []byte(plain), []byte(binding)))
}

// gcmOpen opens a stored value's base64 body with key.
func gcmOpen(t testing.TB, key []byte, binding, body string) (string, error) {
	aead := gcm(t, key)
	raw, err := base64.StdEncoding.DecodeString(body)
	if err != nil || len(raw) < aead.NonceSize() {
		t.Fatalf("not base64 of a sealed value: %q", body)
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(binding))
	return string(plain), err
}

// secretRows is every sealed value as stored, for one node and one tenant.
type secretRows struct{ node, dsn, doc string }

func readSecretRows(t testing.TB, s *Store, node string, tn tenancy.TenantID) secretRows {
	t.Helper()
	var r secretRows
	must(t, s.platformWrite(ctx, func(tx *sqlx.Tx) error {
		if err := tx.Get(&r.node, `SELECT secret_enc FROM nodes WHERE id = $1`, node); err != nil {
			return err
		}
		if err := tx.Get(&r.dsn, `SELECT dsn FROM flow_datasources WHERE tenant_id = $1 AND name = 'crm'`, string(tn)); err != nil {
			return err
		}
		return tx.Get(&r.doc, `SELECT doc FROM flow_integrations WHERE tenant_id = $1`, string(tn))
	}))
	return r
}

const (
	oldNodeSecret = "ClueCon-sealed-before-v2"
	oldDSN        = "postgres://crm:old-pw@db.acme/crm"
	oldAuth       = "Bearer old-crm-token"
)

// seedOldFormat stores a node secret, a data source and an endpoint header
// the way the store wrote them before v2: the first two sealed under the
// secret key itself, the header in clear in the integrations document.
func seedOldFormat(t testing.TB, s *Store) (string, tenancy.TenantID) {
	t.Helper()
	tn := mkFlowTenant(t, s, "reseal-"+randHex(3)+".example.com", 5)
	site, err := s.CreateSite(ctx, op, SiteInput{Name: "HQ " + randHex(3)})
	must(t, err)
	n, err := s.CreateNode(ctx, op, NodeInput{SiteID: site.ID, Name: "fs-" + randHex(3), Kind: NodeFreeSWITCH, Address: "10.0.0.5:8021", Secret: "placeholder"})
	must(t, err)
	_, err = s.PutDataSource(ctx, SystemActor, tn, "crm", DataSourceInput{Driver: "postgres", DSN: "postgres://placeholder@x/y"})
	must(t, err)
	old := FlowIntegrations{Endpoints: map[string]ivrflows.Endpoint{"crm": {BaseURL: "https://crm.acme.example/api",
		Headers: map[string]string{"Authorization": oldAuth}}}, Lists: []string{"vip"}}
	old.normalize()
	doc, err := json.Marshal(old) // what PutFlowIntegrations stored before v2
	must(t, err)
	must(t, s.platformWrite(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.Exec(`UPDATE nodes SET secret_enc = $1 WHERE id = $2`, legacySeal(t, testKey, n.ID, oldNodeSecret), n.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(`UPDATE flow_datasources SET dsn = $1 WHERE tenant_id = $2`,
			legacySeal(t, testKey, sealBinding(tn, "crm"), oldDSN), string(tn)); err != nil {
			return err
		}
		_, err := tx.Exec(`INSERT INTO flow_integrations (tenant_id, doc, updated_at) VALUES ($1, $2, $3)`, string(tn), string(doc), s.nowUTC())
		return err
	}))
	return n.ID, tn
}

// checkSecretsRead: every seeded secret reads back in clear, through the
// methods the controller and the API use.
func checkSecretsRead(t *testing.T, s *Store, node string, tn tenancy.TenantID) {
	t.Helper()
	if got, err := s.NodeSecret(ctx, node); err != nil || got != oldNodeSecret {
		t.Errorf("NodeSecret = %q, %v", got, err)
	}
	if _, got, err := s.DataSourceConn(ctx, tn, "crm"); err != nil || got != oldDSN {
		t.Errorf("DataSourceConn = %q, %v", got, err)
	}
	if in, err := s.GetFlowIntegrations(ctx, tn); err != nil || in.Endpoints["crm"].Headers["Authorization"] != oldAuth ||
		in.Endpoints["crm"].BaseURL != "https://crm.acme.example/api" || len(in.Lists) != 1 {
		t.Errorf("GetFlowIntegrations = %+v, %v", in, err)
	}
	if cat, err := s.FlowCatalog(ctx, tn); err != nil || cat.Endpoints["crm"].Headers["Authorization"] != oldAuth {
		t.Errorf("the call path's catalog lost the header: %v", err)
	}
}

// TestSecretsWrittenBeforeV2AreResealedByMigrate: values sealed under the
// secret key itself, and endpoint headers in clear, still read before the
// migration; Migrate rewrites each in the v2 format under the derived key
// (no clear header left in the document), every value still reads back the
// same, and a second run finds nothing to do.
func TestSecretsWrittenBeforeV2AreResealedByMigrate(t *testing.T) {
	allBackends(t, func(t *testing.T, s *Store) {
		node, tn := seedOldFormat(t, s)
		before := readSecretRows(t, s, node, tn)
		if isCurrent(before.node) || isCurrent(before.dsn) || !strings.Contains(before.doc, oldAuth) {
			t.Fatalf("the seed is not in the old format: %+v", before)
		}
		checkSecretsRead(t, s, node, tn) // during the transition
		must(t, s.Migrate(ctx))
		after := readSecretRows(t, s, node, tn)
		if !strings.HasPrefix(after.node, sealedPrefix) || !strings.HasPrefix(after.dsn, sealedPrefix) {
			t.Errorf("not resealed: node %q, data source %q", after.node, after.dsn)
		}
		if strings.Contains(after.doc, "old-crm-token") || strings.Contains(after.doc, `"headers":`) || !strings.Contains(after.doc, `"headers_enc":"v2:`) {
			t.Errorf("the integrations document still holds the header in clear: %s", after.doc)
		}
		checkSecretsRead(t, s, node, tn)
		if n, err := s.resealSecrets(ctx); err != nil || n != 0 {
			t.Errorf("a second reseal rewrote %d values (%v), want none", n, err)
		}
		if again := readSecretRows(t, s, node, tn); again != after {
			t.Error("a second Migrate changed resealed values")
		}
	})
}

// TestNewSecretsUseTheDerivedKey: what the store writes now is "v2:" and
// opens with secretkey.SecretEncryption of the secret key and its binding;
// neither the secret key itself nor the token-signing key opens it.
func TestNewSecretsUseTheDerivedKey(t *testing.T) {
	allBackends(t, func(t *testing.T, s *Store) {
		tn := mkFlowTenant(t, s, "derived-"+randHex(3)+".example.com", 5)
		site, err := s.CreateSite(ctx, op, SiteInput{Name: "HQ"})
		must(t, err)
		n, err := s.CreateNode(ctx, op, NodeInput{SiteID: site.ID, Name: "fs1", Kind: NodeFreeSWITCH, Address: "10.0.0.5:8021", Secret: "ClueCon-v2"})
		must(t, err)
		_, err = s.PutDataSource(ctx, SystemActor, tn, "crm", DataSourceInput{Driver: "postgres", DSN: "postgres://crm:pw@db/crm"})
		must(t, err)
		_, err = s.PutFlowIntegrations(ctx, admin1, tn, FlowIntegrations{Endpoints: map[string]ivrflows.Endpoint{
			"crm": {BaseURL: "https://CRM.acme.example/api", Headers: map[string]string{"Authorization": "Bearer v2"}}}})
		must(t, err)
		rows := readSecretRows(t, s, n.ID, tn)
		var doc struct {
			Endpoints map[string]map[string]any `json:"endpoints"`
		}
		must(t, json.Unmarshal([]byte(rows.doc), &doc))
		headersEnc, _ := doc.Endpoints["crm"]["headers_enc"].(string)
		if _, clear := doc.Endpoints["crm"]["headers"]; clear || strings.Contains(rows.doc, "Bearer") {
			t.Fatalf("header stored in clear: %s", rows.doc)
		}
		derived, err := secretkey.SecretEncryption(testKey)
		must(t, err)
		signing, err := secretkey.TokenSigning(testKey)
		must(t, err)
		for _, c := range []struct{ what, stored, binding, plain string }{
			{"node secret", rows.node, n.ID, "ClueCon-v2"},
			{"data source", rows.dsn, sealBinding(tn, "crm"), "postgres://crm:pw@db/crm"},
			{"endpoint headers", headersEnc, "endpoint:" + string(tn) + "/crm@https://crm.acme.example:443", `{"Authorization":"Bearer v2"}`},
		} {
			body, ok := strings.CutPrefix(c.stored, "v2:")
			if !ok {
				t.Errorf("%s stored as %q, want the v2: format", c.what, c.stored)
				continue
			}
			if got, err := gcmOpen(t, derived, c.binding, body); err != nil || got != c.plain {
				t.Errorf("%s does not open with the derived key: %q %v", c.what, got, err)
			}
			if _, err := gcmOpen(t, testKey, c.binding, body); err == nil {
				t.Errorf("%s opens with the secret key itself", c.what)
			}
			if _, err := gcmOpen(t, signing, c.binding, body); err == nil {
				t.Errorf("%s opens with the token-signing key", c.what)
			}
		}
	})
}

// TestAWrongSecretKeyRefusesAndLosesNothing: a store opened with another
// key (a replaced secret.key) cannot migrate old values: Migrate fails with
// ErrSecretUnreadable naming the value, and rewrites nothing; reads fail the
// same way, for old and v2 values. The right key then migrates and reads
// everything.
func TestAWrongSecretKeyRefusesAndLosesNothing(t *testing.T) {
	allBackends(t, func(t *testing.T, s *Store) {
		node, tn := seedOldFormat(t, s)
		must(t, s.platformWrite(ctx, func(tx *sqlx.Tx) error { // one value already in v2
			v2, err := s.secrets.seal(sealBinding(tn, "crm"), oldDSN)
			if err == nil {
				_, err = tx.Exec(`UPDATE flow_datasources SET dsn = $1 WHERE tenant_id = $2`, v2, string(tn))
			}
			return err
		}))
		before := readSecretRows(t, s, node, tn)
		wrong, err := Open(ctx, s.url, Options{SecretKey: []byte("ffffffffffffffffffffffffffffffff")})
		must(t, err)
		defer wrong.Close()
		err = wrong.Migrate(ctx)
		if !errors.Is(err, ErrSecretUnreadable) || !strings.Contains(err.Error(), "node "+node) || !strings.Contains(err.Error(), "nothing was rewritten") {
			t.Fatalf("Migrate with a wrong key = %v, want ErrSecretUnreadable naming node %s", err, node)
		}
		if after := readSecretRows(t, s, node, tn); after != before {
			t.Fatalf("a failed migration changed stored secrets:\n%+v\n%+v", before, after)
		}
		if _, err := wrong.NodeSecret(ctx, node); !errors.Is(err, ErrSecretUnreadable) {
			t.Errorf("old-format node secret with a wrong key: %v", err)
		}
		if _, _, err := wrong.DataSourceConn(ctx, tn, "crm"); !errors.Is(err, ErrSecretUnreadable) || !strings.Contains(err.Error(), "sealed v2") {
			t.Errorf("v2 data source with a wrong key: %v", err)
		}
		must(t, s.Migrate(ctx))
		checkSecretsRead(t, s, node, tn)
		_, err = wrong.GetFlowIntegrations(ctx, tn)
		if !errors.Is(err, ErrSecretUnreadable) || strings.Contains(err.Error(), "old-crm-token") {
			t.Errorf("v2 endpoint headers with a wrong key: %v", err)
		}
	})
}

// TestEndpointHeadersAreBoundToTenantNameAndOrigin: sealed headers do not
// open once the document is edited in the database to send them to another
// host, renamed, or copied to another tenant; a new path on the same origin
// is the same binding.
func TestEndpointHeadersAreBoundToTenantNameAndOrigin(t *testing.T) {
	backends(t, func(t *testing.T, s *Store) {
		a := mkFlowTenant(t, s, "bind-a.example.com", 5)
		b := mkFlowTenant(t, s, "bind-b.example.com", 5)
		_, err := s.PutFlowIntegrations(ctx, admin1, a, FlowIntegrations{Endpoints: map[string]ivrflows.Endpoint{
			"crm": {BaseURL: "https://crm.acme.example/api", Headers: map[string]string{"Authorization": "Bearer bound"}}}})
		must(t, err)
		var doc string
		must(t, s.db.Get(&doc, `SELECT doc FROM flow_integrations WHERE tenant_id = $1`, string(a)))
		put := func(tn tenancy.TenantID, d string) {
			must(t, s.platformWrite(ctx, func(tx *sqlx.Tx) error {
				_, err := tx.Exec(`INSERT INTO flow_integrations (tenant_id, doc, updated_at) VALUES ($1, $2, $3)
					ON CONFLICT (tenant_id) DO UPDATE SET doc = excluded.doc`, string(tn), d, s.nowUTC())
				return err
			}))
		}
		for name, c := range map[string]struct {
			tn  tenancy.TenantID
			doc string
			ok  bool
		}{
			"same origin, new path":    {a, strings.Replace(doc, "/api", "/v2", 1), true},
			"default port written":     {a, strings.Replace(doc, "crm.acme.example/", "crm.acme.example:443/", 1), true},
			"another host":             {a, strings.Replace(doc, "crm.acme.example", "evil.example", 1), false},
			"another port":             {a, strings.Replace(doc, "crm.acme.example", "crm.acme.example:8443", 1), false},
			"plain http":               {a, strings.Replace(doc, "https://", "http://", 1), false},
			"renamed endpoint":         {a, strings.Replace(doc, `"crm":`, `"erp":`, 1), false},
			"copied to another tenant": {b, doc, false},
		} {
			put(c.tn, c.doc)
			in, err := s.GetFlowIntegrations(ctx, c.tn)
			switch {
			case c.ok && (err != nil || len(in.Endpoints) != 1):
				t.Errorf("%s: %+v %v", name, in, err)
			case !c.ok && !errors.Is(err, ErrSecretUnreadable):
				t.Errorf("%s: the headers opened (%+v, %v)", name, in.Endpoints, err)
			}
			put(a, doc)
		}
	})
}

func TestEndpointOrigin(t *testing.T) {
	for in, want := range map[string]string{
		"https://CRM.Example/api?x=1": "https://crm.example:443",
		"HTTP://crm.example:80/":      "http://crm.example:80",
		"http://crm.example:8080":     "http://crm.example:8080",
		"https://user:pw@crm.example": "https://crm.example:443",
		"https://[2001:db8::1]/api":   "https://[2001:db8::1]:443",
		"ftp://crm.example":           "",
		"https:///path":               "",
		"crm.example":                 "",
	} {
		got, err := EndpointOrigin(in)
		if got != want || (want == "") != (err != nil) {
			t.Errorf("EndpointOrigin(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
