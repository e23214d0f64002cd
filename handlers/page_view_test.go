package handlers

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"html/template"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"portal/models"
)

// fill gives every field of v a value: strings "x", numbers 1, true booleans, one element in
// every slice and map, a value behind every pointer, so every {{if}} and {{range}} of a
// template runs and a field name it mistypes fails.
func fill(v reflect.Value, depth int) {
	if depth > 6 {
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString("2026-12-01")
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(1)
	case reflect.Float64:
		v.SetFloat(1)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fill(p.Elem(), depth+1)
		v.Set(p)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fill(s.Index(0), depth+1)
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(k, depth+1)
		fill(e, depth+1)
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			v.Set(reflect.ValueOf(time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)))
			return
		}
		if v.Type() == reflect.TypeOf(url.Values{}) {
			return
		}
		for i := range v.NumField() {
			if f := v.Field(i); f.CanSet() {
				fill(f, depth+1)
			}
		}
	}
}

func TestEveryPageTemplateRunsOnItsView(t *testing.T) {
	set, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	for name, zero := range pageViews() {
		t.Run(name+" renders on its zero view and on a full one", func(t *testing.T) {
			for _, full := range []bool{false, true} {
				v := reflect.New(reflect.TypeOf(zero).Elem())
				if full {
					fill(v.Elem(), 0)
				}
				var buf bytes.Buffer
				if err := set.templates[name].ExecuteTemplate(&buf, "base", v.Interface()); err != nil {
					t.Fatalf("full=%v: %v", full, err)
				}
			}
		})
	}
	t.Run("a mistyped field fails to render", func(t *testing.T) {
		tp := template.Must(template.New("x").Option("missingkey=error").Parse(`{{.Page.Titel}}`))
		if err := tp.Execute(&bytes.Buffer{}, &homeView{}); err == nil {
			t.Fatal("a mistyped field rendered")
		}
	})
}

func TestEveryRefusalReadsInChinese(t *testing.T) {
	latin := regexp.MustCompile(`[A-Za-z]{3,}`)
	t.Run("every reason the models answer with has its sentence", func(t *testing.T) {
		for _, reason := range []string{"discriminatory_term", "announcement_open", "employment_target_not_met", "no_policy_in_force", "fair_over",
			"program_not_ended", "policy_window_overlap", "uscc_taken", "phone_taken", "csrf", "program_ended"} {
			if _, ok := refusals[reason]; !ok {
				t.Errorf("no sentence for %s", reason)
			}
		}
		for k, s := range refusals {
			if latin.MatchString(s.fill("")) {
				t.Errorf("%s: %q is not Chinese", k, s)
			}
		}
	})
	t.Run("a refusal names the term or the date it is about", func(t *testing.T) {
		job := &models.Error{Code: models.ErrRule, Reason: "discriminatory_term", Message: "description contains the discriminatory term 「限男性」; …",
			Fields: map[string]string{"description": "contains the discriminatory term 「限男性」"}}
		pp := pageProblemOf(job)
		if pp.Sentence != "岗位信息含有歧视性用语“限男性”,请删除后再发布。" || pp.Fields["description"] != "含有歧视性用语“限男性”" {
			t.Fatalf("%+v", pp)
		}
		pay := pageProblemOf(models.RuleError("announcement_open", "the public announcement runs until 2026-12-06; pay after it closes"))
		if !strings.Contains(pay.Sentence, "2026-12-06") {
			t.Fatalf("%+v", pay)
		}
		rate := pageProblemOf(models.RuleError("employment_target_not_met", "the employment rate is 60%, below the 80% target; 1 more completer(s) must be employed"))
		if rate.Sentence != "就业率 60% 未达到 80% 的要求,暂不能申请补贴。" {
			t.Fatalf("%+v", rate)
		}
	})
	t.Run("every validation rule of a form reads in Chinese", func(t *testing.T) {
		for _, in := range []any{models.RegisterInput{Phone: "12", Password: "1234", Name: " x"}, models.JobInput{SalaryMin: -1, Education: "x", ExpiresOn: "1999-01-01"},
			models.FairInput{Name: "x"}, models.ProgramInput{}, models.EnterpriseInput{USCC: "91140000MA0D00011X"}} {
			pp := pageProblemOf(models.Validate(in))
			if len(pp.Fields) == 0 {
				t.Fatalf("%T: no field errors", in)
			}
			for f, msg := range pp.Fields {
				if latin.MatchString(msg) || msg == fieldFallback {
					t.Errorf("%T.%s: %q", in, f, msg)
				}
			}
		}
	})
	t.Run("every error page has a Chinese title and text", func(t *testing.T) {
		for _, status := range []int{400, 401, 403, 404, 409, 413, 422, 429, 500, 503} {
			title, text := errorPage(status)
			if title == "" || latin.MatchString(title+text) {
				t.Errorf("%d: %q %q", status, title, text)
			}
		}
	})
}

func TestAFlashOnlyTheServerSigned(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	token := strings.Repeat("ab", 16) // a CSRF cookie the visitor chose itself
	body, _ := json.Marshal(flashNote{Problem: "您的账户已冻结,请拨打 400-000-0000 解冻"})
	show := func(sig string) string {
		cookie := csrfCookie + "=" + token + "; " + flashCookie + "=s." + base64.RawURLEncoding.EncodeToString(body) + "." + sig
		return string(h.do(req{method: "GET", path: "/", headers: map[string]string{"Accept": "text/html", "Cookie": cookie}}).body)
	}
	// signed with the visitor's own token only, as anyone who can set the site's cookies could
	m := hmac.New(sha256.New, []byte("flash:"+token))
	m.Write(body)
	if page := show(base64.RawURLEncoding.EncodeToString(m.Sum(nil))); strings.Contains(page, "解冻") {
		t.Fatal("a flash signed without the server's key is shown")
	}
	// the server's own signature for this visitor is shown
	c := h.app.Fiber.AcquireCtx(&fasthttp.RequestCtx{})
	defer h.app.Fiber.ReleaseCtx(c)
	c.Request().Header.SetCookie(csrfCookie, token)
	if page := show(h.app.flashSignature(c, body)); !strings.Contains(page, "解冻") {
		t.Fatal("the server's own signed flash is not shown")
	}
}
