package api

import (
	"context"
	"errors"
	"fmt"

	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// EnsurePlatformAdmin creates the platform administrator with the given email
// and password unless a user with that email exists. It reports whether it
// created one; only the argon2id hash of the password is stored.
func EnsurePlatformAdmin(ctx context.Context, st *store.Store, email, password string) (bool, error) {
	_, err := st.UserByEmail(ctx, email)
	if err == nil {
		return false, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return false, fmt.Errorf("look up platform admin: %w", err)
	}
	if len(password) < 12 {
		return false, errors.New("the platform admin password must have at least 12 characters")
	}
	hash, err := hashPassword(DefaultPasswordParams, password)
	if err != nil {
		return false, err
	}
	_, err = st.CreatePlatformUser(ctx, store.SystemActor, store.UserInput{
		Email: email, DisplayName: "Platform administrator", Role: tenancy.RolePlatformAdmin, PasswordHash: hash,
	})
	if err != nil {
		return false, fmt.Errorf("create platform admin: %w", err)
	}
	return true, nil
}
