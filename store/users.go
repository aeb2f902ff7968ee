package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/switchboard-cc/switchboard/tenancy"
)

// User is a person who signs in. Platform users have no tenant and a
// platform role; tenant users have a tenant role. PasswordHash is the
// argon2id PHC string computed by api; the store never sees a password.
type User struct {
	ID           string           `json:"id" db:"id"`
	TenantID     tenancy.TenantID `json:"tenant_id,omitempty" db:"-"`
	Email        string           `json:"email" db:"email"`
	DisplayName  string           `json:"display_name" db:"display_name"`
	Role         tenancy.Role     `json:"role" db:"role"`
	PasswordHash string           `json:"-" db:"password_hash"`
	Disabled     bool             `json:"disabled" db:"disabled"`
	// Language is the user's own display language (MT-6); empty: the
	// tenant's (platform users: English).
	Language     string     `json:"language" db:"language" doc:"the user's own display language (en, zh-CN or zh-TW); empty: the tenant's"`
	FailedLogins int        `json:"failed_logins" db:"failed_logins"`
	LockedUntil  *time.Time `json:"locked_until,omitempty" db:"locked_until"`
	LastLoginAt  *time.Time `json:"last_login_at,omitempty" db:"last_login_at"`
	CreatedAt    time.Time  `json:"created_at" db:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at" db:"updated_at"`
}

type userRow struct {
	User
	Tenant *string `db:"tenant_id"`
}

