package flowrun

import (
	"context"

	"github.com/switchboard-cc/switchboard/tenancy"
)

// Function adapters, so cmd/switchboard can wire the store without a type
// per port. TraceBatch has store.FlowTraceBatch's fields, so
//
//	flowrun.TraceSinkFunc(func(ctx context.Context, t tenancy.TenantID, b flowrun.TraceBatch) error {
//		return st.AppendFlowTrace(ctx, t, store.FlowTraceBatch(b))
//	})
//
// is the whole trace wiring.

// TraceSinkFunc is a TraceSink.
type TraceSinkFunc func(ctx context.Context, tenant tenancy.TenantID, b TraceBatch) error

func (f TraceSinkFunc) AppendTrace(ctx context.Context, tenant tenancy.TenantID, b TraceBatch) error {
	return f(ctx, tenant, b)
}

// ListsFunc is a Lists.
type ListsFunc func(ctx context.Context, tenant tenancy.TenantID, list, key string) (bool, error)

func (f ListsFunc) Contains(ctx context.Context, tenant tenancy.TenantID, list, key string) (bool, error) {
	return f(ctx, tenant, list, key)
}

// VoicemailSinkFunc is a VoicemailSink.
type VoicemailSinkFunc func(ctx context.Context, m VoicemailMessage) error

func (f VoicemailSinkFunc) SaveVoicemail(ctx context.Context, m VoicemailMessage) error {
	return f(ctx, m)
}

// SurveySinkFunc is a SurveySink.
type SurveySinkFunc func(ctx context.Context, r SurveyResult) error

func (f SurveySinkFunc) SaveSurvey(ctx context.Context, r SurveyResult) error { return f(ctx, r) }
