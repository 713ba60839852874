package audio

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"os"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/hajimehoshi/go-mp3"
)

// article mixes a quiet and a loud voice (espeak-ng amplitude 40 vs 180,
// two variants) so loudness normalisation has something to prove.
var article = []sentence{
	{text: "Triều Tiên và Nga ký hiệp ước mới.", kind: KindTitle, block: 0, voice: []string{"-a", "180"}},
	{text: "Hai nước cam kết hỗ trợ lẫn nhau khi bị tấn công.", kind: KindLead, block: 1, voice: []string{"-a", "40"}},
	{text: "Bối cảnh", kind: KindHeading, block: 2, voice: []string{"-a", "180"}},
	{text: "Hiệp ước được ký tại Bình Nhưỡng hôm thứ tư.", kind: KindParagraph, block: 3, voice: []string{"-a", "40", "-v", "vi-vn-x-south"}},
	{text: "Đây là chuyến thăm đầu tiên sau hai mươi bốn năm.", kind: KindParagraph, block: 3, voice: []string{"-a", "180"}},
	{text: "Chúng tôi sẽ hợp tác chặt chẽ hơn, ông nói.", kind: KindQuote, block: 4, voice: []string{"-a", "40"}},
	{text: "Theo Reuters.", kind: KindParagraph, block: 5, voice: []string{"-a", "180", "-v", "vi-vn-x-south"}},
}

var articleTags = Tags{
	Title:   "Triều Tiên và Nga ký hiệp ước",
	Artist:  "Ngày Nay",
	Album:   "Thế giới",
	Date:    "2024-06-19",
	Comment: "https://ngaynay.vn/trieu-tien-nga",
	URL:     "https://ngaynay.vn/trieu-tien-nga",
}

