package sqldb

import (
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/lib/pq"
)

// unwrapPQArrays lets pgx encode the lib/pq array wrappers River's
// database/sql driver passes for every job insert as the Go slices they
// wrap. Left to their driver.Valuer, each becomes array text that pgx
// parses back into values before it can send them in binary: a tenth of
// a busy node's CPU under a stream of submissions.
func unwrapPQArrays(value any) (pgtype.WrappedEncodePlanNextSetter, any, bool) {
	var unwrap func(any) any
	switch value.(type) {
	case pq.GenericArray:
		unwrap = func(v any) any { return v.(pq.GenericArray).A }
	case *pq.StringArray:
		unwrap = func(v any) any { return []string(*v.(*pq.StringArray)) }
	case *pq.Int64Array:
		unwrap = func(v any) any { return []int64(*v.(*pq.Int64Array)) }
	case *pq.Int32Array:
		unwrap = func(v any) any { return []int32(*v.(*pq.Int32Array)) }
	case *pq.BoolArray:
		unwrap = func(v any) any { return []bool(*v.(*pq.BoolArray)) }
	case *pq.Float64Array:
		unwrap = func(v any) any { return []float64(*v.(*pq.Float64Array)) }
	case *pq.ByteaArray:
		unwrap = func(v any) any { return byteaElements(*v.(*pq.ByteaArray)) }
	default:
		return nil, nil, false
	}
	return &pqArrayPlan{unwrap: unwrap}, unwrap(value), true
}

// byteaElements are a ByteaArray's values as lib/pq sends them: a nil
// element is an empty value, not NULL.
func byteaElements(a pq.ByteaArray) [][]byte {
	if a == nil {
		return nil
	}
	out := make([][]byte, len(a))
	for i, b := range a {
		if b == nil {
			b = []byte{}
		}
		out[i] = b
	}
	return out
}

type pqArrayPlan struct {
	next   pgtype.EncodePlan
	unwrap func(any) any
}

func (p *pqArrayPlan) SetNext(next pgtype.EncodePlan) { p.next = next }

func (p *pqArrayPlan) Encode(value any, buf []byte) ([]byte, error) {
	return p.next.Encode(p.unwrap(value), buf)
}
