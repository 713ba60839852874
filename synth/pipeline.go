package synth

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/loa-audio/loa/storage"
	"github.com/loa-audio/loa/synth/article"
	"github.com/loa-audio/loa/synth/audio"
	"github.com/loa-audio/loa/synth/text"
	"github.com/loa-audio/loa/synth/tts"
)

// Speaker is what the pipeline needs from the voice catalog.
type Speaker interface {
	Resolve(voiceID string) (tts.Resolved, error)
	Synthesize(ctx context.Context, voiceID, text string) (tts.Clip, string, error)
}

// PipelineConfig wires a Pipeline. Zero values mean the documented defaults.
type PipelineConfig struct {
	Store     storage.Store
	Voices    Speaker
	Profile   audio.Profile       // zero: mono, 24 kHz, 48 kbps CBR
	Pauses    audio.PauseSettings // zero fields: the audio package's defaults
	Normalize text.NormalizeOptions
	// Concurrency is how many sentences are synthesized at once within one
	// article; 0 means the number of CPUs.
	Concurrency int
	Logger      *slog.Logger
}

// Pipeline turns an extracted article into a published audio version:
// segment → normalize → chunk → synthesize (cached) → encode → assemble.
type Pipeline struct {
	store       storage.Store
	voices      Speaker
	profile     audio.Profile
	pauses      audio.PauseSettings
	normalize   text.NormalizeOptions
	concurrency int
	log         *slog.Logger

	silenceMu sync.Mutex
	silences  map[time.Duration]audio.Segment
}

// NewPipeline checks the configuration and fills in defaults.
func NewPipeline(cfg PipelineConfig) (*Pipeline, error) {
	if cfg.Store == nil || cfg.Voices == nil {
		return nil, errors.New("synth: pipeline needs a store and a voice catalog")
	}
	profile, err := cfg.Profile.Resolve()
	if err != nil {
		return nil, err
	}
	p := &Pipeline{
		store:       cfg.Store,
		voices:      cfg.Voices,
		profile:     profile,
		pauses:      cfg.Pauses,
		normalize:   cfg.Normalize,
		concurrency: cfg.Concurrency,
		log:         cfg.Logger,
		silences:    map[time.Duration]audio.Segment{},
	}
	if p.concurrency <= 0 {
		p.concurrency = runtime.NumCPU()
	}
	if p.log == nil {
		p.log = slog.Default()
	}
	return p, nil
}

// RenderRequest is one synthesis of one article revision.
type RenderRequest struct {
	ArticleID string
	Revision  int
	Doc       text.Document
	Voice     string
	Lexicon   []text.Rule
	Feed      string // selects the feed-scoped rules of Lexicon that fire
	Tags      audio.Tags
	// OnPlan, when set, receives the ordered part list before any synthesis,
	// which is what progressive playback follows.
	OnPlan func(ctx context.Context, plan article.Plan) error
	// OnVersion, when set, receives the version (with every key it may
	// write) before any of its objects is written.
	OnVersion func(ctx context.Context, v article.Version) error
	// OnProgress is called after each sentence is available (cached or new).
	OnProgress func(done, total int)
}

// RenderResult describes a finished, stored version.
type RenderResult struct {
	Version     article.Version
	Timings     article.Timings
	Synthesized int // backend calls made (one per chunk not found in the cache)
	Cached      int // chunks served from the segment cache
}

// chunkWork is one backend call's worth of text.
type chunkWork struct {
	sentence int
	spoken   string
	hash     string
	meta     segmentMeta
	cached   bool
}

// segmentMeta is stored next to each cached segment; writing it last makes
// it the commit marker of the segment.
type segmentMeta struct {
	Frames         int    `json:"frames"`
	Bytes          int64  `json:"bytes"`
	SpeechOffsetUS int64  `json:"speech_offset_us"` // from the segment's start to its first spoken sample
	SpeechUS       int64  `json:"speech_us"`        // length of the spoken content
	Voice          string `json:"voice"`            // the voice that really spoke
	Chars          int    `json:"chars"`
}

// segmentFormatVersion changes whenever the processing applied to clips
// changes in a way that should invalidate cached segments.
const segmentFormatVersion = "seg1"

