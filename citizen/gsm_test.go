package citizen

import (
	"strings"
	"testing"
)

func TestFoldGSM7(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"GSM letters stay", "é è à ù ì ò Ç É Ä ö ñ ü ß €[]", "é è à ù ì ò Ç É Ä ö ñ ü ß €[]"},
		{"French accents outside GSM", "Français, être, côté, île, sûr, naïve", "Francais, etre, coté, ile, sur, naive"},
		{"Hausa hooks", "ƙasa ɗan ɓera ƴa Ƙ Ɗ Ɓ Ƴ", "kasa dan bera ya K D B Y"},
		{"Zarma letters", "kaŋ Žanwiye ɲaŋ sohõ", "kan Zanwiye nyan soho"},
		{"typographic punctuation", "l’ordre « oui » – fin…", "l'ordre \" oui \" - fin..."},
		{"spaces and tabs", "a\u00a0b\tc", "a b c"},
		{"ligature", "œuvre", "oeuvre"},
		{"number sign", "Ordonnance n° 12", "Ordonnance no 12"},
		{"other scripts become ?", "中文 ☎", "?? ?"},
		{"control characters become ?", "a\x00b", "a?b"},
		{"newlines stay", "a\nb\rc", "a\nb\rc"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := FoldGSM7(c.in)
			if got != c.want {
				t.Fatalf("FoldGSM7(%q) = %q, want %q", c.in, got, c.want)
			}
			if _, ok := GSM7Septets(got); !ok {
				t.Fatalf("FoldGSM7(%q) = %q is not GSM", c.in, got)
			}
		})
	}
}

func TestSMSSegments(t *testing.T) {
	a := func(n int) string { return strings.Repeat("a", n) }
	k := func(n int) string { return strings.Repeat("ƙ", n) }
	cases := []struct {
		name     string
		in       string
		enc      SMSEncoding
		segments int
	}{
		{"empty", "", GSM7, 1},
		{"160 GSM", a(160), GSM7, 1},
		{"161 GSM", a(161), GSM7, 2},
		{"two full parts", a(306), GSM7, 2},
		{"a third part", a(307), GSM7, 3},
		{"euro counts two", a(159) + "€", GSM7, 2},
		{"euro fits", a(158) + "€", GSM7, 1},
		{"escape pair is not split", a(152) + "€" + a(10), GSM7, 2},
		{"escape pair moves to the next part", a(152) + "€" + a(152), GSM7, 3},
		{"one hook switches to UCS-2", a(69) + "ƙ", UCS2, 1},
		{"71 UCS-2", k(71), UCS2, 2},
		{"134 UCS-2", k(134), UCS2, 2},
		{"135 UCS-2", k(135), UCS2, 3},
		{"a surrogate pair counts two", k(68) + "😀", UCS2, 1},
		{"a surrogate pair is not split", k(66) + "😀" + k(10), UCS2, 2},
		{"ç is not GSM", "reçu", UCS2, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			enc, n := SMSSegments(c.in)
			if enc != c.enc || n != c.segments {
				t.Fatalf("SMSSegments = %s, %d; want %s, %d", enc, n, c.enc, c.segments)
			}
		})
	}
}

func BenchmarkFoldGSM7(b *testing.B) {
	screen := texts[Hausa][MsgDoneClaim] + "\n" + texts[French][MsgVerifyUnknown]
	b.SetBytes(int64(len(screen)))
	for b.Loop() {
		FoldGSM7(screen)
	}
}
