package render

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"unicode/utf16"
)

// utf16LEBOM starts every pass.strings file: Wallet reads .strings files
// as UTF-16; a UTF-8 file shows up as an empty localization.
var utf16LEBOM = []byte{0xFF, 0xFE}

// EncodeStrings writes a pass.strings file: "key" = "value"; lines in key
// order, UTF-16 little-endian with a byte-order mark.
func EncodeStrings(strs map[string]string) []byte {
	keys := make([]string, 0, len(strs))
	for k := range strs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var text strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&text, "\"%s\" = \"%s\";\n", escapeString(k), escapeString(strs[k]))
	}
	units := utf16.Encode([]rune(text.String()))
	out := make([]byte, len(utf16LEBOM), len(utf16LEBOM)+2*len(units))
	copy(out, utf16LEBOM)
	for _, u := range units {
		out = binary.LittleEndian.AppendUint16(out, u)
	}
	return out
}

var stringsEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`)

func escapeString(s string) string { return stringsEscaper.Replace(s) }

// ParseStrings reads a pass.strings file written by EncodeStrings (or by
// hand, UTF-16 with BOM or UTF-8): "key" = "value"; pairs and comments.
func ParseStrings(data []byte) (map[string]string, error) {
	text, err := decodeText(data)
	if err != nil {
		return nil, err
	}
	p := &stringsParser{s: []rune(text)}
	out := map[string]string{}
	for {
		p.skipSpaceAndComments()
		if p.eof() {
			return out, nil
		}
		key, err := p.quoted()
		if err != nil {
			return nil, err
		}
		p.skipSpaceAndComments()
		if !p.consume('=') {
			return nil, fmt.Errorf("pass.strings: want = after %q", key)
		}
		p.skipSpaceAndComments()
		value, err := p.quoted()
		if err != nil {
			return nil, err
		}
		p.skipSpaceAndComments()
		if !p.consume(';') {
			return nil, fmt.Errorf("pass.strings: want ; after the value of %q", key)
		}
		out[key] = value
	}
}

func decodeText(data []byte) (string, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		if len(data)%2 != 0 {
			return "", fmt.Errorf("pass.strings: odd length for UTF-16")
		}
		order := binary.ByteOrder(binary.LittleEndian)
		if data[0] == 0xFE {
			order = binary.BigEndian
		}
		units := make([]uint16, 0, len(data)/2-1)
		for i := 2; i < len(data); i += 2 {
			units = append(units, order.Uint16(data[i:]))
		}
		return string(utf16.Decode(units)), nil
	default:
		return string(bytes.TrimPrefix(data, []byte{0xEF, 0xBB, 0xBF})), nil
	}
}

type stringsParser struct {
	s   []rune
	pos int
}

func (p *stringsParser) eof() bool { return p.pos >= len(p.s) }

func (p *stringsParser) consume(r rune) bool {
	if !p.eof() && p.s[p.pos] == r {
		p.pos++
		return true
	}
	return false
}

func (p *stringsParser) skipSpaceAndComments() {
	for !p.eof() {
		switch {
		case p.s[p.pos] == ' ' || p.s[p.pos] == '\t' || p.s[p.pos] == '\n' || p.s[p.pos] == '\r':
			p.pos++
		case p.hasPrefix("//"):
			for !p.eof() && p.s[p.pos] != '\n' {
				p.pos++
			}
		case p.hasPrefix("/*"):
			p.pos += 2
			for !p.eof() && !p.hasPrefix("*/") {
				p.pos++
			}
			p.pos = min(p.pos+2, len(p.s))
		default:
			return
		}
	}
}

func (p *stringsParser) hasPrefix(s string) bool {
	rs := []rune(s)
	return p.pos+len(rs) <= len(p.s) && string(p.s[p.pos:p.pos+len(rs)]) == s
}

func (p *stringsParser) quoted() (string, error) {
	if !p.consume('"') {
		return "", fmt.Errorf("pass.strings: want a quoted string at character %d", p.pos)
	}
	var b strings.Builder
	for !p.eof() {
		r := p.s[p.pos]
		p.pos++
		switch r {
		case '"':
			return b.String(), nil
		case '\\':
			if p.eof() {
				return "", fmt.Errorf("pass.strings: unfinished escape")
			}
			e := p.s[p.pos]
			p.pos++
			switch e {
			case 'n':
				b.WriteRune('\n')
			case 'r':
				b.WriteRune('\r')
			case 't':
				b.WriteRune('\t')
			default:
				b.WriteRune(e)
			}
		default:
			b.WriteRune(r)
		}
	}
	return "", fmt.Errorf("pass.strings: unterminated string")
}
