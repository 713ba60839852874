package text

import "strings"

// Variants are the readings that differ by region or house style
// (docs/vietnamese-text.md §B). The zero value is the default: northern,
// broadcast style.
type Variants struct {
	Ngan          bool   // "ngàn" for 10³ instead of "nghìn" (southern)
	Le            bool   // "lẻ" instead of "linh" for a zero ten (101 một trăm lẻ một)
	FourAsBon     bool   // "bốn" instead of "tư" after "mươi" (24 hai mươi bốn)
	ShortHundreds bool   // 2024 "hai nghìn hai mươi tư" instead of "hai nghìn không trăm hai mươi tư"
	USD           string // spoken form of USD and $; "" means "đô la Mỹ" (alternatives: "đô la", "đô", "u ét đê")
	NoMinuteWord  bool   // 14h30 "mười bốn giờ ba mươi" instead of "… ba mươi phút"
	NoDayWord     bool   // do not insert "ngày" before a bare date
}

var digitWords = [10]string{"không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"}

// maxCardinalDigits: longer digit strings are read digit by digit (§B.2).
const maxCardinalDigits = 15

func (v Variants) thousand() string {
	if v.Ngan {
		return "ngàn"
	}
	return "nghìn"
}

func (v Variants) usd() string {
	if v.USD != "" {
		return v.USD
	}
	return "đô la Mỹ"
}

// cardinal reads a string of ASCII digits as a Vietnamese cardinal number.
func (v Variants) cardinal(ds string) string {
	ds = strings.TrimLeft(ds, "0")
	if ds == "" {
		return "không"
	}
	if len(ds) > maxCardinalDigits {
		return spellDigits(ds)
	}
	var b strings.Builder
	v.appendGroups(&b, ds, true)
	return b.String()
}

// cardinalInt is cardinal for small numbers already parsed.
func (v Variants) cardinalInt(n int) string {
	return v.cardinal(itoa(n))
}

// appendGroups reads ds (no leading zeros unless it is not the leading
// part) split at tỷ, then in groups of three.
func (v Variants) appendGroups(b *strings.Builder, ds string, leading bool) {
	if len(ds) > 9 {
		high, low := ds[:len(ds)-9], ds[len(ds)-9:]
		v.appendGroups(b, high, leading)
		word(b, "tỷ")
		if strings.Trim(low, "0") != "" {
			v.appendGroups(b, low, false)
		}
		return
	}
	scales := [3]string{"", v.thousand(), "triệu"}
	// Pad to a multiple of three.
	for len(ds)%3 != 0 {
		ds = "0" + ds
	}
	ng := len(ds) / 3
	first := leading
	for g := 0; g < ng; g++ {
		grp := ds[g*3 : g*3+3]
		if grp == "000" {
			continue
		}
		v.appendGroup(b, int(grp[0]-'0'), int(grp[1]-'0'), int(grp[2]-'0'), first)
		first = false
		if s := scales[ng-1-g]; s != "" {
			word(b, s)
		}
	}
}

// appendGroup reads one group h t u. A leading group drops its zero
// hundreds; other groups say "không trăm" in the full style.
func (v Variants) appendGroup(b *strings.Builder, h, t, u int, leading bool) {
	switch {
	case h > 0:
		word(b, digitWords[h])
		word(b, "trăm")
	case !leading && !v.ShortHundreds && (t > 0 || u > 0):
		word(b, "không trăm")
	}
	afterHundred := h > 0 || !leading
	switch {
	case t == 0:
		if u == 0 {
			return
		}
		if afterHundred {
			if v.Le {
				word(b, "lẻ")
			} else {
				word(b, "linh")
			}
		}
		word(b, digitWords[u])
	case t == 1:
		word(b, "mười")
		switch u {
		case 0:
		case 5:
			word(b, "lăm")
		default:
			word(b, digitWords[u])
		}
	default:
		word(b, digitWords[t])
		word(b, "mươi")
		switch u {
		case 0:
		case 1:
			word(b, "mốt")
		case 4:
			if v.FourAsBon {
				word(b, "bốn")
			} else {
				word(b, "tư")
			}
		case 5:
			word(b, "lăm")
		default:
			word(b, digitWords[u])
		}
	}
}

func word(b *strings.Builder, w string) {
	if b.Len() > 0 {
		b.WriteByte(' ')
	}
	b.WriteString(w)
}

// spellDigits reads every digit with its plain name (phones, codes).
func spellDigits(ds string) string {
	var b strings.Builder
	for _, r := range ds {
		if r >= '0' && r <= '9' {
			word(&b, digitWords[r-'0'])
		}
	}
	return b.String()
}

// ordinal reads n after "thứ", "hạng": 1 nhất, 4 tư, others cardinal.
func (v Variants) ordinal(ds string) string {
	switch strings.TrimLeft(ds, "0") {
	case "1":
		return "nhất"
	case "4":
		return "tư"
	}
	return v.cardinal(ds)
}

// month reads a month number: 4 is always "tư"; in lunar dates 1 and 12
// are "giêng" and "chạp".
func (v Variants) month(m int, lunar bool) string {
	switch {
	case m == 4:
		return "tư"
	case lunar && m == 1:
		return "giêng"
	case lunar && m == 12:
		return "chạp"
	}
	return v.cardinalInt(m)
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var buf [20]byte
	i := len(buf)
	for n > 0 {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		buf[i] = '-'
	}
	return string(buf[i:])
}

// atoi parses a short string of ASCII digits; ok is false for anything else
// or for more than 9 digits.
func atoi(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

var romanDigits = map[byte]int{'I': 1, 'V': 5, 'X': 10, 'L': 50, 'C': 100, 'D': 500, 'M': 1000}

// romanValue parses a Roman numeral written with the subtractive rules;
// "IIII", "VX" and "IL" are rejected.
func romanValue(s string) (int, bool) {
	if s == "" || len(s) > 15 {
		return 0, false
	}
	total := 0
	for i := 0; i < len(s); i++ {
		d, ok := romanDigits[s[i]]
		if !ok {
			return 0, false
		}
		if i+1 < len(s) && romanDigits[s[i+1]] > d {
			total -= d
		} else {
			total += d
		}
	}
	if total <= 0 || total >= 4000 || toRoman(total) != s {
		return 0, false
	}
	return total, true
}

func toRoman(n int) string {
	vals := []int{1000, 900, 500, 400, 100, 90, 50, 40, 10, 9, 5, 4, 1}
	syms := []string{"M", "CM", "D", "CD", "C", "XC", "L", "XL", "X", "IX", "V", "IV", "I"}
	var b strings.Builder
	for i, v := range vals {
		for n >= v {
			b.WriteString(syms[i])
			n -= v
		}
	}
	return b.String()
}
