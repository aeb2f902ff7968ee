package main

import (
	"fmt"
	"log/slog"

	"github.com/switchboard-cc/switchboard/callconfig"
	"github.com/switchboard-cc/switchboard/dialplan"
	"github.com/switchboard-cc/switchboard/orchestrator/freeswitch/xmlcurl"
	"github.com/switchboard-cc/switchboard/store"
)

// minXMLCurlSecret is the shortest node secret accepted as mod_xml_curl
// gateway credentials (xmlcurl refuses shorter passwords).
const minXMLCurlSecret = 16

// xmlcurlConfig turns a configuration snapshot into what the mod_xml_curl
// endpoint serves: every FreeSWITCH node authenticates with its name and its
// secret; every tenant is a SIP domain whose users are its agents' phones
// (a1-hash only); every access number goes to socketAddr.
func xmlcurlConfig(s *callconfig.Snapshot, socketAddr string, log *slog.Logger) xmlcurl.SnapshotConfig {
	c := xmlcurl.SnapshotConfig{Plan: s.PlanConfig}
	sites := map[dialplan.SiteID]bool{}
	for _, n := range s.Nodes {
		if n.Kind != store.NodeFreeSWITCH {
			continue
		}
		if len(n.Secret) < minXMLCurlSecret {
			log.Warn("node not served over xml_curl: its secret is shorter than 16 characters", "node", n.Name)
			continue
		}
		site := dialplan.SiteID(n.SiteID)
		if !sites[site] {
			sites[site] = true
			c.Plan.Sites = append(c.Plan.Sites, site)
		}
		c.Nodes = append(c.Nodes, xmlcurl.NodeConfig{ID: n.Name, Password: n.Secret, Site: site, SocketAddr: socketAddr})
	}
	for id, t := range s.Tenants {
		d := xmlcurl.DomainConfig{Name: t.SIPDomain, Tenant: dialplan.TenantID(id)}
		for _, a := range s.Agents[id] {
			d.Users = append(d.Users, xmlcurl.User{ID: a.Extension, HA1: a.SIPHA1, CallerIDName: a.DisplayName, CallerIDNumber: a.Extension})
		}
		c.Domains = append(c.Domains, d)
	}
	return c
}

// refreshXMLCurl installs a new xml_curl snapshot, keeping the old one if
// the new configuration does not validate.
func refreshXMLCurl(live *xmlcurl.Live, s *callconfig.Snapshot, socketAddr string, log *slog.Logger) error {
	snap, err := xmlcurl.NewSnapshot(xmlcurlConfig(s, socketAddr, log))
	if err != nil {
		log.Error("xml_curl configuration refused; serving the previous one", "err", err)
		return fmt.Errorf("xml_curl snapshot: %w", err)
	}
	live.Store(snap)
	return nil
}
