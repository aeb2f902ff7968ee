package tenancy

import "errors"

// ErrNoTenant is returned by every tenant-scoped operation called without a
// tenant. Failing loudly (instead of returning an empty result) is what keeps
// a forgotten tenant from ever reading or writing another tenant's rows (MT-1).
var ErrNoTenant = errors.New("tenant ID is required")

// TenantID identifies a tenant (a UUIDv7 string). It is a distinct type so a
// tenant cannot be passed where a user, agent or queue ID is expected.
type TenantID string

// IsZero reports whether t names no tenant.
func (t TenantID) IsZero() bool { return t == "" }

// Check returns ErrNoTenant if t is zero.
func (t TenantID) Check() error {
	if t.IsZero() {
		return ErrNoTenant
	}
	return nil
}

func (t TenantID) String() string { return string(t) }
