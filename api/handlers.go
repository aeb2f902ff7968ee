package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v5"
)

// The helpers below give every resource handler the same shape: decode,
// call the store with the request's context, answer. Each resource file
// keeps only what differs (its types, checks and store calls).

// createWith decodes In, lets fn create the object and answers 201 with it
// (see created), the object's ID being the "id" it has in JSON.
func createWith[In, Out any](c *echo.Context, fn func(context.Context, In) (Out, error)) error {
	var in In
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	out, err := fn(c.Request().Context(), in)
	if err != nil {
		return err
	}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	var ref struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(b, &ref); err != nil || ref.ID == "" {
		return fmt.Errorf("api: a created %T has no \"id\" to name it in Location", out)
	}
	return created(c, ref.ID, out)
}

// created answers 201 with out and a Location header naming what was
// created: the collection the request posted to, followed by id (the ID or
// number a GET of the object takes); an empty id names the collection
// itself (values added to a list). Every 201 of the API goes through here.
func created(c *echo.Context, id string, out any) error {
	loc := strings.TrimSuffix(c.Request().URL.EscapedPath(), "/")
	if id != "" {
		loc += "/" + url.PathEscape(id)
	}
	c.Response().Header().Set(echo.HeaderLocation, loc)
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
