package text

import "strings"

// Dictionaries of the normalizer (docs/vietnamese-text.md §B.5–B.8). Keys
// are matched case-sensitively, as whole tokens; "&", "-" and "." inside a
// key are part of it ("GD&ĐT" never splits at "&").

// abbreviations expand without context.
var abbreviations = map[string]string{
	"UBND": "Ủy ban nhân dân", "HĐND": "Hội đồng nhân dân", "UBMTTQ": "Ủy ban Mặt trận Tổ quốc",
	"TP": "thành phố", "Tp": "thành phố", "TP.": "thành phố", "Tp.": "thành phố",
	"TP.HCM": "Thành phố Hồ Chí Minh", "TPHCM": "Thành phố Hồ Chí Minh", "TP HCM": "Thành phố Hồ Chí Minh",
	"Tp.HCM": "Thành phố Hồ Chí Minh", "TP. HCM": "Thành phố Hồ Chí Minh", "Tp HCM": "Thành phố Hồ Chí Minh",
	"Tp. HCM": "Thành phố Hồ Chí Minh", "TP.Hồ Chí Minh": "Thành phố Hồ Chí Minh",
	"HCM": "Hồ Chí Minh", "HN": "Hà Nội",
	"TW": "Trung ương", "TƯ": "Trung ương", "T.Ư": "Trung ương", "T.W": "Trung ương",
	"BCH TW": "Ban Chấp hành Trung ương", "BCHTW": "Ban Chấp hành Trung ương",
	"BCH TƯ": "Ban Chấp hành Trung ương", "BCHTƯ": "Ban Chấp hành Trung ương", "BCH": "Ban Chấp hành",
	"UBTVQH": "Ủy ban Thường vụ Quốc hội", "QH": "Quốc hội", "ĐBQH": "đại biểu Quốc hội",
	"MTTQ": "Mặt trận Tổ quốc", "ĐCSVN": "Đảng Cộng sản Việt Nam", "ĐCS": "Đảng Cộng sản",
	"TTXVN": "Thông tấn xã Việt Nam", "QĐND": "Quân đội nhân dân", "CAND": "Công an nhân dân",
	"CSGT": "cảnh sát giao thông", "CSCĐ": "cảnh sát cơ động", "CSHS": "cảnh sát hình sự",
	"TAND": "Tòa án nhân dân", "TANDTC": "Tòa án nhân dân tối cao",
	"VKSND": "Viện Kiểm sát nhân dân", "VKSNDTC": "Viện Kiểm sát nhân dân tối cao",
	"CQCSĐT": "Cơ quan Cảnh sát điều tra", "CQĐT": "cơ quan điều tra",
	"THPT": "trung học phổ thông", "THCS": "trung học cơ sở",
	"ĐHQG": "Đại học Quốc gia", "ĐHQGHN": "Đại học Quốc gia Hà Nội", "ĐHQG-HCM": "Đại học Quốc gia Thành phố Hồ Chí Minh",
	"CĐ":    "cao đẳng",
	"GD&ĐT": "Giáo dục và Đào tạo", "GDĐT": "Giáo dục và Đào tạo",
	"KH&CN": "Khoa học và Công nghệ", "KHCN": "khoa học công nghệ",
	"KH&ĐT": "Kế hoạch và Đầu tư", "KHĐT": "Kế hoạch và Đầu tư",
	"NN&PTNT": "Nông nghiệp và Phát triển nông thôn", "NNPTNT": "Nông nghiệp và Phát triển nông thôn",
	"NN&MT":    "Nông nghiệp và Môi trường",
	"LĐ-TB&XH": "Lao động, Thương binh và Xã hội", "LĐTB&XH": "Lao động, Thương binh và Xã hội",
	"LĐTBXH": "Lao động, Thương binh và Xã hội",
	"TN&MT":  "Tài nguyên và Môi trường", "TNMT": "Tài nguyên và Môi trường",
	"TT&TT": "Thông tin và Truyền thông", "TTTT": "Thông tin và Truyền thông",
	"VH-TT&DL": "Văn hóa, Thể thao và Du lịch", "VHTT&DL": "Văn hóa, Thể thao và Du lịch",
	"VHTTDL": "Văn hóa, Thể thao và Du lịch",
	"GTVT":   "Giao thông vận tải", "NHNN": "Ngân hàng Nhà nước", "LHQ": "Liên hợp quốc",
	"GS": "giáo sư", "PGS": "phó giáo sư", "ThS": "thạc sĩ", "Ths": "thạc sĩ", "Th.S": "thạc sĩ",
	"TSKH": "tiến sĩ khoa học", "BS": "bác sĩ", "BSCKI": "bác sĩ chuyên khoa một",
	"BSCKII": "bác sĩ chuyên khoa hai", "CKI": "chuyên khoa một", "CKII": "chuyên khoa hai",
	"KS": "kỹ sư", "KTS": "kiến trúc sư", "LS": "luật sư", "NCS": "nghiên cứu sinh",
	"Gs": "giáo sư", "Pgs": "phó giáo sư", "Bs": "bác sĩ", "Ts": "tiến sĩ",
	"NSND": "Nghệ sĩ nhân dân", "NSƯT": "Nghệ sĩ ưu tú", "NGND": "Nhà giáo nhân dân", "NGƯT": "Nhà giáo ưu tú",
	"AHLĐ": "Anh hùng Lao động", "AHLLVTND": "Anh hùng Lực lượng vũ trang nhân dân",
	"HLV": "huấn luyện viên", "CLB": "câu lạc bộ", "VĐV": "vận động viên", "CĐV": "cổ động viên",
	"BTC": "ban tổ chức", "BGK": "ban giám khảo", "ĐTQG": "đội tuyển quốc gia", "ĐTVN": "đội tuyển Việt Nam",
	"BHXH": "bảo hiểm xã hội", "BHYT": "bảo hiểm y tế", "BHTN": "bảo hiểm thất nghiệp",
	"PCCC": "phòng cháy chữa cháy", "CNCH": "cứu nạn cứu hộ",
	"ATGT": "an toàn giao thông", "TNGT": "tai nạn giao thông", "ATTP": "an toàn thực phẩm",
	"DN": "doanh nghiệp", "DNNN": "doanh nghiệp nhà nước", "CTCP": "công ty cổ phần",
	"TNHH": "trách nhiệm hữu hạn", "HĐQT": "hội đồng quản trị", "TGĐ": "tổng giám đốc",
	"PTGĐ": "phó tổng giám đốc", "GĐ": "giám đốc", "BĐS": "bất động sản", "TTCK": "thị trường chứng khoán",
	"KT-XH": "kinh tế - xã hội", "KTXH": "kinh tế - xã hội",
	"ĐBSCL": "Đồng bằng sông Cửu Long", "ĐBSH": "Đồng bằng sông Hồng",
	"NĐ": "nghị định", "QĐ": "quyết định", "NQ": "nghị quyết", "TTg": "Thủ tướng",
	"TX.": "thị xã", "TX": "thị xã", "TT.": "thị trấn", "KP.": "khu phố", "KP": "khu phố",
	"v.v": "vân vân", "V.v": "vân vân",
	"SĐT": "số điện thoại", "v/v": "về việc", "V/v": "về việc",
	"TCN": "trước Công nguyên", "SCN": "sau Công nguyên",
	"TNCS": "Thanh niên Cộng sản", "HSSV": "học sinh, sinh viên", "SV": "sinh viên", "HS": "học sinh",
	"GV": "giáo viên", "UBKT": "Ủy ban Kiểm tra", "BBT": "Ban Bí thư", "TBT": "Tổng Bí thư",
	"CTN": "Chủ tịch nước", "BQL": "ban quản lý", "BCĐ": "ban chỉ đạo",
	"KCN": "khu công nghiệp", "KĐT": "khu đô thị", "CCN": "cụm công nghiệp",
	"XHCN": "xã hội chủ nghĩa", "CHXHCN": "Cộng hòa xã hội chủ nghĩa",
	"CNTT": "công nghệ thông tin", "KHKT": "khoa học kỹ thuật", "PV": "phóng viên", "BTV": "biên tập viên",
	"ANTĐ": "An ninh Thủ đô", "CATP": "Công an thành phố", "BV": "bệnh viện", "BVĐK": "bệnh viện đa khoa",
	"ĐHĐCĐ": "đại hội đồng cổ đông", "UBATGTQG": "Ủy ban An toàn giao thông Quốc gia",
	"EU": "Liên minh châu Âu", "WHO": "Tổ chức Y tế Thế giới", "WTO": "Tổ chức Thương mại Thế giới",
	"IMF": "Quỹ Tiền tệ Quốc tế", "WB": "Ngân hàng Thế giới", "ADB": "Ngân hàng Phát triển châu Á",
	"AI": "ây ai", "VND": "đồng", "VNĐ": "đồng", "GD": "giáo dục",
	"SEA Games": "Xi Ghêm", "SEA GAMES": "Xi Ghêm",
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
var beforeNumber = map[string]string{"TT": "thông tư", "CT": "chỉ thị", "QL": "quốc lộ", "ĐT": "điện thoại", "Q": "quận"}

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
}

