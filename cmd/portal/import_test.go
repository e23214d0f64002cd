package main

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"portal/models"
)

// TestImportAndReindex imports a CSV with good and bad rows through the command line, finds
// the good ones in search, then rebuilds the index with `portal reindex` and finds them again.
func TestImportAndReindex(t *testing.T) {
	env := testEnv(t, "")
	for _, args := range [][]string{{"migrate"}, {"seed", "--demo"}} {
		if out, err := command(t, env, "", args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	expires := models.Today(time.Now().AddDate(0, 0, 20))
	tooLate := models.Today(time.Now().AddDate(0, 0, 120))
	csv := "title,description,occupation,town_id,salary_min,salary_max,headcount,education,employment_type,expires_on\n" +
		"模具钳工,\"负责冲压模具装配与维修,两班倒。\",钳工,1,6000,9000,2,中专,full_time," + expires + "\n" +
		"汽车维修工,\"负责厂区车辆保养维修,持证上岗。\",汽车维修工,1,5000,7000,1,不限,full_time," + expires + "\n" +
		"理货员,\"负责成品理货,限男性。\",仓储管理员,1,4500,6000,1,高中,full_time," + expires + "\n" +
		"包装工,\"负责成品包装入库,长白班。\",普工,1,4000,3000,3,不限,full_time," + expires + "\n" +
		"育婴员,\"负责婴幼儿日常照护,住家。\",育婴员,1,5000,8000,1,初中,part_time," + tooLate + "\n" +
		"仓管员,\"负责仓库收发存管理工作。\",仓储管理员,999,4000,5000,1,高中,full_time," + expires + "\n" +
		"电工,\"负责厂区电气维修,持电工证。\",电工,1,abc,8000,1,中专,full_time," + expires + "\n"
	file := filepath.Join(t.TempDir(), "jobs.csv")
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := command(t, env, "", "import", "jobs", file, "--enterprise", "1", "--quiet")
	if err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	for _, want := range []string{
		"line 4: description contains the discriminatory term 「限男性」",
		"line 5: salary_max must not be below salary_min",
		"line 6: expires_on must be at most 90 days ahead",
		"line 7: town_id no such town",
		"line 8: salary_min must be a whole number",
		"imported 2 postings", "5 bad rows skipped", "indexed in",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("import output lacks %q:\n%s", want, out)
		}
	}

	p := start(t, env)
	eventually(t, "the portal answers searches", func() bool { return p.call("GET", "/api/v1/jobs", "", nil).status == 200 })
	found := func(q string) int {
		return len(p.call("GET", "/api/v1/jobs?q="+url.QueryEscape(q), "", nil).must(t, 200)["hits"].([]any))
	}
	if found("钳工") != 1 || found("汽车维修") != 1 || found("理货") != 0 {
		t.Fatalf("after import: 钳工 %d, 汽车维修 %d, 理货 %d", found("钳工"), found("汽车维修"), found("理货"))
	}
	out, err = command(t, env, "", "reindex")
	if err != nil || !strings.Contains(out, "reindexed 10 open postings") {
		t.Fatalf("reindex: %v\n%s", err, out)
	}
	if found("钳工") != 1 || found("汽车维修") != 1 || found("理货") != 0 {
		t.Fatal("search after the reindex lost postings")
	}
	t.Run("reindex --node rebuilds one node of MEILI_URL and refuses another", func(t *testing.T) {
		out, err := command(t, env, "", "reindex", "--node", env["MEILI_URL"])
		if err != nil || !strings.Contains(out, "reindexed 10 open postings on "+env["MEILI_URL"]) {
			t.Fatalf("reindex --node: %v\n%s", err, out)
		}
		if _, err := command(t, env, "", "reindex", "--node", "http://127.0.0.1:1"); err == nil || !strings.Contains(err.Error(), "not one of MEILI_URL") {
			t.Fatalf("an unknown node: %v", err)
		}
	})
}

// eventually polls until cond holds; the deadline only bounds a broken run.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never happened: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
