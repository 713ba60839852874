package text

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

var wordHandlers = [...]func(*pass, int) match{
	(*pass).abbreviation,
	(*pass).scheduleDay,
	(*pass).currencyWord,
	(*pass).unit,
	(*pass).roman,
	(*pass).times,
	(*pass).wordForm,
}

func (p *pass) atWord(i int) match {
	for _, h := range wordHandlers {
		if m := h(p, i); m.end > i {
			return m
		}
	}
	return match{}
}

// abbrevStarts holds the first word of every dictionary key, so most words
// are rejected with one map lookup.
var abbrevStarts = func() map[string]bool {
	m := map[string]bool{}
	for k := range abbreviations {
		end := strings.IndexFunc(k, func(r rune) bool { return !unicode.IsLetter(r) })
		if end < 0 {
			end = len(k)
		}
		m[k[:end]] = true
	}
	for k := range adminLetters {
		m[k] = true
	}
	for k := range beforeNumber {
		m[k] = true
	}
	for _, k := range []string{"ĐH", "TS", "CN", "ĐT", "CP", "đ", "tr", "Tr", "US", "CA", "BCT"} {
		m[k] = true
	}
	return m
}()

// abbreviation expands dictionary abbreviations, longest key first, with the
// context rules of §B.7 for the ambiguous ones.
func (p *pass) abbreviation(i int) match {
	w := p.toks[i].text
	if p.isPunct(i+1, ".") && p.isWord(i+2) {
		if m := p.titleCompound(i); m.end > i {
			return m
		}
	}
	if !abbrevStarts[w] {
		return match{}
	}
	if m := p.contextAbbrev(i); m.end > i {
		return m
	}
	best, bestKey, say := -1, "", ""
	var key strings.Builder
	spaces := 0
	for j := i; j < len(p.toks) && j-i < 9 && !p.toks[j].fixed; j++ {
		t := p.toks[j]
		switch {
		case t.kind == tkWord:
		case t.kind == tkPunct && (t.text == "." || t.text == "&" || t.text == "-" || t.text == "/"):
		case t.kind == tkSpace && t.text == " " && spaces < 2 && p.isWord(j+1):
			spaces++
		default:
			j = len(p.toks)
			continue
		}
		key.WriteString(t.text)
		if t.kind == tkWord || t.text == "." {
			if r, ok := abbreviations[key.String()]; ok {
				best, bestKey, say = j+1, key.String(), r
			} else if r, ok := abbrevVariants[squeezeKey(key.String())]; ok && spaces == 0 && t.kind == tkWord {
				best, bestKey, say = j+1, key.String(), r
			}
		}
	}
	if best < 0 {
		return match{}
	}
	base := strings.TrimSuffix(bestKey, ".")
	if p.isPunct(best, ".") && !strings.HasSuffix(bestKey, ".") && p.dotBelongs(best, prefixAbbrevs[base]) {
		best++
	}
	return match{best, say, "abbreviation", 0}
}

// dotBelongs decides whether the dot at token j belongs to the
// abbreviation before it: always for a title or place prefix followed by
// more text, otherwise only when a lowercase word follows ("v.v. đều").
func (p *pass) dotBelongs(j int, prefix bool) bool {
	k := p.next(j)
	if k >= len(p.toks) {
		return false
	}
	t := p.toks[k]
	if prefix {
		return t.kind == tkWord || t.kind == tkNum
	}
	return t.kind == tkWord && !isCapitalized(t.text) || t.kind == tkPunct && (t.text == "," || t.text == ";")
}

// titleCompound reads dotted academic titles: "PGS.TS.", "ThS.BS", "GS.TSKH".
func (p *pass) titleCompound(i int) match {
	var parts []string
	j := i
	for p.isWord(j) {
		r, ok := titleReading(p.toks[j].text)
		if !ok {
			break
		}
		parts = append(parts, r)
		if !p.isPunct(j+1, ".") || !p.isWord(j+2) {
			j++
			break
		}
		j += 2
	}
	if len(parts) < 2 {
		return match{}
	}
	if p.isPunct(j, ".") && p.dotBelongs(j, true) {
		j++
	}
	return match{j, strings.Join(parts, " "), "abbreviation", 0}
}

