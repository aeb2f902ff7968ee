package api

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v5"
)

// The helpers below give every resource handler the same shape: decode,
// call the store with the request's context, answer. Each resource file
// keeps only what differs (its types, checks and store calls).

// createWith decodes In, lets fn create the object and answers 201 with it.
func createWith[In, Out any](c *echo.Context, fn func(context.Context, In) (Out, error)) error {
	var in In
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	out, err := fn(c.Request().Context(), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}

// updateWith decodes In, lets fn apply it to the object named by the path
// parameter param and answers 200 with the result.
func updateWith[In, Out any](c *echo.Context, param string, fn func(context.Context, string, In) (Out, error)) error {
	var in In
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	out, err := fn(c.Request().Context(), c.Param(param), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// getWith answers 200 with the object named by the path parameter param.
func getWith[Out any](c *echo.Context, param string, fn func(context.Context, string) (Out, error)) error {
	out, err := fn(c.Request().Context(), c.Param(param))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// deleteWith deletes the object named by param and answers 204.
func deleteWith(c *echo.Context, param string, fn func(context.Context, string) error) error {
	if err := fn(c.Request().Context(), c.Param(param)); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