// Render runs the whole pipeline for one article revision and stores the
// resulting audio, timings and transcript as a new immutable version.
func (p *Pipeline) Render(ctx context.Context, req RenderRequest) (RenderResult, error) {
	sentences := text.Segment(req.Doc)
	if len(sentences) == 0 {
		return RenderResult{}, article.Invalid("article has no text to speak")
	}
	voice, err := p.voices.Resolve(req.Voice)
	if err != nil {
		return RenderResult{}, fmt.Errorf("resolve voice %q: %w", req.Voice, err)
	}
	opts := p.normalize
	opts.Lexicon, opts.Feed = req.Lexicon, req.Feed
	norm := text.NewNormalizer(opts)
	identity := voice.CacheIdentity()
	profileID := profileID(p.profile)

	// Normalize and chunk every sentence first: the plan is known before the
	// first backend call, so progressive playback can follow it.
	var chunks []*chunkWork
	perSentence := make([][]*chunkWork, len(sentences))
	for i, s := range sentences {
		spoken := norm.NormalizeBlock(req.Doc.Blocks[s.Block].Kind, s.Text)
		if strings.TrimSpace(spoken.Text) == "" {
			continue
		}
		// Only the rules that fired enter the key, so editing a rule
		// re-synthesizes just the sentences it touches.
		rules := text.FiredLexiconDigest(spoken, req.Lexicon)
		for _, c := range text.Chunk(spoken.Text, text.Limit{MaxRunes: voice.Limit.MaxRunes, MaxBytes: voice.Limit.MaxBytes}) {
			w := &chunkWork{sentence: i, spoken: c, hash: hashStrings(segmentFormatVersion, profileID, identity, rules, c)}
			chunks = append(chunks, w)
			perSentence[i] = append(perSentence[i], w)
		}
	}
	if len(chunks) == 0 {
		return RenderResult{}, article.Invalid("article has no text to speak")
	}
	plan := p.plan(req.Revision, sentences, req.Doc, perSentence)
	if req.OnPlan != nil {
		if err := req.OnPlan(ctx, plan); err != nil {
			return RenderResult{}, fmt.Errorf("record plan: %w", err)
		}
	}

	if err := p.synthesizeAll(ctx, voice.ID, chunks, perSentence, req.OnProgress); err != nil {
		return RenderResult{}, err
	}

	res := RenderResult{}
	for _, c := range chunks {
		if c.cached {
			res.Cached++
		} else {
			res.Synthesized++
		}
	}
	version, timings, err := p.assemble(ctx, req, sentences, perSentence, plan)
	if err != nil {
		return RenderResult{}, err
	}
	res.Version, res.Timings = version, timings
	return res, nil
}

// profileID names an MP3 profile in cache keys and plans.
func profileID(p audio.Profile) string {
	return fmt.Sprintf("mp3-%dhz-%dk-%dch", p.SampleRate, p.BitrateKbps, p.Channels)
}

// bytesPart is an in-memory assembler part (pauses).
func bytesPart(b []byte, frames int) audio.Part {
	return audio.Part{Frames: frames, Size: int64(len(b)), Open: func(context.Context) (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(b)), nil
	}}
}

