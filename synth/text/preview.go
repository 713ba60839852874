package text

// PreviewSentence is one row of the editor's "what will be spoken" view:
// where the sentence is, what it says in writing, what the voice will say,
// and which rule changed which span.
type PreviewSentence struct {
	Sentence
	Kind    BlockKind `json:"kind"`
	Spoken  string    `json:"spoken"`
	Changes []Change  `json:"changes"`
}

// Preview segments doc and normalizes every sentence exactly as the
// synthesis pipeline does.
func (n *Normalizer) Preview(doc Document) []PreviewSentence {
	sentences := Segment(doc)
	out := make([]PreviewSentence, len(sentences))
	for i, s := range sentences {
		kind := doc.Blocks[s.Block].Kind
		sp := n.NormalizeBlock(kind, s.Text)
		changes := sp.Changes
		if changes == nil {
			changes = []Change{}
		}
		out[i] = PreviewSentence{Sentence: s, Kind: kind, Spoken: sp.Text, Changes: changes}
	}
	return out
}
