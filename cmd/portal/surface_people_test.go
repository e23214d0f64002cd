package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"mime/multipart"
	"os"
	"path/filepath"
	"testing"
	"time"

	"portal/models"
	"portal/personal"
)

// peopleAndFilesChecks are the items of "Harden the public surface" about people and files,
// against the real program with the demo data: a seeker enrols only as itself, a withdrawn
// application never blocks the person (item 7), and a refused upload leaves no file behind
// (item 9). TestPublicSurface runs them on SQLite and PostgreSQL.
func peopleAndFilesChecks(t *testing.T, s *surface, env map[string]string) {
	prov := s.login(t, "13900000020", models.DemoPassword)
	running := demoProgram(t, s, prov, "【演示】法兰数控车工班(进行中)")
	const from = "203.0.113.40"
	seeker := func(phone, name, id string) string {
		t.Helper()
		s.api(t, "POST", "/api/v1/auth/register", "", from, map[string]any{"role": "seeker", "phone": phone, "password": "password1", "name": name}).want(t, 201)
		tok := s.login(t, phone, "password1")
		if id != "" {
			s.api(t, "PUT", "/api/v1/me/identity", tok, "", map[string]any{"name": name, "id_number": id}).want(t, 201)
		}
		return tok
	}
	numberOf := func(n int) string { return personal.MakeIDNumber(fmt.Sprintf("14010519920315%03d", n)) }
	jia, yi, ding := numberOf(101), numberOf(102), numberOf(104)
	jiaTok := seeker("13700000101", "张甲明", jia)
	yiTok := seeker("13700000102", "李乙华", yi)
	apply := func(tok string, body map[string]any) reply {
		return s.api(t, "POST", "/api/v1/programs/"+running+"/enrolments", tok, "", body)
	}

	t.Run("a seeker who sends another person's name and number is enrolled as itself", func(t *testing.T) {
		e := apply(yiTok, map[string]any{"name": "张甲明", "id_number": jia}).want(t, 201)
		if e["name"] != "李乙华" || e["id_number_masked"] != personal.MaskIDNumber(yi) || e["status"] != "applied" {
			t.Fatalf("the application carries %v %v %v, want 李乙华 %s applied", e["name"], e["id_number_masked"], e["status"], personal.MaskIDNumber(yi))
		}
		t.Run("so the person named is not blocked and joins as itself", func(t *testing.T) {
			mine := apply(jiaTok, nil).want(t, 201)
			if mine["name"] != "张甲明" || mine["id_number_masked"] != personal.MaskIDNumber(jia) {
				t.Fatalf("%v", mine)
			}
		})
		t.Run("and once the provider withdraws the application, the seeker may apply again", func(t *testing.T) {
			s.api(t, "POST", fmt.Sprintf("/api/v1/enrolments/%d/withdraw", int64(e["id"].(float64))), prov, "", nil).want(t, 200)
			again := apply(yiTok, nil).want(t, 201)
			if again["id"] == e["id"] || again["status"] != "applied" {
				t.Fatalf("again: %v (first %v)", again, e["id"])
			}
		})
	})
	t.Run("a seeker without an identity is asked for one, whatever it sends", func(t *testing.T) {
		tok := seeker("13700000103", "王丙", "")
		apply(tok, map[string]any{"name": "张甲明", "id_number": jia}).problem(t, 422, "identity_required")
	})
	t.Run("a person the provider enrolled and withdrew may later join as a seeker", func(t *testing.T) {
		e := apply(prov, map[string]any{"name": "赵丁", "id_number": ding}).want(t, 201)
		s.api(t, "POST", fmt.Sprintf("/api/v1/enrolments/%d/withdraw", int64(e["id"].(float64))), prov, "", nil).want(t, 200)
		tok := seeker("13700000104", "赵丁", ding)
		if mine := apply(tok, nil).want(t, 201); mine["id_number_masked"] != personal.MaskIDNumber(ding) {
			t.Fatalf("%v", mine)
		}
	})

	t.Run("refused uploads leave no file behind", func(t *testing.T) {
		// a trainee of the running class completes (an ended class with a claim keeps its
		// evidence as it is: 409 claim_submitted, whatever the file)
		completed := ""
		for _, x := range s.api(t, "GET", "/api/v1/programs/"+running+"/enrolments", prov, "", nil).want(t, 200)["enrolments"].([]any) {
			if e := x.(map[string]any); e["status"] == "enrolled" {
				completed = fmt.Sprint(int64(e["id"].(float64)))
				break
			}
		}
		if completed == "" {
			t.Fatal("the demo's running class has no enrolled trainee")
		}
		s.api(t, "POST", "/api/v1/enrolments/"+completed+"/complete", prov, "", map[string]any{"passed": true}).want(t, 200)
		s.api(t, "POST", "/api/v1/auth/register", "", from, map[string]any{"role": "provider", "phone": "13700000120", "password": "password1", "name": "别家培训学校"}).want(t, 201)
		other := s.login(t, "13700000120", "password1")
		s.api(t, "POST", "/api/v1/providers", other, "", map[string]any{"name": "忻州别家职业培训学校", "kind": "other", "uscc": shapeUSCC("MA0H0120")}).want(t, 201)

		stored := storedFiles(t, env)
		good := map[string]string{"employer_name": "定襄宏达法兰锻造有限公司", "evidence_type": "agreement", "evidence_no": "HT-77", "start_on": models.Today(time.Now())}
		upload := func(tok, enrolment string, fields map[string]string, file []byte) reply {
			var buf bytes.Buffer
			w := multipart.NewWriter(&buf)
			for k, v := range fields {
				_ = w.WriteField(k, v)
			}
			fw, _ := w.CreateFormFile("evidence_file", "就业协议.pdf")
			_, _ = fw.Write(file)
			_ = w.Close()
			return s.send(t, "POST", "/api/v1/enrolments/"+enrolment+"/employment",
				map[string]string{"Authorization": "Bearer " + tok, "Content-Type": w.FormDataContentType()}, buf.Bytes())
		}
		scan := func(i int) []byte { return fmt.Appendf(nil, "%%PDF-1.4\n%% agreement %d\n%%%%EOF\n", i) }
		bad := map[string]string{}
		for k, v := range good {
			bad[k] = v
		}
		bad["evidence_type"] = "rumour"
		upload(prov, "99999999", good, scan(1)).problem(t, 404, "not_found")
		upload(other, completed, good, scan(2)).problem(t, 403, "forbidden")
		upload(prov, completed, good, []byte("a letter, not a scan")).want(t, 422)
		upload(prov, completed, bad, scan(3)).want(t, 422)
		if now := storedFiles(t, env); now != stored {
			t.Fatalf("after four refused uploads %d stored files, before %d", now, stored)
		}
		upload(prov, completed, good, scan(4)).want(t, 201)
		if now := storedFiles(t, env); now != stored+1 {
			t.Fatalf("after a good upload %d stored files, want %d", now, stored+1)
		}
	})
}

// demoProgram is the id of the demo provider's program of that name.
func demoProgram(t *testing.T, s *surface, prov, name string) string {
	t.Helper()
	for _, x := range s.api(t, "GET", "/api/v1/me/programs", prov, "", nil).want(t, 200)["programs"].([]any) {
		if p := x.(map[string]any); p["name"] == name {
			return fmt.Sprint(int64(p["id"].(float64)))
		}
	}
	t.Fatalf("no demo program %s", name)
	return ""
}

// storedFiles counts the evidence files the program keeps: in FILES_DIR and in the database
// (where PostgreSQL keeps them, so every process serves them).
func storedFiles(t *testing.T, env map[string]string) int {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(env["FILES_DIR"], "evidence"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	store, err := models.Open(context.Background(), env["DATABASE_URL"], []byte(env["PORTAL_SECRET"]), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	var rows int64
	if err := store.DB(t.Context()).Raw("SELECT COUNT(*) FROM stored_files").Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	return len(entries) + int(rows)
}
