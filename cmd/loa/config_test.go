package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestREADMEListsEverySetting keeps the README's configuration table equal
// to what `loa config` prints, so no flag goes undocumented.
func TestREADMEListsEverySetting(t *testing.T) {
	var out bytes.Buffer
	if code := run(context.Background(), env{stdout: &out, stderr: &out, getenv: func(string) string { return "" }}, []string{"config"}); code != 0 {
		t.Fatalf("loa config: exit %d: %s", code, out.String())
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(readme, out.Bytes()) {
		t.Fatalf("README.md's configuration table differs from `loa config`; paste this:\n%s", out.String())
	}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n")[2:] {
		if strings.HasPrefix(line, "| – |") {
			t.Errorf("flag without an environment twin: %s", line)
		}
	}
}

// TestSegmentTwoSentences is the skeleton's contract with outside checks.
func TestSegmentTwoSentences(t *testing.T) {
	var out, errb bytes.Buffer
	e := env{stdin: strings.NewReader("Giá xăng tăng mạnh. Người dân lo lắng."), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	if code := run(context.Background(), e, []string{"segment"}); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if got := out.String(); got != "Giá xăng tăng mạnh.\nNgười dân lo lắng.\n" {
		t.Fatalf("segment printed %q", got)
	}
}

// TestBadCommandLines exit with 2 and say what is wrong.
func TestBadCommandLines(t *testing.T) {
	for _, args := range [][]string{{"nosuch"}, {"synth"}, {"synth", "--in", "x"}, {"serve", "--lease", "soon"}, {"segment", "extra"},
		{"serve", "--ondemand-origins", "https://bao.example.vn/tin"}, {"serve", "--ondemand-origins", "bao.example.vn"}, {"serve", "--ondemand-per-minute", "0"}} {
		var out, errb bytes.Buffer
		e := env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
		if code := run(context.Background(), e, args); code != 2 || errb.Len() == 0 {
			t.Errorf("%v: exit %d, stderr %q", args, code, errb.String())
		}
	}
	var out, errb bytes.Buffer
	e := env{stdin: strings.NewReader("   \n "), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	if code := run(context.Background(), e, []string{"segment"}); code != 1 || errb.Len() == 0 {
		t.Errorf("empty article: exit %d, stderr %q", code, errb.String())
	}
}

// TestMigrateUpAndStatus: `loa migrate` applies the schema once and
// `loa migrate status` lists it as applied; a bad setting is a usage error.
func TestMigrateUpAndStatus(t *testing.T) {
	dir := t.TempDir()
	runLoa := func(args ...string) (int, string) {
		var out bytes.Buffer
		code := run(context.Background(), env{stdout: &out, stderr: &out, getenv: func(k string) string {
			if k == "LOA_DATA_DIR" {
				return dir
			}
			return ""
		}}, args)
		return code, out.String()
	}
	if code, out := runLoa("migrate"); code != 0 || !strings.Contains(out, "database migrated") || !strings.Contains(out, "applied") {
		t.Fatalf("migrate: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(dir + "/loa.db"); err != nil {
		t.Fatalf("no database in the data folder: %v", err)
	}
	code, out := runLoa("migrate", "status")
	if code != 0 || strings.Contains(out, "database migrated") || strings.Contains(out, "pending") || !regexp.MustCompile(`(?m)00001_records\.sql +applied`).MatchString(out) {
		t.Fatalf("status: exit %d\n%s", code, out)
	}
	for _, args := range [][]string{{"migrate", "--db", "mysql://db"}, {"migrate", "sideways"}, {"migrate", "status", "--db", "sqlite:"}} {
		if code, out := runLoa(args...); code != 2 || !strings.Contains(out, "loa migrate:") {
			t.Errorf("%v: exit %d\n%s", args, code, out)
		}
	}
}
