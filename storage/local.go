package storage

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// LocalStore keeps each object as a plain file under a root folder, so the
// data can be inspected, backed up and served with ordinary tools:
//
//	ROOT/<key>                the object's bytes
//	ROOT/.loa/meta/<key>      JSON sidecar: ETag, size, inode, content type
//	ROOT/.loa/tmp/            files being written, renamed into place
//	ROOT/.loa/locks/NN        flock(2) stripes serialising writers per key
//
// A put writes and fsyncs a temp file, then renames it over the old one
// while holding the key's lock, so readers see the old or the new object;
// puts into one folder at the same moment share the folder's fsync, and a
// disposable put (a cache, work in progress) skips the fsyncs.
// ETags are the hex MD5 of the content, the same value S3 gives a
// single-part upload. The sidecar records the inode it describes: a reader
// that catches a writer between its two renames, or finds damage from a
// crash, notices the mismatch and rereads under the lock or rebuilds the
// sidecar from the data.
//
// Because keys are paths, the local store cannot hold both "a" and "a/b";
// the second put fails with ErrInvalidKey. It needs flock(2) and inode
// numbers, so it runs on Unix-like systems.
type LocalStore struct {
	root    string
	tmpDir  string
	metaDir string
	lockDir string
	dirs    *dirSyncer
	// fsync makes a written file durable; tests count its calls.
	fsync func(*os.File) error
}

var _ Store = (*LocalStore)(nil)

const (
	lockStripes = 64
	// staleTempAge is how old a temp file must be before OpenLocal removes
	// it as debris of a crashed writer; far longer than any sane upload.
	staleTempAge = 24 * time.Hour
	// MaxListLimit caps one page of List on every store (the S3 maximum).
	MaxListLimit = 1000
	// maxHeaderValue bounds ContentType and CacheControl.
	maxHeaderValue = 1024
)

// OpenLocal opens (creating if needed) a local store rooted at dir.
func OpenLocal(dir string) (*LocalStore, error) {
	if dir == "" {
		return nil, fmt.Errorf("%w: local store: empty folder", ErrInvalidArgument)
	}
	root, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("local store %s: %w", dir, err)
	}
	internal := filepath.Join(root, filepath.FromSlash(strings.TrimSuffix(ReservedPrefix, "/")))
	s := &LocalStore{
		root:    root,
		tmpDir:  filepath.Join(internal, "tmp"),
		metaDir: filepath.Join(internal, "meta"),
		lockDir: filepath.Join(internal, "locks"),
		dirs:    newDirSyncer(),
		fsync:   (*os.File).Sync,
	}
	for _, d := range []string{s.tmpDir, s.metaDir, s.lockDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("local store %s: %w", root, err)
		}
	}
	s.removeStaleTemps()
	return s, nil
}

// Root is the store's absolute folder.
func (s *LocalStore) Root() string { return s.root }

func (s *LocalStore) dataPath(key string) string {
	return filepath.Join(s.root, filepath.FromSlash(key))
}

func (s *LocalStore) metaPath(key string) string {
	return filepath.Join(s.metaDir, filepath.FromSlash(key))
}

type localMeta struct {
	ETag         string `json:"etag"`
	Size         int64  `json:"size"`
	Inode        uint64 `json:"inode"`
	ContentType  string `json:"content_type,omitempty"`
	CacheControl string `json:"cache_control,omitempty"`
}

