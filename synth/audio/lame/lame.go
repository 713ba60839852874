// Package lame is Loa's cgo binding to libmp3lame: a CBR encoder that emits
// bare MPEG audio frames, and the library's own mpglib decoder ("hip"),
// which sizes every MPEG version's frames correctly.
package lame

/*
#cgo LDFLAGS: -lmp3lame
#include <stdlib.h>
#include <lame/lame.h>

static void loa_lame_quiet(const char *format, va_list ap) { (void)format; (void)ap; }

static lame_t loa_lame_open(int rate, int channels, int kbps, int quality) {
	lame_t gf = lame_init();
	if (gf == NULL) return NULL;
	lame_set_errorf(gf, loa_lame_quiet);
	lame_set_debugf(gf, loa_lame_quiet);
	lame_set_msgf(gf, loa_lame_quiet);
	lame_set_in_samplerate(gf, rate);
	lame_set_out_samplerate(gf, rate);
	lame_set_num_channels(gf, channels);
	lame_set_mode(gf, channels == 1 ? MONO : JOINT_STEREO);
	lame_set_VBR(gf, vbr_off);
	lame_set_brate(gf, kbps);
	lame_set_quality(gf, quality);
	lame_set_bWriteVbrTag(gf, 0);
	lame_set_error_protection(gf, 0);
	lame_set_strict_ISO(gf, 1);
	// LAME quietly resamples or picks another bit rate when asked for one
	// it cannot write; Loa's timings need exactly what was asked.
	if (lame_init_params(gf) < 0 || lame_get_out_samplerate(gf) != rate || lame_get_brate(gf) != kbps) {
		lame_close(gf);
		return NULL;
	}
	return gf;
}

static hip_t loa_hip_open(void) {
	hip_t h = hip_decode_init();
	if (h == NULL) return NULL;
	hip_set_errorf(h, loa_lame_quiet);
	hip_set_debugf(h, loa_lame_quiet);
	hip_set_msgf(h, loa_lame_quiet);
	return h;
}
*/
import "C"

import (
	"errors"
	"fmt"
	"sync"
	"unsafe"
)

// ErrLame reports a failure inside libmp3lame.
var ErrLame = errors.New("lame: libmp3lame failed")

// initMu serialises handle set-up: lame_init_params and hip_decode_init fill
// process-wide lookup tables inside the C library on first use.
var initMu sync.Mutex

// EncoderConfig describes one CBR encoding. Input and output rates are the
// same: resampling is done before the encoder so that timings stay exact.
type EncoderConfig struct {
	SampleRate  int
	Channels    int // 1 or 2; a 2-channel encoding carries the mono input on both sides
	BitrateKbps int
	Quality     int // LAME's 0 (best, slowest) … 9; 0 means 3
}

// Encoded is the output of one encoder run.
type Encoded struct {
	MP3     []byte // MPEG audio frames only: no ID3 tag, no Xing/LAME frame
	Delay   int    // encoder delay in samples before the first input sample
	Padding int    // samples appended after the last input sample
}

// chunkSamples bounds the C output buffer per call.
const chunkSamples = 1 << 16

// Encode encodes mono float samples in [-1, 1] as CBR MPEG Layer III.
// Each call uses its own LAME handle, so calls may run concurrently.
func Encode(cfg EncoderConfig, samples []float32) (Encoded, error) {
	if cfg.Channels != 1 && cfg.Channels != 2 {
		return Encoded{}, fmt.Errorf("%w: %d channels", ErrLame, cfg.Channels)
	}
	quality := cfg.Quality
	if quality == 0 {
		quality = 3
	}
	initMu.Lock()
	gf := C.loa_lame_open(C.int(cfg.SampleRate), C.int(cfg.Channels), C.int(cfg.BitrateKbps), C.int(quality))
	initMu.Unlock()
	if gf == nil {
		return Encoded{}, fmt.Errorf("%w: cannot configure %d Hz, %d ch, %d kbps", ErrLame, cfg.SampleRate, cfg.Channels, cfg.BitrateKbps)
	}
	defer C.lame_close(gf)

	out := make([]byte, 0, len(samples)*cfg.BitrateKbps*1000/8/max(cfg.SampleRate, 1)+8192)
	buf := make([]byte, chunkSamples*5/4+7200)
	for start := 0; start < len(samples); start += chunkSamples {
		chunk := samples[start:min(start+chunkSamples, len(samples))]
		p := (*C.float)(unsafe.Pointer(&chunk[0]))
		n := C.lame_encode_buffer_ieee_float(gf, p, p, C.int(len(chunk)),
			(*C.uchar)(unsafe.Pointer(&buf[0])), C.int(len(buf)))
		if n < 0 {
			return Encoded{}, fmt.Errorf("%w: lame_encode_buffer_ieee_float returned %d", ErrLame, int(n))
		}
		out = append(out, buf[:n]...)
	}
	n := C.lame_encode_flush(gf, (*C.uchar)(unsafe.Pointer(&buf[0])), C.int(len(buf)))
	if n < 0 {
		return Encoded{}, fmt.Errorf("%w: lame_encode_flush returned %d", ErrLame, int(n))
	}
	out = append(out, buf[:n]...)
	return Encoded{
		MP3:     out,
		Delay:   int(C.lame_get_encoder_delay(gf)),
		Padding: int(C.lame_get_encoder_padding(gf)),
	}, nil
}