// Foreign names and brands respelled for a Vietnamese voice (§B.8 option a).
var respellings = map[string]string{
	"Reuters": "Roi tơ", "Washington": "Oa sinh tơn", "Putin": "Pu tin", "iPhone": "ai phôn",
	"iPad": "ai pát", "Facebook": "Phây búc", "Google": "Gu gồ", "YouTube": "Diu túp",
	"Youtube": "Diu túp", "TikTok": "Tích tốc", "Moscow": "Mát xcơ va", "Ukraine": "U crai na",
	"London": "Luân Đôn", "Paris": "Pa ri", "Microsoft": "Mai crô xốp", "Apple": "Áp pồ",
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
var dayMonthContext = setOf("ngày", "mùng", "mồng", "hôm", "sáng", "trưa", "chiều", "tối", "đêm", "khuya", "rạng")

// Nouns that name a place or body after which a day and month is part of
// the name ("công viên 30/4", "đường 3-2"): a date read without "ngày".
var nameHeads = setOf("đường", "phố", "viên", "cầu", "trường", "sân", "chợ", "bến", "cảng", "cung", "hồ",
	"ga", "khu", "giải", "cúp", "cup", "đoàn", "viện", "đài", "tháp", "xưởng")

// Words before "18k" that make the k karat.
var goldWords = setOf("vàng", "karat", "kara", "nhẫn", "trang", "sức", "kim", "hoàn")

// Words before "50K" that make a capital K thousands of đồng.
var priceWords = setOf("giá", "chỉ", "còn", "mua", "bán", "phí", "vé", "tiền", "lương", "thưởng", "tặng", "từ",
	"khoảng", "đồng", "giảm", "tăng", "thu", "trả", "nạp", "góp", "ủng", "hộ", "lãi", "mức")

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
}
