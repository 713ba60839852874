package main

import "github.com/loa-audio/loa/web"

func declareFeedFlags(fs *flagSet, f *web.FeedSettings) {
	fs.String(&f.Title, "feed-title", "LOA_FEED_TITLE", "Loa", "podcast channel title")
	fs.String(&f.Description, "feed-description", "LOA_FEED_DESCRIPTION", "Bài viết được đọc thành tiếng", "podcast channel description")
	fs.String(&f.Link, "feed-link", "LOA_FEED_LINK", "", "the publisher's website, the channel link (default: the public URL)")
	fs.String(&f.Language, "feed-language", "LOA_FEED_LANGUAGE", "vi", "channel language")
	fs.String(&f.Artwork, "feed-artwork", "LOA_FEED_ARTWORK", "", "URL of the square channel artwork, 1400–3000 px (default: Loa's own)")
	fs.String(&f.Category, "feed-category", "LOA_FEED_CATEGORY", "News", "iTunes category, optionally 'Category/Subcategory'")
	fs.Bool(&f.Explicit, "feed-explicit", "LOA_FEED_EXPLICIT", false, "mark the feed explicit")
	fs.String(&f.Author, "feed-author", "LOA_FEED_AUTHOR", "", "iTunes author (default: the publisher)")
	fs.String(&f.OwnerName, "feed-owner-name", "LOA_FEED_OWNER_NAME", "", "iTunes owner name (default: the publisher)")
	fs.String(&f.OwnerEmail, "feed-owner-email", "LOA_FEED_OWNER_EMAIL", "", "iTunes owner e-mail")
	fs.String(&f.Copyright, "feed-copyright", "LOA_FEED_COPYRIGHT", "", "copyright line")
	fs.String(&f.Type, "feed-type", "LOA_FEED_TYPE", "episodic", "itunes:type: episodic or serial")
	fs.Int(&f.PageSize, "feed-page-size", "LOA_FEED_PAGE_SIZE", 100, "newest items per feed page; older pages are linked (RFC 5005)")
	fs.Bool(&f.Locked, "feed-locked", "LOA_FEED_LOCKED", true, "podcast:locked (refuse imports into other hosts)")
}
