package synth

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/loa-audio/loa/storage"
)

// updateJSON is a typed compare-and-swap over a JSON object: fn sees the
// current value (zero when missing) and edits it in place; a concurrent
// writer makes the store retry with the fresh value.
func updateJSON[T any](ctx context.Context, s storage.Store, key string, fn func(v *T, exists bool) error) (storage.Info, error) {
	return storage.Update(ctx, s, key, func(cur []byte, exists bool) ([]byte, error) {
		var v T
		if exists {
			if err := json.Unmarshal(cur, &v); err != nil {
				return nil, fmt.Errorf("decode %s: %w", key, err)
			}
		}
		if err := fn(&v, exists); err != nil {
			return nil, err
		}
		return json.Marshal(v)
	})
}
