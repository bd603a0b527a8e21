package sqlstore

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/order"
)

// TestDecodeDetails checks that the details column, written with
// encoding/json, reads back as encoding/json itself would read it.
func TestDecodeDetails(t *testing.T) {
	cases := map[string]details{
		"call-up": {Items: []order.Item{{Type: "driver", Quantity: 1}},
			Place: order.Place{Text: "Caserne régionale", Area: "NE-8-1"}, LegalBasis: "Ordonnance n° 2026-05, art. 4", Reason: "Campagne"},
		"requisition returned": {
			Items: []order.Item{
				{Type: "truck", Quantity: 2, Unit: "vehicle", ResourceIDs: []string{"R-1", "R-2"}, Condition: "worn", ValueXOF: 12_500_000},
				{Type: "fuel", Quantity: 0.25, Unit: "m3"},
				{Type: "rice", Quantity: 1e9, Unit: "kg"},
			},
			Place:      order.Place{Text: "Dépôt \"Nord\"\n\tquai 3 \u2028 ƙ ɗ ɓ ƴ \\ </script>", Area: "NE-1", Location: &area.Point{Lat: 13.5127, Lon: -2.1126}},
			LegalBasis: "Loi 2026-01", Reason: "Sécheresse",
			Compensation: &order.Compensation{AmountXOF: 1_234_567, Days: 12, Lines: []order.Line{
				{Item: 0, Basis: "use", Detail: "2 vehicle × 12 days", AmountXOF: 1_200_000, Subject: "truck", Quantity: 2, Unit: "vehicle"},
				{Item: -1, Basis: "damage", Detail: "worn", AmountXOF: 34_567},
			}},
		},
		"empty": {},
	}
	for name, want := range cases {
		t.Run(name, func(t *testing.T) {
			body, err := json.Marshal(want)
			if err != nil {
				t.Fatal(err)
			}
			var std details
			if err := json.Unmarshal(body, &std); err != nil {
				t.Fatal(err)
			}
			got, err := decodeDetails(string(body))
			if err != nil {
				t.Fatalf("decodeDetails(%s): %v", body, err)
			}
			if !reflect.DeepEqual(got, std) {
				t.Errorf("decodeDetails(%s)\n = %+v\nencoding/json reads %+v", body, got, std)
			}
		})
	}
	for _, bad := range []string{"", "{", `{"items":"driver"}`, `{"place":{"text":1}}`, `{"items":[{"quantity":"x"}]}`} {
		if _, err := decodeDetails(bad); err == nil {
			t.Errorf("decodeDetails(%q) accepted it", bad)
		}
	}
}
