package api

import (
	"context"
	"time"

	"github.com/switchboard-cc/switchboard/orchestrator/calls"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// CallNotice is one event of the call notices stream: the call path's
// notice and, on an offer, the link into the tenant's CRM (OPS-18), made
// here from the tenant's template so no client has a copy of the rule.
type CallNotice struct {
	calls.Notice
	CRMURL string `json:"crm_url,omitempty" doc:"offer: the tenant's CRM link for this call (desktop-settings crm_url_template filled with the call's values); absent without a template"`
}

// crmRefresh is how long one stream keeps the tenant's template before it
// reads it again: a changed template reaches open desktops within it.
const crmRefresh = 2 * time.Second

// crmLinks makes CRM links for one stream, reading the tenant's template at
// most every crmRefresh.
type crmLinks struct {
	s      *Server
	tenant tenancy.TenantID
	tpl    tenancy.CRMTemplate
	read   time.Time
}

// link is the CRM link of an offer notice, "" for other kinds or without a
// template. A template that cannot be read or parsed gives no link (and is
// logged): the pop still shows.
func (l *crmLinks) link(ctx context.Context, n calls.Notice) string {
	if n.Kind != calls.NoticeOffer {
		return ""
	}
	if now := time.Now(); now.Sub(l.read) >= crmRefresh {
		l.read = now
		ds, err := l.s.store.DesktopSettings(ctx, l.tenant)
		if err == nil {
			l.tpl, err = tenancy.ParseCRMTemplate(ds.CRMURLTemplate)
		}
		if err != nil {
			l.s.log.Warn("CRM link template not usable", "tenant", string(l.tenant), "err", err)
			l.tpl = tenancy.CRMTemplate{}
		}
	}
	if l.tpl.Empty() {
		return ""
	}
	return l.tpl.Expand(tenancy.CRMValues{Caller: n.Caller, AccessNumber: n.Number, QueueID: n.Queue, CallID: n.Call.ID,
		AgentID: n.Agent, Data: n.Data})
}