func (r userRow) user() User {
	u := r.User
	if r.Tenant != nil {
		u.TenantID = tenancy.TenantID(*r.Tenant)
	}
	u.CreatedAt, u.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	u.LockedUntil, u.LastLoginAt = utcPtr(u.LockedUntil), utcPtr(u.LastLoginAt)
	return u
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// UserInput creates a user.
type UserInput struct {
	Email        string       `json:"email"`
	DisplayName  string       `json:"display_name"`
	Role         tenancy.Role `json:"role"`
	PasswordHash string       `json:"-"`
}

// UserPatch edits a user; nil fields are left alone.
type UserPatch struct {
	DisplayName  *string       `json:"display_name,omitempty"`
	Role         *tenancy.Role `json:"role,omitempty"`
	PasswordHash *string       `json:"-"`
	Disabled     *bool         `json:"disabled,omitempty"`
	Language     *string       `json:"language,omitempty"`
}

func (in UserInput) validate(platform bool) error {
	if _, err := mail.ParseAddress(in.Email); err != nil || strings.ContainsAny(in.Email, "<> ") || len(in.Email) > 254 {
		return invalid("email", fmt.Sprintf("%q is not an e-mail address", in.Email))
	}
	if err := tenancy.CheckName("display_name", strings.TrimSpace(in.DisplayName)); err != nil {
		return err
	}
	if in.PasswordHash == "" {
		return invalid("password", "is required")
	}
	return checkRole(in.Role, platform)
}

// checkRole holds r to the roles of its level; the error lists them.
func checkRole(r tenancy.Role, platform bool) error {
	valid := tenancy.JoinRoles(tenancy.RolesOf(platform))
	if _, err := tenancy.ParseRole(string(r)); err != nil {
		return invalid("role", fmt.Sprintf("unknown role %q (one of %s)", r, valid))
	}
	if r.Platform() != platform {
		if platform {
			return invalid("role", fmt.Sprintf("%s is not a platform role (one of %s)", r, valid))
		}
		return invalid("role", fmt.Sprintf("%s is a platform role, not allowed inside a tenant (one of %s)", r, valid))
	}
	return nil
}

// CreateUser creates a user of tenant with a tenant role. E-mails are unique
// across the platform (sign-in is by e-mail): a duplicate is a *ConflictError.
func (s *Store) CreateUser(ctx context.Context, a Actor, tenant tenancy.TenantID, in UserInput) (User, error) {
	if err := in.validate(false); err != nil {
		return User{}, err
	}
	var u User
	err := s.tenantWrite(ctx, tenant, func(tx *sqlx.Tx) error {
		var err error
		u, err = s.insertUser(ctx, tx, a, tenant, in)
		return err
	})
	return u, err
}

// CreatePlatformUser creates a platform operator with a platform role.
func (s *Store) CreatePlatformUser(ctx context.Context, a Actor, in UserInput) (User, error) {
	if err := in.validate(true); err != nil {
		return User{}, err
	}
	var u User
	err := s.platformWrite(ctx, func(tx *sqlx.Tx) error {
		var err error
		u, err = s.insertUser(ctx, tx, a, "", in)
		return err
	})
	return u, err
}

func (s *Store) insertUser(ctx context.Context, tx *sqlx.Tx, a Actor, tenant tenancy.TenantID, in UserInput) (User, error) {
	now := s.nowUTC()
	u := User{ID: newID(), TenantID: tenant, Email: strings.ToLower(in.Email), DisplayName: strings.TrimSpace(in.DisplayName),
		Role: in.Role, PasswordHash: in.PasswordHash, CreatedAt: now, UpdatedAt: now}
	_, err := tx.ExecContext(ctx, `INSERT INTO users (id, tenant_id, email, display_name, role, password_hash,
		disabled, failed_logins, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9)`,
		u.ID, nullTenant(tenant), u.Email, u.DisplayName, string(u.Role), u.PasswordHash, false, now, now)
	if err != nil {
		return User{}, mapUnique(err, "user", map[string]string{"email": u.Email})
	}
	return u, s.audit(ctx, tx, a, change{tenant, "create", "user", u.ID,
		map[string]string{"email": u.Email, "role": string(u.Role)}})
}

func nullTenant(t tenancy.TenantID) *string {
	if t.IsZero() {
		return nil
	}
	s := string(t)
	return &s
}

// GetUser returns a user of tenant.
func (s *Store) GetUser(ctx context.Context, tenant tenancy.TenantID, id string) (User, error) {
	var u User
	err := s.tenantRead(ctx, tenant, func(db q) error {
		var err error
		u, err = getUser(ctx, db, `id = $1 AND tenant_id = $2`, id, string(tenant))
		return err
	})
	return u, err
}

// UserByID returns any user, platform or tenant (platform scope: sign-in,
// token refresh, lockout bookkeeping).
func (s *Store) UserByID(ctx context.Context, id string) (User, error) {
	var u User
	err := s.platformRead(ctx, func(db q) error {
		var err error
		u, err = getUser(ctx, db, `id = $1`, id)
		return err
	})
	return u, err
}

// UserByEmail finds the user signing in (platform scope). The caller checks
// the tenant's status with tenancy.CheckRead.
func (s *Store) UserByEmail(ctx context.Context, email string) (User, error) {
	var u User
	err := s.platformRead(ctx, func(db q) error {
		var err error
		u, err = getUser(ctx, db, `email = $1`, strings.ToLower(email))
		return err
	})
	return u, err
}

func getUser(ctx context.Context, db q, where string, args ...any) (User, error) {
	var r userRow
	err := db.GetContext(ctx, &r, `SELECT * FROM users WHERE `+where, args...)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, notFound("user", fmt.Sprint(args[0]))
	}
	if err != nil {
		return User{}, fmt.Errorf("store: get user: %w", err)
	}
	return r.user(), nil
}

// ListUsers lists tenant's users.
func (s *Store) ListUsers(ctx context.Context, tenant tenancy.TenantID, p Page) (List[User], error) {
	var out List[User]
	err := s.tenantRead(ctx, tenant, func(db q) error {
		var err error
		out, err = listUsers(ctx, db, `tenant_id = $1`, string(tenant), p)
		return err
	})
	return out, err
}

// ListPlatformUsers lists the platform operators.
func (s *Store) ListPlatformUsers(ctx context.Context, p Page) (List[User], error) {
	var out List[User]
	err := s.platformRead(ctx, func(db q) error {
		var err error
		out, err = listUsers(ctx, db, `tenant_id IS NULL AND '' = $1`, "", p)
		return err
	})
	return out, err
}

func listUsers(ctx context.Context, db q, scope, arg string, p Page) (List[User], error) {
	after, limit, err := p.keyset()
	if err != nil {
		return List[User]{}, err
	}
	var rows []userRow
	err = db.SelectContext(ctx, &rows, `SELECT * FROM users WHERE `+scope+` AND id > $2 ORDER BY id LIMIT $3`, arg, after, limit+1)
	if err != nil {
		return List[User]{}, fmt.Errorf("store: list users: %w", err)
	}
	us := make([]User, len(rows))
	for i, r := range rows {
		us[i] = r.user()
	}
	return pageOf(us, limit, func(u User) string { return u.ID }), nil
}

