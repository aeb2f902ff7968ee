package fssim

import (
	"errors"
	"fmt"
	"strconv"
)

// ErrInvalid wraps every rejected control-API argument.
var ErrInvalid = errors.New("fssim: invalid argument")

func errorf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

func itoa(i int) string { return strconv.Itoa(i) }

func atoiDefault(s string, def int) int {
	i, err := strconv.Atoi(s)
	if err != nil {
		return def
	}
	return i
}
