package ussd

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/muster-org/muster/citizen"
	"github.com/muster-org/muster/order"
)

// fakeService is a citizen.Service over a map of orders: the fixture the
// menu is driven against. It keeps the second-factor rule of the real one
// (no such code and wrong birth date are both ErrNoMatch) and moves states
// with the real lifecycle, so a session can only do what an order allows.
type fakeService struct {
	mu        sync.Mutex
	orders    map[order.Code]*fakeOrder
	grounds   []citizen.Ground
	languages map[string]citizen.Language
	calls     []string // "lookup CODE", "act CODE claim ground", "verify CODE"
}

type fakeOrder struct {
	view  citizen.OrderView
	birth time.Time
}

func (f *fakeService) record(call string) {
	f.calls = append(f.calls, call)
}

func (f *fakeService) match(code order.Code, birth time.Time) (*fakeOrder, error) {
	o := f.orders[code]
	if o == nil || !o.birth.Equal(birth) {
		return nil, citizen.ErrNoMatch
	}
	return o, nil
}

func (f *fakeService) Lookup(_ context.Context, _ citizen.Channel, _ string, code order.Code, birth time.Time) (citizen.OrderView, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("lookup " + string(code))
	o, err := f.match(code, birth)
	if err != nil {
		return citizen.OrderView{}, err
	}
	return o.view, nil
}

func (f *fakeService) Act(_ context.Context, _ citizen.Channel, _ string, code order.Code, birth time.Time, a citizen.Action, ground string) (citizen.OrderView, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record(strings.TrimSpace("act " + string(code) + " " + string(a) + " " + ground))
	o, err := f.match(code, birth)
	if err != nil {
		return citizen.OrderView{}, err
	}
	to, err := order.Transition(order.Facts{State: o.view.State, Kind: o.view.Kind}, a.Event(), order.AddresseeActor)
	if err != nil {
		return citizen.OrderView{}, citizen.ErrNotAllowed
	}
	o.view.State, o.view.Actions = to, citizen.AllowedActions(o.view.Kind, to)
	return o.view, nil
}

func (f *fakeService) Grounds(context.Context) []citizen.Ground { return f.grounds }

func (f *fakeService) Verify(_ context.Context, code order.Code) (citizen.VerifyView, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("verify " + string(code))
	o := f.orders[code]
	if o == nil {
		return citizen.VerifyView{}, citizen.ErrNoMatch
	}
	return citizen.VerifyView{Kind: o.view.Kind, Authority: o.view.Authority, State: o.view.State, Deadline: o.view.Deadline}, nil
}

func (f *fakeService) PreferredLanguage(_ context.Context, phone string) (citizen.Language, bool) {
	l, ok := f.languages[phone]
	return l, ok
}

func (f *fakeService) state(code order.Code) order.State {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.orders[code].view.State
}

// The fixtures: two orders, their codes in both forms, and a phone per
// language plus one with none.
var (
	requisitionCode = completeCode("7KQ4M9TX2HZPR8WD")
	callUpCode      = completeCode("3N5A8C1D9E7F6G2H")
	returnedCode    = completeCode("5R8T2V6W9X3Y4Z7A") // returned, its compensation part paid
	compensatedCode = completeCode("8B4C6D2E9F3G7H5J") // released and paid in full
	unknownCode     = completeCode("ZZZZZZZZZZZZZZZZ")
	birth           = time.Date(1978, time.November, 23, 0, 0, 0, 0, time.UTC)
	birthTyped      = "23111978"
	wrongBirthTyped = "24111978"
	deadline        = time.Date(2026, 3, 5, 8, 0, 0, 0, time.FixedZone("WAT", 3600))
	phones          = map[citizen.Language]string{
		citizen.French: "+22790000001", citizen.English: "+22790000002",
		citizen.Hausa: "+22790000003", citizen.Zarma: "+22790000004",
	}
	newPhone = "+22799999999" // no preferred language
)

// completeCode adds its check character to 16 code characters.
func completeCode(data string) order.Code {
	const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	for i := range len(alphabet) {
		if c, err := order.ParseCode(data + alphabet[i:i+1]); err == nil {
			return c
		}
	}
	panic("no check character completes " + data)
}

