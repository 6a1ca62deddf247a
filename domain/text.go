package domain

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// TypedTextOK says whether text an operator typed (a reason, an operator's name) may be
// stored and shown to others: valid UTF-8 with no control or invisible characters, which
// would reach the terminals of other operators (an escape sequence can clear a screen or
// write to a clipboard). Spaces are fine.
func TypedTextOK(s string) bool {
	return utf8.ValidString(s) && strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) && r != ' ' }) < 0
}
