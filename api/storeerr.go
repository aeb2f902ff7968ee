package api

import (
	"errors"
	"net/http"

	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// storeError maps the store's and tenancy's sentinel and typed errors onto
// API errors; nil when err is none of them.
func storeError(err error) *Error {
	var nf *store.NotFoundError
	var cf *store.ConflictError
	var fe *tenancy.FieldError
	var oq *tenancy.OverQuotaError
	var bu *tenancy.QuotaBelowUsageError
	var iu *store.InUseError
	switch {
	case errors.As(err, &nf):
		return &Error{Status: http.StatusNotFound, Code: "not_found", Message: nf.Resource + " not found", Cause: err}
	case errors.Is(err, store.ErrNotFound):
		return &Error{Status: http.StatusNotFound, Code: "not_found", Message: "not found", Cause: err}
	case errors.As(err, &cf):
		return &Error{Status: http.StatusConflict, Code: "conflict", Message: cf.Error(),
			Details: []FieldError{{Field: cf.Field, Problem: "already in use"}}, Cause: err}
	case errors.As(err, &iu):
		return &Error{Status: http.StatusConflict, Code: iu.Resource + "_in_use", Message: iu.Error(),
			Details: map[string]any{iu.Resource: iu.Name, "access_numbers": iu.Numbers}, Cause: err}
	case errors.As(err, &fe):
		return &Error{Status: http.StatusUnprocessableEntity, Code: "validation_failed", Message: "invalid " + fe.Field + ": " + fe.Reason,
			Details: []FieldError{{Field: fe.Field, Problem: fe.Reason}}, Cause: err}
	case errors.As(err, &oq):
		return &Error{Status: http.StatusConflict, Code: "over_quota", Message: oq.Error(),
			Details: map[string]any{"quota": oq.Resource.Field(), "limit": oq.Limit, "in_use": oq.InUse}, Cause: err}
	case errors.As(err, &bu):
		return &Error{Status: http.StatusConflict, Code: "quota_below_usage", Message: bu.Error(),
			Details: map[string]any{"quota": bu.Resource.Field(), "limit": bu.Limit, "in_use": bu.InUse}, Cause: err}
	}
	return statusError(err)
}

// statusError maps tenant status and idempotency errors.
func statusError(err error) *Error {
	switch {
	case errors.Is(err, tenancy.ErrTenantSuspended):
		return &Error{Status: http.StatusForbidden, Code: "tenant_suspended", Message: tenancy.ErrTenantSuspended.Error(), Cause: err}
	case errors.Is(err, tenancy.ErrTenantArchived):
		return &Error{Status: http.StatusForbidden, Code: "tenant_archived", Message: tenancy.ErrTenantArchived.Error(), Cause: err}
	case errors.Is(err, tenancy.ErrBadTransition):
		return &Error{Status: http.StatusConflict, Code: "bad_transition", Message: err.Error(), Cause: err}
	case errors.Is(err, store.ErrIdempotencyMismatch):
		return &Error{Status: http.StatusUnprocessableEntity, Code: "idempotency_key_reused", Message: store.ErrIdempotencyMismatch.Error(), Cause: err}
	case errors.Is(err, store.ErrIdempotencyInProgress):
		return &Error{Status: http.StatusConflict, Code: "idempotency_in_progress", Message: store.ErrIdempotencyInProgress.Error(), Cause: err}
	}
	return nil
}