// contextAbbrev handles abbreviations whose reading depends on neighbours.
func (p *pass) contextAbbrev(i int) match {
	w := p.toks[i].text
	nx := p.next(i)
	nextText := p.text(nx)
	prevW := p.prevWord(i)
	// Single letters Q. P. H. X. before a number or a name, not after a
	// name ("Nguyễn Văn H." is a person).
	if r, ok := adminLetters[w]; ok && p.isPunct(i+1, ".") {
		after := p.next(i + 1)
		pj := p.prev(i)
		afterName := p.isWord(pj) && isCapitalized(p.toks[pj].text) && !isAllCaps(p.toks[pj].text)
		if !afterName && (p.isNum(after) || p.isWord(after) && isCapitalized(p.toks[after].text)) {
			return match{i + 2, r, "abbreviation", 0}
		}
		return match{}
	}
	switch w {
	case "ĐH":
		switch {
		case nextText == "Đảng" || strings.ToLower(nextText) == "đại" || isRomanWord(nextText) || strings.ToLower(nextText) == "lần":
			return match{i + 1, "Đại hội", "abbreviation", 0}
		}
		return match{i + 1, "Đại học", "abbreviation", 0}
	case "TS":
		m := match{i + 1, "tiến sĩ", "abbreviation", 0}
		switch prevW {
		case "các", "những", "nhiều", "mỗi", "mọi", "có", "số", "em":
			m.say = "thí sinh"
		}
		if p.isNum(p.prev(i)) {
			m.say = "thí sinh"
		}
		if p.isPunct(i+1, ".") && p.dotBelongs(i+1, true) {
			m.end++
		}
		return m
	case "CN":
		if p.weekday || dateContext[prevW] || p.isNum(nx) {
			return match{i + 1, "Chủ nhật", "abbreviation", 0}
		}
		return match{}
	case "ĐT":
		switch {
		case nextText == ":" || p.isNum(nx):
			return match{i + 1, "điện thoại", "abbreviation", 0}
		case p.isWord(nx) && isCapitalized(nextText):
			return match{i + 1, "đội tuyển", "abbreviation", 0}
		}
		return match{}
	case "CP":
		if prevW == "ty" {
			return match{i + 1, "cổ phần", "abbreviation", 0}
		}
		return match{i + 1, "Chính phủ", "abbreviation", 0}
	case "đ":
		if p.isPunct(i+1, "/") && p.text(i+2) == "c" {
			if p.isWord(p.next(i+2)) && isCapitalized(p.nextWord(i+2)) {
				return match{i + 3, "đồng chí", "abbreviation", 0}
			}
			return match{i + 3, "địa chỉ", "abbreviation", 0}
		}
		return match{}
	case "tr", "Tr":
		m := match{end: i + 1, rule: "abbreviation"}
		pj := p.prev(i)
		switch {
		case p.isNum(pj) || p.isWord(pj) && magnitudes[strings.ToLower(p.toks[pj].text)]:
			m.say = "triệu"
		case p.isPunct(i+1, ".") && p.isNum(p.next(i+1)):
			m.say = "trang"
		default:
			return match{}
		}
		if p.isPunct(i+1, ".") && (p.dotBelongs(i+1, false) || p.isNum(p.next(i+1))) {
			m.end++
		}
		return m
	case "BCT":
		// Bộ Chính trị has members ("Ủy viên BCT"), Bộ Công Thương a
		// minister and trade, energy and fuel in the news around it.
		if prevW == "trưởng" || prevW == "bộ" {
			return match{i + 1, "Bộ Công Thương", "abbreviation", 0}
		}
		if prevW != "viên" {
			for _, t := range p.toks {
				if t.kind == tkWord && tradeWords[strings.ToLower(t.text)] {
					return match{i + 1, "Bộ Công Thương", "abbreviation", 0}
				}
			}
		}
		return match{i + 1, "Bộ Chính trị", "abbreviation", 0}
	case "CA":
		// "CA TP", "CA tỉnh Nghệ An", "CA Hà Nội": the police of a place.
		if adminWords[strings.ToLower(nextText)] || p.isWord(nx) && isCapitalized(nextText) && !isAllCaps(nextText) || nextText == "TP" || nextText == "Q" || nextText == "P" {
			return match{i + 1, "Công an", "abbreviation", 0}
		}
		return match{}
	case "US":
		if p.isPunct(i+1, "$") {
			return p.currencyAfter(i+2, i, p.v.usd())
		}
		return match{}
	}
	if r, ok := beforeNumber[w]; ok {
		if p.isNum(i+1) || p.isNum(nx) && nx == i+2 || p.isPunct(i+1, ".") && p.isNum(p.next(i+1)) {
			end := i + 1
			if p.isPunct(i+1, ".") {
				end++
			}
			return match{end, r, "abbreviation", 0}
		}
	}
	return match{}
}