func newFakeService() *fakeService {
	langs := map[string]citizen.Language{}
	for l, p := range phones {
		langs[p] = l
	}
	return &fakeService{
		orders: map[order.Code]*fakeOrder{
			requisitionCode: {birth: birth, view: citizen.OrderView{
				Code: requisitionCode, Kind: order.Requisition, State: order.StateNotified,
				Items: "1 camion (vehicle.truck), 400 L gazole", Place: "Garage régional, route de Tillabéri, Niamey",
				Deadline: deadline, Authority: "Gouvernorat de Niamey", LegalBasis: "Ordonnance n° 2026-01, art. 12",
				Verified: true, Actions: citizen.AllowedActions(order.Requisition, order.StateNotified),
			}},
			callUpCode: {birth: birth, view: citizen.OrderView{
				Code: callUpCode, Kind: order.CallUp, State: order.StateClaimRejected,
				Items: "chauffeur", Place: "Caserne de Dosso", Deadline: deadline,
				Authority: "Direction régionale de la mobilisation, Dosso", LegalBasis: "Loi n° 2025-40",
				Verified: true, Actions: citizen.AllowedActions(order.CallUp, order.StateClaimRejected),
			}},
			returnedCode: {birth: birth, view: citizen.OrderView{
				Code: returnedCode, Kind: order.Requisition, State: order.StateReturned,
				Items: "1 camion (vehicle.truck)", Place: "Garage régional, Niamey", Deadline: deadline,
				Authority: "Gouvernorat de Niamey", LegalBasis: "Ordonnance n° 2026-01, art. 12",
				Verified: true, Actions: citizen.AllowedActions(order.Requisition, order.StateReturned),
				Compensation: &citizen.CompensationView{OwedXOF: 135_000, PaidXOF: 50_000, Days: 3, Lines: []order.Line{
					{Item: 0, Basis: "use", Detail: "vehicle.truck: 1 unit × 3 days × 45000 XOF/day", AmountXOF: 135_000}}},
			}},
			compensatedCode: {birth: birth, view: citizen.OrderView{
				Code: compensatedCode, Kind: order.CallUp, State: order.StateCompensated,
				Items: "chauffeur", Place: "Caserne de Dosso", Deadline: deadline,
				Authority: "Direction régionale de la mobilisation, Dosso", LegalBasis: "Loi n° 2025-40",
				Verified: true, Actions: citizen.AllowedActions(order.CallUp, order.StateCompensated),
				Compensation: &citizen.CompensationView{OwedXOF: 24_500, PaidXOF: 24_500, Days: 7, Settled: true, Lines: []order.Line{
					{Item: 0, Basis: "service", Detail: "driver: 7 days × 3500 XOF/day", AmountXOF: 24_500}}},
			}},
		},
		grounds: []citizen.Ground{
			{Code: "sick", Kind: citizen.Exemption, Labels: map[citizen.Language]string{citizen.French: "Maladie ou handicap", citizen.English: "Illness or disability", citizen.Hausa: "Rashin lafiya ko naƙasa", citizen.Zarma: "Doori wala laakal"}},
			{Code: "sole_carer", Kind: citizen.Exemption, Labels: map[citizen.Language]string{citizen.French: "Seul soutien de famille", citizen.English: "Sole family carer", citizen.Hausa: "Shi kaɗai ke ciyar da iyali"}},
			{Code: "harvest", Kind: citizen.Deferral, Labels: map[citizen.Language]string{citizen.French: "Récolte en cours", citizen.English: "Harvest under way", citizen.Hausa: "Lokacin girbi"}},
			{Code: "exams", Kind: citizen.Deferral, Labels: map[citizen.Language]string{citizen.French: "Examens scolaires", citizen.English: "School exams"}},
			{Code: "vital_vehicle", Kind: citizen.Exemption, Labels: map[citizen.Language]string{citizen.French: "Véhicule indispensable (santé, eau)", citizen.English: "Vehicle needed for health or water"}},
			{Code: "protected_org", Kind: citizen.Exemption, Labels: map[citizen.Language]string{citizen.French: "Organisation protégée", citizen.English: "Protected organisation"}},
			{Code: "last_vehicle", Kind: citizen.Exemption, Labels: map[citizen.Language]string{citizen.French: "Dernier véhicule du foyer", citizen.English: "Household's last vehicle"}},
			{Code: "food_stock", Kind: citizen.Exemption, Labels: map[citizen.Language]string{citizen.French: "Stock vivrier du foyer", citizen.English: "Household food stock"}},
			{Code: "other", Kind: citizen.Deferral, Labels: map[citizen.Language]string{citizen.French: "Autre motif grave", citizen.English: "Other serious reason"}},
		},
		languages: langs,
	}
}
