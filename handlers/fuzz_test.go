package handlers

import (
	"strings"
	"testing"
)

// fuzzRoutes are the anonymous routes that read a body: what anyone on the internet can send.
var fuzzRoutes = []string{"/api/v1/auth/login", "/api/v1/auth/register", "/api/v1/jobs/1/reports", "/api/v1/public/claims/1/objections", "/login", "/register"}

// FuzzRequestDecoding sends arbitrary bodies, content types and encodings to the public
// routes: whatever arrives, the answer is never a 500, and an API error is a problem.
func FuzzRequestDecoding(f *testing.F) {
	f.Add(uint8(0), "application/json", "", []byte(`{"phone":"13900000001","password":"x"}`))
	f.Add(uint8(1), "application/json", "gzip", []byte{0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0})
	f.Add(uint8(2), "application/json", "", []byte(`{"reason":"\u0000"}`))
	f.Add(uint8(4), "application/x-www-form-urlencoded", "", []byte("phone=%ff&password=%00"))
	f.Add(uint8(5), "multipart/form-data; boundary=x", "deflate", []byte("--x\r\n"))
	h := newHarness(f, harnessOpts{})
	f.Fuzz(func(t *testing.T, route uint8, contentType, encoding string, body []byte) {
		path := fuzzRoutes[int(route)%len(fuzzRoutes)]
		headers := map[string]string{}
		if encoding != "" && !strings.ContainsAny(encoding, "\r\n\x00") {
			headers["Content-Encoding"] = encoding
		}
		if strings.ContainsAny(contentType, "\r\n\x00") {
			contentType = ""
		}
		r := h.on(t).do(req{method: "POST", path: path, raw: body, contentType: contentType, headers: headers})
		if r.status >= 500 {
			t.Fatalf("POST %s (%q, %q): %d %s", path, contentType, encoding, r.status, r.body)
		}
		if strings.HasPrefix(path, "/api/") && r.status >= 400 && !strings.HasPrefix(r.header.Get("Content-Type"), "application/problem+json") {
			t.Fatalf("POST %s: %d without problem details: %s", path, r.status, r.body)
		}
	})
}

// FuzzSearchParameters sends arbitrary query strings to the public search against a real
// Meilisearch: a bad parameter is a 4xx problem, never a 500 or a filter Meilisearch refuses.
func FuzzSearchParameters(f *testing.F) {
	for _, q := range []string{"q=焊工", "town_id=1&salary_min=5000&sort=newest", "zone=professional_town&page=2&per_page=5",
		"industry=%22+OR+town_id+!%3D+%22", "near_town_id=3&radius_km=50", "education=大专&employment_type=full_time", "page=-1", "q=%00"} {
		f.Add(q)
	}
	h := newHarness(f, harnessOpts{indexing: true})
	f.Fuzz(func(t *testing.T, query string) {
		if len(query) > 2000 || strings.ContainsFunc(query, func(r rune) bool { return r <= ' ' || r == '#' || r == 0x7f }) {
			return // not a query string a client can put on a request line
		}
		r := h.on(t).do(req{method: "GET", path: "/api/v1/jobs?" + query})
		if r.status >= 500 {
			t.Fatalf("GET /api/v1/jobs?%s: %d %s", query, r.status, r.body)
		}
	})
}
