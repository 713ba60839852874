package text

import (
	_ "embed"
	"fmt"
	"strings"
)

// Dictionaries of the normalizer (docs/vietnamese-text.md §B.5–B.8). Keys
// are matched case-sensitively, as whole tokens; "&", "-" and "." inside a
// key are part of it ("GD&ĐT" never splits at "&").

// abbreviations expand without context; the data is abbreviations.tsv.
var abbreviations = loadTSV(abbreviationsTSV, "abbreviations.tsv")

//go:embed abbreviations.tsv
var abbreviationsTSV string

// abbrevVariants finds an abbreviation written with other separators than
// its dictionary key ("KT&XH", "KTXH" for "KT-XH"): keys without spaces,
// squeezed of "&", "-", "." and "/". A squeezed form two keys share with
// different readings is left out.
var abbrevVariants = func() map[string]string {
	m := map[string]string{}
	clash := map[string]bool{}
	for k, v := range abbreviations {
		if strings.Contains(k, " ") {
			continue
		}
		sq := squeezeKey(k)
		if old, ok := m[sq]; ok && old != v {
			clash[sq] = true
		}
		m[sq] = v
	}
	for sq := range clash {
		delete(m, sq)
	}
	return m
}()

func squeezeKey(k string) string {
	if !strings.ContainsAny(k, "&-./") {
		return k
	}
	return strings.Map(func(r rune) rune {
		if r == '&' || r == '-' || r == '.' || r == '/' {
			return -1
		}
		return r
	}, k)
}

// loadTSV parses KEY<TAB>VALUE lines; blank lines and lines starting with
// "#" are skipped. The files are embedded, so a malformed line or a
// duplicate key is a programming error caught by any test.
func loadTSV(data, name string) map[string]string {
	m := map[string]string{}
	for n, line := range strings.Split(data, "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" || line[0] == '#' {
			continue
		}
		k, v, ok := strings.Cut(line, "\t")
		if !ok || k == "" || strings.TrimSpace(v) == "" || strings.Contains(v, "\t") {
			panic(fmt.Sprintf("%s:%d: want KEY<TAB>VALUE, got %q", name, n+1, line))
		}
		if _, dup := m[k]; dup {
			panic(fmt.Sprintf("%s:%d: duplicate key %q", name, n+1, k))
		}
		m[k] = v
	}
	return m
}

// Parts of dotted title compounds ("PGS.TS.", "ThS.DS", "BS.CKI") and their
// readings, keyed in upper case: compounds are written in any
// capitalisation ("Ths.Bs"). Segmentation never ends a sentence after one.
var titleReadings = map[string]string{
	"GS": "giáo sư", "PGS": "phó giáo sư", "TS": "tiến sĩ", "THS": "thạc sĩ", "TSKH": "tiến sĩ khoa học",
	"BS": "bác sĩ", "KS": "kỹ sư", "KTS": "kiến trúc sư", "NCS": "nghiên cứu sinh", "LS": "luật sư",
	"DS": "dược sĩ", "CN": "cử nhân", "ĐD": "điều dưỡng", "CKI": "chuyên khoa một", "CKII": "chuyên khoa hai",
	"BSCKI": "bác sĩ chuyên khoa một", "BSCKII": "bác sĩ chuyên khoa hai", "BSNT": "bác sĩ nội trú",
	"DSCKI": "dược sĩ chuyên khoa một", "DSCKII": "dược sĩ chuyên khoa hai", "BSCK": "bác sĩ chuyên khoa",
	"NSND": "Nghệ sĩ nhân dân", "NSƯT": "Nghệ sĩ ưu tú", "NGND": "Nhà giáo nhân dân", "NGƯT": "Nhà giáo ưu tú",
	"TTND": "Thầy thuốc nhân dân", "TTƯT": "Thầy thuốc ưu tú", "KTV": "kỹ thuật viên",
}

// titleReading reads one part of a title compound, in any capitalisation.
func titleReading(w string) (string, bool) {
	if len(w) > 8 {
		return "", false
	}
	r, ok := titleReadings[strings.ToUpper(w)]
	return r, ok
}

