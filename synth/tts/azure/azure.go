// Package azure speaks Azure AI Speech text-to-speech over REST: an SSML
// body posted to the region's /cognitiveservices/v1 endpoint.
//
// Registered as "azure". Settings: "region" (e.g. "southeastasia") or
// "base_url", "api_key" (Ocp-Apim-Subscription-Key) or "token" (a bearer
// token obtained elsewhere), "output_format" (default
// "riff-24khz-16bit-mono-pcm"), "user_agent" (default "loa"), "max_runes"
// (default 5000).
package azure

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/loa-audio/loa/synth/tts"
	"github.com/loa-audio/loa/synth/tts/internal/vendorhttp"
	"github.com/loa-audio/loa/synth/tts/internal/wav"
)

func init() {
	tts.Register("azure", func(cfg map[string]string) (tts.Backend, error) {
		s := vendorhttp.NewSettings(cfg)
		c := Config{
			Region:       s.String("region", ""),
			BaseURL:      s.String("base_url", ""),
			Key:          s.String("api_key", ""),
			Token:        s.String("token", ""),
			OutputFormat: s.String("output_format", ""),
			UserAgent:    s.String("user_agent", ""),
			MaxRunes:     s.Int("max_runes", 0),
		}
		if err := s.Err(); err != nil {
			return nil, err
		}
		return New(c)
	})
}

// Config for Azure Speech. Zero values mean the defaults.
type Config struct {
	Region       string // builds https://{region}.tts.speech.microsoft.com
	BaseURL      string // overrides Region (custom subdomain, tests)
	Key          string // Ocp-Apim-Subscription-Key
	Token        string // Authorization: Bearer, used when Key is ""
	OutputFormat string // X-Microsoft-OutputFormat; "" = riff-24khz-16bit-mono-pcm
	UserAgent    string // "" = "loa"
	// MaxRunes bounds one request; 0 = 5000. Azure documents no character
	// limit but cuts audio at 10 minutes, which 5000 characters of
	// Vietnamese stays well inside.
	MaxRunes   int
	HTTPClient *http.Client
}

// Backend calls one Speech resource.
type Backend struct {
	cfg    Config
	base   string
	format tts.Format
	rate   int
	http   vendorhttp.Client
}

var (
	_ tts.Backend      = (*Backend)(nil)
	_ tts.InputLimiter = (*Backend)(nil)
	_ tts.VoiceLister  = (*Backend)(nil)
)

var regionRE = regexp.MustCompile(`^[a-z0-9]+$`)

// New validates cfg.
func New(cfg Config) (*Backend, error) {
	base := cfg.BaseURL
	if base == "" {
		if !regionRE.MatchString(cfg.Region) {
			return nil, fmt.Errorf("azure: region %q: want a region name such as southeastasia", cfg.Region)
		}
		base = "https://" + cfg.Region + ".tts.speech.microsoft.com"
	}
	base = vendorhttp.BaseURL(base, "")
	if !strings.HasPrefix(base, "http://") && !strings.HasPrefix(base, "https://") {
		return nil, fmt.Errorf("azure: base_url %q is not an http(s) URL", base)
	}
	if cfg.Key == "" && cfg.Token == "" {
		return nil, fmt.Errorf("azure: api_key or token required")
	}
	if cfg.OutputFormat == "" {
		cfg.OutputFormat = "riff-24khz-16bit-mono-pcm"
	}
	format, rate, err := parseOutputFormat(cfg.OutputFormat)
	if err != nil {
		return nil, err
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "loa"
	}
	if cfg.MaxRunes <= 0 {
		cfg.MaxRunes = 5000
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = vendorhttp.NewHTTPClient()
	}
	return &Backend{cfg: cfg, base: base, format: format, rate: rate,
		http: vendorhttp.Client{HTTP: cfg.HTTPClient, Secrets: []string{cfg.Key, cfg.Token}}}, nil
}

var formatRE = regexp.MustCompile(`^(riff|raw|audio)-(\d+)(khz|hz)-(?:16bit-mono-pcm|\d+kbitrate-mono-mp3)$`)

// parseOutputFormat accepts the RIFF, raw PCM and MP3 formats, which Loa
// can decode; opus, silk and G.711 are refused.
func parseOutputFormat(f string) (tts.Format, int, error) {
	m := formatRE.FindStringSubmatch(f)
	if m == nil {
		return "", 0, fmt.Errorf("azure: output_format %q: use riff-…-16bit-mono-pcm, raw-…-16bit-mono-pcm or audio-…-mono-mp3", f)
	}
	n, _ := strconv.Atoi(m[2])
	if m[3] == "khz" {
		n *= 1000
	}
	switch {
	case m[1] == "riff" && strings.HasSuffix(f, "pcm"):
		return tts.FormatWAV, n, nil
	case m[1] == "raw" && strings.HasSuffix(f, "pcm"):
		return tts.FormatPCM, n, nil
	case m[1] == "audio" && strings.HasSuffix(f, "mp3"):
		return tts.FormatMP3, n, nil
	}
	return "", 0, fmt.Errorf("azure: output_format %q is not supported", f)
}

