package printout

import (
	"encoding/binary"
	"errors"
	"testing"
)

// TestFontsCoverText checks that the embedded fonts have a glyph for every
// letter we print: a missing glyph still reaches the PDF text layer, so only
// the font's own character map can prove the letter is drawn and not shown
// as an empty box.
func TestFontsCoverText(t *testing.T) {
	letters := "ƁɓƊɗƘƙƳƴ" + "ƝɲŊŋƐɛƆɔãẽĩõũŽž" + "•—·°"
	for _, file := range []string{"fonts/DejaVuSans.ttf", "fonts/DejaVuSans-Bold.ttf"} {
		ttf, err := fontFS.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		text := letters
		for _, msgs := range catalog {
			for _, s := range msgs {
				text += s
			}
		}
		for _, l := range locales {
			for _, m := range l.months {
				text += m
			}
			text += l.dateTime
		}
		for _, r := range text {
			ok, err := hasGlyph(ttf, r)
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			if !ok {
				t.Errorf("%s has no glyph for %q (U+%04X)", file, r, r)
			}
		}
	}
	ttf, err := fontFS.ReadFile("fonts/DejaVuSansMono-Bold.ttf")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-" {
		if ok, err := hasGlyph(ttf, r); err != nil || !ok {
			t.Errorf("mono font: no glyph for %q (%v)", r, err)
		}
	}
}

// hasGlyph looks r up in the font's Windows Unicode BMP character map
// (cmap platform 3, encoding 1, format 4), as a PDF reader would.
func hasGlyph(ttf []byte, r rune) (bool, error) {
	if r > 0xFFFF {
		return false, nil
	}
	u16 := func(off int) int { return int(binary.BigEndian.Uint16(ttf[off:])) }
	u32 := func(off int) int { return int(binary.BigEndian.Uint32(ttf[off:])) }
	cmap := -1
	for i := range u16(4) {
		rec := 12 + 16*i
		if string(ttf[rec:rec+4]) == "cmap" {
			cmap = u32(rec + 8)
		}
	}
	if cmap < 0 {
		return false, errors.New("no cmap table")
	}
	sub := -1
	for i := range u16(cmap + 2) {
		rec := cmap + 4 + 8*i
		if u16(rec) == 3 && u16(rec+2) == 1 {
			sub = cmap + u32(rec+4)
		}
	}
	if sub < 0 || u16(sub) != 4 {
		return false, errors.New("no format 4 Unicode BMP cmap")
	}
	segs := u16(sub+6) / 2
	ends, starts := sub+14, sub+16+2*segs
	deltas, offsets := starts+2*segs, starts+4*segs
	c := int(r)
	for i := range segs {
		if u16(ends+2*i) < c {
			continue
		}
		start := u16(starts + 2*i)
		if start > c {
			return false, nil
		}
		delta, ro := u16(deltas+2*i), u16(offsets+2*i)
		if ro == 0 {
			return (c+delta)&0xFFFF != 0, nil
		}
		g := u16(offsets + 2*i + ro + 2*(c-start))
		return g != 0 && (g+delta)&0xFFFF != 0, nil
	}
	return false, nil
}
