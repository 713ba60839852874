// Package feed renders Loa's podcast feeds: RSS 2.0 with the iTunes and
// Podcasting 2.0 namespaces, for every published article or one feed.
package feed

import (
	"github.com/gin-gonic/gin"

	"github.com/loa-audio/loa/api"
)

// Settings is the podcast channel metadata from the configuration.
type Settings struct {
	Title       string
	Description string
	Link        string
	Language    string
	Artwork     string
	Category    string
	Explicit    bool
	Author      string
	OwnerName   string
	OwnerEmail  string
	Copyright   string
	Type        string
	PageSize    int
	Locked      bool
	Publisher   string
}

// Feeds serves /feeds/{name}.xml.
type Feeds struct {
	settings Settings
}

// New builds the feed handlers.
func New(s Settings) (*Feeds, error) {
	return &Feeds{settings: s}, nil
}

// Register adds the feed routes.
func (f *Feeds) Register(r gin.IRouter, h api.PageHelpers) {
}
