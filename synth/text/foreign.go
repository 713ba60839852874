package text

import (
	_ "embed"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Foreign words (docs/vietnamese-text.md §B.8): a dictionary of the names
// news uses most, then a rule-based respelling of any other Latin-script
// name into Vietnamese syllables, so that the Vietnamese voice reads them
// natively instead of switching to English or spelling letters.

//go:embed names.tsv
var namesTSV string

// foreignNames maps a written token to its spoken form, syllables
// separated by spaces ("Putin" → "Pu tin").
var foreignNames = func() map[string]string {
	m := loadTSV(namesTSV, "names.tsv")
	for k, v := range m {
		m[k] = strings.ReplaceAll(v, "-", " ")
	}
	return m
}()

// foreignName looks a token up in the name dictionary; an ALL-CAPS token
// of four letters or more also finds the title-case entry (PUTIN).
func foreignName(w string) (string, bool) {
	if r, ok := foreignNames[w]; ok {
		return r, true
	}
	if utf8.RuneCountInString(w) >= 4 && isAllCaps(w) {
		r, ok := foreignNames[titleCase(w)]
		return r, ok
	}
	return "", false
}

func titleCase(w string) string {
	r, size := utf8.DecodeRuneInString(w)
	return string(unicode.ToUpper(r)) + strings.ToLower(w[size:])
}

// vietSyllable matches a Vietnamese syllable written without tone marks.
// A plain-ASCII word that is one is left to the voice, which reads it
// natively ("Nam", "Kim", "Long").
var vietSyllable = regexp.MustCompile(`^(?:ngh|ng|gh|gi|kh|nh|ph|qu|th|tr|ch|[bcdghklmnprstvx])?` +
	`(?:oai|oay|oeo|uya|uye|uyu|uay|ieu|yeu|uoi|uou|uu|ai|ao|au|ay|eo|eu|ia|ie|iu|oa|oe|oi|oo|ua|ue|ui|uo|uy|ye|a|e|i|o|u|y)` +
	`(?:ng|nh|ch|[cmnpt])?$`)

// isForeignWord reports a Latin-script word that is not Vietnamese: only
// letters a–z (and the accented letters of European languages that
// Vietnamese does not use), and not a Vietnamese syllable.
func isForeignWord(w string) bool {
	if len(w) < 2 {
		return false
	}
	ascii, vowel := true, false
	for _, r := range w {
		switch {
		case r < 0x80 && unicode.IsLetter(r):
			vowel = vowel || strings.ContainsRune("aeiouyAEIOUY", r)
		case r == '\'' || r == '’':
		case foreignLetters[unicode.ToLower(r)] != "":
			ascii, vowel = false, true
		default:
			return false
		}
	}
	if !vowel { // "Km", "Mr": abbreviations, not names
		return false
	}
	if !ascii {
		return true
	}
	low := strings.ToLower(w)
	return !vietSyllable.MatchString(low) && !loanwords[low]
}

// English words Vietnamese news writes as they are and readers say the
// English way ("Hotline:", "Video:"): not respelled as names.
var loanwords = setOf("hotline", "online", "offline", "video", "clip", "internet", "email", "website", "web",
	"smartphone", "laptop", "game", "show", "fan", "livestream", "stream", "startup", "marketing", "camera",
	"selfie", "taxi", "karaoke", "pizza", "robot", "radio", "virus", "vaccine", "container", "logo", "album",
	"festival", "golf", "tennis", "casino", "bar", "menu", "style", "shop", "app", "blog", "blogger", "youtuber",
	"tiktoker", "idol", "fanpage", "like", "share", "comment", "post", "link", "hashtag", "trend", "viral",
	"review", "teaser", "trailer", "single", "concert", "model", "hot", "top", "mini", "sale", "voucher",
	"shipper", "gym", "yoga", "spa", "resort", "hotel", "homestay", "showroom", "showbiz", "rapper", "rap",
	"rock", "pop", "drone", "data", "chip", "server", "cloud", "digital", "smart", "mall", "plaza", "tower",
	"shophouse", "penthouse", "condotel", "officetel", "villa", "fintech", "ebook", "podcast", "slogan",
	"poster", "banner", "photo", "studio", "tour", "cafe", "caffe", "coffee", "fashion", "beauty", "casting",
	"bitcoin", "blockchain", "token", "crypto", "covid", "vs", "ok", "okay", "wifi", "bluetooth", "password",
	"google", "facebook", "zalo", "messenger")

// foreignLetters folds letters of other Latin alphabets into Vietnamese
// spelling. Letters Vietnamese shares (é, à, ô…) are not here: a word
// carrying them is treated as Vietnamese.
var foreignLetters = map[rune]string{
	'ä': "e", 'ö': "ơ", 'ü': "uy", 'ß': "x", 'ñ': "nh", 'ç': "x", 'ø': "ơ", 'å': "ô", 'æ': "e",
	'ë': "e", 'ï': "i", 'î': "i", 'û': "u", 'ÿ': "i", 'ł': "l", 'ś': "s", 'ź': "z", 'ż': "z",
	'č': "ch", 'š': "s", 'ž': "z", 'ř': "r", 'ć': "ch", 'ń': "n", 'ğ': "g", 'ş': "s", 'ı': "i",
}

// isPronounceable tells an ALL-CAPS word said as a word from an acronym
// said by letters: enough vowels and no run of three consonants.
func isPronounceable(w string) bool {
	vowels, run, n := 0, 0, 0
	for _, r := range strings.ToLower(w) {
		n++
		if strings.ContainsRune("aeiouy", r) {
			vowels++
			run = 0
			continue
		}
		run++
		if run >= 3 {
			return false
		}
	}
	return n >= 5 && vowels*100 >= n*35
}

// Units of the respelling: consonant sounds as Vietnamese writes them.
type lunit struct {
	s     string
	vowel bool
}

// respell turns a foreign word into Vietnamese syllables by rule: English
// and European spellings to Vietnamese letters, consonant clusters broken
// with "ơ" (the voice cannot say "cr" or "pl"), codas Vietnamese lacks
// replaced by the nearest it has, and a rising tone on syllables closed by
// p, t, c or ch. Conventional forms come from the name dictionary; this is
// the fallback for everything else.
func respell(w string) string {
	us := respellUnits(w)
	var sylls []string
	i := 0
	for i < len(us) {
		var onset, nucleus, coda string
		// Consonants before the vowel: all but the last become syllables of
		// their own.
		for i < len(us) && !us[i].vowel {
			if i+1 < len(us) && us[i+1].vowel {
				onset = us[i].s
				i++
				break
			}
			// Clusters the voice says: "tr" as in Vietnamese, and
			// "br", "bl", "phr", "phl" (Bra-xin, Blin-cần).
			// Not "ble", "phle": the voice takes those for English.
			if i+2 < len(us) && us[i+2].vowel && sayableClusters[us[i].s+us[i+1].s] &&
				!(us[i+1].s == "l" && strings.HasPrefix(us[i+2].s, "e")) {
				onset = us[i].s + us[i+1].s
				i += 2
				break
			}
			if i+1 == len(us) { // trailing consonants: the last one alone
				if len(sylls) == 0 {
					sylls = append(sylls, us[i].s+"ơ")
				} else {
					sylls[len(sylls)-1] = addCoda(sylls[len(sylls)-1], us[i].s)
				}
				i++
				break
			}
			sylls = append(sylls, us[i].s+"ơ")
			i++
		}
		if i >= len(us) || !us[i].vowel {
			continue
		}
		nucleus = us[i].s
		i++
		// A consonant becomes the coda when another consonant or the end
		// follows it.
		// A stop before "r" or "l" opens the next syllable instead
		// ("Pellegrini" pe lê gơ ri ni).
		if i < len(us) && !us[i].vowel && (i+1 == len(us) || !us[i+1].vowel) && canClose(nucleus) &&
			!(i+1 < len(us) && (us[i+1].s == "r" || us[i+1].s == "l") && stops[us[i].s]) {
			if c, ok := codas[us[i].s]; ok {
				coda = c
				i++
				// Skip a silent consonant at the end ("Trump" → Trăm).
				if i+1 == len(us) && !us[i].vowel {
					i++
				}
			}
		}
		sylls = append(sylls, syllable(onset, nucleus, coda))
	}
	if len(sylls) == 0 {
		return w
	}
	// The unstressed English ending "-son", "-ton", "-don" is "-xơn",
	// "-tơn", "-đơn" (Giôn xơn, Oa sinh tơn).
	if n := len(sylls); n >= 2 && (sylls[n-1] == "xôn" || sylls[n-1] == "tôn" || sylls[n-1] == "đôn") {
		sylls[n-1] = strings.TrimSuffix(sylls[n-1], "ôn") + "ơn"
	}
	sylls[0] = capitalize(sylls[0])
	return strings.Join(sylls, " ")
}

// addCoda closes the previous syllable with a final consonant when it can
// take one, or drops the consonant (a final "r", "h" or "s" is not heard
// in the Vietnamese form).
func addCoda(syl, c string) string {
	cd, ok := codas[c]
	if !ok || cd == "" {
		return syl
	}
	last, _ := utf8.DecodeLastRuneInString(syl)
	if !strings.ContainsRune("aeiouyơôêâăư", last) || strings.HasSuffix(syl, "ơ") && len([]rune(syl)) > 2 {
		return syl
	}
	base := norm.NFD.String(syl)
	for _, m := range []string{"\u0301", "\u0300", "\u0303", "\u0309", "\u0323"} {
		base = strings.ReplaceAll(base, m, "")
	}
	base = norm.NFC.String(base)
	onset, nucleus := splitOnset(base)
	if !canClose(nucleus) {
		return syl
	}
	return syllable(onset, nucleus, cd)
}

func splitOnset(s string) (string, string) {
	for k, r := range s {
		if strings.ContainsRune("aeiouyơôêâăư", unicode.ToLower(r)) {
			return s[:k], s[k:]
		}
	}
	return s, ""
}

// canClose: a nucleus ending in a glide (ai, ao, oi…) takes no final
// consonant in Vietnamese.
func canClose(nucleus string) bool {
	rs := []rune(nucleus)
	return len(rs) == 1 || !strings.ContainsRune("iyuo", rs[len(rs)-1]) || nucleus == "uy" || nucleus == "oo"
}

// Final consonants Vietnamese has, and the nearest one for those it lacks.
var codas = map[string]string{
	"c": "c", "ch": "ch", "m": "m", "n": "n", "ng": "ng", "nh": "nh", "p": "p", "t": "t",
	"l": "n", "đ": "t", "b": "p", "g": "c", "k": "c", "ph": "p", "v": "p", "x": "t", "d": "t",
	"th": "t", "gi": "t", "s": "t", "r": "", "h": "",
}

// syllable writes onset + nucleus + coda in Vietnamese spelling, with a
// rising tone when a stop closes it.
func syllable(onset, nucleus, coda string) string {
	// Vietnamese spelling of /k/ and /g/ before front vowels.
	front := strings.ContainsAny(nucleus[:1], "eiy") || strings.HasPrefix(nucleus, "ê")
	switch {
	case onset == "c" && front:
		onset = "k"
	case onset == "g" && front:
		onset = "gh"
	case onset == "gi" && (strings.HasPrefix(nucleus, "i") || strings.HasPrefix(nucleus, "u")):
		onset = "d" // "gi" + "i" loses its vowel, "giua" splits in two
	case onset == "ng" && front:
		onset = "ngh"
	}
	if onset == "qu" && strings.HasPrefix(nucleus, "i") {
		nucleus = "y" + nucleus[1:] // "qui" has no vowel for the voice; Vietnamese writes "quy"
	}
	// Vietnamese writes /k/ and /ŋ/ after i and ê as "ch" and "nh"
	// ("Xen tích", "Đao ninh"); an open "e" is "ê" ("Nê ru").
	if strings.HasSuffix(nucleus, "i") || strings.HasSuffix(nucleus, "ê") {
		switch coda {
		case "c":
			coda = "ch"
		case "ng":
			coda = "nh"
		}
	}
	if nucleus == "e" && coda == "" {
		nucleus = "ê"
	}
	// "ch" and "nh" close only a, ê and i in Vietnamese spelling.
	if (coda == "ch" || coda == "nh") && !strings.HasSuffix(nucleus, "a") && !strings.HasSuffix(nucleus, "ê") && !strings.HasSuffix(nucleus, "i") {
		coda = map[string]string{"ch": "c", "nh": "n"}[coda]
	}
	if coda == "" && onset != "" && nucleus == "ơ" {
		return onset + nucleus
	}
	s := onset + nucleus + coda
	switch coda {
	case "p", "t", "c", "ch":
		return addTone(s, onset, nucleus, '\u0301')
	}
	return s
}

// addTone puts a tone mark on the main vowel of the nucleus.
func addTone(s, onset, nucleus string, mark rune) string {
	rs := []rune(nucleus)
	k := len(rs) - 1
	for j, r := range rs {
		if strings.ContainsRune("ơôêâăư", r) {
			k = j
		}
	}
	rs[k] = []rune(norm.NFC.String(string(rs[k]) + string(mark)))[0]
	return onset + string(rs) + s[len(onset)+len(nucleus):]
}

// respellUnits spells a foreign word as Vietnamese consonant and vowel
// units.
func respellUnits(w string) []lunit {
	var b strings.Builder
	for _, r := range strings.ToLower(w) {
		if f, ok := foreignLetters[r]; ok {
			b.WriteString(f)
			continue
		}
		if r == '\'' || r == '’' {
			continue
		}
		b.WriteRune(r)
	}
	s := b.String()
	mc := strings.HasPrefix(s, "mc") && len(s) > 3 // "McCarthy" Mắc ca thi
	if strings.HasSuffix(s, "land") && len(s) > 5 {
		s = strings.TrimSuffix(s, "land") + "len" // "Scotland" Xcốt len
	}
	if mc {
		s = s[2:]
	}
	// A silent final "e" after a consonant ("Mike", "Rose"), but not in
	// short words ("Lee" keeps its vowel).
	if len(s) > 3 && strings.HasSuffix(s, "e") && !strings.ContainsRune("aeiouy", rune(s[len(s)-2])) {
		s = s[:len(s)-1]
	}
	var us []lunit
	if mc {
		us = append(us, lunit{"m", false}, lunit{"ă", true}, lunit{"c", false})
	}
	isV := func(c byte) bool { return strings.IndexByte("aeiouy", c) >= 0 }
	for i := 0; i < len(s); {
		c := s[i]
		next := byte(0)
		if i+1 < len(s) {
			next = s[i+1]
		}
		rest := s[i:]
		// "er" is the schwa of "Walker" only when no vowel follows ("Vero").
		if strings.HasPrefix(rest, "er") && i+2 < len(s) && isV(s[i+2]) {
			us = append(us, lunit{"e", true})
			i++
			continue
		}
		if u, n := digraphAt(rest); n > 0 {
			us = append(us, u)
			i += n
			continue
		}
		if c >= 0x80 { // a folded letter such as "ơ" or "nh"
			r, size := utf8.DecodeRuneInString(rest)
			us = append(us, lunit{string(r), strings.ContainsRune("ơô", r)})
			i += size
			continue
		}
		switch {
		case c == 'h' && i > 0 && isV(s[i-1]) && !isV(next):
			// silent after a vowel: "John", "Sarah"
		case c == 'y' && (i == 0 && isV(next)):
			us = append(us, lunit{"d", false})
		case c == 'w' && (next == 'a' || next == 'e'):
			us = append(us, lunit{"o", true}) // "Washington" Oa sinh tơn, "Wellington" Oen
		case c == 'w' && isV(next):
			us = append(us, lunit{"u", true})
		case isV(c):
			v := string(c)
			switch c {
			case 'o':
				v = "ô"
			case 'y':
				v = "i"
			}
			// Join with the previous vowel into a diphthong Vietnamese has.
			if n := len(us); n > 0 && us[n-1].vowel && vowelPairs[us[n-1].s+v] {
				us[n-1].s += v
			} else {
				us = append(us, lunit{v, true})
			}
		case c == 'c' && (next == 'e' || next == 'i' || next == 'y'):
			us = append(us, lunit{"x", false})
		case c == 'x' && i > 0:
			us = append(us, lunit{"c", false}, lunit{"x", false})
		default:
			if r, ok := consonants[c]; ok {
				us = append(us, lunit{r, false})
			}
		}
		i++
	}
	return us
}

// digraphAt matches a multi-letter spelling at the start of s.
func digraphAt(s string) (lunit, int) {
	for _, d := range digraphs {
		if strings.HasPrefix(s, d[0]) {
			return lunit{d[1], d[2] == "v"}, len(d[0])
		}
	}
	return lunit{}, 0
}

// digraphs: written, respelled, "v" if a vowel.
var digraphs = [][3]string{
	{"sch", "s", "c"}, {"tch", "ch", "c"}, {"ch", "ch", "c"}, {"sh", "s", "c"}, {"th", "th", "c"},
	{"ph", "ph", "c"}, {"ck", "c", "c"}, {"gh", "g", "c"}, {"qu", "qu", "c"}, {"kh", "kh", "c"},
	{"ng", "ng", "c"}, {"nh", "nh", "c"}, {"wh", "u", "v"}, {"ee", "i", "v"}, {"oo", "u", "v"}, {"ea", "i", "v"},
	{"ou", "au", "v"}, {"ow", "ao", "v"}, {"aw", "o", "v"}, {"ay", "ây", "v"}, {"ey", "ây", "v"},
	{"ei", "ây", "v"}, {"oy", "oi", "v"}, {"au", "ô", "v"}, {"eu", "ơ", "v"}, {"ie", "i", "v"},
	{"er", "ơ", "v"}, {"ll", "l", "c"}, {"ss", "x", "c"}, {"tt", "t", "c"}, {"nn", "n", "c"},
	{"mm", "m", "c"}, {"pp", "p", "c"}, {"rr", "r", "c"}, {"ff", "ph", "c"}, {"dd", "đ", "c"},
	{"bb", "b", "c"}, {"gg", "g", "c"}, {"zz", "d", "c"}, {"tz", "ch", "c"},
}

var sayableClusters = setOf("tr", "br", "bl", "phr", "phl", "xt", "xc", "xp")

var stops = setOf("b", "c", "đ", "g", "k", "p", "t", "ph", "th")

var consonants = map[byte]string{
	'b': "b", 'c': "c", 'd': "đ", 'f': "ph", 'g': "g", 'h': "h", 'j': "gi", 'k': "c", 'l': "l",
	'm': "m", 'n': "n", 'p': "p", 'q': "c", 'r': "r", 's': "x", 't': "t", 'v': "v", 'w': "u",
	'x': "x", 'z': "d",
}

// Vowel pairs kept in one syllable; others are split ("Maria" ma ri a).
var vowelPairs = setOf("ai", "ao", "au", "oa", "oe", "oi", "ôi", "ui", "uy", "ua", "ia", "iu", "eo", "ây", "uê", "ươ")
