package text

import (
	"strings"
)

// Handlers that start at a digit run, most specific first (§B.1).
var numberHandlers = [...]func(*pass, int) match{
	(*pass).plate,
	(*pass).phone,
	(*pass).docCode,
	(*pass).date,
	(*pass).clock,
	(*pass).score,
	(*pass).numRange,
	(*pass).number,
}

func (p *pass) atNumber(i int) match {
	for _, h := range numberHandlers {
		if m := h(p, i); m.end > i {
			if m.rule == "date" {
				p.lastDate = m.end - 1
			}
			return m
		}
	}
	return match{}
}

// number is a parsed numeral: integer digits without grouping, optional
// fraction digits, or a dotted chain such as an IP address or version.
type number struct {
	end     int // token index after the number
	intPart string
	frac    string
	dotFrac bool     // fraction written with "." (English style)
	chain   []string // "192.168.1.1", "1.2.3"
	grouped bool
}

// parseNumber reads the numeral starting at token i (§B.2: "." groups
// thousands, "," is the decimal mark; "3.5" and "1,234,567" are foreign).
func (p *pass) parseNumber(i int) number {
	t0 := p.toks[i].text
	j := i + 1
	if len(t0) <= 3 && t0[0] != '0' {
		k := j
		groups := t0
		for p.isPunct(k, ".") && p.isNum(k+1) && len(p.toks[k+1].text) == 3 && !p.toks[k+1].fixed {
			groups += p.toks[k+1].text
			k += 2
		}
		if k > j && !(p.isPunct(k, ".") && p.isNum(k+1)) {
			n := number{end: k, intPart: groups, grouped: true}
			if p.isPunct(k, ",") && p.isNum(k+1) {
				n.frac, n.end = p.toks[k+1].text, k+2
			}
			return n
		}
	}
	if p.isPunct(j, ",") && p.isNum(j+1) {
		// US grouping: 1,234,567 or 1,234.5
		k := j
		groups := t0
		count := 0
		for p.isPunct(k, ",") && p.isNum(k+1) && len(p.toks[k+1].text) == 3 {
			groups += p.toks[k+1].text
			k += 2
			count++
		}
		usDecimal := p.isPunct(k, ".") && p.isNum(k+1)
		if len(t0) <= 3 && t0[0] != '0' && count == (k-j)/2 && (count >= 2 || count == 1 && usDecimal) && !(p.isPunct(k, ",") && p.isNum(k+1)) {
			n := number{end: k, intPart: groups, grouped: true}
			if usDecimal {
				n.frac, n.end = p.toks[k+1].text, k+2
			}
			return n
		}
		return number{end: j + 2, intPart: t0, frac: p.toks[j+1].text}
	}
	if p.isPunct(j, ".") && p.isNum(j+1) {
		parts := []string{t0}
		k := j
		for p.isPunct(k, ".") && p.isNum(k+1) && len(parts) < 8 {
			parts = append(parts, p.toks[k+1].text)
			k += 2
		}
		if len(parts) == 2 {
			return number{end: k, intPart: t0, frac: parts[1], dotFrac: true}
		}
		return number{end: k, chain: parts}
	}
	return number{end: j, intPart: t0}
}

// read says a parsed number. The dot of "3.5" is "phẩy" before a
// quantity word, unit or currency ("3.5 triệu người") and "chấm" otherwise
// ("phiên bản 3.5").
func (p *pass) read(n number) string {
	switch {
	case n.chain != nil:
		parts := make([]string, len(n.chain))
		for k, c := range n.chain {
			parts[k] = p.plainOrDigits(c)
		}
		return strings.Join(parts, " chấm ")
	case n.frac != "":
		sep := " phẩy "
		if n.dotFrac && !p.quantityFollows(n.end) {
			sep = " chấm "
		}
		return p.v.cardinal(n.intPart) + sep + spellDigits(n.frac)
	}
	return p.plainOrDigits(n.intPart)
}

