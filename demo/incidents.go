package demo

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/incident"
)

// IncidentWeeks is how far back the demo's conflict incidents go.
const IncidentWeeks = 12

// streamIncidents is the random stream of the incidents, apart from the
// country's so that adding incidents changed no generated person.
const streamIncidents = 0x696e6364 // "incd"

// incidentRegions says how often each region appears in the demo's
// incidents: the insurgencies of the Tillabéri and Tahoua borderlands
// with Mali and Burkina Faso and of the Lake Chad basin around Diffa, and
// little elsewhere. The shares are plausible, not measured.
var incidentRegions = []struct {
	code     string
	share    float64
	conflict bool // armed conflict rather than mostly protests and riots
}{
	{"NE.TL", 0.44, true},
	{"NE.DF", 0.22, true},
	{"NE.TH", 0.17, true},
	{"NE.DS", 0.05, true},
	{"NE.MA", 0.05, false},
	{"NE.AG", 0.03, true},
	{"NE.ZI", 0.02, false},
	{"NE.NI", 0.02, false},
}

// eventKind is an ACLED event type with its sub-event types, the actors
// involved, its ACLED disorder type and its mean fatalities.
type eventKind struct {
	typ, disorder  string
	subs           []string
	actor1, actor2 string
	meanFatalities float64
	conflict, calm float64 // weights in conflict and in calm regions
}

// The actors are generic categories in ACLED's style, never named groups.
var eventKinds = []eventKind{
	{"Battles", "Political violence", []string{"Armed clash", "Armed clash", "Government regains territory", "Non-state actor overtakes territory"},
		"Military Forces of Niger", "Unidentified Armed Group (Niger)", 5, 0.34, 0.02},
	{"Violence against civilians", "Political violence", []string{"Attack", "Attack", "Abduction/forced disappearance"},
		"Unidentified Armed Group (Niger)", "Civilians (Niger)", 3, 0.30, 0.05},
	{"Explosions/Remote violence", "Political violence", []string{"Remote explosive/landmine/IED", "Air/drone strike", "Shelling/artillery/missile attack"},
		"Unidentified Armed Group (Niger)", "Military Forces of Niger", 2.5, 0.12, 0.01},
	{"Protests", "Demonstrations", []string{"Peaceful protest", "Peaceful protest", "Protest with intervention"},
		"Protesters (Niger)", "", 0, 0.08, 0.62},
	{"Riots", "Demonstrations", []string{"Violent demonstration", "Mob violence"},
		"Rioters (Niger)", "Civilians (Niger)", 0.3, 0.05, 0.22},
	{"Strategic developments", "Strategic developments", []string{"Looting/property destruction", "Arrests", "Disrupted weapons use"},
		"Unidentified Armed Group (Niger)", "", 0, 0.11, 0.08},
}

// Incidents returns a few hundred synthetic conflict incidents shaped like
// an ACLED export over the IncidentWeeks weeks up to today, concentrated
// in Tillabéri, Diffa and Tahoua. They are not ACLED data: ids start with
// "DEMO-" and every note says the event is synthetic. Each names its
// synthetic department (admin2) and region (admin1, spelled without
// accents as ACLED does) and lies near one of its communes. The same seed
// and day give the same incidents.
func Incidents(seed int64, today time.Time) ([]incident.Incident, error) {
	c, err := buildCountry(seed)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, a := range c.areas {
		names[a.Code] = a.Name
	}
	leaves := map[string][]*leaf{}
	for i := range c.leaves {
		l := &c.leaves[i]
		leaves[l.region] = append(leaves[l.region], l)
	}
	regionWeights := make([]float64, len(incidentRegions))
	for i, r := range incidentRegions {
		regionWeights[i] = r.share
	}
	regionCum := cumulative(regionWeights...)
	conflictCum, calmCum := kindWeights(func(k eventKind) float64 { return k.conflict }), kindWeights(func(k eventKind) float64 { return k.calm })

	rng := newRand(seed, streamIncidents)
	today = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	first := today.AddDate(0, 0, -7*IncidentWeeks+1)
	var out []incident.Incident
	for week := 0; week < IncidentWeeks; week++ {
		// A slow rise with noise: the chart should show a trend, not a wall.
		n := 18 + 2*week + rng.IntN(12)
		for range n {
			date := first.AddDate(0, 0, 7*week+rng.IntN(7))
			if date.After(today) {
				continue
			}
			r := incidentRegions[weighted(rng, regionCum)]
			l := leaves[r.code][rng.IntN(len(leaves[r.code]))]
			kinds := calmCum
			if r.conflict {
				kinds = conflictCum
			}
			k := eventKinds[weighted(rng, kinds)]
			p := l.near(rng)
			fatalities := 0
			if k.meanFatalities > 0 && rng.Float64() < 0.7 {
				fatalities = int(math.Round(rng.ExpFloat64() * k.meanFatalities))
			}
			sub := k.subs[rng.IntN(len(k.subs))]
			region := names[r.code]
			out = append(out, incident.Incident{
				ID:           fmt.Sprintf("DEMO-NIG%05d", len(out)+1),
				Date:         date,
				EventType:    k.typ,
				SubEventType: sub,
				Actor1:       k.actor1,
				Admin1:       acledSpelling(region),
				Admin2:       names[secondLevel(l)],
				Location:     l.town,
				Lat:          round(p.Lat, 1e4),
				Lon:          round(p.Lon, 1e4),
				Fatalities:   fatalities,
				Notes: fmt.Sprintf("Synthetic demo event, not ACLED data: %s near %s (%s); %d fatalities.",
					strings.ToLower(sub), l.town, region, fatalities),
			})
		}
	}
	return out, nil
}

