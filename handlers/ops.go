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

// metricsHandler serves Prometheus, on the operators' network only (SPEC §7: what is down goes
// to the logs and /metrics, not to the public): to a peer that is a loopback or private
// address and sent no X-Forwarded-For — a request from the internet through a load balancer
// carries one. Anyone else gets the 404 of a page that does not exist.
func (a *App) metricsHandler() fiber.Handler {
	a.metrics.registry.MustRegister(searchNodesCollector{app: a})
	serve := adaptor.HTTPHandler(promhttp.HandlerFor(a.metrics.registry, promhttp.HandlerOpts{}))
	return func(c *fiber.Ctx) error {
		peer := c.Context().RemoteIP()
		operators := peer.IsLoopback() || peer.IsPrivate() || peer.IsUnspecified() // unspecified: app.Test's in-memory peer
		if !operators || headerList(c, fiber.HeaderXForwardedFor) != "" {
			return models.NotFound("page " + c.Path())
		}
		return serve(c)
	}
}

// searchNodesCollector shows each Meilisearch node's health and lag in the outbox, read at
// every scrape.
type searchNodesCollector struct{ app *App }

// The node label is the node's position in MEILI_URL, counted from 1.
var (
	nodeUpDesc       = prometheus.NewDesc("portal_search_node_up", "1 while the Meilisearch node answers its health check.", []string{"node"}, nil)
	nodeCaughtUpDesc = prometheus.NewDesc("portal_search_node_caught_up", "1 while the node has applied the outbox as of the last check; searches prefer such nodes.", []string{"node"}, nil)
	nodeLagDesc      = prometheus.NewDesc("portal_search_node_lag_entries", "Outbox entries the node has not applied yet.", []string{"node"}, nil)
	nodeLagAgeDesc   = prometheus.NewDesc("portal_search_node_lag_seconds", "Age of the oldest outbox entry the node has not applied (0 when caught up).", []string{"node"}, nil)
)

// Describe implements prometheus.Collector.
func (searchNodesCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{nodeUpDesc, nodeCaughtUpDesc, nodeLagDesc, nodeLagAgeDesc} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (s searchNodesCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	bit := func(b bool) float64 {
		if b {
			return 1
		}
		return 0
	}
	// A node is named by its place in MEILI_URL ("1", "2" …), not its address: /metrics may be
	// reachable from outside, and internal addresses belong in the logs only (SPEC §7).
	for i, n := range s.app.search.Status(ctx, time.Now()) {
		node := strconv.Itoa(i + 1)
		ch <- prometheus.MustNewConstMetric(nodeUpDesc, prometheus.GaugeValue, bit(n.Up), node)
		ch <- prometheus.MustNewConstMetric(nodeCaughtUpDesc, prometheus.GaugeValue, bit(n.CaughtUp), node)
		ch <- prometheus.MustNewConstMetric(nodeLagDesc, prometheus.GaugeValue, float64(n.Lag.Entries), node)
		ch <- prometheus.MustNewConstMetric(nodeLagAgeDesc, prometheus.GaugeValue, n.Lag.Oldest.Seconds(), node)
	}
}

func (a *App) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

// readyz answers 200 while the database and at least one Meilisearch node answer, which is
// what a load balancer needs to know. The public learns only up or down (SPEC §7): what is
// down, with addresses and errors, goes to the log and /metrics. Redis does not decide it:
// without Redis the portal counts in process and loses nothing, and taking every portal out
// of the balancer at once for it would turn a degraded service into none.
func (a *App) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 3*time.Second)
	defer cancel()
	var down []string
	if err := a.store.Ping(ctx); err != nil {
		down = append(down, "database")
		a.log.Warn("readyz: database down", "request_id", requestID(c), "err", err)
	}
	if err := a.search.Ready(ctx); err != nil {
		down = append(down, "meilisearch")
		a.log.Warn("readyz: every meilisearch node down", "request_id", requestID(c), "err", err)
	}
	if a.redis != nil {
		if err := a.redis.Ping(ctx).Err(); err != nil {
			a.log.Warn("readyz: redis down; counting in process", "request_id", requestID(c), "err", err)
		}
	}
	if len(down) > 0 {
		p := problemOf(models.Errorf(models.ErrUnavailable, "down"))
		p.RequestID = requestID(c)
		return c.Status(p.Status).JSON(p, "application/problem+json")
	}
	return c.JSON(fiber.Map{"status": "up"})
}
