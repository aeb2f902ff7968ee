package tenancy

import (
	"fmt"
	"slices"
	"strings"
)

// Role is what a user or API key may do (MGT-2). Platform roles act on the
// platform and on any tenant; tenant roles act inside their own tenant only.
type Role string

const (
	RolePlatformAdmin  Role = "platform_admin"
	RolePlatformViewer Role = "platform_viewer"
	RoleTenantAdmin    Role = "tenant_admin"
	RoleSupervisor     Role = "supervisor"
	RoleAgent          Role = "agent"
	RoleQA             Role = "qa"
)

// Roles lists every role, most powerful first.
var Roles = []Role{RolePlatformAdmin, RolePlatformViewer, RoleTenantAdmin, RoleSupervisor, RoleAgent, RoleQA}

// ParseRole returns the Role named s; the error lists the roles.
func ParseRole(s string) (Role, error) {
	if r := Role(s); slices.Contains(Roles, r) {
		return r, nil
	}
	return "", fmt.Errorf("unknown role %q (one of %s)", s, JoinRoles(Roles))
}

// Platform reports whether r is a platform-level role (its holder has no tenant).
func (r Role) Platform() bool { return r == RolePlatformAdmin || r == RolePlatformViewer }

// RolesOf lists the platform roles (platform true) or the tenant roles, in
// Roles order.
func RolesOf(platform bool) []Role {
	var out []Role
	for _, r := range Roles {
		if r.Platform() == platform {
			out = append(out, r)
		}
	}
	return out
}

