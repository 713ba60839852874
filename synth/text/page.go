package text

// Page is what a public article page shows of a document: the document
// cut to a size that costs the same to serve whatever was sent. Blocks keep
// their indexes, which the player's follow-along highlighting refers to.
type Page struct {
	Doc Document `json:"doc"`
	// Truncated says that blocks were left out; the audio still reads them.
	Truncated bool `json:"truncated,omitempty"`
}
