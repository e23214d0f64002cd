package handlers

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"context"
	"fmt"
	"io"
	"net"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/andybalholm/brotli"
	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
	"golang.org/x/sync/semaphore"

	"portal/models"
)

// bodyLimit bounds a request body as it arrives and, on the upload routes, again after it is
// decompressed (SPEC §7). Every other route takes at most formLimit.
const bodyLimit = 11 << 20

// formLimit bounds the JSON and form bodies of every route that takes no file, inflated or not.
const formLimit = maxJSONBody

// bodyBudgetBytes is how many bytes all requests together may be inflating or holding parsed
// at once. Each request's own limit bounds one request; this bounds them all, so many bombs or
// uploads at the same moment cost at most this much memory beyond the raw bodies.
const bodyBudgetBytes = 48 << 20

// bodyBudget is the process-wide budget of bodyBudgetBytes.
var bodyBudget = semaphore.NewWeighted(bodyBudgetBytes)

// rawBudgetBytes is how many bytes of raw bodies (as they arrive, before any decompression)
// all requests together may hold at once. fasthttp streams request bodies (StreamRequestBody
// in app.go), so a body is in memory only once readBody has taken room for it here: clients
// that declare 11 MiB and send little or nothing hold at most this much between them, each
// for at most the server's ReadTimeout. It is apart from bodyBudget so that a request holding
// its raw body never waits for room that other raw bodies hold.
const rawBudgetBytes = 48 << 20

// rawBudget is the process-wide budget of rawBudgetBytes.
var rawBudget = semaphore.NewWeighted(rawBudgetBytes)

// prefetched is how much of a streamed body fasthttp reads together with the headers (8 KiB,
// readBodyWithStreaming): a body that small is in memory already and takes no budget.
const prefetched = 8 << 10

// budgetWait is how long a request waits for room in bodyBudget before it is answered 503.
const budgetWait = time.Second

// takeBudget reserves n bytes of bodyBudget, waiting at most budgetWait, or answers 503 with
// Retry-After; the caller releases what it took.
func takeBudget(c *fiber.Ctx, n int64) error { return takeFrom(c, bodyBudget, n) }

// takeFrom reserves n bytes of budget as takeBudget does.
func takeFrom(c *fiber.Ctx, budget *semaphore.Weighted, n int64) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), budgetWait)
	defer cancel()
	if err := budget.Acquire(ctx, n); err != nil {
		c.Set(fiber.HeaderRetryAfter, "2")
		return &models.Error{Code: models.ErrUnavailable, Reason: "busy",
			Message: "the portal is reading too many large requests at once; try again in a few seconds"}
	}
	return nil
}

// uploadRoute is a POST route that takes a file (multipart), its path as segments with * for an
// id; a spreadsheet import stores rows for longer than other requests may take (importTimeout).
type uploadRoute struct {
	segs        []string
	spreadsheet bool
}

// uploadRoutes are the routes that take a file: the API's and the pages'.
var uploadRoutes = []uploadRoute{
	{segs: []string{"api", "v1", "enrolments", "*", "employment"}},
	{segs: []string{"api", "v1", "programs", "*", "attendance", "import"}, spreadsheet: true},
	{segs: []string{"api", "v1", "social-insurance", "imports"}, spreadsheet: true},
	{segs: []string{"console", "enrolments", "*", "employment"}},
	{segs: []string{"console", "programs", "*", "roll", "import"}, spreadsheet: true},
	{segs: []string{"console", "review", "social-insurance"}, spreadsheet: true},
}

// maxCodings is how many layers of Content-Encoding a body may have.
const maxCodings = 3

// isUploadRoute says whether the request goes to one of uploadRoutes (routing ignores case
// and a trailing slash, so this does too).
func isUploadRoute(c *fiber.Ctx) bool {
	_, ok := uploadRouteOf(c)
	return ok
}

// uploadRouteOf is the upload route the request goes to, if any.
func uploadRouteOf(c *fiber.Ctx) (uploadRoute, bool) {
	if c.Method() != fiber.MethodPost {
		return uploadRoute{}, false
	}
	segs := strings.Split(strings.Trim(strings.ToLower(c.Path()), "/"), "/")
	for _, route := range uploadRoutes {
		if slices.EqualFunc(route.segs, segs, func(want, got string) bool { return want == "*" || want == got }) {
			return route, true
		}
	}
	return uploadRoute{}, false
}

