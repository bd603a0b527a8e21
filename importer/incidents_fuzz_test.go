package importer

import "testing"

func FuzzIncidentsCSV(f *testing.F) {
	fuzzImport(f, importIncidents, "incidents.csv", "incidents_bad.csv", "incidents_update.csv", "incidents_missing_columns.csv")
}
