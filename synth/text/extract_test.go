package text

import (
	"bytes"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestExtractHTMLFixtures(t *testing.T) {
	tests := []struct {
		file      string
		published string
		byline    string
		want      []Block
	}{
		{
			file:      "ngaynay-trieu-tien-nga.html",
			published: "2024-06-12T08:15:00+07:00",
			want: []Block{
				{KindTitle, `Triều Tiên là "đồng chí bất khả chiến bại" với Nga`},
				{KindLead, `(Ngày Nay) - Nhà lãnh đạo Kim Jong Un khẳng định Triều Tiên là "người đồng chí bất khả chiến bại" với Nga trong một thông điệp gửi tới Tổng thống Vladimir Putin.`},
				{KindParagraph, `Nhân dịp ngày quốc khánh Nga, ông Kim cho biết cuộc gặp với Tổng thống Putin tại một cơ sở phóng tàu vũ trụ của Nga năm ngoái đã nâng cao mối quan hệ trong "mối quan hệ chiến lược thế kỷ" giữa hai nước.`},
				{KindParagraph, `Thông điệp này được đưa ra sau khi tờ báo Vedomosti của Nga hôm thứ Hai đưa tin ông nhiều khả năng Putin sẽ thăm Triều Tiên trong những tuần tới.`},
				{KindParagraph, `Điện Kremlin cho biết Nga muốn thúc đẩy hợp tác với Triều Tiên "trong mọi lĩnh vực" nhưng chưa xác nhận ngày của chuyến thăm.`},
				{KindParagraph, `Ông Kim đã tới vùng Viễn Đông của Nga vào tháng 9 năm ngoái, tham quan trung tâm phóng vũ trụ Vostochny Cosmodrome, nơi ông Putin hứa sẽ giúp ông chế tạo vệ tinh.`},
				{KindParagraph, `Ông Kim cũng ca ngợi Nga đã đạt được kết quả trong nỗ lực xây dựng một đất nước hùng mạnh bất chấp việc "đàn áp và nghiền nát mọi thách thức, lệnh trừng phạt và áp lực của các thế lực thù địch".`},
				{KindParagraph, `Bình Nhưỡng và Moscow ngày càng tăng cường quan hệ ngoại giao và an ninh, đón tiếp các phái đoàn chính phủ, quốc hội và các phái đoàn khác trong những tháng gần đây.`},
				{KindParagraph, `Một nhóm quan chức Triều Tiên phụ trách an ninh nội địa dự kiến tới thăm Nga trong tuần này.`},
				{KindParagraph, `Các quan chức ở Washington và Seoul đã cáo buộc Triều Tiên vận chuyển vũ khí tới Nga để hỗ trợ cuộc chiến tại Ukraine để đổi lấy viện trợ công nghệ cho các chương trình hạt nhân và tên lửa của nước này.`},
				{KindParagraph, `Theo Reuters`},
			},
		},
		{
			file:      "article-semantic.html",
			published: "2025-10-10T07:00:00+07:00",
			byline:    "Minh Anh",
			want: []Block{
				{KindTitle, "Hà Nội khởi công cầu Trần Hưng Đạo"},
				{KindLead, "TTO - Sáng 10/10, UBND TP Hà Nội khởi công cầu Trần Hưng Đạo với tổng vốn đầu tư hơn 8.500 tỷ đồng."},
				{KindParagraph, "Cầu dài 5,4 km, rộng 43 m, nối quận Hoàn Kiếm với quận Long Biên. Dự kiến hoàn thành vào năm 2027."},
				{KindHeading, "Giảm tải cho cầu Chương Dương"},
				{KindParagraph, "Theo Sở GTVT, cầu sẽ giảm tải cho cầu Chương Dương và cầu Vĩnh Tuy… Mỗi ngày có khoảng 100.000 lượt xe qua khu vực này."},
				{KindListItem, "Làn xe cơ giới: 6 làn."},
				{KindListItem, "Làn xe thô sơ: 2 làn"},
				{KindQuote, "“Đây là công trình trọng điểm của Thủ đô”, Chủ tịch UBND TP nói."},
				{KindParagraph, "Diện tích mặt bằng cần giải phóng là 50.000 m2."},
			},
		},
		{
			file: "article-divsoup.html",
			want: []Block{
				{KindTitle, "Giá vàng lập đỉnh mới"},
				{KindLead, "Giá vàng SJC sáng nay tăng thêm 500.000 đồng/lượng, lên 89,5 triệu đồng/lượng."},
				{KindParagraph, "Lúc 9h, Công ty SJC niêm yết giá vàng miếng ở mức 87,5 - 89,5 triệu đồng/lượng (mua vào - bán ra)."},
				{KindParagraph, "Trên thị trường thế giới, giá vàng giao ngay tăng 1,2% lên 2.650 USD/ounce."},
				{KindParagraph, "Theo các chuyên gia, giá còn có thể tăng trong thời gian tới."},
			},
		},
		{
			file: "article-xemthem.html",
			want: []Block{
				{KindTitle, "Bộ GD&ĐT công bố lịch thi tốt nghiệp THPT 2025"},
				{KindLead, "(Dân trí) - Kỳ thi tốt nghiệp THPT năm 2025 diễn ra trong hai ngày 26 và 27/6."},
				{KindParagraph, "Theo Bộ GD&ĐT, thí sinh làm thủ tục dự thi vào ngày 25/6."},
				{KindParagraph, "Năm nay có khoảng 1,1 triệu thí sinh đăng ký dự thi trên cả nước."},
				{KindParagraph, "Thí sinh cần mang theo căn cước công dân do Việt Nam cấp."},
				{KindParagraph, `Ông Nguyễn Văn A, hiệu trưởng trường THPT Chu Văn An, cho biết: "Trường đã sẵn sàng".`},
				{KindParagraph, "Kết quả thi được công bố ngày 16/7."},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			f, err := os.Open(fixturePath(tc.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			doc, err := ExtractHTML(f, ExtractOptions{URL: "https://example.vn/" + tc.file})
			if err != nil {
				t.Fatalf("ExtractHTML: %v", err)
			}
			if !slices.Equal(doc.Blocks, tc.want) {
				t.Errorf("blocks:\n got: %s\nwant: %s", dumpBlocks(doc.Blocks), dumpBlocks(tc.want))
			}
			if doc.Title != tc.want[0].Text || doc.Lead != tc.want[1].Text {
				t.Errorf("Title/Lead = %q / %q, want the first two blocks", doc.Title, doc.Lead)
			}
			if doc.PublishedAt != tc.published || doc.Byline != tc.byline {
				t.Errorf("PublishedAt, Byline = %q, %q; want %q, %q", doc.PublishedAt, doc.Byline, tc.published, tc.byline)
			}
			for _, b := range doc.Blocks {
				if !norm.NFC.IsNormalString(b.Text) || strings.ContainsAny(b.Text, "\u00ad\u200b\u00a0") {
					t.Errorf("block not clean NFC text: %q", b.Text)
				}
			}
		})
	}
}

func dumpBlocks(bs []Block) string {
	var b strings.Builder
	for _, bl := range bs {
		b.WriteString("\n  " + string(bl.Kind) + ": " + bl.Text)
	}
	return b.String()
}

func TestExtractHTMLDropsPageFurniture(t *testing.T) {
	data, err := os.ReadFile(samplePage)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := ExtractHTML(bytes.NewReader(data), ExtractOptions{})
	if err != nil {
		t.Fatal(err)
	}
	text := doc.Text()
	for _, unwanted := range []string{"0:00", "Thời sự", "sân bay vũ trụ Vostochny tháng 9/2023", "Ảnh: Reuters",
		"Tin liên quan", "Khám phá công trình", "Giấy phép", "Thứ Tư, 12/6/2024", "Nghe bài viết"} {
		if strings.Contains(text, unwanted) {
			t.Errorf("extracted text contains %q", unwanted)
		}
	}
}

func TestExtractHTMLEntitiesAndInlineTags(t *testing.T) {
	page := `<html><body><article><h1>Ti&ecirc;u &#273;&#x1EC1;</h1>
<p>Gi&aacute; t&#259;ng&amp;nbsp;m&#7841;nh &ldquo;k&#7927; l&#7909;c&rdquo; &amp;amp; &#7843;nh h&#432;&#7903;ng t&#7899;i 100 m<sup>2</sup> &#273;&#7845;t &#7903; <b>H&agrave;</b> N&#7897;i, gi&aacute; 1&#x2009;000&#x2009;000 &#273;&#7891;ng.</p>
<p>&#8222;Tr&iacute;ch d&#7851;n&#8220; c&oacute; d&#7845;u l&#7841;.</p></article></body></html>`
	doc, err := ExtractHTML(strings.NewReader(page), ExtractOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Block{
		{KindTitle, "Tiêu đề"},
		{KindParagraph, "Giá tăng mạnh “kỷ lục” & ảnh hưởng tới 100 m2 đất ở Hà Nội, giá 1.000.000 đồng."},
		{KindParagraph, "“Trích dẫn“ có dấu lạ."},
	}
	if !slices.Equal(doc.Blocks, want) {
		t.Errorf("got %s\nwant %s", dumpBlocks(doc.Blocks), dumpBlocks(want))
	}
}

func TestExtractHTMLInlineRelatedBoxes(t *testing.T) {
	page := `<html><body><h1>Tiêu đề bài viết</h1><h2 class="detail-sapo">Sapo của bài viết đủ dài để làm lead.</h2>
<div class="detail-content"><p>Đoạn một của bài viết.</p>
<div class="VCSortableInPreviewMode" type="RelatedOneNews"><a href="/a">Tin cũ</a><p>Tóm tắt tin cũ không được đọc.</p></div>
<p>&gt;&gt; Xem thêm: <a href="/b">Một bài khác</a></p>
<p>Đoạn hai của bài viết.</p>
<p><em>Ảnh minh họa</em></p>
<p>Thủ tướng phát biểu tại hội nghị. Ảnh: Lâm Khánh/TTXVN.</p>
<p>Lực lượng cứu hộ tìm kiếm nạn nhân (Ảnh: Reuters).</p>
<p>Từ khóa: <a href="/t">giá vàng</a></p></div></body></html>`
	doc, err := ExtractHTML(strings.NewReader(page), ExtractOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Block{
		{KindTitle, "Tiêu đề bài viết"},
		{KindLead, "Sapo của bài viết đủ dài để làm lead."},
		{KindParagraph, "Đoạn một của bài viết."},
		{KindParagraph, "Đoạn hai của bài viết."},
		{KindParagraph, "Thủ tướng phát biểu tại hội nghị."},
		{KindParagraph, "Lực lượng cứu hộ tìm kiếm nạn nhân."},
	}
	if !slices.Equal(doc.Blocks, want) {
		t.Errorf("got %s\nwant %s", dumpBlocks(doc.Blocks), dumpBlocks(want))
	}
}

func TestExtractHTMLTitleFallback(t *testing.T) {
	tests := []struct{ head, url, want string }{
		{"<title>Giá vàng tăng | Báo Mẫu</title>", "", "Giá vàng tăng"},
		{"<title>Giá vàng tăng - Báo Mẫu</title>", "https://baomau.vn/gia-vang.html", "Giá vàng tăng"},
		{`<title>Giá vàng tăng - Báo Mẫu</title><meta property="og:site_name" content="Báo Mẫu">`, "", "Giá vàng tăng"},
		{"<title>Hà Nội - Hải Phòng thông tuyến</title>", "https://baomau.vn/x.html", "Hà Nội - Hải Phòng thông tuyến"},
		{`<title>Giá vàng tăng - Báo Mẫu</title><link rel="canonical" href="https://baomau.vn/gia-vang.html">`, "", "Giá vàng tăng"},
		{`<title>Giá vàng - Báo Mẫu</title><script type="application/ld+json">{"@type":"NewsArticle","headline":"Giá vàng tăng mạnh"}</script>`, "", "Giá vàng tăng mạnh"},
	}
	for _, tc := range tests {
		page := "<html><head>" + tc.head + "</head><body><div><p>Nội dung bài báo đủ dài để được đọc lên.</p></div></body></html>"
		doc, err := ExtractHTML(strings.NewReader(page), ExtractOptions{URL: tc.url})
		if err != nil {
			t.Fatal(err)
		}
		if doc.Title != tc.want || doc.Blocks[0] != (Block{KindTitle, tc.want}) {
			t.Errorf("%s: title %q, want %q", tc.head, doc.Title, tc.want)
		}
	}
}

func TestExtractHTMLBadInput(t *testing.T) {
	deep := "<html><body>" + strings.Repeat("<div>", 100000) + "Nội dung" + strings.Repeat("</div>", 100000) + "</body></html>"
	deepInline := "<html><body><p>" + strings.Repeat("<b><i>", 50000) + "Nội dung</p></body></html>"
	binary := string([]byte{0x89, 'P', 'N', 'G', 0, 0, 0, 0x0d, 0xff, 0xfe, 0, 1, 2, 3})
	tests := []struct {
		name  string
		input string
		opts  ExtractOptions
		want  error
	}{
		{"empty", "", ExtractOptions{}, ErrEmpty},
		{"whitespace", " \n\t  \r\n", ExtractOptions{}, ErrEmpty},
		{"no text", "<html><head><title>x</title></head><body><script>var a = 1;</script><img src=a.jpg></body></html>", ExtractOptions{}, ErrEmpty},
		{"binary", binary + strings.Repeat("\x00\x01", 100), ExtractOptions{}, ErrNotText},
		{"over limit", "<p>" + strings.Repeat("Tin tức. ", 2000) + "</p>", ExtractOptions{MaxBytes: 1000}, ErrTooLarge},
		{"10 MB", "<p>" + strings.Repeat("Tin tức hôm nay. ", 10<<20/20) + "</p>", ExtractOptions{}, ErrTooLarge},
		{"deeply nested blocks", deep, ExtractOptions{}, ErrTooLarge},
		{"deeply nested inline", deepInline, ExtractOptions{}, ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			_, err := ExtractHTML(strings.NewReader(tc.input), tc.opts)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

func TestExtractText(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []Block
	}{
		{
			name:  "blank lines separate paragraphs",
			input: "Đoạn một có hai câu. Câu thứ hai.\n\n\nĐoạn hai.",
			want:  []Block{{KindParagraph, "Đoạn một có hai câu. Câu thứ hai."}, {KindParagraph, "Đoạn hai."}},
		},
		{
			name:  "soft wrap before lowercase, hard break otherwise",
			input: "Chính phủ yêu cầu các bộ,\nngành khẩn trương.\nSáng nay trời mưa.",
			want:  []Block{{KindParagraph, "Chính phủ yêu cầu các bộ, ngành khẩn trương."}, {KindParagraph, "Sáng nay trời mưa."}},
		},
		{
			name:  "title, heading and list",
			input: "Giá vàng lập đỉnh mới\n\nSáng nay giá vàng tăng.\n\nDiễn biến thị trường\nCác yếu tố:\n1. Lãi suất giảm.\n2. Nhu cầu tăng.",
			want: []Block{
				{KindTitle, "Giá vàng lập đỉnh mới"},
				{KindParagraph, "Sáng nay giá vàng tăng."},
				{KindHeading, "Diễn biến thị trường"},
				{KindParagraph, "Các yếu tố:"},
				{KindListItem, "1. Lãi suất giảm."},
				{KindListItem, "2. Nhu cầu tăng."},
			},
		},
		{
			name:  "unicode cleanup",
			input: "\ufeffVi\u0065\u0323\u0302t Nam\u200b c\u00f3 \u201ek\u1ef3 t\u00edch\u201c, gi\u00e1\u00a0t\u0103ng &amp;nbsp;m\u1ea1nh, \u00d0\u00e0 N\u1eb5ng\u00ad.\r\n",
			want:  []Block{{KindParagraph, "Việt Nam có “kỳ tích“, giá tăng mạnh, Đà Nẵng."}},
		},
		{
			name:  "player text is not article text",
			input: "Tiêu đề bài\n\n0:00 / 0:00\n0:00\nNội dung bài viết.",
			want:  []Block{{KindTitle, "Tiêu đề bài"}, {KindParagraph, "Nội dung bài viết."}},
		},
		{
			name:  "mojibake repaired",
			input: "Viá»‡t Nam tÄƒng trÆ°á»Ÿng.",
			want:  []Block{{KindParagraph, "Việt Nam tăng trưởng."}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := ExtractText(tc.input)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(doc.Blocks, tc.want) {
				t.Errorf("got %s\nwant %s", dumpBlocks(doc.Blocks), dumpBlocks(tc.want))
			}
		})
	}
}

func TestExtractTextBadInput(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  error
	}{
		{"empty", "", ErrEmpty},
		{"whitespace only", "  \n\n\t \u00a0\u200b\n", ErrEmpty},
		{"binary", string([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0x00, 0x12}), ErrNotText},
		{"control characters", strings.Repeat("\x01\x02\x03ab", 50), ErrNotText},
		{"10 MB", strings.Repeat("Giá xăng tăng mạnh. ", 10<<20/22), ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			_, err := ExtractText(tc.input)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

// A long article under the limit goes through the whole front end in
// bounded time, including a "sentence" with no punctuation at all.
func TestFrontEndLargeInput(t *testing.T) {
	if testing.Short() {
		t.Skip("large input")
	}
	big := strings.Repeat("giá xăng tăng 5% trong tháng 4/2025 tại TP.HCM và ", 20000) // ~1 MB, one sentence
	start := time.Now()
	doc, err := ExtractText(big)
	if err != nil {
		t.Fatal(err)
	}
	n := NewNormalizer(NormalizeOptions{})
	total := 0
	for _, s := range Segment(doc) {
		sp := n.NormalizeBlock(doc.Blocks[s.Block].Kind, s.Text)
		for _, c := range Chunk(sp.Text, Limit{MaxBytes: 5000}) {
			total += len(c)
			if len(c) > 5000 || !utf8.ValidString(c) {
				t.Fatalf("bad chunk of %d bytes", len(c))
			}
		}
	}
	if total < len(big) {
		t.Errorf("spoken text shorter than input: %d < %d", total, len(big))
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("front end on %d bytes took %v", len(big), d)
	}
}
