package acdowner

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// Registry holds one Owner per tenant, started on first use: tenants are
// isolated by construction, each with its own ACD and goroutine.
type Registry struct {
	// config builds a tenant's Config (settings from the store, ports).
	config  func(ctx context.Context, tenant string) (Config, error)
	mu      sync.Mutex
	owners  map[string]*Owner
	stopped bool
}

// ErrRegistryStopped is returned by Get after StopAll.
var ErrRegistryStopped = errors.New("acdowner: registry stopped")

// NewRegistry returns a registry that configures tenants with config.
func NewRegistry(config func(ctx context.Context, tenant string) (Config, error)) *Registry {
	return &Registry{config: config, owners: map[string]*Owner{}}
}

// Get returns the tenant's owner, starting it if needed.
func (r *Registry) Get(ctx context.Context, tenant string) (*Owner, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		return nil, ErrRegistryStopped
	}
	if o, ok := r.owners[tenant]; ok {
		return o, nil
	}
	cfg, err := r.config(ctx, tenant)
	if err != nil {
		return nil, fmt.Errorf("acdowner: configure tenant %s: %w", tenant, err)
	}
	if cfg.Tenant != tenant {
		return nil, fmt.Errorf("acdowner: config for tenant %s names tenant %q", tenant, cfg.Tenant)
	}
	o, err := Start(ctx, cfg)
	if err != nil {
		return nil, err
	}
	r.owners[tenant] = o
	return o, nil
}

// Owner returns the tenant's owner if it runs.
func (r *Registry) Owner(tenant string) (*Owner, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	o, ok := r.owners[tenant]
	return o, ok
}

// Stop stops one tenant's owner (tenant suspended or moved to another replica).
func (r *Registry) Stop(ctx context.Context, tenant string) error {
	r.mu.Lock()
	o, ok := r.owners[tenant]
	delete(r.owners, tenant)
	r.mu.Unlock()
	if !ok {
		return nil
	}
	return o.Stop(ctx)
}

// StopAll stops every owner; Get fails afterwards.
func (r *Registry) StopAll(ctx context.Context) error {
	r.mu.Lock()
	r.stopped = true
	owners := r.owners
	r.owners = map[string]*Owner{}
	r.mu.Unlock()
	var errs []error
	for _, o := range owners {
		errs = append(errs, o.Stop(ctx))
	}
	return errors.Join(errs...)
}