// isMultipart says whether the body is a multipart form.
func isMultipart(c *fiber.Ctx) bool {
	return strings.HasPrefix(strings.ToLower(c.Get(fiber.HeaderContentType)), fiber.MIMEMultipartForm)
}

// routeBodyLimit is the most a request's body may hold: bodyLimit for a file sent to an upload
// route, formLimit for everything else.
func routeBodyLimit(c *fiber.Ctx) int {
	if isMultipart(c) && isUploadRoute(c) {
		return bodyLimit
	}
	return formLimit
}

// contentCodings is every Content-Encoding line of the request joined as one list (RFC 9110:
// several lines are one comma-separated list), and removes them all from the request. c.Get
// sees only the first line and Fiber's Body() inflates by the last, so a blank first line
// followed by "gzip" would otherwise reach Body() uninflated here and unbounded there.
func contentCodings(c *fiber.Ctx) string {
	list := headerList(c, fiber.HeaderContentEncoding)
	c.Request().Header.Del(fiber.HeaderContentEncoding)
	return list
}

// headerList is every line of the request's header name joined, in order, as the one
// comma-separated list RFC 9110 says they are (blank lines left out).
func headerList(c *fiber.Ctx, name string) string {
	var lines []string
	c.Request().Header.VisitAll(func(k, v []byte) {
		if strings.EqualFold(string(k), name) {
			if line := strings.TrimSpace(string(v)); line != "" {
				lines = append(lines, line)
			}
		}
	})
	return strings.Join(lines, ",")
}

// closeUnreadBody closes the connection after the answer to a request whose body was left
// unread (refused before inflateBody read it, or by inflateBody itself): with bodies streamed,
// the rest of it would otherwise be read as the next request.
func closeUnreadBody(c *fiber.Ctx) error {
	defer func() {
		if !takePrefetched(c.Request()) && c.Request().IsBodyStream() {
			c.Context().SetConnectionClose()
		}
	}()
	return c.Next()
}

// takePrefetched makes a streamed body that came whole with the headers (at most prefetched
// bytes) the request's body, which costs nothing more and keeps the connection in step; it
// says whether it did.
func takePrefetched(req *fasthttp.Request) bool {
	if n := req.Header.ContentLength(); req.IsBodyStream() && n >= 0 && n <= prefetched {
		req.Body()
		return true
	}
	return false
}

// inflateBody is the first to touch a body. It reads the raw body (readBody: within rawBudget,
// a declared length over the route's limit refused unread), refuses a body over its route's
// limit and decompresses one sent with Content-Encoding through a reader that stops at that
// limit, so a small body that inflates to gigabytes is refused with 413 having used at most
// the limit of memory, taken from bodyBudget. A multipart body of a caller authenticate did
// not identify is refused before it is read: only logged-in callers upload. The handlers then
// see a plain body and no Content-Encoding, so neither Fiber's Body() nor the multipart parser
// inflates anything themselves.
func inflateBody(c *fiber.Ctx) error {
	limit := routeBodyLimit(c)
	header := contentCodings(c)
	req := c.Request()
	takePrefetched(req)
	if isMultipart(c) && currentUser(c).ID == 0 && req.Header.ContentLength() != 0 {
		return models.Errorf(models.ErrUnauthorized, "log in first")
	}
	taken, err := readBody(c, limit)
	if err != nil {
		return err
	}
	defer rawBudget.Release(taken)
	body := req.Body()
	if header == "" {
		if len(body) > limit {
			return tooLarge(limit)
		}
		return c.Next()
	}
	codings := strings.Split(header, ",")
	if len(codings) > maxCodings {
		return &models.Error{Code: models.ErrMalformed, Reason: "unsupported_content_encoding",
			Message: fmt.Sprintf("at most %d content codings are undone", maxCodings)}
	}
	for i := len(codings) - 1; i >= 0; i-- { // the last coding applied is undone first
		coding := strings.ToLower(strings.TrimSpace(codings[i]))
		var r io.Reader
		var err error
		switch coding {
		case "identity", "":
			continue
		case "gzip", "x-gzip":
			r, err = gzip.NewReader(bytes.NewReader(body))
		case "deflate":
			r, err = zlib.NewReader(bytes.NewReader(body))
		case "br":
			r = brotli.NewReader(bytes.NewReader(body))
		default:
			return &models.Error{Code: models.ErrMalformed, Reason: "unsupported_content_encoding",
				Message: "Content-Encoding " + coding + " is not supported; send gzip, deflate, br or no encoding"}
		}
		if err != nil {
			return models.Errorf(models.ErrMalformed, "the %s body cannot be decompressed: %v", coding, err)
		}
		// Each layer's buffer is allocated whole from the budget, which it holds until the
		// request ends: growing it by doubling would make garbage the budget does not see.
		if err := takeBudget(c, int64(limit)+1); err != nil {
			return err
		}
		defer bodyBudget.Release(int64(limit) + 1)
		out := make([]byte, limit+1)
		n, err := io.ReadFull(r, out)
		if n > limit {
			return tooLarge(limit)
		}
		if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
			return models.Errorf(models.ErrMalformed, "the %s body cannot be decompressed: %v", coding, err)
		}
		body = out[:n]
	}
	if len(body) > limit { // identity only: the raw body was over the limit
		return tooLarge(limit)
	}
	c.Request().SetBodyRaw(body) // contentCodings has removed Content-Encoding
	c.Request().Header.SetContentLength(len(body))
	return c.Next()
}