// scheduleDay reads "T2" … "T7" as weekdays in schedules ("T2-T6",
// "T3, T5, CN"): only when the sentence has two of them or a "CN".
func (p *pass) scheduleDay(i int) match {
	if p.toks[i].text != "T" || !p.isNum(i+1) || p.isWord(i+2) || p.isNum(i+2) || p.tdays < 2 {
		return match{}
	}
	d, _ := atoi(p.toks[i+1].text)
	if d < 2 || d > 7 || len(p.toks[i+1].text) != 1 {
		return match{}
	}
	return match{i + 2, "thứ " + p.v.cardinalInt(d), "weekday", 0}
}

// currencyAfter handles a currency symbol written before its amount
// ("$5", "US$ 1,5 tỷ"): the amount starting at token j is read first, then
// any magnitude words, then the currency (§B.5).
func (p *pass) currencyAfter(j, start int, name string) match {
	if p.isSpace(j) && p.isNum(j+1) {
		j++
	}
	if !p.isNum(j) {
		return match{}
	}
	n := p.parseNumber(j)
	say := p.read(n)
	end := n.end
	for p.isSpace(end) && p.isWord(end+1) && magnitudes[p.toks[end+1].text] {
		say += " " + p.toks[end+1].text
		end += 2
	}
	return match{end, say + " " + name, "currency", 0}
}

// afterAmount reports whether token i follows a number, possibly through
// magnitude words ("5 tỷ đ", "100.000đ").
func (p *pass) afterAmount(i int) bool {
	j := p.prev(i)
	if j < i-2 {
		return false
	}
	for p.isWord(j) && magnitudes[p.toks[j].text] {
		j = p.prev(j)
	}
	return p.isNum(j) || p.isPunct(j, "%")
}

// currencyWord reads currency names after an amount and the per-unit
// slash ("25.000 đồng/kg" → "… đồng một ki lô gam").
func (p *pass) currencyWord(i int) match {
	w := p.toks[i].text
	var say string
	switch {
	case w == "USD":
		say = p.v.usd()
	case w == "k" || w == "K":
		if !p.isNum(i - 1) {
			return match{}
		}
		return p.kAfterNumber(i)
	case w == "đồng":
		if !p.isPunct(i+1, "/") || !p.isWord(i+2) {
			return match{}
		}
		say = w
	default:
		r, ok := currencies[w]
		if !ok {
			return match{}
		}
		if len(w) < 3 && !p.afterAmount(i) { // "đ" is only a currency after an amount
			return match{}
		}
		say = r
	}
	end := i + 1
	if tail, e := p.perTail(end, "một", "một"); e > end {
		say += " " + tail
		end = e
	}
	return match{end, say, "currency", 0}
}

// perTail reads the "/" of a rate at token j and what it divides by:
// sepUnit before a unit ("người/km2"), sepNoun before a counted noun
// ("đồng/tháng", "USD/thùng", "ca/ngày"), always "trên" before an amount
// ("lít/100 km"). It returns end == j when there is no rate.
func (p *pass) perTail(j int, sepUnit, sepNoun string) (string, int) {
	if !p.isPunct(j, "/") || p.toks[j].fixed {
		return "", j
	}
	k := j + 1
	if p.isNum(k) {
		n := p.parseNumber(k)
		say, end := "trên "+p.read(n), n.end
		e := end
		if p.isSpace(e) {
			e++
		}
		if u, ue := p.unitAt(e); ue > e {
			say, end = say+" "+u, ue
		}
		return say, end
	}
	if !p.isWord(k) || p.toks[k].fixed {
		return "", j
	}
	w := p.toks[k].text
	if u, ue := p.unitAt(k); ue > k {
		return sepUnit + " " + u, ue
	}
	if r, ok := currencies[w]; ok {
		return sepNoun + " " + r, k + 1
	}
	if w == "USD" {
		return sepNoun + " " + p.v.usd(), k + 1
	}
	if isLowerWord(w) && !p.isPunct(k+1, "/") {
		if r, ok := foreignNames[w]; ok { // "USD/ounce"
			w = r
		}
		return sepNoun + " " + w, k + 1
	}
	return "", j
}