func TestAssembledFileAgainstOutsideTools(t *testing.T) {
	tags := articleTags
	b0 := buildArticle(t, article, Tags{}, 0)
	// Chapters come from the layout of the same parts, as the pipeline does.
	head := b0.layout.Parts[b0.partOf[2]]
	tags.Chapters = []Chapter{
		{Title: "Mở đầu", Start: 0, End: head.Start},
		{Title: "Bối cảnh", Start: head.Start, End: b0.layout.Duration},
	}
	b := buildArticle(t, article, tags, 0)
	l := b.layout

	st, err := os.Stat(b.path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() != l.Bytes {
		t.Errorf("file has %d bytes, layout says %d", st.Size(), l.Bytes)
	}

	t.Run("ffprobe duration, tags and chapters", func(t *testing.T) {
		out := run(t, "ffprobe", "-v", "error", "-show_format", "-show_chapters", "-show_streams", "-of", "json", b.path)
		var probe struct {
			Format struct {
				Duration string            `json:"duration"`
				Tags     map[string]string `json:"tags"`
			} `json:"format"`
			Streams []struct {
				SampleRate string `json:"sample_rate"`
				Channels   int    `json:"channels"`
				BitRate    string `json:"bit_rate"`
			} `json:"streams"`
			Chapters []struct {
				StartTime string            `json:"start_time"`
				EndTime   string            `json:"end_time"`
				Tags      map[string]string `json:"tags"`
			} `json:"chapters"`
		}
		if err := json.Unmarshal(out, &probe); err != nil {
			t.Fatalf("ffprobe output: %v\n%s", err, out)
		}
		got, _ := strconv.ParseFloat(probe.Format.Duration, 64)
		want := l.Duration.Seconds()
		if math.Abs(got-want) > want*0.001 {
			t.Errorf("ffprobe duration %.4f s, layout %.4f s (more than 0.1%% apart)", got, want)
		}
		t.Logf("ffprobe duration %.4f s, layout %.4f s", got, want)
		if len(probe.Streams) != 1 || probe.Streams[0].SampleRate != "24000" || probe.Streams[0].Channels != 1 || probe.Streams[0].BitRate != "48000" {
			t.Errorf("stream %+v, want one 24000 Hz mono 48 kbps stream", probe.Streams)
		}
		for key, want := range map[string]string{
			"title": tags.Title, "artist": tags.Artist, "album": tags.Album,
			"date": "2024-06-19", "comment": tags.Comment,
		} {
			if got := probe.Format.Tags[key]; got != want {
				t.Errorf("tag %s = %q, want %q (all: %v)", key, got, want, probe.Format.Tags)
			}
		}
		if len(probe.Chapters) != 2 {
			t.Fatalf("%d chapters, want 2: %s", len(probe.Chapters), out)
		}
		for i, c := range probe.Chapters {
			start, _ := strconv.ParseFloat(c.StartTime, 64)
			if math.Abs(start-tags.Chapters[i].Start.Seconds()) > 0.001 || c.Tags["title"] != tags.Chapters[i].Title {
				t.Errorf("chapter %d: %s at %s, want %s at %s", i, c.Tags["title"], c.StartTime, tags.Chapters[i].Title, tags.Chapters[i].Start)
			}
		}
	})

	t.Run("mp3val", func(t *testing.T) {
		out := string(run(t, "mp3val", b.path))
		t.Log(out)
		if regexp.MustCompile(`(?m)^(WARNING|ERROR|PROBLEM)`).MatchString(out) {
			t.Errorf("mp3val reports a problem:\n%s", out)
		}
		if !regexp.MustCompile(`MPEG 2 Layer III`).MatchString(out) {
			t.Errorf("mp3val did not describe the stream:\n%s", out)
		}
	})

	t.Run("ffmpeg ebur128", func(t *testing.T) {
		out := runStderr(t, "ffmpeg", "-nostats", "-hide_banner", "-i", b.path, "-af", "ebur128=peak=true", "-f", "null", "-")
		integrated := lastFloat(t, out, `I:\s+(-?[\d.]+) LUFS`)
		peak := lastFloat(t, out, `Peak:\s+(-?[\d.]+) dBFS`)
		t.Logf("ffmpeg ebur128: integrated %.1f LUFS, true peak %.1f dBTP", integrated, peak)
		if math.Abs(integrated+16) > 1 {
			t.Errorf("integrated loudness %.1f LUFS, want -16 ± 1", integrated)
		}
		if peak > -1 {
			t.Errorf("true peak %.1f dBTP, want ≤ -1", peak)
		}
	})

	t.Run("go-mp3 length", func(t *testing.T) {
		data, err := os.ReadFile(b.path)
		if err != nil {
			t.Fatal(err)
		}
		d, err := mp3.NewDecoder(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		n, err := io.Copy(io.Discard, d)
		if err != nil {
			t.Fatal(err)
		}
		// go-mp3 does not know Info frames and plays it as one frame of
		// silence; everything else is the layout's audio frames.
		samples := n / 4
		want := int64(l.Frames+1) * int64(l.Profile.FrameSamples())
		if samples != want {
			t.Errorf("go-mp3 decoded %d samples, want %d ((%d frames + Info) × 576)", samples, want, l.Frames)
		}
		if d.Length() != n {
			t.Errorf("go-mp3 Length %d, decoded %d bytes", d.Length(), n)
		}
	})

	t.Run("layout is frame-exact", func(t *testing.T) {
		if l.Duration != time.Duration(l.Frames)*24*time.Millisecond {
			t.Errorf("duration %s for %d frames of 24 ms", l.Duration, l.Frames)
		}
		for i, p := range l.Parts {
			if i > 0 && p.Start != l.Parts[i-1].End {
				t.Errorf("part %d starts at %s, previous ends at %s", i, p.Start, l.Parts[i-1].End)
			}
		}
	})
}

func lastFloat(t *testing.T, s, pattern string) float64 {
	t.Helper()
	m := regexp.MustCompile(pattern).FindAllStringSubmatch(s, -1)
	if len(m) == 0 {
		t.Fatalf("no %q in output:\n%s", pattern, s)
	}
	v, err := strconv.ParseFloat(m[len(m)-1][1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
