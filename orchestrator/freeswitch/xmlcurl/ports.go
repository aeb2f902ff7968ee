package xmlcurl

import (
	"errors"

	"github.com/switchboard-cc/switchboard/dialplan"
)

// Errors a Nodes implementation returns; the handler answers 401 for
// ErrNoCredentials and 403 for ErrBadCredentials.
var (
	ErrNoCredentials  = errors.New("no credentials")
	ErrBadCredentials = errors.New("unknown node or wrong password")
)

// Node is a FreeSWITCH node allowed to fetch configuration.
type Node struct {
	ID   string // the user in its gateway-credentials
	Site dialplan.SiteID
	// SocketAddr is host:port where this node reaches the controller's
	// outbound socket server (the `socket` application's target).
	SocketAddr string
	// Hostname, when set, is the node's FreeSWITCH switchname; requests
	// carrying another (the form's hostname) are refused, so credentials
	// copied to a second node cannot give it the first one's site.
	Hostname string
	// SocketToken is socketauth.Token of the node: the served dialplan sets
	// it before `socket` (writeSocketHandoff) so the controller can tell the
	// node's calls from any other TCP client.
	SocketToken string
}

// Nodes authenticates the node behind a request.
type Nodes interface {
	Authenticate(user, password string) (Node, error)
}

// User is a SIP user of a tenant domain: an agent's phone.
type User struct {
	ID string
	// HA1 is md5(user:domain:password) in lower-case hex; FreeSWITCH checks
	// digests with it (a1-hash), so no plain password is ever served.
	HA1            string
	CallerIDName   string // effective_caller_id_name; empty: not set
	CallerIDNumber string // effective_caller_id_number; empty: not set
}

// DirectoryEntry is a user found in a tenant's domain.
type DirectoryEntry struct {
	Domain  string
	Tenant  dialplan.TenantID
	Context string // user_context: the dialplan context of the tenant's phones
	User    User
}

// Directory answers directory lookups.
type Directory interface {
	// LookupUser finds user in the domain of an active tenant.
	LookupUser(domain, user string) (DirectoryEntry, bool)
	// TenantDomain returns the SIP domain of tenant t (for fallback dialling).
	TenantDomain(t dialplan.TenantID) (string, bool)
}

// NumberPlan answers dialplan lookups.
type NumberPlan interface {
	// Route is dialplan.Plan.Route: a Route or a *dialplan.Rejection.
	Route(c dialplan.Call) (dialplan.Route, error)
}
