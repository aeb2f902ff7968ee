// Package tenancy is the multi-tenancy core: tenants and their status
// (active, suspended, archived), quotas and admission, roles and the one
// permission table, and the one rule for each field tenants configure
// (names in any script, access numbers, extensions: fields.go). Pure value
// types and rules; store and api enforce them, and the builders of call
// configuration (callconfig, dialplan, xmlcurl) apply the same field rules.
package tenancy
