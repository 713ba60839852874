package audio

import "errors"

// Sentinels; errors from this package wrap one of them with what was
// happening, so callers classify with errors.Is.
var (
	// ErrBadAudio: clip bytes that are not what they claim to be (garbage,
	// truncated, unsupported encoding, empty, absurdly long).
	ErrBadAudio = errors.New("audio: unusable audio")
	// ErrUnsafeMP3: an MP3 that decoders would turn into wrong samples
	// without saying so; Loa refuses it rather than speak garbage.
	ErrUnsafeMP3 = errors.New("audio: mp3 cannot be decoded reliably")
	// ErrProfile: a profile Loa cannot encode, or PCM/frames that do not
	// match the profile they are used with.
	ErrProfile = errors.New("audio: profile mismatch")
	// ErrCorruptSegment: a stored segment or pause whose frames are broken
	// or disagree with what the part declared (frame count, byte size).
	ErrCorruptSegment = errors.New("audio: corrupt segment")
)