// readBody reads a streamed body of at most limit bytes into a buffer allocated whole from
// rawBudget (its declared Content-Length, or limit+1 for a chunked body) and makes it the
// request's body; it returns how much of rawBudget it took, for the caller to release when the
// request ends. A declared length over limit is refused with 413 before any of the body is
// read, a chunked body once it passes limit. A body that stops arriving fails when the
// server's ReadTimeout, counted from the start of the request, passes.
func readBody(c *fiber.Ctx, limit int) (int64, error) {
	req := c.Request()
	if !req.IsBodyStream() {
		return 0, nil
	}
	declared := req.Header.ContentLength()
	if declared > limit {
		return 0, tooLarge(limit)
	}
	size := declared
	if declared < 0 {
		size = limit + 1
	}
	if err := takeFrom(c, rawBudget, int64(size)); err != nil {
		return 0, err
	}
	buf := make([]byte, size)
	n, err := readAll(req.BodyStream(), buf)
	if err != nil || (declared >= 0 && n < declared) {
		rawBudget.Release(int64(size))
		return 0, &models.Error{Code: models.ErrMalformed, Reason: "body_incomplete", Message: "the body did not arrive whole"}
	}
	if n > limit {
		rawBudget.Release(int64(size))
		return 0, tooLarge(limit)
	}
	req.SetBodyRaw(buf[:n])
	return int64(size), nil
}

