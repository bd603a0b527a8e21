package printout

import (
	"math/rand/v2"
	"strings"
	"time"
)

var niamey = time.FixedZone("WAT", 3600)

// fakeQR returns a payload shaped like a real "MU1:" order: Base45 text of
// the length a signed, compressed order takes (about 280 bytes → 420
// characters), so the QR printed in tests has a realistic density.
func fakeQR(seed uint64) string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
	r := rand.New(rand.NewPCG(seed, 1))
	var b strings.Builder
	b.WriteString("MU1:")
	for range 420 {
		b.WriteByte(alphabet[r.IntN(len(alphabet))])
	}
	return b.String()
}

func requisitionOrder() Order {
	return Order{
		Kind:      Requisition,
		ID:        "ORD-2026-000417",
		Code:      "7KQ4-M9TX-2HZP-R8WD-J",
		QRText:    fakeQR(1),
		Authority: Party{Name: "Gouvernorat de la région de Maradi — Bureau de la mobilisation", Ref: "NE-MAR-01"},
		Addressee: Party{Name: "Société Sahel Transport SARL", Ref: "ORG-5521"},
		Items: []Item{
			{Description: "Camion benne 10 t (Renault Kerax, NG-4512-MR)", Quantity: 1, Unit: "véhicule"},
			{Description: "Gazole", Quantity: 2500, Unit: "litres"},
			{Description: "Sacs de mil de 100 kg", Quantity: 12.5, Unit: "tonnes"},
		},
		Place:      "Base logistique de Maradi, route de Tessaoua, km 3",
		Deadline:   time.Date(2026, 11, 25, 8, 0, 0, 0, niamey),
		Reason:     "Acheminement de vivres vers les populations déplacées de Madarounfa.",
		LegalBasis: "Ordonnance n° 2026-05 du 2 novembre 2026 portant mobilisation générale, art. 12 et 14.",
		AppealBy:   time.Date(2026, 12, 10, 23, 59, 0, 0, niamey),
		IssuedAt:   time.Date(2026, 11, 20, 14, 30, 0, 0, niamey),
		KeyID:      "mar-2026-a",
		LogIndex:   1048577,
		Verify:     Verification{USSD: "*384*123#", SMS: "3838", URL: "https://verifier.muster.ne"},
	}
}

// callUpOrder is addressed in Hausa, with the letters the Hausa alphabet
// adds to the Latin one in both cases, so the glyph test sees all of them.
func callUpOrder() Order {
	return Order{
		Kind:       CallUp,
		ID:         "ORD-2026-000982",
		Code:       "3MZ8-QK2P-W7HD-9TXR-C",
		QRText:     fakeQR(2),
		Authority:  Party{Name: "Gouvernorat de la région de Maradi — Bureau de la mobilisation", Ref: "NE-MAR-01"},
		Addressee:  Party{Name: "Ɗanladi Ɓawa Ƙanƙara", Ref: "P-7Q2M"},
		Service:    "Direban babbar mota (jigilar kaya)",
		Place:      "Sansanin sojoji na Maraɗi, ƙofar arewa",
		Deadline:   time.Date(2026, 11, 25, 8, 0, 0, 0, niamey),
		Reason:     "Jigilar abinci ga ƴan gudun hijira.",
		LegalBasis: "Ordonnance n° 2026-05 du 2 novembre 2026 portant mobilisation générale, art. 9.",
		IssuedAt:   time.Date(2026, 11, 20, 14, 30, 0, 0, niamey),
		KeyID:      "mar-2026-a",
		LogIndex:   1048601,
		Verify:     Verification{USSD: "*384*123#", SMS: "3838", URL: "https://verifier.muster.ne"},
	}
}

func handoverReceipt() Receipt {
	o := requisitionOrder()
	return Receipt{
		ID:        "RCT-2026-000051",
		OrderID:   o.ID,
		OrderCode: o.Code,
		QRText:    o.QRText,
		Authority: o.Authority,
		Owner:     o.Addressee,
		Officer:   Party{Name: "Lt. Moussa Abdou Harouna", Ref: "AG-0193"},
		Items: []HandedItem{
			{Item: o.Items[0], Condition: "Bon état, 182 400 km, pneus neufs"},
			{Item: o.Items[1], Condition: "Livré en fûts scellés"},
		},
		Place: "Base logistique de Maradi",
		At:    time.Date(2026, 11, 24, 10, 15, 0, 0, niamey),
	}
}