// plainOrDigits reads a digit string as a cardinal, or digit by digit when
// it has a leading zero ("Đề án 06") or is too long.
func (p *pass) plainOrDigits(ds string) string {
	if len(ds) > 1 && ds[0] == '0' {
		return spellDigits(ds)
	}
	return p.v.cardinal(ds)
}

// quantityFollows reports a magnitude word, unit, currency or percent sign
// right after token index j.
func (p *pass) quantityFollows(j int) bool {
	k := j
	if p.isSpace(k) {
		k++
	}
	t := p.text(k)
	if p.isPunct(k, "%") || p.isPunct(k, "°") {
		return true
	}
	if !p.isWord(k) {
		_, cur := currencies[t]
		return cur || t == "$"
	}
	if magnitudes[strings.ToLower(t)] {
		return true
	}
	_, unit := units[t]
	_, cur := currencies[t]
	return unit || cur || t == "USD" || t == "inch" || t == "k" || t == "tr"
}

// number is the general reader: ordinals after "thứ"/"hạng", "2tr5",
// decimals and grouped numbers.
func (p *pass) number(i int) match {
	n := p.parseNumber(i)
	if n.frac == "" && n.chain == nil && !n.grouped {
		switch p.prevWord(i) {
		case "thứ", "hạng", "giải":
			return match{n.end, p.v.ordinal(n.intPart), "ordinal", 0}
		case "tháng":
			// "tháng 4" is "tháng tư"; not "2 tháng 4 ngày" (a duration).
			if validMonth(n.intPart) && !p.isNum(p.prev(p.prev(i))) {
				return match{n.end, p.monthOf(n.intPart), "date", 0}
			}
		}
		// "2tr5": two million five hundred thousand.
		if p.text(n.end) == "tr" && p.isNum(n.end+1) && len(p.toks[n.end+1].text) <= 3 {
			rest := p.toks[n.end+1].text
			for len(rest) < 3 {
				rest += "0"
			}
			say := p.v.cardinal(n.intPart) + " triệu"
			if strings.Trim(rest, "0") != "" {
				say += " " + p.v.cardinal(rest) + " " + p.v.thousand()
			}
			return match{n.end + 2, say, "number", 0}
		}
	}
	return match{n.end, p.read(n), "number", 0}
}

// chainAt collects digit runs joined by single "/", ".", "-" or "–" with no
// spaces: the shapes of dates, ranges and fractions.
func (p *pass) chainAt(i int) (nums []string, seps []byte, end int) {
	nums = []string{p.toks[i].text}
	j := i + 1
	for len(nums) < 6 && p.isNum(j+1) && p.kindAt(j) == tkPunct && !p.toks[j+1].fixed {
		var sep byte
		switch p.toks[j].text {
		case "/":
			sep = '/'
		case ".":
			sep = '.'
		case "-", "–":
			sep = '-'
		default:
			return nums, seps, j
		}
		seps = append(seps, sep)
		nums = append(nums, p.toks[j+1].text)
		j += 2
	}
	return nums, seps, j
}

func validDay(d string) bool {
	n, ok := atoi(d)
	return ok && len(d) <= 2 && n >= 1 && n <= 31
}

func validMonth(m string) bool {
	n, ok := atoi(m)
	return ok && len(m) <= 2 && n >= 1 && n <= 12
}

func validYear(y string) bool { return len(y) == 4 && y[0] != '0' }

func (p *pass) dayPrefix(i int) string {
	if p.v.NoDayWord || noDayPrefix[p.prevWord(i)] || p.prevWord(i) == "" && p.isPunct(p.prev(i), "-") || p.inName(i) {
		return ""
	}
	return "ngày "
}

func (p *pass) monthOf(m string) string {
	n, _ := atoi(m)
	return p.v.month(n, p.lunar)
}

func (p *pass) dayMonth(d, m string) string {
	return p.v.cardinal(d) + " tháng " + p.monthOf(m)
}

func (p *pass) yearOf(y string) string { return "năm " + p.v.cardinal(y) }

