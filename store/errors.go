package store

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"

	"github.com/switchboard-cc/switchboard/tenancy"
)

// Errors returned by the store. api maps them to HTTP statuses; their
// messages are safe to show.
var (
	// ErrNotFound: no such row in the caller's scope (another tenant's row is
	// "not found", never "forbidden", so nothing leaks about it).
	ErrNotFound = errors.New("not found")
	// ErrConflict is matched by every *ConflictError.
	ErrConflict = errors.New("conflict")
	// ErrInUse is matched by every *InUseError: access numbers still route
	// to the queue or flow being deleted or renamed.
	ErrInUse = errors.New("in use")
	// ErrInvalid is matched by every *tenancy.FieldError.
	ErrInvalid = tenancy.ErrInvalid
	// ErrIdempotencyMismatch: the Idempotency-Key was used with another body.
	ErrIdempotencyMismatch = errors.New("idempotency key reused with a different request")
	// ErrIdempotencyInProgress: the first request with this key is still running.
	ErrIdempotencyInProgress = errors.New("a request with this idempotency key is in progress")
)

// NotFoundError names what was not found.
type NotFoundError struct {
	Resource string
	ID       string
}

func (e *NotFoundError) Error() string { return fmt.Sprintf("%s %q not found", e.Resource, e.ID) }

// Is makes errors.Is(err, ErrNotFound) true.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// ConflictError says a unique field already holds Value (duplicate access
// number, SIP domain, e-mail, extension, name...).
type ConflictError struct {
	Resource string
	Field    string
	Value    string
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s with %s %q already exists", e.Resource, e.Field, e.Value)
}

// Is makes errors.Is(err, ErrConflict) true.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

func invalid(field, reason string) error { return &tenancy.FieldError{Field: field, Reason: reason} }

func notFound(resource, id string) error { return &NotFoundError{Resource: resource, ID: id} }

// uniqueField returns the column a unique-constraint violation is about, or
// false if err is not one. PostgreSQL constraints are named uq_<table>__<field>;
// SQLite reports "UNIQUE constraint failed: table.a, table.field".
func uniqueField(err error) (string, bool) {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		if pg.Code != "23505" {
			return "", false
		}
		_, field, _ := strings.Cut(pg.ConstraintName, "__")
		return field, true
	}
	var lite *sqlite.Error
	if errors.As(err, &lite) && lite.Code() == 2067 || errors.As(err, &lite) && lite.Code() == 1555 {
		return sqliteUniqueField(lite.Error()), true
	}
	return "", false
}

// mapUnique turns a unique violation into a *ConflictError using values to
// report what was duplicated; other errors pass through.
func mapUnique(err error, resource string, values map[string]string) error {
	field, ok := uniqueField(err)
	if !ok {
		return err
	}
	return &ConflictError{Resource: resource, Field: field, Value: values[field]}
}

// sqliteUniqueField extracts the last column from
// "... UNIQUE constraint failed: t.a, t.b (2067)".
func sqliteUniqueField(msg string) string {
	_, cols, ok := strings.Cut(msg, "failed: ")
	if !ok {
		return ""
	}
	cols, _, _ = strings.Cut(cols, " (")
	parts := strings.Split(cols, ", ")
	_, col, _ := strings.Cut(parts[len(parts)-1], ".")
	return strings.TrimSpace(col)
}
