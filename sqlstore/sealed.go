package sqlstore

import (
	"encoding/binary"
	"errors"
)

// personal holds the fields of a person that are personal data. They are
// sealed together, as one record per row: one nonce and one tag instead of
// five keeps rows small, which is what bulk imports pay for.
type personal struct {
	nationalID, givenName, familyName, birthDate, phone string
}

// personalAAD binds a sealed record to its row: a record copied to
// another person's row does not open.
func personalAAD(nidIndex []byte) []byte {
	return append([]byte("persons.personal|"), nidIndex...)
}

// sealPersonal encodes the fields as length-prefixed strings and seals them.
func (db *DB) sealPersonal(nidIndex []byte, p personal) []byte {
	fields := [...]string{p.nationalID, p.givenName, p.familyName, p.birthDate, p.phone}
	n := 0
	for _, f := range fields {
		n += binary.MaxVarintLen32 + len(f)
	}
	b := make([]byte, 0, n)
	for _, f := range fields {
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
	}
	return db.keys.Seal(b, personalAAD(nidIndex))
}

var errPersonalRecord = errors.New("sealed personal record is malformed")

// openPersonal opens what sealPersonal sealed.
func (db *DB) openPersonal(nidIndex, sealed []byte) (personal, error) {
	b, err := db.keys.Open(sealed, personalAAD(nidIndex))
	if err != nil {
		return personal{}, err
	}
	var fields [5]string
	for i := range fields {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return personal{}, errPersonalRecord
		}
		fields[i] = string(b[k : k+int(n)])
		b = b[k+int(n):]
	}
	if len(b) != 0 {
		return personal{}, errPersonalRecord
	}
	return personal{fields[0], fields[1], fields[2], fields[3], fields[4]}, nil
}