// date reads full dates, date ranges, month/year, quarter/year and the
// ambiguous d/m (§B.4).
func (p *pass) date(i int) match {
	nums, seps, end := p.chainAt(i)
	if len(nums) < 2 {
		return match{}
	}
	// A code such as 29/2024/TT-BGDĐT or a longer chain is not a date.
	if p.isPunct(end, "/") || p.isPunct(end, "-") && p.isNum(end+1) {
		return match{}
	}
	sepStr := string(seps)
	prevW := p.prevWord(i)
	switch {
	case len(nums) == 3 && seps[0] == seps[1] && validDay(nums[0]) && validMonth(nums[1]) && validYear(nums[2]):
		return match{end, p.dayPrefix(i) + p.dayMonth(nums[0], nums[1]) + " " + p.yearOf(nums[2]), "date", 0}
	case sepStr == "-/" && validMonth(nums[0]) && validMonth(nums[1]) && validYear(nums[2]) && less(nums[0], nums[1]):
		head := "tháng "
		if prevW == "tháng" {
			head = ""
		}
		return match{end, head + p.monthOf(nums[0]) + " đến tháng " + p.monthOf(nums[1]) + " " + p.yearOf(nums[2]), "date", 0}
	case sepStr == "-/" && validDay(nums[0]) && validDay(nums[1]) && validMonth(nums[2]) && less(nums[0], nums[1]):
		return match{end, p.dayPrefix(i) + p.v.cardinal(nums[0]) + " đến " + p.dayMonth(nums[1], nums[2]), "date", 0}
	case sepStr == "-//" && validDay(nums[0]) && validDay(nums[1]) && validMonth(nums[2]) && validYear(nums[3]) && less(nums[0], nums[1]):
		return match{end, p.dayPrefix(i) + p.v.cardinal(nums[0]) + " đến " + p.dayMonth(nums[1], nums[2]) + " " + p.yearOf(nums[3]), "date", 0}
	case (sepStr == "/-/" || sepStr == "/-//") && validDay(nums[0]) && validMonth(nums[1]) && validDay(nums[2]) && validMonth(nums[3]) && (len(nums) == 4 || validYear(nums[4])):
		say := p.dayPrefix(i) + p.dayMonth(nums[0], nums[1]) + " đến " + p.dayMonth(nums[2], nums[3])
		if len(nums) == 5 {
			say += " " + p.yearOf(nums[4])
		}
		return match{end, say, "date", 0}
	case sepStr == "//-//" && validDay(nums[0]) && validMonth(nums[1]) && validYear(nums[2]) && validDay(nums[3]) && validMonth(nums[4]) && validYear(nums[5]):
		return match{end, p.dayPrefix(i) + p.dayMonth(nums[0], nums[1]) + " " + p.yearOf(nums[2]) + " đến ngày " +
			p.dayMonth(nums[3], nums[4]) + " " + p.yearOf(nums[5]), "date", 0}
	case len(nums) != 2:
		return match{}
	}
	a, b := nums[0], nums[1]
	switch seps[0] {
	case '/':
		if validYear(b) {
			switch {
			case prevW == "quý" && (a == "1" || a == "2" || a == "3" || a == "4"):
				return match{end, p.v.cardinal(a) + " " + p.yearOf(b), "date", 0}
			case prevW == "tháng" && validMonth(a):
				return match{end, p.monthOf(a) + " " + p.yearOf(b), "date", 0}
			case validMonth(a):
				return match{end, "tháng " + p.monthOf(a) + " " + p.yearOf(b), "date", 0}
			}
			return match{}
		}
		return p.slashPair(i, end, a, b)
	case '.':
		if p.dayMonthDotDash(i, end, a, b) {
			return match{end, p.dayPrefix(i) + p.dayMonth(a, b), "date", 0}
		}
		if validMonth(a) && validYear(b) && (strings.HasPrefix(b, "19") || strings.HasPrefix(b, "20")) && !strings.HasPrefix(a, "0") || prevW == "tháng" && validMonth(a) && validYear(b) {
			if prevW == "tháng" {
				return match{end, p.monthOf(a) + " " + p.yearOf(b), "date", 0}
			}
			return match{end, "tháng " + p.monthOf(a) + " " + p.yearOf(b), "date", 0}
		}
	case '-':
		if p.dayMonthDotDash(i, end, a, b) {
			return match{end, p.dayPrefix(i) + p.dayMonth(a, b), "date", 0}
		}
		if prevW == "tháng" && validMonth(a) && validYear(b) {
			return match{end, p.monthOf(a) + " " + p.yearOf(b), "date", 0}
		}
	}
	return match{}
}