// InputLimit bounds one request.
func (b *Backend) InputLimit() tts.Limit { return tts.Limit{MaxRunes: b.cfg.MaxRunes} }

func (b *Backend) authorize(r *http.Request) {
	if b.cfg.Key != "" {
		r.Header.Set("Ocp-Apim-Subscription-Key", b.cfg.Key)
	} else {
		r.Header.Set("Authorization", "Bearer "+b.cfg.Token)
	}
	r.Header.Set("User-Agent", b.cfg.UserAgent)
}

// Synthesize posts SSML.
func (b *Backend) Synthesize(ctx context.Context, text string, v tts.Voice) (tts.Clip, error) {
	if err := ctx.Err(); err != nil {
		return tts.Clip{}, err
	}
	if err := vendorhttp.CheckText(text); err != nil {
		return tts.Clip{}, fmt.Errorf("azure: %w", err)
	}
	if err := b.InputLimit().Check(text); err != nil {
		return tts.Clip{}, fmt.Errorf("azure: %w", err)
	}
	if v.Name == "" {
		v.Name = "vi-VN-HoaiMyNeural"
	}
	if v.Language == "" {
		v.Language = "vi-VN"
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, b.base+"/cognitiveservices/v1", strings.NewReader(SSML(text, v)))
	if err != nil {
		return tts.Clip{}, fmt.Errorf("azure: %w", err)
	}
	b.authorize(hreq)
	hreq.Header.Set("Content-Type", "application/ssml+xml")
	hreq.Header.Set("X-Microsoft-OutputFormat", b.cfg.OutputFormat)
	resp, err := b.http.Do(hreq)
	if err != nil {
		return tts.Clip{}, fmt.Errorf("azure: %w", err)
	}
	if resp.Status != http.StatusOK {
		// Azure's TTS endpoint usually sends no body with errors.
		return tts.Clip{}, fmt.Errorf("azure: %w", b.http.Failure(resp, "", vendorhttp.Truncate(string(resp.Body), 200)))
	}
	clip := tts.Clip{Audio: resp.Body, Format: b.format, SampleRate: b.rate}
	switch b.format {
	case tts.FormatWAV:
		if info, err := wav.Parse(resp.Body); err == nil {
			clip.SampleRate = info.SampleRate
		}
	case tts.FormatPCM:
		clip.Channels = 1
	}
	if err := clip.Validate(); err != nil {
		return tts.Clip{}, fmt.Errorf("azure: %w", err)
	}
	return clip, nil
}

// SSML builds the request body: one <voice>, with <prosody> only when the
// rate or pitch differ from the voice's own.
func SSML(text string, v tts.Voice) string {
	var b bytes.Buffer
	b.WriteString("<speak version='1.0' xml:lang='" + attr(v.Language) + "'>")
	b.WriteString("<voice xml:lang='" + attr(v.Language) + "' name='" + attr(v.Name) + "'>")
	prosody := ""
	if v.Rate > 0 && v.Rate != 1 {
		prosody += fmt.Sprintf(" rate='%+d%%'", int(math.Round((min(max(v.Rate, 0.5), 2)-1)*100)))
	}
	if v.Pitch != 0 {
		prosody += fmt.Sprintf(" pitch='%+.1fst'", v.Pitch)
	}
	if prosody != "" {
		b.WriteString("<prosody" + prosody + ">")
	}
	xml.EscapeText(&b, []byte(stripControl(text)))
	if prosody != "" {
		b.WriteString("</prosody>")
	}
	b.WriteString("</voice></speak>")
	return b.String()
}

func attr(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	return strings.ReplaceAll(b.String(), "'", "&apos;")
}

// stripControl removes characters XML 1.0 forbids, which Azure would
// answer with a bare 400.
func stripControl(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, " "))
}

// Voices calls /cognitiveservices/voices/list.
func (b *Backend) Voices(ctx context.Context) ([]tts.VoiceInfo, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.base+"/cognitiveservices/voices/list", nil)
	if err != nil {
		return nil, fmt.Errorf("azure: %w", err)
	}
	b.authorize(req)
	resp, err := b.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("azure voices: %w", err)
	}
	if resp.Status != http.StatusOK {
		return nil, fmt.Errorf("azure voices: %w", b.http.Failure(resp, "", ""))
	}
	var list []struct {
		ShortName, DisplayName, LocalName, Gender, Locale, SampleRateHertz string
	}
	if err := json.Unmarshal(resp.Body, &list); err != nil {
		return nil, fmt.Errorf("azure voices: decode: %v: %w", err, tts.ErrUnavailable)
	}
	infos := make([]tts.VoiceInfo, 0, len(list))
	for _, v := range list {
		rate, _ := strconv.Atoi(v.SampleRateHertz)
		infos = append(infos, tts.VoiceInfo{Name: v.ShortName, Language: v.Locale, Gender: strings.ToLower(v.Gender),
			Description: strings.TrimSpace(v.DisplayName + " " + v.LocalName), SampleRate: rate})
	}
	return infos, nil
}
