package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/loa-audio/loa/api/apitest"
)

var (
	rowHostileTime = Row{Measure: "20 concurrent anonymous views, page of a 2 MB article", Unit: "s", Target: Target{"loa", "<", 1}}
	rowHostileRSS  = Row{Measure: "RSS growth, 20 concurrent views of a 2 MB article", Unit: "MB", Target: Target{"loa", "<", 50}}
)

// stalledVoice never answers, so the 2 MB article's synthesis waits on
// its backend instead of competing with the page views for the CPU.
const stalledVoice = `{"backends": {"stall": {"type": "command", "format": "wav", "command": ["sleep", "3600"], "concurrency": 1}},
 "voices": [{"id": "stall", "backend": "stall", "name": "stall", "language": "vi-VN"}], "default_voice": "stall"}`

// hostileLoad measures what an anonymous visitor can make a server spend:
// 20 concurrent GETs of the public page of a 2 MB article, as total time
// and as growth of the server's resident memory.
func (b *bench) hostileLoad(ctx context.Context) []Row {
	tRow, mRow := rowHostileTime, rowHostileRSS
	fail := func(err error) []Row { return []Row{tRow.Failed(err), mRow.Failed(err)} }
	if err := b.buildErr["loa"]; err != nil {
		return fail(err)
	}
	srv, err := b.startServe(ctx, "hostile", "--max-body", strconv.Itoa(4<<20), "--tts-config-json", stalledVoice)
	if err != nil {
		return fail(err)
	}
	defer srv.stop()
	html := apitest.LongArticleHTML(2_000_000)
	if err := srv.submit(ctx, "big", html); err != nil {
		return fail(err)
	}
	time.Sleep(2 * time.Second) // let the worker normalize the text and settle on its stalled backend
	for range b.cfg.Runs {
		took, grew, err := hostileRound(ctx, srv.base+"/articles/big", srv.pid)
		if err != nil {
			return fail(err)
		}
		tRow.Loa = append(tRow.Loa, took.Seconds())
		mRow.Loa = append(mRow.Loa, grew)
	}
	return []Row{tRow, mRow}
}

func hostileRound(ctx context.Context, url string, pid int) (time.Duration, float64, error) {
	base, err := rssMB(pid)
	if err != nil {
		return 0, 0, err
	}
	peak := base
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			if v, err := rssMB(pid); err == nil && v > peak {
				peak = v
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			if _, err := io.Copy(io.Discard, resp.Body); err != nil {
				errs <- err
			} else if resp.StatusCode != http.StatusOK {
				errs <- fmt.Errorf("GET %s: %s", url, resp.Status)
			}
		})
	}
	wg.Wait()
	took := time.Since(start)
	close(stop)
	<-sampled
	close(errs)
	if err := <-errs; err != nil {
		return 0, 0, err
	}
	return took, peak - base, nil
}

// rssMB is a process's resident set size in MB, from /proc.
func rssMB(pid int) (float64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			return kb / 1024, err
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}