// dayMonthDotDash decides whether "9-4" or "15.10" is a day and month:
// only after a day word or a time of day ("chiều 9-4", "ngày 21.3"), or in
// a place name ("đường 3-2"), never before a quantity ("sáng 2.5 triệu")
// nor in a match report ("thắng Chelsea 2-1").
// Without that context the dash is a range and the dot a decimal.
func (p *pass) dayMonthDotDash(i, end int, a, b string) bool {
	if !validDay(a) || !validMonth(b) || p.quantityFollows(end) || p.isNum(p.next(end-1)) || p.scoreContext(i) {
		return false
	}
	// "sáng 9-10 giờ", "chiều 2-3 tiếng": a range of hours, not a date.
	if k := p.next(end - 1); p.isWord(k) {
		w := strings.ToLower(p.toks[k].text)
		if counterWords[w] && !(w == "năm" && (p.isNum(p.next(k)) || yearDeictics[strings.ToLower(p.nextWord(k))])) {
			return false
		}
	}
	prevW := p.prevWord(i)
	if p.dayWordBefore(i) || nameHeads[prevW] || p.dateListContext(i) {
		return true
	}
	// "từ 9-4 đến 15-4": a span between two dates.
	if prevW == "từ" {
		k := p.next(end - 1)
		if w := strings.ToLower(p.text(k)); p.isWord(k) && (w == "đến" || w == "tới") {
			if !p.isNum(p.next(k)) {
				return false
			}
			_, mine, _ := p.chainAt(i)
			nums, seps, _ := p.chainAt(p.next(k))
			return len(nums) == 2 && seps[0] == mine[0] && validDay(nums[0]) && validMonth(nums[1])
		}
	}
	return false
}

// dayWordBefore reports a day word or time of day just before token i,
// also through "nay", "qua", "mai" and an opening bracket: "chiều 9-4",
// "sáng nay (15.10)", "hôm qua 27-8".
func (p *pass) dayWordBefore(i int) bool {
	j := p.prev(i)
	if p.isPunct(j, "(") {
		j = p.prev(j)
	}
	if !p.isWord(j) {
		return false
	}
	w := strings.ToLower(p.toks[j].text)
	if dayMonthContext[w] {
		return true
	}
	if w == "nay" || w == "qua" || w == "mai" {
		k := p.prev(j)
		return p.isWord(k) && dayMonthContext[strings.ToLower(p.toks[k].text)]
	}
	return false
}

// dateListContext reports a day and month that continue a date or a list
// of days: "ngày 12 và 13-5", "từ 9-4 đến 15-4", "ngày 2, 3 và 4/9".
func (p *pass) dateListContext(i int) bool {
	pj := p.prev(i)
	if !p.isPunct(pj, ",") && !(p.isWord(pj) && listWords[strings.ToLower(p.toks[pj].text)]) {
		return false
	}
	k := p.prev(pj)
	if k >= 0 && k == p.lastDate {
		return true
	}
	// Walk back over the listed days to the word that introduced them.
	for steps := 0; steps < 8 && p.isNum(k) && validDay(p.toks[k].text); steps++ {
		b := p.prev(k)
		if p.isWord(b) && dayMonthContext[strings.ToLower(p.toks[b].text)] {
			return true
		}
		if !p.isPunct(b, ",") && !(p.isWord(b) && listWords[strings.ToLower(p.toks[b].text)]) {
			return false
		}
		k = p.prev(b)
	}
	return false
}