// unitAt reads the unit token at j with its power ("km2", "m³").
func (p *pass) unitAt(j int) (string, int) {
	if !p.isWord(j) {
		return "", j
	}
	say, ok := units[p.toks[j].text]
	if !ok {
		return "", j
	}
	end := j + 1
	switch {
	case p.isNum(end) && p.toks[end].text == "2" || p.isPunct(end, "²"):
		say += " vuông"
		end++
	case p.isNum(end) && p.toks[end].text == "3" || p.isPunct(end, "³"):
		say += " khối"
		end++
	}
	if p.isWord(end) || p.isNum(end) {
		return "", j
	}
	return say, end
}

// kAfterNumber reads the "k" of "50k": karat after gold words ("vàng
// 18k"), the letter in slogans, screens and races ("thông điệp 5K",
// "màn hình 4K", "giải chạy 10K"), and thousands otherwise ("giá 50K").
func (p *pass) kAfterNumber(i int) match {
	ws := p.wordsBeforeLoose(i-1, 4)
	for _, w := range ws {
		if goldWords[w] {
			return match{i + 1, "ca ra", "unit", 0}
		}
	}
	if p.toks[i].text == "K" {
		for _, w := range ws {
			if letterKWords[w] {
				return match{i + 1, letterNames['K'], "letters", 0}
			}
		}
	}
	return match{i + 1, p.v.thousand(), "currency", 0}
}

// unit reads measurement units right after a number (§B.5): "50 km",
// "120 m2", "100 km/h".
func (p *pass) unit(i int) match {
	if !p.afterAmount(i) {
		return match{}
	}
	say, end := p.unitAt(i)
	if end == i {
		return match{}
	}
	if tail, e := p.perTail(end, "trên", "trên"); e > end {
		say += " " + tail
		end = e
	}
	return match{end, say, "unit", 0}
}

func isRomanWord(w string) bool {
	_, ok := romanValue(w)
	return ok
}

// roman reads Roman numerals after a keyword ("khóa XV", "thế kỷ XXI"),
// ordinals after "thứ" ("lần thứ IV" → "tư") and regnal numbers after a
// titled name ("Vua Charles III" → "đệ tam") (§B.6).
func (p *pass) roman(i int) match {
	w := p.toks[i].text
	val, ok := romanValue(w)
	if !ok || len(w) == 1 && w != "I" && w != "V" && w != "X" {
		return match{}
	}
	pj := p.prev(i)
	// A list continues what its first numeral started: "khóa X, XI và XII".
	if sep := p.prev(i); p.lastRoman >= 0 && p.prev(sep) == p.lastRoman &&
		(p.isPunct(sep, ",") || p.isPunct(sep, "-") || p.isPunct(sep, "–") || listWords[p.prevWord(i)]) {
		p.lastRoman = i
		return match{i + 1, p.v.cardinalInt(val), "roman", 0}
	}
	ws := p.wordsBefore(i, 4)
	if len(ws) == 0 {
		return match{}
	}
	var say string
	switch {
	case ws[0] == "thứ":
		say = p.v.ordinal(itoa(val))
	case romanKeywords[ws[0]] || ws[0] == "giới":
		say = p.v.cardinalInt(val)
	case isCapitalized(p.toks[pj].text) && !isAllCaps(p.toks[pj].text):
		titled := false
		for _, t := range ws[1:] {
			if regnalTitles[t] {
				titled = true
			}
		}
		if !titled && len(w) < 2 {
			return match{}
		}
		if val <= 4 {
			say = regnalWords[val]
		} else {
			say = p.v.cardinalInt(val)
		}
	default:
		return match{}
	}
	end := i + 1
	if p.isPunct(end, "/") && p.isNum(end+1) && validYear(p.toks[end+1].text) {
		say += " " + p.yearOf(p.toks[end+1].text)
		end += 2
	}
	p.lastRoman = i
	return match{end, say, "roman", 0}
}

