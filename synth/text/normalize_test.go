package text

import (
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestCardinal(t *testing.T) {
	tests := []struct {
		in   string
		v    Variants
		want string
	}{
		{"0", Variants{}, "không"},
		{"15", Variants{}, "mười lăm"},
		{"21", Variants{}, "hai mươi mốt"},
		{"24", Variants{}, "hai mươi tư"},
		{"24", Variants{FourAsBon: true}, "hai mươi bốn"},
		{"14", Variants{}, "mười bốn"},
		{"101", Variants{}, "một trăm linh một"},
		{"101", Variants{Le: true}, "một trăm lẻ một"},
		{"105", Variants{}, "một trăm linh năm"},
		{"111", Variants{}, "một trăm mười một"},
		{"1000", Variants{Ngan: true}, "một ngàn"},
		{"2024", Variants{}, "hai nghìn không trăm hai mươi tư"},
		{"2024", Variants{ShortHundreds: true}, "hai nghìn hai mươi tư"},
		{"1000001", Variants{ShortHundreds: true}, "một triệu linh một"},
		{"1000001", Variants{}, "một triệu không trăm linh một"},
		{"2050000", Variants{}, "hai triệu không trăm năm mươi nghìn"},
		{"1000005", Variants{}, "một triệu không trăm linh năm"},
		{"1005000000", Variants{}, "một tỷ không trăm linh năm triệu"},
		{"1000000000000", Variants{}, "một nghìn tỷ"},
		{"100000000000000", Variants{}, "một trăm nghìn tỷ"},
		{"1234567890123456", Variants{}, "một hai ba bốn năm sáu bảy tám chín không một hai ba bốn năm sáu"},
	}
	for _, tc := range tests {
		if got := tc.v.cardinal(tc.in); got != tc.want {
			t.Errorf("cardinal(%s, %+v) = %q, want %q", tc.in, tc.v, got, tc.want)
		}
	}
}

func TestRomanValue(t *testing.T) {
	for s, want := range map[string]int{"I": 1, "IV": 4, "IX": 9, "XIV": 14, "XXI": 21, "XL": 40, "MCMXC": 1990, "MMXXIV": 2024} {
		if got, ok := romanValue(s); !ok || got != want {
			t.Errorf("romanValue(%s) = %d, %v", s, got, ok)
		}
	}
	for _, s := range []string{"", "IIII", "VX", "IL", "IC", "MMMM", "ABC", "VV"} {
		if _, ok := romanValue(s); ok {
			t.Errorf("romanValue(%q) accepted", s)
		}
	}
}

// Rules of §B beyond the golden file, under the default settings.
func TestNormalizeRules(t *testing.T) {
	tests := []struct{ in, want string }{
		{"2.024", "hai nghìn không trăm hai mươi tư"},
		{"1,234,567", "một triệu hai trăm ba mươi tư nghìn năm trăm sáu mươi bảy"},
		{"Đề án 06", "Đề án không sáu"},
		{"từ 20/11-25/11/2024", "từ hai mươi tháng mười một đến hai mươi lăm tháng mười một năm hai nghìn không trăm hai mươi tư"},
		{"ngày 20-25/11/2024", "ngày hai mươi đến hai mươi lăm tháng mười một năm hai nghìn không trăm hai mươi tư"},
		{"11.2024", "tháng mười một năm hai nghìn không trăm hai mươi tư"},
		{"tháng 4", "tháng tư"},
		{"sau 2 tháng 4 ngày", "sau hai tháng bốn ngày"},
		{"Ngày 25/12 âm lịch", "Ngày hai mươi lăm tháng chạp âm lịch"},
		{"30/4", "ngày ba mươi tháng tư"},
		{"8:15", "tám giờ mười lăm phút"},
		{"14:30:15", "mười bốn giờ ba mươi phút mười lăm giây"},
		{"8-10h", "tám đến mười giờ"},
		{"mua 500g thịt", "mua năm trăm gam thịt"},
		{"10.000 VND", "mười nghìn đồng"},
		{"€10", "mười ơ rô"},
		{"US$ 2 tỷ", "hai tỷ đô la Mỹ"},
		{"2tr5", "hai triệu năm trăm nghìn"},
		{"5 tr. đồng", "năm triệu đồng"},
		{"100 km/h", "một trăm ki lô mét trên giờ"},
		{"100m²", "một trăm mét vuông"},
		{"6.1 inch", "sáu phẩy một inh"},
		{"thứ 4", "thứ tư"},
		{"thế kỷ XXI", "thế kỷ hai mươi mốt"},
		{"quý IV/2024", "quý bốn năm hai nghìn không trăm hai mươi tư"},
		{"Nữ hoàng Elizabeth II", "Nữ hoàng Elizabeth đệ nhị"},
		{"PGS.TS. Nguyễn Văn A", "phó giáo sư tiến sĩ Nguyễn Văn A"},
		{"GS. TS. Phạm Hùng", "giáo sư tiến sĩ Phạm Hùng"},
		{"P. Bến Nghé, Q. 1", "phường Bến Nghé, quận một"},
		{"Anh Nguyễn Văn H. cho biết", "Anh Nguyễn Văn H. cho biết"},
		{"0912 345 678", "không chín một hai, ba bốn năm, sáu bảy tám"},
		{"0912345678", "không chín một hai, ba bốn năm, sáu bảy tám"},
		{"+84 912 345 678", "cộng tám bốn, chín một hai, ba bốn năm, sáu bảy tám"},
		{"Đường dây nóng: 0912.345.678.", "Đường dây nóng: không chín một hai, ba bốn năm, sáu bảy tám."},
		{"gọi 113", "gọi một một ba"},
		{"1900 1234", "một chín không không, một hai ba bốn"},
		{"tỷ số 2-1", "tỷ số hai một"},
		{"hòa 1:1", "hòa một một"},
		{"sơ đồ 4-2-3-1", "sơ đồ bốn hai ba một"},
		{"ngõ 5/12", "ngõ năm trên mười hai"},
		{"2/3 số hộ", "hai phần ba số hộ"},
		{"Giá vàng tăng mạnh (khoảng 2%).", "Giá vàng tăng mạnh, khoảng hai phần trăm."},
		{"Ông nói: “Chúng tôi (...) sẽ tiếp tục”.", "Ông nói: Chúng tôi sẽ tiếp tục."},
		{"- Ông đánh giá thế nào?", "Ông đánh giá thế nào?"},
		{"Tuyến Hà Nội - Hải Phòng thông xe.", "Tuyến Hà Nội, Hải Phòng thông xe."},
		{"Hội chợ có cà phê v.v. Giá rẻ.", "Hội chợ có cà phê vân vân. Giá rẻ."},
		{"Các loại thuế, phí v.v. đều được miễn.", "Các loại thuế, phí vân vân đều được miễn."},
		{"Giá trị hợp đồng là 5 tỷ đ.", "Giá trị hợp đồng là năm tỷ đồng."},
		{"Bộ LĐ-TB&XH", "Bộ Lao động, Thương binh và Xã hội"},
		{"Quyết định 123/QĐ-TTg", "Quyết định một trăm hai mươi ba quyết định Thủ tướng"},
		{"ĐT Việt Nam thắng", "đội tuyển Việt Nam thắng"},
		{"ĐT: 0987654321", "điện thoại: không chín tám bảy, sáu năm bốn, ba hai một"},
		{"các TS dự thi", "các thí sinh dự thi"},
		{"Đại hội XIII", "Đại hội mười ba"},
		{"ĐH Đảng lần thứ XIII", "Đại hội Đảng lần thứ mười ba"},
		{"SEA Games 33", "Xi Ghêm ba mươi ba"},
		{"Covid-19", "Cô vít mười chín"},
		{"ODA", "o đê a"},
		{"192.168.1.1", "một trăm chín mươi hai chấm một trăm sáu mươi tám chấm một chấm một"},
		{"www.vnexpress.net", "vi en ếch prét chấm nét"},
		{"Nhiệt độ −7°C", "Nhiệt độ âm bảy độ xê"},
		{"1,5-2 triệu", "một phẩy năm đến hai triệu"},
		{"năm 2020-2021", "năm hai nghìn không trăm hai mươi đến hai nghìn không trăm hai mươi mốt"},
		{"10h30-11h", "mười giờ ba mươi phút đến mười một giờ"},
		{"Kim Sang-sik", "Kim Sang-sik"},
		{"24.250 đồng/USD", "hai mươi tư nghìn hai trăm năm mươi đồng một đô la Mỹ"},
		{"432/477 đại biểu", "bốn trăm ba mươi hai trên bốn trăm bảy mươi bảy đại biểu"},
		{"10%-15%", "mười phần trăm đến mười lăm phần trăm"},
		{"20/11 - 25/11", "ngày hai mươi tháng mười một đến hai mươi lăm tháng mười một"},
		{"5km-10km", "năm ki lô mét đến mười ki lô mét"},
		{"U.23 Việt Nam", "U hai mươi ba Việt Nam"},
		{"Mở cửa T2-T6, nghỉ T7, CN.", "Mở cửa thứ hai đến thứ sáu, nghỉ thứ bảy, Chủ nhật."},
		{"T2", "tê hai"},
		{"(-5 độ)", "âm năm độ"},
		{"90+3′", "chín mươi cộng ba phút"},
	}
	n := NewNormalizer(NormalizeOptions{})
	for _, tc := range tests {
		if got := n.Normalize(tc.in).Text; got != tc.want {
			t.Errorf("Normalize(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
}

func TestNormalizeVariants(t *testing.T) {
	tests := []struct {
		v        Variants
		in, want string
	}{
		{Variants{Ngan: true, Le: true}, "1.005 người", "một ngàn không trăm lẻ năm người"},
		{Variants{FourAsBon: true}, "năm 2024", "năm hai nghìn không trăm hai mươi bốn"},
		{Variants{ShortHundreds: true}, "năm 2024", "năm hai nghìn hai mươi tư"},
		{Variants{USD: "u ét đê"}, "5 USD và $3", "năm u ét đê và ba u ét đê"},
		{Variants{NoMinuteWord: true}, "lúc 14h30", "lúc mười bốn giờ ba mươi"},
		{Variants{NoDayWord: true}, "25/11/2026", "hai mươi lăm tháng mười một năm hai nghìn không trăm hai mươi sáu"},
		{Variants{FourAsBon: true}, "tháng 4 và thứ 4", "tháng tư và thứ tư"},
	}
	for _, tc := range tests {
		if got := NewNormalizer(NormalizeOptions{Variants: tc.v}).Normalize(tc.in).Text; got != tc.want {
			t.Errorf("%+v Normalize(%q) = %q, want %q", tc.v, tc.in, got, tc.want)
		}
	}
}

func TestNormalizeDatelineAndCapitals(t *testing.T) {
	n := NewNormalizer(NormalizeOptions{})
	tests := []struct {
		kind     BlockKind
		in, want string
	}{
		{KindLead, "(Ngày Nay) - Nhà lãnh đạo Kim Jong Un phát biểu.", "Nhà lãnh đạo Kim Châng Un phát biểu."},
		{KindLead, "TTO - Sáng 25/11, UBND TP Hà Nội họp.", "Sáng hai mươi lăm tháng mười một, Ủy ban nhân dân thành phố Hà Nội họp."},
		{KindLead, "VOV.VN - Hôm nay trời nắng.", "Hôm nay trời nắng."},
		{KindLead, "(PLO)- Giá xăng giảm.", "Giá xăng giảm."},
		{KindParagraph, "Tuyến Hà Nội - Hải Phòng thông xe.", "Tuyến Hà Nội, Hải Phòng thông xe."},
		{KindHeading, "AI - Cơ hội hay rủi ro", "ây ai, Cơ hội hay rủi ro."},
		{KindTitle, "TRIỀU TIÊN LÀ ĐỒNG CHÍ BẤT KHẢ CHIẾN BẠI VỚI NGA", "Triều tiên là đồng chí bất khả chiến bại với nga."},
		{KindTitle, "GIÁ VÀNG SJC TĂNG MẠNH", "Giá vàng ét gi xê tăng mạnh."},
		{KindHeading, "Giá vàng lập đỉnh mới", "Giá vàng lập đỉnh mới."},
		{KindParagraph, "Đây là ĐIỀU quan trọng.", "Đây là điều quan trọng."},
	}
	for _, tc := range tests {
		if got := n.NormalizeBlock(tc.kind, tc.in).Text; got != tc.want {
			t.Errorf("NormalizeBlock(%s, %q)\n got %q\nwant %q", tc.kind, tc.in, got, tc.want)
		}
	}
}

// Changes name the rule and the span of the caller's input, even when the
// input needed cleanup (NFD, zero-width characters, NBSP) first.
func TestNormalizeChangesPointIntoInput(t *testing.T) {
	nfd := norm.NFD.String("Ngày")
	in := "\u200b" + nfd + " 25/11/2026,\u00a0UBND TP.HCM chi 1.250 tỷ đồng."
	sp := NewNormalizer(NormalizeOptions{}).Normalize(in)
	if sp.Text != "Ngày hai mươi lăm tháng mười một năm hai nghìn không trăm hai mươi sáu, Ủy ban nhân dân Thành phố Hồ Chí Minh chi một nghìn hai trăm năm mươi tỷ đồng." {
		t.Fatalf("Text = %q", sp.Text)
	}
	want := []struct{ original, rule string }{
		{"25/11/2026", "date"}, {"UBND", "abbreviation"}, {"TP.HCM", "abbreviation"}, {"1.250", "number"},
	}
	if len(sp.Changes) != len(want) {
		t.Fatalf("Changes = %+v", sp.Changes)
	}
	runes := []rune(in)
	for i, c := range sp.Changes {
		if c.Original != want[i].original || c.Rule != want[i].rule {
			t.Errorf("change %d = %+v, want %q by %s", i, c, want[i].original, want[i].rule)
		}
		if string(runes[c.Start:c.End]) != c.Original {
			t.Errorf("change %d: input[%d:%d] = %q, Original %q", i, c.Start, c.End, string(runes[c.Start:c.End]), c.Original)
		}
	}
}

func TestNormalizeIdentityOnPlainWords(t *testing.T) {
	n := NewNormalizer(NormalizeOptions{})
	for _, in := range []string{
		"giá xăng tăng mạnh, người dân lo lắng.",
		"năm nay trời nắng.  hôm qua mưa , tối nay gió.",
		"hoà bình, thuỷ lợi, khoẻ mạnh",
		"",
		"...",
	} {
		sp := n.Normalize(in)
		if sp.Text != in || len(sp.Changes) != 0 {
			t.Errorf("Normalize(%q) = %q with %d changes", in, sp.Text, len(sp.Changes))
		}
	}
}

func TestNormalizerConcurrentUse(t *testing.T) {
	n := NewNormalizer(NormalizeOptions{Lexicon: []Rule{{ID: "r1", Match: "Kremlin", Say: "Crem lanh"}}})
	want := n.Normalize("Điện Kremlin ngày 12/6 có 1.000 khách.").Text
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				if got := n.Normalize("Điện Kremlin ngày 12/6 có 1.000 khách.").Text; got != want {
					t.Errorf("concurrent Normalize = %q, want %q", got, want)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestNormalizeOutputIsCleanText(t *testing.T) {
	n := NewNormalizer(NormalizeOptions{})
	for _, in := range []string{"\xff\xfe25/11\x00", "e\u0301\u0301 5%", strings.Repeat("(", 50) + "1" + strings.Repeat(")", 50)} {
		out := n.Normalize(in).Text
		if !utf8.ValidString(out) || !norm.NFC.IsNormalString(out) {
			t.Errorf("Normalize(%q) = %q: not valid NFC UTF-8", in, out)
		}
	}
}

func TestPreview(t *testing.T) {
	doc, err := ExtractText("Giá vàng tăng\n\nTTO - Ngày 25/11, giá tăng 5%. Người dân lo lắng.")
	if err != nil {
		t.Fatal(err)
	}
	n := NewNormalizer(NormalizeOptions{Lexicon: []Rule{{ID: "vang", Match: "giá vàng", Say: "giá vàng miếng"}}})
	got := n.Preview(doc)
	want := []struct {
		kind         BlockKind
		text, spoken string
		rules        []string
	}{
		{KindTitle, "Giá vàng tăng", "giá vàng miếng tăng.", []string{"lexicon:vang", "punctuation"}},
		{KindParagraph, "TTO - Ngày 25/11, giá tăng 5%.", "Ngày hai mươi lăm tháng mười một, giá tăng năm phần trăm.", []string{"dateline", "date", "number", "percent"}},
		{KindParagraph, "Người dân lo lắng.", "Người dân lo lắng.", nil},
	}
	if len(got) != len(want) {
		t.Fatalf("Preview = %+v", got)
	}
	for i, p := range got {
		var rules []string
		for _, c := range p.Changes {
			rules = append(rules, c.Rule)
		}
		if p.Kind != want[i].kind || p.Text != want[i].text || p.Spoken != want[i].spoken || strings.Join(rules, ",") != strings.Join(want[i].rules, ",") {
			t.Errorf("row %d = %+v (rules %v), want %+v", i, p, rules, want[i])
		}
		if p.Changes == nil {
			t.Errorf("row %d: Changes must be an empty list, not null, for JSON", i)
		}
	}
}

// TestAbbreviationTable: the embedded table is large, its written variants
// find their entry, and the ambiguous keys are left to the context rules.
func TestAbbreviationTable(t *testing.T) {
	if len(abbreviations) < 500 {
		t.Errorf("abbreviations.tsv has %d entries, want hundreds", len(abbreviations))
	}
	for _, k := range []string{"ĐH", "TS", "CN", "ĐT", "CP", "tr", "BCT", "CA"} {
		if _, ok := abbreviations[k]; ok {
			t.Errorf("ambiguous key %q has a fixed reading in abbreviations.tsv", k)
		}
	}
	n := NewNormalizer(NormalizeOptions{})
	for _, in := range []string{"KT-XH", "KT&XH", "KTXH"} {
		if got := n.Normalize("tình hình " + in).Text; got != "tình hình kinh tế - xã hội" {
			t.Errorf("%s: %q", in, got)
		}
	}
	for in, want := range map[string]string{
		"Bộ GD-ĐT":          "Bộ Giáo dục và Đào tạo",
		"Sở LĐ-TB&XH":       "Sở Lao động, Thương binh và Xã hội",
		"lực lượng TNXP":    "lực lượng thanh niên xung phong",
		"thẻ BHYT":          "thẻ bảo hiểm y tế",
		"BKS 30A-123.45":    "biển kiểm soát ba mươi a, một hai ba bốn năm",
		"BKS công ty":       "ban kiểm soát công ty",
		"CA tỉnh Nghệ An":   "Công an tỉnh Nghệ An",
		"TAND Q.Bình Thạnh": "Tòa án nhân dân quận Bình Thạnh",
	} {
		if got := n.Normalize(in).Text; got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}