// inName reports that the number at token i follows a place or institution
// noun or a capitalised word inside the sentence ("công viên 30/4",
// "Trường 19-5"), where a day and month name the place: read without
// "ngày".
func (p *pass) inName(i int) bool {
	j := p.prev(i)
	if !p.isWord(j) {
		return false
	}
	w := p.toks[j].text
	if nameHeads[strings.ToLower(w)] {
		return true
	}
	return j != p.firstWordIdx && isCapitalized(w) && !isAllCaps(w) && !noDayPrefix[strings.ToLower(w)] && !dateContext[strings.ToLower(w)]
}

func less(a, b string) bool {
	x, _ := atoi(a)
	y, _ := atoi(b)
	return x < y
}

// slashPair decides what a bare a/b is: an address, the idiom 24/7, a day
// and month, or a fraction (§B.4 table).
func (p *pass) slashPair(i, end int, a, b string) match {
	prevW := p.prevWord(i)
	x, _ := atoi(a)
	y, _ := atoi(b)
	dm := validDay(a) && validMonth(b)
	nextW := strings.ToLower(p.nextWord(end - 1))
	switch {
	case addressContext[prevW]:
		return match{end, p.plainOrDigits(a) + " trên " + p.plainOrDigits(b), "address", 0}
	case a == "24" && b == "7":
		return match{end, p.v.cardinal(a) + " trên " + p.v.cardinal(b), "idiom", 0}
	case dm && (dateContext[prevW] || p.dayWordBefore(i) || p.inName(i) || p.dateListContext(i) || nextW == "năm" || nextW == "tới" || nextW == "này" || nextW == "vừa" || p.hasDate):
		return match{end, p.dayPrefix(i) + p.dayMonth(a, b), "date", 0}
	case x < y && (y <= 20 || y == 100 || y == 1000):
		return match{end, p.v.cardinal(a) + " phần " + p.denominator(b), "fraction", 0}
	case dm:
		return match{end, p.dayPrefix(i) + p.dayMonth(a, b), "date", 0}
	}
	return match{end, p.v.cardinal(a) + " trên " + p.v.cardinal(b), "fraction", 0}
}

func (p *pass) denominator(b string) string {
	if strings.TrimLeft(b, "0") == "4" {
		return "tư"
	}
	return p.v.cardinal(b)
}

// clock reads times 14h30, 7h, 21g (with a time word), 8:15, 14:30:15 and
// their ranges 8h-10h30, 8-10h (§B.4).
func (p *pass) clock(i int) match {
	end, say, ok := p.parseClock(i)
	if !ok {
		// "8-10h": a bare number then a range dash and a time.
		if (p.isPunct(i+1, "-") || p.isPunct(i+1, "–")) && p.isNum(i+2) {
			if h, ok := atoi(p.toks[i].text); ok && h <= 24 && len(p.toks[i].text) <= 2 {
				if e2, s2, ok2 := p.parseClock(i + 2); ok2 {
					return match{e2, p.v.cardinal(p.toks[i].text) + " đến " + s2, "time", 0}
				}
			}
		}
		return match{}
	}
	// Range: "8h-10h30", "8h - 10h".
	j := end
	if p.isSpace(j) && (p.isPunct(j+1, "-") || p.isPunct(j+1, "–")) && p.isSpace(j+2) && p.isNum(j+3) {
		j += 3
	} else if (p.isPunct(j, "-") || p.isPunct(j, "–")) && p.isNum(j+1) {
		j++
	} else {
		return match{end, say, "time", 0}
	}
	if e2, s2, ok2 := p.parseClock(j); ok2 {
		return match{e2, say + " đến " + s2, "time", 0}
	}
	return match{end, say, "time", 0}
}

