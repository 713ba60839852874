package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/loa-audio/loa/synth/tts"
)

func declareBackends(fs *flagSet) func(context.Context, env, []string) error {
	return func(_ context.Context, e env, _ []string) error {
		for _, name := range tts.Backends() {
			fmt.Fprintln(e.stdout, name)
		}
		return nil
	}
}

func declareVoices(fs *flagSet) func(context.Context, env, []string) error {
	var cfgPath, inline string
	fs.String(&cfgPath, "tts-config", "LOA_TTS_CONFIG", "", "JSON file declaring TTS backends and voices (default: espeak-ng voices only)")
	fs.String(&inline, "tts-config-json", tts.EnvConfigJSON, "", "the TTS configuration inline, as JSON, when no --tts-config file is given")
	return func(ctx context.Context, e env, _ []string) error {
		cfg, err := loadTTSConfig(cfgPath, inline, "", e.getenv)
		if err != nil {
			return err
		}
		log, _ := newLogger(e.stderr, "warn", "text")
		catalog, err := tts.NewCatalog(ctx, cfg, tts.CatalogDeps{Metrics: prometheus.NewRegistry(), Logger: log})
		if err != nil {
			return fmt.Errorf("set up voices: %w", err)
		}
		w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tBACKEND\tLANGUAGE\tNAME\tSTATUS")
		for _, v := range catalog.Voices(ctx) {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", v.ID, v.Backend, v.Language, v.Name, v.Status)
		}
		return w.Flush()
	}
}
