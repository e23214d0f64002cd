package handlers

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"portal/models"
	"portal/search"
)

// Deps is what the HTTP layer needs from the program that wires it.
type Deps struct {
	Store  *models.Store
	Search *search.Client
	Redis  *redis.Client // nil when REDIS_URL is unset
	// RedisPrefix starts every Redis key ("portal:" by default).
	RedisPrefix string
	Log         *slog.Logger
	// LoginLimit bounds failed logins per phone and address and per address, and
	// registrations per address; zero values take the defaults.
	LoginLimit RateLimit
	// TrustedProxies are the peers whose X-Forwarded-For names the client (PORTAL_TRUSTED_PROXIES).
	TrustedProxies []string
	// SecureCookies marks the session cookie Secure (behind HTTPS).
	SecureCookies bool
	// FilesDir is where uploaded evidence is kept (FILES_DIR).
	FilesDir string
	// Indexer applies posting changes to search; Now is the clock (tests move it).
	Indexer *search.Indexer
	Now     func() time.Time
	// Operator, Hotline and ICP are the footer's operating office, its hotline and its ICP
	// filing number (PORTAL_OPERATOR, PORTAL_HOTLINE, PORTAL_ICP); empty ones say 未配置.
	Operator, Hotline, ICP string
}

// RateLimit is how many failed logins and registrations are allowed per window.
type RateLimit struct {
	PerPhone int // failed logins of one phone from one address
	PerIP    int // failed logins from one address, whatever the phone
	Window   time.Duration
	// RegisterPerHour is the registrations one address may make in an hour (SPEC §7: at least 30).
	RegisterPerHour int
}

// App holds the routes' shared state.
type App struct {
	store    *models.Store
	search   *search.Client
	redis    *redis.Client
	log      *slog.Logger
	limiter  Limiter
	login    RateLimit
	secure   bool
	flashKey []byte // signs flash notes (flashSignature), derived from PORTAL_SECRET once
	proxies  trustedProxies
	pages    pageSet
	footer   Footer
	metrics  *metrics
	indexer  *search.Indexer
	now      func() time.Time
	filesDir string
	towns    townCache
	Fiber    *fiber.App
}

// today is the current date as the posting rules read it.
func (a *App) today() string { return models.Today(a.now()) }

// requestTimeout bounds the work of one request against the database and Meilisearch.
const requestTimeout = 15 * time.Second

// importTimeout bounds a spreadsheet import instead: storing a 100,000-row social-insurance
// extract takes about 2 s on an idle box and can pass requestTimeout on a busy one.
const importTimeout = 120 * time.Second

// requestDeadline is how long a request's calls may take: importTimeout for a spreadsheet
// upload (uploadRoutes), requestTimeout for anything else.
func requestDeadline(c *fiber.Ctx) time.Duration {
	if route, ok := uploadRouteOf(c); ok && route.spreadsheet {
		return importTimeout
	}
	return requestTimeout
}