// parseClock reads one clock time at token i.
func (p *pass) parseClock(i int) (end int, say string, ok bool) {
	if !p.isNum(i) || len(p.toks[i].text) > 2 {
		return 0, "", false
	}
	hs := p.toks[i].text
	h, _ := atoi(hs)
	minute := func(j int) (string, bool) {
		if !p.isNum(j) || len(p.toks[j].text) != 2 {
			return "", false
		}
		m, _ := atoi(p.toks[j].text)
		return p.toks[j].text, m <= 59
	}
	var mins, secs string
	switch unit := p.text(i + 1); {
	case p.isWord(i+1) && (unit == "h" || unit == "H" || unit == "g"):
		end = i + 2
		if m, ok := minute(i + 2); ok && h <= 24 {
			mins, end = m, i+3
			if w := p.text(end); p.isWord(end) && (w == "p" || w == "ph" || w == "phút") {
				end++
			} else if p.isPunct(end, "'") || p.isPunct(end, "′") {
				end++
			}
		} else if p.isNum(i + 2) {
			return 0, "", false
		}
		if unit == "g" && mins == "" && (!timeContext[p.prevWord(i)] || h > 24) {
			return 0, "", false
		}
	case p.isPunct(i+1, ":") && h <= 24:
		m, ok := minute(i + 2)
		if !ok || p.scoreContext(i) {
			return 0, "", false
		}
		mins, end = m, i+3
		if p.isPunct(end, ":") {
			if s, ok := minute(end + 1); ok {
				secs, end = s, end+2
			}
		}
	default:
		return 0, "", false
	}
	if p.isWord(end) || p.isNum(end) {
		return 0, "", false
	}
	say = p.v.cardinal(hs) + " giờ"
	if mins != "" && strings.Trim(mins, "0") != "" || secs != "" {
		say += " " + p.v.cardinal(mins)
		if !p.v.NoMinuteWord || secs != "" {
			say += " phút"
		}
	}
	if secs != "" {
		say += " " + p.v.cardinal(secs) + " giây"
	}
	return end, say, true
}

// scoreContext reports a sports score word shortly before token i.
func (p *pass) scoreContext(i int) bool {
	ws := p.wordsBeforeLoose(i, 8)
	for k, w := range ws {
		switch w {
		case "thắng", "thua", "hòa", "hoà", "gỡ", "dẫn", "bại":
			return true
		case "số":
			if k+1 < len(ws) && (ws[k+1] == "tỷ" || ws[k+1] == "tỉ") {
				return true
			}
		case "cuộc":
			if k+1 < len(ws) && ws[k+1] == "chung" {
				return true
			}
		}
	}
	return false
}

// betweenTeams reports a result written between two names, "Đà Nẵng 1-0
// HAGL", the way results are listed.
func (p *pass) betweenTeams(i, end int) bool {
	pj, nj := p.prev(i), p.next(end-1)
	return pj == i-2 && nj == end+1 && p.isWord(pj) && p.isWord(nj) &&
		isCapitalized(p.toks[pj].text) && isCapitalized(p.toks[nj].text) && pj != p.firstWordIdx
}

// wordsBeforeLoose is wordsBefore that steps over commas and colons.
func (p *pass) wordsBeforeLoose(i, n int) []string {
	var ws []string
	for j := i - 1; j >= 0 && len(ws) < n; j-- {
		switch t := p.toks[j]; {
		case t.kind == tkWord:
			ws = append(ws, strings.ToLower(t.text))
		case t.kind == tkSpace || t.text == "," || t.text == ":":
		default:
			return ws
		}
	}
	return ws
}

// score reads "2-1" after a score word as "hai một", and formations such as
// 4-2-3-1 digit by digit (§B.4).
func (p *pass) score(i int) match {
	nums, seps, end := p.chainAt(i)
	if len(nums) >= 3 && !strings.ContainsAny(string(seps), "/.") {
		for _, n := range nums {
			if len(n) != 1 {
				return match{}
			}
		}
		return match{end, spellDigits(strings.Join(nums, "")), "score", 0}
	}
	colon := p.isPunct(i+1, ":") && p.isNum(i+2)
	if !(len(nums) == 2 && seps[0] == '-' || colon) || !p.scoreContext(i) && !p.betweenTeams(i, end) {
		return match{}
	}
	if colon {
		end = i + 3
		nums = []string{p.toks[i].text, p.toks[i+2].text}
	}
	return match{end, p.v.cardinal(nums[0]) + " " + p.v.cardinal(nums[1]), "score", 0}
}

