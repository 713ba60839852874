// Command loa turns news articles into audio: a server (loa serve), a
// one-shot synthesizer (loa synth) and the text front-end's tools.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"sort"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = ""

// env is what a command may touch of the outside world, so commands can be
// run from tests without a process.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
}

type command struct {
	summary string
	// declare registers the command's flags; run is called after parsing.
	declare func(fs *flagSet) func(ctx context.Context, e env, args []string) error
}

// commands is filled in init because "config" lists the others.
var commands map[string]command

func init() {
	commands = map[string]command{
		"serve":     {"run the HTTP service and synthesis workers", declareServe},
		"synth":     {"synthesize one article to an MP3 file without a server", declareSynth},
		"extract":   {"print the article found in an HTML page on stdin: title, lead and body", declareExtract},
		"segment":   {"print the sentences of an article read on stdin, one per line", declareSegment},
		"normalize": {"print the spoken form of each line read on stdin", declareNormalize},
		"preview":   {"show what will be spoken for an article on stdin, with the rule behind each change", declarePreview},
		"migrate":   {"bring the database schema up to date (up, the default) or list its migrations (status)", declareMigrate},
		"submit":    {"send an article file or URL to a running server, optionally waiting for its audio", declareSubmit},
		"backends":  {"list registered TTS backends, one per line", declareBackends},
		"voices":    {"list configured voices with backend, language and status", declareVoices},
		"version":   {"print the version", declareVersion},
		"config":    {"print every setting as a Markdown table (env | flag | default | meaning)", declareConfig},
	}
}

func main() {
	e := env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, e, os.Args[1:])
	stop()
	os.Exit(code)
}

// run executes one command line and returns the process exit code:
// 0 success, 1 failure, 2 usage error.
func run(ctx context.Context, e env, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(e.stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(e.stderr, "loa: unknown command %q\n\n", args[0])
		usage(e.stderr)
		return 2
	}
	fs := newFlagSet(args[0], e.getenv, e.stderr)
	runFn := cmd.declare(fs)
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(e.stderr, "loa %s: %v\n", args[0], err)
		return 2
	}
	if err := runFn(ctx, e, fs.Args()); err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(e.stderr, "loa %s: %v\n", args[0], err)
			return 2
		}
		fmt.Fprintf(e.stderr, "loa %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

// usageError marks errors in how the command was called (exit code 2).
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: loa <command> [flags]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'loa <command> -h' for its flags; every flag has a LOA_* environment twin.")
}

func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		rev, dirty := "", false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if rev != "" {
			if len(rev) > 12 {
				rev = rev[:12]
			}
			if dirty {
				rev += "-dirty"
			}
			return "dev-" + rev
		}
		if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			return bi.Main.Version
		}
	}
	return "dev"
}

func declareVersion(fs *flagSet) func(context.Context, env, []string) error {
	return func(_ context.Context, e env, _ []string) error {
		fmt.Fprintln(e.stdout, "loa", versionString())
		return nil
	}
}

func declareConfig(fs *flagSet) func(context.Context, env, []string) error {
	return func(_ context.Context, e env, _ []string) error {
		names := make([]string, 0, len(commands))
		for n := range commands {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			if n != "config" {
				commands[n].declare(newFlagSet(n, func(string) string { return "" }, io.Discard))
			}
		}
		writeConfigTable(e.stdout)
		return nil
	}
}

func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, usageError{fmt.Sprintf("log level %q: use debug, info, warn or error", level)}
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, usageError{fmt.Sprintf("log format %q: use text or json", format)}
}
