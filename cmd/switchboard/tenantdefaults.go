package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"

	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// defaultTenantQuotas lets a new tenant try everything on a small scale
// (ten agents, ten concurrent calls...) until the operator sets its quotas;
// with all quotas 0 its first agent was refused.
const defaultTenantQuotas = `{"max_agents":10,"max_pstn_calls":10,"max_web_calls":10,"max_chats":10,"max_published_flows":10}`

// parseQuotas reads quotas as JSON: every quota of tenancy.Resources must be
// given (a forgotten one would silently allow none), nothing else, none
// negative.
func parseQuotas(s string) (tenancy.Quotas, error) {
	var m map[string]int
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	if err := dec.Decode(&m); err != nil {
		return tenancy.Quotas{}, fmt.Errorf("want a JSON object such as %s: %v", defaultTenantQuotas, err)
	}
	if dec.More() {
		return tenancy.Quotas{}, fmt.Errorf("want one JSON object such as %s", defaultTenantQuotas)
	}
	var fields []string
	for _, r := range tenancy.Resources {
		fields = append(fields, r.Field())
		if _, ok := m[r.Field()]; !ok {
			return tenancy.Quotas{}, fmt.Errorf("%s is missing (every quota is required; 0 allows none)", r.Field())
		}
	}
	for k := range m {
		if !slices.Contains(fields, k) {
			return tenancy.Quotas{}, fmt.Errorf("unknown quota %q (known: %v)", k, fields)
		}
	}
	var q tenancy.Quotas
	if err := json.Unmarshal([]byte(s), &q); err != nil {
		return q, err
	}
	return q, q.Validate()
}

// ensureTenantDefaults stores the configured tenant defaults on first start.
// Later the stored ones (changed through the API) win; an explicitly
// configured value that differs is logged so the operator is not surprised.
func ensureTenantDefaults(ctx context.Context, st *store.Store, cfg serveConfig, log *slog.Logger) error {
	stored, err := st.EnsureTenantDefaults(ctx, store.SystemActor, cfg.TenantDefaults)
	if err != nil {
		return fmt.Errorf("tenant default quotas: %w", err)
	}
	if stored {
		log.Info("tenant default quotas stored", "quotas", fmt.Sprintf("%+v", cfg.TenantDefaults))
		return nil
	}
	current, _, err := st.TenantDefaults(ctx)
	if err != nil {
		return fmt.Errorf("tenant default quotas: %w", err)
	}
	if cfg.TenantDefaultsExplicit && current != cfg.TenantDefaults {
		log.Warn("tenant-default-quotas is ignored: the database holds tenant defaults already; change them with PUT /api/v1/platform/tenant-defaults",
			"configured", fmt.Sprintf("%+v", cfg.TenantDefaults), "stored", fmt.Sprintf("%+v", current))
	}
	return nil
}