// numRange reads "10-15", "2021-2030", "1,5-2" with "đến".
func (p *pass) numRange(i int) match {
	if p.isWord(i-1) || p.isPunct(i-1, "-") || p.isPunct(i-1, "/") {
		return match{}
	}
	left := p.parseNumber(i)
	j := left.end
	switch {
	case (p.isPunct(j, "-") || p.isPunct(j, "–")) && p.isNum(j+1):
		j++
	case p.isSpace(j) && (p.isPunct(j+1, "-") || p.isPunct(j+1, "–")) && p.isSpace(j+2) && p.isNum(j+3):
		j += 3
	default:
		return match{}
	}
	right := p.parseNumber(j)
	if p.isPunct(right.end, "/") || p.isWord(right.end) && !p.quantityFollows(right.end) && p.text(right.end) != "h" {
		return match{}
	}
	return match{right.end, p.read(left) + " đến " + p.read(right), "range", 0}
}

// phone reads telephone numbers digit by digit in the writer's groups
// (§B.8): 0912.345.678, (024) 3825 1234, +84 912 345 678, 1900 1234.
func (p *pass) phone(i int) match {
	var groups []string
	lead := ""
	j := i
	t := p.toks[i]
	switch {
	case t.kind == tkPunct && t.text == "+":
		if !p.isNum(i+1) || p.isNum(i-1) || p.isWord(i-1) {
			return match{}
		}
		cc := p.toks[i+1].text
		switch {
		case len(cc) <= 3:
			j = i + 2
		case strings.HasPrefix(cc, "84") && len(cc) >= 10:
			groups = append(groups, cc[2:])
			cc, j = "84", i+2
		default:
			return match{}
		}
		lead = "cộng " + spellDigits(cc)
	case t.kind == tkPunct && t.text == "(":
		if !p.isNum(i+1) || !p.isPunct(i+2, ")") {
			return match{}
		}
		area := p.toks[i+1].text
		if len(area) < 2 || len(area) > 4 || area[0] != '0' {
			return match{}
		}
		groups = append(groups, area)
		j = i + 3
	case t.kind == tkNum:
		if p.isPunct(i-1, ".") || p.isPunct(i-1, ",") || p.isPunct(i-1, "/") {
			return match{}
		}
		groups = append(groups, t.text)
		j = i + 1
	default:
		return match{}
	}
	for len(groups) < 6 {
		sepOK := p.isPunct(j, ".") || p.isPunct(j, "-") || p.isSpace(j) && p.toks[j].text == " "
		if !sepOK || !p.isNum(j+1) || p.toks[j+1].fixed {
			break
		}
		g := p.toks[j+1].text
		if len(g) < 2 || len(g) > 8 || len(g) > 4 && !(len(groups) == 1 && groups[0][0] == '0') {
			break
		}
		if len(g) > 4 { // "(0236) 3822999": the subscriber number unbroken after an area code
			groups = append(groups, splitSubscriber(g)...)
		} else {
			groups = append(groups, g)
		}
		j += 2
	}
	if len(groups) == 0 || p.isWord(j) || p.isNum(j) || p.isPunct(j, ",") && p.isNum(j+1) {
		return match{}
	}
	total := 0
	for _, g := range groups {
		total += len(g)
	}
	first := groups[0]
	// Context words are looked up only for numbers whose shape alone does
	// not decide: most numbers are not phones.
	ctx := func() bool {
		for _, w := range p.wordsBeforeLoose(i, 3) {
			if phoneContext[w] || phoneContext[strings.ToUpper(w)] {
				return true
			}
		}
		return false
	}
	switch {
	case lead != "" && total >= 7:
	case t.text == "(" && total >= 8:
	case first[0] == '0' && len(first) >= 3 && total >= 9 && total <= 11:
	case (strings.HasPrefix(first, "1800") || strings.HasPrefix(first, "1900")) && total >= 8 && total <= 10:
	case len(first) >= 3 && total >= 3 && total <= 12 && ctx():
	default:
		return match{}
	}
	if len(groups) == 1 {
		groups = splitPhone(groups[0])
	}
	parts := make([]string, 0, len(groups)+1)
	if lead != "" {
		parts = append(parts, lead)
	}
	for _, g := range groups {
		parts = append(parts, spellDigits(g))
	}
	return match{j, strings.Join(parts, ", "), "phone", 0}
}

