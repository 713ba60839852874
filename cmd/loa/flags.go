package main

import (
	"flag"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
)

// option is one setting of the binary: a flag with its LOA_* environment twin.
// Every option is declared once here, so the README table and -help come
// from the same list.
type option struct {
	flag     string
	env      string
	def      string
	usage    string
	commands []string // subcommands that accept it
}

// options is the single list of settings; `loa config` prints it as the
// README's configuration table.
var options []option

// flagSet wraps flag.FlagSet so each flag also reads its environment twin.
// Precedence: command line, then environment, then default.
type flagSet struct {
	*flag.FlagSet
	command string
	getenv  func(string) string
	errs    []error
}

func newFlagSet(command string, getenv func(string) string, out io.Writer) *flagSet {
	fs := flag.NewFlagSet("loa "+command, flag.ContinueOnError)
	fs.SetOutput(out)
	return &flagSet{FlagSet: fs, command: command, getenv: getenv}
}

func (f *flagSet) envOr(env, def string) string {
	if env != "" {
		if v, ok := lookup(f.getenv, env); ok {
			return v
		}
	}
	return def
}

func lookup(getenv func(string) string, key string) (string, bool) {
	v := getenv(key)
	return v, v != ""
}

func (f *flagSet) usageFor(env, usage string) string {
	if env == "" {
		return usage
	}
	return usage + " (env " + env + ")"
}

func (f *flagSet) String(p *string, name, env, def, usage string) {
	register(f.command, name, env, def, usage)
	f.StringVar(p, name, f.envOr(env, def), f.usageFor(env, usage))
}

func (f *flagSet) Bool(p *bool, name, env string, def bool, usage string) {
	register(f.command, name, env, strconv.FormatBool(def), usage)
	v := def
	if s := f.envOr(env, ""); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			f.errs = append(f.errs, fmt.Errorf("%s=%q: not a boolean", env, s))
		}
		v = b
	}
	f.BoolVar(p, name, v, f.usageFor(env, usage))
}

func (f *flagSet) Int(p *int, name, env string, def int, usage string) {
	register(f.command, name, env, strconv.Itoa(def), usage)
	v := def
	if s := f.envOr(env, ""); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			f.errs = append(f.errs, fmt.Errorf("%s=%q: not an integer", env, s))
		}
		v = n
	}
	f.IntVar(p, name, v, f.usageFor(env, usage))
}

func (f *flagSet) Int64(p *int64, name, env string, def int64, usage string) {
	register(f.command, name, env, strconv.FormatInt(def, 10), usage)
	v := def
	if s := f.envOr(env, ""); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			f.errs = append(f.errs, fmt.Errorf("%s=%q: not an integer", env, s))
		}
		v = n
	}
	f.Int64Var(p, name, v, f.usageFor(env, usage))
}

func (f *flagSet) Duration(p *time.Duration, name, env string, def time.Duration, usage string) {
	register(f.command, name, env, def.String(), usage)
	v := def
	if s := f.envOr(env, ""); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			f.errs = append(f.errs, fmt.Errorf("%s=%q: not a duration (e.g. 30s, 5m)", env, s))
		}
		v = d
	}
	f.DurationVar(p, name, v, f.usageFor(env, usage))
}

// Parse parses args and reports environment values that did not parse.
func (f *flagSet) Parse(args []string) error {
	if err := f.FlagSet.Parse(args); err != nil {
		return err
	}
	if len(f.errs) > 0 {
		return f.errs[0]
	}
	return nil
}

func register(command, name, env, def, usage string) {
	for i := range options {
		if options[i].flag == name {
			for _, c := range options[i].commands {
				if c == command {
					return
				}
			}
			options[i].commands = append(options[i].commands, command)
			return
		}
	}
	options = append(options, option{flag: name, env: env, def: def, usage: usage, commands: []string{command}})
}

// writeConfigTable prints every option as a Markdown table (env | flag |
// default | meaning), the README's configuration section.
func writeConfigTable(w io.Writer) {
	opts := append([]option(nil), options...)
	sort.Slice(opts, func(i, j int) bool { return opts[i].flag < opts[j].flag })
	fmt.Fprintln(w, "| env | flag | default | meaning |")
	fmt.Fprintln(w, "|---|---|---|---|")
	for _, o := range opts {
		env := "–"
		if o.env != "" {
			env = "`" + o.env + "`"
		}
		def := "–"
		if o.def != "" {
			def = "`" + o.def + "`"
		}
		fmt.Fprintf(w, "| %s | `--%s` | %s | %s (%s) |\n", env, o.flag, def, strings.ReplaceAll(o.usage, "|", `\|`), strings.Join(o.commands, ", "))
	}
}
