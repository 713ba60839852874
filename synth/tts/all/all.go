// Package all registers every TTS engine Loa ships, for the binary to
// blank-import (as rclone's backend/all does).
package all

import (
	_ "github.com/loa-audio/loa/synth/tts/azure"
	_ "github.com/loa-audio/loa/synth/tts/command"
	_ "github.com/loa-audio/loa/synth/tts/elevenlabs"
	_ "github.com/loa-audio/loa/synth/tts/espeak"
	_ "github.com/loa-audio/loa/synth/tts/fpt"
	_ "github.com/loa-audio/loa/synth/tts/google"
	_ "github.com/loa-audio/loa/synth/tts/openai"
)