// JoinRoles writes roles as "a, b, c" for messages.
func JoinRoles(roles []Role) string {
	s := make([]string, len(roles))
	for i, r := range roles {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}

// Permission is one action on one kind of resource, "resource:verb".
type Permission string

const (
	PermPlatformRead   Permission = "platform:read"   // sites, nodes, tenants list, platform audit
	PermPlatformWrite  Permission = "platform:write"  // sites, nodes, platform users
	PermTenantsRead    Permission = "tenants:read"    // any tenant's settings
	PermTenantsWrite   Permission = "tenants:write"   // create, edit, quotas, suspend, resume, archive
	PermSettingsRead   Permission = "settings:read"   // own tenant's settings and quotas
	PermSettingsWrite  Permission = "settings:write"  // own tenant's desktop settings (reason codes, CRM link)
	PermUsersRead      Permission = "users:read"      // users of the tenant
	PermUsersWrite     Permission = "users:write"     // create, edit, disable users
	PermAPIKeysRead    Permission = "apikeys:read"    // list API keys
	PermAPIKeysWrite   Permission = "apikeys:write"   // create, revoke API keys
	PermAgentsRead     Permission = "agents:read"     // agents, skills, queue membership
	PermAgentsWrite    Permission = "agents:write"    // create, edit, delete agents
	PermQueuesRead     Permission = "queues:read"     // queues and skills
	PermQueuesWrite    Permission = "queues:write"    // queues and skills
	PermNumbersRead    Permission = "numbers:read"    // access numbers
	PermNumbersWrite   Permission = "numbers:write"   // access numbers
	PermFlowsRead      Permission = "flows:read"      // IVR flows
	PermFlowsWrite     Permission = "flows:write"     // edit flows
	PermFlowsPublish   Permission = "flows:publish"   // publish a flow version
	PermMonitor        Permission = "monitor:read"    // live wallboard, agent states
	PermMonitorControl Permission = "monitor:control" // eavesdrop, whisper, force agent state
	PermReportsRead    Permission = "reports:read"    // CDRs, state history, reports
	PermRecordingsRead Permission = "recordings:read" // listen to recordings
	PermQAWrite        Permission = "qa:write"        // score calls
	PermAuditRead      Permission = "audit:read"      // audit log of the tenant
	PermSelfState      Permission = "self:state"      // an agent's own state and calls
)

// tenantAll is every permission inside a tenant.
var tenantAll = []Permission{
	PermSettingsRead, PermSettingsWrite, PermUsersRead, PermUsersWrite, PermAPIKeysRead, PermAPIKeysWrite,
	PermAgentsRead, PermAgentsWrite, PermQueuesRead, PermQueuesWrite, PermNumbersRead,
	PermNumbersWrite, PermFlowsRead, PermFlowsWrite, PermFlowsPublish, PermMonitor,
	PermMonitorControl, PermReportsRead, PermRecordingsRead, PermQAWrite, PermAuditRead,
}

// tenantRead is every read permission inside a tenant.
var tenantRead = []Permission{
	PermSettingsRead, PermUsersRead, PermAPIKeysRead, PermAgentsRead, PermQueuesRead,
	PermNumbersRead, PermFlowsRead, PermMonitor, PermReportsRead, PermAuditRead,
}

// permissions is THE permission table: api enforces it per route and
// documents it from here. Keep it the only one.
var permissions = map[Role][]Permission{
	RolePlatformAdmin: append([]Permission{PermPlatformRead, PermPlatformWrite,
		PermTenantsRead, PermTenantsWrite}, tenantAll...),
	RolePlatformViewer: append([]Permission{PermPlatformRead, PermTenantsRead}, tenantRead...),
	RoleTenantAdmin:    tenantAll,
	RoleSupervisor: {PermSettingsRead, PermUsersRead, PermAgentsRead, PermQueuesRead,
		PermNumbersRead, PermFlowsRead, PermMonitor, PermMonitorControl, PermReportsRead,
		PermRecordingsRead, PermQAWrite, PermSelfState},
	RoleAgent: {PermSettingsRead, PermQueuesRead, PermSelfState},
	RoleQA:    {PermSettingsRead, PermAgentsRead, PermQueuesRead, PermReportsRead, PermRecordingsRead, PermQAWrite},
}

// Allowed reports whether role r holds permission p.
func Allowed(r Role, p Permission) bool { return slices.Contains(permissions[r], p) }

// Permissions returns a copy of r's permissions, for documentation and UIs.
func Permissions(r Role) []Permission { return slices.Clone(permissions[r]) }

// AllPermissions lists every permission in table order.
var AllPermissions = []Permission{PermPlatformRead, PermPlatformWrite, PermTenantsRead, PermTenantsWrite,
	PermSettingsRead, PermSettingsWrite, PermUsersRead, PermUsersWrite, PermAPIKeysRead, PermAPIKeysWrite, PermAgentsRead,
	PermAgentsWrite, PermQueuesRead, PermQueuesWrite, PermNumbersRead, PermNumbersWrite, PermFlowsRead,
	PermFlowsWrite, PermFlowsPublish, PermMonitor, PermMonitorControl, PermReportsRead, PermRecordingsRead,
	PermQAWrite, PermAuditRead, PermSelfState}

// PermissionMatrix renders the permission table as Markdown (permission
// rows, role columns) for documentation; a golden test pins it so every
// change to who may do what is reviewed.
func PermissionMatrix() string {
	var b strings.Builder
	b.WriteString("| permission |")
	for _, r := range Roles {
		b.WriteString(" " + string(r) + " |")
	}
	b.WriteString("\n|---|" + strings.Repeat("---|", len(Roles)) + "\n")
	for _, p := range AllPermissions {
		b.WriteString("| " + string(p) + " |")
		for _, r := range Roles {
			mark := "   "
			if Allowed(r, p) {
				mark = " x "
			}
			b.WriteString(mark + "|")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// IsWrite reports whether p changes something; suspended tenants refuse these.
func (p Permission) IsWrite() bool {
	switch p {
	case PermPlatformWrite, PermTenantsWrite, PermSettingsWrite, PermUsersWrite, PermAPIKeysWrite, PermAgentsWrite,
		PermQueuesWrite, PermNumbersWrite, PermFlowsWrite, PermFlowsPublish, PermMonitorControl,
		PermQAWrite, PermSelfState:
		return true
	}
	return false
}