// readAll reads r into buf until r ends or buf is full, whichever is first.
func readAll(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func tooLarge(limit int) error {
	return models.Errorf(models.ErrTooLarge, "the body is larger than this route takes (at most %d bytes, after decompression)", limit)
}

// checkText refuses a request whose query or form text holds a NUL byte or is not UTF-8,
// naming the field, before any of it reaches a handler or the database (PostgreSQL refuses
// such text with an error). JSON bodies are checked as they are decoded (decodeJSON);
// multipart forms after authentication (checkMultipart), so no stranger's form is parsed.
func checkText(c *fiber.Ctx) error {
	bad := map[string]string{}
	visit := func(key, value []byte) {
		if !cleanText(key) {
			bad["query"] = textProblem
		} else if !cleanText(value) {
			bad[string(key)] = textProblem
		}
	}
	c.Request().URI().QueryArgs().VisitAll(visit)
	ct := strings.ToLower(c.Get(fiber.HeaderContentType))
	switch {
	case strings.HasPrefix(ct, fiber.MIMEApplicationForm):
		c.Request().PostArgs().VisitAll(visit)
	case strings.HasPrefix(ct, fiber.MIMEApplicationJSON):
		if !utf8.Valid(c.Request().Body()) {
			return &models.Error{Code: models.ErrMalformed, Message: "the JSON body is not valid UTF-8", Fields: map[string]string{"body": textProblem}}
		}
	}
	if err := textRefused(bad); err != nil {
		return err
	}
	return c.Next()
}

// checkMultipart runs after authenticate: a multipart body from a caller who is not logged in
// is refused unread; a logged-in caller's form is parsed (its size taken from bodyBudget for
// as long as the request holds it) and every value and file name checked like checkText's.
func checkMultipart(c *fiber.Ctx) error {
	if !isMultipart(c) {
		return c.Next()
	}
	if currentUser(c).ID == 0 {
		return models.Errorf(models.ErrUnauthorized, "log in first")
	}
	size := int64(len(c.Request().Body()))
	if err := takeBudget(c, size); err != nil {
		return err
	}
	defer bodyBudget.Release(size)
	form, err := c.MultipartForm()
	if err != nil {
		return models.Errorf(models.ErrMalformed, "the multipart body cannot be read: %v", err)
	}
	bad := map[string]string{}
	for k, vs := range form.Value {
		for _, v := range vs {
			if !cleanText([]byte(k)) {
				bad["body"] = textProblem
			} else if !cleanText([]byte(v)) {
				bad[k] = textProblem
			}
		}
	}
	for k, fhs := range form.File {
		for _, fh := range fhs {
			if !cleanText([]byte(k)) {
				bad["body"] = textProblem
			} else if !cleanText([]byte(fh.Filename)) {
				bad[k] = "the file name " + textProblem
			}
		}
	}
	if err := textRefused(bad); err != nil {
		return err
	}
	return c.Next()
}

// textRefused is the 400 naming the fields of bad, or nil when there are none.
func textRefused(bad map[string]string) error {
	if len(bad) == 0 {
		return nil
	}
	names := make([]string, 0, len(bad))
	for k := range bad {
		names = append(names, k)
	}
	sort.Strings(names)
	return &models.Error{Code: models.ErrMalformed, Reason: "invalid_text",
		Message: "text must be UTF-8 without NUL bytes: " + strings.Join(names, ", "), Fields: bad}
}

// textProblem is the field error for text with NUL bytes or invalid UTF-8.
const textProblem = "must be UTF-8 text without NUL bytes"

func cleanText(b []byte) bool { return utf8.Valid(b) && bytes.IndexByte(b, 0) < 0 }

// securityHeaders keeps pages out of frames on other sites and stops browsers guessing types.
func securityHeaders(c *fiber.Ctx) error {
	c.Set(fiber.HeaderXFrameOptions, "DENY")
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderContentSecurityPolicy, "frame-ancestors 'none'")
	c.Set(fiber.HeaderReferrerPolicy, "same-origin")
	return c.Next()
}

// trustedProxies is the set of peers whose X-Forwarded-For is believed (PORTAL_TRUSTED_PROXIES).
type trustedProxies []*net.IPNet

func parseTrustedProxies(list []string) trustedProxies {
	var out trustedProxies
	for _, p := range list {
		if !strings.Contains(p, "/") {
			if ip := net.ParseIP(p); ip != nil {
				bits := 128
				if ip.To4() != nil {
					ip, bits = ip.To4(), 32
				}
				out = append(out, &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)})
			}
			continue
		}
		if _, n, err := net.ParseCIDR(p); err == nil {
			out = append(out, n)
		}
	}
	return out
}

func (t trustedProxies) has(ip net.IP) bool {
	for _, n := range t {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

// clientIP is the address a request came from: the peer, or, when the peer is a trusted
// proxy, the nearest address in X-Forwarded-For that is not one (the entries to its left
// are whatever the client wrote, so they are never believed). Every X-Forwarded-For line
// counts: HAProxy's option forwardfor adds its own line after the client's, and reading
// only the first line would read only what the client wrote.
func (t trustedProxies) clientIP(c *fiber.Ctx) string {
	peer := c.Context().RemoteIP()
	if len(t) == 0 || !t.has(peer) {
		return peer.String()
	}
	hops := strings.Split(headerList(c, fiber.HeaderXForwardedFor), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		ip := net.ParseIP(strings.TrimSpace(hops[i]))
		if ip == nil {
			break
		}
		if !t.has(ip) {
			return ip.String()
		}
	}
	return peer.String()
}
