package handlers

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"portal/models"
)

type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "portal_http_requests_total", Help: "HTTP requests by method, route and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "portal_http_request_duration_seconds", Help: "HTTP request duration by method and route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"method", "route"}),
	}
	reg.MustRegister(m.requests, m.duration, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// observe logs each request as one JSON line and counts it by its route pattern (not the raw
// path, so ids do not explode the label set).
func (a *App) observe(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	if err != nil {
		if herr := a.Fiber.Config().ErrorHandler(c, err); herr != nil {
			_ = c.SendStatus(fiber.StatusInternalServerError)
		}
	}
	status := c.Response().StatusCode()
	route := c.Route().Path
	elapsed := time.Since(start)
	a.metrics.requests.WithLabelValues(c.Method(), route, strconv.Itoa(status)).Inc()
	a.metrics.duration.WithLabelValues(c.Method(), route).Observe(elapsed.Seconds())
	a.log.Info("request", "request_id", requestID(c), "method", c.Method(), "path", loggedPath(c.Path()), "route", route,
		"status", status, "duration_ms", float64(elapsed.Microseconds())/1000, "user_id", currentUser(c).ID)
	return nil
}

// loggedPath is the path as the request log keeps it: a private feed's token is a password
// (SPEC §7), so it never reaches the logs.
func loggedPath(p string) string {
	if strings.HasPrefix(p, "/feeds/saved/") {
		return "/feeds/saved/[token]"
	}
	return p
}

func (a *App) metricsHandler() fiber.Handler {
	return adaptor.HTTPHandler(promhttp.HandlerFor(a.metrics.registry, promhttp.HandlerOpts{}))
}

func (a *App) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

// readyz checks every dependency and names the ones that are down.
func (a *App) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 3*time.Second)
	defer cancel()
	checks := fiber.Map{}
	down := []string{}
	check := func(name string, err error) {
		if err != nil {
			checks[name] = "down: " + err.Error()
			down = append(down, name)
			return
		}
		checks[name] = "ok"
	}
	check("database", a.store.Ping(ctx))
	check("meilisearch", a.search.Ready(ctx))
	if a.redis != nil {
		check("redis", a.redis.Ping(ctx).Err())
	}
	if len(down) > 0 {
		p := problemOf(models.Errorf(models.ErrUnavailable, "down: %s", strings.Join(down, ", ")))
		p.RequestID = requestID(c)
		return c.Status(p.Status).JSON(struct {
			Problem
			Checks fiber.Map `json:"checks"`
		}{p, checks}, "application/problem+json")
	}
	return c.JSON(fiber.Map{"status": "ready", "checks": checks})
}
