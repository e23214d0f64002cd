package handlers

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"portal/internal/testsvc"
	"portal/models"
)

// TestRefusedUploadsLeaveNothingStored sends ten uploads that are refused for ten reasons and
// checks that no scan and no employment record is left, in the folder (SQLite) or in the
// database (PostgreSQL); then a good one is stored and served.
func TestRefusedUploadsLeaveNothingStored(t *testing.T) {
	for _, db := range testsvc.Databases(t) {
		t.Run(db.Name, func(t *testing.T) {
			clock := newClock(time.Date(2025, 5, 1, 10, 0, 0, 0, models.China))
			h := newHarness(t, harnessOpts{databaseURL: db.Resolve(t), clock: clock})
			h.app.filesDir = t.TempDir()
			rev := h.account(models.RoleReviewer, "13600001909")
			prov := h.verifiedProvider("13600001901", "MA0D1901")
			other := h.verifiedProvider("13600001902", "MA0D1902")
			seeker := h.account(models.RoleSeeker, "13600001903")
			serial := 300
			prog := h.trainedProgram(prov, rev, "法兰焊接班", "定襄法兰专业镇", 1, 0, &serial)
			done := h.store.DB(t.Context()).Raw("SELECT id FROM enrolments WHERE program_id = ?", prog)
			var completed int64
			if err := done.Scan(&completed).Error; err != nil || completed == 0 {
				t.Fatalf("enrolment %d %v", completed, err)
			}
			r := h.do(req{method: "POST", path: "/api/v1/programs/" + prog + "/enrolments", token: prov.Token, body: map[string]any{"name": "未结业", "id_number": idNumber(399)}})
			if r.status != 201 {
				t.Fatalf("%d %s", r.status, r.body)
			}
			enrolled := int64(r.json(t)["id"].(float64))
			good := map[string]string{"employer_name": "定襄宏达法兰锻造有限公司", "evidence_type": "agreement", "evidence_no": "HT-9", "start_on": "2025-04-20"}
			with := func(k, v string) map[string]string {
				f := map[string]string{}
				for kk, vv := range good {
					f[kk] = vv
				}
				f[k] = v
				return f
			}
			pdf := func(i int) []byte { return fmt.Appendf(nil, "%%PDF-1.4\n%% scan %d\n%%%%EOF\n", i) }
			refused := []struct {
				name   string
				token  string
				id     int64
				fields map[string]string
				file   []byte
				status int
			}{
				{"an unknown enrolment", prov.Token, 999999, good, pdf(1), 404},
				{"another provider's enrolment", other.Token, completed, good, pdf(2), 403},
				{"a seeker", seeker.Token, completed, good, pdf(3), 403},
				{"no login", "", completed, good, pdf(4), 401},
				{"a trainee who has not completed", prov.Token, enrolled, good, pdf(5), 422},
				{"a text file posing as a PDF", prov.Token, completed, good, []byte("not a scan at all"), 422},
				{"over 10 MB", prov.Token, completed, good, append(pdf(7), bytes.Repeat([]byte("0"), 10<<20)...), 413},
				{"no employer name (refused after the scan was stored)", prov.Token, completed, with("employer_name", ""), pdf(8), 422},
				{"a start before the program (refused after the scan was stored)", prov.Token, completed, with("start_on", "2024-01-01"), pdf(9), 422},
				{"a bad evidence type (refused after the scan was stored)", prov.Token, completed, with("evidence_type", "rumour"), pdf(10), 422},
			}
			for _, tc := range refused {
				body, ct := multipartBody(t, tc.fields, tc.file)
				r := h.do(req{method: "POST", path: "/api/v1/enrolments/" + itoa(tc.id) + "/employment", token: tc.token, raw: body, contentType: ct})
				if r.status != tc.status {
					t.Errorf("%s: %d %s, want %d", tc.name, r.status, r.body, tc.status)
				}
			}
			stored := func() (files int, rows, records int64) {
				entries, err := os.ReadDir(filepath.Join(h.app.filesDir, "evidence"))
				if err != nil && !os.IsNotExist(err) {
					t.Fatal(err)
				}
				if err := h.store.DB(t.Context()).Raw("SELECT COUNT(*) FROM stored_files").Scan(&rows).Error; err != nil {
					t.Fatal(err)
				}
				if err := h.store.DB(t.Context()).Raw("SELECT COUNT(*) FROM employment_records WHERE file_sha256 <> ''").Scan(&records).Error; err != nil {
					t.Fatal(err)
				}
				return len(entries), rows, records
			}
			if files, rows, records := stored(); files != 0 || rows != 0 || records != 0 {
				t.Fatalf("after 10 refused uploads: %d files, %d stored rows, %d records with a scan", files, rows, records)
			}
			t.Run("a good upload is kept once and served back", func(t *testing.T) {
				body, ct := multipartBody(t, good, pdf(11))
				if r := h.do(req{method: "POST", path: "/api/v1/enrolments/" + itoa(completed) + "/employment", token: prov.Token, raw: body, contentType: ct}); r.status != 201 {
					t.Fatalf("%d %s", r.status, r.body)
				}
				files, rows, records := stored()
				if files+int(rows) != 1 || records != 1 {
					t.Fatalf("%d files, %d rows, %d records", files, rows, records)
				}
				r := h.do(req{method: "GET", path: "/api/v1/enrolments/" + itoa(completed) + "/evidence", token: rev.Token})
				if r.status != 200 || !bytes.Equal(r.body, pdf(11)) {
					t.Fatalf("%d %q", r.status, r.body)
				}
			})
		})
	}
}