// times reads "x" between two numbers as a product ("3 x 4").
func (p *pass) times(i int) match {
	if w := p.toks[i].text; w != "x" && w != "X" {
		return match{}
	}
	if !p.isNum(p.prev(i)) || !p.isNum(p.next(i)) {
		return match{}
	}
	return match{i + 1, "nhân", "math", 0}
}

// wordForm handles respelled foreign names, acronyms read as words,
// letter-spelled acronyms and words written in capitals (§B.8, §A.1.6).
func (p *pass) wordForm(i int) match {
	w := p.toks[i].text
	if !unicode.IsUpper(firstRune(w)) {
		if r, ok := foreignNames[w]; ok { // "iPhone", "euro"
			return match{i + 1, r, "transliteration", 0}
		}
		return match{}
	}
	// A capital letter glued to digits is a model or strain code, read by
	// letter names: "H5N1", "F1", "Su-30MK2".
	// Vowel letters already sound as their names and stay as written.
	if utf8.RuneCountInString(w) == 1 && !strings.ContainsAny(w, "AEIOUƠƯÔÂĂÊ") && (p.isNum(i-1) || p.isNum(i+1) || p.isPunct(i+1, "-") && p.isNum(i+2)) {
		return match{i + 1, spellLetters(w), "letters", 0}
	}
	if r, ok := wordLikeAcronym(w); ok {
		return match{i + 1, r, "acronym", 0}
	}
	// A monarch's name before its regnal number keeps its written form
	// ("Vua Charles III", golden case N101).
	if p.regnalName(i) {
		return match{}
	}
	if r, ok := foreignName(w); ok {
		return match{i + 1, r, "transliteration", 0}
	}
	if !isAllCaps(w) {
		if isForeignWord(w) {
			return match{i + 1, respell(w), "respelling", 0}
		}
		return match{}
	}
	// A shouted foreign name is said as a word, not spelled ("ZUCKERBERG").
	if !hasWordMarks(w) && (p.shouting && hasVowel(w) || isPronounceable(w)) && isForeignWord(w) {
		return match{i + 1, respell(w), "respelling", 0}
	}
	if hasWordMarks(w) || p.shouting && hasVowel(w) {
		low := strings.ToLower(w)
		if i == p.firstWordIdx {
			low = capitalize(low)
		}
		return match{i + 1, low, "case", 0}
	}
	return match{i + 1, spellLetters(w), "acronym", 0}
}

// regnalName reports a capitalised name after a regnal title and before a
// Roman numeral ("Nữ hoàng Elizabeth II").
func (p *pass) regnalName(i int) bool {
	nx := p.next(i)
	if !p.isWord(nx) || !strings.ContainsRune("IVXLCDM", firstRune(p.toks[nx].text)) || !isRomanWord(p.toks[nx].text) {
		return false
	}
	for _, w := range p.wordsBefore(i, 3) {
		if regnalTitles[w] {
			return true
		}
	}
	return false
}

// wordLikeAcronym finds "NATO" or "Nato" in the list of acronyms said as
// words. The keys are short and ASCII, so most capitalised Vietnamese words
// are rejected before any case mapping.
func wordLikeAcronym(w string) (string, bool) {
	if len(w) > 10 {
		return "", false
	}
	for i := 0; i < len(w); i++ {
		if w[i] >= 0x80 {
			return "", false
		}
	}
	if !isAllCaps(w) && !isTitleCase(w) {
		return "", false
	}
	r, ok := wordLikeAcronyms[strings.ToUpper(w)]
	return r, ok
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

func isTitleCase(w string) bool {
	for k, r := range w {
		if k == 0 && !unicode.IsUpper(r) || k > 0 && !unicode.IsLower(r) {
			return false
		}
	}
	return true
}

func capitalize(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[size:]
}

// spellLetters reads a token letter by letter with the names used in
// Vietnamese broadcasting ("GDP" → "gờ đê pê").
func spellLetters(w string) string {
	var b strings.Builder
	for _, r := range w {
		name, ok := letterNames[unicode.ToUpper(r)]
		if !ok {
			if !unicode.IsLetter(r) {
				continue
			}
			name = string(unicode.ToLower(r))
		}
		word(&b, name)
	}
	return b.String()
}
