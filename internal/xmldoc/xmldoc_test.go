package xmldoc

import (
	"errors"
	"testing"
	"unicode/utf16"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vsskit/vss"
)

// utf16Of encodes units as UTF-16 in enc, after a byte order mark when bom.
func utf16Of(units []uint16, enc Encoding, bom bool) []byte {
	if bom {
		units = append([]uint16{0xFEFF}, units...)
	}
	var b []byte
	for _, u := range units {
		if enc == UTF16LE {
			b = append(b, byte(u), byte(u>>8))
		} else {
			b = append(b, byte(u>>8), byte(u))
		}
	}
	return b
}

// UTF-16 decodes to the same text, surrogate pairs included, in either
// byte order, with or without a byte order mark.
func TestDecodeUTF16(t *testing.T) {
	const doc = `<DOC a="é €"><T>𝄞 x</T></DOC>`
	for _, enc := range []Encoding{UTF16LE, UTF16BE} {
		for _, bom := range []bool{false, true} {
			text, got, err := Decode(utf16Of(utf16.Encode([]rune(doc)), enc, bom))
			require.NoError(t, err)
			assert.Equal(t, enc, got)
			assert.Equal(t, doc, string(text))
		}
	}
}

// A lone surrogate is not a character: the document is refused, naming
// the byte offset of the unit, instead of read with U+FFFD in its place.
func TestDecodeUTF16LoneSurrogate(t *testing.T) {
	pre := utf16.Encode([]rune(`<DOC a="`))
	for _, tc := range []struct {
		name  string
		units []uint16
		bom   bool
		unit  string
		at    string
	}{
		{"high alone", append(append(pre, 0xD834), utf16.Encode([]rune(`"/>`))...), false, "0xD834", "offset 16"},
		{"high at the end", append(pre, 0xD834), true, "0xD834", "offset 18"},
		{"low alone", append(append(pre, 0xDD1E, 0xD834, 0xDD1E), utf16.Encode([]rune(`"/>`))...), true, "0xDD1E", "offset 18"},
		{"two highs", append(append(pre, 0xD834, 0xD834, 0xDD1E), utf16.Encode([]rune(`"/>`))...), false, "0xD834", "offset 16"},
	} {
		for _, enc := range []Encoding{UTF16LE, UTF16BE} {
			t.Run(tc.name+" "+enc.String(), func(t *testing.T) {
				_, _, err := Parse(utf16Of(tc.units, enc, tc.bom))
				require.Error(t, err)
				assert.True(t, errors.Is(err, vss.ErrInvalidXMLDocument), "%v", err)
				for _, w := range []string{"lone surrogate", tc.unit, tc.at, enc.String()} {
					assert.Contains(t, err.Error(), w)
				}
			})
		}
	}
}