func hashStrings(parts ...string) string {
	h := sha256.New()
	for _, s := range parts {
		fmt.Fprintf(h, "%d:%s;", len(s), s)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func (p *Pipeline) plan(revision int, sentences []text.Sentence, doc text.Document, perSentence [][]*chunkWork) article.Plan {
	plan := article.Plan{Revision: revision, Profile: profileID(p.profile)}
	prev := -1
	for i := range sentences {
		if len(perSentence[i]) == 0 {
			continue
		}
		if prev >= 0 {
			gap := p.pauseBetween(doc, sentences[prev], sentences[i])
			if gap > 0 {
				plan.Parts = append(plan.Parts, article.PlanPart{SilenceMS: int(gap / time.Millisecond), Sentence: i})
			}
		}
		for _, c := range perSentence[i] {
			plan.Parts = append(plan.Parts, article.PlanPart{Segment: c.hash, Sentence: i})
		}
		prev = i
	}
	return plan
}

func (p *Pipeline) pauseBetween(doc text.Document, a, b text.Sentence) time.Duration {
	kind := func(block int) string {
		if block >= 0 && block < len(doc.Blocks) {
			return string(doc.Blocks[block].Kind)
		}
		return string(text.KindParagraph)
	}
	return p.pauses.Between(kind(a.Block), kind(b.Block), a.Block == b.Block)
}

// synthesizeAll makes sure every chunk has a stored segment, calling the
// backend only for chunks missing from the cache. Chunks are handed out in
// order so the beginning of the article is ready first.
func (p *Pipeline) synthesizeAll(ctx context.Context, voiceID string, chunks []*chunkWork, perSentence [][]*chunkWork, onProgress func(done, total int)) error {
	total := 0
	for _, cs := range perSentence {
		if len(cs) > 0 {
			total++
		}
	}
	var mu sync.Mutex
	remaining := make([]int, len(perSentence))
	for i, cs := range perSentence {
		remaining[i] = len(cs)
	}
	done := 0
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(p.concurrency)
	for _, c := range chunks {
		g.Go(func() error {
			if err := p.ensureSegment(gctx, voiceID, c); err != nil {
				return fmt.Errorf("synthesize sentence %d: %w", c.sentence+1, err)
			}
			mu.Lock()
			remaining[c.sentence]--
			if remaining[c.sentence] == 0 {
				done++
				if onProgress != nil {
					onProgress(done, total)
				}
			}
			mu.Unlock()
			return nil
		})
	}
	return g.Wait()
}

func (p *Pipeline) ensureSegment(ctx context.Context, voiceID string, c *chunkWork) error {
	var meta segmentMeta
	_, err := storage.GetJSON(ctx, p.store, segmentMetaKey(c.hash), &meta)
	switch {
	case err == nil && (meta.Voice == voiceID || meta.Voice == ""):
		c.meta, c.cached = meta, true
		return nil
	case err != nil && !errors.Is(err, storage.ErrNotFound):
		return fmt.Errorf("read segment cache: %w", err)
	}
	// Missing, or last made by a fallback voice: try the chosen voice again.
	clip, used, err := p.voices.Synthesize(ctx, voiceID, c.spoken)
	if err != nil {
		return err
	}
	pcm, err := audio.Decode(string(clip.Format), clip.Audio, clip.SampleRate, clip.Channels)
	if err != nil {
		return fmt.Errorf("decode %s clip from voice %s: %w", clip.Format, used, err)
	}
	pcm = audio.Prepare(pcm, audio.PrepareOptions{SampleRate: p.profile.SampleRate})
	seg, err := audio.EncodeSegment(pcm, p.profile)
	if err != nil {
		return fmt.Errorf("encode segment: %w", err)
	}
	if _, err := storage.PutBytes(ctx, p.store, segmentKey(c.hash), seg.MP3, storage.PutOptions{ContentType: "audio/mpeg"}); err != nil {
		return fmt.Errorf("store segment: %w", err)
	}
	meta = segmentMeta{
		Frames:         seg.Frames,
		Bytes:          int64(len(seg.MP3)),
		SpeechOffsetUS: seg.SpeechOffset.Microseconds(),
		SpeechUS:       seg.SpeechDuration.Microseconds(),
		Voice:          used,
		Chars:          len([]rune(c.spoken)),
	}
	if _, err := storage.PutJSON(ctx, p.store, segmentMetaKey(c.hash), meta, storage.PutOptions{ContentType: "application/json"}); err != nil {
		return fmt.Errorf("store segment metadata: %w", err)
	}
	c.meta = meta
	return nil
}

func (p *Pipeline) silence(d time.Duration) (audio.Segment, error) {
	p.silenceMu.Lock()
	defer p.silenceMu.Unlock()
	if s, ok := p.silences[d]; ok {
		return s, nil
	}
	s, err := audio.Silence(p.profile, d)
	if err != nil {
		return audio.Segment{}, fmt.Errorf("encode %v pause: %w", d, err)
	}
	p.silences[d] = s
	return s, nil
}

// parts turns a plan into assembler parts; segment metadata comes from the
// chunks just synthesized or found.
func (p *Pipeline) parts(plan article.Plan, metas map[string]segmentMeta) ([]audio.Part, error) {
	parts := make([]audio.Part, 0, len(plan.Parts))
	for _, pp := range plan.Parts {
		if pp.Segment == "" {
			s, err := p.silence(time.Duration(pp.SilenceMS) * time.Millisecond)
			if err != nil {
				return nil, err
			}
			parts = append(parts, bytesPart(s.MP3, s.Frames))
			continue
		}
		meta, ok := metas[pp.Segment]
		if !ok {
			return nil, fmt.Errorf("segment %s missing from plan metadata", pp.Segment)
		}
		key := segmentKey(pp.Segment)
		parts = append(parts, audio.Part{
			Frames: meta.Frames,
			Size:   meta.Bytes,
			Open: func(ctx context.Context) (io.ReadCloser, error) {
				rc, _, err := p.store.Get(ctx, key, nil)
				return rc, err
			},
		})
	}
	return parts, nil
}

func (p *Pipeline) assemble(ctx context.Context, req RenderRequest, sentences []text.Sentence, perSentence [][]*chunkWork, plan article.Plan) (article.Version, article.Timings, error) {
	metas := map[string]segmentMeta{}
	var voices []string
	seenVoice := map[string]bool{}
	for _, cs := range perSentence {
		for _, c := range cs {
			metas[c.hash] = c.meta
			if !seenVoice[c.meta.Voice] {
				seenVoice[c.meta.Voice] = true
				voices = append(voices, c.meta.Voice)
			}
		}
	}
	sort.Strings(voices)
	parts, err := p.parts(plan, metas)
	if err != nil {
		return article.Version{}, article.Timings{}, err
	}
	tags := req.Tags
	tags.Chapters = chapters(req.Doc, sentences, nil)
	opts := audio.AssembleOptions{Profile: p.profile, Tags: tags}
	layout, err := audio.Plan(parts, opts)
	if err != nil {
		return article.Version{}, article.Timings{}, fmt.Errorf("lay out audio: %w", err)
	}
	timings := p.timings(req.Doc, sentences, plan, layout, metas)
	// Chapters need frame-exact times, known only after layout.
	tags.Chapters = chapters(req.Doc, sentences, &timings)
	opts.Tags = tags
	if layout, err = audio.Plan(parts, opts); err != nil {
		return article.Version{}, article.Timings{}, fmt.Errorf("lay out audio: %w", err)
	}

	// The version names the content: same parts, profile and tags → same
	// file, whatever revision asked for it.
	planJSON, _ := json.Marshal(plan.Parts)
	tagJSON, _ := json.Marshal(tags)
	versionID := hashStrings(plan.Profile, string(planJSON), string(tagJSON))[:20]
	prefix := audioPrefix(req.ArticleID) + versionID
	v := article.Version{
		ID:          versionID,
		Revision:    req.Revision,
		AudioKey:    prefix + ".mp3",
		TimingsKey:  prefix + ".json",
		VTTKey:      prefix + ".vtt",
		Bytes:       layout.Bytes,
		DurationMS:  layout.Duration.Milliseconds(),
		Sentences:   len(timings.Sentences),
		Voices:      voices,
		PublishedAt: time.Now().UTC(),
	}
	timings.Version = versionID
	timings.DurationMS = v.DurationMS

	if req.OnVersion != nil {
		pending := v
		pending.ChaptersKey = prefix + ".chapters.json"
		if err := req.OnVersion(ctx, pending); err != nil {
			return article.Version{}, article.Timings{}, fmt.Errorf("record version: %w", err)
		}
	}
	// The objects are independent and immutable, and nobody reads them
	// before publish: written at once, their fsyncs overlap.
	immutable := "public, max-age=31536000, immutable"
	var vtt strings.Builder
	if err := timings.WriteVTT(&vtt); err != nil {
		return article.Version{}, article.Timings{}, err
	}
	if len(tags.Chapters) > 0 {
		v.ChaptersKey = prefix + ".chapters.json"
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if info, err := p.store.Stat(gctx, v.AudioKey); err == nil && info.Size == layout.Bytes {
			return nil
		}
		return p.writeAudio(gctx, v.AudioKey, parts, opts, layout.Bytes)
	})
	g.Go(func() error {
		if _, err := storage.PutJSON(gctx, p.store, v.TimingsKey, timings, storage.PutOptions{ContentType: "application/json", CacheControl: immutable}); err != nil {
			return fmt.Errorf("store timings: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		if _, err := storage.PutBytes(gctx, p.store, v.VTTKey, []byte(vtt.String()), storage.PutOptions{ContentType: "text/vtt; charset=utf-8", CacheControl: immutable}); err != nil {
			return fmt.Errorf("store transcript: %w", err)
		}
		return nil
	})
	if v.ChaptersKey != "" {
		g.Go(func() error {
			if _, err := storage.PutJSON(gctx, p.store, v.ChaptersKey, podcastChapters(tags.Chapters), storage.PutOptions{ContentType: "application/json+chapters", CacheControl: immutable}); err != nil {
				return fmt.Errorf("store chapters: %w", err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return article.Version{}, article.Timings{}, err
	}
	return v, timings, nil
}

// writeAudio streams the assembled file into the store: the assembler writes
// into a pipe the store reads from, so the article never sits in memory.
func (p *Pipeline) writeAudio(ctx context.Context, key string, parts []audio.Part, opts audio.AssembleOptions, size int64) error {
	pr, pw := io.Pipe()
	go func() {
		_, err := audio.Assemble(ctx, pw, parts, opts)
		pw.CloseWithError(err)
	}()
	_, err := p.store.Put(ctx, key, pr, size, storage.PutOptions{
		ContentType:  "audio/mpeg",
		CacheControl: "public, max-age=31536000, immutable",
	})
	pr.CloseWithError(err)
	if err != nil {
		return fmt.Errorf("store audio %s: %w", key, err)
	}
	return nil
}

func (p *Pipeline) timings(doc text.Document, sentences []text.Sentence, plan article.Plan, layout audio.Layout, metas map[string]segmentMeta) article.Timings {
	t := article.Timings{DurationMS: layout.Duration.Milliseconds()}
	start := map[int]time.Duration{}
	end := map[int]time.Duration{}
	voice := map[int]string{}
	for i, pp := range plan.Parts {
		if pp.Segment == "" {
			continue
		}
		pl := layout.Parts[i]
		if _, ok := start[pp.Sentence]; !ok {
			offset := time.Duration(metas[pp.Segment].SpeechOffsetUS) * time.Microsecond
			start[pp.Sentence] = pl.Start + offset
			voice[pp.Sentence] = metas[pp.Segment].Voice
		}
		end[pp.Sentence] = pl.Start + time.Duration(metas[pp.Segment].SpeechOffsetUS+metas[pp.Segment].SpeechUS)*time.Microsecond
	}
	for i, s := range sentences {
		st, ok := start[i]
		if !ok {
			continue
		}
		t.Sentences = append(t.Sentences, article.TimedSentence{
			Index:     len(t.Sentences),
			Text:      s.Text,
			StartMS:   st.Milliseconds(),
			EndMS:     end[i].Milliseconds(),
			Block:     s.Block,
			CharStart: s.CharStart,
			CharEnd:   s.CharEnd,
			Voice:     voice[i],
		})
	}
	offset := 0
	for i, b := range doc.Blocks {
		n := len([]rune(b.Text))
		t.Blocks = append(t.Blocks, article.TimedBlock{Index: i, Kind: string(b.Kind), CharStart: offset, CharEnd: offset + n})
		offset += n + 2
	}
	return t
}

// chapters makes one chapter per heading (plus one for the opening) when
// the article has headings; timings are nil on the first, size-only pass.
func chapters(doc text.Document, sentences []text.Sentence, t *article.Timings) []audio.Chapter {
	var heads []int
	for i, b := range doc.Blocks {
		if b.Kind == text.KindHeading {
			heads = append(heads, i)
		}
	}
	if len(heads) == 0 {
		return nil
	}
	startOf := func(block int) (time.Duration, bool) {
		if t == nil {
			return 0, true
		}
		for _, s := range t.Sentences {
			if s.Block >= block {
				return time.Duration(s.StartMS) * time.Millisecond, true
			}
		}
		return 0, false
	}
	var out []audio.Chapter
	title := doc.Title
	if title == "" {
		title = "Mở đầu"
	}
	out = append(out, audio.Chapter{Title: title})
	for _, h := range heads {
		st, ok := startOf(h)
		if !ok {
			continue
		}
		out = append(out, audio.Chapter{Title: doc.Blocks[h].Text, Start: st})
	}
	var total time.Duration
	if t != nil {
		total = time.Duration(t.DurationMS) * time.Millisecond
	}
	for i := range out {
		if i+1 < len(out) {
			out[i].End = out[i+1].Start
		} else {
			out[i].End = total
		}
	}
	return out
}

// podcastChapters is the Podcasting 2.0 JSON chapters document.
func podcastChapters(chs []audio.Chapter) map[string]any {
	list := make([]map[string]any, 0, len(chs))
	for _, c := range chs {
		list = append(list, map[string]any{
			"startTime": roundSeconds(c.Start),
			"endTime":   roundSeconds(c.End),
			"title":     c.Title,
		})
	}
	return map[string]any{"version": "1.2.0", "chapters": list}
}

func roundSeconds(d time.Duration) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(d.Seconds(), 'f', 3, 64), 64)
	return v
}
