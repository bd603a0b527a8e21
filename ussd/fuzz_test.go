package ussd

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/muster-org/muster/citizen"
)

// FuzzHandle sends any text and phone number the gateway could post: the
// reply is always a screen the gateway accepts (CON or END, GSM alphabet,
// at most 160 characters), never a panic, and an order only ever moves
// the way its lifecycle allows (the fake service refuses the rest).
func FuzzHandle(f *testing.F) {
	code, other := typed(requisitionCode), typed(callUpCode)
	seeds := []string{
		"", "1", "2", "0", "#", "*", "**", "1*", "1**2", "1#*2#", "9*9*9",
		"1*" + code, "1*" + code + "*" + birthTyped, "1*" + code + "*" + birthTyped + "*9*1",
		"1*" + code + "*" + birthTyped + "*2*9*2*1", "1*" + other + "*" + birthTyped + "*3*1",
		"1*" + code + "*" + wrongBirthTyped, "2*" + code, "2*" + typed(unknownCode),
		"1*abc*def", "1*" + code + "*32131978", "3*1*" + code + "*" + birthTyped + "*0*0*0*0",
		strings.Repeat("1*", 30), strings.Repeat("9", 900), "1*\x00\xff*é",
	}
	for _, s := range seeds {
		f.Add(s, phones[citizen.French])
		f.Add(s, newPhone)
	}
	f.Add("1", "")
	f.Add("1", "+227 90")
	f.Fuzz(func(t *testing.T, text, phone string) {
		g, err := citizen.NewGuard(citizen.DefaultConfig(), func() time.Time { return deadline })
		if err != nil {
			t.Fatal(err)
		}
		h := &Handler{Service: newFakeService(), Guard: g}
		reply := h.Handle(context.Background(), Request{SessionID: "fuzz", PhoneNumber: phone, Text: text})
		checkScreen(t, "text "+text, reply)
	})
}
