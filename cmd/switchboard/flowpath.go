package main

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/switchboard-cc/switchboard/ivrflows"
	"github.com/switchboard-cc/switchboard/orchestrator/calls"
	"github.com/switchboard-cc/switchboard/orchestrator/flowrun"
	"github.com/switchboard-cc/switchboard/orchestrator/tts"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// flowResolver resolves a tenant's flow alias "live" to its compiled
// version, compiling each published version once (versions are immutable).
type flowResolver struct {
	st *store.Store

	mu       sync.Mutex
	compiled map[string]*ivrflows.Program // by version ID
}

func (r *flowResolver) ResolveFlow(ctx context.Context, tenant tenancy.TenantID, flow string) (calls.FlowProgram, error) {
	v, err := r.st.ResolveFlow(ctx, tenant, flow, "live")
	if err != nil {
		return calls.FlowProgram{}, err
	}
	r.mu.Lock()
	p := r.compiled[v.ID]
	r.mu.Unlock()
	if p == nil {
		cat, err := r.st.FlowCatalog(ctx, tenant)
		if err != nil {
			return calls.FlowProgram{}, err
		}
		if p, err = ivrflows.ParseAndCompile(v.Doc, cat); err != nil {
			return calls.FlowProgram{}, fmt.Errorf("flow %s v%d no longer compiles: %w", flow, v.Number, err)
		}
		r.mu.Lock()
		r.compiled[v.ID] = p
		r.mu.Unlock()
	}
	return calls.FlowProgram{Program: p, FlowID: v.FlowID, Version: v.Number}, nil
}

// newFlowRunner runs flows over sw with the store as trace, list and survey
// sink, the offline TTS cache (espeak-ng + sox) when installed, and an HTTP
// client that refuses private addresses outside the flow-http-allow setting.
func (c *controller) newFlowRunner(sw flowrun.Switch) (*flowrun.Runner, error) {
	cfg := flowrun.Config{Switch: sw, HTTP: flowrun.NewHTTPClient(false, c.cfg.FlowHTTPAllow...), Log: c.log.With("part", "flows"),
		RecordDir: filepath.Join(c.cfg.DataDir, "recordings"),
		Traces: flowrun.TraceSinkFunc(func(ctx context.Context, t tenancy.TenantID, b flowrun.TraceBatch) error {
			return c.st.AppendFlowTrace(ctx, t, store.FlowTraceBatch(b))
		}),
		Lists: flowrun.ListsFunc(c.st.ListContains),
		Voicemail: flowrun.VoicemailSinkFunc(func(ctx context.Context, m flowrun.VoicemailMessage) error {
			v, err := c.st.SaveVoicemail(ctx, m.Tenant, store.Voicemail{Mailbox: m.Mailbox, CallID: m.Call.ID, NodeID: m.Call.Node,
				Caller: m.Caller, Path: m.Path, DurationMS: m.Duration.Milliseconds(), Notify: m.Notify, CreatedAt: m.At})
			if err == nil && m.Notify {
				c.pops.Notify(m.Tenant, calls.Notice{Kind: calls.NoticeVoicemail, Call: m.Call, Caller: m.Caller, At: m.At,
					Data: map[string]string{"mailbox": m.Mailbox, "voicemail_id": v.ID}})
			}
			return err
		}),
		Surveys: flowrun.SurveySinkFunc(func(ctx context.Context, r flowrun.SurveyResult) error {
			return c.st.SaveSurveyScore(ctx, r.Tenant, store.SurveyScore{CallID: r.CallID, FlowID: r.FlowID, Version: r.Version,
				AgentID: r.Agent, Question: r.Question, Score: r.Score, At: r.At})
		}),
	}
	c.dataSources = &dataSources{st: c.st, open: map[string]*sql.DB{}}
	cfg.SQL = &flowrun.SQLSources{Source: c.dataSources.source}
	if engine, err := tts.NewEspeak(); err == nil {
		if cache, err := tts.NewCache(filepath.Join(c.cfg.DataDir, "tts"), engine); err == nil {
			cfg.Prompter = cache
			c.tts = cache
		}
	} else {
		c.log.Info("espeak-ng not found: flow text is spoken by the switch's own TTS", "err", err)
	}
	return flowrun.New(cfg)
}

// dataSources opens tenants' SQL data sources on first use and keeps one
// pool per source (reopened when its connection string changes).
type dataSources struct {
	st   *store.Store
	mu   sync.Mutex
	open map[string]*sql.DB // by tenant/name/driver/dsn
}

func (d *dataSources) source(tenant tenancy.TenantID, name string) (flowrun.DataSource, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ds, dsn, err := d.st.DataSourceConn(ctx, tenant, name)
	if err != nil {
		return flowrun.DataSource{}, false
	}
	driver, dialect := "pgx", flowrun.DialectPostgres
	if ds.Driver == "sqlite" {
		driver, dialect = "sqlite", flowrun.DialectSQLite
	}
	key := string(tenant) + "/" + name + "/" + driver + "/" + dsn
	d.mu.Lock()
	defer d.mu.Unlock()
	db := d.open[key]
	if db == nil {
		if db, err = sql.Open(driver, dsn); err != nil {
			return flowrun.DataSource{}, false
		}
		db.SetMaxOpenConns(4)
		d.open[key] = db
	}
	return flowrun.DataSource{DB: db, Dialect: dialect, Writable: ds.Writable}, true
}

// closeAll closes every pool (at shutdown).
func (d *dataSources) closeAll() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for k, db := range d.open {
		db.Close()
		delete(d.open, k)
	}
}
