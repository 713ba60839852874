package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/loa-audio/loa/synth/article"
)

// checkMemberNames refuses what encoding/json lets through: object member
// names that match a field only when case is ignored ({"TEXT": …}) and
// members given twice, at any depth. body is valid JSON by then.
func checkMemberNames(body []byte, v any) error {
	names := jsonNames(reflect.TypeOf(v))
	dec := json.NewDecoder(bytes.NewReader(body))
	type frame struct {
		object  bool
		seen    map[string]bool
		wantKey bool
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil // the decoder proper reports malformed JSON
		}
		top := (*frame)(nil)
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.object && top.wantKey {
			if key, ok := tok.(string); ok {
				if top.seen[key] {
					return fmt.Errorf("%w: malformed JSON: duplicate member %q", article.ErrInvalidInput, key)
				}
				top.seen[key] = true
				if len(stack) == 1 && names != nil && !names[key] {
					for name := range names {
						if strings.EqualFold(name, key) {
							return fmt.Errorf("%w: malformed JSON: member %q must be spelled %q (names are case-sensitive)", article.ErrInvalidInput, key, name)
						}
					}
				}
				top.wantKey = false
				continue
			}
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{object: true, seen: map[string]bool{}, wantKey: true})
			continue
		case json.Delim('['):
			stack = append(stack, &frame{})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		// A value ended: the enclosing object expects a key next.
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].wantKey = true
		}
		if len(stack) == 0 {
			return nil
		}
	}
}

// jsonNames are the member names of a struct type's fields (through
// pointers); nil for other types.
func jsonNames(t reflect.Type) map[string]bool {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	out := map[string]bool{}
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = f.Name
		}
		out[name] = true
	}
	return out
}
