package handlers

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"io"
	"net"
	"strings"
	"unicode/utf8"

	"github.com/andybalholm/brotli"
	"github.com/gofiber/fiber/v2"

	"portal/models"
)

// bodyLimit bounds a request body as it arrives and again after it is decompressed (SPEC §7).
const bodyLimit = 11 << 20

// inflateBody decompresses a body sent with Content-Encoding through a reader that stops at
// bodyLimit, so a small body that inflates to gigabytes is refused with 413 having used at
// most bodyLimit of memory. The handlers then see a plain body and no Content-Encoding, so
// neither Fiber's Body() nor the multipart parser inflates anything themselves.
func inflateBody(c *fiber.Ctx) error {
	header := strings.TrimSpace(c.Get(fiber.HeaderContentEncoding))
	if header == "" {
		return c.Next()
	}
	body := c.Request().Body()
	codings := strings.Split(header, ",")
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
		var out bytes.Buffer
		n, err := io.Copy(&out, io.LimitReader(r, bodyLimit+1))
		if n > bodyLimit {
			return models.Errorf(models.ErrTooLarge, "the body inflates to more than %d bytes", bodyLimit)
		}
		if err != nil {
			return models.Errorf(models.ErrMalformed, "the %s body cannot be decompressed: %v", coding, err)
		}
		body = out.Bytes()
	}
	c.Request().SetBodyRaw(body)
	c.Request().Header.Del(fiber.HeaderContentEncoding)
	c.Request().Header.SetContentLength(len(body))
	return c.Next()
}

// checkText refuses a request whose query or form text holds a NUL byte or is not UTF-8,
// naming the field, before any of it reaches a handler or the database (PostgreSQL refuses
// such text with an error). JSON bodies are checked as they are decoded (decodeJSON).
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
	case strings.HasPrefix(ct, fiber.MIMEMultipartForm):
		if form, err := c.MultipartForm(); err == nil {
			for k, vs := range form.Value {
				for _, v := range vs {
					visit([]byte(k), []byte(v))
				}
			}
		}
	case strings.HasPrefix(ct, fiber.MIMEApplicationJSON):
		if !utf8.Valid(c.Request().Body()) {
			return &models.Error{Code: models.ErrMalformed, Message: "the JSON body is not valid UTF-8", Fields: map[string]string{"body": textProblem}}
		}
	}
	if len(bad) > 0 {
		names := make([]string, 0, len(bad))
		for k := range bad {
			names = append(names, k)
		}
		return &models.Error{Code: models.ErrMalformed, Reason: "invalid_text",
			Message: "text must be UTF-8 without NUL bytes: " + strings.Join(names, ", "), Fields: bad}
	}
	return c.Next()
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
// are whatever the client wrote, so they are never believed).
func (t trustedProxies) clientIP(c *fiber.Ctx) string {
	peer := c.Context().RemoteIP()
	if len(t) == 0 || !t.has(peer) {
		return peer.String()
	}
	hops := strings.Split(c.Get(fiber.HeaderXForwardedFor), ",")
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
