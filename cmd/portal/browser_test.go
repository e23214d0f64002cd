package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"portal/internal/testsvc"
)

// browser starts a headless Chromium for one test, with the flags this sandbox needs (no
// background networking: outside connections are refused here).
func browser(t *testing.T) context.Context {
	t.Helper()
	path := testsvc.ChromiumPath(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(390, 844), // a phone
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// TestBrowserRegisterAndLogin registers an enterprise through the pages, logs out and logs in
// again, in a real Chromium against the real server.
func TestBrowserRegisterAndLogin(t *testing.T) {
	env := testEnv(t, "")
	for _, args := range [][]string{{"migrate"}, {"seed"}} {
		if out, err := command(t, env, "", args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	p := start(t, env)
	ctx := browser(t)

	err := chromedp.Do(ctx,
		chromedp.Navigate(p.base+"/"),
		chromedp.Click(`a[href="/register"]`),
		chromedp.WaitVisible(`form[action="/register"]`),
		chromedp.Click(`input[name="role"][value="enterprise"]`),
		chromedp.SendKeys(chromedp.ID("name"), "赵厂长"),
		chromedp.SendKeys(chromedp.ID("phone"), "13200000001"),
		chromedp.SendKeys(chromedp.ID("password"), "flange-2022"),
		chromedp.Submit(`form[action="/register"]`),
		chromedp.WaitVisible(`form[action="/console/enterprise/profile"]`),
	)
	if err != nil {
		t.Fatalf("register through the page: %v", err)
	}
	heading, header := text(t, ctx, `h1`), text(t, ctx, `header nav`)
	if heading != "企业工作台" || !strings.Contains(header, "赵厂长") || !strings.Contains(header, "退出") {
		t.Fatalf("after registering: heading %q, header %q", heading, header)
	}

	err = chromedp.Do(ctx,
		chromedp.Click(`form[action="/logout"] button`),
		chromedp.WaitVisible(`a[href="/login"]`),
		chromedp.Click(`a[href="/login"]`),
		chromedp.WaitVisible(`form[action="/login"]`),
		chromedp.SendKeys(chromedp.ID("phone"), "13200000001"),
		chromedp.SendKeys(chromedp.ID("password"), "wrong-password"),
		chromedp.Submit(`form[action="/login"]`),
		chromedp.WaitVisible(`[role="alert"]`),
	)
	if err != nil {
		t.Fatalf("log out and try a wrong password: %v", err)
	}
	if alert := text(t, ctx, `[role="alert"]`); !strings.Contains(alert, "手机号或密码不正确") {
		t.Fatalf("wrong password shows %q", alert)
	}

	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("password"), "flange-2022"),
		chromedp.Submit(`form[action="/login"]`),
		chromedp.WaitVisible(`form[action="/console/enterprise/profile"]`),
	)
	if err != nil {
		t.Fatalf("log in through the page: %v", err)
	}
	if heading := text(t, ctx, `h1`); heading != "企业工作台" {
		t.Fatalf("after login: %q", heading)
	}
}

// text reads the visible text of the first element matching a CSS selector.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(sel))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}
