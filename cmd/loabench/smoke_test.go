package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loa-audio/loa/synth/testenv"
)

func TestUsage(t *testing.T) {
	for _, args := range [][]string{{"-only", "frontend,warp"}, {"-json", "-markdown"}, {"extra"}, {"-runs", "many"}} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), args, &out, &errOut); code != 2 {
			t.Errorf("%q: exit %d, want 2 (stderr %q)", args, code, errOut.String())
		}
		if out.Len() != 0 {
			t.Errorf("%q printed a table", args)
		}
	}
}

// TestBrokenRunExitsNonZero: a row that cannot be measured (here: the
// package does not exist) is reported with its reason, and only that
// makes the exit code non-zero.
func TestBrokenRunExitsNonZero(t *testing.T) {
	testenv.LookPath(t, "go")
	repo := t.TempDir()
	if err := os.WriteFile(filepath.Join(repo, "go.mod"), []byte("module github.com/loa-audio/loa\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"-repo", repo, "-only", "frontend,feed", "-no-install"}, &out, &errOut)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s\n%s", code, out.String(), errOut.String())
	}
	for _, want := range []string{"text front-end", "feed render", "not measured: build test binaries"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
}

// TestQuickRun runs `loabench -quick` for real: every row of the table is
// measured against the real espeak-ng, lame, nginx and loa binaries, the
// catalog rows on SQLite and on scripts/postgres.sh's cluster. It takes
// about 50 s on two cores.
func TestQuickRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Loa and runs every measurement once")
	}
	for _, tool := range []string{"go", "espeak-ng", "lame", "nginx"} {
		testenv.LookPath(t, tool)
	}
	if _, err := exec.LookPath("cc"); err != nil {
		testenv.Missing(t, "a C compiler for libmp3lame: %v", err)
	}
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"-quick", "-json", "-no-install", "-load-duration", "1s", "-clients", "50"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	var got struct {
		Cores int `json:"cores"`
		Rows  []struct {
			Measure  string   `json:"measure"`
			Loa      *float64 `json:"loa"`
			Baseline string   `json:"baseline"`
			Ratio    *float64 `json:"ratio"`
			Target   string   `json:"target"`
			Met      *bool    `json:"met"`
			Runs     int      `json:"runs"`
		} `json:"rows"`
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if got.Cores < 1 || len(got.Rows) != 26 {
		t.Fatalf("cores %d, %d rows, want 26\n%s", got.Cores, len(got.Rows), out.String())
	}
	for _, r := range got.Rows {
		// A growth may be nil; every other figure is a positive measure.
		growth := strings.Contains(r.Measure, "growth")
		if r.Loa == nil || *r.Loa < 0 || *r.Loa == 0 && !growth || r.Runs != 1 {
			t.Errorf("%s: Loa %v over %d runs", r.Measure, r.Loa, r.Runs)
		}
		if r.Baseline != "" && (r.Ratio == nil || *r.Ratio <= 0) {
			t.Errorf("%s: baseline %q but ratio %v", r.Measure, r.Baseline, r.Ratio)
		}
		if r.Target != "" && r.Met == nil {
			t.Errorf("%s: target %s not judged", r.Measure, r.Target)
		}
	}
	t.Logf("%s", out.String())
}
