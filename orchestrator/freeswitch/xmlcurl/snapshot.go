package xmlcurl

import (
	"crypto/md5"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/switchboard-cc/switchboard/dialplan"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/socketauth"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// ErrInvalidSnapshot is wrapped by every problem NewSnapshot finds.
var ErrInvalidSnapshot = errors.New("invalid xml_curl configuration")

// NodeConfig configures one FreeSWITCH node.
type NodeConfig struct {
	ID         string // user name in the node's gateway-credentials
	Password   string // at least 16 characters; only its SHA-256 is kept
	Site       dialplan.SiteID
	SocketAddr string // host:port of the controller as seen from this node
	Hostname   string // optional: the node's switchname (fs_cli -x 'global_getvar switchname')
}

// DomainConfig is one tenant's SIP domain and its phones.
type DomainConfig struct {
	Name    string // SIP domain and digest realm, e.g. "acme.example.com"
	Tenant  dialplan.TenantID
	Context string // user_context for the tenant's phones; empty: PhoneContext
	Users   []User
}

// SnapshotConfig is everything the xml_curl endpoint serves.
type SnapshotConfig struct {
	Plan    dialplan.Config
	Nodes   []NodeConfig
	Domains []DomainConfig
}

// Snapshot is a validated, read-only view of SnapshotConfig. It implements
// Nodes, Directory and NumberPlan with map lookups. Safe for concurrent use.
type Snapshot struct {
	plan      *dialplan.Plan
	suspended map[dialplan.TenantID]bool
	nodes     map[string]nodeEntry
	domains   map[string]domainEntry
	byTenant  map[dialplan.TenantID]string
}

type nodeEntry struct {
	node Node
	hash [sha256.Size]byte
}

type domainEntry struct {
	cfg   DomainConfig
	users map[string]User
}

// HA1 computes the digest hash a User carries: md5(user:domain:password).
func HA1(user, domain, password string) string {
	sum := md5.Sum([]byte(user + ":" + domain + ":" + password))
	return hex.EncodeToString(sum[:])
}

// NewSnapshot validates c whole and returns the Snapshot, or every problem
// found joined in one error (the plan's wrap dialplan.ErrInvalidConfig, the
// others ErrInvalidSnapshot). Build is the forgiving form.
func NewSnapshot(c SnapshotConfig) (*Snapshot, error) {
	s, planProblems, problems := build(c)
	var errs []error
	for _, p := range planProblems {
		errs = append(errs, fmt.Errorf("%w: %v", dialplan.ErrInvalidConfig, p))
	}
	for _, p := range problems {
		errs = append(errs, fmt.Errorf("%w: %v", ErrInvalidSnapshot, p))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return s, nil
}

// Build returns the Snapshot of every valid part of c and the parts it left
// out (dialplan.Build's and its own: a bad node, domain or user), so that
// one tenant's bad row never stops what the others' phones and calls get.
func Build(c SnapshotConfig) (*Snapshot, []dialplan.Problem) {
	s, planProblems, problems := build(c)
	return s, append(planProblems, problems...)
}

func build(c SnapshotConfig) (s *Snapshot, planProblems, problems []dialplan.Problem) {
	plan, planProblems := dialplan.Build(c.Plan)
	s = &Snapshot{plan: plan, suspended: map[dialplan.TenantID]bool{}, nodes: map[string]nodeEntry{},
		domains: map[string]domainEntry{}, byTenant: map[dialplan.TenantID]string{}}
	for _, t := range c.Plan.Tenants {
		s.suspended[t.ID] = t.Suspended
	}
	bad := func(t dialplan.TenantID, object, format string, a ...any) {
		problems = append(problems, dialplan.Problem{Tenant: t, Object: object, Reason: fmt.Sprintf(format, a...)})
	}
	s.addNodes(c.Nodes, bad)
	s.addDomains(c.Domains, bad)
	for _, a := range c.Plan.Agents {
		if _, ok := s.domains[s.byTenant[a.Tenant]].users[a.User]; !ok && plan.HasTenant(a.Tenant) {
			bad(a.Tenant, fmt.Sprintf("fallback agent %q", a.User), "not a user of tenant %q's domain", a.Tenant)
		}
	}
	return s, planProblems, problems
}

// complain records that object (of tenant t) was left out, and why.
type complain func(t dialplan.TenantID, object, format string, a ...any)

func (s *Snapshot) addNodes(nodes []NodeConfig, bad complain) {
	for _, n := range nodes {
		obj := fmt.Sprintf("node %q", n.ID)
		switch {
		case !dialplan.ValidName(n.ID):
			bad("", obj, "bad ID")
		case len(n.Password) < 16:
			bad("", obj, "password shorter than 16 characters")
		case !s.plan.HasSite(n.Site):
			bad("", obj, "unknown site %q", n.Site)
		case !validHostPort(n.SocketAddr):
			bad("", obj, "socket address %q is not host:port", n.SocketAddr)
		case n.Hostname != "" && !dialplan.ValidName(n.Hostname):
			bad("", obj, "bad hostname %q", n.Hostname)
		default:
			if _, dup := s.nodes[n.ID]; dup {
				bad("", obj, "duplicate")
				continue
			}
			s.nodes[n.ID] = nodeEntry{node: Node{ID: n.ID, Site: n.Site, SocketAddr: n.SocketAddr, Hostname: n.Hostname,
				SocketToken: socketauth.Token(n.ID, n.Password)},
				hash: sha256.Sum256([]byte(n.Password))}
		}
	}
}

func (s *Snapshot) addDomains(domains []DomainConfig, bad complain) {
	for _, d := range domains {
		d.Name = strings.ToLower(d.Name)
		if d.Context == "" {
			d.Context = PhoneContext
		}
		obj := fmt.Sprintf("domain %q", d.Name)
		switch {
		case !validDomain(d.Name):
			bad(d.Tenant, obj, "not a host name")
			continue
		case !s.plan.HasTenant(d.Tenant):
			bad(d.Tenant, obj, "unknown tenant %q", d.Tenant)
			continue
		case s.byTenant[d.Tenant] != "":
			bad(d.Tenant, obj, "tenant %q already has domain %q", d.Tenant, s.byTenant[d.Tenant])
			continue
		case s.domains[d.Name].users != nil:
			bad(d.Tenant, obj, "duplicate")
			continue
		case !dialplan.ValidName(d.Context):
			bad(d.Tenant, obj, "bad context %q", d.Context)
			continue
		}
		users := map[string]User{}
		for _, u := range d.Users {
			if err := checkUser(u); err != nil {
				bad(d.Tenant, fmt.Sprintf("domain %q: user %q", d.Name, u.ID), "%v", err)
				continue
			}
			u.HA1 = strings.ToLower(u.HA1)
			users[u.ID] = u
		}
		s.domains[d.Name] = domainEntry{cfg: d, users: users}
		s.byTenant[d.Tenant] = d.Name
	}
}

// checkUser holds a user to the rules the API and the store apply to an
// agent (tenancy's): its ID is an extension, its caller ID a name in any
// script, which writeUser escapes for FreeSWITCH.
func checkUser(u User) error {
	if err := tenancy.CheckExtension("user ID", u.ID); err != nil {
		return err
	}
	if b, err := hex.DecodeString(u.HA1); err != nil || len(b) != md5.Size {
		return errors.New("HA1 must be 32 hex digits (md5 of user:domain:password)")
	}
	return errors.Join(tenancy.CheckOptionalName("caller ID name", u.CallerIDName),
		tenancy.CheckOptionalName("caller ID number", u.CallerIDNumber))
}

func validHostPort(s string) bool {
	host, port, err := net.SplitHostPort(s)
	p, perr := strconv.Atoi(port)
	return err == nil && perr == nil && p > 0 && p < 65536 && (validDomain(host) || net.ParseIP(host) != nil)
}

// validDomain accepts lower-case host names and IPv4 literals ("127.0.0.1"
// is a valid realm, as in the captures).
func validDomain(s string) bool {
	if s == "" || len(s) > 253 || strings.HasPrefix(s, ".") || strings.HasSuffix(s, ".") || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// Authenticate implements Nodes, comparing password hashes in constant time.
func (s *Snapshot) Authenticate(user, password string) (Node, error) {
	n, ok := s.nodes[user]
	h := sha256.Sum256([]byte(password))
	if !ok || subtle.ConstantTimeCompare(h[:], n.hash[:]) != 1 {
		return Node{}, ErrBadCredentials
	}
	return n.node, nil
}

// LookupUser implements Directory. Suspended tenants' users are not found,
// so their phones cannot register (MT-3).
func (s *Snapshot) LookupUser(domain, user string) (DirectoryEntry, bool) {
	d, ok := s.domains[strings.ToLower(domain)]
	if !ok || s.suspended[d.cfg.Tenant] {
		return DirectoryEntry{}, false
	}
	u, ok := d.users[user]
	if !ok {
		return DirectoryEntry{}, false
	}
	return DirectoryEntry{Domain: d.cfg.Name, Tenant: d.cfg.Tenant, Context: d.cfg.Context, User: u}, true
}

// TenantDomain implements Directory.
func (s *Snapshot) TenantDomain(t dialplan.TenantID) (string, bool) {
	d, ok := s.byTenant[t]
	return d, ok
}

// Route implements NumberPlan.
func (s *Snapshot) Route(c dialplan.Call) (dialplan.Route, error) { return s.plan.Route(c) }

// Live holds the current Snapshot and swaps it atomically: requests in flight
// keep the snapshot they started with. The zero value has no snapshot and
// refuses every node.
type Live struct{ cur atomic.Pointer[Snapshot] }

// Store installs s (validated by NewSnapshot) for all following requests.
func (l *Live) Store(s *Snapshot) { l.cur.Store(s) }

// Load returns the current snapshot, nil before the first Store.
func (l *Live) Load() *Snapshot { return l.cur.Load() }

// Authenticate implements Nodes.
func (l *Live) Authenticate(user, password string) (Node, error) {
	if s := l.Load(); s != nil {
		return s.Authenticate(user, password)
	}
	return Node{}, ErrBadCredentials
}

// LookupUser implements Directory.
func (l *Live) LookupUser(domain, user string) (DirectoryEntry, bool) {
	if s := l.Load(); s != nil {
		return s.LookupUser(domain, user)
	}
	return DirectoryEntry{}, false
}

// TenantDomain implements Directory.
func (l *Live) TenantDomain(t dialplan.TenantID) (string, bool) {
	if s := l.Load(); s != nil {
		return s.TenantDomain(t)
	}
	return "", false
}

// ErrNoSnapshot is returned by Live.Route before the first Store.
var ErrNoSnapshot = errors.New("xmlcurl: no configuration loaded yet")

// Route implements NumberPlan.
func (l *Live) Route(c dialplan.Call) (dialplan.Route, error) {
	if s := l.Load(); s != nil {
		return s.Route(c)
	}
	return dialplan.Route{}, ErrNoSnapshot
}
