package officerweb

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/muster-org/muster/area"
	"github.com/muster-org/muster/need"
	"github.com/muster-org/muster/order"
	"github.com/muster-org/muster/registry"
	"github.com/muster-org/muster/sqlstore"
)

// The exports of the list pages: CSV whose second row holds the HXL
// hashtags, so that humanitarian tools (HXL Proxy, HDX) read the columns
// as they are, and GeoJSON for what has a place. An export holds what its
// list shows and is filtered like it; a person is named in the export of
// an order list by the reference printed in the order's QR code, as in
// the list.

// csvColumn is a column of an export: its header and its HXL hashtag.
type csvColumn struct{ name, tag string }

// exportRows is how many rows an export reads from the store at a time.
const exportRows = 1000

// startCSV sends the headers of a CSV download named file and writes its
// header row and its HXL row.
func startCSV(w http.ResponseWriter, file string, cols []csvColumn) *csv.Writer {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+file+`"`)
	w.Header().Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	head, tags := make([]string, len(cols)), make([]string, len(cols))
	for i, col := range cols {
		head[i], tags[i] = col.name, col.tag
	}
	cw.Write(head)
	cw.Write(tags)
	return cw
}

// num writes a quantity without float noise or exponent.
func num(q float64) string { return strconv.FormatFloat(q, 'f', -1, 64) }

// stamp writes an instant as RFC 3339 in UTC, or nothing for the zero time.
func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

var orderColumns = []csvColumn{
	{"order_id", "#meta+id"}, {"code", "#meta+code"}, {"kind", "#activity+type"}, {"addressee_ref", "#meta+addressee+ref"},
	{"items", "#item+description"}, {"place", "#loc+name"}, {"place_area", "#loc+code"}, {"deadline", "#date+deadline"},
	{"state", "#status"}, {"overdue", "#indicator+overdue"}, {"authority", "#org+authority+code"},
	{"drafted_by", "#meta+drafted_by"}, {"approved_by", "#meta+approved_by"}, {"issued_at", "#date+issued"},
	{"compensation_xof", "#value+compensation+xof"},
}

// itemsText writes an order's items on one line: "vehicle.truck 2 unit".
func itemsText(items []order.Item) string {
	parts := make([]string, len(items))
	for i, it := range items {
		parts[i] = strings.TrimSpace(it.Type + " " + num(it.Quantity) + " " + it.Unit)
	}
	return strings.Join(parts, "; ")
}

func (h *Handler) orderRecord(o sqlstore.IssuedOrder) []string {
	ref := "org:" + o.Addressee.ID
	if o.Addressee.Kind == registry.OwnerPerson {
		ref = "person-ref:" + h.store.AddresseeRef(o.Addressee)
	}
	comp := ""
	if o.Compensation != nil {
		comp = strconv.FormatInt(o.Compensation.AmountXOF, 10)
	}
	return []string{o.ID, o.Code.String(), string(o.Kind), ref, itemsText(o.Items), o.Place.Text, o.Place.Area, stamp(o.Deadline),
		string(o.State), strconv.FormatBool(o.Overdue(h.now())), o.Authority, o.DraftedBy, o.ApprovedBy, stamp(o.IssuedAt), comp}
}

// ordersCSV answers the orders list, every page of it, as CSV.
func (h *Handler) ordersCSV(w http.ResponseWriter, r *http.Request, c *call) error {
	var state order.State
	if v := r.URL.Query().Get("state"); v != "" {
		s, err := order.ParseState(v)
		if err != nil {
			return err
		}
		state = s
	}
	f := sqlstore.OrderFilter{Within: c.user.Area, State: state, Limit: exportRows}
	cw := startCSV(w, "muster-orders-"+c.user.Area+".csv", orderColumns)
	for {
		orders, err := h.store.ListOrders(r.Context(), f)
		if err != nil {
			// The header is sent: end the file short, and say so in the log.
			h.log.ErrorContext(r.Context(), "officer web: orders CSV", "err", err)
			break
		}
		for _, o := range orders {
			cw.Write(h.orderRecord(o))
		}
		if len(orders) < exportRows {
			break
		}
		f.After = orders[len(orders)-1].ID
	}
	cw.Flush()
	return cw.Error()
}

// needsGeoJSON answers the filtered needs as GeoJSON points: where the
// need was filed when it gave a position, else its area's label point,
// else its area's shape. location_source says which.
func (h *Handler) needsGeoJSON(w http.ResponseWriter, r *http.Request, c *call) error {
	f, tree, err := h.needFilter(r, c)
	if err != nil {
		return err
	}
	f.Limit = exportRows
	fc := newFeatureCollection()
	shapes := map[string]area.Area{} // the areas read for their shape
	for {
		p, err := h.store.ListNeeds(r.Context(), f)
		if err != nil {
			return err
		}
		for _, n := range p.Items {
			geom, source, err := h.needGeometry(r, n, tree, shapes)
			if err != nil {
				return err
			}
			fc.Features = append(fc.Features, geoFeature{Type: "Feature", ID: n.ID, Geometry: geom, Properties: map[string]any{
				"need_id": n.ID, "unit": n.Unit, "type": n.Type, "skill": n.Skill, "quantity": n.Quantity, "filled": n.Filled,
				"area_code": n.Area, "area_name": areaName(tree, n.Area), "deadline": stamp(n.Deadline), "priority": n.Priority,
				"state": string(n.State), "location_source": source,
			}})
		}
		if p.Next == 0 {
			break
		}
		f.After = p.Next
	}
	b, err := json.Marshal(fc)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/geo+json")
	w.Header().Set("Content-Disposition", `attachment; filename="muster-needs-`+c.user.Area+`.geojson"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b)
	return nil
}

// needGeometry places a need: its own position, its area's label point,
// or its area's shape; null when the area has none of them.
func (h *Handler) needGeometry(r *http.Request, n need.Need, tree *area.Tree, shapes map[string]area.Area) (json.RawMessage, string, error) {
	point := func(p area.Point) json.RawMessage {
		b, _ := json.Marshal(map[string]any{"type": "Point", "coordinates": []float64{p.Lon, p.Lat}})
		return b
	}
	if n.Point != nil {
		return point(*n.Point), "need", nil
	}
	if a, ok := tree.Get(n.Area); ok && a.Label != nil {
		return point(*a.Label), "area_label", nil
	}
	a, ok := shapes[n.Area]
	if !ok {
		var err error
		if a, err = h.store.Area(r.Context(), n.Area); err != nil {
			return nil, "", err
		}
		shapes[n.Area] = a
	}
	if len(a.Geometry) > 0 {
		return a.Geometry, "area_geometry", nil
	}
	return json.RawMessage("null"), "none", nil
}

// featureCollection is a GeoJSON FeatureCollection (RFC 7946) of areas or
// needs, for the GeoJSON exports.
type featureCollection struct {
	Type     string       `json:"type"`
	Features []geoFeature `json:"features"`
}

type geoFeature struct {
	Type       string          `json:"type"`
	ID         string          `json:"id"`
	Geometry   json.RawMessage `json:"geometry"`
	Properties map[string]any  `json:"properties"`
}

// newFeatureCollection returns an empty collection that encodes its
// features as [] rather than null.
func newFeatureCollection() featureCollection {
	return featureCollection{Type: "FeatureCollection", Features: []geoFeature{}}
}
