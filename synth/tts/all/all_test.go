package all

import (
	"slices"
	"strings"
	"testing"

	"github.com/loa-audio/loa/synth/tts"
)

func TestEveryEngineRegistered(t *testing.T) {
	want := []string{"azure", "command", "elevenlabs", "espeak", "fpt", "google", "openai"}
	if got := tts.Backends(); !slices.Equal(got, want) {
		t.Fatalf("Backends() = %v, want %v", got, want)
	}
	_, err := tts.Open("polly", nil)
	if err == nil || err.Error() != `tts: unknown backend "polly" (forgotten import?)` {
		t.Fatalf("err = %v", err)
	}
	// Every cloud engine refuses to open without its key, and says which.
	for _, name := range []string{"elevenlabs", "fpt", "google", "azure"} {
		_, err := tts.Open(name, map[string]string{"region": "westeurope"})
		if err == nil || !strings.Contains(err.Error(), "required") {
			t.Errorf("%s without a key: err = %v", name, err)
		}
	}
}
