package text

import "strings"

func bufioLines(s string) []string  { return strings.Split(s, "\n") }
func unescapeProbe(s string) string { return strings.ReplaceAll(s, `\n`, "\n") }
