package sqldb

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// Transactions waiting for SQLite's write connection get it in the order
// they asked; database/sql alone hands it to a random waiter.
func TestWritersQueueInOrder(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "queue.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Conn().Exec(ctx, `CREATE TABLE turns (n INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	hold := make(chan struct{})
	held := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := d.InTx(ctx, func(Conn) error { close(held); <-hold; return nil }); err != nil {
			t.Error(err)
		}
	})
	<-held
	const writers = 8
	for i := range writers {
		wg.Go(func() {
			err := d.InTx(ctx, func(tx Conn) error {
				_, err := tx.Exec(ctx, `INSERT INTO turns (n) VALUES (?)`, i)
				return err
			})
			if err != nil {
				t.Error(err)
			}
		})
		// Long enough for each to be waiting before the next comes.
		time.Sleep(30 * time.Millisecond)
	}
	close(hold)
	wg.Wait()
	rows, err := d.Conn().Query(ctx, `SELECT n FROM turns ORDER BY rowid`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []int
	for rows.Next() {
		var n int
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		got = append(got, n)
	}
	if want := "[0 1 2 3 4 5 6 7]"; fmt.Sprint(got) != want {
		t.Errorf("writers got the connection in the order %v, want %s", got, want)
	}
}
