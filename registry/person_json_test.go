package registry

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestPersonJSONRoundTrip(t *testing.T) {
	p := Person{NationalID: "NE1", GivenName: "Hadiza", FamilyName: "Issoufou", Sex: Female,
		BirthDate: time.Date(1990, 3, 4, 0, 0, 0, 0, time.UTC), Area: "NE.DS", Skills: []string{"nurse"}, Status: Civilian}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"birth_date":"1990-03-04"`) {
		t.Errorf("birth date not written as a date: %s", b)
	}
	var back Person
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p, back) {
		t.Errorf("round trip: got %+v, want %+v", back, p)
	}
	if err := json.Unmarshal([]byte(`{"birth_date":"04/03/1990"}`), &back); err == nil {
		t.Error("a bad birth date was accepted")
	}
}
