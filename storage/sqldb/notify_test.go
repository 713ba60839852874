package sqldb_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/loa-audio/loa/storage/sqldb"
	"github.com/loa-audio/loa/storage/sqldb/sqldbtest"
)

// TestChangesAreAnnouncedByTheirCommit: what a transaction asks to run
// after it, and the notifications it sends, happen once it commits, and
// never for a transaction that rolls back.
func TestChangesAreAnnouncedByTheirCommit(t *testing.T) {
	sqldbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		var ran []string
		boom := errors.New("rolled back")
		err := db.InTx(ctx, func(tx sqldb.Conn) error {
			tx.AfterCommit(func() { ran = append(ran, "rolled back") })
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx = %v, want %v", err, boom)
		}
		err = db.InTx(ctx, func(tx sqldb.Conn) error {
			tx.AfterCommit(func() { ran = append(ran, "committed") })
			if len(ran) != 0 {
				t.Errorf("ran before the commit: %v", ran)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		db.Conn().AfterCommit(func() { ran = append(ran, "no transaction") })
		if len(ran) != 2 || ran[0] != "committed" || ran[1] != "no transaction" {
			t.Errorf("ran %v, want [committed, no transaction]", ran)
		}
	})
}

func TestNotificationsLeaveWithTheCommit(t *testing.T) {
	db := sqldbtest.New(t, sqldb.Postgres)
	lctx, stop := context.WithCancel(ctx)
	defer stop()
	ready, got := make(chan struct{}, 1), make(chan string, 10)
	go func() {
		_ = db.Listen(lctx, "loa_test", func() { ready <- struct{}{} }, func(p string) { got <- p })
	}()
	<-ready
	inTx := make(chan struct{})
	release := make(chan error)
	done := make(chan error, 2)
	go func() {
		done <- db.InTx(ctx, func(tx sqldb.Conn) error {
			if err := tx.Notify(ctx, "loa_test", "undone"); err != nil {
				return err
			}
			return errors.New("roll back")
		})
		done <- db.InTx(ctx, func(tx sqldb.Conn) error {
			if err := tx.Notify(ctx, "loa_test", "committed"); err != nil {
				return err
			}
			close(inTx)
			return <-release
		})
	}()
	<-inTx
	select {
	case p := <-got:
		t.Fatalf("heard %q before the commit", p)
	case <-time.After(300 * time.Millisecond):
	}
	release <- nil
	if err := <-done; err == nil {
		t.Fatal("the first transaction committed")
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	select {
	case p := <-got:
		if p != "committed" {
			t.Errorf("heard %q, want only the committed transaction's", p)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the committed notification never came")
	}
}
