package store

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard-cc/switchboard/ivrflows"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// platformVoices are the TTS languages every tenant's flows can speak
// (espeak-ng voices; the plain "cmn" voice garbles Chinese characters).
var platformVoices = map[string]string{"en": "en", "cmn": "cmn-latn-pinyin", "yue": "yue"}

// flowLanguage is the flow language a tenant's display language starts in.
var flowLanguage = map[tenancy.Language]string{
	tenancy.LanguageEnglish: "en", tenancy.LanguageChineseSimplified: "cmn", tenancy.LanguageChineseTraditional: "cmn",
}

// FlowCatalog builds what tenant's flows may reference from its stored data:
// queues, prompts, the other flows that have a "live" version, the platform
// TTS languages (plus every language a prompt was recorded in), and the
// tenant's flow integrations (endpoints, data sources, mailboxes, lists,
// calendars).
func (s *Store) FlowCatalog(ctx context.Context, tenant tenancy.TenantID) (*ivrflows.Catalog, error) {
	cat := &ivrflows.Catalog{Tenant: string(tenant), Languages: map[string]ivrflows.Language{},
		Prompts: map[string]map[string]string{}, LoadLocation: time.LoadLocation}
	for code, voice := range platformVoices {
		cat.Languages[code] = ivrflows.Language{Voice: voice}
	}
	err := s.tenantRead(ctx, tenant, func(db q) error {
		t, err := getTenant(ctx, db, tenant)
		if err != nil {
			return err
		}
		cat.DefaultLanguage = flowLanguage[t.Language]
		if cat.DefaultLanguage == "" {
			cat.DefaultLanguage = "en"
		}
		if err := db.SelectContext(ctx, &cat.Queues, `SELECT name FROM queues WHERE tenant_id = $1 ORDER BY name`,
			string(tenant)); err != nil {
			return fmt.Errorf("store: catalog queues: %w", err)
		}
		if err := db.SelectContext(ctx, &cat.Flows, `SELECT DISTINCT f.name FROM flows f JOIN flow_aliases a
			ON a.flow_id = f.id AND a.tenant_id = f.tenant_id WHERE f.tenant_id = $1 AND a.alias = $2 ORDER BY f.name`,
			string(tenant), ivrflows.AliasLive); err != nil {
			return fmt.Errorf("store: catalog flows: %w", err)
		}
		integ, err := getIntegrations(ctx, db, tenant, s.secrets)
		if err != nil {
			return err
		}
		integ.merge(cat)
		if err := catalogDataSources(ctx, db, tenant, cat); err != nil {
			return err
		}
		return catalogPrompts(ctx, db, tenant, cat)
	})
	if err != nil {
		return nil, err
	}
	return cat, nil
}

// catalogDataSources adds the data sources with connection settings
// (flow_datasources) to what SQL nodes may name.
func catalogDataSources(ctx context.Context, db q, tenant tenancy.TenantID, cat *ivrflows.Catalog) error {
	var rows []struct {
		Name     string `db:"name"`
		Writable bool   `db:"writable"`
	}
	if err := db.SelectContext(ctx, &rows, `SELECT name, writable FROM flow_datasources WHERE tenant_id = $1`, string(tenant)); err != nil {
		return fmt.Errorf("store: catalog data sources: %w", err)
	}
	if len(rows) > 0 && cat.DataSources == nil {
		cat.DataSources = map[string]ivrflows.DataSource{}
	}
	for _, r := range rows {
		cat.DataSources[r.Name] = ivrflows.DataSource{Writable: r.Writable}
	}
	return nil
}

func catalogPrompts(ctx context.Context, db q, tenant tenancy.TenantID, cat *ivrflows.Catalog) error {
	var rows []struct {
		Name     string `db:"name"`
		Language string `db:"language"`
		Path     string `db:"path"`
	}
	if err := db.SelectContext(ctx, &rows, `SELECT name, language, path FROM prompts WHERE tenant_id = $1`,
		string(tenant)); err != nil {
		return fmt.Errorf("store: catalog prompts: %w", err)
	}
	for _, r := range rows {
		if cat.Prompts[r.Name] == nil {
			cat.Prompts[r.Name] = map[string]string{}
		}
		cat.Prompts[r.Name][r.Language] = r.Path
		if _, ok := cat.Languages[r.Language]; !ok {
			cat.Languages[r.Language] = ivrflows.Language{Voice: r.Language}
		}
	}
	return nil
}