func (s *LocalStore) Put(ctx context.Context, key string, r io.Reader, size int64, opts PutOptions) (Info, error) {
	if err := ValidateKey(key); err != nil {
		return Info{}, fmt.Errorf("put: %w", err)
	}
	if err := validatePutOptions(opts); err != nil {
		return Info{}, fmt.Errorf("put %s: %w", key, err)
	}
	f, meta, err := s.writeTemp(ctx, r, size)
	if err != nil {
		return Info{}, fmt.Errorf("put %s: %w", key, err)
	}
	tmp := f.Name()
	meta.ContentType = contentTypeOrDefault(opts.ContentType)
	meta.CacheControl = opts.CacheControl
	// The two fsyncs overlap: on a journaling file system they often share
	// one commit, which halves the latency of small puts.
	synced := make(chan error, 1)
	go func() {
		var err error
		if !opts.Disposable {
			err = s.fsync(f)
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		synced <- err
	}()
	metaTmp, metaErr := s.writeMetaTemp(meta, !opts.Disposable)
	if err := errors.Join(<-synced, metaErr); err != nil {
		os.Remove(tmp)
		if metaErr == nil {
			os.Remove(metaTmp)
		}
		return Info{}, fmt.Errorf("put %s: %w", key, err)
	}
	committed := false
	defer func() {
		if !committed {
			os.Remove(tmp)
			os.Remove(metaTmp)
		}
	}()

	unlock, err := s.lock(key, syscall.LOCK_EX)
	if err != nil {
		return Info{}, fmt.Errorf("put %s: %w", key, err)
	}
	err = s.commit(key, tmp, metaTmp, opts)
	unlock()
	if err != nil {
		return Info{}, fmt.Errorf("put %s: %w", key, err)
	}
	committed = true
	if !opts.Disposable {
		// Make the renames durable; the object is already visible.
		var wg sync.WaitGroup
		wg.Go(func() { s.dirs.sync(filepath.Dir(s.dataPath(key))) })
		s.dirs.sync(filepath.Dir(s.metaPath(key)))
		wg.Wait()
	}
	fi, err := os.Stat(s.dataPath(key))
	modTime := time.Now()
	if err == nil {
		modTime = fi.ModTime()
	}
	return meta.info(key, modTime), nil
}

// writeTemp streams r into a temp file and returns it, still open and not
// yet synced, with the size, ETag and inode it will have once renamed.
func (s *LocalStore) writeTemp(ctx context.Context, r io.Reader, size int64) (*os.File, localMeta, error) {
	f, err := os.CreateTemp(s.tmpDir, "put-*")
	if err != nil {
		return nil, localMeta{}, err
	}
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	h := md5.New()
	src := &ctxReader{ctx: ctx, r: r}
	var n int64
	if size >= 0 {
		n, err = io.CopyN(io.MultiWriter(f, h), src, size)
		if errors.Is(err, io.EOF) {
			return nil, localMeta{}, fmt.Errorf("%w: body ended after %d of %d bytes", ErrInvalidArgument, n, size)
		}
	} else {
		n, err = io.Copy(io.MultiWriter(f, h), src)
	}
	if err != nil {
		return nil, localMeta{}, fmt.Errorf("write body: %w", err)
	}
	if err := f.Chmod(0o644); err != nil {
		return nil, localMeta{}, err
	}
	fi, err := f.Stat()
	if err != nil {
		return nil, localMeta{}, err
	}
	ok = true
	return f, localMeta{ETag: hex.EncodeToString(h.Sum(nil)), Size: n, Inode: inode(fi)}, nil
}

func (s *LocalStore) writeMetaTemp(m localMeta, durable bool) (string, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return "", err
	}
	f, err := os.CreateTemp(s.tmpDir, "meta-*")
	if err != nil {
		return "", err
	}
	_, err = f.Write(b)
	if err == nil && durable {
		err = s.fsync(f)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// commit checks the put's precondition and renames the temp files into
// place. The caller holds the key's exclusive lock.
func (s *LocalStore) commit(key, tmp, metaTmp string, opts PutOptions) error {
	if opts.IfNoneMatch || opts.IfMatch != "" {
		cur, err := s.infoLocked(key)
		exists := err == nil
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		switch {
		case opts.IfNoneMatch && exists:
			return fmt.Errorf("%w: object exists (ETag %s)", ErrConflict, cur.ETag)
		case opts.IfMatch != "" && !exists:
			return fmt.Errorf("%w: object does not exist (If-Match %s)", ErrConflict, opts.IfMatch)
		case opts.IfMatch != "" && cur.ETag != opts.IfMatch:
			return fmt.Errorf("%w: ETag is %s, not %s", ErrConflict, cur.ETag, opts.IfMatch)
		}
	}
	if err := s.renameInto(key, tmp, s.dataPath(key)); err != nil {
		return err
	}
	return s.renameInto(key, metaTmp, s.metaPath(key))
}

// renameInto moves src to dst, creating dst's folders. A concurrent Delete of
// a sibling may remove a folder that just became empty, so a vanished
// folder is recreated a few times before giving up.
func (s *LocalStore) renameInto(key, src, dst string) error {
	var err error
	for range 5 {
		if err = os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			if errors.Is(err, syscall.ENOTDIR) || errors.Is(err, syscall.EEXIST) {
				return fmt.Errorf("%w %q: a parent path is an object; the local store cannot hold both %q and keys below it", ErrInvalidKey, key, s.parentObject(key))
			}
			return err
		}
		if fi, lerr := os.Lstat(dst); lerr == nil && fi.IsDir() {
			return fmt.Errorf("%w %q: other objects live below this key; the local store cannot hold both", ErrInvalidKey, key)
		}
		err = os.Rename(src, dst)
		if err == nil || !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return err
}

func (s *LocalStore) parentObject(key string) string {
	for dir := path.Dir(key); dir != "."; dir = path.Dir(dir) {
		if fi, err := os.Lstat(s.dataPath(dir)); err == nil && !fi.IsDir() {
			return dir
		}
	}
	return path.Dir(key)
}

func (s *LocalStore) Get(ctx context.Context, key string, rng *Range) (io.ReadCloser, Info, error) {
	if err := ValidateKey(key); err != nil {
		return nil, Info{}, fmt.Errorf("get: %w", err)
	}
	if err := validateRange(rng); err != nil {
		return nil, Info{}, fmt.Errorf("get %s: %w", key, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, Info{}, fmt.Errorf("get %s: %w", key, err)
	}
	f, info, err := s.snapshot(key, true)
	if err != nil {
		return nil, Info{}, fmt.Errorf("get %s: %w", key, err)
	}
	if rng == nil {
		// A whole *os.File lets http.ServeContent use sendfile.
		return f, info, nil
	}
	off, n := clampRange(*rng, info.Size)
	return sectionReadCloser{io.NewSectionReader(f, off, n), f}, info, nil
}

// OpenFile opens the object's data file for reading; the file stays valid
// (the bytes it names never change) even if the key is replaced meanwhile.
func (s *LocalStore) OpenFile(ctx context.Context, key string) (*os.File, Info, error) {
	if err := ValidateKey(key); err != nil {
		return nil, Info{}, fmt.Errorf("open: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, Info{}, fmt.Errorf("open %s: %w", key, err)
	}
	f, info, err := s.snapshot(key, true)
	if err != nil {
		return nil, Info{}, fmt.Errorf("open %s: %w", key, err)
	}
	return f, info, nil
}

var _ FileOpener = (*LocalStore)(nil)

type sectionReadCloser struct {
	*io.SectionReader
	io.Closer
}

func (s *LocalStore) Stat(ctx context.Context, key string) (Info, error) {
	if err := ValidateKey(key); err != nil {
		return Info{}, fmt.Errorf("stat: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return Info{}, fmt.Errorf("stat %s: %w", key, err)
	}
	_, info, err := s.snapshot(key, false)
	if err != nil {
		return Info{}, fmt.Errorf("stat %s: %w", key, err)
	}
	return info, nil
}

// snapshot returns a consistent Info (and, when open is set, a file handle
// to the bytes it describes). The common case takes no lock; a mismatch
// between data and sidecar means a writer is between its renames, so the
// read is repeated under a shared lock, and a mismatch that survives the
// lock is crash damage, repaired under the exclusive lock.
func (s *LocalStore) snapshot(key string, open bool) (*os.File, Info, error) {
	f, info, err := s.read(key, open)
	if err == nil || !errors.Is(err, errStaleMeta) {
		return f, info, err
	}
	unlock, err := s.lock(key, syscall.LOCK_SH)
	if err != nil {
		return nil, Info{}, err
	}
	f, info, err = s.read(key, open)
	unlock()
	if err == nil || !errors.Is(err, errStaleMeta) {
		return f, info, err
	}
	unlock, err = s.lock(key, syscall.LOCK_EX)
	if err != nil {
		return nil, Info{}, err
	}
	defer unlock()
	info, err = s.infoLocked(key)
	if err != nil || !open {
		return nil, info, err
	}
	f, info, err = s.read(key, true)
	return f, info, err
}

var errStaleMeta = errors.New("sidecar does not describe the data file")

// read looks at the data file and its sidecar once, without locking.
func (s *LocalStore) read(key string, open bool) (*os.File, Info, error) {
	var (
		f   *os.File
		fi  os.FileInfo
		err error
	)
	if open {
		f, err = os.Open(s.dataPath(key))
		if err == nil {
			fi, err = f.Stat()
		}
	} else {
		fi, err = os.Stat(s.dataPath(key))
	}
	if err == nil && !fi.Mode().IsRegular() {
		err = fs.ErrNotExist
	}
	if err != nil {
		if f != nil {
			f.Close()
		}
		return nil, Info{}, notFoundOr(err)
	}
	m, merr := s.readMeta(key)
	if merr != nil || m.Inode != inode(fi) || m.Size != fi.Size() {
		if f != nil {
			f.Close()
		}
		return nil, Info{}, errStaleMeta
	}
	return f, m.info(key, fi.ModTime()), nil
}

// infoLocked returns the key's Info, rebuilding a stale sidecar from the
// data. The caller holds the key's exclusive lock.
func (s *LocalStore) infoLocked(key string) (Info, error) {
	_, info, err := s.read(key, false)
	if !errors.Is(err, errStaleMeta) {
		return info, err
	}
	f, err := os.Open(s.dataPath(key))
	if err != nil {
		return Info{}, notFoundOr(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return Info{}, err
	}
	h := md5.New()
	if _, err := io.Copy(h, f); err != nil {
		return Info{}, fmt.Errorf("rehash: %w", err)
	}
	m := localMeta{ETag: hex.EncodeToString(h.Sum(nil)), Size: fi.Size(), Inode: inode(fi)}
	if old, err := s.readMeta(key); err == nil && old.ETag == m.ETag {
		// Same bytes (e.g. a copied data folder): keep what we knew.
		m.ContentType, m.CacheControl = old.ContentType, old.CacheControl
	} else {
		m.ContentType = contentTypeOrDefault("")
	}
	tmp, err := s.writeMetaTemp(m, true)
	if err != nil {
		return Info{}, fmt.Errorf("rebuild sidecar: %w", err)
	}
	if err := s.renameInto(key, tmp, s.metaPath(key)); err != nil {
		os.Remove(tmp)
		return Info{}, fmt.Errorf("rebuild sidecar: %w", err)
	}
	return m.info(key, fi.ModTime()), nil
}

func (s *LocalStore) readMeta(key string) (localMeta, error) {
	b, err := os.ReadFile(s.metaPath(key))
	if err != nil {
		return localMeta{}, err
	}
	var m localMeta
	if err := json.Unmarshal(b, &m); err != nil {
		return localMeta{}, err
	}
	return m, nil
}

func (m localMeta) info(key string, modTime time.Time) Info {
	return Info{Key: key, Size: m.Size, ETag: m.ETag, ModTime: modTime.UTC(), ContentType: m.ContentType, CacheControl: m.CacheControl}
}

func (s *LocalStore) Delete(ctx context.Context, key string) error {
	if err := ValidateKey(key); err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	unlock, err := s.lock(key, syscall.LOCK_EX)
	if err != nil {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	data := s.dataPath(key)
	err = removeFile(data)
	if err == nil {
		err = removeFile(s.metaPath(key))
	}
	unlock()
	if err != nil {
		return fmt.Errorf("delete %s: %w", key, err)
	}
	s.pruneEmptyDirs(filepath.Dir(data), s.root)
	s.pruneEmptyDirs(filepath.Dir(s.metaPath(key)), s.metaDir)
	return nil
}

// pruneEmptyDirs removes dir and its parents up to (not including) stop
// while they are empty, so deleted keys leave no folders that would block
// a later object of the same name.
func (s *LocalStore) pruneEmptyDirs(dir, stop string) {
	for dir != stop && strings.HasPrefix(dir, stop+string(filepath.Separator)) {
		if err := os.Remove(dir); err != nil {
			return
		}
		dir = filepath.Dir(dir)
	}
}

func (s *LocalStore) List(ctx context.Context, prefix string, opts ListOptions) (ListPage, error) {
	if err := validatePrefix(prefix); err != nil {
		return ListPage{}, fmt.Errorf("list: %w", err)
	}
	limit := opts.Limit
	if limit <= 0 || limit > MaxListLimit {
		limit = MaxListLimit
	}
	base := prefix[:strings.LastIndex(prefix, "/")+1]
	w := &localWalk{ctx: ctx, s: s, startAfter: opts.StartAfter, want: limit + 1}
	if err := w.dir(base, prefix[len(base):]); err != nil {
		return ListPage{}, fmt.Errorf("list %q: %w", prefix, err)
	}
	var page ListPage
	keys := w.keys
	if len(keys) > limit {
		keys = keys[:limit]
		page.Next = keys[limit-1]
	}
	for _, k := range keys {
		_, info, err := s.snapshot(k, false)
		if errors.Is(err, ErrNotFound) {
			continue // deleted while we listed
		}
		if err != nil {
			return ListPage{}, fmt.Errorf("list %q: %w", prefix, err)
		}
		page.Items = append(page.Items, info)
	}
	return page, nil
}

// localWalk collects keys in byte order. A folder "a" sorts as "a/", which
// puts "a-b" before "a/c" exactly as S3 orders keys.
type localWalk struct {
	ctx        context.Context
	s          *LocalStore
	startAfter string
	want       int
	keys       []string
}

func (w *localWalk) dir(rel, namePrefix string) error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	entries, err := os.ReadDir(filepath.Join(w.s.root, filepath.FromSlash(rel)))
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return nil
	}
	if err != nil {
		return err
	}
	type entry struct {
		sortKey string
		isDir   bool
	}
	list := make([]entry, 0, len(entries))
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, namePrefix) || (rel == "" && name+"/" == ReservedPrefix) {
			continue
		}
		switch {
		case e.IsDir():
			list = append(list, entry{rel + name + "/", true})
		case e.Type().IsRegular():
			list = append(list, entry{rel + name, false})
		}
	}
	slices.SortFunc(list, func(a, b entry) int { return strings.Compare(a.sortKey, b.sortKey) })
	for _, e := range list {
		if len(w.keys) >= w.want {
			return nil
		}
		if e.isDir {
			// Every key below sorts after e.sortKey; skip the folder when
			// all of them sort at or before startAfter.
			if w.startAfter > e.sortKey && !strings.HasPrefix(w.startAfter, e.sortKey) {
				continue
			}
			if err := w.dir(e.sortKey, ""); err != nil {
				return err
			}
			continue
		}
		if e.sortKey <= w.startAfter || ValidateKey(e.sortKey) != nil {
			continue
		}
		w.keys = append(w.keys, e.sortKey)
	}
	return nil
}

// lock takes the flock(2) stripe for key. Each call opens its own file
// description, so the lock excludes other goroutines as well as other
// processes. Releasing is closing.
func (s *LocalStore) lock(key string, how int) (func(), error) {
	h := fnv.New32a()
	h.Write([]byte(key))
	name := filepath.Join(s.lockDir, fmt.Sprintf("%02d", h.Sum32()%lockStripes))
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lock: %w", err)
	}
	for {
		err = syscall.Flock(int(f.Fd()), how)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock: %w", err)
	}
	return func() { f.Close() }, nil
}

func (s *LocalStore) removeStaleTemps() {
	entries, err := os.ReadDir(s.tmpDir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > staleTempAge {
			os.Remove(filepath.Join(s.tmpDir, e.Name()))
		}
	}
}

// removeFile removes a file; a missing file, or a folder standing where the
// file would be, means there is nothing to remove.
func removeFile(name string) error {
	fi, err := os.Lstat(name)
	if err != nil || fi.IsDir() {
		return nil
	}
	if err := os.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

func inode(fi os.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Ino)
	}
	return 0
}

func notFoundOr(err error) error {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return ErrNotFound
	}
	return err
}

// ctxReader stops a long copy when ctx is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
