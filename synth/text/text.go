// Package text is Loa's Vietnamese text front-end: it extracts an article from
// HTML or plain text, splits it into sentences and turns each sentence into
// the words a voice should say. Nothing here knows about audio or HTTP.
package text

// BlockKind says what role a block plays in the article; pauses and chapters
// depend on it.
type BlockKind string

const (
	KindTitle     BlockKind = "title"
	KindLead      BlockKind = "lead" // sapo
	KindHeading   BlockKind = "heading"
	KindParagraph BlockKind = "paragraph"
	KindListItem  BlockKind = "list_item"
	KindQuote     BlockKind = "quote"
)

// Block is one hard unit of the article: a sentence never crosses a block.
type Block struct {
	Kind BlockKind `json:"kind"`
	Text string    `json:"text"`
}

// Document is an extracted article. Blocks are every spoken block in reading
// order, the title and lead included (as KindTitle and KindLead blocks).
type Document struct {
	Title       string  `json:"title,omitempty"`
	Lead        string  `json:"lead,omitempty"`
	Byline      string  `json:"byline,omitempty"`
	PublishedAt string  `json:"published_at,omitempty"` // as found on the page (RFC 3339 when the page says so)
	Language    string  `json:"language,omitempty"`
	Blocks      []Block `json:"blocks"`
}

// Sentence is one unit of synthesis. CharStart and CharEnd are offsets in
// Unicode code points into Document.Text(), the blocks joined by "\n\n", so
// that Text == []rune(doc.Text())[CharStart:CharEnd].
type Sentence struct {
	Index     int    `json:"index"`
	Block     int    `json:"block"`
	Text      string `json:"text"`
	CharStart int    `json:"char_start"`
	CharEnd   int    `json:"char_end"`
}
