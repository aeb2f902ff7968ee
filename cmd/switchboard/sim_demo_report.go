package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/switchboard-cc/switchboard/acd"
	"github.com/switchboard-cc/switchboard/api"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// What the demo shows the user: the logins, where to look in the API, and a
// summary line every ReportEvery built from the tenants' CDRs, the ACDs'
// live queue statistics and the call path's counters.

// demoTally counts one tenant's ended calls (caller legs) since the demo began.
type demoTally struct{ ended, answered, abandoned, other int }

func (d *demo) tally(ctx context.Context, t *demoTenant) (demoTally, error) {
	recs, err := store.All(func(p store.Page) (store.List[store.CDR], error) {
		return d.ctrl.st.ListCDRs(ctx, t.ID, store.HistoryFilter{Since: d.started.Add(-time.Second)}, p)
	})
	var n demoTally
	for _, r := range recs {
		if r.Leg != "caller" {
			continue
		}
		n.ended++
		switch r.Disposition {
		case "answered":
			n.answered++
		case "abandoned":
			n.abandoned++
		default:
			n.other++
		}
	}
	return n, err
}

func (d *demo) report(ctx context.Context) {
	tick := time.NewTicker(d.opts.ReportEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			d.printSummary(ctx)
		}
	}
}

// printSummary writes one line: per tenant the ended calls by outcome, the
// callers waiting and the agents ready; then calls in progress.
func (d *demo) printSummary(ctx context.Context) {
	var b strings.Builder
	fmt.Fprintf(&b, "%s", time.Now().UTC().Format("15:04:05"))
	for _, t := range d.tenants {
		n, err := d.tally(ctx, t)
		if err != nil {
			fmt.Fprintf(&b, " | %s: CDRs unreadable (%v)", t.SIPDomain, err)
			continue
		}
		fmt.Fprintf(&b, " | %s: %d ended, %d answered, %d abandoned, %d other", t.SIPDomain, n.ended, n.answered, n.abandoned, n.other)
		if q, ok := d.queueStats(ctx, t); ok {
			fmt.Fprintf(&b, "; %d waiting, %d/%d agents ready", q.Waiting, q.Agents[acd.Ready], q.LoggedIn)
		}
	}
	if d.ctrl.call != nil {
		s := d.ctrl.call.Stats()
		fmt.Fprintf(&b, " | call path: %d in progress; %d accepted, %d answered, %d abandoned, %d refused over quota",
			s.Active, s.Accepted, s.Answered, s.Abandoned, s.RefusedQuota)
	}
	fmt.Fprintln(d.out, b.String())
}

func (d *demo) queueStats(ctx context.Context, t *demoTenant) (acd.QueueStats, bool) {
	o, ok := d.ctrl.acds.Owner(string(t.ID))
	if !ok {
		return acd.QueueStats{}, false
	}
	q, err := o.QueueStats(ctx, t.queue.ID)
	return q, err == nil
}

func (d *demo) printWelcome(cfg serveConfig) {
	w := d.out
	fmt.Fprintf(w, "\nswitchboard sim demo: REST API on %s, %d fssim node(s), %d agents per tenant, %g calls/min per tenant, speed x%g\n",
		d.baseURL, len(d.nodes), d.opts.Agents, d.opts.Rate, d.opts.Speed)
	pw := cfg.AdminPassword
	if pw != demoAdminPassword {
		pw = "(the one you set)"
	}
	fmt.Fprintf(w, "  platform admin: login %q password %q\n", cfg.AdminEmail, pw)
	for _, t := range d.tenants {
		fmt.Fprintf(w, "  %s (tenant %s): dial %s; tenant admin login %q password %q\n", t.Name, t.ID, t.number, t.adminEmail, demoTenantPassword)
	}
	t := d.tenants[0]
	fmt.Fprintf(w, "Follow the calls through the API, e.g. as %s:\n", t.adminEmail)
	fmt.Fprintf(w, "  TOKEN=$(curl -s -X POST %s/api/v1/auth/login -H 'Content-Type: application/json' -d '{\"login\":%q,\"password\":%q}' | jq -r .access_token)\n",
		d.baseURL, t.adminEmail, demoTenantPassword)
	fmt.Fprintf(w, "  curl -s -H \"Authorization: Bearer $TOKEN\" %s/api/v1/tenants/%s/cdrs            # call detail records\n", d.baseURL, t.ID)
	fmt.Fprintf(w, "  curl -s -H \"Authorization: Bearer $TOKEN\" %s/api/v1/tenants/%s/acd/queues/%s  # live queue\n", d.baseURL, t.ID, t.queue.ID)
	fmt.Fprintf(w, "  curl -sN -H \"Authorization: Bearer $TOKEN\" %s/api/v1/tenants/%s/acd/stream          # live ACD events (SSE)\n", d.baseURL, t.ID)
	fmt.Fprintf(w, "Summary every %s (Ctrl-C to stop):\n", d.opts.ReportEvery)
}

// ensureTenantAdmins creates each demo tenant's administrator through the
// REST API, signed in as the platform admin (the API owns password hashing).
// Existing users are left alone.
func (d *demo) ensureTenantAdmins(ctx context.Context, adminEmail, adminPassword string) error {
	token, err := d.login(ctx, adminEmail, adminPassword)
	if err != nil {
		return fmt.Errorf("sign in as the platform admin %s: %w", adminEmail, err)
	}
	for _, t := range d.tenants {
		if _, err := d.ctrl.st.UserByEmail(ctx, t.adminEmail); err == nil {
			continue
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		body := api.CreateUserRequest{Email: t.adminEmail, DisplayName: t.Name + " administrator", Role: tenancy.RoleTenantAdmin,
			Password: demoTenantPassword}
		if err := d.apiCall(ctx, http.MethodPost, "/api/v1/tenants/"+string(t.ID)+"/users", token, body, nil); err != nil {
			return fmt.Errorf("create %s: %w", t.adminEmail, err)
		}
	}
	return nil
}

// login signs in through the API and returns the access token.
func (d *demo) login(ctx context.Context, email, password string) (string, error) {
	var tok api.TokenResponse
	if err := d.apiCall(ctx, http.MethodPost, "/api/v1/auth/login", "", api.LoginRequest{Login: email, Password: password}, &tok); err != nil {
		return "", err
	}
	return tok.AccessToken, nil
}

// apiCall sends a JSON request to the demo's API and decodes a 2xx answer
// into out (when not nil); other statuses are errors carrying the body.
func (d *demo) apiCall(ctx context.Context, method, path, token string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	// Sign-ins and user creation each hash a password (argon2id, 64 MiB),
	// two at a time: on a busy machine, and under -race, a few queued ones
	// took more than 10 s (TestSimDemoRuns under make stress).
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, d.baseURL+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(b))
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(b, out)
}