// Single-letter administrative abbreviations, expanded only as "Q. 1",
// "P. Bến Nghé", "Q.1" (§A.4, §B.7).
var adminLetters = map[string]string{"Q": "quận", "P": "phường", "H": "huyện", "X": "xã"}

// Keys read only in front of a number ("TT 29", "QL1A").
var beforeNumber = map[string]string{"TT": "thông tư", "CT": "chỉ thị", "QL": "quốc lộ", "ĐT": "điện thoại", "Q": "quận",
	"BKS": "biển kiểm soát", "Km": "ki lô mét", "KM": "ki lô mét", "TL": "tỉnh lộ", "HĐ": "hợp đồng"}

// Codes inside legal document numbers ("29/2024/TT-BGDĐT").
var docCodeParts = map[string]string{
	"QĐ": "quyết định", "NĐ": "nghị định", "NQ": "nghị quyết", "TT": "thông tư", "CT": "chỉ thị",
	"TTg": "Thủ tướng", "CP": "Chính phủ", "UBND": "Ủy ban nhân dân", "HĐND": "Hội đồng nhân dân",
	"BGDĐT": "Bộ Giáo dục và Đào tạo", "BTC": "Bộ Tài chính", "BYT": "Bộ Y tế", "BCA": "Bộ Công an",
	"BTTTT": "Bộ Thông tin và Truyền thông", "GP": "giấy phép", "QH": "Quốc hội",
	"BQP": "Bộ Quốc phòng", "BCT": "Bộ Công Thương", "NHNN": "Ngân hàng Nhà nước",
	"BLĐTBXH": "Bộ Lao động, Thương binh và Xã hội", "BTNMT": "Bộ Tài nguyên và Môi trường",
	"BGTVT": "Bộ Giao thông vận tải", "BXD": "Bộ Xây dựng", "BNNPTNT": "Bộ Nông nghiệp và Phát triển nông thôn",
	"UBTVQH": "Ủy ban Thường vụ Quốc hội", "VPCP": "Văn phòng Chính phủ", "TW": "Trung ương",
}

// Acronyms read as words (§B.8), keyed in upper case.
var wordLikeAcronyms = map[string]string{
	"NATO": "Na tô", "ASEAN": "A xê an", "APEC": "A pếch", "OPEC": "Ô pếch", "UNESCO": "U nét xcô",
	"FIFA": "Phi pha", "NASA": "Na sa", "COVID": "Cô vít", "UNICEF": "U ni xép", "UEFA": "U ê pha",
	"SARS": "Sát", "AIDS": "Ết", "INTERPOL": "In tơ pôn", "ASIAD": "A xi át",
	"VIP": "Víp", "SIM": "Sim", "LED": "Lét", "ASEM": "A xem", "IATA": "I a ta", "ICAO": "I ca o",
	"MERS": "Mơ", "ISIS": "I xít", "NASDAQ": "Nát đác", "SEAMEO": "Xi mê ô", "ASEANAPOL": "A xê a na pôn",
}

// Letter names used when an acronym is spelled (§B.8).
var letterNames = map[rune]string{
	'A': "a", 'Ă': "á", 'Â': "ớ", 'B': "bê", 'C': "xê", 'D': "đê", 'Đ': "đê", 'E': "e", 'Ê': "ê",
	'F': "ép", 'G': "gờ", 'H': "hát", 'I': "i", 'J': "gi", 'K': "ca", 'L': "lờ", 'M': "mờ", 'N': "en",
	'O': "o", 'Ô': "ô", 'Ơ': "ơ", 'P': "pê", 'Q': "quy", 'R': "rờ", 'S': "ét", 'T': "tê", 'U': "u",
	'Ư': "ư", 'V': "vê", 'W': "vê kép", 'X': "ích", 'Y': "i dài", 'Z': "dét",
}