// UpdateUser edits a user of tenant.
func (s *Store) UpdateUser(ctx context.Context, a Actor, tenant tenancy.TenantID, id string, p UserPatch) (User, error) {
	var u User
	err := s.tenantWrite(ctx, tenant, func(tx *sqlx.Tx) error {
		var err error
		u, err = s.updateUser(ctx, tx, a, tenant, id, p)
		return err
	})
	return u, err
}

// UpdatePlatformUser edits a platform operator.
func (s *Store) UpdatePlatformUser(ctx context.Context, a Actor, id string, p UserPatch) (User, error) {
	var u User
	err := s.platformWrite(ctx, func(tx *sqlx.Tx) error {
		var err error
		u, err = s.updateUser(ctx, tx, a, "", id, p)
		return err
	})
	return u, err
}

func (s *Store) updateUser(ctx context.Context, tx *sqlx.Tx, a Actor, tenant tenancy.TenantID, id string, p UserPatch) (User, error) {
	u, err := getUser(ctx, tx, `id = $1 AND tenant_id IS NOT DISTINCT FROM $2`, id, nullTenant(tenant))
	if err != nil {
		return User{}, err
	}
	setIf(&u.DisplayName, p.DisplayName)
	setIf(&u.Role, p.Role)
	setIf(&u.PasswordHash, p.PasswordHash)
	setIf(&u.Disabled, p.Disabled)
	setIf(&u.Language, p.Language)
	if u.Language != "" {
		if _, err := tenancy.ParseLanguage(u.Language); err != nil {
			return User{}, invalid("language", err.Error())
		}
	}
	in := UserInput{Email: u.Email, DisplayName: u.DisplayName, Role: u.Role, PasswordHash: u.PasswordHash}
	if err := in.validate(tenant.IsZero()); err != nil {
		return User{}, err
	}
	u.UpdatedAt = s.nowUTC()
	_, err = tx.ExecContext(ctx, `UPDATE users SET display_name = $1, role = $2, password_hash = $3, disabled = $4,
		language = $5, updated_at = $6 WHERE id = $7`, u.DisplayName, string(u.Role), u.PasswordHash, u.Disabled, u.Language, u.UpdatedAt, id)
	if err != nil {
		return User{}, fmt.Errorf("store: update user: %w", err)
	}
	summary := p
	return u, s.audit(ctx, tx, a, change{tenant, "update", "user", id, map[string]any{
		"display_name": summary.DisplayName, "role": summary.Role, "disabled": summary.Disabled,
		"language": summary.Language, "password_changed": p.PasswordHash != nil}})
}

// LoginAttempt is BeginLoginAttempt's answer.
type LoginAttempt struct {
	// Refused: the account is locked; the attempt was not counted and the
	// password must not be checked.
	Refused bool
	// Failures is the number of consecutive attempts without success,
	// this one included (when refused: as it stands).
	Failures int
	// LockedUntil is the lock this attempt set (it was the maxFailures-th)
	// or, when refused, the lock that refused it.
	LockedUntil *time.Time
}

