package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/labstack/echo/v5"
	"github.com/switchboard-cc/switchboard/callconfig"
	"github.com/switchboard-cc/switchboard/store"
	"github.com/switchboard-cc/switchboard/tenancy"
)

// Queues hold waiting contacts of every medium; this is their configuration (ACC-10).
func (s *Server) queueRoutes() []route {
	p := "/tenants/:tenant_id/queues"
	one := p + "/:queue_id"
	r, w := tenancy.PermQueuesRead, tenancy.PermQueuesWrite
	return []route{
		{method: http.MethodPost, path: p, name: "createQueue", summary: "Create a queue", scope: scopeTenant, perm: w,
			body: store.QueueInput{}, resp: store.Queue{}, idempotent: true, status: http.StatusCreated, h: s.createQueue},
		{method: http.MethodGet, path: p, name: "listQueues", summary: "List queues", scope: scopeTenant, perm: r,
			resp: store.Queue{}, list: true, status: http.StatusOK, h: s.listQueues},
		{method: http.MethodGet, path: one, name: "getQueue", summary: "Get a queue", scope: scopeTenant, perm: r,
			resp: store.Queue{}, status: http.StatusOK, h: s.getQueue},
		{method: http.MethodPut, path: one, name: "replaceQueue", summary: "Replace a queue's configuration", scope: scopeTenant, perm: w,
			body: store.QueueInput{}, resp: store.Queue{}, status: http.StatusOK, h: s.replaceQueue},
		{method: http.MethodDelete, path: one, name: "deleteQueue", summary: "Delete a queue (agents leave it)", scope: scopeTenant, perm: w,
			status: http.StatusNoContent, h: s.deleteQueue},
	}
}

func checkQueue(in store.QueueInput) error {
	var v checker
	v.rule(tenancy.CheckName("name", in.Name))
	if len(in.Settings) > 64<<10 {
		v.add("settings", "must be at most 64 KiB")
	} else if _, err := callconfig.ParseQueueSettings(in.Settings); err != nil {
		// The scheduler reads settings with the same parser: what it would
		// skip is refused here, naming the key (and the valid ones).
		v.add("settings", "%s", strings.TrimPrefix(err.Error(), "queue settings: "))
	}
	return v.err()
}

func (s *Server) createQueue(c *echo.Context) error {
	return createWith(c, func(ctx context.Context, in store.QueueInput) (store.Queue, error) {
		if err := checkQueue(in); err != nil {
			return store.Queue{}, err
		}
		return s.store.CreateQueue(ctx, actor(c), tenantOf(c).ID, in)
	})
}

func (s *Server) listQueues(c *echo.Context) error {
	return list(c, func(ctx context.Context, p store.Page) (store.List[store.Queue], error) {
		return s.store.ListQueues(ctx, tenantOf(c).ID, p)
	}, same[store.Queue])
}

func (s *Server) getQueue(c *echo.Context) error {
	return getWith(c, "queue_id", func(ctx context.Context, id string) (store.Queue, error) {
		return s.store.GetQueue(ctx, tenantOf(c).ID, id)
	})
}

func (s *Server) replaceQueue(c *echo.Context) error {
	return updateWith(c, "queue_id", func(ctx context.Context, id string, in store.QueueInput) (store.Queue, error) {
		if err := checkQueue(in); err != nil {
			return store.Queue{}, err
		}
		return s.store.UpdateQueue(ctx, actor(c), tenantOf(c).ID, id, in)
	})
}

func (s *Server) deleteQueue(c *echo.Context) error {
	return deleteWith(c, "queue_id", func(ctx context.Context, id string) error {
		return s.store.DeleteQueue(ctx, actor(c), tenantOf(c).ID, id)
	})
}