// New builds the Fiber application with every route.
func New(d Deps) (*App, error) {
	a := &App{store: d.Store, search: d.Search, redis: d.Redis, log: d.Log, login: d.LoginLimit, secure: d.SecureCookies,
		indexer: d.Indexer, now: d.Now, filesDir: d.FilesDir, proxies: parseTrustedProxies(d.TrustedProxies),
		footer: newFooter(d.Operator, d.Hotline, d.ICP), flashKey: []byte(d.Store.Sealer.Hash("portal flash key v1"))}
	if a.filesDir == "" {
		a.filesDir = "var/files"
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.indexer == nil {
		a.indexer = search.NewIndexer(d.Store, d.Search, d.Redis, d.Log)
	}
	if a.login.Window == 0 {
		a.login = RateLimit{PerPhone: 10, PerIP: 100, Window: 15 * time.Minute, RegisterPerHour: a.login.RegisterPerHour}
	}
	if a.login.RegisterPerHour == 0 {
		a.login.RegisterPerHour = 30
	}
	if d.RedisPrefix == "" {
		d.RedisPrefix = "portal:"
	}
	a.limiter = newLimiter(d.Redis, d.RedisPrefix, d.Log)
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	a.pages = pages
	a.metrics = newMetrics(prometheus.NewRegistry())
	a.Fiber = fiber.New(fiber.Config{
		AppName:   "professional-town-portal",
		Immutable: true, // strings from the request outlive the handler safely
		BodyLimit: bodyLimit,
		// Bodies are streamed: fasthttp reads the first 8 KiB with the headers and inflateBody
		// the rest, into room taken from rawBudget, after refusing a declared length over the
		// route's limit unread. Without it fasthttp allocates every declared Content-Length
		// before any handler runs (64 connections declaring 11 MiB held 1.1 GB).
		StreamRequestBody: true,
		// At most this many connections at once, each holding its read buffer (ReadBufferSize,
		// 8 KiB), its write buffer (4 KiB) and up to 8 KiB of a body: about 20 MB for all. One
		// more is answered 503 and closed. HAProxy sends each portal at most 68 at a time.
		Concurrency: 1024,
		// Multipart bodies are parsed by the handlers, after inflateBody, so a malformed one
		// is a problem like any other bad body, whatever its encoding.
		DisablePreParseMultipartForm: true,
		ReadBufferSize:               8 << 10, // the largest request line and headers; past it 431
		ReadTimeout:                  30 * time.Second,
		WriteTimeout:                 30 * time.Second,
		IdleTimeout:                  120 * time.Second,
		ErrorHandler:                 a.errorHandler,
		DisableStartupMessage:        true,
	})
	// Pages and CSS travel compressed: the users are on phones in county towns.
	// The caller is identified from its headers before any body is read, so a multipart body
	// of anyone but a logged-in caller (no credentials, a forged token, a stale cookie) is
	// refused unread, holding no room in the body budgets.
	a.Fiber.Use(a.requestContext, a.observe, recover.New(recover.Config{EnableStackTrace: true}), securityHeaders,
		closeUnreadBody, a.authenticate, inflateBody, checkText, compress.New(compress.Config{Level: compress.LevelBestSpeed}),
		checkMultipart, a.csrf)
	a.routes()
	a.Fiber.Use(func(c *fiber.Ctx) error { return models.NotFound("page " + c.Path()) })
	return a, nil
}

// requestContext gives each request an id and a context with a deadline for the calls it
// makes (requestDeadline).
func (a *App) requestContext(c *fiber.Ctx) error {
	id := c.Get(fiber.HeaderXRequestID)
	if id == "" || len(id) > 64 || strings.TrimLeft(id, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_.") != "" {
		id = newRequestID()
	}
	c.Locals(ctxRequestID, id)
	c.Locals(ctxClientIP, a.proxies.clientIP(c))
	c.Set(fiber.HeaderXRequestID, id)
	ctx, cancel := context.WithTimeout(context.Background(), requestDeadline(c))
	defer cancel()
	c.SetUserContext(ctx)
	return c.Next()
}

func (a *App) routes() {
	r := a.Fiber
	r.Get("/healthz", a.healthz)
	r.Get("/readyz", a.readyz)
	r.Get("/metrics", a.metricsHandler())
	r.Get("/api/openapi.yaml", serveOpenAPI)
	r.Get("/feeds/saved/:token", a.savedFeed)

	api := r.Group("/api/v1")
	api.Post("/auth/register", a.register)
	api.Post("/auth/login", a.loginAPI)
	api.Post("/auth/logout", a.requireRole(), a.logoutAPI)
	api.Get("/me", a.requireRole(), a.me)

	api.Get("/towns", a.listTowns)
	api.Get("/occupations", a.listOccupations)
	api.Get("/policies", a.listPolicies)
	api.Post("/policies", a.requireRole(models.RoleReviewer), a.addPolicy)

	api.Post("/enterprises", a.requireRole(models.RoleEnterprise), a.createEnterprise)
	api.Get("/enterprises", a.requireRole(models.RoleReviewer), a.listEnterprises)
	api.Get("/enterprises/:id", a.getEnterprise)
	api.Put("/enterprises/:id", a.requireRole(models.RoleEnterprise), a.updateEnterprise)
	api.Post("/enterprises/:id/verify", a.requireRole(models.RoleReviewer), a.verifyEnterprise)
	api.Get("/me/enterprise", a.requireRole(models.RoleEnterprise), a.myEnterprise)

	api.Post("/jobs", a.requireRole(models.RoleEnterprise), a.createJob)
	api.Get("/jobs", a.searchJobs)
	api.Get("/jobs/:id", a.getJob)
	api.Patch("/jobs/:id", a.requireRole(models.RoleEnterprise), a.patchJob)
	api.Post("/jobs/:id/close", a.requireRole(models.RoleEnterprise), a.closeJob)
	api.Get("/me/jobs", a.requireRole(models.RoleEnterprise), a.myJobs)
	api.Post("/jobs/:id/reports", a.reportJob)
	api.Get("/reports", a.requireRole(models.RoleReviewer), a.listReports)
	api.Post("/reports/:id/resolve", a.requireRole(models.RoleReviewer), a.resolveReport)

	seeker := a.requireRole(models.RoleSeeker)
	api.Put("/me/profile", seeker, a.putProfile)
	api.Get("/me/profile", seeker, a.getProfile)
	api.Get("/me/applications", seeker, a.myApplications)
	api.Get("/me/recommendations", seeker, a.recommendations)
	api.Post("/me/saved-searches", seeker, a.saveSearch)
	api.Get("/me/saved-searches", seeker, a.listSavedSearches)
	api.Delete("/me/saved-searches/:id", seeker, a.deleteSavedSearch)
	api.Get("/me/notifications", seeker, a.notifications)
	api.Post("/me/notifications/read", seeker, a.markRead)
	api.Post("/jobs/:id/applications", seeker, a.apply)
	api.Get("/jobs/:id/applications", a.requireRole(models.RoleEnterprise), a.jobApplications)
	api.Get("/jobs/:id/stats", a.requireRole(models.RoleEnterprise), a.jobStats)
	api.Patch("/applications/:id", a.requireRole(models.RoleSeeker, models.RoleEnterprise), a.moveApplication)

	api.Post("/fairs", a.requireRole(models.RoleReviewer), a.createFair)
	api.Get("/fairs", a.listFairs)
	api.Get("/fairs/:id/booths", a.fairExhibitors)
	api.Post("/fairs/:id/booths", a.requireRole(models.RoleEnterprise), a.bookBooth)

	provider, reviewer := a.requireRole(models.RoleProvider), a.requireRole(models.RoleReviewer)
	api.Post("/providers", provider, a.createProvider)
	api.Get("/providers", reviewer, a.listProviders)
	api.Post("/providers/:id/verify", reviewer, a.verifyProvider)
	api.Post("/programs", provider, a.createProgram)
	api.Get("/programs", a.searchPrograms)
	api.Get("/me/programs", a.requireRole(models.RoleProvider, models.RoleReviewer), a.myPrograms)
	api.Get("/programs/:id", a.getProgram)
	api.Post("/programs/:id/approve", reviewer, a.approveProgram)
	api.Post("/programs/:id/close", provider, a.closeProgram)
	api.Post("/programs/:id/enrolments", a.requireRole(models.RoleProvider, models.RoleSeeker), a.enrol)
	api.Get("/programs/:id/enrolments", a.requireRole(models.RoleProvider, models.RoleReviewer), a.roster)
	api.Put("/programs/:id/attendance/:date", provider, a.putAttendance)
	api.Get("/programs/:id/attendance/:date", a.requireRole(models.RoleProvider, models.RoleReviewer), a.getAttendance)
	api.Get("/programs/:id/outcome", a.requireRole(models.RoleProvider, models.RoleReviewer), a.outcome)
	api.Post("/enrolments/:id/accept", provider, a.changeEnrolment("accept"))
	api.Post("/enrolments/:id/complete", provider, a.changeEnrolment("complete"))
	api.Post("/enrolments/:id/withdraw", provider, a.changeEnrolment("withdraw"))
	api.Post("/enrolments/:id/employment", provider, a.recordEmployment)
	api.Get("/enrolments/:id/evidence", a.requireRole(models.RoleProvider, models.RoleReviewer), a.evidenceFile)
	api.Post("/enrolments/:id/reveal-id", reviewer, a.revealID)

	api.Get("/stats", reviewer, a.statsAPI)

	api.Post("/programs/:id/claims", provider, a.submitTrainingClaim)
	api.Post("/onjob-claims", a.requireRole(models.RoleEnterprise), a.submitOnjobClaim)
	claimants := a.requireRole(models.RoleProvider, models.RoleEnterprise, models.RoleReviewer)
	api.Get("/claims", claimants, a.listClaims)
	api.Get("/claims/export.xlsx", reviewer, a.claimsXLSX)
	api.Get("/claims/:id", claimants, a.getClaim)
	api.Get("/claims/:id/export.xlsx", claimants, a.claimXLSX)
	api.Get("/claims/:id/export.csv", claimants, a.claimCSV)
	api.Post("/claims/:id/approve", reviewer, a.approveClaim)
	api.Post("/claims/:id/reject", reviewer, a.rejectClaim)
	api.Post("/claims/:id/pay", reviewer, a.payClaim)
	api.Post("/objections/:id/resolve", reviewer, a.resolveObjection)
	api.Put("/me/identity", seeker, a.putMyIdentity)
	api.Get("/me/identity", seeker, a.getMyIdentity)
	api.Get("/me/enrolments", seeker, a.myEnrolments)
	api.Put("/users/:id/identity", reviewer, a.putUserIdentity)
	api.Delete("/users/:id/identity", reviewer, a.deleteUserIdentity)
	api.Get("/programs/:id/checkin-code", provider, a.checkinCode)
	api.Get("/programs/:id/checkin-code.png", provider, a.checkinCodePNG)
	api.Post("/programs/:id/checkins", seeker, a.checkIn)
	api.Post("/programs/:id/attendance/import", provider, a.importAttendance)
	api.Post("/social-insurance/imports", reviewer, a.importSocialInsurance)
	api.Get("/social-insurance/imports", reviewer, a.listSocialInsuranceImports)
	api.Post("/inspections", reviewer, a.drawInspection)
	api.Get("/inspections", reviewer, a.listInspections)
	api.Get("/inspections/:id", reviewer, a.getInspection)
	api.Post("/inspections/:id/results", reviewer, a.recordInspectionResult)
	api.Get("/public/providers", a.publicProviders)
	api.Get("/public/providers/:id", a.publicProvider)
	api.Get("/public/claims", a.publicClaims)
	api.Post("/public/claims/:id/objections", a.lodgeObjection)
	api.Use(func(c *fiber.Ctx) error { return models.NotFound("API route " + c.Method() + " " + c.Path()) })

	a.pageRoutes()
}