// TestTheClaimPageLinksOnlyScansThatExist: of two employed trainees, one with an uploaded
// scan and one without, the reviewer's claim page links the scan of the first (and the link
// serves it) and says 未上传 for the second, instead of a link that answers 404.
func TestTheClaimPageLinksOnlyScansThatExist(t *testing.T) {
	clock := newClock(time.Date(2025, 5, 1, 10, 0, 0, 0, models.China))
	h := newHarness(t, harnessOpts{clock: clock})
	h.app.filesDir = t.TempDir()
	rev := h.account(models.RoleReviewer, "13600001919")
	prov := h.verifiedProvider("13600001911", "MA0D1911")
	serial := 310
	prog := h.trainedProgram(prov, rev, "法兰焊接班", "定襄法兰专业镇", 2, 2, &serial)
	var ids []int64
	if err := h.store.DB(t.Context()).Raw("SELECT id FROM enrolments WHERE program_id = ? ORDER BY id", prog).Scan(&ids).Error; err != nil || len(ids) != 2 {
		t.Fatalf("enrolments %v %v", ids, err)
	}
	scan := []byte("%PDF-1.4\n% signed agreement\n%%EOF\n")
	body, ct := multipartBody(t, map[string]string{"employer_name": "定襄宏达法兰锻造有限公司", "evidence_type": "agreement",
		"evidence_no": "HT-311", "start_on": "2025-04-20"}, scan)
	if r := h.do(req{method: "POST", path: "/api/v1/enrolments/" + itoa(ids[0]) + "/employment", token: prov.Token, raw: body, contentType: ct}); r.status != 201 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	h.must(200, req{method: "POST", path: "/api/v1/programs/" + prog + "/close", token: prov.Token})
	claim := h.must(201, req{method: "POST", path: "/api/v1/programs/" + prog + "/claims", token: prov.Token})
	page := string(h.do(req{method: "GET", path: "/console/claims/" + itoa(int64(claim["id"].(float64))), cookie: rev.Token,
		headers: map[string]string{"Accept": "text/html"}}).body)
	link := `href="/api/v1/enrolments/` + itoa(ids[0]) + `/evidence"`
	if strings.Count(page, "/evidence\"") != 1 || !strings.Contains(page, link) || strings.Count(page, "未上传") != 1 {
		t.Fatalf("want one link (%s) and one 未上传:\n%s", link, visibleText(page))
	}
	if r := h.do(req{method: "GET", path: "/api/v1/enrolments/" + itoa(ids[0]) + "/evidence", token: rev.Token}); r.status != 200 || !bytes.Equal(r.body, scan) {
		t.Fatalf("the linked scan: %d %q", r.status, r.body)
	}
}
