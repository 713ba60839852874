package audio

import (
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// sampleArticle is the title and body of the sample article, one block per
// paragraph, split into sentences at full stops.
func sampleArticle() []sentence {
	title := "Triều Tiên là đồng chí bất khả chiến bại với Nga"
	paragraphs := []string{
		"Nhân dịp ngày quốc khánh Nga, ông Kim cho biết cuộc gặp với Tổng thống Putin đã nâng cao mối quan hệ giữa hai nước. Thông điệp này được đưa ra sau khi tờ báo Vedomosti đưa tin.",
		"Điện Kremlin cho biết Nga muốn thúc đẩy hợp tác với Triều Tiên trong mọi lĩnh vực. Nhưng Nga chưa xác nhận ngày của chuyến thăm.",
		"Ông Kim đã tới vùng Viễn Đông của Nga vào tháng chín năm ngoái. Ông tham quan trung tâm phóng vũ trụ Vostochny. Ông Putin hứa sẽ giúp ông chế tạo vệ tinh.",
		"Một nhóm quan chức Triều Tiên dự kiến tới thăm Nga trong tuần này.",
		"Theo Reuters.",
	}
	out := []sentence{{text: title, kind: KindTitle}}
	for i, p := range paragraphs {
		for _, s := range strings.SplitAfter(p, ". ") {
			out = append(out, sentence{text: strings.TrimSpace(s), kind: KindParagraph, block: i + 1})
		}
	}
	return out
}

// TestSentenceStartsMatchOnsets checks the timing model against the audio
// itself: ffmpeg's silencedetect finds where sound resumes after silence
// (fed 1 ms buffers, since it reports at buffer boundaries), and every
// sentence start computed from the layout (part start + speech
// offset) must sit within 40 ms of one of those onsets.
func TestSentenceStartsMatchOnsets(t *testing.T) {
	sentences := sampleArticle()
	// A lead-in pause lets silencedetect see the first onset too.
	b := buildArticle(t, sentences, Tags{}, 300*time.Millisecond)

	out := runStderr(t, "ffmpeg", "-nostats", "-hide_banner", "-i", b.path,
		"-af", "asetnsamples=n=24,silencedetect=noise=-50dB:duration=0.15", "-f", "null", "-")
	var onsets []float64
	for _, m := range regexp.MustCompile(`silence_end: (-?[\d.]+)`).FindAllStringSubmatch(out, -1) {
		v, err := strconv.ParseFloat(m[1], 64)
		if err != nil {
			t.Fatal(err)
		}
		onsets = append(onsets, v)
	}
	if len(onsets) < len(sentences) {
		t.Fatalf("silencedetect found %d onsets for %d sentences:\n%s", len(onsets), len(sentences), out)
	}
	sort.Float64s(onsets)

	var worst time.Duration
	for i := range sentences {
		start := b.layout.Parts[b.partOf[i]].Start + b.segments[i].SpeechOffset
		nearest := math.Inf(1)
		for _, o := range onsets {
			if d := math.Abs(o - start.Seconds()); d < math.Abs(nearest) {
				nearest = o - start.Seconds()
			}
		}
		off := time.Duration(nearest * float64(time.Second))
		worst = max(worst, off.Abs())
		if off.Abs() > 40*time.Millisecond {
			t.Errorf("sentence %d %q starts at %s, nearest onset %+v away", i, sentences[i].text, start, off)
		}
	}
	t.Logf("%d sentences, %d onsets, worst distance %s", len(sentences), len(onsets), worst)
}
