package text

import (
	"slices"
	"strings"
	"testing"
)

func TestSegmentOffsetsIntoDocumentText(t *testing.T) {
	doc := Document{Blocks: []Block{
		{KindTitle, "Giá vàng lập đỉnh mới"},
		{KindLead, "TTO - Sáng 25/11, giá vàng tăng. Người dân “đổ xô” đi mua."},
		{KindParagraph, "Ông Nguyễn Văn T. (45 tuổi) nói: “Tôi lo lắm!” Sau đó ông rời đi…"},
		{KindParagraph, "   "},
		{KindQuote, "Việt Nam vô địch!"},
	}}
	got := Segment(doc)
	want := []struct {
		block int
		text  string
	}{
		{0, "Giá vàng lập đỉnh mới"},
		{1, "TTO - Sáng 25/11, giá vàng tăng."},
		{1, "Người dân “đổ xô” đi mua."},
		{2, "Ông Nguyễn Văn T. (45 tuổi) nói: “Tôi lo lắm!”"},
		{2, "Sau đó ông rời đi…"},
		{4, "Việt Nam vô địch!"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d sentences: %+v", len(got), got)
	}
	full := []rune(doc.Text())
	for i, s := range got {
		if s.Index != i || s.Block != want[i].block || s.Text != want[i].text {
			t.Errorf("sentence %d = %+v, want block %d %q", i, s, want[i].block, want[i].text)
		}
		if string(full[s.CharStart:s.CharEnd]) != s.Text {
			t.Errorf("offsets [%d:%d] give %q, want %q", s.CharStart, s.CharEnd, string(full[s.CharStart:s.CharEnd]), s.Text)
		}
	}
	if doc.Text() != strings.Join([]string{doc.Blocks[0].Text, doc.Blocks[1].Text, doc.Blocks[2].Text, doc.Blocks[3].Text, doc.Blocks[4].Text}, "\n\n") {
		t.Error("Text() must join blocks with a blank line")
	}
}

// Rules of §A beyond the golden file.
func TestSegmentRules(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"question and exclamation", "Tại sao? Không ai biết! Thật lạ.", []string{"Tại sao?", "Không ai biết!", "Thật lạ."}},
		{"repeated marks", "Thật vậy!!! Mọi người ngạc nhiên?!", []string{"Thật vậy!!!", "Mọi người ngạc nhiên?!"}},
		{"dotted initials", "Tác giả J.K. Rowling ra sách. Sách bán chạy.", []string{"Tác giả J.K. Rowling ra sách.", "Sách bán chạy."}},
		{"spaced initials", "Tác giả J. K. Rowling ra sách mới.", []string{"Tác giả J. K. Rowling ra sách mới."}},
		{"initial after kinship word", "Bị can L. khai nhận. Vụ án được chuyển.", []string{"Bị can L. khai nhận.", "Vụ án được chuyển."}},
		{"label letter", "Sản phẩm loại A. Sản phẩm loại B tốt hơn.", []string{"Sản phẩm loại A.", "Sản phẩm loại B tốt hơn."}},
		{"title compound", "Ông là PGS.TS. Nguyễn Văn An, giảng viên.", []string{"Ông là PGS.TS. Nguyễn Văn An, giảng viên."}},
		{"class B before capital", "Công ty Apple Inc. Đã công bố sản phẩm.", []string{"Công ty Apple Inc.", "Đã công bố sản phẩm."}},
		{"etc before capital", "Có máy tính, điện thoại, etc. Tất cả giảm giá.", []string{"Có máy tính, điện thoại, etc.", "Tất cả giảm giá."}},
		{"digit after stop", "Tăng trưởng đạt 7% năm 2019. 2020 là năm khó khăn.", []string{"Tăng trưởng đạt 7% năm 2019.", "2020 là năm khó khăn."}},
		{"unicode ellipsis", "Anh chờ… Cuối cùng xe cũng tới.", []string{"Anh chờ…", "Cuối cùng xe cũng tới."}},
		{"elision before capital", "Năm 2024 (...) Dự án tiếp tục.", []string{"Năm 2024 (...) Dự án tiếp tục."}},
		{"quote then lowercase", "Anh nói: “Tôi sẽ đi.” và bỏ ra ngoài.", []string{"Anh nói: “Tôi sẽ đi.” và bỏ ra ngoài."}},
		{"straight quotes", `Ông nói "Tôi đồng ý." Sau đó ông đi.`, []string{`Ông nói "Tôi đồng ý."`, "Sau đó ông đi."}},
		{"straight quote spanning sentences", `Ông nói: "Tôi đồng ý. Ta bắt đầu." Cả hội trường vỗ tay.`, []string{`Ông nói: "Tôi đồng ý.`, `Ta bắt đầu."`, "Cả hội trường vỗ tay."}},
		{"missing space", "Giá xăng giảm.Sáng nay trời mưa.", []string{"Giá xăng giảm.", "Sáng nay trời mưa."}},
		{"missing space in a URL", "Xem tại vnexpress.net.Sau đó đọc tiếp.", []string{"Xem tại vnexpress.net.Sau đó đọc tiếp."}},
		{"dateline stays attached", "TTO - Sáng 25/11, mưa lớn. Nhiều nơi ngập.", []string{"TTO - Sáng 25/11, mưa lớn.", "Nhiều nơi ngập."}},
		{"ip and version", "Máy chạy iOS 17.5 tại 192.168.1.1 ổn định. Hết.", []string{"Máy chạy iOS 17.5 tại 192.168.1.1 ổn định.", "Hết."}},
		{"roman list marker", "IV. Tổ chức thực hiện", []string{"IV. Tổ chức thực hiện"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, s := range Segment(Document{Blocks: []Block{{KindParagraph, tc.in}}}) {
				got = append(got, s.Text)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Segment(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}
