package importer

import (
	"strings"
	"testing"
	"time"

	"github.com/muster-org/muster/fund"
)

func TestReadContributions(t *testing.T) {
	file := "amount,id,channel,at,contributor\n" +
		"150000,REC-1,cash,,Association des femmes de Dosso\n" +
		"2500,REC-2,mobile_money,2026-11-25T10:30:00Z,\n" +
		"10,REC-3,cheque,,\n" +
		"ten,REC-4,bank,,\n" +
		"0,REC-5,bank,,\n" +
		"1,REC-1,bank,,\n" +
		"1,REC-6,bank,yesterday,\n" +
		"1,REC-7\n"
	got, problems, err := ReadContributions(strings.NewReader(file), "receipts.csv")
	if err != nil {
		t.Fatal(err)
	}
	want := []fund.Contribution{
		{Key: "REC-1", Channel: fund.Cash, Amount: 150000, Contributor: "Association des femmes de Dosso"},
		{Key: "REC-2", Channel: fund.MobileMoney, Amount: 2500, At: time.Date(2026, 11, 25, 10, 30, 0, 0, time.UTC)},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i].Key != want[i].Key || got[i].Channel != want[i].Channel || got[i].Amount != want[i].Amount ||
			got[i].Contributor != want[i].Contributor || !got[i].At.Equal(want[i].At) {
			t.Errorf("contribution %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	wantProblems := []string{
		`receipts.csv:4: channel: `,
		`receipts.csv:5: amount: "ten" is not a whole number of XOF`,
		`receipts.csv:6: `,
		`receipts.csv:7: id: "REC-1" is also the id of line 2`,
		`receipts.csv:8: at: "yesterday" is not an RFC 3339 time`,
		`receipts.csv:9: wrong number of fields`,
	}
	if len(problems) != len(wantProblems) {
		t.Fatalf("problems %v, want %d", problems, len(wantProblems))
	}
	for i, p := range problems {
		if !strings.HasPrefix(p.String(), wantProblems[i]) {
			t.Errorf("problem %d = %q, want it to start %q", i, p, wantProblems[i])
		}
	}
	for _, bad := range []struct{ file, want string }{
		{"", "empty file"},
		{"id,channel\nR,cash\n", `missing column "amount"`},
		{"id,channel,amount,phone\n", `unknown column "phone"`},
		{"id,channel,amount,id\n", `column "id" is given twice`},
	} {
		if _, _, err := ReadContributions(strings.NewReader(bad.file), "r.csv"); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: error %v, want %q", bad.file, err, bad.want)
		}
	}
}