// Words for labels of web addresses and e-mail hosts.
var urlLabels = map[string]string{
	"tuoitre": "tuổi trẻ", "thanhnien": "thanh niên", "dantri": "dân trí", "nhandan": "nhân dân",
	"vnexpress": "vi en ếch prét", "laodong": "lao động", "baochinhphu": "báo chính phủ",
	"vietnamnet": "việt nam nét", "tienphong": "tiền phong", "ngaynay": "ngày nay",
	"info": "in phô", "news": "niu", "mail": "meo", "gmail": "gờ meo", "yahoo": "da hu",
	"google": "gu gồ", "facebook": "phây búc", "youtube": "diu túp", "hotmail": "hót meo",
	"vn": "vê en", "com": "com", "net": "nét", "org": "o rờ gờ", "edu": "e đu", "gov": "gờ o vê",
	"io": "i o", "www": "vê kép vê kép vê kép",
}

// Units read after a number (§B.5), by the token as written.
var units = map[string]string{
	"km": "ki lô mét", "m": "mét", "cm": "xen ti mét", "mm": "mi li mét", "dm": "đề xi mét",
	"nm": "na nô mét", "μm": "mi crô mét", "kg": "ki lô gam", "g": "gam", "mg": "mi li gam",
	"l": "lít", "L": "lít", "ml": "mi li lít", "mL": "mi li lít", "ha": "héc ta",
	"kW": "ki lô oát", "MW": "mê ga oát", "GW": "gi ga oát", "W": "oát", "kWh": "ki lô oát giờ",
	"MWh": "mê ga oát giờ", "GWh": "gi ga oát giờ", "V": "vôn", "kV": "ki lô vôn", "mAh": "mi li am pe giờ",
	"Hz": "héc", "kHz": "ki lô héc", "MHz": "mê ga héc", "GHz": "gi ga héc",
	"KB": "ki lô bai", "MB": "mê ga bai", "GB": "gi ga bai", "TB": "tê ra bai",
	"Mbps": "mê ga bít trên giây", "Gbps": "gi ga bít trên giây",
	"inch": "inh", "cc": "xê xê", "kcal": "ki lô ca lo", "cal": "ca lo", "ppm": "pê pê mờ",
	"h": "giờ", "s": "giây", "ph": "phút", "mmHg": "mi li mét thủy ngân", "Ω": "ôm",
}

// Currencies after a number (or after a magnitude word that follows one).
var currencies = map[string]string{
	"đ": "đồng", "₫": "đồng", "VND": "đồng", "VNĐ": "đồng", "vnđ": "đồng", "vnd": "đồng", "Đ": "đồng",
	"EUR": "ơ rô", "€": "ơ rô", "£": "bảng Anh", "GBP": "bảng Anh", "¥": "yên", "JPY": "yên",
	"CNY": "nhân dân tệ", "NDT": "nhân dân tệ", "₩": "won", "KRW": "won", "THB": "bạt",
	"SGD": "đô la Singapore", "AUD": "đô la Úc", "CAD": "đô la Canada",
}

// Magnitude words that may sit between a number and its currency or unit.
var magnitudes = setOf("nghìn", "ngàn", "triệu", "tỷ", "tỉ", "trăm", "chục")

// Words before a date after which "ngày" is not inserted (§B.4).
var noDayPrefix = setOf("ngày", "mùng", "mồng", "hôm", "sáng", "trưa", "chiều", "tối", "đêm",
	"khuya", "rạng", "từ", "đến", "tới", "và", "hoặc", "hay", "nay", "qua", "mai", "–", "-")

// Words that make a bare d/m a date.
var dateContext = setOf("ngày", "mùng", "mồng", "hôm", "sáng", "trưa", "chiều", "tối", "đêm", "khuya",
	"rạng", "từ", "đến", "tới", "vào", "lễ", "dịp", "nay", "qua", "mai", "trước", "sau", "hạn", "kể")

// Words after which "9-4" and "15.10" are a day and month, not a range or
// a decimal: day words and times of day (§B.4).
var dayMonthContext = setOf("ngày", "mùng", "mồng", "hôm", "sáng", "trưa", "chiều", "tối", "đêm", "khuya", "rạng",
	"lễ", "dịp", "niệm", "tết")

