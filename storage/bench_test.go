package storage_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/loa-audio/loa/storage"
	"github.com/loa-audio/loa/storage/s3test"
)

// BenchmarkStores measures put and get of a 5 KB object (a manifest or a
// job) and a 5 MB object (an episode) on each store. Run with
//
//	go test -run '^$' -bench Stores -benchtime 3s ./storage/
//
// MB/s comes from SetBytes; ops/s is 1e9 / (ns/op).
func BenchmarkStores(b *testing.B) {
	stores := []struct {
		name string
		open func(b *testing.B) storage.Store
	}{
		{"Local", func(b *testing.B) storage.Store { return newLocal(b) }},
		{"MinIO", func(b *testing.B) storage.Store {
			srv := s3test.SharedMinIO(b)
			return openS3(b, srv, srv.NewBucket(b), nil)
		}},
		{"VersityGW", func(b *testing.B) storage.Store {
			srv := s3test.SharedVersityGW(b)
			return openS3(b, srv, srv.NewBucket(b), nil)
		}},
	}
	sizes := []struct {
		name string
		n    int
	}{{"5KB", 5_000}, {"5MB", 5_000_000}}
	for _, st := range stores {
		for _, sz := range sizes {
			data := bytes.Repeat([]byte("loa!"), sz.n/4)
			b.Run(fmt.Sprintf("%s/Put/%s", st.name, sz.name), func(b *testing.B) {
				s := st.open(b)
				ctx := context.Background()
				b.SetBytes(int64(len(data)))
				i := 0
				for b.Loop() {
					// A handful of keys, so the store does not grow without bound.
					if _, err := storage.PutBytes(ctx, s, fmt.Sprintf("bench/%d", i%8), data, storage.PutOptions{}); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
			b.Run(fmt.Sprintf("%s/Get/%s", st.name, sz.name), func(b *testing.B) {
				s := st.open(b)
				ctx := context.Background()
				if _, err := storage.PutBytes(ctx, s, "bench/get", data, storage.PutOptions{}); err != nil {
					b.Fatal(err)
				}
				b.SetBytes(int64(len(data)))
				for b.Loop() {
					rc, _, err := s.Get(ctx, "bench/get", nil)
					if err != nil {
						b.Fatal(err)
					}
					n, err := io.Copy(io.Discard, rc)
					rc.Close()
					if err != nil || n != int64(len(data)) {
						b.Fatalf("read %d bytes: %v", n, err)
					}
				}
			})
		}
	}
}
