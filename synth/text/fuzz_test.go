package text

import (
	"errors"
	"os"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// The seed corpora run as ordinary tests with `go test`; `go test -fuzz`
// explores from them.

// samplePage is the repository's sample news page, shared with the other
// packages' tests.
const samplePage = "../../testdata/samples/ngaynay-trieu-tien-nga.html"

// fixturePath finds an HTML fixture: the sample page, or one of this
// package's own article shapes.
func fixturePath(name string) string {
	if "../../testdata/samples/"+name == samplePage {
		return samplePage
	}
	return "testdata/" + name
}

var htmlFixtures = []string{"ngaynay-trieu-tien-nga.html", "article-semantic.html", "article-divsoup.html", "article-xemthem.html"}

func addGoldenInputs(f *testing.F) {
	for _, c := range readAll[segmentationCase](f, segmentationFiles) {
		f.Add(c.Input)
	}
	for _, c := range readAll[normalizationCase](f, normalizationFiles) {
		f.Add(c.Input)
	}
	// Sentences cut where a rule looks ahead for more.
	for _, s := range []string{"Từ 9-4 đến", "sáng 15.", "ngày 12 và", "BKS 30A-", "(0236) 3822", "khóa X,", "Ths.", "ông Mc", "6%/", "USD/"} {
		f.Add(s)
	}
}

func FuzzExtractHTML(f *testing.F) {
	for _, name := range htmlFixtures {
		data, err := os.ReadFile(fixturePath(name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(data))
	}
	f.Add(`<article><h1>T</h1><p class="sapo">Lead dài hơn hai mươi ký tự.</p><p>Một. Hai.<br>Ba</p><ul><li>x</li></ul></article>`)
	f.Add(`<div><p>Xem thêm: <a href="/">tin</a></p><p>Nội dung &amp;nbsp;chính.</p></div>`)
	f.Add("<table><tr><td>Ô một</td><td>Ô hai</td></tr></table><p>Đoạn <b>đậm</b> cuối.</p>")
	f.Fuzz(func(t *testing.T, page string) {
		doc, err := ExtractHTML(strings.NewReader(page), ExtractOptions{MaxBytes: 1 << 20})
		if err != nil {
			if !errors.Is(err, ErrEmpty) && !errors.Is(err, ErrNotText) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("error without a sentinel: %v", err)
			}
			return
		}
		for _, b := range doc.Blocks {
			checkCleanText(t, b.Text)
			if strings.ContainsRune(b.Text, '\n') {
				t.Fatalf("block with a newline: %q", b.Text)
			}
		}
		checkSegmentation(t, doc)
	})
}

func FuzzSegment(f *testing.F) {
	addGoldenInputs(f)
	f.Add("Ông Nguyễn Văn T. (32 tuổi) nói: \"Tôi đồng ý. Ta bắt đầu.\" Hết...\n\nĐoạn hai\ncó dòng.")
	f.Add("giảm.Sáng nay PGS.TS. A và J. K. Rowling v.v. Inc. (...) Xong!?")
	f.Fuzz(func(t *testing.T, input string) {
		// Raw block: segmentation never drops or reorders text.
		raw := Document{Blocks: []Block{{KindParagraph, input}}}
		checkSegmentation(t, raw)
		// Through plain-text extraction.
		doc, err := ExtractText(input)
		if err != nil {
			if !errors.Is(err, ErrEmpty) && !errors.Is(err, ErrNotText) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("error without a sentinel: %v", err)
			}
			return
		}
		for _, b := range doc.Blocks {
			checkCleanText(t, b.Text)
		}
		checkSegmentation(t, doc)
	})
}

// checkSegmentation: every sentence is non-empty, trimmed and found at its
// offsets; per block, the sentences hold exactly the block's non-space
// text in order (no word lost).
func checkSegmentation(t *testing.T, doc Document) {
	t.Helper()
	sentences := Segment(doc)
	full := []rune(doc.Text())
	got := make([]strings.Builder, len(doc.Blocks))
	for i, s := range sentences {
		if s.Index != i || s.Block < 0 || s.Block >= len(doc.Blocks) {
			t.Fatalf("sentence %d: bad index/block %+v", i, s)
		}
		if s.Text == "" || strings.TrimSpace(s.Text) != s.Text {
			t.Fatalf("sentence %d not trimmed: %q", i, s.Text)
		}
		if s.CharStart < 0 || s.CharEnd > len(full) || s.CharStart >= s.CharEnd || string(full[s.CharStart:s.CharEnd]) != s.Text {
			t.Fatalf("sentence %d offsets [%d:%d] do not give %q", i, s.CharStart, s.CharEnd, s.Text)
		}
		got[s.Block].WriteString(withoutSpace(s.Text))
	}
	for bi, b := range doc.Blocks {
		if want := withoutSpace(string([]rune(b.Text))); got[bi].String() != want {
			t.Fatalf("block %d: sentences hold %q, block holds %q", bi, got[bi].String(), want)
		}
	}
}

func withoutSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

func checkCleanText(t *testing.T, s string) {
	t.Helper()
	if s == "" || strings.TrimSpace(s) != s {
		t.Fatalf("block not trimmed or empty: %q", s)
	}
	if !utf8.ValidString(s) || !norm.NFC.IsNormalString(s) {
		t.Fatalf("block is not valid NFC UTF-8: %q", s)
	}
	for _, r := range s {
		if isInvisible(r) || unicode.IsControl(r) && r != '\n' {
			t.Fatalf("block keeps invisible or control character %U: %q", r, s)
		}
	}
}

// Lowercase Vietnamese words, including ones that are also number words,
// time words and abbreviation look-alikes, and old-style tone placement.
var plainWords = strings.Fields(`giá xăng tăng mạnh người dân lo lắng năm tư mốt lăm linh lẻ mười mươi
	trăm nghìn triệu tỷ tháng ngày sáng chiều tối hôm thứ quý hạng giải lần khóa số ngõ đồng giờ phút
	từ đến tới và với của hoà thuỷ khoẻ hòa thủy khỏe quốc hội đại học việt nam trong ngoài trên dưới
	một hai ba bốn sáu bảy tám chín không âm dương cộng đô la mét gam lít độ phần nhân bằng khoảng
	ông bà anh chị em ảnh theo nguồn xem thêm tin liên quan kỷ kỉ chương điều vua nữ hoàng quận phường`)

var plainSeparators = []string{" ", " ", " ", ", ", ". ", ",", ".", "  ", " , ", "..."}

// plainText turns fuzz bytes into text made only of lowercase words,
// spaces, commas and periods.
func plainText(data string) string {
	var b strings.Builder
	for i := 0; i+1 < len(data) && i < 400; i += 2 {
		b.WriteString(plainWords[int(data[i])%len(plainWords)])
		b.WriteString(plainSeparators[int(data[i+1])%len(plainSeparators)])
	}
	return b.String()
}

func FuzzNormalize(f *testing.F) {
	addGoldenInputs(f)
	f.Add("\u200bVi\u0065\u0323\u0302t Nam (024) 3825 1234 “trích” $5 -7°C 14h30 25/11/2026 UBND TP.HCM Putin")
	n := NewNormalizer(NormalizeOptions{Lexicon: []Rule{
		{ID: "putin", Match: "Putin", Say: "Pu tin"},
		{ID: "vn", Match: "Việt Nam", Say: "Việt Nam"},
		{ID: "hb", Match: "hoà bình", Say: "hòa bình"},
	}})
	builtIn := NewNormalizer(NormalizeOptions{})
	f.Fuzz(func(t *testing.T, input string) {
		sp := n.NormalizeBlock(KindParagraph, input)
		if !utf8.ValidString(sp.Text) || !norm.NFC.IsNormalString(sp.Text) {
			t.Fatalf("output is not valid NFC UTF-8: %q", sp.Text)
		}
		in := []rune(input)
		last := 0
		for _, c := range sp.Changes {
			if c.Start < last || c.End < c.Start || c.End > len(in) || string(in[c.Start:c.End]) != c.Original || c.Rule == "" {
				t.Fatalf("bad change %+v for input %q", c, input)
			}
			last = c.End
		}
		for _, c := range Chunk(sp.Text, Limit{MaxBytes: 64}) {
			if len(c) > 64 || !utf8.ValidString(c) {
				t.Fatalf("chunk over the limit or broken: %q", c)
			}
		}
		plain := plainText(input)
		if got := builtIn.Normalize(plain); got.Text != plain || len(got.Changes) != 0 {
			t.Fatalf("plain lowercase text changed:\n in %q\nout %q\n%+v", plain, got.Text, got.Changes)
		}
	})
}