// Decoded is PCM from the mpglib decoder.
type Decoded struct {
	Left, Right []int16 // Right is nil for mono streams
	SampleRate  int
	Frames      int // frames that produced samples
}

// Decode decodes a sequence of MPEG audio frames, given one frame per slice
// element so that the decoder never has to resynchronise on its own.
// maxSamples bounds the output per channel.
func Decode(frames [][]byte, maxSamples int) (Decoded, error) {
	initMu.Lock()
	h := C.loa_hip_open()
	initMu.Unlock()
	if h == nil {
		return Decoded{}, fmt.Errorf("%w: hip_decode_init", ErrLame)
	}
	defer C.hip_decode_exit(h)

	// mpglib writes at most one frame (1152 samples) per hip_decode1 call.
	pcmL := (*C.short)(C.malloc(C.size_t(1152 * 2)))
	pcmR := (*C.short)(C.malloc(C.size_t(1152 * 2)))
	defer C.free(unsafe.Pointer(pcmL))
	defer C.free(unsafe.Pointer(pcmR))
	left := unsafe.Slice((*int16)(unsafe.Pointer(pcmL)), 1152)
	right := unsafe.Slice((*int16)(unsafe.Pointer(pcmR)), 1152)

	var out Decoded
	var info C.mp3data_struct
	stereo := false
	emit := func(n int) error {
		if n > 1152 {
			return fmt.Errorf("%w: decoder returned %d samples for one frame", ErrLame, n)
		}
		if len(out.Left)+n > maxSamples {
			return fmt.Errorf("%w: decoded audio exceeds %d samples", ErrLame, maxSamples)
		}
		if info.header_parsed == 1 {
			out.SampleRate = int(info.samplerate)
			stereo = info.stereo == 2
		}
		out.Left = append(out.Left, left[:n]...)
		if stereo {
			out.Right = append(out.Right, right[:n]...)
		}
		out.Frames++
		return nil
	}
	for i, f := range frames {
		if len(f) == 0 {
			continue
		}
		// C memory: the decoder may keep pointers into its input between calls.
		cbuf := C.CBytes(f)
		n := C.hip_decode1_headers(h, (*C.uchar)(cbuf), C.size_t(len(f)), pcmL, pcmR, &info)
		C.free(cbuf)
		if n < 0 {
			return Decoded{}, fmt.Errorf("%w: frame %d does not decode", ErrLame, i)
		}
		if n > 0 {
			if err := emit(int(n)); err != nil {
				return Decoded{}, err
			}
		}
		// Drain anything mpglib still holds before feeding the next frame.
		for {
			n := C.hip_decode1_headers(h, nil, 0, pcmL, pcmR, &info)
			if n < 0 {
				return Decoded{}, fmt.Errorf("%w: frame %d does not decode", ErrLame, i)
			}
			if n == 0 {
				break
			}
			if err := emit(int(n)); err != nil {
				return Decoded{}, err
			}
		}
	}
	if stereo && len(out.Right) != len(out.Left) {
		return Decoded{}, fmt.Errorf("%w: channel lengths differ", ErrLame)
	}
	return out, nil
}

// Version is the libmp3lame version string.
func Version() string { return C.GoString(C.get_lame_version()) }