// secondLevel is the code of the leaf's area at ACLED's admin2 level: its
// department, or the leaf itself where it hangs from its region (Niamey's
// arrondissements).
func secondLevel(l *leaf) string {
	if parent := area.HASCParent(l.code); parent != l.region {
		return parent
	}
	return l.code
}

func kindWeights(weight func(eventKind) float64) []float64 {
	w := make([]float64, len(eventKinds))
	for i, k := range eventKinds {
		w[i] = weight(k)
	}
	return cumulative(w...)
}

// acledSpelling drops the accents ACLED's admin names do without
// ("Tillabéri" → "Tillaberi"), so that the demo exercises the
// accent-insensitive matching of the importer.
func acledSpelling(s string) string {
	return strings.NewReplacer("é", "e", "è", "e", "É", "E").Replace(s)
}

// acledHeader is the header row of ACLED's CSV export.
var acledHeader = []string{"event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
	"sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction",
	"civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3", "location", "latitude",
	"longitude", "geo_precision", "source", "source_scale", "notes", "fatalities", "tags", "timestamp"}

// WriteIncidentsCSV writes incidents as an ACLED CSV export, every column
// in ACLED's order, so that the demo loads them through the importer as
// an operator would load a real export.
func WriteIncidentsCSV(w io.Writer, in []incident.Incident) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(acledHeader); err != nil {
		return err
	}
	kinds := map[string]eventKind{}
	for _, k := range eventKinds {
		kinds[k.typ] = k
	}
	for _, x := range in {
		k := kinds[x.EventType]
		targeting := ""
		if x.EventType == "Violence against civilians" {
			targeting = "Civilian targeting"
		}
		interaction := actorCategory(k.actor1)
		if k.actor2 != "" {
			interaction += "-" + actorCategory(k.actor2)
		} else {
			interaction += " only"
		}
		row := []string{x.ID, x.Date.Format(time.DateOnly), strconv.Itoa(x.Date.Year()), "1", k.disorder, x.EventType,
			x.SubEventType, x.Actor1, "", actorCategory(k.actor1), k.actor2, "", actorCategory(k.actor2), interaction,
			targeting, "562", "Western Africa", "Niger", x.Admin1, x.Admin2, "", x.Location,
			strconv.FormatFloat(x.Lat, 'f', 4, 64), strconv.FormatFloat(x.Lon, 'f', 4, 64), "2",
			"Synthetic (muster demo)", "Other", x.Notes, strconv.Itoa(x.Fatalities), "",
			strconv.FormatInt(x.Date.Unix(), 10)}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// actorCategory is ACLED's inter code name for one of the demo's actors.
func actorCategory(actor string) string {
	switch {
	case actor == "":
		return ""
	case strings.HasPrefix(actor, "Military"):
		return "State forces"
	case strings.HasPrefix(actor, "Unidentified Armed"):
		return "Rebel group"
	case strings.HasPrefix(actor, "Protesters"):
		return "Protesters"
	case strings.HasPrefix(actor, "Rioters"):
		return "Rioters"
	}
	return "Civilians"
}
