package feed

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

// artworkFile is the default artwork's name under /feeds/. Apple caches
// artwork by URL, so the number changes whenever the drawing does.
const artworkFile = "artwork-1.png"

// artworkSide is the side of the default artwork in pixels: Apple asks for
// a square of 1400 to 3000.
const artworkSide = 1400

// artwork is drawn on first request, not at start-up: most Loa instances
// are configured with the publisher's own artwork, and tests start many.
type artwork struct {
	once sync.Once
	png  []byte
	etag string
	err  error
}

func (a *artwork) get() ([]byte, string, error) {
	a.once.Do(func() {
		var buf bytes.Buffer
		enc := png.Encoder{CompressionLevel: png.BestSpeed}
		if err := enc.Encode(&buf, drawArtwork(artworkSide)); err != nil {
			a.err = fmt.Errorf("encode feed artwork: %w", err)
			return
		}
		sum := sha256.Sum256(buf.Bytes())
		a.png, a.etag = buf.Bytes(), `"`+hex.EncodeToString(sum[:12])+`"`
	})
	return a.png, a.etag, a.err
}

func (f *Feeds) serveArtwork(c *gin.Context, h Helpers) {
	body, etag, err := f.art.get()
	if err != nil {
		h.Error(c, err)
		return
	}
	c.Header("Content-Type", "image/png")
	c.Header("Cache-Control", "public, max-age=31536000, immutable")
	c.Header("ETag", etag)
	c.Header("X-Content-Type-Options", "nosniff")
	http.ServeContent(c.Writer, c.Request, "", time.Time{}, bytes.NewReader(body))
}

// drawArtwork paints Loa's mark, a loudspeaker ("loa" in Vietnamese) with
// three sound waves, on a navy-to-teal gradient. The image is opaque, so it
// is encoded as RGB without an alpha channel, as Apple requires.
func drawArtwork(side int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, side, side))
	scale := float64(side) / 1400
	top := [3]float64{18, 38, 74}
	bottom := [3]float64{10, 104, 98}
	cream := [3]float64{250, 244, 228}
	amber := [3]float64{245, 176, 65}

	// Drawn on a 1400-unit grid and scaled, so any side gives the same picture.
	speaker := [][2]float64{{330, 580}, {470, 580}, {660, 420}, {660, 980}, {470, 820}, {330, 820}}
	const waveHalfAngle = 40 * math.Pi / 180
	waveCenter := [2]float64{660, 700}
	waves := []float64{150, 260, 370}
	const waveHalfWidth = 26

	for y := 0; y < side; y++ {
		for x := 0; x < side; x++ {
			px, py := (float64(x)+0.5)/scale, (float64(y)+0.5)/scale
			t := (px + py) / 2800
			var c [3]float64
			for i := range c {
				c[i] = top[i] + (bottom[i]-top[i])*t
			}
			if px >= 320 && px <= 670 && py >= 410 && py <= 990 {
				c = over(c, cream, coverage(polygonDistance(px, py, speaker), scale))
			}
			if px >= 650 && px <= 1070 && py >= 410 && py <= 990 {
				for _, r := range waves {
					d := arcDistance(px-waveCenter[0], py-waveCenter[1], r, waveHalfAngle) - waveHalfWidth
					c = over(c, amber, coverage(d, scale))
				}
			}
			img.SetRGBA(x, y, color.RGBA{uint8(c[0] + 0.5), uint8(c[1] + 0.5), uint8(c[2] + 0.5), 255})
		}
	}
	return img
}

// coverage turns a signed distance (negative inside, in grid units) into
// the anti-aliased share of a pixel.
func coverage(d, scale float64) float64 {
	return math.Max(0, math.Min(1, 0.5-d*scale))
}

func over(dst, src [3]float64, a float64) [3]float64 {
	for i := range dst {
		dst[i] += (src[i] - dst[i]) * a
	}
	return dst
}

// polygonDistance is the signed distance from (x, y) to a simple polygon.
func polygonDistance(x, y float64, pts [][2]float64) float64 {
	best := math.Inf(1)
	inside := false
	for i := range pts {
		a, b := pts[i], pts[(i+1)%len(pts)]
		best = math.Min(best, segmentDistance(x, y, a, b))
		if (a[1] > y) != (b[1] > y) && x < a[0]+(y-a[1])*(b[0]-a[0])/(b[1]-a[1]) {
			inside = !inside
		}
	}
	if inside {
		return -best
	}
	return best
}

func segmentDistance(x, y float64, a, b [2]float64) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	t := math.Max(0, math.Min(1, ((x-a[0])*dx+(y-a[1])*dy)/(dx*dx+dy*dy)))
	return math.Hypot(x-a[0]-t*dx, y-a[1]-t*dy)
}

// arcDistance is the distance from (x, y), relative to the centre, to an
// arc of radius r opening to the right by ±half radians.
func arcDistance(x, y, r, half float64) float64 {
	if math.Abs(math.Atan2(y, x)) <= half {
		return math.Abs(math.Hypot(x, y) - r)
	}
	ex, ey := r*math.Cos(half), r*math.Sin(half)
	return math.Min(math.Hypot(x-ex, y-ey), math.Hypot(x-ex, y+ey))
}
