package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// DataSource is a tenant database that IVR flows' SQL nodes query (IVR-12).
// Its connection string is write-only: encrypted at rest, never returned.
type DataSource struct {
	TenantID  tenancy.TenantID `json:"tenant_id" db:"tenant_id"`
	Name      string           `json:"name" db:"name"`
	Driver    string           `json:"driver" db:"driver"` // "postgres" or "sqlite"
	Writable  bool             `json:"writable" db:"writable"`
	DSN       string           `json:"-" db:"dsn"` // sealed
	UpdatedAt time.Time        `json:"updated_at" db:"updated_at"`
}

// DataSourceInput sets a data source.
type DataSourceInput struct {
	Driver   string `json:"driver"`
	DSN      string `json:"-"`
	Writable bool   `json:"writable"`
}

// DataSourceDrivers are the databases SQL nodes can reach.
var DataSourceDrivers = []string{"postgres", "sqlite"}

func (in DataSourceInput) validate(name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	switch in.Driver {
	case "postgres":
		if !strings.HasPrefix(in.DSN, "postgres://") && !strings.HasPrefix(in.DSN, "postgresql://") {
			return invalid("dsn", "a postgres:// URL")
		}
	case "sqlite":
		if in.DSN == "" || strings.HasPrefix(in.DSN, "file:") || strings.Contains(in.DSN, "?") {
			return invalid("dsn", "a database file path")
		}
	default:
		return invalid("driver", fmt.Sprintf("%q is not one of postgres, sqlite", in.Driver))
	}
	if len(in.DSN) > 1000 {
		return invalid("dsn", "at most 1000 characters")
	}
	return nil
}

func sealBinding(tenant tenancy.TenantID, name string) string {
	return "datasource:" + string(tenant) + "/" + name
}

// PutDataSource creates or replaces tenant's data source name.
func (s *Store) PutDataSource(ctx context.Context, a Actor, tenant tenancy.TenantID, name string, in DataSourceInput) (DataSource, error) {
	if err := in.validate(name); err != nil {
		return DataSource{}, err
	}
	sealed, err := s.secrets.seal(sealBinding(tenant, name), in.DSN)
	if err != nil {
		return DataSource{}, err
	}
	d := DataSource{TenantID: tenant, Name: name, Driver: in.Driver, Writable: in.Writable, DSN: sealed, UpdatedAt: s.nowUTC()}
	err = s.tenantWrite(ctx, tenant, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM flow_datasources WHERE tenant_id = $1 AND name = $2`, string(tenant), name); err != nil {
			return err
		}
		if _, err := tx.NamedExecContext(ctx, `INSERT INTO flow_datasources (tenant_id, name, driver, dsn, writable, updated_at)
			VALUES (:tenant_id, :name, :driver, :dsn, :writable, :updated_at)`, d); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, change{tenant, "put", "datasource", name, map[string]any{"driver": in.Driver, "writable": in.Writable}})
	})
	return d, err
}

// ListDataSources lists tenant's data sources (without their connection strings).
func (s *Store) ListDataSources(ctx context.Context, tenant tenancy.TenantID) ([]DataSource, error) {
	var out []DataSource
	err := s.tenantRead(ctx, tenant, func(db q) error {
		return db.SelectContext(ctx, &out, `SELECT * FROM flow_datasources WHERE tenant_id = $1 ORDER BY name`, string(tenant))
	})
	for i := range out {
		out[i].DSN, out[i].UpdatedAt = "", out[i].UpdatedAt.UTC()
	}
	return out, err
}

// DeleteDataSource removes a data source.
func (s *Store) DeleteDataSource(ctx context.Context, a Actor, tenant tenancy.TenantID, name string) error {
	return s.tenantWrite(ctx, tenant, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM flow_datasources WHERE tenant_id = $1 AND name = $2`, string(tenant), name)
		if err := mustAffect(res, err, "datasource", name); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, change{tenant, "delete", "datasource", name, nil})
	})
}

// DataSourceConn returns a data source with its decrypted connection string,
// for the controller only.
func (s *Store) DataSourceConn(ctx context.Context, tenant tenancy.TenantID, name string) (DataSource, string, error) {
	var d DataSource
	err := s.tenantRead(ctx, tenant, func(db q) error {
		return db.GetContext(ctx, &d, `SELECT * FROM flow_datasources WHERE tenant_id = $1 AND name = $2`, string(tenant), name)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return DataSource{}, "", notFound("datasource", name)
	}
	if err != nil {
		return DataSource{}, "", fmt.Errorf("store: data source: %w", err)
	}
	dsn, err := s.secrets.open("data source "+name+" of tenant "+string(tenant), sealBinding(tenant, name), d.DSN)
	d.DSN = ""
	return d, dsn, err
}
