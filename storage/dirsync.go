package storage

import (
	"os"
	"sync"
)

// dirSyncer makes renames into a folder durable with as few fsyncs as it
// can: a put waits for one fsync of the folder that started after its
// rename, and all puts waiting at that moment share it. The files of one
// audio version are written in parallel into one folder, and on a disk
// where every fsync is a cache flush the flushes are what a put waits for.
type dirSyncer struct {
	mu   sync.Mutex
	dirs map[string]*dirSync
	// fsync is os.File.Sync on the folder; tests count it.
	fsync func(dir string)
}

type dirSync struct {
	asked, done uint64 // tickets: each caller takes one, a finished fsync covers all taken before it started
	running     bool
	waiting     int
	wake        *sync.Cond
}

func newDirSyncer() *dirSyncer {
	return &dirSyncer{dirs: map[string]*dirSync{}, fsync: fsyncDir}
}

// sync returns once an fsync of dir that began after the call has ended.
func (d *dirSyncer) sync(dir string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	e := d.dirs[dir]
	if e == nil {
		e = &dirSync{wake: sync.NewCond(&d.mu)}
		d.dirs[dir] = e
	}
	e.asked++
	ticket := e.asked
	e.waiting++
	for e.done < ticket {
		if e.running {
			e.wake.Wait()
			continue
		}
		e.running = true
		covers := e.asked
		d.mu.Unlock()
		d.fsync(dir)
		d.mu.Lock()
		e.running, e.done = false, covers
		e.wake.Broadcast()
	}
	if e.waiting--; e.waiting == 0 {
		delete(d.dirs, dir)
	}
}

// fsyncDir is best effort, as a folder that vanished meanwhile (a delete
// of its last object) has nothing left to make durable.
func fsyncDir(dir string) {
	if f, err := os.Open(dir); err == nil {
		f.Sync()
		f.Close()
	}
}
