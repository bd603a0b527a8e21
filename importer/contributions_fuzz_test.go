package importer

import (
	"bytes"
	"strings"
	"testing"

	"github.com/muster-org/muster"
)

// FuzzContributionsCSV feeds any file to ReadContributions: it
// never panics, a file it cannot read at all is an invalid error naming
// the file, every bad row is a problem naming its line, and every row it
// accepts is a valid contribution with an id of its own.
func FuzzContributionsCSV(f *testing.F) {
	for _, s := range []string{
		"id,channel,amount\nR1,cash,100\nR2,bank,250\n",
		"amount,id,channel,at,contributor\n5,R1,mobile_money,2026-11-25T10:30:00Z,Coopérative de Gaya\n",
		"id,channel,amount\nR1,cash,-1\nR1,cash,1\nR2,mobile,1\nR3,bank,1e3\n\"R4,cash,1\n",
		"\ufeffid,channel,amount,contributor\r\nR1,cash,100,\r\n",
		"id,channel\nR1,cash\n", "id,id,amount\n", "", "id,channel,amount,phone\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, problems, err := ReadContributions(bytes.NewReader(data), "receipts.csv")
		if err != nil {
			if muster.ErrorKind(err) != muster.Invalid || !strings.HasPrefix(err.Error(), "receipts.csv") {
				t.Fatalf("error %v (kind %s): want invalid, naming the file", err, muster.ErrorKind(err))
			}
			return
		}
		for _, p := range problems {
			if p.File != "receipts.csv" || p.Line < 2 || p.Message == "" {
				t.Fatalf("problem without a line or message: %+v", p)
			}
		}
		seen := map[string]bool{}
		for _, c := range got {
			if err := c.Validate(); err != nil || seen[c.Key] {
				t.Fatalf("accepted %+v: %v, or its id twice", c, err)
			}
			seen[c.Key] = true
		}
	})
}