// BeginLoginAttempt counts a sign-in attempt of user id BEFORE its password
// is checked, and refuses it once the account is locked. The maxFailures-th
// attempt in a row locks the account until now+lockFor (and starts the next
// count at 0); it is itself still checked, and RecordLoginSuccess undoes it
// when the password is right. Counting first makes N parallel guesses N
// attempts: once the limit is reached none of the others is checked.
//
// The UPDATE that counts refuses a locked row itself, so the count and the
// lock are one atomic step per account on both databases: PostgreSQL
// re-checks the WHERE of a concurrent update against the row it waited
// for, and SQLite runs one write transaction at a time.
func (s *Store) BeginLoginAttempt(ctx context.Context, id string, maxFailures int, lockFor time.Duration) (LoginAttempt, error) {
	if maxFailures < 1 || lockFor <= 0 {
		return LoginAttempt{}, fmt.Errorf("store: login attempt: maxFailures %d and lockFor %s must be positive", maxFailures, lockFor)
	}
	var a LoginAttempt
	err := s.platformWrite(ctx, func(tx *sqlx.Tx) error {
		now := s.nowUTC()
		err := tx.GetContext(ctx, &a.Failures, `UPDATE users SET failed_logins = failed_logins + 1
			WHERE id = $1 AND (locked_until IS NULL OR locked_until <= $2) RETURNING failed_logins`, id, now)
		if errors.Is(err, sql.ErrNoRows) {
			return s.refusedAttempt(ctx, tx, id, &a)
		}
		if err != nil {
			return fmt.Errorf("store: login attempt: %w", err)
		}
		if a.Failures < maxFailures {
			return nil
		}
		until := now.Add(lockFor)
		a.LockedUntil = &until
		_, err = tx.ExecContext(ctx, `UPDATE users SET failed_logins = 0, locked_until = $1 WHERE id = $2`, until, id)
		if err != nil {
			return fmt.Errorf("store: lock user: %w", err)
		}
		return nil
	})
	return a, err
}

// refusedAttempt fills a for an attempt the counting UPDATE did not take:
// the user is locked, or does not exist (*NotFoundError).
func (s *Store) refusedAttempt(ctx context.Context, tx *sqlx.Tx, id string, a *LoginAttempt) error {
	u, err := getUser(ctx, tx, `id = $1`, id)
	if err != nil {
		return err
	}
	a.Refused, a.Failures, a.LockedUntil = true, u.FailedLogins, u.LockedUntil
	return nil
}

// ClearLoginFailures resets the failure count and lock of user id after a
// right password that was not a sign-in (a password change).
func (s *Store) ClearLoginFailures(ctx context.Context, id string) error {
	return s.platformWrite(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1`, id)
		return mustAffect(res, err, "user", id)
	})
}

// RecordLoginSuccess resets the failure counter and lock and stamps the time.
func (s *Store) RecordLoginSuccess(ctx context.Context, id string) error {
	return s.platformWrite(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = $1
			WHERE id = $2`, s.nowUTC(), id)
		return mustAffect(res, err, "user", id)
	})
}

// mustAffect turns "no row changed" into a *NotFoundError.
func mustAffect(res sql.Result, err error, resource, id string) error {
	if err != nil {
		return fmt.Errorf("store: %s: %w", resource, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: %s: %w", resource, err)
	}
	if n == 0 {
		return notFound(resource, id)
	}
	return nil
}

// DeleteUser deletes a user of tenant with their refresh tokens. A user who
// is an agent cannot be deleted (delete the agent first, or disable the
// user to keep history readable).
func (s *Store) DeleteUser(ctx context.Context, a Actor, tenant tenancy.TenantID, id string) error {
	return s.tenantWrite(ctx, tenant, func(tx *sqlx.Tx) error {
		return s.deleteUser(ctx, tx, a, tenant, id)
	})
}

// DeletePlatformUser deletes a platform operator with their refresh tokens.
func (s *Store) DeletePlatformUser(ctx context.Context, a Actor, id string) error {
	return s.platformWrite(ctx, func(tx *sqlx.Tx) error {
		return s.deleteUser(ctx, tx, a, "", id)
	})
}

func (s *Store) deleteUser(ctx context.Context, tx *sqlx.Tx, a Actor, tenant tenancy.TenantID, id string) error {
	if _, err := getUser(ctx, tx, `id = $1 AND tenant_id IS NOT DISTINCT FROM $2`, id, nullTenant(tenant)); err != nil {
		return err
	}
	var agents int
	if err := tx.GetContext(ctx, &agents, `SELECT count(*) FROM agents WHERE user_id = $1`, id); err != nil {
		return fmt.Errorf("store: delete user: %w", err)
	}
	if agents > 0 {
		return invalid("user", "is an agent; delete the agent first")
	}
	for _, st := range []string{`DELETE FROM refresh_tokens WHERE user_id = $1`, `DELETE FROM users WHERE id = $1`} {
		if _, err := tx.ExecContext(ctx, st, id); err != nil {
			return fmt.Errorf("store: delete user: %w", err)
		}
	}
	return s.audit(ctx, tx, a, change{tenant, "delete", "user", id, nil})
}