// splitSubscriber groups a subscriber number written in one piece after
// its area code: 3-3, 3-4 or 4-4 digits.
func splitSubscriber(d string) []string {
	k := len(d) / 2
	return []string{d[:k], d[k:]}
}

// plate reads a vehicle registration plate, "30A-123.45" or
// "51F1-12345": the province number, the series by letter names, then the
// serial digit by digit.
func (p *pass) plate(i int) match {
	prov := p.toks[i].text
	if len(prov) != 2 || p.isWord(i-1) || p.isPunct(i-1, "-") || p.isPunct(i-1, ".") || !p.isWord(i+1) {
		return match{}
	}
	series := p.toks[i+1].text
	if len(series) > 2 || !isAllCapsLetters(series) {
		return match{}
	}
	j := i + 2
	say := p.v.cardinal(prov) + " " + spellLetters(series)
	if p.isNum(j) && len(p.toks[j].text) == 1 {
		say += " " + spellDigits(p.toks[j].text)
		j++
	}
	if !(p.isPunct(j, "-") || p.isPunct(j, "–")) || !p.isNum(j+1) {
		return match{}
	}
	serial := p.toks[j+1].text
	end := j + 2
	if len(serial) == 3 && p.isPunct(end, ".") && p.isNum(end+1) && len(p.toks[end+1].text) == 2 {
		serial += p.toks[end+1].text
		end += 2
	}
	if len(serial) < 4 || len(serial) > 5 || p.isWord(end) || p.isNum(end) {
		return match{}
	}
	return match{end, say + ", " + spellDigits(serial), "plate", 0}
}

func isAllCapsLetters(w string) bool {
	for _, r := range w {
		if r > 0x7F || r < 'A' || r > 'Z' {
			return false
		}
	}
	return w != ""
}

// splitPhone groups an unbroken phone number the way it is usually said:
// 4-3-3 for ten digits.
func splitPhone(d string) []string {
	var sizes []int
	switch len(d) {
	case 8:
		sizes = []int{4, 4}
	case 9:
		sizes = []int{3, 3, 3}
	case 10:
		sizes = []int{4, 3, 3}
	case 11:
		sizes = []int{4, 3, 4}
	default:
		return []string{d}
	}
	var out []string
	for _, s := range sizes {
		out = append(out, d[:s])
		d = d[s:]
	}
	return out
}

// docCode reads legal document numbers: 29/2024/TT-BGDĐT, 123/QĐ-TTg.
func (p *pass) docCode(i int) match {
	if !p.isPunct(i+1, "/") {
		return match{}
	}
	say := p.v.cardinal(p.toks[i].text)
	j := i + 2
	if p.isNum(j) && validYear(p.toks[j].text) && p.isPunct(j+1, "/") {
		say += " " + p.yearOf(p.toks[j].text)
		j += 2
	}
	if !p.isWord(j) || !isCapitalized(p.toks[j].text) || len([]rune(p.toks[j].text)) < 2 {
		return match{}
	}
	var parts []string
	for ; j < len(p.toks) && !p.toks[j].fixed; j++ {
		t := p.toks[j]
		if t.kind == tkWord {
			if r, ok := docCodeParts[t.text]; ok {
				parts = append(parts, r)
			} else if r, ok := abbreviations[t.text]; ok {
				parts = append(parts, r)
			} else {
				parts = append(parts, spellLetters(t.text))
			}
			continue
		}
		if t.kind == tkNum {
			parts = append(parts, p.plainOrDigits(t.text))
			continue
		}
		if (t.text == "-" || t.text == "&") && (p.isWord(j+1) || p.isNum(j+1)) {
			continue
		}
		break
	}
	return match{j, say + " " + strings.Join(parts, " "), "code", 0}
}
