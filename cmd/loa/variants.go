package main

import "github.com/loa-audio/loa/synth/text"

// declareVariants exposes the reading variants of docs/vietnamese-text.md
// §B: northern broadcast style by default, each choice a setting.
func declareVariants(fs *flagSet, o *text.NormalizeOptions) {
	v := &o.Variants
	fs.Bool(&v.Ngan, "read-ngan", "LOA_READ_NGAN", false, `read 10³ as "ngàn" instead of "nghìn" (southern)`)
	fs.Bool(&v.Le, "read-le", "LOA_READ_LE", false, `read a zero ten as "lẻ" instead of "linh" (101 = một trăm lẻ một)`)
	fs.Bool(&v.FourAsBon, "read-bon", "LOA_READ_BON", false, `read 4 after "mươi" as "bốn" instead of "tư"`)
	fs.Bool(&v.ShortHundreds, "read-short-hundreds", "LOA_READ_SHORT_HUNDREDS", false, `drop "không trăm" (2024 = hai nghìn hai mươi tư)`)
	fs.String(&v.USD, "read-usd", "LOA_READ_USD", "", `spoken form of USD and $ (default "đô la Mỹ"; e.g. "đô la", "u ét đê")`)
	fs.Bool(&v.NoMinuteWord, "read-no-minute", "LOA_READ_NO_MINUTE", false, `read 14h30 without "phút"`)
	fs.Bool(&v.NoDayWord, "read-no-day", "LOA_READ_NO_DAY", false, `do not insert "ngày" before a bare date`)
}
