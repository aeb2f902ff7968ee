// Package tenancy is the multi-tenancy core: tenants and their status
// (active, suspended, archived), quotas and admission, roles and the one
// permission table. Pure value types and rules; store and api enforce them.
package tenancy