// Words that count what a range before them measures ("9-10 giờ").
var counterWords = setOf("giờ", "tiếng", "phút", "giây", "ngày", "tuần", "tháng", "năm", "độ", "người",
	"lần", "ca", "vụ", "triệu", "tỷ", "nghìn", "ngàn", "trăm", "chục", "tuổi", "cm", "km", "m", "kg")

// Words after "năm" that make it "the year" ("9-4 năm nay"), not a count.
var yearDeictics = setOf("nay", "ngoái", "trước", "sau", "tới", "qua", "này", "đó", "ấy")

// Nouns that name a place or body after which a day and month is part of
// the name ("công viên 30/4", "đường 3-2"): a date read without "ngày".
var nameHeads = setOf("đường", "phố", "viên", "cầu", "trường", "sân", "chợ", "bến", "cảng", "cung", "hồ",
	"ga", "khu", "giải", "cúp", "cup", "đoàn", "viện", "đài", "tháp", "xưởng")

// Words before "18k" that make the k karat.
var goldWords = setOf("vàng", "karat", "kara", "nhẫn", "trang", "sức", "kim", "hoàn")

// Words before "5K" that make the capital K a letter: slogans, screens,
// races.
var letterKWords = setOf("điệp", "hình", "giải", "video", "tivi", "TV", "chuẩn", "thức", "chạy", "ly", "phim",
	"camera", "khẩu", "hiệu", "nét")

// Words that make a d/m an address ("số 12/3", "ngõ 5/12").
var addressContext = setOf("số", "ngõ", "hẻm", "ngách", "kiệt", "nhà", "lô", "căn", "phòng")

// Words that announce a clock time ("lúc 21g").
var timeContext = setOf("lúc", "từ", "đến", "tới", "sáng", "chiều", "tối", "trưa", "đêm", "khuya", "vào", "khoảng", "trước", "sau")

// Keywords after which a Roman numeral is a number (§B.6), by last word,
// lower case; two-word keywords are checked by their last word plus the
// word before.
var romanKeywords = setOf("kỷ", "kỉ", "thứ", "chương", "phần", "mục", "đoạn", "năm", "khoản", "lục",
	"khóa", "khoá", "số", "điều", "bài", "khối", "quý", "hội", "họp", "đoàn", "chiến", "khu",
	"tập", "kỳ", "kì", "lần", "giai", "vòng", "cấp", "hạng", "quyển", "tiết")

// Administrative units named after an office ("CA tỉnh", "UBND huyện").
var adminWords = setOf("tỉnh", "huyện", "quận", "phường", "xã", "thành", "thị", "tp", "tp.")

// Words of trade, industry and energy news: "BCT" there is Bộ Công
// Thương, not Bộ Chính trị.
var tradeWords = setOf("thương", "xuất", "nhập", "xăng", "dầu", "điện", "năng", "nghiệp", "giá")

// Words that join the items of a list ("khóa X, XI và XII").
var listWords = setOf("và", "đến", "tới", "hoặc", "hay")

// Titles that make "Charles III" a regnal number ("đệ tam").
var regnalTitles = setOf("vua", "hoàng", "giáo", "vương", "nữ", "quốc", "thân", "công", "tử")

var regnalWords = [5]string{"", "đệ nhất", "đệ nhị", "đệ tam", "đệ tứ"}

// Words before a digit string that make it a phone number.
var phoneContext = setOf("gọi", "hotline", "nóng", "đài", "thoại", "ĐT", "SĐT", "fax", "Fax", "Hotline", "ĐTDĐ", "zalo", "Zalo")

// Sources written as a dateline prefix ("TTO - ", "VOV.VN - ").
var datelineSources = []string{
	"TTO", "VOV.VN", "VOV", "VTV.vn", "VTV.VN", "VTV", "TTXVN", "ANTĐ", "VTC News", "VnExpress",
	"Dân trí", "Zing", "VietNamNet", "SGGP", "SGGPO", "PLO", "NLĐO", "GDVN", "TPO", "CAND", "QĐND",
	"VTC", "Infonet", "VnMedia", "Kinhtedothi", "Ngày Nay", "VOV.vn", "TN", "VNA", "TTXVN/Vietnam+",
	"HTV", "NLĐ", "THVN",
}
